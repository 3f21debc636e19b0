import Foundation
import Logging
import Mail
import Postgres
import Redis

extension JobKind {
    /// Builds an incident export (payload: ``IncidentExports/Payload``).
    public static let exportIncidents = JobKind(rawValue: "export_incidents")
}

/// What to export: the incidents of one workflow and regulation notified in a time range, each
/// with the latest version of one of its reports.
public struct IncidentExportRequest: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case csv, json
    }

    public var regulationID: UUID
    public var workflowID: UUID
    public var reportTypeID: UUID
    public var notifiedFrom: Date
    public var notifiedTo: Date
    public var format: Format

    public init(regulationID: UUID, workflowID: UUID, reportTypeID: UUID, notifiedFrom: Date, notifiedTo: Date, format: Format) {
        self.regulationID = regulationID
        self.workflowID = workflowID
        self.reportTypeID = reportTypeID
        self.notifiedFrom = notifiedFrom
        self.notifiedTo = notifiedTo
        self.format = format
    }

    /// The longest range one export covers.
    static let maximumDays = 731
}

/// Incident exports, for regulator administrators and observer members holding the export
/// right: built by the worker as CSV (the CIRAS-style columns: the incident's facts, then one
/// column per question of the chosen report) or JSON, kept for the one who asked, audited with
/// the number of incidents written, and announced to the platform administrators.
public struct IncidentExports: Sendable {
    let postgres: PostgresClient
    let outbox: Outbox
    let documents: DocumentStore
    let sender: MailAddress

    struct Payload: Codable, Sendable {
        var exportId: UUID
    }

    /// Asks for an export; answers with the job building it.
    ///
    /// - Throws: 403 without the export right, 422 for a range out of order or longer than two
    ///   years, or a workflow, regulation or report that do not go together or are not the
    ///   caller's to export.
    public func request(_ principal: Principal, _ input: IncidentExportRequest, client: ClientInfo) async throws -> JobStatus {
        try principal.requireAccess(.incidentsRead)
        let affiliations = principal.affiliations
        let regulatorID = affiliations.regulator.flatMap { $0.isAdministrator && $0.canExportIncidents ? $0.regulatorID : nil }
        let observerID = affiliations.observer.flatMap { $0.canExportIncidents ? $0.observerID : nil }
        guard regulatorID != nil || observerID != nil else {
            throw DomainError.forbidden("Exports are for regulator administrators and observer members holding the export right.")
        }
        var validator = Validator()
        validator.check(input.notifiedFrom < input.notifiedTo, "notified_to", "before_start", "The range ends after it starts.")
        validator.check(input.notifiedTo.timeIntervalSince(input.notifiedFrom) <= Double(IncidentExportRequest.maximumDays) * 86_400, "notified_to",
                        "too_long", "An export covers at most \(IncidentExportRequest.maximumDays) days.")
        try validator.throwIfInvalid()
        return try await outbox.transaction { unit in
            let session = unit.session
            let workflow = try await session.query("""
                SELECT w.regulator_id, w.regulation_id,
                       EXISTS (SELECT 1 FROM report_stages s WHERE s.workflow_id = w.id AND s.report_type_id = $2) AS has_report
                FROM notification_workflows w WHERE w.id = $1
                """, input.workflowID, input.reportTypeID).first
            var validator = Validator()
            var reachable = false
            if let workflow { reachable = try regulatorID == nil || workflow.decode("regulator_id", as: UUID.self) == regulatorID }
            validator.check(reachable, "workflow_id", "not_found", "No such workflow of your regulator.")
            if reachable, let workflow {
                validator.check(try workflow.decode("regulation_id", as: UUID.self) == input.regulationID, "regulation_id", "mismatch",
                                "The workflow is for another regulation.")
                validator.check(try workflow.decode("has_report", as: Bool.self), "report_type_id", "not_in_workflow",
                                "The workflow has no such report.")
            }
            try validator.throwIfInvalid()
            let id = UUID()
            let jobID = try await unit.enqueue(.exportIncidents, payload: Payload(exportId: id))
            try await TrackedJobs.track(jobID, subjectType: "incident_export", subjectID: id, resultPath: Self.resultPath(id), session: session)
            try await session.query("""
                INSERT INTO incident_exports (id, requested_by, regulator_id, observer_id, regulation_id, workflow_id, report_type_id, notified_from,
                                              notified_to, format, job_id)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                """, bindings: [id, principal.userID, regulatorID, regulatorID == nil ? observerID : nil, input.regulationID, input.workflowID,
                                input.reportTypeID, input.notifiedFrom, input.notifiedTo, input.format.rawValue, jobID])
            try await AuditLog.record(AuditEvent("incident.export_requested", by: principal, objectType: "incident_export", objectID: id,
                                                 client: client, details: try JobPayloadCoding.encode(["format": input.format.rawValue])),
                                      in: session)
            return try await TrackedJobs.requiredStatus(jobID, session: session)
        }
    }

