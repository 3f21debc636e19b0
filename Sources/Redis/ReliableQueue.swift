import Foundation

/// At-least-once job queues on Redis lists.
///
/// A job is pushed on `<prefix>:queue:<name>`. A consumer moves it atomically (BLMOVE) onto its
/// own processing list, so a consumer that dies mid-job still holds it in Redis; while alive it
/// keeps a heartbeat key with a TTL. Acknowledging removes the job from the processing list. A
/// failed job moves atomically to the `delayed` sorted set (score: when to run) or, out of
/// attempts, to the `dead` list. The beat leader promotes due delayed jobs and returns the
/// processing lists of consumers whose heartbeat expired to their queues.
public struct ReliableQueue: Sendable {
    public let client: RedisClient
    public let prefix: String

    public init(client: RedisClient, prefix: String = "gp") {
        self.client = client
        self.prefix = prefix
    }

    // MARK: Keys

    public func queueKey(_ queue: String) -> String { "\(prefix):queue:\(queue)" }
    public func processingKey(_ queue: String, consumer: String) -> String { "\(prefix):processing:\(queue):\(consumer)" }
    public var delayedKey: String { "\(prefix):delayed" }
    public var deadKey: String { "\(prefix):dead" }
    var consumersKey: String { "\(prefix):consumers" }
    func heartbeatKey(_ consumer: String) -> String { "\(prefix):consumer:\(consumer)" }

    // MARK: Producer

    /// Pushes a job onto its queue.
    public func enqueue(_ job: JobEnvelope) async throws {
        try await client.send("LPUSH", queueKey(job.queue), try job.encoded())
    }

    /// Pushes several jobs in one round trip.
    public func enqueue(_ jobs: [JobEnvelope]) async throws {
        guard !jobs.isEmpty else { return }
        let replies = try await client.pipeline(try jobs.map { ["LPUSH", queueKey($0.queue), try $0.encoded()] })
        for case .error(let message) in replies { throw RedisError(kind: .reply, message: message) }
    }

    // MARK: Consumer

    /// A job taken by a consumer: the exact text popped (needed to acknowledge it) and its envelope.
    public struct Delivery: Sendable {
        public let raw: String
        public let envelope: JobEnvelope
        public let queue: String
    }

    /// Moves the next job of `queue` onto the consumer's processing list, waiting up to
    /// `timeoutSeconds` for one. Returns `nil` when none arrived.
    ///
    /// A job whose text is not a valid envelope is moved to the dead letter, never lost or looped on.
    public func pop(queue: String, consumer: String, timeoutSeconds: Double) async throws -> Delivery? {
        let reply = try await client.send(
            ["BLMOVE", queueKey(queue), processingKey(queue, consumer: consumer), "RIGHT", "LEFT", String(timeoutSeconds)],
            blockingSeconds: timeoutSeconds)
        guard let raw = reply.string else { return nil }
        return try await delivery(raw, from: queue, consumer: consumer)
    }

    /// Takes the next job of the first of `queues` (in priority order) that has one, without
    /// waiting on the empty ones; only when every queue is empty does it wait, up to
    /// `timeoutSeconds`, on `waitingOn`. Each move is atomic onto the consumer's processing list
    /// of the job's queue, as ``pop(queue:consumer:timeoutSeconds:)``'s.
    ///
    /// Consumers give their slots different `waitingOn` queues, so a job arriving on any served
    /// queue wakes a slot at once.
    public func take(from queues: [String], consumer: String, waitingOn: String, timeoutSeconds: Double) async throws -> Delivery? {
        if queues.count > 1 {
            let keys = queues.flatMap { [queueKey($0), processingKey($0, consumer: consumer)] }
            let reply = try await client.run(Self.takeFirst, keys: keys, arguments: [])
            if let found = reply.array, found.count == 2, let index = found[0].integer, queues.indices.contains(index - 1), let raw = found[1].string {
                return try await delivery(raw, from: queues[index - 1], consumer: consumer)
            }
        }
        return try await pop(queue: waitingOn, consumer: consumer, timeoutSeconds: timeoutSeconds)
    }

    /// The delivery of a job taken from `queue`; text that is not a valid envelope goes to the
    /// dead letter instead (`nil`).
    private func delivery(_ raw: String, from queue: String, consumer: String) async throws -> Delivery? {
        do {
            return Delivery(raw: raw, envelope: try JobEnvelope.decode(raw), queue: queue)
        } catch {
            try await client.run(Self.moveToDead, keys: [processingKey(queue, consumer: consumer), deadKey], arguments: [raw, raw])
            return nil
        }
    }

