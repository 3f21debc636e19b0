import Foundation
import Redis

/// The API-wide request budget: so many requests per window for each bearer token and for each
/// client address, counted in Redis so every API process shares the counts.
///
/// Fixed windows (one counter per token or address and window, incremented and read in one
/// round trip): a client may burst to twice the limit across a window boundary, which a budget
/// this generous tolerates, for a single `INCR` per request. The token is counted as presented
/// (its SHA-256), before it is checked, so made-up tokens cost the address's budget as well.
public struct RequestRateLimit: Sendable {
    public struct Settings: Sendable, Equatable {
        /// Requests per window and bearer token; 0: no limit.
        public var perToken: Int
        /// Requests per window and client address; 0: no limit.
        public var perAddress: Int
        public var windowSeconds: Int

        public init(perToken: Int = 1200, perAddress: Int = 3000, windowSeconds: Int = 60) {
            self.perToken = perToken
            self.perAddress = perAddress
            self.windowSeconds = windowSeconds
        }

        public var isEnabled: Bool { perToken > 0 || perAddress > 0 }
    }

    /// Where a request stands against its budget.
    public struct Decision: Sendable, Equatable {
        /// The budget reported to the client: the token's when one was sent, otherwise the address's.
        public let limit: Int
        public let remaining: Int
        /// Seconds until the window ends and the counts start over.
        public let resetSeconds: Int
        /// The budget spent, if one is: the token's or the address's, and its limit.
        public let refusal: (budget: String, limit: Int)?

        public var isRefused: Bool { refusal != nil }

        public static func == (lhs: Decision, rhs: Decision) -> Bool {
            lhs.limit == rhs.limit && lhs.remaining == rhs.remaining && lhs.resetSeconds == rhs.resetSeconds
                && lhs.refusal?.budget == rhs.refusal?.budget && lhs.refusal?.limit == rhs.refusal?.limit
        }
    }

    let redis: RedisClient
    let keyPrefix: String
    public let settings: Settings

    public init(redis: RedisClient, keyPrefix: String, settings: Settings) {
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.settings = settings
    }

    /// Counts a request with `bearerToken` (if any) from `address`.
    public func count(bearerToken: String?, address: String?, now: Date = Date()) async throws -> Decision {
        let window = Int64(settings.windowSeconds)
        let epoch = Int64(now.timeIntervalSince1970)
        let slot = epoch / window
        let reset = Int(window - epoch % window)
        var keys: [String] = []
        var limits: [Int] = []
        var budgets: [String] = []
        if settings.perToken > 0, let bearerToken {
            keys.append("\(keyPrefix):ratelimit:token:\(SHA256.hex(Data(bearerToken.utf8)).prefix(32)):\(slot)")
            limits.append(settings.perToken)
            budgets.append("token")
        }
        if settings.perAddress > 0 {
            keys.append("\(keyPrefix):ratelimit:address:\(String((address ?? "unknown").prefix(64))):\(slot)")
            limits.append(settings.perAddress)
            budgets.append("address")
        }
        guard !keys.isEmpty else { return Decision(limit: 0, remaining: 0, resetSeconds: reset, refusal: nil) }
        let reply = try await redis.run(Self.increment, keys: keys, arguments: [String(window * 1000 + 1000)])
        guard let counts = reply.array?.compactMap(\.integer), counts.count == keys.count else {
            throw RedisError(kind: .protocolMismatch, message: "unexpected reply to the rate-limit count: \(reply)")
        }
        let spent = counts.indices.first { counts[$0] > limits[$0] }
        return Decision(limit: limits[0], remaining: max(limits[0] - counts[0], 0), resetSeconds: reset,
                        refusal: spent.map { (budgets[$0], limits[$0]) })
    }

    /// Increments each key, setting its expiry when it is new; returns the counts.
    static let increment = RedisScript("""
        local counts = {}
        for i, key in ipairs(KEYS) do
            counts[i] = redis.call('INCR', key)
            if counts[i] == 1 then redis.call('PEXPIRE', key, ARGV[1]) end
        end
        return counts
        """)
}
