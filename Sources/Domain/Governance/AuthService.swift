import Foundation
import Logging
import Postgres
import Redis
import Synchronization

/// What a successful login returns: the token, shown once, and its limits.
public struct IssuedSession: Sendable, Equatable {
    public let token: String
    public let expiresAt: Date
    public let idleExpiresAt: Date
    public let user: User
}

/// Logs users in and out and recognises their bearer tokens.
public struct AuthService: Sendable {
    let postgres: PostgresClient
    let redis: RedisClient
    let keyPrefix: String
    let settings: AuthSettings
    let hashing: PasswordHashing
    let logger: Logger

    public init(postgres: PostgresClient, redis: RedisClient, keyPrefix: String, settings: AuthSettings, hashing: PasswordHashing, logger: Logger) {
        self.postgres = postgres
        self.redis = redis
        self.keyPrefix = keyPrefix
        self.settings = settings
        self.hashing = hashing
        self.logger = logger
    }

    /// Checks the e-mail (case-insensitive), password and, for users who enrolled, the TOTP code;
    /// returns a new session.
    ///
    /// - Throws: ``DomainError/rateLimited(retryAfterSeconds:)`` past the failure limits,
    ///   ``DomainError/unauthenticated(_:)`` for wrong credentials (the same answer whether or not
    ///   the account exists), ``DomainError/totpCodeRequired`` when the code is missing.
    public func login(email rawEmail: String, password: String, totpCode: String?, client: ClientInfo, now: Date = Date()) async throws -> IssuedSession {
        let email = User.normalize(email: rawEmail)
        let accountKey = "\(keyPrefix):auth:failures:account:\(email)"
        let addressKey = "\(keyPrefix):auth:failures:address:\(client.address ?? "unknown")"
        try await refuseIfLimited(accountKey, limit: settings.maximumFailuresPerAccount)
        try await refuseIfLimited(addressKey, limit: settings.maximumFailuresPerAddress)

        let row = try await postgres.query(
            "SELECT \(User.columns), u.password_hash, u.totp_secret FROM \(User.source) WHERE u.email = $1", email).first
        let user = try row.map(User.init(row:))
        let storedHash = try row?.decode("password_hash", as: String?.self)
        // Verify against a dummy hash when there is no account, so timing reveals nothing.
        let comparedHash = if let storedHash { storedHash } else { try await dummyHash() }
        let passwordMatches = try await hashing.verify(password, against: comparedHash)
        guard let user, storedHash != nil, passwordMatches, user.isActive else {
            try await recordFailure(accountKey: accountKey, addressKey: addressKey, userID: user?.id, email: email, reason: "credentials", client: client)
            throw DomainError.unauthenticated("The e-mail address or password is wrong.")
        }
        if let secret = try row?.decode("totp_secret", as: Data?.self), user.totpEnabled {
            guard let totpCode, !totpCode.isEmpty else {
                throw DomainError.totpCodeRequired
            }
            var accepted = TOTP.verify(totpCode, secret: secret, at: now)
            if !accepted { accepted = try await useRecoveryCode(totpCode, userID: user.id, client: client) }
            guard accepted else {
                try await recordFailure(accountKey: accountKey, addressKey: addressKey, userID: user.id, email: email, reason: "totp", client: client)
                throw DomainError.unauthenticated("The one-time code is wrong.")
            }
        }
        try await redis.send("DEL", accountKey)

        let token = BearerToken.generate(.session)
        let expiresAt = now.addingTimeInterval(settings.sessionLifetime.seconds)
        let idleExpiresAt = min(now.addingTimeInterval(settings.sessionIdleTimeout.seconds), expiresAt)
        try await postgres.withTransaction { session in
            try await session.query("""
                INSERT INTO access_tokens (id, user_id, kind, token_hash, expires_at, idle_expires_at, last_used_at)
                VALUES ($1, $2, 'session', $3, $4, $5, $6)
                """, UUID(), user.id, BearerToken.digest(token), expiresAt, idleExpiresAt, now)
            try await session.query("UPDATE users SET last_login_at = $2 WHERE id = $1", user.id, now)
            try await AuditLog.record(AuditEvent(action: "auth.login", actorID: user.id, objectType: "user", objectID: user.id.postgresText, client: client), in: session)
        }
        var loggedIn = user
        loggedIn.lastLoginAt = now
        return IssuedSession(token: token, expiresAt: expiresAt, idleExpiresAt: idleExpiresAt, user: loggedIn)
    }

    /// Ends the session (or revokes the personal token) behind `principal`.
    public func logout(_ principal: Principal, client: ClientInfo) async throws {
        try await postgres.withTransaction { session in
            try await session.query("UPDATE access_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL", principal.tokenID)
            try await AuditLog.record(AuditEvent(action: "auth.logout", actorID: principal.userID, objectType: "user",
                                                 objectID: principal.userID.postgresText, client: client), in: session)
        }
    }

    /// Ends every session of the caller's user, the current one included (personal access tokens
    /// stay: they are revoked one by one). Returns how many sessions ended.
    @discardableResult
    public func logoutEverywhere(_ principal: Principal, client: ClientInfo) async throws -> Int {
        try await postgres.withTransaction { session in
            let ended = try await BearerToken.revokeSessions(of: principal.userID, in: session)
            try await AuditLog.record(AuditEvent(action: "auth.logout_all", actorID: principal.userID, objectType: "user", objectID: principal.userID.postgresText,
                                                 client: client, details: "{\"sessions\": \(ended)}"), in: session)
            return ended
        }
    }

