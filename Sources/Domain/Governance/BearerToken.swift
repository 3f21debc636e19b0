import Foundation
import Postgres

/// Bearer tokens: a recognisable prefix and 32 random bytes; stored only as their SHA-256.
public enum BearerToken {
    /// Session tokens (from login) start with `gps_`, personal access tokens with `gpp_`.
    public enum Kind: String, Sendable, CaseIterable {
        case session
        case personal

        var prefix: String { self == .session ? "gps_" : "gpp_" }
    }

    /// A new token of `kind`.
    public static func generate(_ kind: Kind) -> String {
        kind.prefix + randomValue()
    }

    /// The kind a token claims by its prefix; `nil` for anything else.
    public static func kind(of token: String) -> Kind? {
        Kind.allCases.first { token.hasPrefix($0.prefix) }
    }

    /// 32 random bytes as unpadded base64url: the secret part of tokens and e-mailed links.
    public static func randomValue() -> String {
        Data(SecureRandom.bytes(32)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Ends the login sessions of `userID` (personal tokens stay), except `keeping`; returns how many.
    @discardableResult
    public static func revokeSessions(of userID: UUID, keeping kept: UUID? = nil, in session: PostgresSession) async throws -> Int {
        try await revoke(of: userID, includingPersonal: false, keeping: kept, in: session)
    }

    /// Ends the sessions and revokes the personal access tokens of `userID`; returns how many.
    @discardableResult
    public static func revokeAll(of userID: UUID, in session: PostgresSession) async throws -> Int {
        try await revoke(of: userID, includingPersonal: true, keeping: nil, in: session)
    }

    private static func revoke(of userID: UUID, includingPersonal: Bool, keeping kept: UUID?, in session: PostgresSession) async throws -> Int {
        try await session.query("""
            UPDATE access_tokens SET revoked_at = now()
            WHERE user_id = $1 AND ($2::boolean OR kind = 'session') AND revoked_at IS NULL AND ($3::uuid IS NULL OR id <> $3)
            RETURNING id
            """, userID, includingPersonal, kept).count
    }

    /// The stored form of a token.
    public static func digest(_ token: String) -> String {
        SHA256.hex(Data(token.utf8))
    }
}