    /// Removes a finished job from the consumer's processing list.
    public func acknowledge(_ delivery: Delivery, consumer: String) async throws {
        try await client.send("LREM", processingKey(delivery.queue, consumer: consumer), "-1", delivery.raw)
    }

    /// Atomically takes a failed job off the processing list and schedules it again at `runAt`.
    public func retry(_ delivery: Delivery, consumer: String, error: String, runAt: Date) async throws {
        var next = delivery.envelope
        next.attempt += 1
        next.lastError = error
        let score = String(Int64(runAt.timeIntervalSince1970 * 1000))
        try await client.run(
            Self.moveToDelayed, keys: [processingKey(delivery.queue, consumer: consumer), delayedKey],
            arguments: [delivery.raw, score, try next.encoded()])
    }

    /// Atomically takes a job that exhausted its attempts off the processing list into the dead letter.
    public func bury(_ delivery: Delivery, consumer: String, error: String) async throws {
        var dead = delivery.envelope
        dead.lastError = error
        try await client.run(
            Self.moveToDead, keys: [processingKey(delivery.queue, consumer: consumer), deadKey],
            arguments: [delivery.raw, try dead.encoded()])
    }

    /// Records that `consumer` is alive and serves `queues` with `concurrency` slots, for `ttlMilliseconds`.
    public func heartbeat(consumer: String, queues: [String], concurrency: Int = 1, ttlMilliseconds: Int) async throws {
        let replies = try await client.pipeline([
            ["SET", heartbeatKey(consumer), String(concurrency), "PX", String(ttlMilliseconds)],
            ["HSET", consumersKey, consumer, queues.joined(separator: ",")],
        ])
        for case .error(let message) in replies { throw RedisError(kind: .reply, message: message) }
    }

    /// Removes a consumer that stopped cleanly. Jobs still on its processing lists go back to their queues.
    public func deregister(consumer: String) async throws {
        try await client.send("DEL", heartbeatKey(consumer))
        _ = try await reapExpiredConsumers()
    }

    // MARK: Beat

    /// Moves delayed jobs whose time has come onto their queues; returns how many moved.
    public func promoteDueJobs(now: Date = Date(), limit: Int = 1000) async throws -> Int {
        let reply = try await client.run(
            Self.promote, keys: [delayedKey],
            arguments: [String(Int64(now.timeIntervalSince1970 * 1000)), String(limit), "\(prefix):queue:"])
        return reply.integer ?? 0
    }

    /// Returns the jobs held by consumers whose heartbeat expired to their queues; returns how many moved.
    public func reapExpiredConsumers() async throws -> Int {
        let reply = try await client.run(
            Self.reap, keys: [consumersKey], arguments: ["\(prefix):consumer:", "\(prefix):processing:", "\(prefix):queue:"])
        return reply.integer ?? 0
    }

    // MARK: Inspection

    /// Jobs waiting in `queue`.
    public func length(of queue: String) async throws -> Int {
        try await client.send("LLEN", queueKey(queue)).integer ?? 0
    }

    /// Jobs waiting for a retry.
    public func delayedCount() async throws -> Int {
        try await client.send("ZCARD", delayedKey).integer ?? 0
    }

    /// The dead letter, newest first.
    public func deadJobs(limit: Int = 100) async throws -> [JobEnvelope] {
        let values = try await client.send("LRANGE", deadKey, "0", String(limit - 1)).array ?? []
        return values.compactMap { $0.string.flatMap { try? JobEnvelope.decode($0) } }
    }

    /// The delayed jobs with their run-at times, soonest first.
    public func delayedJobs(limit: Int = 100) async throws -> [(job: JobEnvelope, runAt: Date)] {
        let values = try await client.send("ZRANGE", delayedKey, "0", String(limit - 1), "WITHSCORES").array ?? []
        return stride(from: 0, to: values.count - 1, by: 2).compactMap { index in
            guard let text = values[index].string, let job = try? JobEnvelope.decode(text),
                let score = values[index + 1].string.flatMap(Double.init)
            else { return nil }
            return (job, Date(timeIntervalSince1970: score / 1000))
        }
    }

    /// A registered consumer: its queues, whether its heartbeat is alive (and its slots), and
    /// the jobs it holds per queue.
    public struct ConsumerRecord: Sendable, Equatable {
        public let id: String
        public let queues: [String]
        /// `nil` once the heartbeat expired (the beat leader then returns its jobs to their queues).
        public let concurrency: Int?
        public let running: [String: Int]

        public var isAlive: Bool { concurrency != nil }
    }

