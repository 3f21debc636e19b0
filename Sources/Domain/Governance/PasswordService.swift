import Foundation
import Mail
import Postgres
import Redis

/// Passwords: change with the current one, reset through a single-use e-mailed link, and
/// self-registration, which is activated the same way.
public struct PasswordService: Sendable {
    let outbox: Outbox
    let redis: RedisClient
    let keyPrefix: String
    let settings: AuthSettings
    let hashing: PasswordHashing
    let policy = PasswordPolicy()
    let sender: MailAddress
    let publicURL: String

    public static let resetLifetime: TimeInterval = 30 * 60
    public static let activationLifetime: TimeInterval = 72 * 3600
    /// Reset and registration requests per client address per hour.
    public static let requestsPerAddressPerHour = 10

    public init(outbox: Outbox, redis: RedisClient, keyPrefix: String, settings: AuthSettings, hashing: PasswordHashing, sender: MailAddress,
                publicURL: String) {
        self.outbox = outbox
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.settings = settings
        self.hashing = hashing
        self.sender = sender
        self.publicURL = publicURL.hasSuffix("/") ? String(publicURL.dropLast()) : publicURL
    }

    var postgres: PostgresClient { outbox.postgres }

    // MARK: Requests by e-mail (no answer reveals whether an account exists)

    /// Sends a reset link to the address if it belongs to an active account; silent otherwise.
    public func requestReset(email rawEmail: String, client: ClientInfo) async throws {
        let email = User.normalize(email: rawEmail)
        guard UserAdministration.isPlausibleEmail(email) else {
            throw DomainError.validation([FieldError(field: "email", code: "invalid", message: "Enter a valid e-mail address.")])
        }
        try await limitRequests(client)
        try await outbox.transaction { unit in
            guard let row = try await unit.session.query(
                "SELECT id, first_name FROM users WHERE email = $1 AND is_active", email).first else { return }
            let userID: UUID = try row.decode("id")
            try await emailLink(.passwordReset, userID: userID, to: email, lifetime: Self.resetLifetime, template: AccountEmails.passwordReset,
                                values: ["first_name": try row.decode("first_name", as: String.self)], unit: unit)
            try await AuditLog.record(AuditEvent(action: "auth.password_reset_requested", actorID: userID, objectType: "user",
                                                 objectID: userID.postgresText, client: client), in: unit.session)
        }
    }

    /// Creates an independent user from self-registration and sends the activation link; an
    /// existing address gets the same answer and no account.
    public func register(email rawEmail: String, firstName: String, lastName: String, acceptsTerms: Bool, client: ClientInfo) async throws {
        let email = User.normalize(email: rawEmail)
        var errors: [FieldError] = []
        if !UserAdministration.isPlausibleEmail(email) { errors.append(FieldError(field: "email", code: "invalid", message: "Enter a valid e-mail address.")) }
        errors += UserAdministration.nameErrors(firstName: firstName, lastName: lastName)
        if !acceptsTerms { errors.append(FieldError(field: "accept_terms", code: "required", message: "Accepting the terms of use is required to register.")) }
        guard errors.isEmpty else { throw DomainError.validation(errors) }
        try await limitRequests(client)
        try await outbox.transaction { unit in
            let inserted = try await unit.session.query("""
                INSERT INTO users (id, email, first_name, last_name, terms_accepted_at)
                VALUES ($1, $2, $3, $4, now()) ON CONFLICT (email) DO NOTHING RETURNING id
                """, UUID(), email, firstName.trimmingCharacters(in: .whitespaces), lastName.trimmingCharacters(in: .whitespaces))
            guard let userID = try inserted.first?.decode("id", as: UUID.self) else { return }
            try await emailLink(.activation, userID: userID, to: email, lifetime: Self.activationLifetime, template: AccountEmails.activation,
                                values: ["first_name": firstName], unit: unit)
            try await AuditLog.record(AuditEvent(action: "user.registered", actorID: userID, actorRole: "independentUser", objectType: "user",
                                                 objectID: userID.postgresText, client: client), in: unit.session)
        }
    }

    // MARK: Using a link