    /// Where an export's file is served.
    static func resultPath(_ exportID: UUID) -> String { "/api/v1/incident-exports/\(exportID.uuidString.lowercased())/file" }

    /// The export's file once built (for the one who asked), or the job still building it; when
    /// that job failed for good or is gone, asking again builds it again.
    public func file(_ principal: Principal, id: UUID) async throws -> FileOutcome {
        try principal.requireAccess(.incidentsRead)
        return try await outbox.transaction { unit in
            guard try await unit.session.query("SELECT 1 FROM incident_exports WHERE id = $1 AND requested_by = $2", id, principal.userID)
                .count == 1 else { throw DomainError.notFound("No such export.") }
            return try await documents.outcome(of: id, recordedIn: "incident_exports", kind: .exportIncidents, payload: Payload(exportId: id),
                                               subjectType: "incident_export", subjectID: id, resultPath: Self.resultPath(id), unit: unit)
        }
    }

    /// Whether the caller asked for the export.
    func canSee(_ principal: Principal, exportID: UUID) async throws -> Bool {
        try await postgres.query("SELECT 1 FROM incident_exports WHERE id = $1 AND requested_by = $2", exportID, principal.userID).count == 1
    }

    // MARK: Building (worker)

    /// Builds and stores the export `id` (nothing when it is stored already or was withdrawn).
    @discardableResult
    func build(_ id: UUID) async throws -> Bool {
        guard let export = try await postgres.query("""
            SELECT e.*, u.first_name || ' ' || u.last_name AS requester
            FROM incident_exports e LEFT JOIN users u ON u.id = e.requested_by WHERE e.id = $1
            """, id).first else { return false }
        if try await documents.exists(id) { return false }
        let format = IncidentExportRequest.Format(rawValue: try export.decode("format")) ?? .csv
        let (records, questions) = try await postgres.withSession { session in
            try await Self.records(export, session: session)
        }
        // Writing thousands of rows is CPU work: on the rendering threads, not the async ones.
        let (content, contentType) = try await documents.renderingThreads.run { () throws -> (Data, String) in
            switch format {
            case .csv:
                return (try CSVTable.data(header: Self.fixedColumns + questions.map(\.label),
                                          rows: records.map { record in record.fixed + questions.map { record.answers[$0.id] ?? "" } }),
                        "text/csv; charset=utf-8")
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
                return (try encoder.encode(records.map { record in
                    ExportedIncident(columns: Dictionary(uniqueKeysWithValues: zip(Self.fixedColumns, record.fixed)),
                                     answers: questions.compactMap { question in
                                         record.answers[question.id].map { ExportedAnswer(question: question.label, answer: $0) }
                                     })
                }), "application/json")
            }
        }
        let day = RFC3339.format(Date()).prefix(10)
        // The file, the count, the audit entry and the e-mails commit together: a redelivered job
        // after a crash builds it all again, and one that finds the file does nothing.
        return try await outbox.transaction { unit in
            let session = unit.session
            guard try await DocumentStore.store(id: id, filename: "incidents_\(day).\(format.rawValue)", contentType: contentType, content: content,
                                                session: session) else { return false }
            try await session.query("UPDATE incident_exports SET row_count = $2 WHERE id = $1", id, records.count)
            let requester: String = try export.decode("requester", as: String?.self) ?? "a deleted user"
            try await AuditLog.record(AuditEvent(action: "incident.exported", actorID: try export.decode("requested_by"), actorRole: nil,
                                                 organisationID: try export.decode("regulator_id", as: UUID?.self) ?? export.decode("observer_id"),
                                                 objectType: "incident_export", objectID: id.postgresText, client: .system,
                                                 details: try JobPayloadCoding.encode(["incidents": String(records.count),
                                                     "format": format.rawValue])),
                                      in: session)
            let admins = try await session.query("SELECT email FROM users WHERE is_platform_admin AND is_active").map { try $0.decode("email", as: String.self) }
            for admin in admins where TextRules.isEmail(admin) {
                try await unit.sendEmail(OutgoingEmail(
                    to: [MailAddress(admin)], subject: "Incidents exported",
                    text: "\(requester) exported \(records.count) incidents (\(format.rawValue.uppercased())) notified between "
                        + "\(RFC3339.format(try export.decode("notified_from"))) and \(RFC3339.format(try export.decode("notified_to"))).\n"),
                    from: sender)
            }
            return true
        }
    }

    static let fixedColumns = [
        "Operator", "Reference", "Notified at", "Detected at", "Started at", "Resolved at", "Legal basis", "Impacted sectors", "Significant impact",
        "Cross-border", "Notification type", "Incident status", "Notification manager", "Technical contact", "Report", "Report version",
        "Report status", "Report submitted at", "Report late", "Impacts",
    ]

