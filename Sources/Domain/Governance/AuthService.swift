import Foundation
import Logging
import Postgres
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
    let settings: AuthSettings
    let hashing: PasswordHashing
    let throttle: LoginThrottle
    let secondFactor: SecondFactor
    let logger: Logger

    public init(postgres: PostgresClient, settings: AuthSettings, hashing: PasswordHashing, throttle: LoginThrottle, secondFactor: SecondFactor,
                logger: Logger) {
        self.postgres = postgres
        self.settings = settings
        self.hashing = hashing
        self.throttle = throttle
        self.secondFactor = secondFactor
        self.logger = logger
    }

    /// Checks the e-mail (case-insensitive), password and, for users who enrolled, the TOTP code
    /// (or a recovery code); returns a new session, which carries the second factor only when
    /// this login checked it.
    ///
    /// - Throws: ``DomainError/rateLimited(retryAfterSeconds:)`` past the limits of
    ///   ``LoginThrottle``, ``DomainError/unauthenticated(_:)`` for wrong credentials (the same
    ///   answer whether or not the account exists), ``DomainError/totpCodeRequired`` when the
    ///   code is missing.
    public func login(email rawEmail: String, password: String, totpCode: String?, client: ClientInfo,
                      now: Date = Date()) async throws -> IssuedSession {
        let email = User.normalize(email: rawEmail)
        guard email.count <= User.maximumEmailLength else { throw DomainError.unauthenticated(Self.wrongCredentials) }
        let attempt = try await throttle.begin(email: email, client: client)

        let row = try await postgres.query(
            "SELECT \(User.columns), u.password_hash, u.totp_secret FROM \(User.source) WHERE u.email = $1", email).first
        let user = try row.map(User.init(row:))
        let storedHash = try row?.decode("password_hash", as: String?.self)
        // Verify against a dummy hash when there is no account, so timing reveals nothing.
        let comparedHash = if let storedHash { storedHash } else { try await dummyHash() }
        let passwordMatches = try await hashing.verify(password, against: comparedHash)
        guard let user, storedHash != nil, passwordMatches, user.isActive else {
            try await fail(attempt, userID: user?.id, email: email, reason: "credentials", client: client)
            throw DomainError.unauthenticated(Self.wrongCredentials)
        }
        if let secret = try row?.decode("totp_secret", as: Data?.self), user.totpEnabled {
            guard let totpCode, !totpCode.isEmpty else { throw DomainError.totpCodeRequired }
            guard try await secondFactor.accept(totpCode, userID: user.id, storedSecret: secret, at: now, client: client,
                                                using: postgres) != nil else {
                try await fail(attempt, userID: user.id, email: email, reason: "totp", client: client)
                throw DomainError.unauthenticated("The one-time code is wrong or was already used.")
            }
        }
        try await throttle.succeeded(attempt)

        let token = BearerToken.generate(.session)
        let expiresAt = now.addingTimeInterval(settings.sessionLifetime.seconds)
        let idleExpiresAt = min(now.addingTimeInterval(settings.sessionIdleTimeout.seconds), expiresAt)
        try await postgres.withTransaction { session in
            try await session.query("""
                INSERT INTO access_tokens (id, user_id, kind, token_hash, expires_at, idle_expires_at, last_used_at, second_factor_verified)
                VALUES ($1, $2, 'session', $3, $4, $5, $6, $7)
                """, UUID(), user.id, BearerToken.digest(token), expiresAt, idleExpiresAt, now, user.totpEnabled)
            try await session.query("UPDATE users SET last_login_at = $2 WHERE id = $1", user.id, now)
            try await AuditLog.record(AuditEvent(action: "auth.login", actorID: user.id, objectType: "user", objectID: user.id.postgresText,
                                                 client: client),
                                      in: session)
        }
        var loggedIn = user
        loggedIn.lastLoginAt = now
        return IssuedSession(token: token, expiresAt: expiresAt, idleExpiresAt: idleExpiresAt, user: loggedIn)
    }

    static let wrongCredentials = "The e-mail address or password is wrong."

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
        try principal.requireSession()
        return try await postgres.withTransaction { session in
            let ended = try await BearerToken.revokeSessions(of: principal.userID, in: session)
            try await AuditLog.record(AuditEvent(action: "auth.logout_all", actorID: principal.userID, objectType: "user",
                                                 objectID: principal.userID.postgresText,
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
        guard let row = try await postgres.query(Self.principalLookup, BearerToken.digest(token)).first else {
            throw DomainError.unauthenticated("Unknown token.")
        }
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
        return try principal(row, tokenID: tokenID, now: now)
    }

    /// The caller behind a token hash: the token, its user and the memberships the role derives
    /// from, in one indexed lookup (its plan is checked under `jit_above_cost` by the tests).
    static let principalLookup = principalLookup(where: "t.token_hash = $1")

    static func principalLookup(where condition: String) -> String {
        """
        SELECT t.id, t.kind, t.scopes, t.expires_at, t.idle_expires_at, t.revoked_at, t.last_used_at, t.second_factor_verified,
               u.id AS user_id, u.email, u.is_active, u.terms_accepted_at, \(Affiliations.columns)
        FROM access_tokens t JOIN users u ON u.id = t.user_id \(Affiliations.joins)
        WHERE \(condition)
        """
    }

    /// The caller a background job acts for: the token that asked for it, with the user's
    /// memberships as they are now, provided the token is still valid when the job runs (its
    /// idle deadline is not moved: a job is not the user's activity).
    ///
    /// - Throws: ``DomainError/unauthenticated(_:)`` when the token was revoked or has expired,
    ///   or the user was deactivated, since the request.
    public func principal(tokenID: UUID, now: Date = Date()) async throws -> Principal {
        guard let row = try await postgres.query(Self.principalLookup(where: "t.id = $1"), tokenID).first,
              try row.decode("revoked_at", as: Date?.self) == nil, try row.decode("is_active", as: Bool.self),
              try row.decode("expires_at", as: Date.self) > now
        else {
            throw DomainError.unauthenticated("The session or token that made the request has ended since.")
        }
        return try principal(row, tokenID: tokenID, now: now)
    }

    private func principal(_ row: PostgresRow, tokenID: UUID, now: Date) throws -> Principal {
        let termsAcceptedAt: Date? = try row.decode("terms_accepted_at")
        let verified: Bool = try row.decode("second_factor_verified")
        return Principal(
            userID: try row.decode("user_id"), email: try row.decode("email"),
            tokenID: tokenID, tokenKind: try row.decode("kind", as: String.self) == "session" ? .session : .personal,
            scopes: try row.decode("scopes"),
            hasAcceptedTerms: termsAcceptedAt.map { now.timeIntervalSince($0) < settings.termsValidity.seconds } ?? false,
            hasSecondFactor: verified, isSecondFactorPending: settings.requireSecondFactor && !verified,
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

    /// Counts a failed attempt and audits it.
    private func fail(_ attempt: LoginThrottle.Attempt, userID: UUID?, email: String, reason: String, client: ClientInfo) async throws {
        try await throttle.failed(attempt)
        let details = try JobPayloadCoding.encode(["email": email, "reason": reason])
        try await AuditLog.record(AuditEvent(action: "auth.login_failed", actorID: userID, objectType: "user", objectID: userID?.postgresText,
                                             client: client, details: details), using: postgres)
    }
}

extension Duration {
    var seconds: TimeInterval { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
