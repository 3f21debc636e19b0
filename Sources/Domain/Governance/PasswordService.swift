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
    let reauthentication: Reauthentication
    let policy = PasswordPolicy()
    let sender: MailAddress
    let links: FrontendLinks

    public static let resetLifetime: TimeInterval = 30 * 60
    public static let activationLifetime: TimeInterval = 72 * 3600
    /// Reset and registration requests per client address per hour.
    public static let requestsPerAddressPerHour = 10

    public init(outbox: Outbox, redis: RedisClient, keyPrefix: String, settings: AuthSettings, hashing: PasswordHashing,
                reauthentication: Reauthentication, sender: MailAddress, links: FrontendLinks) {
        self.outbox = outbox
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.settings = settings
        self.hashing = hashing
        self.reauthentication = reauthentication
        self.sender = sender
        self.links = links
    }

    var postgres: PostgresClient { outbox.postgres }

    // MARK: Requests by e-mail (no answer reveals whether an account exists)

    /// Sends a reset link to the address if it belongs to an active account; silent otherwise.
    public func requestReset(email rawEmail: String, client: ClientInfo) async throws {
        let email = User.normalize(email: rawEmail)
        guard TextRules.isEmail(email) else {
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
        if !TextRules.isEmail(email) { errors.append(FieldError(field: "email", code: "invalid", message: "Enter a valid e-mail address.")) }
        errors += UserAdministration.nameErrors(firstName: firstName, lastName: lastName)
        if !acceptsTerms { errors.append(FieldError(field: "accept_terms", code: "required",
                                                    message: "Accepting the terms of use is required to register.")) }
        guard errors.isEmpty else { throw DomainError.validation(errors) }
        try await limitRequests(client)
        try await outbox.transaction { unit in
            let inserted = try await unit.session.query("""
                INSERT INTO users (id, email, first_name, last_name, terms_accepted_at)
                VALUES ($1, $2, $3, $4, now()) ON CONFLICT (email) DO NOTHING RETURNING id
                """, UUID(), email, TextRules.trimmed(firstName), TextRules.trimmed(lastName))
            guard let userID = try inserted.first?.decode("id", as: UUID.self) else { return }
            try await emailLink(.activation, userID: userID, to: email, lifetime: Self.activationLifetime, template: AccountEmails.activation,
                                values: ["first_name": firstName], unit: unit)
            try await AuditLog.record(AuditEvent(action: "user.registered", actorID: userID, actorRole: "independentUser", objectType: "user",
                                                 objectID: userID.postgresText, client: client), in: unit.session)
        }
    }

    // MARK: Using a link

    /// Sets the password from a reset or activation link: the link works once and only in time;
    /// the address counts as verified; every session and personal access token of the user ends.
    public func completeWithLink(token: String, newPassword: String, client: ClientInfo) async throws {
        let invalid = DomainError.notFound("This link is invalid, used or expired; ask for a new one.")
        let tokenHash = BearerToken.digest(token)
        guard let row = try await postgres.query("""
            SELECT a.user_id, a.purpose, a.expires_at, a.used_at, u.email, u.first_name, u.last_name, u.password_hash, u.is_active
            FROM action_tokens a JOIN users u ON u.id = a.user_id WHERE a.token_hash = $1
            """, tokenHash).first,
            try row.decode("used_at", as: Date?.self) == nil, try row.decode("expires_at", as: Date.self) > Date(),
            try row.decode("is_active", as: Bool.self)
        else { throw invalid }
        let userID: UUID = try row.decode("user_id")
        let currentHash: String? = try row.decode("password_hash")
        // The hashes are computed before the transaction, which then only checks nothing moved.
        let newHash = try await checkedHash(newPassword, userID: userID, personal: [try row.decode("email"), try row.decode("first_name"),
                                                                                 try row.decode("last_name")], currentHash: currentHash)
        let purpose: String = try row.decode("purpose")
        try await outbox.transaction { unit in
            let session = unit.session
            guard try await !session.query("""
                UPDATE action_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING id
                """, tokenHash).isEmpty else { throw invalid }
            try await store(newHash, replacing: currentHash, userID: userID, session: session)
            try await session.query("UPDATE users SET email_verified = true WHERE id = $1", userID)
            try await BearerToken.revokeAll(of: userID, in: session)
            try await AuditLog.record(AuditEvent(action: purpose == "activation" ? "user.activated" : "auth.password_reset", actorID: userID,
                                                 objectType: "user", objectID: userID.postgresText, client: client), in: session)
            if purpose != "activation" {
                try await AccountEmails.notify(.passwordChanged, userID: userID, client: client, sender: sender, unit: unit)
            }
        }
    }

    /// Changes the caller's password after checking the current one (and the second factor,
    /// when enrolled). Every session, this one included, and every personal access token end.
    public func change(_ principal: Principal, currentPassword: String, newPassword: String, totpCode: String?, client: ClientInfo) async throws {
        try principal.requireFullAccess()
        try principal.requireSession()
        let checked = try await reauthentication.verify(principal, password: currentPassword, totpCode: totpCode, passwordField: "current_password",
                                                        client: client)
        guard let row = try await postgres.query("SELECT email, first_name, last_name FROM users WHERE id = $1", principal.userID).first else {
            throw DomainError.notFound("No such user.")
        }
        let newHash = try await checkedHash(newPassword, userID: principal.userID, personal: [try row.decode("email"), try row.decode("first_name"),
                                                                                           try row.decode("last_name")], currentHash: checked.passwordHash)
        try await outbox.transaction { unit in
            try await store(newHash, replacing: checked.passwordHash, userID: principal.userID, session: unit.session)
            try await BearerToken.revokeAll(of: principal.userID, in: unit.session)
            try await AuditLog.record(AuditEvent(action: "user.password_changed", actorID: principal.userID, objectType: "user",
                                                 objectID: principal.userID.postgresText, client: client), in: unit.session)
            try await AccountEmails.notify(.passwordChanged, userID: principal.userID, client: client, sender: sender, unit: unit)
        }
    }

    // MARK: Internals

    enum Purpose: String { case passwordReset = "password_reset", activation }

    /// E-mails `to` a single-use link for `purpose` (a reset, or an activation that sets the first
    /// password), valid for `lifetime`; the template gets `link` and `hours` besides `values`. A
    /// new link replaces the unused ones of the same purpose; only the token's SHA-256 is stored.
    func emailLink(_ purpose: Purpose, userID: UUID, to email: String, lifetime: TimeInterval, template: MailTemplate, values: [String: String],
                   unit: UnitOfWork) async throws {
        try await unit.session.query("UPDATE action_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
                                     userID, purpose.rawValue)
        let token = BearerToken.randomValue()
        try await unit.session.query("""
            INSERT INTO action_tokens (id, user_id, purpose, token_hash, expires_at) VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::int))
            """, UUID(), userID, purpose.rawValue, BearerToken.digest(token), Int(lifetime))
        var values = values
        values["link"] = purpose == .passwordReset ? links.passwordReset(token: token) : links.activation(token: token)
        values["hours"] = String(Int(lifetime / 3600))
        // The body holds a working link: it is deleted once the e-mail is sent.
        try await unit.sendEmail(OutgoingEmail(to: [MailAddress(email)], template: template, values: values, isSensitive: true), from: sender)
    }

    /// How many previous passwords a new one must differ from (besides the current one).
    static let historyLength = 5

    /// The hash of `password` once it passes the policy and differs from the current and recent
    /// passwords; every hash runs on the hashing threads, outside any transaction.
    private func checkedHash(_ password: String, userID: UUID, personal: [String], currentHash: String?) async throws -> String {
        let previous = try await postgres.query("""
            SELECT password_hash FROM password_history WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2::int
            """, userID, Self.historyLength).map { try $0.decode("password_hash", as: String.self) }
        let reused = try await hashing.matchesAny(password, of: [currentHash].compactMap { $0 } + previous)
        let violations = policy.violations(of: password, personal: personal, isReused: reused)
        guard violations.isEmpty else { throw DomainError.validation(violations.map { FieldError(field: "new_password", code: $0.code,
                                                                                                 message: $0.message) }) }
        return try await hashing.hash(password)
    }

    /// Stores `newHash` if the password is still `currentHash` (else 409: it changed meanwhile),
    /// keeping the replaced hash among the most recent ``historyLength``.
    private func store(_ newHash: String, replacing currentHash: String?, userID: UUID, session: PostgresSession) async throws {
        guard try await !session.query("""
            UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash IS NOT DISTINCT FROM $3 RETURNING id
            """, userID, newHash, currentHash).isEmpty else {
            throw DomainError.conflict("The password changed meanwhile; try again.")
        }
        guard let currentHash else { return }
        try await session.query("INSERT INTO password_history (user_id, password_hash) VALUES ($1, $2)", userID, currentHash)
        try await session.query("""
            DELETE FROM password_history WHERE user_id = $1
              AND created_at < (SELECT min(created_at) FROM (SELECT created_at FROM password_history WHERE user_id = $1
                                                              ORDER BY created_at DESC LIMIT $2::int) recent)
            """, userID, Self.historyLength)
    }

    private func limitRequests(_ client: ClientInfo) async throws {
        let key = "\(keyPrefix):auth:requests:\(client.address ?? "unknown")"
        let replies = try await redis.pipeline([["INCR", key], ["PEXPIRE", key, "3600000", "NX"], ["PTTL", key]])
        if let count = replies[0].integer, count > Self.requestsPerAddressPerHour {
            throw DomainError.rateLimited(retryAfterSeconds: max((replies[2].integer ?? 1000) / 1000, 1))
        }
    }
}
