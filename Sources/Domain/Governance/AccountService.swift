import Foundation
import Postgres

/// A personal access token as listed: never the token itself, which is shown once at creation.
public struct PersonalToken: Sendable, Equatable {
    public let id: UUID
    public let name: String
    public let scopes: [Scope]
    public let createdAt: Date
    public let expiresAt: Date
    public let lastUsedAt: Date?
}

/// What a user does to their own account: terms of use, personal access tokens, second factor.
public struct AccountService: Sendable {
    let postgres: PostgresClient
    let settings: AuthSettings
    let hashing: PasswordHashing
    let issuer: String

    public init(postgres: PostgresClient, settings: AuthSettings, hashing: PasswordHashing, issuer: String) {
        self.postgres = postgres
        self.settings = settings
        self.hashing = hashing
        self.issuer = issuer
    }

    // MARK: Terms of use

    public func acceptTerms(_ principal: Principal, client: ClientInfo) async throws {
        try await postgres.withTransaction { session in
            try await session.query("UPDATE users SET terms_accepted_at = now() WHERE id = $1", principal.userID)
            try await AuditLog.record(AuditEvent(action: "user.terms_accepted", actorID: principal.userID, objectType: "user",
                                                 objectID: principal.userID.postgresText, client: client), in: session)
        }
    }

    /// Makes every user accept the terms of use again (platform administrators, after the terms
    /// changed); returns how many acceptances were withdrawn.
    @discardableResult
    public func resetTermsAcceptance(_ principal: Principal, client: ClientInfo) async throws -> Int {
        try principal.requireAccess(.governanceWrite)
        try principal.affiliations.authorize(.resetTermsAcceptance)
        return try await postgres.withTransaction { session in
            let reset = try await session.query("UPDATE users SET terms_accepted_at = NULL WHERE terms_accepted_at IS NOT NULL RETURNING id").count
            try await AuditLog.record(AuditEvent(action: "terms.acceptance_reset", actorID: principal.userID, actorRole: principal.role.rawValue,
                                                 client: client, details: "{\"users\": \(reset)}"), in: session)
            return reset
        }
    }

    // MARK: Personal access tokens

    /// Creates a token for scripts; only a login session may create one.
    ///
    /// - Returns: the token (shown once) and its listing.
    public func createToken(_ principal: Principal, name: String, scopes: [Scope], expiresAt: Date, client: ClientInfo, now: Date = Date()) async throws -> (String, PersonalToken) {
        try principal.requireFullAccess()
        guard principal.tokenKind == .session else {
            throw DomainError.forbidden("Personal access tokens are created from a login session, not with another token.")
        }
        var errors: [FieldError] = []
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.count > 100 { errors.append(FieldError(field: "name", code: "invalid", message: "Give the token a name of 1 to 100 characters.")) }
        if scopes.isEmpty { errors.append(FieldError(field: "scopes", code: "required", message: "Choose at least one scope.")) }
        if expiresAt <= now { errors.append(FieldError(field: "expires_at", code: "in_past", message: "The expiry must be in the future.")) }
        if expiresAt.timeIntervalSince(now) > settings.maximumPersonalTokenLifetime.seconds {
            errors.append(FieldError(field: "expires_at", code: "too_far", message: "A token may live at most \(Int(settings.maximumPersonalTokenLifetime.seconds / 86_400)) days."))
        }
        guard errors.isEmpty else { throw DomainError.validation(errors) }
        let token = BearerToken.generate(.personal)
        let id = UUID()
        let unique = Array(Set(scopes)).sorted { $0.rawValue < $1.rawValue }
        let row = try await postgres.withTransaction { session in
            let row = try await session.query("""
                INSERT INTO access_tokens (id, user_id, kind, token_hash, name, scopes, expires_at)
                VALUES ($1, $2, 'personal', $3, $4, $5, $6) RETURNING created_at
                """, id, principal.userID, BearerToken.digest(token), trimmed, unique.map(\.rawValue), expiresAt).first!
            try await AuditLog.record(AuditEvent(action: "token.created", actorID: principal.userID, objectType: "access_token", objectID: id.postgresText,
                                                 client: client, details: try JobPayloadCoding.encode(["name": trimmed])), in: session)
            return row
        }
        return (token, PersonalToken(id: id, name: trimmed, scopes: unique, createdAt: try row.decode("created_at"), expiresAt: expiresAt, lastUsedAt: nil))
    }

    /// The caller's live personal tokens, newest first.
    public func tokens(_ principal: Principal) async throws -> [PersonalToken] {
        try principal.requireFullAccess()
        return try await postgres.query("""
            SELECT id, name, scopes, created_at, expires_at, last_used_at FROM access_tokens
            WHERE user_id = $1 AND kind = 'personal' AND revoked_at IS NULL AND expires_at > now()
            ORDER BY created_at DESC, id
            """, principal.userID).map { row in
            PersonalToken(id: try row.decode("id"), name: try row.decode("name"),
                          scopes: try row.decode("scopes", as: [String].self).compactMap(Scope.init(rawValue:)),
                          createdAt: try row.decode("created_at"), expiresAt: try row.decode("expires_at"), lastUsedAt: try row.decode("last_used_at"))
        }
    }

