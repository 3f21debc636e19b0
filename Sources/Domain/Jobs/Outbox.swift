import Foundation
import Logging
import Postgres
import Redis

/// A job recorded in the `outbox` table in the same transaction as the change that caused it.
public struct OutboxMessage: Sendable, Equatable {
    public let id: UUID
    public let kind: String
    public let queue: String
    /// JSON text.
    public let payload: String

    /// The envelope pushed to Redis; the job id is the outbox row id.
    public var envelope: JobEnvelope {
        JobEnvelope(id: id.postgresText, kind: kind, queue: queue, payload: payload, tracked: true)
    }
}

/// The transactional outbox: domain changes and the jobs they cause commit together, so a job is
/// never lost (Redis down) nor sent for a change that rolled back.
public struct Outbox: Sendable {
    public let postgres: PostgresClient
    public let queue: ReliableQueue
    let logger: Logger

    public init(postgres: PostgresClient, queue: ReliableQueue, logger: Logger) {
        self.postgres = postgres
        self.queue = queue
        self.logger = logger
    }

    static let markDispatched = "UPDATE outbox SET dispatched_at = now(), dispatch_count = dispatch_count + 1 WHERE id = ANY($1::uuid[])"

    /// Runs `body` in a transaction; after commit, pushes the jobs it recorded.
    ///
    /// A failed push does not fail the call: the rows stay undispatched and the beat sweep
    /// pushes them once Redis answers again.
    public func transaction<T: Sendable>(_ body: (UnitOfWork) async throws -> T) async throws -> T {
        let (result, messages) = try await postgres.withTransaction { session -> (T, [OutboxMessage]) in
            let unit = UnitOfWork(session: session)
            let result = try await body(unit)
            return (result, unit.messages)
        }
        await dispatch(messages)
        return result
    }

    /// Pushes committed messages and marks them dispatched; logs and leaves them to the sweep on failure.
    public func dispatch(_ messages: [OutboxMessage]) async {
        guard !messages.isEmpty else { return }
        do {
            try await queue.enqueue(messages.map(\.envelope))
        } catch {
            logger.warning("jobs left for the outbox sweep: push failed", metadata: ["error": "\(error)", "jobs": "\(messages.count)"])
            return
        }
        do {
            try await postgres.query(Self.markDispatched, messages.map(\.id))
        } catch {
            // The jobs are queued; the sweep may push them again later, which handlers tolerate.
            logger.warning("could not mark jobs dispatched", metadata: ["error": "\(error)"])
        }
    }

    /// Pushes rows that were never dispatched (older than `grace`) or whose job has not finished
    /// long after its dispatch (`redispatchAfter`), e.g. because Redis lost it. Returns how many.
    public func sweep(graceSeconds: Int, redispatchAfterSeconds: Int, limit: Int = 500) async throws -> Int {
        try await postgres.withTransaction { session in
            let rows = try await session.query("""
                SELECT id, kind, queue, payload::text AS payload FROM outbox
                WHERE completed_at IS NULL AND failed_at IS NULL
                  AND coalesce(dispatched_at, created_at) < now() - make_interval(secs => CASE WHEN dispatched_at IS NULL THEN $1::int ELSE $2::int END)
                ORDER BY coalesce(dispatched_at, created_at)
                LIMIT $3::int
                FOR UPDATE SKIP LOCKED
                """, graceSeconds, redispatchAfterSeconds, limit)
            let messages = try rows.map { row in
                OutboxMessage(id: try row.decode("id"), kind: try row.decode("kind"), queue: try row.decode("queue"),
                              payload: try row.decode("payload"))
            }
            guard !messages.isEmpty else { return 0 }
            try await queue.enqueue(messages.map(\.envelope))
            try await session.query(Self.markDispatched, messages.map(\.id))
            logger.info("outbox sweep dispatched jobs", metadata: ["jobs": "\(messages.count)"])
            return messages.count
        }
    }
}
