import Foundation
import Postgres

/// Where a tracked job stands, as `GET /api/v1/jobs/{id}` shows it.
public struct JobStatus: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        /// Waiting for a consumer.
        case queued
        /// A consumer is on it.
        case running
        /// An attempt failed; another one is due.
        case retrying
        case done
        /// Failed for good (a permanent error, or every attempt used).
        case failed
    }

    public let id: UUID
    public let kind: String
    public let state: State
    public let attempts: Int
    public let createdAt: Date
    public let finishedAt: Date?
    /// Where the result is served once done.
    public let resultPath: String?
}

/// Who may see a tracked job: whoever may see the object it works for, as the module owning
/// that kind of object decides (404 otherwise).
public typealias JobSubjectCheck = @Sendable (Principal, UUID) async throws -> Bool

/// Tracked jobs: a module records the object a job works for when it enqueues it, and anyone
/// who may see that object may follow the job.
public struct TrackedJobs: Sendable {
    let postgres: PostgresClient
    let checks: [String: JobSubjectCheck]

    /// Records that the job `jobID` works for (`subjectType`, `subjectID`), in the transaction
    /// that enqueues it.
    public static func track(_ jobID: UUID, subjectType: String, subjectID: UUID, resultPath: String?, session: PostgresSession) async throws {
        try await session.query("INSERT INTO job_subjects (job_id, subject_type, subject_id, result_path) VALUES ($1, $2, $3, $4)",
                                jobID, subjectType, subjectID, resultPath)
    }

    /// The job's status, for those who may see its object; 404 otherwise.
    public func status(_ principal: Principal, id: UUID) async throws -> JobStatus {
        guard let row = try await postgres.query("""
            SELECT o.id, o.kind, o.attempts, o.created_at, o.started_at, o.completed_at, o.failed_at, o.failure, o.retry_at, o.discarded_at,
                   s.subject_type, s.subject_id, s.result_path
            FROM outbox o JOIN job_subjects s ON s.job_id = o.id WHERE o.id = $1
            """, id).first,
              let check = checks[try row.decode("subject_type", as: String.self)],
              try await check(principal, try row.decode("subject_id")) else { throw DomainError.notFound("No such job.") }
        return try Self.status(row)
    }

    /// The status of a job whose object the caller already reached; `nil` once its record is
    /// gone (finished jobs are purged after `JOB_RETENTION_DAYS`): for the resource, a job that
    /// is not there anymore is one that did not make it.
    static func status(_ id: UUID, session: PostgresSession) async throws -> JobStatus? {
        try await session.query("""
            SELECT o.id, o.kind, o.attempts, o.created_at, o.started_at, o.completed_at, o.failed_at, o.failure, o.retry_at, o.discarded_at,
                   s.result_path
            FROM outbox o LEFT JOIN job_subjects s ON s.job_id = o.id WHERE o.id = $1
            """, id).first.map(status)
    }

    /// The status of a job enqueued in this transaction, or one a row still waits on (which the
    /// retention keeps).
    ///
    /// - Throws: ``DomainError/inconsistency(_:)`` if it is gone after all.
    static func requiredStatus(_ id: UUID, session: PostgresSession, file: StaticString = #fileID, line: UInt = #line) async throws -> JobStatus {
        guard let status = try await status(id, session: session) else {
            throw DomainError.inconsistency("job \(id) is gone where \(file):\(line) expects it")
        }
        return status
    }

    private static func status(_ row: PostgresRow) throws -> JobStatus {
        let completedAt: Date? = try row.decode("completed_at")
        let failedAt: Date? = try row.decode("failed_at")
        // The operations view's finer states, as a client of the job sees them.
        let state: JobStatus.State = switch AdministeredJob.State.of(
            completedAt: completedAt, failedAt: failedAt, failure: try row.decode("failure"), discardedAt: try row.decode("discarded_at"),
            retryAt: try row.decode("retry_at"), startedAt: try row.decode("started_at")) {
        case .queued: .queued
        case .running: .running
        case .retrying: .retrying
        case .done: .done
        case .failed, .dead, .discarded: .failed
        }
        return JobStatus(id: try row.decode("id"), kind: try row.decode("kind"), state: state, attempts: try row.decode("attempts"),
                         createdAt: try row.decode("created_at"), finishedAt: completedAt ?? failedAt, resultPath: try row.decode("result_path"))
    }
}
