import Documents
import Foundation
import Logging
import Postgres
import Redis

extension JobKind {
    /// Renders a declaration PDF recorded in `declaration_documents` (payload: ``DeclarationDocuments/Payload``).
    public static let renderDeclarationPDF = JobKind(rawValue: "render_declaration_pdf")
}

/// Declaration PDFs, drawn by the worker for one revision of a declaration, one language and one
/// side (the regulator's rendering shows the objectives' review statuses), and stored. A request
/// for one that is not made yet answers with the job to follow; asking again once it is done
/// gives the file, and the download is logged.
public struct DeclarationDocuments: Sendable {
    let postgres: PostgresClient
    let outbox: Outbox
    let documents: DocumentStore
    /// The zone the PDFs' dates are written in (`DOCUMENT_TIME_ZONE`).
    let zone: TimeZone

    struct Payload: Codable, Sendable {
        var documentId: UUID
    }

    /// Where the PDF of a declaration is served.
    static func resultPath(_ declarationID: UUID) -> String { "/api/v1/declarations/\(declarationID.uuidString.lowercased())/pdf" }

    /// The PDF of the declaration as it is now, for whoever reaches it.
    public func pdf(_ principal: Principal, declarationID: UUID, language: Language) async throws -> FileOutcome {
        try await outbox.transaction { unit in
            let session = unit.session
            let caller = try await SecurityObjectivesGate.caller(principal, write: false, session: session)
            let declaration = try await DeclarationAccess.reachable(declarationID, caller, lock: false, session: session)
            let id = try await Self.schedule(declaration, language: language, unit: unit)
            let outcome = try await documents.outcome(of: id, recordedIn: "declaration_documents", kind: .renderDeclarationPDF,
                                                      payload: Payload(documentId: id), subjectType: "declaration", subjectID: declaration.id,
                                                      resultPath: Self.resultPath(declaration.id), unit: unit)
            if case .ready = outcome {
                try await DeclarationAccess.record(.downloaded, by: principal, regulatorSide: declaration.seenByRegulator,
                                                   declarationID: declaration.id, operatorID: declaration.operatorID, session: session)
            }
            return outcome
        }
    }

    /// The id of the PDF of `declaration` at its revision, in `language`, for the side that sees
    /// it: recorded with its rendering job unless it was already. The PDFs of earlier revisions
    /// for the same language and side go: nobody can ask for them any more.
    static func schedule(_ declaration: Declaration, language: Language, unit: UnitOfWork) async throws -> UUID {
        let session = unit.session
        let key = "declaration_id = $1 AND regulator_view = $2 AND language = $3 AND declaration_revision = $4"
        let bindings: [(any PostgresEncodable)?] = [declaration.id, declaration.seenByRegulator, language.rawValue, declaration.revision]
        if let row = try await session.query("SELECT id FROM declaration_documents WHERE \(key)", bindings: bindings).first {
            return try row.decode("id")
        }
        try await session.query("""
            WITH superseded AS (DELETE FROM declaration_documents
                                WHERE declaration_id = $1 AND regulator_view = $2 AND language = $3 AND declaration_revision < $4 RETURNING id)
            DELETE FROM documents WHERE id IN (SELECT id FROM superseded)
            """, bindings: bindings)
        let id = UUID()
        let jobID = try await unit.enqueue(.renderDeclarationPDF, payload: Payload(documentId: id))
        try await TrackedJobs.track(jobID, subjectType: "declaration", subjectID: declaration.id, resultPath: resultPath(declaration.id),
                                    session: session)
        // Concurrent requests for the same PDF: the first row wins, the other job renders nothing.
        let inserted = try await session.query("""
            INSERT INTO declaration_documents (id, declaration_id, regulator_view, language, declaration_revision, job_id, filename)
            VALUES ($5, $1, $2, $3, $4, $6, 'pending.pdf') ON CONFLICT DO NOTHING RETURNING id
            """, bindings: bindings + [id, jobID])
        if inserted.isEmpty {
            return try await session.query("SELECT id FROM declaration_documents WHERE \(key)", bindings: bindings).required().decode("id")
        }
        return id
    }

    /// Whether the caller reaches the declaration a job works for.
    func canSee(_ principal: Principal, declarationID: UUID) async throws -> Bool {
        do {
            return try await postgres.withSession { session in
                let caller = try await SecurityObjectivesGate.caller(principal, write: false, session: session)
                _ = try await DeclarationAccess.reachable(declarationID, caller, lock: false, session: session)
                return true
            }
        } catch DomainError.notFound, DomainError.forbidden {
            return false
        }
    }

    /// The file name and the content of the PDF of declaration `id` as it is now, for one side.
    public func document(declarationID: UUID, regulatorView: Bool, language: Language) async throws -> (String, Document) {
        try await postgres.withSession { session in
            try await DeclarationPDF.build(declarationID: declarationID, regulatorView: regulatorView, language: language, zone: zone,
                                           session: session)
        }
    }

    // MARK: Rendering (worker)

    /// Draws and stores the PDF `id` (nothing when it is stored already, or its declaration is gone).
    @discardableResult
    func render(_ id: UUID) async throws -> Bool {
        guard let row = try await postgres.query("""
            SELECT declaration_id, regulator_view, language FROM declaration_documents WHERE id = $1
            """, id).first else { return false }
        return try await documents.render(id, recordedIn: "declaration_documents") {
            try await document(declarationID: try row.decode("declaration_id"), regulatorView: try row.decode("regulator_view"),
                               language: Language(rawValue: try row.decode("language")) ?? .en)
        }
    }
}

/// `render_declaration_pdf`: draws one declaration PDF.
struct RenderDeclarationPDFHandler: JobHandler {
    let documents: DeclarationDocuments

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        let payload = try JobPayloadCoding.decode(DeclarationDocuments.Payload.self, from: job.payload)
        let stored = try await documents.render(payload.documentId)
        logger.info("declaration document handled", metadata: ["document_id": "\(payload.documentId)", "stored": "\(stored)"])
    }
}
