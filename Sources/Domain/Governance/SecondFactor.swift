import Foundation
import Postgres

/// The TOTP second factor of users: secrets sealed at rest with a key from `SECRET_KEY`, each
/// code accepted once (the last accepted time step is remembered per user), and single-use
/// recovery codes in place of a code.
public struct SecondFactor: Sendable {
    let box: SecretBox

    public init(secretKey: String) {
        box = SecretBox(secretKey: secretKey, purpose: "totp-secret")
    }

    /// The stored form of a new secret of `userID`.
    func seal(_ secret: Data, userID: UUID) throws -> Data {
        try box.seal(secret, owner: userID)
    }

    /// The secret of `userID` from its stored form (a plaintext secret stored before encryption
    /// at rest is read as it is until ``sealLegacySecrets(postgres:)`` seals it).
    func secret(_ stored: Data, userID: UUID) throws -> Data {
        SecretBox.isSealed(stored) ? try box.open(stored, owner: userID) : stored
    }

    /// How a second factor was proven.
    enum Proof: Sendable, Equatable {
        case authenticatorCode
        case recoveryCode
    }

    /// Accepts a code from the user's authenticator, at most once per time step, or else one of
    /// their unused recovery codes (consumed, and audited).
    ///
    /// - Returns: `nil` for a wrong, replayed or used code.
    func accept(_ code: String, userID: UUID, storedSecret: Data, at now: Date, client: ClientInfo, session: PostgresSession) async throws -> Proof? {
        if let step = TOTP.matchingStep(code, secret: try secret(storedSecret, userID: userID), at: now) {
            // Atomic: of two requests with the same code, one wins.
            let accepted = try await session.query("""
                UPDATE users SET totp_last_step = $2 WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING id
                """, userID, step)
            return accepted.isEmpty ? nil : .authenticatorCode
        }
        let used = try await session.query("""
            UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id
            """, userID, RecoveryCodes.digest(code))
        guard !used.isEmpty else { return nil }
        try await AuditLog.record(AuditEvent(action: "auth.recovery_code_used", actorID: userID, objectType: "user", objectID: userID.postgresText,
                                             client: client), in: session)
        return .recoveryCode
    }

    /// ``accept(_:userID:storedSecret:at:client:session:)`` on a pooled connection.
    func accept(_ code: String, userID: UUID, storedSecret: Data, at now: Date, client: ClientInfo,
                using postgres: PostgresClient) async throws -> Proof? {
        try await postgres.withSession { session in
            try await accept(code, userID: userID, storedSecret: storedSecret, at: now, client: client, session: session)
        }
    }

    /// Seals the secrets stored in plain text by versions before encryption at rest; returns
    /// how many. Run by `governance-api migrate`, idempotent.
    @discardableResult
    public func sealLegacySecrets(postgres: PostgresClient) async throws -> Int {
        try await postgres.withTransaction { session in
            let rows = try await session.query("""
                SELECT id, totp_secret FROM users
                WHERE totp_secret IS NOT NULL AND (octet_length(totp_secret) <= 29 OR get_byte(totp_secret, 0) <> 1)
                FOR UPDATE
                """)
            var sealed = 0
            for row in rows {
                let id: UUID = try row.decode("id")
                let stored: Data = try row.decode("totp_secret")
                guard !SecretBox.isSealed(stored) else { continue }
                try await session.query("UPDATE users SET totp_secret = $2 WHERE id = $1", id, try seal(stored, userID: id))
                sealed += 1
            }
            return sealed
        }
    }
}
