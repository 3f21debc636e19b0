import Foundation
import Mail
import Postgres

/// What a client needs to fill a report: the current questionnaire, answers carried over from
/// the incident's latest versions, the timeline and the impacts to choose from.
public struct ReportForm: Sendable, Equatable {
    public struct ImpactChoice: Sendable, Equatable {
        public var id: UUID
        public var label: LanguageMap
        public var headline: LanguageMap
        /// The incident's sectors the impact applies to.
        public var sectorIDs: [UUID]
    }

    public var incidentID: UUID
    public var report: Incident.Report
    /// Whether the caller may submit it now (the frontier report of an open incident).
    public var submittable: Bool
    public var questionnaire: Questionnaire
    /// Per question of ``questionnaire``, the latest answer the incident has to it (from this
    /// or another report), restricted to options that still exist.
    public var answers: [ReportAnswer]
    public var timeZone: String
    public var startedAt: Date?
    public var detectedAt: Date?
    public var resolvedAt: Date?
    /// The detection time was fixed by the first notification (its workflow asks for it).
    public var detectionLocked: Bool
    /// The impacts to tick, when the report asks for them.
    public var impacts: [ImpactChoice]
    public var impactIDs: [UUID]
}

/// Filing and reviewing reports: the frontier rule, immutable versions, deadlines started and
/// frozen at first submission, significance from impacts, the regulator's review of a chosen
/// version, the access log, and deleting an incident nothing was submitted for.
public struct IncidentReports: Sendable {
    let postgres: PostgresClient
    let outbox: Outbox
    let emails: IncidentEmails
    let now: @Sendable () -> Date

    // MARK: Filling

    /// The form of the report `stageID` of the incident, for whoever files its reports.
    public func form(_ principal: Principal, incidentID: UUID, stageID: UUID) async throws -> ReportForm {
        try principal.requireAccess(.incidentsRead)
        return try await postgres.withTransaction { session in
            let incident = try await IncidentQuery.reachableIncident(principal, id: incidentID, lock: false, session: session)
            guard incident.isNotifier(principal) else {
                throw DomainError.forbidden("Reports are filed by the notifier's side; you may read the submitted versions.")
            }
            guard let report = incident.reports.first(where: { $0.stageID == stageID }) else { throw DomainError.notFound("No such report.") }
            let questionnaire = try await IncidentConfiguration.currentQuestionnaire(report.reportTypeID, session: session)
            let versions = try await session.query("""
                SELECT v.answers::text AS answers, v.time_zone, v.started_at, v.resolved_at, v.stage_id = $2 AS same,
                       ARRAY(SELECT vi.impact_id FROM report_version_impacts vi WHERE vi.version_id = v.id) AS impact_ids
                FROM report_versions v WHERE v.incident_id = $1 ORDER BY v.submitted_at DESC, v.number DESC
                """, incidentID, stageID)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .secondsSince1970
            let history = try versions.map { try decoder.decode([ReportAnswer].self, from: Data(try $0.decode("answers", as: String.self).utf8)) }
            var answers: [ReportAnswer] = []
            for item in questionnaire.sections.flatMap(\.items) {
                var answer = history.lazy.compactMap { $0.first { $0.questionID == item.questionID } }.first
                    ?? ReportAnswer(questionID: item.questionID)
                answer.choices = answer.choices.filter(Set(item.options.map(\.id)).contains)
                answers.append(answer)
            }
            let latest = versions.first
            let sameLatest = try versions.first { try $0.decode("same", as: Bool.self) }
            let impacts = try await self.impacts(incident, reportTypeID: report.reportTypeID, session: session).offered
            return ReportForm(
                incidentID: incidentID, report: report, submittable: incident.isSubmittable(stageID), questionnaire: questionnaire, answers: answers,
                timeZone: try latest?.decode("time_zone") ?? incident.timeZone, startedAt: try latest?.decode("started_at"),
                detectedAt: incident.detectedAt, resolvedAt: try latest?.decode("resolved_at"),
                detectionLocked: try await detectionLocked(incident, session: session), impacts: impacts,
                impactIDs: try (sameLatest ?? latest)?.decode("impact_ids", as: [UUID].self).filter { id in impacts.contains { $0.id == id } } ?? [])
        }
    }