    /// The caller of a request bearing `token`: one indexed lookup; a session's idle deadline
    /// slides forward at most once a minute (or a quarter of the idle timeout, if shorter), so
    /// reads do not become writes.
    ///
    /// - Throws: ``DomainError/sessionExpired`` for a session past its idle timeout or lifetime;
    ///   ``DomainError/unauthenticated(_:)`` for unknown, expired or revoked tokens and for
    ///   deactivated users.
    public func authenticate(token: String, now: Date = Date()) async throws -> Principal {
        guard BearerToken.kind(of: token) != nil else { throw DomainError.unauthenticated("Unknown token.") }
        guard let row = try await postgres.query("""
            SELECT t.id, t.kind, t.scopes, t.expires_at, t.idle_expires_at, t.revoked_at, t.last_used_at,
                   u.id AS user_id, u.email, u.is_active, u.terms_accepted_at, u.totp_enabled_at IS NOT NULL AS has_totp, \(Affiliations.columns)
            FROM access_tokens t JOIN users u ON u.id = t.user_id \(Affiliations.joins)
            WHERE t.token_hash = $1
            """, BearerToken.digest(token)).first
        else { throw DomainError.unauthenticated("Unknown token.") }
        let expiresAt: Date = try row.decode("expires_at")
        let idleExpiresAt: Date? = try row.decode("idle_expires_at")
        guard try row.decode("revoked_at", as: Date?.self) == nil, try row.decode("is_active", as: Bool.self) else {
            throw DomainError.unauthenticated("The token was revoked.")
        }
        guard expiresAt > now, (idleExpiresAt ?? expiresAt) > now else {
            if idleExpiresAt != nil { throw DomainError.sessionExpired }
            throw DomainError.unauthenticated("The token has expired.")
        }
        let tokenID: UUID = try row.decode("id")
        if let idleExpiresAt {
            let renewed = min(now.addingTimeInterval(settings.sessionIdleTimeout.seconds), expiresAt)
            if renewed.timeIntervalSince(idleExpiresAt) >= min(60, settings.sessionIdleTimeout.seconds / 4) {
                try await postgres.query("UPDATE access_tokens SET idle_expires_at = $2, last_used_at = $3 WHERE id = $1", tokenID, renewed, now)
            }
        } else if now.timeIntervalSince(try row.decode("last_used_at", as: Date?.self) ?? .distantPast) >= 60 {
            try await postgres.query("UPDATE access_tokens SET last_used_at = $2 WHERE id = $1", tokenID, now)
        }
        let termsAcceptedAt: Date? = try row.decode("terms_accepted_at")
        let hasSecondFactor: Bool = try row.decode("has_totp")
        return Principal(
            userID: try row.decode("user_id"), email: try row.decode("email"),
            tokenID: tokenID, tokenKind: try row.decode("kind", as: String.self) == "session" ? .session : .personal,
            scopes: try row.decode("scopes"),
            hasAcceptedTerms: termsAcceptedAt.map { now.timeIntervalSince($0) < settings.termsValidity.seconds } ?? false,
            isSecondFactorPending: settings.requireSecondFactor && !hasSecondFactor,
            affiliations: try Affiliations(row: row))
    }

    /// The user behind `principal`.
    public func user(_ principal: Principal) async throws -> User {
        guard let row = try await postgres.query("SELECT \(User.columns) FROM \(User.source) WHERE u.id = $1", principal.userID).first else {
            throw DomainError.notFound("No such user.")
        }
        return try User(row: row)
    }

    private static let dummyHashes = Mutex<[Int: String]>([:])

    /// A valid hash of a random password with the configured cost, verified when the account does
    /// not exist; made on the first such login rather than when every process (worker included) starts.
    private func dummyHash() async throws -> String {
        let iterations = hashing.hasher.iterations
        if let hash = Self.dummyHashes.withLock({ $0[iterations] }) { return hash }
        let hash = try await hashing.hash(UUID().uuidString)
        Self.dummyHashes.withLock { $0[iterations] = hash }
        return hash
    }

    /// Consumes a recovery code of the user; `false` when it is unknown or already used.
    private func useRecoveryCode(_ code: String, userID: UUID, client: ClientInfo) async throws -> Bool {
        let used = try await postgres.query(
            "UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id",
            userID, RecoveryCodes.digest(code))
        guard used.count == 1 else { return false }
        try await AuditLog.record(AuditEvent(action: "auth.recovery_code_used", actorID: userID, objectType: "user", objectID: userID.postgresText, client: client),
                                  using: postgres)
        return true
    }

    private func refuseIfLimited(_ key: String, limit: Int) async throws {
        let replies = try await redis.pipeline([["GET", key], ["PTTL", key]])
        guard let failures = replies[0].integer, failures >= limit else { return }
        let remaining = max(replies[1].integer ?? 1000, 1000)
        throw DomainError.rateLimited(retryAfterSeconds: (remaining + 999) / 1000)
    }

    private func recordFailure(accountKey: String, addressKey: String, userID: UUID?, email: String, reason: String, client: ClientInfo) async throws {
        let window = String(Int(settings.failureWindow.seconds * 1000))
        // The window starts at the first failure (NX) and is not extended by later ones.
        _ = try await redis.pipeline([
            ["INCR", accountKey], ["PEXPIRE", accountKey, window, "NX"],
            ["INCR", addressKey], ["PEXPIRE", addressKey, window, "NX"],
        ])
        let details = try JobPayloadCoding.encode(["email": email, "reason": reason])
        try await AuditLog.record(AuditEvent(action: "auth.login_failed", actorID: userID, objectType: "user", objectID: userID?.postgresText,
                                             client: client, details: details), using: postgres)
    }
}

extension Duration {
    var seconds: TimeInterval { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
