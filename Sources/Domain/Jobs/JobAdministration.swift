import Foundation
import Logging
import Postgres
import Redis

/// A background job as operations see it: where it stands, its attempts, last error, consumer
/// and timings.
public struct AdministeredJob: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        /// Waiting for a consumer (or for the outbox sweep to push it).
        case queued
        /// A consumer began an attempt and has not finished it.
        case running
        /// An attempt failed; the next one is due at `retryAt`.
        case retrying
        case done
        /// Failed for good at once: a permanent error no retry can fix (bad payload, refused address...).
        case failed
        /// Failed at every attempt the retry policy allows.
        case dead
        /// Failed or dead, then discarded by an operator.
        case discarded

        /// Whether an operator may retry or discard the job.
        public var awaitsOperator: Bool { self == .failed || self == .dead }

        /// The state as SQL conditions over `outbox o`; each matches the partial indexes where one exists.
        var condition: String {
            switch self {
            case .queued: "o.completed_at IS NULL AND o.failed_at IS NULL AND o.retry_at IS NULL AND o.started_at IS NULL"
            case .running: "o.completed_at IS NULL AND o.failed_at IS NULL AND o.retry_at IS NULL AND o.started_at IS NOT NULL"
            case .retrying: "o.completed_at IS NULL AND o.failed_at IS NULL AND o.retry_at IS NOT NULL"
            case .done: "o.completed_at IS NOT NULL"
            case .failed: "o.failed_at IS NOT NULL AND o.discarded_at IS NULL AND o.failure = 'permanent'"
            case .dead: "o.failed_at IS NOT NULL AND o.discarded_at IS NULL AND o.failure IS DISTINCT FROM 'permanent'"
            case .discarded: "o.discarded_at IS NOT NULL"
            }
        }

        /// The state of a job record, by the same rules as ``condition``.
        static func of(completedAt: Date?, failedAt: Date?, failure: String?, discardedAt: Date?, retryAt: Date?, startedAt: Date?) -> State {
            if discardedAt != nil { return .discarded }
            if completedAt != nil { return .done }
            if failedAt != nil { return failure == "permanent" ? .failed : .dead }
            if retryAt != nil { return .retrying }
            return startedAt == nil ? .queued : .running
        }
    }

    public let id: UUID
    public let kind: String
    public let queue: String
    public let state: State
    /// Attempts begun, over the job's whole life (an operator's retry does not reset it).
    public let attempts: Int
    public let lastError: String?
    /// The consumer running the job, or that ran it last.
    public let consumer: String?
    public let createdAt: Date
    /// The last push to Redis.
    public let dispatchedAt: Date?
    public let startedAt: Date?
    public let retryAt: Date?
    /// When it completed or failed for good.
    public let finishedAt: Date?
    public let retriedAt: Date?
    public let discardedAt: Date?
    /// What the job works for, when a module tracks it (`incident_pdf`, `report_generation_item`...).
    public let subjectType: String?
    public let subjectID: UUID?
    /// The job's input, JSON text.
    public let payload: String

    static let columns = """
        o.id, o.kind, o.queue, o.attempts, o.last_error, coalesce(o.completed_by, o.started_by) AS consumer, o.created_at, o.dispatched_at,
        o.started_at, o.retry_at, o.completed_at, o.failed_at, o.failure, o.retried_at, o.discarded_at, o.payload::text AS payload,
        s.subject_type, s.subject_id
        """
    static let joins = "FROM outbox o LEFT JOIN job_subjects s ON s.job_id = o.id"

    init(row: PostgresRow) throws {
        let completedAt: Date? = try row.decode("completed_at")
        let failedAt: Date? = try row.decode("failed_at")
        id = try row.decode("id")
        kind = try row.decode("kind")
        queue = try row.decode("queue")
        attempts = try row.decode("attempts")
        lastError = try row.decode("last_error")
        consumer = try row.decode("consumer")
        createdAt = try row.decode("created_at")
        dispatchedAt = try row.decode("dispatched_at")
        startedAt = try row.decode("started_at")
        retryAt = try row.decode("retry_at")
        finishedAt = completedAt ?? failedAt
        retriedAt = try row.decode("retried_at")
        discardedAt = try row.decode("discarded_at")
        subjectType = try row.decode("subject_type")
        subjectID = try row.decode("subject_id")
        payload = try row.decode("payload")
        state = State.of(completedAt: completedAt, failedAt: failedAt, failure: try row.decode("failure"), discardedAt: discardedAt,
                         retryAt: retryAt, startedAt: startedAt)
    }
}

