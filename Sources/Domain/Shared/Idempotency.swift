import Foundation
import Postgres
import Synchronization

/// `Idempotency-Key` for creating calls: the first request with a key does the work and records
/// its result in the same transaction; a retry with the same key and the same request gets that
/// result again, one with another request 422. Keys are per user and kept 24 hours.
public enum Idempotency {
    public static let lifetime: TimeInterval = 24 * 3600

    /// Learns whether a call answered with the result of an earlier one, for the API to say so
    /// (`Idempotent-Replayed: true`).
    public final class Witness: Sendable {
        private let seen = Mutex(false)

        public init() {}

        /// Whether the call replayed an earlier result.
        public var replayed: Bool { seen.withLock { $0 } }

        func noteReplay() { seen.withLock { $0 = true } }
    }

    /// What a key allows: run the call (`fresh`) or answer with what it produced (`replay`).
    public enum Claim: Sendable, Equatable {
        case fresh
        case replay(String)
    }

    /// Claims `key` for the caller inside `session`'s transaction. A concurrent call with the same
    /// key waits here until the first one commits, then replays it.
    ///
    /// - Parameters:
    ///   - scope: the kind of call (`incidents.create`): a key used for another kind of call is
    ///     refused like one reused with another request.
    ///   - fingerprint: a digest of everything the request says.
    ///   - witness: told when the claim is a replay.
    public static func claim(_ key: String, userID: UUID, scope: String, fingerprint: String, witness: Witness? = nil,
                             session: PostgresSession) async throws -> Claim {
        try await session.query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND created_at < now() - make_interval(secs => $3)",
                                userID, key, Int(lifetime))
        if try await session.query("""
            INSERT INTO idempotency_keys (user_id, key, scope, fingerprint) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING key
            """, userID, key, scope, fingerprint).count == 1 {
            return .fresh
        }
        guard let row = try await session.query("SELECT scope, fingerprint, result::text AS result FROM idempotency_keys WHERE user_id = $1 AND key = $2",
                                                userID, key).first,
              try row.decode("scope", as: String.self) == scope, try row.decode("fingerprint", as: String.self) == fingerprint,
              let result = try row.decode("result", as: String?.self) else {
            throw DomainError.validation([FieldError(field: "Idempotency-Key", code: "reused",
                                                     message: "This key was used for another request; use a new key for a new request.")])
        }
        witness?.noteReplay()
        return .replay(result)
    }

    /// Records the result (JSON) of a fresh call, in the same transaction.
    public static func record(_ key: String, userID: UUID, result: String, session: PostgresSession) async throws {
        try await session.query("UPDATE idempotency_keys SET result = $3::jsonb WHERE user_id = $1 AND key = $2", userID, key, result)
    }

    /// Forgets keys past their lifetime.
    @discardableResult
    public static func purge(_ postgres: PostgresClient) async throws -> Int {
        try await postgres.query("DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1) RETURNING key", Int(lifetime)).count
    }
}
