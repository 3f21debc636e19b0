@testable import API
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import TestSupport

/// An application on a fresh database, with a platform administrator.
struct AuthFixture {
    static let password = "Correct-Horse-Battery-42"
    let platform: Platform
    let admin: User

    init(overrides: [String: String] = [:]) async throws {
        platform = Platform(configuration: try await TestEnvironment.configuration(overrides: overrides), logger: TestEnvironment.logger)
        admin = try await platform.governance.users.createPlatformAdministrator(
            email: "Ada.Admin@Regulator.Example", firstName: "Ada", lastName: "Lovelace", password: Self.password, client: .system)
    }

    /// Drives the router; unlike ``buildApplication``, leaves the platform open for the test's own checks.
    func withClient(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await Application(router: try buildRouter(platform: platform, metrics: testMetrics)).test(.router, body)
    }

    /// ``withClient(_:)`` returning what `body` returns.
    func withClientResult<T: Sendable>(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let result = Mutex<T?>(nil)
        try await withClient { client in
            let value = try await body(client)
            result.withLock { $0 = value }
        }
        return try #require(result.withLock { $0 })
    }

    /// The text of the security notices stored for `email` (the administrator's by default).
    func securityNotices(to email: String = "ada.admin@regulator.example") async throws -> [String] {
        try await platform.postgres.query("""
            SELECT text_body FROM emails WHERE $1 = ANY(to_addresses) AND subject LIKE 'Security notice%' ORDER BY created_at
            """, email).map { try $0.decode("text_body", as: String.self) }
    }

    func auditActions() async throws -> [String] {
        try await platform.postgres.query("SELECT action FROM audit_events ORDER BY id").map { try $0.decode("action", as: String.self) }
    }
}

func json(_ object: [String: String]) -> ByteBuffer {
    ByteBuffer(data: try! JSONSerialization.data(withJSONObject: object))
}

func login(_ client: any TestClientProtocol, email: String, password: String, totp: String? = nil, headers extra: HTTPFields = [:]) async throws -> TestResponse {
    var body = ["email": email, "password": password]
    if let totp { body["totp_code"] = totp }
    var headers: HTTPFields = [.contentType: "application/json"]
    for field in extra { headers.append(field) }
    return try await client.execute(uri: "/api/v1/auth/login", method: .post, headers: headers, body: json(body))
}

func bearer(_ token: String) -> HTTPFields { [.authorization: "Bearer \(token)"] }

@Suite("Authentication")
struct AuthTests {
    @Test("login (e-mail in any case), the current user, logout, and the token refused afterwards")
    func loginMeLogout() async throws {
        let fixture = try await AuthFixture()
        try await fixture.withClient { client in
            let response = try await login(client, email: "ADA.ADMIN@regulator.example ", password: AuthFixture.password)
            #expect(response.status == .ok)
            let session = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as! [String: Any]
            let token = try #require(session["token"] as? String)
            #expect(token.hasPrefix("gps_"))
            #expect(session["token_type"] as? String == "Bearer")
            #expect((session["user"] as? [String: Any])?["role"] as? String == "platformAdmin")

            // The terms of use come first.
            let gated = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: bearer(token))
            #expect(gated.status == .forbidden)
            #expect(try problem(gated).type == "urn:governance:problem:terms-not-accepted")
            #expect(try await client.execute(uri: "/api/v1/users/me/terms", method: .post, headers: bearer(token)).status == .noContent)

            let me = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: bearer(token))
            #expect(me.status == .ok)
            #expect(String(buffer: me.body).contains(#""email":"ada.admin@regulator.example""#))