    struct Record {
        var fixed: [String]
        var answers: [UUID: String]
    }

    struct ExportedAnswer: Encodable {
        var question: String
        var answer: String
    }

    struct ExportedIncident: Encodable {
        var columns: [String: String]
        var answers: [ExportedAnswer]
    }

    /// One record per incident in the export's scope, newest first, with the latest version of
    /// the chosen report (the report columns stay empty when it was not submitted: the
    /// incident is exported all the same), and the questions met, in questionnaire order.
    static func records(_ export: PostgresRow, session: PostgresSession) async throws -> ([Record], [(id: UUID, label: String)]) {
        let rows = try await session.query("""
            SELECT i.id, g.label->>'en' AS regulation,
                   ARRAY(SELECT CASE WHEN p.id IS NULL THEN s.name->>'en' ELSE (p.name->>'en') || ' -> ' || (s.name->>'en') END
                         FROM incident_sectors x JOIN sectors s ON s.id = x.sector_id LEFT JOIN sectors p ON p.id = s.parent_id
                         WHERE x.incident_id = i.id ORDER BY 1) AS sectors,
                   (SELECT v.id FROM report_versions v JOIN incident_reports ir ON ir.incident_id = v.incident_id AND ir.stage_id = v.stage_id
                    WHERE v.incident_id = i.id AND ir.report_type_id = $7 ORDER BY v.number DESC LIMIT 1) AS version_id
            FROM incidents i JOIN regulations g ON g.id = i.regulation_id
            WHERE i.workflow_id = $1 AND i.regulation_id = $2 AND i.notified_at >= $3 AND i.notified_at <= $4
              AND (i.regulator_id = $5 OR EXISTS (SELECT 1 FROM incident_observers io WHERE io.incident_id = i.id AND io.observer_id = $6))
            ORDER BY i.notified_at DESC, i.id DESC
            """, bindings: [try export.decode("workflow_id", as: UUID.self), try export.decode("regulation_id", as: UUID.self),
                            try export.decode("notified_from", as: Date.self), try export.decode("notified_to", as: Date.self),
                            try export.decode("regulator_id", as: UUID?.self), try export.decode("observer_id", as: UUID?.self),
                            try export.decode("report_type_id", as: UUID.self)])
        let incidents = try await IncidentQuery.load(try rows.map { try $0.decode("id") }, session: session)
        let versions = Dictionary(uniqueKeysWithValues: try await IncidentReports.load(try rows.compactMap { try $0.decode("version_id") },
                                                                                       session: session).map { ($0.id, $0) })
        var records: [Record] = []
        var questions: [(id: UUID, label: String)] = []
        for row in rows {
            guard let incident = incidents[try row.decode("id")] else { continue }
            let version = try row.decode("version_id", as: UUID?.self).flatMap { versions[$0] }
            func time(_ date: Date?) -> String { date.map(RFC3339.format) ?? "" }
            func person(_ contact: IncidentContact) -> String { "\(contact.firstName) \(contact.lastName), \(contact.email), \(contact.phone)" }
            var answers: [UUID: String] = [:]
            for item in version?.questionnaire.sections.flatMap(\.items) ?? [] {
                if !questions.contains(where: { $0.id == item.questionID }) { questions.append((item.questionID, item.label.text(in: .en))) }
                guard let given = version?.answer(item.questionID), !given.isEmpty else { continue }
                answers[item.questionID] = given.readable(for: item, language: .en, date: RFC3339.format).joined(separator: "; ")
            }
            records.append(Record(fixed: [
                incident.shownNotifierName(), incident.reference, time(incident.notifiedAt), time(version?.detectedAt ?? incident.detectedAt),
                time(version?.startedAt), time(version?.resolvedAt), try row.decode("regulation", as: String?.self) ?? "",
                try row.decode("sectors", as: [String].self).joined(separator: "; "), incident.significant ? "yes" : "no",
                incident.crossBorder ? "yes" : "no", incident.notificationType.rawValue, incident.isOpen ? "open" : "closed",
                person(incident.contact), person(incident.technicalContact), version?.reportName ?? "", version.map { String($0.number) } ?? "",
                version?.reviewStatus.rawValue ?? "notSubmitted", time(version?.submittedAt), version.map { $0.late ? "yes" : "no" } ?? "",
                version?.impacts.map { $0.label.text(in: .en) }.joined(separator: "; ") ?? "",
            ], answers: answers))
        }
        return (records, questions)
    }
}

/// `export_incidents`: builds one incident export.
struct ExportIncidentsHandler: JobHandler {
    let exports: IncidentExports

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        let payload = try JobPayloadCoding.decode(IncidentExports.Payload.self, from: job.payload)
        let built = try await exports.build(payload.exportId)
        logger.info("incident export handled", metadata: ["export_id": "\(payload.exportId)", "built": "\(built)"])
    }
}