    /// Submits a version of the report `stageID`: only the frontier report of an open incident,
    /// by the notifier's side. The first submission decides lateness (after the due time) for
    /// good and starts the clock of a next report triggered by it; a detection time given here
    /// (when the first notification did not fix it) moves the deadlines counted from detection.
    /// Ticked impacts decide significance unless a regulator ruled on it. The submission e-mail
    /// goes to every party, observers included. With `idempotencyKey`, a retry answers with the
    /// same version.
    ///
    /// - Throws: 404 outside the caller's reach, 403 for readers who do not file reports, 409 for
    ///   a closed incident or a report that is not the frontier, 422 naming every faulty field.
    public func submit(_ principal: Principal, incidentID: UUID, stageID: UUID, _ submission: ReportSubmission, idempotencyKey: String? = nil,
                       witness: Idempotency.Witness? = nil, client: ClientInfo) async throws -> ReportVersion {
        try principal.requireAccess(.incidentsWrite)
        let submittedAt = now()
        let shape = Self.shapeFaults(submission, at: submittedAt)
        // Too many answers or impacts: refused before any work on them.
        if shape.errors.contains(where: { $0.code == "too_many" }) { throw DomainError.validation(shape.errors) }
        let fingerprint = SHA256.hex(try Self.fingerprintEncoder.encode(submission)) + incidentID.uuidString + stageID.uuidString
        return try await outbox.transaction { unit in
            let session = unit.session
            let incident = try await IncidentQuery.reachableIncident(principal, id: incidentID, lock: true, session: session)
            guard incident.isNotifier(principal) else {
                throw DomainError.forbidden("Reports are filed by the notifier's side; you may read the submitted versions.")
            }
            if let idempotencyKey {
                let claim = try await Idempotency.claim(idempotencyKey, userID: principal.userID, scope: "incidents.report", fingerprint: fingerprint,
                                                        witness: witness, session: session)
                if case .replay(let result) = claim {
                    return try await Self.load(try JSONDecoder().decode(UUID.self, from: Data(result.utf8)), session: session)
                }
            }
            guard let report = incident.reports.first(where: { $0.stageID == stageID }) else { throw DomainError.notFound("No such report.") }
            guard incident.isOpen else { throw DomainError.conflict("The incident is closed; its reports are final.") }
            guard incident.isSubmittable(stageID) else {
                throw DomainError.conflict(report.firstSubmittedAt == nil && report.position > incident.reports[0].position
                    ? "Submit the previous report first." : "A later report was submitted; this one is frozen.")
            }
            let snapshot = try await IncidentConfiguration.snapshotQuestionnaire(report.reportTypeID, session: session)
            var validator = shape
            var answers: [ReportAnswer] = []
            do {
                answers = try snapshot.questionnaire.validated(submission.answers)
            } catch DomainError.validation(let errors) {
                validator.add(errors)
            }
            let detectedAt = try await timeline(submission, incident: incident, validator: &validator, session: session)
            let (impactsNeeded, impacts) = try await self.impacts(incident, reportTypeID: report.reportTypeID, session: session)
            validator.check(submission.impactIDs.allSatisfy { id in impacts.contains { $0.id == id } }, "impact_ids",
                            impactsNeeded ? "invalid" : "not_allowed",
                            impactsNeeded ? "Tick impacts the form offers for this incident." : "This report does not ask for impacts.")
            try validator.throwIfInvalid()

            let versionID = UUID()
            let number = try await session.query("SELECT coalesce(max(number), 0) + 1 AS n FROM report_versions WHERE incident_id = $1 AND stage_id = $2",
                                                 incidentID, stageID).required().decode("n", as: Int.self)
            let dueAt = try await applyDeadlines(incident, report: report, submittedAt: submittedAt, detectedAt: detectedAt, session: session)
            let late = dueAt.map { submittedAt > $0 } ?? false
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .secondsSince1970
            try await session.query("""
                INSERT INTO report_versions (id, incident_id, stage_id, number, questionnaire_id, submitted_at, submitted_by, submitter_name, late,
                                             time_zone, started_at, detected_at, resolved_at, answers)
                SELECT $1, $2, $3, $4, $5, $6, u.id, trim(u.first_name || ' ' || u.last_name), $8, $9, $10, $11, $12, $13::jsonb
                FROM users u WHERE u.id = $7
                """, bindings: [versionID, incidentID, stageID, number, snapshot.id, submittedAt, principal.userID, late,
                                submission.timeZone ?? incident.timeZone, submission.startedAt, detectedAt, submission.resolvedAt,
                                String(decoding: try encoder.encode(answers), as: UTF8.self)])
            try await session.query("INSERT INTO report_version_impacts (version_id, impact_id) SELECT $1, unnest($2::uuid[])",
                                    versionID, Array(Set(submission.impactIDs)))
            // Significance follows the ticked impacts, unless a regulator ruled on it.
            let decidesSignificance = impactsNeeded && !impacts.isEmpty
            let revision = try await session.query("""
                UPDATE incidents SET time_zone = $2, significant = CASE WHEN $3 AND NOT significance_overridden THEN $4 ELSE significant END,
                                     revision = revision + 1, updated_at = $5
                WHERE id = $1 RETURNING revision
                """, incidentID, submission.timeZone ?? incident.timeZone, decidesSignificance, !submission.impactIDs.isEmpty, submittedAt)
                .required().decode("revision", as: Int.self)
            try await IncidentAccessLog.record(.submitted, by: principal, on: incident, versionID: versionID, session: session)
            try await AuditLog.record(AuditEvent("incident.report_submitted", by: principal, objectType: "incident", objectID: incidentID,
                                                 organisation: .regulator(incident.regulatorID), client: client,
                                                 details: try JobPayloadCoding.encode(["version_id": versionID.uuidString.lowercased(),
                                                                                       "report": report.name, "number": String(number)])),
                                      in: session)
            try await emails.send(.submission, incidentID: incidentID, stageID: stageID, unit: unit)
            try await Webhooks.publishIncident(.incidentReportSubmitted, incidentID: incidentID,
                                               extra: ["stage_id": stageID, "report": report.name, "version_id": versionID, "number": number], unit: unit)
            // The PDFs of the incident as it is now and of the new version, made at once.
            try await IncidentDocuments.schedule(incidentID: incidentID, revision: revision, versionID: nil, language: .en, unit: unit)
            try await IncidentDocuments.schedule(incidentID: incidentID, revision: revision, versionID: versionID, language: .en, unit: unit)
            if let idempotencyKey {
                try await Idempotency.record(idempotencyKey, userID: principal.userID,
                                             result: String(decoding: try JSONEncoder().encode(versionID), as: UTF8.self), session: session)
            }
            return try await Self.load(versionID, session: session)
        }
    }