            #expect(try await client.execute(uri: "/api/v1/auth/logout", method: .post, headers: bearer(token)).status == .noContent)
            let after = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: bearer(token))
            #expect(after.status == .unauthorized)
            #expect(after.headers[.wwwAuthenticate] == "Bearer")
            #expect(try problem(after).type == "urn:governance:problem:unauthenticated")
        }
        // Only the token's hash is stored.
        let stored = try await fixture.platform.postgres.query("SELECT token_hash FROM access_tokens").map { try $0.decode("token_hash", as: String.self) }
        #expect(stored.count == 1 && stored[0].count == 64)
        #expect(try await fixture.auditActions() == ["user.created", "auth.login", "user.terms_accepted", "auth.logout"])
        await fixture.platform.shutdown()
    }

    @Test("logging out everywhere ends every session of the account but not its personal tokens")
    func logoutEverywhere() async throws {
        let fixture = try await AuthFixture()
        let auth = fixture.platform.governance.auth
        let phone = try await auth.login(email: "ada.admin@regulator.example", password: AuthFixture.password, totpCode: nil, client: .system)
        try await fixture.platform.governance.accounts.acceptTerms(try await auth.authenticate(token: phone.token), client: .system)
        let (pat, _) = try await fixture.platform.governance.accounts.createToken(
            try await auth.authenticate(token: phone.token), name: "script", scopes: [.governanceRead], expiresAt: Date().addingTimeInterval(3600),
            password: AuthFixture.password, totpCode: nil, client: .system)
        try await fixture.withClient { client in
            let laptop = try await sessionToken(client)
            #expect(try await client.execute(uri: "/api/v1/auth/logout-all", method: .post, headers: bearer(laptop)).status == .noContent)
            #expect(try await client.execute(uri: "/api/v1/users/me", method: .get, headers: bearer(laptop)).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/v1/users/me", method: .get, headers: bearer(phone.token)).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/v1/users/me", method: .get, headers: bearer(pat)).status == .ok)
            // A personal token cannot end the owner's sessions, whatever its scopes.
            #expect(try await client.execute(uri: "/api/v1/auth/logout-all", method: .post, headers: bearer(pat)).status == .forbidden)
        }
        #expect(try await fixture.auditActions().contains("auth.logout_all"))
        await fixture.platform.shutdown()
    }

    @Test("wrong password and unknown account get the same 401; each failure is audited")
    func wrongCredentials() async throws {
        let fixture = try await AuthFixture()
        try await fixture.withClient { client in
            let wrong = try await login(client, email: "ada.admin@regulator.example", password: "Not-The-Password-1")
            let unknown = try await login(client, email: "nobody@regulator.example", password: "Not-The-Password-1")
            #expect(wrong.status == .unauthorized)
            #expect(unknown.status == .unauthorized)
            #expect(try problem(wrong).detail == problem(unknown).detail)
            let missingToken = try await client.execute(uri: "/api/v1/users/me", method: .get)
            #expect(missingToken.status == .unauthorized)
            let forged = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: bearer("gps_forged"))
            #expect(forged.status == .unauthorized)
        }
        let failures = try await fixture.platform.postgres.query(
            "SELECT details->>'reason' AS reason, details->>'email' AS email FROM audit_events WHERE action = 'auth.login_failed' ORDER BY id")
        #expect(failures.count == 2)
        #expect(try failures.map { try $0.decode("email", as: String.self) } == ["ada.admin@regulator.example", "nobody@regulator.example"])
        await fixture.platform.shutdown()
    }

    @Test("failed logins lock out the address that made them, not the account's owner elsewhere, until the window expires")
    func lockout() async throws {
        let fixture = try await AuthFixture(overrides: ["LOGIN_MAX_FAILURES_PER_ACCOUNT": "3", "LOGIN_FAILURE_WINDOW_MINUTES": "1",
                                                        "TRUSTED_PROXY_HOPS": "1"])
        let attacker: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.66"]
        let owner: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "198.51.100.7"]
        try await fixture.withClient { client in
            for _ in 0..<3 {
                #expect(try await login(client, email: "ada.admin@regulator.example", password: "Wrong-Password-99", headers: attacker).status == .unauthorized)
            }
            // Locked for this address: even the right password is refused.
            let locked = try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, headers: attacker)
            #expect(locked.status == .tooManyRequests)
            let retryAfter = try #require(locked.headers[.retryAfter].flatMap(Int.init))
            #expect((1...60).contains(retryAfter))
            #expect(try problem(locked).type == "urn:governance:problem:rate-limited")
            // Another account from the same address is not locked.
            #expect(try await login(client, email: "other@regulator.example", password: "Wrong-Password-99", headers: attacker).status == .unauthorized)
            // The owner, from another address, still logs in (slowed down, never refused).
            #expect(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, headers: owner).status == .ok)
            // The window expires.
            let keys = try await fixture.platform.redis.send("KEYS", "\(fixture.platform.configuration.queuePrefix):auth:attempts:*:203.0.113.66").array ?? []
            #expect(keys.count == 3)
            for key in keys.compactMap(\.string) { try await fixture.platform.redis.send("PEXPIRE", key, "50") }
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, headers: attacker).status == .ok)
        }
        await fixture.platform.shutdown()
    }

    @Test("an attempt is counted before the password is checked: 40 parallel guesses, 5 checked, 35 refused with 429")
    func parallelGuesses() async throws {
        let fixture = try await AuthFixture(overrides: ["TRUSTED_PROXY_HOPS": "1"])
        let attacker: HTTPFields = [HTTPField.Name("X-Forwarded-For")!: "203.0.113.99"]
        let statuses = try await fixture.withClientResult { client in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<40 {
                    group.addTask {
                        Int(try await login(client, email: "ada.admin@regulator.example", password: "Guess-Number-\(index)", headers: attacker).status.code)
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
        }
        #expect(statuses.filter { $0 == 401 }.count == 5)
        #expect(statuses.filter { $0 == 429 }.count == 35)
        // Only the counted attempts reached the password check (each is audited).
        let failures = try await fixture.platform.postgres.query("SELECT 1 FROM audit_events WHERE action = 'auth.login_failed'").count
        #expect(failures == 5)
        await fixture.platform.shutdown()
    }

    @Test("with Redis unreachable, login answers 503 with Retry-After, never 500")
    func loginWithoutRedis() async throws {
        let fixture = try await AuthFixture(overrides: ["REDIS_URL": "redis://127.0.0.1:1/0"])
        try await fixture.withClient { client in
            let response = try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] != nil)
        }
        await fixture.platform.shutdown()
    }

    @Test("an enrolled user needs the TOTP code: missing, wrong, right")
    func totp() async throws {
        let fixture = try await AuthFixture()
        let secret = TOTP.newSecret()
        try await fixture.platform.postgres.query("UPDATE users SET totp_secret = $2, totp_enabled_at = now() WHERE id = $1", fixture.admin.id, secret)
        try await fixture.withClient { client in
            let missing = try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password)
            #expect(missing.status == .unauthorized)
            #expect(try problem(missing).type == "urn:governance:problem:totp-required")
            let code = TOTP.code(secret: secret, at: Date())
            let wrongCode = String(code.dropLast()) + (code.last == "0" ? "1" : "0")
            let wrong = try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, totp: wrongCode)
            #expect(wrong.status == .unauthorized)
            let right = try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, totp: code)
            #expect(right.status == .ok)
            // A code works once: replayed, it is refused.
            let replayed = try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, totp: code)
            #expect(replayed.status == .unauthorized)
            // A secret stored in plain text (as before encryption at rest) works until `migrate`
            // seals it with SECRET_KEY; then it is unreadable in the database, and still works.
            #expect(try await fixture.platform.governance.secondFactor.sealLegacySecrets(postgres: fixture.platform.postgres) == 1)
            #expect(try await fixture.platform.governance.secondFactor.sealLegacySecrets(postgres: fixture.platform.postgres) == 0)
            let stored = try #require(try await fixture.platform.postgres.query("SELECT totp_secret FROM users WHERE id = $1", fixture.admin.id)
                .first?.decode("totp_secret", as: Data.self))
            #expect(stored != secret && stored.count == 49)
            #expect(stored.range(of: secret) == nil)
            let next = TOTP.code(secret: secret, at: Date().addingTimeInterval(30))
            #expect(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, totp: next).status == .ok)
        }
        await fixture.platform.shutdown()
    }

    @Test("sessions end after the idle timeout, slide while used, and never outlive their lifetime")
    func sessionLifetimes() async throws {
        let fixture = try await AuthFixture(overrides: ["SESSION_IDLE_MINUTES": "10", "SESSION_LIFETIME_HOURS": "1"])
        let auth = fixture.platform.governance.auth
        let start = Date()
        let session = try await auth.login(email: "ada.admin@regulator.example", password: AuthFixture.password, totpCode: nil, client: .system, now: start)
        #expect(abs(session.idleExpiresAt.timeIntervalSince(start) - 600) < 1)
        // Used after 9 minutes: still valid, and the idle deadline moves to 19 minutes.
        _ = try await auth.authenticate(token: session.token, now: start.addingTimeInterval(540))
        _ = try await auth.authenticate(token: session.token, now: start.addingTimeInterval(1_080))
        // Idle for more than 10 minutes after that: refused.
        await #expect(throws: DomainError.sessionExpired) { try await auth.authenticate(token: session.token, now: start.addingTimeInterval(1_800)) }
        // A session kept busy still ends after its lifetime.
        let busy = try await auth.login(email: "ada.admin@regulator.example", password: AuthFixture.password, totpCode: nil, client: .system, now: start)
        for minute in stride(from: 5, through: 55, by: 5) {
            _ = try await auth.authenticate(token: busy.token, now: start.addingTimeInterval(Double(minute * 60)))
        }
        await #expect(throws: DomainError.sessionExpired) { try await auth.authenticate(token: busy.token, now: start.addingTimeInterval(3_601)) }
        // Through the API, an expired session is a problem of its own kind.
        try await fixture.platform.postgres.query("UPDATE access_tokens SET idle_expires_at = now() - interval '1 second'")
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: bearer(busy.token))
            #expect(response.status == .unauthorized)
            #expect(try problem(response).type == "urn:governance:problem:session-expired")
            #expect(response.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
        }
        await fixture.platform.shutdown()
    }

    @Test("a deactivated user can neither log in nor use an earlier token")
    func deactivated() async throws {
        let fixture = try await AuthFixture()
        let session = try await fixture.platform.governance.auth.login(email: "ada.admin@regulator.example", password: AuthFixture.password, totpCode: nil, client: .system)
        try await fixture.platform.postgres.query("UPDATE users SET is_active = false WHERE id = $1", fixture.admin.id)
        await #expect(throws: DomainError.self) { try await fixture.platform.governance.auth.authenticate(token: session.token) }
        await #expect(throws: DomainError.self) {
            try await fixture.platform.governance.auth.login(email: "ada.admin@regulator.example", password: AuthFixture.password, totpCode: nil, client: .system)
        }
        await fixture.platform.shutdown()
    }

    @Test("the audit log refuses updates and deletes")
    func auditAppendOnly() async throws {
        let fixture = try await AuthFixture()
        await #expect(throws: (any Error).self) { try await fixture.platform.postgres.query("UPDATE audit_events SET action = 'x'") }
        await #expect(throws: (any Error).self) { try await fixture.platform.postgres.query("DELETE FROM audit_events") }
        #expect(try await fixture.auditActions() == ["user.created"])
        await fixture.platform.shutdown()
    }

    @Test("password reset and registration answer 202 without revealing accounts; bad input is 422, an unknown link 404")
    func accountRequests() async throws {
        let fixture = try await AuthFixture()
        try await fixture.withClient { client in
            let headers: HTTPFields = [.contentType: "application/json"]
            for email in ["ada.admin@regulator.example", "nobody@regulator.example"] {
                let response = try await client.execute(uri: "/api/v1/auth/password-reset", method: .post, headers: headers, body: json(["email": email]))
                #expect(response.status == .accepted)
            }
            let existing = try await client.execute(uri: "/api/v1/auth/register", method: .post, headers: headers,
                                                    body: jsonBody(["email": "ada.admin@regulator.example", "first_name": "A", "last_name": "B", "accept_terms": true]))
            #expect(existing.status == .accepted)
            let invalid = try await client.execute(uri: "/api/v1/auth/register", method: .post, headers: headers,
                                                   body: jsonBody(["email": "not-an-address", "first_name": "A", "last_name": "B", "accept_terms": false]))
            #expect(invalid.status == .unprocessableContent)
            let fields = try #require(try object(invalid)["errors"] as? [[String: Any]]).compactMap { $0["field"] as? String }
            #expect(Set(fields) == ["email", "accept_terms"])
            let bogus = try await client.execute(uri: "/api/v1/auth/set-password", method: .post, headers: headers,
                                                 body: json(["token": "made-up", "new_password": "Fresh-Meadow-Lantern-8"]))
            #expect(bogus.status == .notFound)
        }
        // One reset link for the real account, none for the unknown one, no new account.
        #expect(try await fixture.platform.postgres.query("SELECT count(*) AS n FROM action_tokens").first?.decode("n", as: Int.self) == 1)
        #expect(try await fixture.platform.postgres.query("SELECT count(*) AS n FROM users").first?.decode("n", as: Int.self) == 1)
        await fixture.platform.shutdown()
    }

    @Test("the client address is the X-Forwarded-For entry TRUSTED_PROXY_HOPS from the right; what the client wrote further left is never taken",
          arguments: [(0, nil), (1, "10.0.0.1"), (2, "203.0.113.9"), (4, nil)] as [(Int, String?)])
    func clientAddress(hops: Int, expected: String?) async throws {
        let fixture = try await AuthFixture(overrides: ["TRUSTED_PROXY_HOPS": String(hops)])
        try await fixture.withClient { client in
            // The client wrote the first entry; two proxies appended theirs.
            _ = try await client.execute(uri: "/api/v1/auth/login", method: .post,
                                         headers: [.contentType: "application/json",
                                                   HTTPField.Name("X-Forwarded-For")!: "198.51.100.66, 203.0.113.9, 10.0.0.1"],
                                         body: json(["email": "ada.admin@regulator.example", "password": "Wrong-Password-99"]))
        }
        let address = try await fixture.platform.postgres.query(
            "SELECT client_address FROM audit_events WHERE action = 'auth.login_failed'").first?.decode("client_address", as: String?.self)
        if let expected {
            #expect(address == expected)
        } else {
            // The socket's address (none in the router test), never an entry of the header.
            #expect(address.map { !["198.51.100.66", "203.0.113.9", "10.0.0.1"].contains($0) } ?? true, "\(address ?? "-")")
        }
        // Anything but an address in the header is ignored, whatever its length.
        try await fixture.withClient { client in
            _ = try await client.execute(uri: "/api/v1/auth/login", method: .post,
                                         headers: [.contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: String(repeating: "x", count: 4000)],
                                         body: json(["email": "ada.admin@regulator.example", "password": "Wrong-Password-99"]))
        }
        let addresses = try await fixture.platform.postgres.query("SELECT client_address FROM audit_events WHERE action = 'auth.login_failed'")
            .map { try $0.decode("client_address", as: String?.self) ?? "" }
        #expect(addresses.allSatisfy { $0.count <= 45 })
        await fixture.platform.shutdown()
    }

    @Test("a login body missing a field is a 422 problem naming it; what is not JSON a 400")
    func malformedLogin() async throws {
        let fixture = try await AuthFixture()
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"], body: json(["email": "a@b.example"]))
            #expect(response.status == .unprocessableContent)
            #expect(try problem(response).errors?.map(\.field) == ["password"])
            let notJSON = try await client.execute(uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{oops"))
            #expect(notJSON.status == .badRequest)
            #expect(try problem(notJSON).type == "urn:governance:problem:malformed-body")
        }
        await fixture.platform.shutdown()
    }
}

