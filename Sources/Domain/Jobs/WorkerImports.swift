import Foundation
import Logging
import Postgres

/// What became of a file sent for import.
public enum ImportOutcome<Result: Sendable>: Sendable {
    /// Imported (within the request, or by the worker since).
    case done(Result)
    /// Too large to import within the request: the worker's job to follow.
    case queued(JobStatus)
}

/// Files too large to import within the request wait in a table of their own for the worker,
/// which imports them as the token that sent them and records the outcome, or the problem that
/// refused the import, for the sender to read later. Each such table has `id`, `requested_by`,
/// `job_id`, `file`, the outcome column, `failure` and `finished_at`.
struct WorkerImportTable: Sendable {
    /// The table's name (a constant of the code, never input).
    let table: String
    /// The jsonb column holding the import's result.
    let outcomeColumn: String
    /// Finished imports are kept this long for their senders to read.
    static let kept: TimeInterval = 30 * 86_400

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// The result of import `id` for its sender, or its job while it waits.
    ///
    /// - Throws: 404 for another user's import; the problem that refused the import.
    func outcome<Result: Decodable & Sendable>(_ principal: Principal, id: UUID, as type: Result.Type,
                                               session: PostgresSession) async throws -> ImportOutcome<Result> {
        guard let row = try await session.query("""
            SELECT job_id, \(outcomeColumn)::text AS outcome, failure::text AS failure FROM \(table) WHERE id = $1 AND requested_by = $2
            """, id, principal.userID).first else { throw DomainError.notFound("No such import.") }
        if let outcome: String = try row.decode("outcome") {
            return .done(try Self.decoder.decode(Result.self, from: Data(outcome.utf8)))
        }
        if let failure: String = try row.decode("failure") {
            throw try JSONDecoder().decode(StoredRefusal.self, from: Data(failure.utf8)).error
        }
        return .queued(try await TrackedJobs.requiredStatus(try row.decode("job_id"), session: session))
    }

    /// Whether the caller sent import `id` (who may follow its job).
    func isSender(_ principal: Principal, id: UUID, postgres: PostgresClient) async throws -> Bool {
        try await postgres.query("SELECT 1 FROM \(table) WHERE id = $1 AND requested_by = $2", id, principal.userID).count == 1
    }

    /// Runs import `id` unless it ran already (a redelivered job does nothing twice): `body`
    /// imports from the row's `columns`; its refusal is recorded as the import's outcome, not
    /// retried, and other errors (the database away) are retried by the queue. The file is
    /// dropped once read.
    @discardableResult
    func run<Result: Encodable>(_ id: UUID, columns: String, postgres: PostgresClient, logger: Logger,
                                _ body: (PostgresRow) async throws -> Result) async throws -> Bool {
        guard let row = try await postgres.query("SELECT \(columns) FROM \(table) WHERE id = $1 AND finished_at IS NULL", id).first else {
            return false
        }
        let (outcome, failure): (String?, String?)
        do {
            outcome = String(decoding: try Self.encoder.encode(try await body(row)), as: UTF8.self)
            failure = nil
        } catch let error as DomainError {
            outcome = nil
            failure = String(decoding: try JSONEncoder().encode(StoredRefusal(error)), as: UTF8.self)
        }
        try await postgres.query("""
            UPDATE \(table) SET \(outcomeColumn) = $2::jsonb, failure = $3::jsonb, file = NULL, finished_at = now()
            WHERE id = $1 AND finished_at IS NULL
            """, id, outcome, failure)
        logger.info("worker import handled", metadata: ["table": "\(table)", "import_id": "\(id)", "refused": "\(failure != nil)"])
        return true
    }

    /// Deletes finished imports older than ``kept``.
    func purge(postgres: PostgresClient, now: Date) async throws -> Int {
        try await postgres.query("DELETE FROM \(table) WHERE finished_at < $1", now.addingTimeInterval(-Self.kept)).affectedRows
    }
}