    private static let fingerprintEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()

    /// What is wrong whatever the incident: sizes, the time zone, times in the future; reported
    /// together with the faults found against the incident and its form.
    static func shapeFaults(_ submission: ReportSubmission, at time: Date) -> Validator {
        var validator = Validator()
        validator.check(submission.answers.count <= ReportSubmission.maximumAnswers, "answers", "too_many",
                        "A report has at most \(ReportSubmission.maximumAnswers) answers.")
        validator.check(submission.impactIDs.count <= 100, "impact_ids", "too_many", "Tick at most 100 impacts.")
        _ = validator.distinct(submission.impactIDs, "impact_ids")
        if let zone = submission.timeZone {
            validator.check(TimeZone(identifier: zone) != nil && TimeZone.knownTimeZoneIdentifiers.contains(zone), "time_zone", "invalid",
                            "Use an IANA time zone such as Europe/Luxembourg.")
        }
        let latest = time.addingTimeInterval(300)
        for (field, value) in [("started_at", submission.startedAt), ("detected_at", submission.detectedAt), ("resolved_at", submission.resolvedAt)] {
            guard let value else { continue }
            validator.check(value <= latest, field, "in_future", "This time cannot be in the future.")
            validator.check(value >= Date(timeIntervalSince1970: 946_684_800), field, "too_early", "Give a time after 2000.")
        }
        return validator
    }