/// Logs the fixture's administrator in and accepts the terms; returns the session token.
func sessionToken(_ client: any TestClientProtocol, totp: String? = nil) async throws -> String {
    let response = try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, totp: totp)
    let token = try #require((try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])?["token"] as? String)
    _ = try await client.execute(uri: "/api/v1/users/me/terms", method: .post, headers: bearer(token))
    return token
}

func object(_ response: TestResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
}

func jsonBody(_ object: [String: Any]) -> ByteBuffer {
    ByteBuffer(data: try! JSONSerialization.data(withJSONObject: object))
}

@Suite("Personal access tokens and second factor")
struct AccountTests {
    @Test("create a token once (password again), use it, list it with its last use, revoke it; a notice is e-mailed")
    func personalTokens() async throws {
        let fixture = try await AuthFixture()
        try await fixture.withClient { client in
            let session = try await sessionToken(client)
            // RFC 3339 with fractional seconds and an offset is accepted.
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            formatter.timeZone = TimeZone(secondsFromGMT: 3600)
            let expiry = formatter.string(from: Date().addingTimeInterval(30 * 86_400))
            let request: [String: Any] = ["name": "nightly export", "scopes": ["incidents:read"], "expires_at": expiry, "password": AuthFixture.password]
            var wrongPassword = request
            wrongPassword["password"] = "Not-The-Password-1"
            let refused = try await call(client, .post, "/api/v1/users/me/tokens", session, wrongPassword)
            #expect(refused.status == .unprocessableContent)
            #expect(try problem(refused).errors?.map(\.field) == ["password"])
            let created = try await call(client, .post, "/api/v1/users/me/tokens", session, request)
            #expect(created.status == .created)
            let token = try #require(try object(created)["token"] as? String)
            #expect(token.hasPrefix("gpp_"))
            let id = try #require((try object(created)["details"] as? [String: Any])?["id"] as? String)

            let me = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: bearer(token))
            #expect(me.status == .ok)
            // Outside its scopes: 403 naming the scope it needs, in errors[], X-Accepted-Scopes and WWW-Authenticate.
            let users = try await client.execute(uri: "/api/v1/users", method: .get, headers: bearer(token))
            #expect(users.status == .forbidden)
            #expect(try problem(users).errors?.map(\.code) == ["missing_scope"])
            #expect(try problem(users).errors?.first?.message.contains("governance:read") == true)
            #expect(users.headers[HTTPField.Name("X-Accepted-Scopes")!] == "governance:read")
            #expect(users.headers[.wwwAuthenticate] == #"Bearer error="insufficient_scope", scope="governance:read""#)
            // A token cannot mint tokens, nor list them.
            #expect(try await call(client, .post, "/api/v1/users/me/tokens", token, request).status == .forbidden)
            #expect(try await call(client, .get, "/api/v1/users/me/tokens", token).status == .forbidden)

            let listed = try await client.execute(uri: "/api/v1/users/me/tokens", method: .get, headers: bearer(session))
            let items = try #require(try object(listed)["items"] as? [[String: Any]])
            #expect(items.count == 1)
            #expect(items.first?["name"] as? String == "nightly export")
            #expect(items.first?["last_used_at"] != nil)
            #expect(!String(buffer: listed.body).contains(token))

            #expect(try await call(client, .delete, "/api/v1/users/me/tokens/\(id)", token).status == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/users/me/tokens/\(id)", method: .delete, headers: bearer(session)).status == .noContent)
            #expect(try await client.execute(uri: "/api/v1/users/me", method: .get, headers: bearer(token)).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/v1/users/me/tokens/\(id)", method: .delete, headers: bearer(session)).status == .notFound)
        }
        #expect(try await fixture.securityNotices().contains { $0.contains("A personal access token was created") && $0.contains("nightly export") })
        await fixture.platform.shutdown()
    }

    @Test("token requests are validated: name, scopes, expiry in the future and within a year")
    func tokenValidation() async throws {
        let fixture = try await AuthFixture()
        try await fixture.withClient { client in
            let session = try await sessionToken(client)
            let past = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60))
            let password = AuthFixture.password
            // What the contract states (a name not blank, a scope) is checked first, every field at once...
            let response = try await call(client, .post, "/api/v1/users/me/tokens", session,
                                          ["name": " ", "scopes": [String](), "expires_at": past, "password": password])
            #expect(response.status == .unprocessableContent)
            let fields = try #require(try object(response)["errors"] as? [[String: Any]]).compactMap { $0["field"] as? String }
            #expect(Set(fields) == ["name", "scopes"])
            // ...then what only the server knows: the expiry is in the past.
            let expired = try await call(client, .post, "/api/v1/users/me/tokens", session,
                                         ["name": "x", "scopes": ["reporting:read"], "expires_at": past, "password": password])
            #expect(try problem(expired).errors?.map(\.field) == ["expires_at"])
            let far = ISO8601DateFormatter().string(from: Date().addingTimeInterval(400 * 86_400))
            let tooFar = try await call(client, .post, "/api/v1/users/me/tokens", session,
                                        ["name": "x", "scopes": ["reporting:write"], "expires_at": far, "password": password])
            #expect(tooFar.status == .unprocessableContent)
            let unknownScope = try await call(client, .post, "/api/v1/users/me/tokens", session,
                                              ["name": "x", "scopes": ["root"], "expires_at": past, "password": password])
            #expect(unknownScope.status == .unprocessableContent)
            #expect(try problem(unknownScope).errors?.map(\.field) == ["scopes[0]"])
            let notATime = try await call(client, .post, "/api/v1/users/me/tokens", session,
                                          ["name": "x", "scopes": ["reporting:read"], "expires_at": "tomorrow", "password": password])
            #expect(notATime.status == .unprocessableContent)
            #expect(try problem(notATime).errors?.map(\.field) == ["expires_at"])
            #expect(try problem(notATime).errors?.first?.message.contains("2026-03-01T09:30:00Z") == true)
        }
        await fixture.platform.shutdown()
    }

    @Test("account-security calls are session-only: a governance:write personal token gets 403 on every one of them")
    func sessionOnly() async throws {
        let fixture = try await AuthFixture()
        let auth = fixture.platform.governance.auth
        let login = try await auth.login(email: fixture.admin.email, password: AuthFixture.password, totpCode: nil, client: .system)
        try await fixture.platform.governance.accounts.acceptTerms(try await auth.authenticate(token: login.token), client: .system)
        let (token, details) = try await fixture.platform.governance.accounts.createToken(
            try await auth.authenticate(token: login.token), name: "everything", scopes: Scope.allCases, expiresAt: Date().addingTimeInterval(3600),
            password: AuthFixture.password, totpCode: nil, client: .system)
        try await fixture.withClient { client in
            let password: [String: Any] = ["password": AuthFixture.password]
            let calls: [(HTTPRequest.Method, String, [String: Any]?)] = [
            (.post, "/api/v1/users/me/totp", password), (.post, "/api/v1/users/me/totp/confirm", ["code": "123456"]),
            (.post, "/api/v1/users/me/totp/disable", password), (.post, "/api/v1/users/me/totp/recovery-codes", password),
            (.post, "/api/v1/users/me/password", ["current_password": AuthFixture.password, "new_password": "Fresh-Meadow-Lantern-8"]),
            (.post, "/api/v1/users/me/tokens", ["name": "x", "scopes": ["governance:read"], "expires_at": "2099-01-01T00:00:00Z", "password": AuthFixture.password]),
            (.get, "/api/v1/users/me/tokens", nil), (.delete, "/api/v1/users/me/tokens/\(details.id.text)", nil),
            (.post, "/api/v1/auth/logout-all", nil), (.post, "/api/v1/users/me/terms", nil),
            ]
            for (method, path, body) in calls {
                let response = try await call(client, method, path, token, body)
                #expect(response.status == .forbidden, "\(method) \(path): \(String(buffer: response.body))")
            }
            // Nothing changed: the session and the token still work, no second factor, same password.
            #expect(try await call(client, .get, "/api/v1/users/me", login.token).status == .ok)
            #expect(try await call(client, .get, "/api/v1/users/me", token).status == .ok)
        }
        #expect(try await fixture.platform.postgres.query("SELECT 1 FROM users WHERE totp_secret IS NOT NULL").isEmpty)
        await fixture.platform.shutdown()
    }

    @Test("scopes: write implies read of the same module only; sessions carry every scope")
    func scopes() {
        let token = Principal(userID: UUID(), email: "a@b.example", tokenID: UUID(), tokenKind: .personal,
                              scopes: ["incidents:write"], hasAcceptedTerms: true)
        #expect(token.allows(.incidentsRead))
        #expect(token.allows(.incidentsWrite))
        #expect(!token.allows(.reportingRead))
        #expect(throws: DomainError.self) { try token.require(.governanceWrite) }
        let session = Principal(userID: UUID(), email: "a@b.example", tokenID: UUID(), tokenKind: .session,
                                scopes: [], hasAcceptedTerms: true)
        #expect(Scope.allCases.allSatisfy(session.allows))
    }

    @Test("enrol TOTP (password again, secret sealed at rest), log in with a code, use a recovery code once, regenerate, disable")
    func totpLifecycle() async throws {
        let fixture = try await AuthFixture()
        try await fixture.withClient { client in
            let session = try await sessionToken(client)
            #expect(try await call(client, .post, "/api/v1/users/me/totp", session, ["password": "Not-The-Password-1"]).status == .unprocessableContent)
            let enrolment = try await call(client, .post, "/api/v1/users/me/totp", session, ["password": AuthFixture.password])
            #expect(enrolment.status == .ok)
            let secretText = try #require(try object(enrolment)["secret"] as? String)
            #expect((try object(enrolment)["otpauth_uri"] as? String)?.hasPrefix("otpauth://totp/") == true)
            let secret = try #require(base32Decode(secretText))
            // At rest the secret is sealed (AES-256-GCM): the stored bytes do not contain it.
            let stored = try #require(try await fixture.platform.postgres.query("SELECT totp_secret FROM users").first?.decode("totp_secret", as: Data.self))
            #expect(stored.count == 49 && stored.range(of: secret) == nil)

            let now = Date()
            let current = TOTP.code(secret: secret, at: now)
            let wrongCode = String(current.dropLast()) + (current.last == "0" ? "1" : "0")
            #expect(try await call(client, .post, "/api/v1/users/me/totp/confirm", session, ["code": wrongCode]).status == .unprocessableContent)
            let confirmed = try await call(client, .post, "/api/v1/users/me/totp/confirm", session, ["code": current])
            #expect(confirmed.status == .ok)
            let codes = try #require(try object(confirmed)["recovery_codes"] as? [String])
            #expect(codes.count == 10)
            #expect(Set(codes).count == 10)

            // Login now needs the second factor; the code used to confirm is spent; a recovery code works once.
            #expect(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password).status == .unauthorized)
            #expect(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, totp: current).status == .unauthorized)
            #expect(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, totp: codes[0].uppercased()).status == .ok)
            #expect(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, totp: codes[0]).status == .unauthorized)
            let next = TOTP.code(secret: secret, at: now.addingTimeInterval(30))
            #expect(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, totp: next).status == .ok)

            // Regenerating asks for the password and a code, and invalidates the old codes.
            #expect(try await call(client, .post, "/api/v1/users/me/totp/recovery-codes", session, ["password": "nope"]).status == .unprocessableContent)
            let missingCode = try await call(client, .post, "/api/v1/users/me/totp/recovery-codes", session, ["password": AuthFixture.password])
            #expect(try problem(missingCode).errors?.map(\.field) == ["totp_code"])
            let regenerated = try await call(client, .post, "/api/v1/users/me/totp/recovery-codes", session,
                                             ["password": AuthFixture.password, "totp_code": codes[1]])
            let fresh = try #require(try object(regenerated)["recovery_codes"] as? [String])
            #expect(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, totp: codes[2]).status == .unauthorized)
            #expect(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password, totp: fresh[0]).status == .ok)

            // Disabling: password and a code again; then the password alone logs in.
            #expect(try await call(client, .post, "/api/v1/users/me/totp/disable", session,
                                   ["password": AuthFixture.password, "totp_code": fresh[1]]).status == .noContent)
            #expect(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password).status == .ok)
        }
        let actions = try await fixture.auditActions()
        for action in ["user.totp_enabled", "auth.recovery_code_used", "user.recovery_codes_regenerated", "user.totp_disabled"] {
            #expect(actions.contains(action))
        }
        let notices = try await fixture.securityNotices()
        #expect(notices.contains { $0.contains("A second factor (an authenticator app) was enrolled") })
        #expect(notices.contains { $0.contains("The second factor of your account was turned off") })
        await fixture.platform.shutdown()
    }

    @Test("the second factor belongs to the session that passed it: enrolling elsewhere does not unlock an older session")
    func secondFactorPerSession() async throws {
        let fixture = try await AuthFixture(overrides: ["REQUIRE_TOTP": "true"])
        try await fixture.withClient { client in
            let older = try await sessionToken(client)
            let enrolling = try await sessionToken(client)
            #expect(try await call(client, .get, "/api/v1/users", older).status == .forbidden)
            let enrolment = try await call(client, .post, "/api/v1/users/me/totp", enrolling, ["password": AuthFixture.password])
            let secretText = try #require(try object(enrolment)["secret"] as? String)
            let secret = try #require(base32Decode(secretText))
            let now = Date()
            #expect(try await call(client, .post, "/api/v1/users/me/totp/confirm", enrolling, ["code": TOTP.code(secret: secret, at: now)]).status == .ok)
            // The enrolling session is fully privileged now; the older one is still limited.
            #expect(try await call(client, .get, "/api/v1/users", enrolling).status == .ok)
            let gated = try await call(client, .get, "/api/v1/users", older)
            #expect(gated.status == .forbidden)
            #expect(try problem(gated).type == "urn:governance:problem:totp-enrolment-required")
            // A new login with a code is.
            let fresh = try await sessionToken(client, totp: TOTP.code(secret: secret, at: now.addingTimeInterval(30)))
            #expect(try await call(client, .get, "/api/v1/users", fresh).status == .ok)
        }
        await fixture.platform.shutdown()
    }

    @Test("an administrator's reset of a user's second factor ends their sessions and e-mails them a notice")
    func administratorReset() async throws {
        let world = try await GovernanceWorld()
        let user = try await world.platform.governance.auth.login(email: "opu1@world.test", password: GovernanceWorld.password, totpCode: nil, client: .system)
        try await world.platform.postgres.query("UPDATE users SET totp_secret = $2, totp_enabled_at = now() WHERE id = $1", world.operatorUser1, TOTP.newSecret())
        try await world.fixture.withClient { client in
            let admin = try await world.session(client, "opa1@world.test")
            #expect(try await call(client, .delete, "/api/v1/users/\(world.operatorUser1.text)/totp", admin).status == .noContent)
            #expect(try await call(client, .get, "/api/v1/users/me", user.token).status == .unauthorized)
        }
        let notices = try await world.fixture.securityNotices(to: "opu1@world.test")
        #expect(notices.contains { $0.contains("An administrator removed the second factor of your account") })
        await world.platform.shutdown()
    }
}

/// RFC 4648 base32 (no padding), as in otpauth URIs.
func base32Decode(_ text: String) -> Data? {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
    var buffer = 0, bits = 0
    var output = Data()
    for character in text.uppercased() {
        guard let value = alphabet.firstIndex(of: character) else { return nil }
        buffer = (buffer << 5) | value
        bits += 5
        if bits >= 8 {
            output.append(UInt8((buffer >> (bits - 8)) & 0xFF))
            bits -= 8
        }
    }
    return output
}
