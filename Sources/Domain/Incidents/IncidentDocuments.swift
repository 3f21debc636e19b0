import Documents
import Foundation
import Logging
import Postgres
import Redis

extension JobKind {
    /// Renders an incident PDF recorded in `incident_documents` (payload: ``IncidentDocuments/Payload``).
    public static let renderIncidentPDF = JobKind(rawValue: "render_incident_pdf")
}

/// Incident PDFs: the whole incident (every version of every report) or one version, drawn by
/// the worker for one revision of the incident and one language, and stored. Submissions have
/// theirs made at once; a request for one that is not made yet answers with the job to follow.
public struct IncidentDocuments: Sendable {
    let postgres: PostgresClient
    let outbox: Outbox
    let documents: DocumentStore

    struct Payload: Codable, Sendable {
        var documentId: UUID
    }

    /// The whole incident's PDF, for whoever reaches it; the download is logged.
    public func incidentPDF(_ principal: Principal, incidentID: UUID, language: Language) async throws -> FileOutcome {
        try principal.requireAccess(.incidentsRead)
        return try await outbox.transaction { unit in
            let incident = try await IncidentQuery.reachableIncident(principal, id: incidentID, lock: false, session: unit.session)
            return try await outcome(principal, incident: incident, versionID: nil, language: language, unit: unit)
        }
    }

    /// One version's PDF, for whoever reaches its incident; the download is logged.
    public func versionPDF(_ principal: Principal, versionID: UUID, language: Language) async throws -> FileOutcome {
        try principal.requireAccess(.incidentsRead)
        return try await outbox.transaction { unit in
            let incident = try await IncidentQuery.reachableIncident(principal, ofVersion: versionID, lock: false, session: unit.session)
            return try await outcome(principal, incident: incident, versionID: versionID, language: language, unit: unit)
        }
    }

    private func outcome(_ principal: Principal, incident: Incident, versionID: UUID?, language: Language,
                         unit: UnitOfWork) async throws -> FileOutcome {
        let id = try await Self.schedule(incidentID: incident.id, revision: incident.revision, versionID: versionID, language: language, unit: unit)
        let outcome = try await documents.outcome(of: id, recordedIn: "incident_documents", kind: .renderIncidentPDF,
                                                  payload: Payload(documentId: id), subjectType: "incident", subjectID: incident.id,
                                                  resultPath: Self.resultPath(incidentID: incident.id, versionID: versionID), unit: unit)
        if case .ready = outcome {
            try await IncidentAccessLog.record(.downloaded, by: principal, on: incident, versionID: versionID, session: unit.session)
        }
        return outcome
    }

    /// Where the PDF of the incident, or of its version `versionID`, is served.
    static func resultPath(incidentID: UUID, versionID: UUID?) -> String {
        versionID.map { "/api/v1/report-versions/\($0.uuidString.lowercased())/pdf" } ?? "/api/v1/incidents/\(incidentID.uuidString.lowercased())/pdf"
    }

    /// The id of the PDF of the incident at `revision` or of its version `versionID`, in
    /// `language`: recorded with its rendering job unless it was already.
    @discardableResult
    static func schedule(incidentID: UUID, revision: Int, versionID: UUID?, language: Language, unit: UnitOfWork) async throws -> UUID {
        let session = unit.session
        let key = "incident_id = $1 AND version_id IS NOT DISTINCT FROM $2 AND incident_revision = $3 AND language = $4"
        if let row = try await session.query("SELECT id FROM incident_documents WHERE \(key)", incidentID, versionID, revision,
                                             language.rawValue).first {
            return try row.decode("id")
        }
        let id = UUID()
        let jobID = try await unit.enqueue(.renderIncidentPDF, payload: Payload(documentId: id))
        try await TrackedJobs.track(jobID, subjectType: "incident", subjectID: incidentID,
                                    resultPath: resultPath(incidentID: incidentID, versionID: versionID), session: session)
        // Concurrent requests for the same PDF: the first row wins, the other job renders nothing.
        let inserted = try await session.query("""
            INSERT INTO incident_documents (id, incident_id, version_id, incident_revision, language, job_id, filename)
            VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id
            """, id, incidentID, versionID, revision, language.rawValue, jobID, "pending.pdf")
        if inserted.isEmpty {
            return try await session.query("SELECT id FROM incident_documents WHERE \(key)", incidentID, versionID, revision,
                                           language.rawValue).required().decode("id")
        }
        return id
    }

    /// The file name and the content of the PDF of the incident `incidentID` as it is now, or of
    /// its version `versionID` (what the worker draws).
    public func document(incidentID: UUID, versionID: UUID?, language: Language) async throws -> (String, Document) {
        try await postgres.withSession { session in
            try await IncidentPDF.build(incidentID: incidentID, versionID: versionID, language: language, session: session)
        }
    }

    /// Whether the caller reaches the incident a job works for.
    func canSee(_ principal: Principal, incidentID: UUID) async throws -> Bool {
        do {
            _ = try await IncidentQuery(postgres: postgres).incident(principal, id: incidentID)
            return true
        } catch DomainError.notFound, DomainError.forbidden {
            return false
        }
    }

    // MARK: Rendering (worker)

    /// Draws and stores the PDF `id` (nothing when it is stored already, or its incident is gone).
    @discardableResult
    func render(_ id: UUID) async throws -> Bool {
        guard let row = try await postgres.query("""
            SELECT incident_id, version_id, language FROM incident_documents WHERE id = $1
            """, id).first else { return false }
        return try await documents.render(id, recordedIn: "incident_documents") {
            try await document(incidentID: try row.decode("incident_id"), versionID: try row.decode("version_id"),
                               language: Language(rawValue: try row.decode("language")) ?? .en)
        }
    }
}

/// `render_incident_pdf`: draws one incident PDF.
struct RenderIncidentPDFHandler: JobHandler {
    let documents: IncidentDocuments

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        let payload = try JobPayloadCoding.decode(IncidentDocuments.Payload.self, from: job.payload)
        let stored = try await documents.render(payload.documentId)
        logger.info("incident document handled", metadata: ["document_id": "\(payload.documentId)", "stored": "\(stored)"])
    }
}