    /// The version's detection time after the timeline's checks: the incident's when the first
    /// notification fixed it, otherwise the one given (or the incident's).
    private func timeline(_ submission: ReportSubmission, incident: Incident, validator: inout Validator,
                          session: PostgresSession) async throws -> Date? {
        var detectedAt = submission.detectedAt ?? incident.detectedAt
        if try await detectionLocked(incident, session: session) {
            validator.check(submission.detectedAt == nil || submission.detectedAt == incident.detectedAt, "detected_at", "locked",
                            "The detection time was fixed by the first notification.")
            detectedAt = incident.detectedAt
        }
        if let detectedAt {
            validator.check(detectedAt <= incident.notifiedAt, "detected_at", "after_notification",
                            "The detection comes after the notification; an incident is detected before it is notified.")
            if let startedAt = submission.startedAt {
                validator.check(startedAt <= detectedAt, "started_at", "after_detection",
                                "The start comes after the detection; an incident starts before it is detected.")
            }
            if let resolvedAt = submission.resolvedAt {
                validator.check(resolvedAt >= detectedAt, "resolved_at", "before_detection",
                                "The resolution comes before the detection; an incident is resolved after it is detected.")
            }
        } else if let startedAt = submission.startedAt, let resolvedAt = submission.resolvedAt {
            validator.check(startedAt <= resolvedAt, "resolved_at", "before_start",
                            "The resolution comes before the start; an incident is resolved after it starts.")
        }
        return detectedAt
    }

    /// Whether the workflow asked for the detection time at the first notification, which fixed it.
    private func detectionLocked(_ incident: Incident, session: PostgresSession) async throws -> Bool {
        try await session.query("SELECT detection_date_needed FROM notification_workflows WHERE id = $1", incident.workflowID).required()
            .decode("detection_date_needed", as: Bool.self)
    }

    /// Whether the report type `reportTypeID` asks for impacts and, when it does, the impacts of
    /// the incident's regulator for its regulation and sectors (one query).
    private func impacts(_ incident: Incident, reportTypeID: UUID, session: PostgresSession) async throws
        -> (needed: Bool, offered: [ReportForm.ImpactChoice]) {
        let rows = try await session.query("""
            SELECT rt.impacts_needed, m.id, m.label::text AS label, m.headline::text AS headline,
                   ARRAY(SELECT s.sector_id FROM impact_sectors s WHERE s.impact_id = m.id AND s.sector_id = ANY($3::uuid[]) ORDER BY s.sector_id) AS sector_ids
            FROM report_types rt
            LEFT JOIN impacts m ON rt.impacts_needed AND m.regulator_id = $1
                AND EXISTS (SELECT 1 FROM impact_regulations r WHERE r.impact_id = m.id AND r.regulation_id = $2)
                AND EXISTS (SELECT 1 FROM impact_sectors s WHERE s.impact_id = m.id AND s.sector_id = ANY($3::uuid[]))
            WHERE rt.id = $4
            ORDER BY m.label->>'en', m.id
            """, incident.regulatorID, incident.regulationID, incident.sectorIDs, reportTypeID)
        let offered = try rows.compactMap { row -> ReportForm.ImpactChoice? in
            guard let id = try row.decode("id", as: UUID?.self) else { return nil }
            return ReportForm.ImpactChoice(id: id, label: try LanguageMap.parse(try row.decode("label")),
                                           headline: try LanguageMap.parse(try row.decode("headline")), sectorIDs: try row.decode("sector_ids"))
        }
        return (try rows.first?.decode("impacts_needed", as: Bool.self) ?? false, offered)
    }

