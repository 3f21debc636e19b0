import Foundation
import Redis
import Testing
import TestSupport

@Suite("Redis client and reliable queue")
struct RedisTests {
    let redis: RedisClient
    let queue: ReliableQueue

    init() throws {
        redis = RedisClient(configuration: try RedisConfiguration(url: TestEnvironment.redisURL, poolSize: 4), logger: TestEnvironment.logger)
        queue = ReliableQueue(client: redis, prefix: "test:\(TestEnvironment.uniqueName())")
    }

    @Test("commands, binary-safe values, pipelines and error replies")
    func commands() async throws {
        let key = "\(queue.prefix):value"
        try await redis.send("SET", key, "héllo\r\nworld with spaces")
        #expect(try await redis.send("GET", key).string == "héllo\r\nworld with spaces")
        #expect(try await redis.send("GET", "\(queue.prefix):missing").isNull)
        let replies = try await redis.pipeline([["INCR", "\(queue.prefix):n"], ["INCR", "\(queue.prefix):n"], ["LPUSH", key, "x"]])
        #expect(replies[0] == .integer(1))
        #expect(replies[1] == .integer(2))
        guard case .error(let message) = replies[2] else { Issue.record("expected WRONGTYPE"); return }
        #expect(message.hasPrefix("WRONGTYPE"))
        await #expect(throws: RedisError.self) { try await redis.send("LPUSH", key, "x") }
    }

    @Test("scripts run by SHA and are reloaded after SCRIPT FLUSH")
    func scriptsReload() async throws {
        let script = RedisScript("return tonumber(ARGV[1]) + 1")
        #expect(try await redis.run(script, keys: [], arguments: ["41"]).integer == 42)
        try await redis.send("SCRIPT", "FLUSH")
        #expect(try await redis.run(script, keys: [], arguments: ["1"]).integer == 2)
    }

    @Test("a popped job sits on the consumer's processing list until acknowledged")
    func popAndAcknowledge() async throws {
        try await queue.enqueue(JobEnvelope(id: "a", kind: "noop"))
        try await queue.enqueue(JobEnvelope(id: "b", kind: "noop"))
        let first = try #require(try await queue.pop(queue: "default", consumer: "c1", timeoutSeconds: 1))
        #expect(first.envelope.id == "a")
        #expect(try await redis.send("LLEN", queue.processingKey("default", consumer: "c1")).integer == 1)
        try await queue.acknowledge(first, consumer: "c1")
        #expect(try await redis.send("LLEN", queue.processingKey("default", consumer: "c1")).integer == 0)
        #expect(try await queue.pop(queue: "default", consumer: "c1", timeoutSeconds: 1)?.envelope.id == "b")
        #expect(try await queue.pop(queue: "default", consumer: "c1", timeoutSeconds: 0.1) == nil)
    }

    @Test("taking from several queues: the first queue with a job, in priority order, without waiting on the empty ones")
    func takeFromSeveralQueues() async throws {
        try await queue.enqueue(JobEnvelope(id: "d1", kind: "noop", queue: "default"))
        try await queue.enqueue(JobEnvelope(id: "m1", kind: "noop", queue: "mail"))
        try await queue.enqueue(JobEnvelope(id: "m2", kind: "noop", queue: "mail"))
        // "mail" comes first; the wait queue matters only when every queue is empty.
        let first = try #require(try await queue.take(from: ["mail", "default"], consumer: "c1", waitingOn: "default", timeoutSeconds: 30))
        #expect(first.envelope.id == "m1")
        #expect(first.queue == "mail")
        #expect(try await redis.send("LLEN", queue.processingKey("mail", consumer: "c1")).integer == 1)
        #expect(try await queue.take(from: ["mail", "default"], consumer: "c1", waitingOn: "default", timeoutSeconds: 30)?.envelope.id == "m2")
        // With "mail" empty, the job of "default" comes at once, though the wait queue is "mail".
        let third = try #require(try await queue.take(from: ["mail", "default"], consumer: "c1", waitingOn: "mail", timeoutSeconds: 30))
        #expect(third.envelope.id == "d1")
        #expect(third.queue == "default")
        #expect(try await redis.send("LLEN", queue.processingKey("default", consumer: "c1")).integer == 1)
        // Everything empty: it waits on the wait queue, then gives up.
        #expect(try await queue.take(from: ["mail", "default"], consumer: "c1", waitingOn: "mail", timeoutSeconds: 0.1) == nil)
        // Text that is not an envelope goes to the dead letter, whichever queue held it.
        try await redis.send("LPUSH", queue.queueKey("default"), "not json")
        #expect(try await queue.take(from: ["mail", "default"], consumer: "c1", waitingOn: "mail", timeoutSeconds: 0.1) == nil)
        #expect(try await redis.send("LRANGE", queue.deadKey, "0", "-1").array?.compactMap(\.string) == ["not json"])
    }

