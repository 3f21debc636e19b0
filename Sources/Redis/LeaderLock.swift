/// A lease held by one process among many (the beat leader), renewed while the holder lives.
///
/// `SET key holder NX PX ttl` takes it; renewing and releasing check the holder atomically, so a
/// process that lost the lease (paused past the TTL) never extends or deletes another's.
public struct LeaderLock: Sendable {
    public let client: RedisClient
    public let key: String
    public let holder: String
    public let ttlMilliseconds: Int

    public init(client: RedisClient, key: String, holder: String, ttlMilliseconds: Int) {
        self.client = client
        self.key = key
        self.holder = holder
        self.ttlMilliseconds = ttlMilliseconds
    }

    /// Takes the lease if it is free, or renews it if this holder has it. `true` while leading.
    public func acquireOrRenew() async throws -> Bool {
        let reply = try await client.run(Self.acquire, keys: [key], arguments: [holder, String(ttlMilliseconds)])
        return reply.integer == 1
    }

    /// Gives the lease up if this holder has it.
    public func release() async throws {
        try await client.run(Self.release, keys: [key], arguments: [holder])
    }

    /// The current holder, if any.
    public func currentHolder() async throws -> String? {
        try await client.send("GET", key).string
    }

    static let acquire = RedisScript("""
        if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
        if redis.call('GET', KEYS[1]) == ARGV[1] then
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
        end
        return 0
        """)

    static let release = RedisScript("""
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """)
}