    /// Deadlines as data: a detection time given now moves the due time of the reports counted
    /// from detection that are not submitted yet, this one included (which re-arms their
    /// reminders and clears their overdue mark); the first submission then records its time and
    /// lateness for good and starts the clock of the next report when that one counts from it.
    /// Returns this report's due time.
    private func applyDeadlines(_ incident: Incident, report: Incident.Report, submittedAt: Date, detectedAt: Date?,
                                session: PostgresSession) async throws -> Date? {
        if let detectedAt, detectedAt != incident.detectedAt {
            try await session.query("UPDATE incidents SET detected_at = $2 WHERE id = $1", incident.id, detectedAt)
            try await session.query("""
                UPDATE incident_reports SET triggered_at = $2::timestamptz, due_at = $2::timestamptz + make_interval(hours => delay_hours), overdue_at = NULL
                WHERE incident_id = $1 AND trigger = 'detection' AND first_submitted_at IS NULL
                """, incident.id, detectedAt)
        }
        let dueAt = try await session.query("SELECT due_at FROM incident_reports WHERE incident_id = $1 AND stage_id = $2",
                                            incident.id, report.stageID).required().decode("due_at", as: Date?.self)
        if report.firstSubmittedAt == nil {
            try await session.query("UPDATE incident_reports SET first_submitted_at = $3, late = $4 WHERE incident_id = $1 AND stage_id = $2",
                                    incident.id, report.stageID, submittedAt, dueAt.map { submittedAt > $0 } ?? false)
            try await session.query("""
                UPDATE incident_reports SET triggered_at = $3::timestamptz, due_at = $3::timestamptz + make_interval(hours => delay_hours), overdue_at = NULL
                WHERE incident_id = $1 AND position = (SELECT min(position) FROM incident_reports WHERE incident_id = $1 AND position > $2)
                  AND trigger = 'previousReportSubmitted' AND first_submitted_at IS NULL
                """, incident.id, report.position, submittedAt)
        }
        return dueAt
    }

    // MARK: Reading

    /// A submitted version, rendered with the questionnaire it answered, for whoever reaches the
    /// incident; the read is logged.
    public func version(_ principal: Principal, id: UUID) async throws -> ReportVersion {
        try principal.requireAccess(.incidentsRead)
        return try await postgres.withTransaction { session in
            let (incident, version) = try await locate(principal, versionID: id, lock: false, session: session)
            try await IncidentAccessLog.record(.read, by: principal, on: incident, versionID: id, session: session)
            return version
        }
    }

    /// The version and its incident, if the caller reaches the incident; 404 otherwise.
    private func locate(_ principal: Principal, versionID: UUID, lock: Bool, session: PostgresSession) async throws -> (Incident, ReportVersion) {
        let incident = try await IncidentQuery.reachableIncident(principal, ofVersion: versionID, lock: lock, session: session)
        return (incident, try await Self.load(versionID, session: session))
    }

    /// The versions of `ids`, in the order of `ids`, in one query.
    static func load(_ ids: [UUID], session: PostgresSession) async throws -> [ReportVersion] {
        let rows = try await session.query("SELECT \(ReportVersion.columns) FROM report_versions v \(ReportVersion.joins) WHERE v.id = ANY($1::uuid[])",
                                           ids)
        let found = Dictionary(uniqueKeysWithValues: try rows.map { row in let version = try ReportVersion(row: row); return (version.id, version) })
        return ids.compactMap { found[$0] }
    }

    static func load(_ id: UUID, session: PostgresSession) async throws -> ReportVersion {
        guard let row = try await session.query("SELECT \(ReportVersion.columns) FROM report_versions v \(ReportVersion.joins) WHERE v.id = $1",
                                                id).first else { throw DomainError.notFound("No such report version.") }
        return try ReportVersion(row: row)
    }

    /// The incident's access log, newest first, as the caller's side may see it.
    public func accessLog(_ principal: Principal, incidentID: UUID, limit: Int, cursor: String?) async throws -> Page<IncidentAccessEntry> {
        try principal.requireAccess(.incidentsRead)
        try PageCursor.check(limit: limit)
        let after = try PageCursor.decode(cursor)
        return try await postgres.withTransaction { session in
            let incident = try await IncidentQuery.reachableIncident(principal, id: incidentID, lock: false, session: session)
            return Page(fetched: try await IncidentAccessLog.entries(principal, incident: incident, limit: limit, after: after, session: session),
                        limit: limit)
        }
    }

    // MARK: Reviewing