    /// Revokes one of the caller's personal tokens; another user's token is "not found".
    public func revokeToken(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try principal.requireFullAccess()
        try await postgres.withTransaction { session in
            let revoked = try await session.query("""
                UPDATE access_tokens SET revoked_at = now()
                WHERE id = $1 AND user_id = $2 AND kind = 'personal' AND revoked_at IS NULL RETURNING id
                """, id, principal.userID)
            guard revoked.count == 1 else { throw DomainError.notFound("No such token.") }
            try await AuditLog.record(AuditEvent(action: "token.revoked", actorID: principal.userID, objectType: "access_token", objectID: id.postgresText, client: client), in: session)
        }
    }

    // MARK: Second factor

    /// Starts enrolment: a new secret, shown once, to enter in an authenticator app.
    public func beginTOTPEnrolment(_ principal: Principal) async throws -> (secret: String, uri: String) {
        try principal.requireAcceptedTerms()
        let secret = TOTP.newSecret()
        let updated = try await postgres.query(
            "UPDATE users SET totp_secret = $2 WHERE id = $1 AND totp_enabled_at IS NULL RETURNING email", principal.userID, secret)
        guard let email = try updated.first?.decode("email", as: String.self) else {
            throw DomainError.conflict("A second factor is already enabled; disable it first.")
        }
        let encoded = TOTP.base32(secret)
        let label = "\(issuer):\(email)".addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? email
        let issuerParameter = issuer.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? issuer
        return (encoded, "otpauth://totp/\(label)?secret=\(encoded)&issuer=\(issuerParameter)&algorithm=SHA1&digits=6&period=30")
    }

    /// Completes enrolment with a code from the app; returns the recovery codes, shown once.
    public func confirmTOTP(_ principal: Principal, code: String, client: ClientInfo, now: Date = Date()) async throws -> [String] {
        try principal.requireAcceptedTerms()
        return try await postgres.withTransaction { session in
            guard let row = try await session.query(
                "SELECT totp_secret, totp_enabled_at FROM users WHERE id = $1 FOR UPDATE", principal.userID).first,
                let secret = try row.decode("totp_secret", as: Data?.self)
            else { throw DomainError.conflict("Start the enrolment first.") }
            guard try row.decode("totp_enabled_at", as: Date?.self) == nil else { throw DomainError.conflict("The second factor is already enabled.") }
            guard TOTP.verify(code, secret: secret, at: now) else {
                throw DomainError.validation([FieldError(field: "code", code: "invalid", message: "The code does not match; check the device's clock.")])
            }
            try await session.query("UPDATE users SET totp_enabled_at = now() WHERE id = $1", principal.userID)
            let codes = try await replaceRecoveryCodes(principal.userID, session: session)
            try await AuditLog.record(AuditEvent(action: "user.totp_enabled", actorID: principal.userID, objectType: "user", objectID: principal.userID.postgresText, client: client), in: session)
            return codes
        }
    }

    /// New recovery codes (the old ones stop working), after re-entering the password.
    public func regenerateRecoveryCodes(_ principal: Principal, password: String, client: ClientInfo) async throws -> [String] {
        try principal.requireFullAccess()
        return try await postgres.withTransaction { session in
            try await reauthenticate(principal, password: password, session: session)
            guard try await session.query("SELECT 1 FROM users WHERE id = $1 AND totp_enabled_at IS NOT NULL", principal.userID).count == 1 else {
                throw DomainError.conflict("Enable the second factor first.")
            }
            let codes = try await replaceRecoveryCodes(principal.userID, session: session)
            try await AuditLog.record(AuditEvent(action: "user.recovery_codes_regenerated", actorID: principal.userID, objectType: "user",
                                                 objectID: principal.userID.postgresText, client: client), in: session)
            return codes
        }
    }

    /// Turns the second factor off, after re-entering the password.
    public func disableTOTP(_ principal: Principal, password: String, client: ClientInfo) async throws {
        try principal.requireFullAccess()
        try await postgres.withTransaction { session in
            try await reauthenticate(principal, password: password, session: session)
            try await session.query("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL WHERE id = $1", principal.userID)
            try await session.query("DELETE FROM recovery_codes WHERE user_id = $1", principal.userID)
            try await AuditLog.record(AuditEvent(action: "user.totp_disabled", actorID: principal.userID, objectType: "user",
                                                 objectID: principal.userID.postgresText, client: client), in: session)
        }
    }

    private func reauthenticate(_ principal: Principal, password: String, session: PostgresSession) async throws {
        let hash = try await session.query("SELECT password_hash FROM users WHERE id = $1", principal.userID).first?.decode("password_hash", as: String?.self)
        guard let hash, try await hashing.verify(password, against: hash) else {
            throw DomainError.validation([FieldError(field: "password", code: "wrong", message: "The password is wrong.")])
        }
    }

    private func replaceRecoveryCodes(_ userID: UUID, session: PostgresSession) async throws -> [String] {
        try await session.query("DELETE FROM recovery_codes WHERE user_id = $1", userID)
        let codes = RecoveryCodes.generate()
        for code in codes {
            try await session.query("INSERT INTO recovery_codes (id, user_id, code_hash) VALUES ($1, $2, $3)", UUID(), userID, RecoveryCodes.digest(code))
        }
        return codes
    }
}