/// Filters of the jobs list; `nil` leaves a field free.
public struct JobFilter: Sendable, Equatable {
    public var kind: String?
    public var queue: String?
    public var state: AdministeredJob.State?
    public var createdFrom: Date?
    public var createdBefore: Date?

    public init(kind: String? = nil, queue: String? = nil, state: AdministeredJob.State? = nil, createdFrom: Date? = nil,
                createdBefore: Date? = nil) {
        self.kind = kind
        self.queue = queue
        self.state = state
        self.createdFrom = createdFrom
        self.createdBefore = createdBefore
    }
}

/// The queues at a glance: jobs waiting and running per queue (Redis), retries due and jobs
/// awaiting an operator per queue (the job records), Redis's own delayed and dead totals (they
/// also count untracked jobs), and the consumers with their queues and slots.
public struct QueueOverview: Sendable, Equatable {
    public struct Queue: Sendable, Equatable {
        public let name: String
        /// Pushed and not taken yet.
        public let waiting: Int
        /// Taken by a live consumer and not finished.
        public let running: Int
        /// Tracked jobs waiting for their retry.
        public let retrying: Int
        /// Tracked jobs failed for good (failed or dead) and not discarded.
        public let dead: Int
    }

    public let queues: [Queue]
    /// Entries of Redis's delayed set and dead letter, every queue together.
    public let delayed: Int
    public let deadLetter: Int
    public let consumers: [ReliableQueue.ConsumerRecord]
}

/// Who acts on a job: a platform administrator through the API, or whoever runs the worker's
/// command line (trusted: they hold the database's and Redis's credentials).
public enum JobOperator: Sendable {
    case user(Principal, ClientInfo)
    case commandLine(String)
}

/// Operations on background jobs: find them, see the queues, send a failed job back to its
/// queue, discard it. Platform administrators only (403 for everyone else); every change is
/// audited.
public struct JobAdministration: Sendable {
    let postgres: PostgresClient
    let queue: ReliableQueue
    let outbox: Outbox
    let logger: Logger
    /// The queues every deployment has, shown even when idle.
    static let standardQueues = ["default", "mail", "outbound"]

    public init(postgres: PostgresClient, queue: ReliableQueue, outbox: Outbox, logger: Logger) {
        self.postgres = postgres
        self.queue = queue
        self.outbox = outbox
        self.logger = logger
    }

    /// Jobs newest first, filtered.
    public func list(_ actor: JobOperator, filter: JobFilter, limit: Int, cursor: String?) async throws -> Page<AdministeredJob> {
        try Self.authorize(actor, write: false)
        try PageCursor.check(limit: limit)
        let rows = try await postgres.query(try Self.listStatement(filter: filter, limit: limit, after: try PageCursor.decode(cursor)))
        return Page(fetched: try rows.map { row in
            let job = try AdministeredJob(row: row)
            return (job, try row.decode("sort_key"), job.id)
        }, limit: limit)
    }