    /// The regulator's verdict on the version `id` (the one the reviewer read, not necessarily
    /// the latest), whose current `ETag` the caller names in `ifMatch`. A changed status sends
    /// the workflow's review-status e-mail while the incident is open; the comment alone sends
    /// nothing. Logged and audited.
    ///
    /// - Throws: 404 outside the caller's reach, 403 for those who do not review the incident,
    ///   428 without `ifMatch`, 412 when it is stale, 422 for a comment too long.
    public func review(_ principal: Principal, versionID: UUID, ifMatch: String?, status: ReviewStatus, comment: String,
                       client: ClientInfo) async throws -> ReportVersion {
        try principal.requireAccess(.incidentsWrite)
        let comment = TextRules.trimmed(comment)
        var validator = Validator()
        validator.check(status != .unreviewed, "review_status", "invalid", "A review passes the version or asks for a revision.")
        validator.check(comment.count <= 10_000, "comment", "too_long", "A comment has at most 10000 characters.")
        try validator.throwIfInvalid()
        return try await outbox.transaction { unit in
            let session = unit.session
            let (incident, version) = try await locate(principal, versionID: versionID, lock: true, session: session)
            guard incident.isReviewer(principal), !incident.isNotifier(principal) else {
                throw DomainError.forbidden("Only the staff of the incident's regulator (for its sectors) review reports it did not file.")
            }
            let missing = "Send If-Match with the version's ETag (from GET /api/v1/report-versions/{id})."
            guard ifMatch != nil else { throw DomainError.preconditionRequired(missing) }
            try await session.query("SELECT 1 FROM report_versions WHERE id = $1 FOR UPDATE", versionID)
            let current = try await Self.load(versionID, session: session)
            try EntityTag.require(ifMatch, current: current.etag, missing: missing,
                                  changed: "The version was reviewed since you read it; read it again and retry with its new ETag.")
            try await session.query("""
                UPDATE report_versions SET review_status = $2, review_comment = $3, reviewed_at = $4, reviewed_by = $5, revision = revision + 1
                WHERE id = $1
                """, versionID, status.rawValue, comment, now(), principal.userID)
            try await session.query("UPDATE incidents SET revision = revision + 1, updated_at = $2 WHERE id = $1", incident.id, now())
            if status != version.reviewStatus, incident.isOpen {
                try await emails.send(.reviewStatus, incidentID: incident.id, stageID: version.stageID, review: (status, comment), unit: unit)
            }
            if status != version.reviewStatus {
                try await Webhooks.publishIncident(.incidentReviewStatusChanged, incidentID: incident.id,
                                                   extra: ["stage_id": version.stageID, "version_id": versionID, "review_status": status.rawValue],
                                                   unit: unit)
            }
            try await IncidentAccessLog.record(.reviewed, by: principal, on: incident, versionID: versionID, session: session)
            try await AuditLog.record(AuditEvent("incident.report_reviewed", by: principal, objectType: "incident", objectID: incident.id,
                                                 organisation: .regulator(incident.regulatorID), client: client,
                                                 details: try JobPayloadCoding.encode(["version_id": versionID.uuidString.lowercased(),
                                                                                       "review_status": status.rawValue])),
                                      in: session)
            return try await Self.load(versionID, session: session)
        }
    }

    // MARK: Deleting

    /// Deletes an incident nothing was submitted for, by the notifier's side (a notification
    /// filed by mistake). Its reference number is not given again. Audited.
    ///
    /// - Throws: 404 outside the caller's reach, 403 for others who read it, 409 once a report
    ///   version exists.
    public func deleteIncident(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try principal.requireAccess(.incidentsWrite)
        try await postgres.withTransaction { session in
            let incident = try await IncidentQuery.reachableIncident(principal, id: id, lock: true, session: session)
            guard incident.isNotifier(principal) else { throw DomainError.forbidden("Only the notifier's side deletes an incident.") }
            guard incident.reports.allSatisfy(\.versions.isEmpty) else {
                throw DomainError.conflict("Reports were submitted for this incident; it stays (a regulator may close it).")
            }
            try await session.query("DELETE FROM documents WHERE id IN (SELECT id FROM incident_documents WHERE incident_id = $1)", id)
            try await session.query("DELETE FROM incidents WHERE id = $1", id)
            try await AuditLog.record(AuditEvent("incident.deleted", by: principal, objectType: "incident", objectID: id,
                                                 organisation: .regulator(incident.regulatorID), client: client,
                                                 details: try JobPayloadCoding.encode(["reference": incident.reference])), in: session)
        }
    }
}
