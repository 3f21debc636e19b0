import Foundation
import Redis

/// Limits password guessing without letting a stranger lock anyone out.
///
/// * Per account **and** client address: after ``AuthSettings/maximumFailuresPerAccount``
///   attempts in the window, that address gets 429 for that account (the owner, elsewhere, does not).
/// * Per client address: after ``AuthSettings/maximumFailuresPerAddress`` attempts, 429.
/// * Per account, from every address together: past the same number of failures each further
///   attempt is slowed down (doubling from half a second up to eight), never refused.
///
/// An attempt is counted atomically **before** the password is checked, so parallel guesses
/// cannot slip past a limit, and a refused attempt costs no password hash. A success clears the
/// account's counts and gives its attempt back to the address.
public struct LoginThrottle: Sendable {
    let redis: RedisClient
    let keyPrefix: String
    let settings: AuthSettings

    public init(redis: RedisClient, keyPrefix: String, settings: AuthSettings) {
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.settings = settings
    }

    /// A counted attempt.
    public struct Attempt: Sendable {
        let pairKey: String
        let addressKey: String
        let accountKey: String
        /// How long ``LoginThrottle/begin(email:client:)`` waited: the account is under attack.
        public let slowdown: Duration?
    }

    /// Counts an attempt of `email` from `client` and, when the account is under attack, waits
    /// out its slowdown before the caller checks the password.
    ///
    /// - Throws: ``DomainError/rateLimited(retryAfterSeconds:)`` past a limit (nothing counted).
    public func begin(email: String, client: ClientInfo) async throws -> Attempt {
        let attempt = try await count(email: email, client: client)
        if let slowdown = attempt.slowdown { try await Task.sleep(for: slowdown) }
        return attempt
    }

    private func count(email: String, client: ClientInfo) async throws -> Attempt {
        // Keys stay short and plain whatever the input: the e-mail is hashed, the address is the
        // socket's or a proxy's (bounded by the header's length).
        let account = SHA256.hex(Data(email.utf8))
        let address = String((client.address ?? "unknown").prefix(64))
        let attempt = Attempt(
            pairKey: "\(keyPrefix):auth:attempts:\(account):\(address)", addressKey: "\(keyPrefix):auth:attempts:address:\(address)",
            accountKey: "\(keyPrefix):auth:failures:\(account)", slowdown: nil)
        let reply = try await redis.run(Self.count, keys: [attempt.pairKey, attempt.addressKey, attempt.accountKey], arguments: [
            String(settings.maximumFailuresPerAccount), String(settings.maximumFailuresPerAddress), String(Int(settings.failureWindow.seconds * 1000)),
        ])
        guard let values = reply.array, values.count == 3, let allowed = values[0].integer, let retryAfter = values[1].integer,
              let failures = values[2].integer
        else { throw RedisError(kind: .protocolMismatch, message: "unexpected reply to the login count: \(reply)") }
        guard allowed == 1 else { throw DomainError.rateLimited(retryAfterSeconds: max((retryAfter + 999) / 1000, 1)) }
        return Attempt(pairKey: attempt.pairKey, addressKey: attempt.addressKey, accountKey: attempt.accountKey,
                       slowdown: Self.slowdown(afterFailures: failures, limit: settings.maximumFailuresPerAccount))
    }

    /// Records that the attempt failed (wrong password or code).
    public func failed(_ attempt: Attempt) async throws {
        _ = try await redis.pipeline([
            ["INCR", attempt.accountKey], ["PEXPIRE", attempt.accountKey, String(Int(settings.failureWindow.seconds * 1000)), "NX"],
        ])
    }

    /// Records a success: the account's counts start over, the address gets its attempt back.
    public func succeeded(_ attempt: Attempt) async throws {
        try await redis.run(Self.release, keys: [attempt.pairKey, attempt.accountKey, attempt.addressKey], arguments: [])
    }

    /// The wait before checking a password of an account with `failures` recent failures.
    static func slowdown(afterFailures failures: Int, limit: Int) -> Duration? {
        guard failures >= limit else { return nil }
        return .milliseconds(500 << min(failures - limit, 4))
    }

    /// KEYS: per account and address, the account's failures, per address.
    static let release = RedisScript("""
        redis.call('DEL', KEYS[1], KEYS[2])
        if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then redis.call('DECR', KEYS[3]) end
        return 1
        """)

    /// KEYS: per account and address, per address, the account's failures. ARGV: the two limits
    /// and the window in milliseconds. Returns {allowed, retry after ms, account failures}.
    static let count = RedisScript("""
        local pair = tonumber(redis.call('GET', KEYS[1]) or '0')
        if pair >= tonumber(ARGV[1]) then return {0, redis.call('PTTL', KEYS[1]), 0} end
        local address = tonumber(redis.call('GET', KEYS[2]) or '0')
        if address >= tonumber(ARGV[2]) then return {0, redis.call('PTTL', KEYS[2]), 0} end
        redis.call('INCR', KEYS[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[3], 'NX')
        redis.call('INCR', KEYS[2])
        redis.call('PEXPIRE', KEYS[2], ARGV[3], 'NX')
        return {1, 0, tonumber(redis.call('GET', KEYS[3]) or '0')}
        """)
}