    /// The registered consumers, by id, in two round trips.
    public func consumers() async throws -> [ConsumerRecord] {
        let values = try await client.send("HGETALL", consumersKey).array ?? []
        let registered: [(id: String, queues: [String])] = stride(from: 0, to: values.count - 1, by: 2).compactMap { index in
            guard let id = values[index].string, let queues = values[index + 1].string else { return nil }
            return (id, queues.split(separator: ",").map(String.init))
        }.sorted { $0.id < $1.id }
        guard !registered.isEmpty else { return [] }
        var commands: [[String]] = []
        for consumer in registered {
            commands.append(["GET", heartbeatKey(consumer.id)])
            commands += consumer.queues.map { ["LLEN", processingKey($0, consumer: consumer.id)] }
        }
        let replies = try await client.pipeline(commands)
        var index = 0
        return registered.map { consumer in
            // A consumer of an earlier version wrote "1" for any number of slots.
            let concurrency = replies[index].string.map { Int($0) ?? 1 }
            index += 1
            var running: [String: Int] = [:]
            for queue in consumer.queues {
                running[queue] = replies[index].integer ?? 0
                index += 1
            }
            return ConsumerRecord(id: consumer.id, queues: consumer.queues, concurrency: concurrency, running: running)
        }
    }

    /// Lengths in one round trip: each of `queues`, then the delayed set and the dead letter.
    public func lengths(of queues: [String]) async throws -> (waiting: [String: Int], delayed: Int, dead: Int) {
        let replies = try await client.pipeline(queues.map { ["LLEN", queueKey($0)] } + [["ZCARD", delayedKey], ["LLEN", deadKey]])
        for case .error(let message) in replies { throw RedisError(kind: .reply, message: message) }
        let waiting = Dictionary(uniqueKeysWithValues: zip(queues, replies.map { $0.integer ?? 0 }))
        return (waiting, replies[queues.count].integer ?? 0, replies[queues.count + 1].integer ?? 0)
    }

    // MARK: Operations

    /// Takes the job `id` out of the dead letter (every copy); returns how many entries went.
    /// Reads the whole list (at most 100,000 entries) inside Redis: an operator's action, not a hot path.
    @discardableResult
    public func removeFromDeadLetter(id: String) async throws -> Int {
        try await client.run(Self.removeDead, keys: [deadKey], arguments: ["\"id\":\"\(id)\""]).integer ?? 0
    }

    // MARK: Scripts

    /// ARGV[1]: the `"id":"…"` text of the job, found verbatim (a job id quoted inside a payload is escaped).
    static let removeDead = RedisScript("""
        local removed = 0
        for _, entry in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
            if string.find(entry, ARGV[1], 1, true) then removed = removed + redis.call('LREM', KEYS[1], 0, entry) end
        end
        return removed
        """)

    /// KEYS: queue and processing list of each served queue, in priority order. Returns the
    /// 1-based position of the queue a job came from and the job, or nil when all are empty.
    static let takeFirst = RedisScript("""
        for i = 1, #KEYS, 2 do
            local job = redis.call('LMOVE', KEYS[i], KEYS[i + 1], 'RIGHT', 'LEFT')
            if job then return {(i + 1) / 2, job} end
        end
        return nil
        """)

    static let moveToDelayed = RedisScript("""
        redis.call('LREM', KEYS[1], -1, ARGV[1])
        redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
        return 1
        """)

    static let moveToDead = RedisScript("""
        redis.call('LREM', KEYS[1], -1, ARGV[1])
        redis.call('LPUSH', KEYS[2], ARGV[2])
        redis.call('LTRIM', KEYS[2], 0, 99999)
        return 1
        """)

    static let promote = RedisScript("""
        local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
        for _, job in ipairs(due) do
            redis.call('ZREM', KEYS[1], job)
            local ok, decoded = pcall(cjson.decode, job)
            local queue = (ok and type(decoded) == 'table' and decoded['queue']) or 'default'
            -- RPUSH: a retried job runs before jobs that were waiting for the first time.
            redis.call('RPUSH', ARGV[3] .. queue, job)
        end
        return #due
        """)

    static let reap = RedisScript("""
        local consumers = redis.call('HGETALL', KEYS[1])
        local moved = 0
        for i = 1, #consumers, 2 do
            local consumer, queues = consumers[i], consumers[i + 1]
            if redis.call('EXISTS', ARGV[1] .. consumer) == 0 then
                for queue in string.gmatch(queues, '[^,]+') do
                    local processing = ARGV[2] .. queue .. ':' .. consumer
                    while redis.call('LMOVE', processing, ARGV[3] .. queue, 'LEFT', 'RIGHT') do
                        moved = moved + 1
                    end
                end
                redis.call('HDEL', KEYS[1], consumer)
            end
        end
        return moved
        """)
}
