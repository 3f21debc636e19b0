import Foundation
import Mail
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
///
/// Every call here is session-only (a personal access token gets 403 whatever its scopes), and
/// those that add a credential or weaken the account ask for the password (and the second
/// factor, when enrolled) again. Each such change e-mails the owner a security notice.
public struct AccountService: Sendable {
    let outbox: Outbox
    let settings: AuthSettings
    let reauthentication: Reauthentication
    let secondFactor: SecondFactor
    let sender: MailAddress
    let issuer: String

    public init(outbox: Outbox, settings: AuthSettings, reauthentication: Reauthentication, secondFactor: SecondFactor, sender: MailAddress,
                issuer: String) {
        self.outbox = outbox
        self.settings = settings
        self.reauthentication = reauthentication
        self.secondFactor = secondFactor
        self.sender = sender
        self.issuer = issuer
    }

    var postgres: PostgresClient { outbox.postgres }

    // MARK: Terms of use

    public func acceptTerms(_ principal: Principal, client: ClientInfo) async throws {
        try principal.requireSession()
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

    /// Creates a token for scripts, after the password (and second factor) again.
    ///
    /// - Returns: the token (shown once) and its listing.
    public func createToken(_ principal: Principal, name: String, scopes: [Scope], expiresAt: Date, password: String, totpCode: String?,
                            client: ClientInfo, now: Date = Date()) async throws -> (String, PersonalToken) {
        try principal.requireFullAccess()
        try principal.requireSession()
        var errors: [FieldError] = []
        let trimmed = TextRules.trimmed(name)
        if trimmed.isEmpty || trimmed.count > 100 { errors.append(FieldError(field: "name", code: "invalid",
                                                                             message: "Give the token a name of 1 to 100 characters.")) }
        if scopes.isEmpty { errors.append(FieldError(field: "scopes", code: "required", message: "Choose at least one scope.")) }
        if expiresAt <= now { errors.append(FieldError(field: "expires_at", code: "in_past", message: "The expiry must be in the future.")) }
        if expiresAt.timeIntervalSince(now) > settings.maximumPersonalTokenLifetime.seconds {
            let days = Int(settings.maximumPersonalTokenLifetime.seconds / 86_400)
            errors.append(FieldError(field: "expires_at", code: "too_far", message: "A token may live at most \(days) days."))
        }
        guard errors.isEmpty else { throw DomainError.validation(errors) }
        try await reauthentication.verify(principal, password: password, totpCode: totpCode, client: client, now: now)
        let token = BearerToken.generate(.personal)
        let id = UUID()
        let unique = Array(Set(scopes)).sorted { $0.rawValue < $1.rawValue }
        let createdAt: Date = try await outbox.transaction { unit in
            guard let row = try await unit.session.query("""
                INSERT INTO access_tokens (id, user_id, kind, token_hash, name, scopes, expires_at, second_factor_verified)
                VALUES ($1, $2, 'personal', $3, $4, $5, $6, $7) RETURNING created_at
                """, id, principal.userID, BearerToken.digest(token), trimmed, unique.map(\.rawValue), expiresAt, principal.hasSecondFactor).first
            else { throw DomainError.conflict("The token could not be stored.") }
            try await AuditLog.record(AuditEvent(action: "token.created", actorID: principal.userID, objectType: "access_token",
                                                 objectID: id.postgresText,
                                                 client: client, details: try JobPayloadCoding.encode(["name": trimmed])), in: unit.session)
            try await AccountEmails.notify(.personalTokenCreated, userID: principal.userID,
                                           detail: "“\(trimmed)”, scopes \(unique.map(\.rawValue).joined(separator: ", "))",
                                           client: client, sender: sender, unit: unit)
            return try row.decode("created_at")
        }
        return (token, PersonalToken(id: id, name: trimmed, scopes: unique, createdAt: createdAt, expiresAt: expiresAt, lastUsedAt: nil))
    }

    /// The caller's live personal tokens, newest first.
    public func tokens(_ principal: Principal) async throws -> [PersonalToken] {
        try principal.requireFullAccess()
        try principal.requireSession()
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

    /// Revokes one of the caller's personal tokens; another user's token is "not found". No
    /// password is asked: removing a credential must stay quick when one leaked.
    public func revokeToken(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try principal.requireFullAccess()
        try principal.requireSession()
        try await postgres.withTransaction { session in
            let revoked = try await session.query("""
                UPDATE access_tokens SET revoked_at = now()
                WHERE id = $1 AND user_id = $2 AND kind = 'personal' AND revoked_at IS NULL RETURNING id
                """, id, principal.userID)
            guard revoked.count == 1 else { throw DomainError.notFound("No such token.") }
            try await AuditLog.record(AuditEvent(action: "token.revoked", actorID: principal.userID, objectType: "access_token",
                                                 objectID: id.postgresText, client: client), in: session)
        }
    }

    // MARK: Second factor

    /// Starts enrolment, after the password again: a new secret, shown once, to enter in an
    /// authenticator app. Stored sealed; not in force until confirmed.
    public func beginTOTPEnrolment(_ principal: Principal, password: String, client: ClientInfo) async throws -> (secret: String, uri: String) {
        try principal.requireAcceptedTerms()
        try principal.requireSession()
        let checked = try await reauthentication.verify(principal, password: password, totpCode: nil, client: client)
        guard !checked.hasSecondFactor else { throw DomainError.conflict("A second factor is already enabled; disable it first.") }
        let secret = TOTP.newSecret()
        let updated = try await postgres.query(
            "UPDATE users SET totp_secret = $2 WHERE id = $1 AND totp_enabled_at IS NULL RETURNING email",
            principal.userID, try secondFactor.seal(secret, userID: principal.userID))
        guard let email = try updated.first?.decode("email", as: String.self) else {
            throw DomainError.conflict("A second factor is already enabled; disable it first.")
        }
        let encoded = TOTP.base32(secret)
        let label = "\(issuer):\(email)".addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? email
        let issuerParameter = issuer.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? issuer
        return (encoded, "otpauth://totp/\(label)?secret=\(encoded)&issuer=\(issuerParameter)&algorithm=SHA1&digits=6&period=30")
    }

    /// Completes enrolment with a code from the app; this session now carries the second factor
    /// (other sessions do not). Returns the recovery codes, shown once.
    public func confirmTOTP(_ principal: Principal, code: String, client: ClientInfo, now: Date = Date()) async throws -> [String] {
        try principal.requireAcceptedTerms()
        try principal.requireSession()
        return try await outbox.transaction { unit in
            let session = unit.session
            guard let row = try await session.query(
                "SELECT totp_secret, totp_enabled_at FROM users WHERE id = $1 FOR UPDATE", principal.userID).first,
                let stored = try row.decode("totp_secret", as: Data?.self)
            else { throw DomainError.conflict("Start the enrolment first.") }
            guard try row.decode("totp_enabled_at",
                                 as: Date?.self) == nil else { throw DomainError.conflict("The second factor is already enabled.") }
            guard let step = TOTP.matchingStep(code, secret: try secondFactor.secret(stored, userID: principal.userID), at: now) else {
                throw DomainError.validation([FieldError(field: "code", code: "invalid",
                                                         message: "The code does not match; check the device's clock.")])
            }
            try await session.query("UPDATE users SET totp_enabled_at = now(), totp_last_step = $2 WHERE id = $1", principal.userID, step)
            try await session.query("UPDATE access_tokens SET second_factor_verified = true WHERE id = $1", principal.tokenID)
            let codes = try await replaceRecoveryCodes(principal.userID, session: session)
            try await AuditLog.record(AuditEvent(action: "user.totp_enabled", actorID: principal.userID, objectType: "user",
                                                 objectID: principal.userID.postgresText, client: client), in: session)
            try await AccountEmails.notify(.secondFactorEnrolled, userID: principal.userID, client: client, sender: sender, unit: unit)
            return codes
        }
    }

    /// New recovery codes (the old ones stop working), after the password and a code again.
    public func regenerateRecoveryCodes(_ principal: Principal, password: String, totpCode: String?, client: ClientInfo) async throws -> [String] {
        try principal.requireFullAccess()
        try principal.requireSession()
        let checked = try await reauthentication.verify(principal, password: password, totpCode: totpCode, client: client)
        guard checked.hasSecondFactor else { throw DomainError.conflict("Enable the second factor first.") }
        return try await postgres.withTransaction { session in
            let codes = try await replaceRecoveryCodes(principal.userID, session: session)
            try await AuditLog.record(AuditEvent(action: "user.recovery_codes_regenerated", actorID: principal.userID, objectType: "user",
                                                 objectID: principal.userID.postgresText, client: client), in: session)
            return codes
        }
    }

    /// Turns the second factor off, after the password and a code again. Other sessions end,
    /// and this one no longer carries a second factor.
    public func disableTOTP(_ principal: Principal, password: String, totpCode: String?, client: ClientInfo) async throws {
        try principal.requireFullAccess()
        try principal.requireSession()
        let checked = try await reauthentication.verify(principal, password: password, totpCode: totpCode, client: client)
        guard checked.hasSecondFactor else { throw DomainError.conflict("No second factor is enabled.") }
        try await outbox.transaction { unit in
            let session = unit.session
            try await session.query("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1",
                                    principal.userID)
            try await session.query("DELETE FROM recovery_codes WHERE user_id = $1", principal.userID)
            try await BearerToken.revokeSessions(of: principal.userID, keeping: principal.tokenID, in: session)
            try await session.query("UPDATE access_tokens SET second_factor_verified = false WHERE id = $1", principal.tokenID)
            try await AuditLog.record(AuditEvent(action: "user.totp_disabled", actorID: principal.userID, objectType: "user",
                                                 objectID: principal.userID.postgresText, client: client), in: session)
            try await AccountEmails.notify(.secondFactorDisabled, userID: principal.userID, client: client, sender: sender, unit: unit)
        }
    }

    private func replaceRecoveryCodes(_ userID: UUID, session: PostgresSession) async throws -> [String] {
        try await session.query("DELETE FROM recovery_codes WHERE user_id = $1", userID)
        let codes = RecoveryCodes.generate()
        try await session.query("""
            INSERT INTO recovery_codes (id, user_id, code_hash) SELECT gen_random_uuid(), $1, unnest($2::text[])
            """, userID, codes.map(RecoveryCodes.digest))
        return codes
    }
}