    /// The list query: `limit + 1` rows after the cursor, only the filters given as conditions.
    static func listStatement(filter: JobFilter, limit: Int, after: (String, UUID)?) throws -> Statement {
        var bindings: [(any PostgresEncodable)?] = []
        var conditions: [String] = []
        func add(_ value: any PostgresEncodable, _ condition: (String) -> String) {
            bindings.append(value)
            conditions.append(condition("$\(bindings.count)"))
        }
        if let kind = filter.kind { add(kind) { "o.kind = \($0)" } }
        if let queue = filter.queue { add(queue) { "o.queue = \($0)" } }
        if let state = filter.state { conditions.append(state.condition) }
        if let from = filter.createdFrom { add(from) { "o.created_at >= \($0)" } }
        if let before = filter.createdBefore { add(before) { "o.created_at < \($0)" } }
        if let (key, id) = after {
            guard key.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}/) != nil else {
                throw DomainError.validation([FieldError(field: "cursor", code: "invalid", message: "Use the next_cursor of a previous page.")])
            }
            bindings.append(key)
            bindings.append(id)
            conditions.append("(o.created_at, o.id) < (($\(bindings.count - 1) || 'Z')::timestamptz, $\(bindings.count)::uuid)")
        }
        bindings.append(limit + 1)
        return Statement(sql: """
            SELECT \(AdministeredJob.columns),
                   to_char(o.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS sort_key
            \(AdministeredJob.joins)
            \(conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: "\n  AND "))
            ORDER BY o.created_at DESC, o.id DESC
            LIMIT $\(bindings.count)::int
            """, bindings: bindings)
    }

    /// One job, with its payload.
    public func job(_ actor: JobOperator, id: UUID) async throws -> AdministeredJob {
        try Self.authorize(actor, write: false)
        return try await Self.job(id, on: postgres)
    }

    static func job(_ id: UUID, on postgres: PostgresClient) async throws -> AdministeredJob {
        guard let row = try await postgres.query("SELECT \(AdministeredJob.columns) \(AdministeredJob.joins) WHERE o.id = $1", id).first else {
            throw DomainError.notFound("No such job.")
        }
        return try AdministeredJob(row: row)
    }

    /// Sends a failed or dead job back to its queue with a fresh set of attempts. Idempotent:
    /// a job an operator already sent back (queued, running, retrying or done since) answers as
    /// it stands.
    ///
    /// - Throws: 404 for an unknown job; 409 for a discarded job, or one that never failed for good.
    public func retry(_ actor: JobOperator, id: UUID) async throws -> AdministeredJob {
        try Self.authorize(actor, write: true)
        let message = try await postgres.withTransaction { session -> OutboxMessage? in
            // Undispatched until the push below succeeds: if Redis is down, the outbox sweep pushes it.
            guard let row = try await session.query("""
                UPDATE outbox SET failed_at = NULL, failure = NULL, retry_at = NULL, started_at = NULL, retried_at = now(), dispatched_at = NULL
                WHERE id = $1 AND failed_at IS NOT NULL AND discarded_at IS NULL AND completed_at IS NULL
                RETURNING id, kind, queue, payload::text AS payload, attempts, last_error
                """, id).first else { return nil }
            let message = OutboxMessage(id: id, kind: try row.decode("kind"), queue: try row.decode("queue"), payload: try row.decode("payload"))
            try await AuditLog.record(Self.auditEvent("job.retried", actor, message, details: [
                "attempts": "\(try row.decode("attempts", as: Int.self))",
                "last_error": AuditLog.jsonString(try row.decode("last_error", as: String?.self) ?? ""),
            ]), in: session)
            return message
        }
        guard let message else {
            let job = try await Self.job(id, on: postgres)
            if job.state == .discarded { throw DomainError.conflict("The job was discarded; it cannot be retried.") }
            if job.retriedAt != nil { return job }
            throw DomainError.conflict("Only failed or dead jobs can be retried; this one is \(job.state.rawValue).")
        }
        do {
            try await queue.removeFromDeadLetter(id: message.id.postgresText)
        } catch {
            logger.warning("a retried job stays listed in the dead letter", metadata: ["job_id": "\(id)", "error": "\(error)"])
        }
        await outbox.dispatch([message])
        logger.notice("job sent back to its queue", metadata: ["job_id": "\(id)", "job_kind": "\(message.kind)"])
        return try await Self.job(id, on: postgres)
    }

    /// Discards a failed or dead job: it stays on record (state `discarded`) and leaves the dead
    /// letter. Idempotent.
    ///
    /// - Throws: 404 for an unknown job; 409 for a job that has not failed for good.
    public func discard(_ actor: JobOperator, id: UUID) async throws {
        try Self.authorize(actor, write: true)
        let discarded = try await postgres.withTransaction { session -> Bool in
            guard let row = try await session.query("""
                UPDATE outbox SET discarded_at = now()
                WHERE id = $1 AND failed_at IS NOT NULL AND discarded_at IS NULL AND completed_at IS NULL
                RETURNING id, kind, queue, payload::text AS payload
                """, id).first else { return false }
            let message = OutboxMessage(id: id, kind: try row.decode("kind"), queue: try row.decode("queue"), payload: try row.decode("payload"))
            try await AuditLog.record(Self.auditEvent("job.discarded", actor, message, details: [:]), in: session)
            return true
        }
        if !discarded {
            let job = try await Self.job(id, on: postgres)
            guard job.state == .discarded else {
                throw DomainError.conflict("Only failed or dead jobs can be discarded; this one is \(job.state.rawValue).")
            }
            return
        }
        do {
            try await queue.removeFromDeadLetter(id: id.postgresText)
        } catch {
            logger.warning("a discarded job stays listed in the dead letter", metadata: ["job_id": "\(id)", "error": "\(error)"])
        }
    }

    /// The queues and consumers now.
    ///
    /// - Throws: Redis's error when it does not answer (503).
    public func overview(_ actor: JobOperator) async throws -> QueueOverview {
        try Self.authorize(actor, write: false)
        // Each half uses its partial index: unfinished rows, and rows failed for good.
        let rows = try await postgres.query("""
            SELECT queue, count(*) FILTER (WHERE retry_at IS NOT NULL) AS retrying, 0::bigint AS dead
            FROM outbox WHERE completed_at IS NULL AND failed_at IS NULL GROUP BY queue
            UNION ALL
            SELECT queue, 0, count(*) FROM outbox WHERE failed_at IS NOT NULL AND discarded_at IS NULL GROUP BY queue
            """)
        var retrying: [String: Int] = [:]
        var dead: [String: Int] = [:]
        var names = Set(Self.standardQueues)
        for row in rows {
            let name: String = try row.decode("queue")
            names.insert(name)
            retrying[name, default: 0] += Int(try row.decode("retrying", as: Int64.self))
            dead[name, default: 0] += Int(try row.decode("dead", as: Int64.self))
        }
        let consumers = try await queue.consumers()
        for consumer in consumers { names.formUnion(consumer.queues) }
        let lengths = try await queue.lengths(of: names.sorted())
        let queues = names.sorted().map { name in
            QueueOverview.Queue(
                name: name, waiting: lengths.waiting[name] ?? 0,
                running: consumers.filter(\.isAlive).reduce(0) { $0 + ($1.running[name] ?? 0) },
                retrying: retrying[name] ?? 0, dead: dead[name] ?? 0)
        }
        return QueueOverview(queues: queues, delayed: lengths.delayed, deadLetter: lengths.dead, consumers: consumers)
    }

    // MARK: Rules

    static func authorize(_ actor: JobOperator, write: Bool) throws {
        guard case .user(let principal, _) = actor else { return }
        try principal.requireAccess(write ? .governanceWrite : .governanceRead)
        try principal.affiliations.authorize(.administerJobs, object: "job")
    }

    static func auditEvent(_ action: String, _ actor: JobOperator, _ job: OutboxMessage, details: [String: String]) -> AuditEvent {
        var fields = details
        fields["kind"] = AuditLog.jsonString(job.kind)
        fields["queue"] = AuditLog.jsonString(job.queue)
        switch actor {
        case .user(let principal, let client):
            return AuditEvent(action: action, actorID: principal.userID, actorRole: principal.role.rawValue, objectType: "job",
                              objectID: job.id.postgresText, client: client, details: Self.object(fields))
        case .commandLine(let who):
            fields["by"] = AuditLog.jsonString(who)
            return AuditEvent(action: action, actorRole: "command_line", objectType: "job", objectID: job.id.postgresText, client: .system,
                              details: Self.object(fields))
        }
    }

    /// A JSON object from values that are already JSON texts.
    private static func object(_ fields: [String: String]) -> String {
        "{" + fields.sorted { $0.key < $1.key }.map { "\(AuditLog.jsonString($0.key)): \($0.value)" }.joined(separator: ", ") + "}"
    }
}