    /// Sets the password from a reset or activation link: the link works once and only in time;
    /// the address counts as verified; every session of the user ends.
    public func completeWithLink(token: String, newPassword: String, client: ClientInfo) async throws {
        try await postgres.withTransaction { session in
            guard let row = try await session.query("""
                SELECT a.id, a.user_id, a.purpose, a.expires_at, a.used_at, u.email, u.first_name, u.last_name, u.password_hash, u.is_active
                FROM action_tokens a JOIN users u ON u.id = a.user_id WHERE a.token_hash = $1 FOR UPDATE OF a
                """, BearerToken.digest(token)).first,
                try row.decode("used_at", as: Date?.self) == nil, try row.decode("expires_at", as: Date.self) > Date(),
                try row.decode("is_active", as: Bool.self)
            else { throw DomainError.notFound("This link is invalid, used or expired; ask for a new one.") }
            let userID: UUID = try row.decode("user_id")
            try await setPassword(newPassword, userID: userID, personal: [try row.decode("email"), try row.decode("first_name"), try row.decode("last_name")],
                                  currentHash: try row.decode("password_hash"), session: session)
            try await session.query("UPDATE action_tokens SET used_at = now() WHERE id = $1", try row.decode("id", as: UUID.self))
            try await session.query("UPDATE users SET email_verified = true WHERE id = $1", userID)
            try await BearerToken.revokeSessions(of: userID, in: session)
            let purpose: String = try row.decode("purpose")
            try await AuditLog.record(AuditEvent(action: purpose == "activation" ? "user.activated" : "auth.password_reset", actorID: userID,
                                                 objectType: "user", objectID: userID.postgresText, client: client), in: session)
        }
    }

    /// Changes the caller's password after checking the current one; other sessions end.
    public func change(_ principal: Principal, currentPassword: String, newPassword: String, client: ClientInfo) async throws {
        try principal.requireFullAccess()
        try await postgres.withTransaction { session in
            let row = try await session.query("SELECT email, first_name, last_name, password_hash FROM users WHERE id = $1 FOR UPDATE", principal.userID).first!
            let currentHash: String? = try row.decode("password_hash")
            guard let currentHash, try await hashing.verify(currentPassword, against: currentHash) else {
                throw DomainError.validation([FieldError(field: "current_password", code: "wrong", message: "The current password is wrong.")])
            }
            try await setPassword(newPassword, userID: principal.userID, personal: [try row.decode("email"), try row.decode("first_name"), try row.decode("last_name")],
                                  currentHash: currentHash, session: session)
            try await BearerToken.revokeSessions(of: principal.userID, keeping: principal.tokenID, in: session)
            try await AuditLog.record(AuditEvent(action: "user.password_changed", actorID: principal.userID, objectType: "user",
                                                 objectID: principal.userID.postgresText, client: client), in: session)
        }
    }

    // MARK: Internals

    enum Purpose: String { case passwordReset = "password_reset", activation }

    /// E-mails `to` a single-use link for `purpose` (a reset, or an activation that sets the first
    /// password), valid for `lifetime`; the template gets `link` and `hours` besides `values`. A
    /// new link replaces the unused ones of the same purpose; only the token's SHA-256 is stored.
    func emailLink(_ purpose: Purpose, userID: UUID, to email: String, lifetime: TimeInterval, template: MailTemplate, values: [String: String],
                   unit: UnitOfWork) async throws {
        try await unit.session.query("UPDATE action_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL", userID, purpose.rawValue)
        let token = BearerToken.randomValue()
        try await unit.session.query("""
            INSERT INTO action_tokens (id, user_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::int))
            """, UUID(), userID, purpose.rawValue, BearerToken.digest(token), Int(lifetime))
        let page = purpose == .passwordReset ? "reset-password" : "activate"
        var values = values
        values["link"] = "\(publicURL)/\(page)?token=\(token)"
        values["hours"] = String(Int(lifetime / 3600))
        try await unit.sendEmail(OutgoingEmail(to: [MailAddress(email)], template: template, values: values), from: sender)
    }

    private func setPassword(_ password: String, userID: UUID, personal: [String], currentHash: String?, session: PostgresSession) async throws {
        let previous = try await session.query("SELECT password_hash FROM password_history WHERE user_id = $1", userID)
            .map { try $0.decode("password_hash", as: String.self) } + [currentHash].compactMap { $0 }
        let reused = try await hashing.matchesAny(password, of: previous)
        let violations = policy.violations(of: password, personal: personal, isReused: reused)
        guard violations.isEmpty else { throw DomainError.validation(violations.map { FieldError(field: "new_password", code: $0.code, message: $0.message) }) }
        if let currentHash {
            try await session.query("INSERT INTO password_history (user_id, password_hash) VALUES ($1, $2)", userID, currentHash)
        }
        try await session.query("UPDATE users SET password_hash = $2 WHERE id = $1", userID, try await hashing.hash(password))
    }

    private func limitRequests(_ client: ClientInfo) async throws {
        let key = "\(keyPrefix):auth:requests:\(client.address ?? "unknown")"
        let replies = try await redis.pipeline([["INCR", key], ["PEXPIRE", key, "3600000", "NX"], ["PTTL", key]])
        if let count = replies[0].integer, count > Self.requestsPerAddressPerHour {
            throw DomainError.rateLimited(retryAfterSeconds: max((replies[2].integer ?? 1000) / 1000, 1))
        }
    }
}