    @Test("an idle connection closed by the server (a restart, CLIENT KILL) is replaced before use, so no call fails")
    func idleConnectionRevalidated() async throws {
        let single = RedisClient(configuration: try RedisConfiguration(url: TestEnvironment.redisURL, poolSize: 1), logger: TestEnvironment.logger)
        try await single.send("CLIENT", "SETNAME", "revalidation-\(TestEnvironment.uniqueName())")
        let name = try #require(try await single.send("CLIENT", "GETNAME").string)
        // Another connection kills the pooled one while it sits idle.
        let list = try await redis.send("CLIENT", "LIST").string ?? ""
        let id = try #require(list.split(separator: "\n").first { $0.contains("name=\(name)") }?.split(separator: " ").first { $0.hasPrefix("id=") })
        try await redis.send("CLIENT", "KILL", "ID", String(id.dropFirst(3)))
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await single.send("PING").string == "PONG")
        #expect(try await single.send("CLIENT", "GETNAME").isNull)
        await single.shutdown()
    }

    @Test("a failed job waits in the delayed set, then promotion puts it back first in line")
    func retryAndPromotion() async throws {
        try await queue.enqueue(JobEnvelope(id: "waiting", kind: "noop"))
        try await queue.enqueue(JobEnvelope(id: "failing", kind: "noop"))
        let delivery = try #require(try await queue.pop(queue: "default", consumer: "c1", timeoutSeconds: 1))
        #expect(delivery.envelope.id == "waiting")
        let runAt = Date().addingTimeInterval(60)
        try await queue.retry(delivery, consumer: "c1", error: "boom", runAt: runAt)
        #expect(try await redis.send("LLEN", queue.processingKey("default", consumer: "c1")).integer == 0)
        let delayed = try await queue.delayedJobs()
        #expect(delayed.count == 1)
        #expect(delayed.first?.job.attempt == 2)
        #expect(delayed.first?.job.lastError == "boom")
        #expect(abs((delayed.first?.runAt.timeIntervalSince(runAt)) ?? 99) < 0.01)
        #expect(try await queue.promoteDueJobs(now: Date()) == 0)
        #expect(try await queue.promoteDueJobs(now: runAt.addingTimeInterval(1)) == 1)
        #expect(try await queue.delayedCount() == 0)
        // The retried job runs before the job that was waiting for its first attempt.
        #expect(try await queue.pop(queue: "default", consumer: "c1", timeoutSeconds: 1)?.envelope.id == "waiting")
    }

    @Test("a buried job lands in the dead letter with its error")
    func deadLetter() async throws {
        try await queue.enqueue(JobEnvelope(id: "doomed", kind: "noop", attempt: 3))
        let delivery = try #require(try await queue.pop(queue: "default", consumer: "c1", timeoutSeconds: 1))
        try await queue.bury(delivery, consumer: "c1", error: "gave up")
        let dead = try await queue.deadJobs()
        #expect(dead.map(\.id) == ["doomed"])
        #expect(dead.first?.lastError == "gave up")
        #expect(try await redis.send("LLEN", queue.processingKey("default", consumer: "c1")).integer == 0)
    }

    @Test("text that is not a job envelope goes to the dead letter instead of looping")
    func poisonMessage() async throws {
        try await redis.send("LPUSH", queue.queueKey("default"), "not json")
        #expect(try await queue.pop(queue: "default", consumer: "c1", timeoutSeconds: 1) == nil)
        #expect(try await redis.send("LRANGE", queue.deadKey, "0", "-1") == .array([.string("not json")]))
    }

    @Test("the reaper returns jobs of a consumer whose heartbeat expired, and spares live ones")
    func reaper() async throws {
        try await queue.enqueue([JobEnvelope(id: "1", kind: "noop"), JobEnvelope(id: "2", kind: "noop"), JobEnvelope(id: "3", kind: "noop")])
        // A second of life: the pops below must not outlast it when the machine is busy (100 ms
        // once expired before the first reap under the full parallel suite).
        try await queue.heartbeat(consumer: "dead", queues: ["default"], ttlMilliseconds: 1000)
        try await queue.heartbeat(consumer: "alive", queues: ["default"], ttlMilliseconds: 60_000)
        _ = try await queue.pop(queue: "default", consumer: "dead", timeoutSeconds: 1)
        _ = try await queue.pop(queue: "default", consumer: "dead", timeoutSeconds: 1)
        _ = try await queue.pop(queue: "default", consumer: "alive", timeoutSeconds: 1)
        #expect(try await queue.reapExpiredConsumers() == 0)
        try await Task.sleep(for: .milliseconds(1200))
        #expect(try await queue.reapExpiredConsumers() == 2)
        #expect(try await queue.length(of: "default") == 2)
        #expect(try await redis.send("LLEN", queue.processingKey("default", consumer: "alive")).integer == 1)
        // Returned jobs run in their original order.
        #expect(try await queue.pop(queue: "default", consumer: "alive", timeoutSeconds: 1)?.envelope.id == "1")
    }

    @Test("one holder leads; renewal keeps the lease; release hands it over")
    func leaderLock() async throws {
        let key = "\(queue.prefix):leader"
        // A long lease for the exclusivity checks, so a slow, loaded machine cannot let it lapse.
        let a = LeaderLock(client: redis, key: key, holder: "a", ttlMilliseconds: 10_000)
        let b = LeaderLock(client: redis, key: key, holder: "b", ttlMilliseconds: 300)
        #expect(try await a.acquireOrRenew())
        #expect(try await !b.acquireOrRenew())
        #expect(try await a.acquireOrRenew())
        try await b.release()  // not the holder: no effect
        #expect(try await a.currentHolder() == "a")
        try await a.release()
        #expect(try await b.acquireOrRenew())
        try await Task.sleep(for: .milliseconds(400))
        #expect(try await a.acquireOrRenew())  // b's lease expired
    }
}

@Suite("Retry policy")
struct RetryPolicyTests {
    @Test("the ceiling doubles from the base up to the maximum", arguments: [(1, 2_000), (2, 4_000), (3, 8_000), (6, 60_000), (40, 60_000)])
    func ceiling(attempt: Int, expected: Int64) {
        let policy = RetryPolicy(maximumAttempts: 5, baseDelayMilliseconds: 2_000, maximumDelayMilliseconds: 60_000)
        #expect(policy.ceiling(afterAttempt: attempt) == expected)
    }

    @Test("the delay lies between half the ceiling and the ceiling")
    func jitter() {
        let policy = RetryPolicy(maximumAttempts: 5, baseDelayMilliseconds: 1_000, maximumDelayMilliseconds: 60_000)
        #expect(policy.delay(afterAttempt: 3, unit: 0) == 2_000)
        #expect(policy.delay(afterAttempt: 3, unit: 0.5) == 3_000)
        #expect(policy.delay(afterAttempt: 3, unit: 0.999_999_9) < 4_000)
        #expect(policy.allowsRetry(afterAttempt: 4))
        #expect(!policy.allowsRetry(afterAttempt: 5))
    }
}
