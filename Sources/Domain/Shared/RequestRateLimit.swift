import Foundation
import Redis
import Synchronization

/// The API-wide request budget: so many requests per window for each bearer token and for each
/// client address, counted in Redis so every API process shares the counts.
///
/// Fixed windows: one counter per token or address and window. Each process counts locally and
/// adds its count to Redis's in batches that shrink as the budget runs out — a batch is a
/// sixteenth of what remains, so far from the limit one Redis call serves many requests, and
/// near it every request is counted in Redis at once. Processes together may overshoot a budget
/// by their pending batches (at most about as many requests as remained when they last synced,
/// divided by sixteen, each), and a client may burst to twice the limit across a window
/// boundary: tolerable for budgets this generous, for a Redis call on a small share of requests.
/// The token is counted as presented (its SHA-256), before it is checked, so made-up tokens cost
/// the address's budget as well.
public final class RequestRateLimit: Sendable {
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
        /// The budget spent, if one is: `token` or `address`, and its limit.
        public let refusal: Refusal?

        public struct Refusal: Sendable, Equatable {
            public let budget: String
            public let limit: Int
        }

        public var isRefused: Bool { refusal != nil }
    }

    /// A counter of this process: what Redis last said, and what it has not been told yet.
    struct LocalCount {
        var known = 0
        var pending = 0
        var syncedAt: Date = .distantPast
    }

    let redis: RedisClient
    let keyPrefix: String
    public let settings: Settings
    /// Counters by Redis key (the key names its window).
    private let counters = Mutex<(slot: Int64, byKey: [String: LocalCount])>((0, [:]))
    /// A counter is synced at least this often while used, so other processes' counts show.
    static let maximumStaleness: TimeInterval = 1

    public init(redis: RedisClient, keyPrefix: String, settings: Settings) {
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.settings = settings
    }

    /// Counts a request with `bearerToken` (if any) from `address`.
    ///
    /// - Throws: Redis's error when a sync was due and failed; the request's count stays local.
    public func count(bearerToken: String?, address: String?, now: Date = Date()) async throws -> Decision {
        let window = Int64(settings.windowSeconds)
        let epoch = Int64(now.timeIntervalSince1970)
        let slot = epoch / window
        let reset = Int(window - epoch % window)
        var budgets: [(budget: String, key: String, limit: Int)] = []
        if settings.perToken > 0, let bearerToken {
            budgets.append(("token", "\(keyPrefix):ratelimit:token:\(SHA256.hex(Data(bearerToken.utf8)).prefix(32)):\(slot)", settings.perToken))
        }
        if settings.perAddress > 0 {
            budgets.append(("address", "\(keyPrefix):ratelimit:address:\(String((address ?? "unknown").prefix(64))):\(slot)", settings.perAddress))
        }
        guard !budgets.isEmpty else { return Decision(limit: 0, remaining: 0, resetSeconds: reset, refusal: nil) }

        // Count locally; note which counters are due in Redis (taking their pending counts).
        let (estimates, due) = counters.withLock { state -> ([Int], [(key: String, delta: Int)]) in
            if state.slot != slot {
                state = (slot, state.byKey.filter { $0.key.hasSuffix(":\(slot)") })
            }
            var estimates: [Int] = []
            var due: [(String, Int)] = []
            for budget in budgets {
                var counter = state.byKey[budget.key] ?? LocalCount()
                counter.pending += 1
                let batch = max(1, (budget.limit - counter.known) / 16)
                if counter.pending >= batch || now.timeIntervalSince(counter.syncedAt) >= Self.maximumStaleness {
                    due.append((budget.key, counter.pending))
                    counter.known += counter.pending
                    counter.pending = 0
                    counter.syncedAt = now
                }
                state.byKey[budget.key] = counter
                estimates.append(counter.known + counter.pending)
            }
            return (estimates, due)
        }
        var counts = estimates
        if !due.isEmpty {
            let reply = try await redis.run(Self.increment, keys: due.map(\.key), arguments: [String(window * 1000 + 1000)] + due.map { String($0.delta) })
            guard let totals = reply.array?.compactMap(\.integer), totals.count == due.count else {
                throw RedisError(kind: .protocolMismatch, message: "unexpected reply to the rate-limit count: \(reply)")
            }
            let known = Dictionary(zip(due.map(\.key), totals)) { first, _ in first }
            counters.withLock { state in
                for (key, total) in known {
                    guard var counter = state.byKey[key] else { continue }
                    counter.known = max(counter.known, total)
                    state.byKey[key] = counter
                }
            }
            for (index, budget) in budgets.enumerated() {
                if let total = known[budget.key] { counts[index] = max(counts[index], total) }
            }
        }
        let spent = budgets.indices.first { counts[$0] > budgets[$0].limit }
        return Decision(limit: budgets[0].limit, remaining: max(budgets[0].limit - counts[0], 0), resetSeconds: reset,
                        refusal: spent.map { Decision.Refusal(budget: budgets[$0].budget, limit: budgets[$0].limit) })
    }

    /// Adds each delta (ARGV[2...]) to its key, setting the key's expiry (ARGV[1]) when it is new; returns the totals.
    static let increment = RedisScript("""
        local totals = {}
        for i, key in ipairs(KEYS) do
            totals[i] = redis.call('INCRBY', key, ARGV[i + 1])
            if totals[i] == tonumber(ARGV[i + 1]) then redis.call('PEXPIRE', key, ARGV[1]) end
        end
        return totals
        """)
}
