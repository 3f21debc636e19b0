import Documents
import Foundation
import Pooling
import Postgres

/// What a `render_pdf` job renders and under which id it stores the result.
public struct RenderPDFPayload: Codable, Sendable, Equatable {
    public var documentId: UUID
    public var filename: String
    public var document: Document

    public init(documentId: UUID, filename: String, document: Document) {
        self.documentId = documentId
        self.filename = filename
        self.document = document
    }
}

/// A stored file, as the API serves it.
public struct StoredDocument: Sendable, Equatable {
    public let id: UUID
    public let filename: String
    public let contentType: String
    public let content: Data
    public let sha256: String
    public let createdAt: Date
}

/// A file made in the background, as a request for it finds it.
public enum FileOutcome: Sendable {
    /// Stored: served as it is.
    case ready(StoredDocument)
    /// Being made: the job to follow.
    case pending(JobStatus)
}

/// Stored documents (rendered PDFs, exports) with their SHA-256 checksum.
public struct DocumentStore: Sendable {
    public let postgres: PostgresClient
    /// Where documents are drawn: Cairo keeps a core busy for the whole rendering.
    let renderingThreads: BlockingWorkPool

    public init(postgres: PostgresClient, renderingThreads: BlockingWorkPool) {
        self.postgres = postgres
        self.renderingThreads = renderingThreads
    }

    /// Renders `payload.document` and stores it under `payload.documentId`, unless a document
    /// with that id exists already (a redelivered job renders nothing twice).
    ///
    /// - Returns: `true` when this call stored the document.
    /// - Throws: ``PermanentJobError`` for a document that cannot be drawn (an invalid image, a
    ///   Cairo error): drawing it again would fail the same way.
    @discardableResult
    public func render(_ payload: RenderPDFPayload) async throws -> Bool {
        if try await exists(payload.documentId) { return false }
        let document = payload.document
        let pdf: Data
        do {
            pdf = try await renderingThreads.run { try PDFRenderer.render(document) }
        } catch let error as DocumentError {
            throw PermanentJobError("document \(payload.documentId) cannot be drawn: \(error)")
        }
        return try await store(id: payload.documentId, filename: payload.filename, contentType: "application/pdf", content: pdf)
    }

    /// Stores bytes; `false` when the id is taken.
    @discardableResult
    public func store(id: UUID, filename: String, contentType: String, content: Data) async throws -> Bool {
        try await postgres.withSession { session in
            try await Self.store(id: id, filename: filename, contentType: contentType, content: content, session: session)
        }
    }

    /// Stores bytes in `session`'s transaction, with what else it records; `false` when the id
    /// is taken.
    static func store(id: UUID, filename: String, contentType: String, content: Data, session: PostgresSession) async throws -> Bool {
        let rows = try await session.query("""
            INSERT INTO documents (id, filename, content_type, content, sha256, size_bytes)
            VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING
            """, id, filename, contentType, content, SHA256.hex(content), content.count)
        return rows.affectedRows == 1
    }

    /// The document `id` recorded in `table` (whose `job_id` names the job making it): stored,
    /// or the job making it. When that job failed for good (every attempt used) or its record
    /// is gone, asking again tries again: a new job of `kind` with `payload` replaces it, its
    /// result served at `resultPath`.
    func outcome<Payload: Encodable>(of id: UUID, recordedIn table: String, kind: JobKind, payload: Payload, subjectType: String,
                                     subjectID: UUID, resultPath: String, unit: UnitOfWork) async throws -> FileOutcome {
        let session = unit.session
        if let document = try await Self.find(id, session: session) { return .ready(document) }
        let jobID = try await session.query("SELECT job_id FROM \(table) WHERE id = $1 FOR UPDATE", id).required().decode("job_id", as: UUID.self)
        let status = try await TrackedJobs.status(jobID, session: session)
        if let status, status.state != .failed { return .pending(status) }
        // Failed for good, or its record purged: a new job.
        let retry = try await unit.enqueue(kind, payload: payload)
        try await TrackedJobs.track(retry, subjectType: subjectType, subjectID: subjectID, resultPath: resultPath, session: session)
        try await session.query("UPDATE \(table) SET job_id = $2 WHERE id = $1", id, retry)
        return .pending(try await TrackedJobs.requiredStatus(retry, session: session))
    }

    /// Draws the PDF `id` recorded in `table` (with a `filename` column) from what `content`
    /// builds, records its file name and stores it; nothing when it is stored already.
    func render(_ id: UUID, recordedIn table: String, content: () async throws -> (String, Document)) async throws -> Bool {
        if try await exists(id) { return false }
        let (filename, document) = try await content()
        try await postgres.query("UPDATE \(table) SET filename = $2 WHERE id = $1", id, filename)
        return try await render(RenderPDFPayload(documentId: id, filename: filename, document: document))
    }

    public func exists(_ id: UUID) async throws -> Bool {
        try await postgres.query("SELECT 1 FROM documents WHERE id = $1", id).count == 1
    }

    /// The document, or `nil` when there is none with that id.
    public func find(_ id: UUID) async throws -> StoredDocument? {
        try await postgres.withSession { session in try await Self.find(id, session: session) }
    }

    /// The document, read in `session` (a request holding a transaction takes no second connection).
    static func find(_ id: UUID, session: PostgresSession) async throws -> StoredDocument? {
        guard let row = try await session.query(
            "SELECT id, filename, content_type, content, sha256, created_at FROM documents WHERE id = $1", id).first
        else { return nil }
        return StoredDocument(
            id: try row.decode("id"), filename: try row.decode("filename"), contentType: try row.decode("content_type"),
            content: try row.decode("content"), sha256: try row.decode("sha256"), createdAt: try row.decode("created_at"))
    }
}
