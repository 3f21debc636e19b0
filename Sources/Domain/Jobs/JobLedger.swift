import Foundation
import Postgres

/// The database record of tracked jobs (outbox rows): attempts, completion, final failure.
public struct JobLedger: Sendable {
    public let postgres: PostgresClient

    public init(postgres: PostgresClient) {
        self.postgres = postgres
    }

    /// Whether a delivered job should run.
    public enum Admission: Sendable, Equatable {
        case run
        /// The job already completed or failed for good (a duplicate delivery): acknowledge it.
        case alreadyFinished
    }

    /// Counts an attempt by `consumer`, unless the job already finished.
    public func begin(jobID: UUID, consumer: String? = nil) async throws -> Admission {
        let rows = try await postgres.query("""
            UPDATE outbox SET attempts = attempts + 1, started_at = now(), started_by = $2, retry_at = NULL
            WHERE id = $1 AND completed_at IS NULL AND failed_at IS NULL
            RETURNING id
            """, jobID, consumer)
        return rows.count == 1 ? .run : .alreadyFinished
    }

    /// Records success; the first completion wins, a duplicate changes nothing.
    public func complete(jobID: UUID, consumer: String) async throws {
        try await postgres.query("""
            UPDATE outbox SET completed_at = now(), completed_by = $2, last_error = NULL
            WHERE id = $1 AND completed_at IS NULL
            """, jobID, consumer)
    }

    /// Records a failed attempt that will be retried at `runAt`; the sweep waits from then on.
    public func scheduleRetry(jobID: UUID, error: String, runAt: Date) async throws {
        try await postgres.query(
            "UPDATE outbox SET last_error = $2, dispatched_at = $3, retry_at = $3 WHERE id = $1 AND completed_at IS NULL",
            jobID, error, runAt)
    }

    /// Records the final failure: a permanent error (`permanent`) or every attempt used.
    public func fail(jobID: UUID, error: String, permanent: Bool = false) async throws {
        try await postgres.query(
            "UPDATE outbox SET failed_at = now(), last_error = $2, retry_at = NULL, failure = $3 WHERE id = $1 AND completed_at IS NULL",
            jobID, error, permanent ? "permanent" : "exhausted")
    }
}
