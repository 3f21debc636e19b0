import Domain
import Foundation
import Mail
import Testing
import TestSupport

extension ReceivedMailFiles {
    /// The plain-text bodies the test SMTP server accepted for `recipient`, oldest first.
    static func texts(to recipient: String) throws -> [String] {
        // The sink names files <pid>-<sequence>.json.
        func order(_ file: URL) -> [Int] { file.deletingPathExtension().lastPathComponent.split(separator: "-").compactMap { Int($0) } }
        return try FileManager.default.contentsOfDirectory(at: TestEnvironment.smtpDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .sorted { order($0).lexicographicallyPrecedes(order($1)) }
            .compactMap { file -> [String: Any]? in try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any] }
            .filter { ($0["rcpt_tos"] as? [String])?.contains(recipient) == true }
            .compactMap { ($0["parts"] as? [[String: Any]])?.first { $0["content_type"] as? String == "text/plain" }?["text"] as? String }
    }

    /// The token of the first link `…?token=` in the newest message to `recipient` that has one.
    static func token(to recipient: String) throws -> String? {
        guard let text = try texts(to: recipient).last(where: { $0.contains("token=") }), let range = text.range(of: "token=") else { return nil }
        return String(text[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
    }
}

@Suite("Account e-mails through the outbox, the worker and SMTP")
struct AccountEmailTests {
    static let password = "Correct-Horse-Battery-42"

    @Test("password reset: the e-mailed link sets a new password once, ends sessions, and expires")
    func passwordReset() async throws {
        let harness = try await WorkerHarness()
        let platform = harness.platform
        let email = "reset-\(TestEnvironment.uniqueName())@example.test"
        _ = try await platform.governance.users.createPlatformAdministrator(email: email, firstName: "Grace", lastName: "Hopper", password: Self.password, client: .system)
        let before = try await platform.governance.auth.login(email: email, password: Self.password, totpCode: nil, client: .system)
        try await platform.governance.accounts.acceptTerms(try await platform.governance.auth.authenticate(token: before.token), client: .system)
        let principal = try await platform.governance.auth.authenticate(token: before.token)
        let (script, _) = try await platform.governance.accounts.createToken(
            principal, name: "script", scopes: [.governanceRead], expiresAt: Date().addingTimeInterval(3600), password: Self.password, totpCode: nil,
            client: .system)
        harness.start()

        try await platform.governance.passwords.requestReset(email: email.uppercased(), client: ClientInfo(address: "10.0.0.1", requestID: "r1"))
        // An unknown address is answered the same way, and nothing is sent.
        try await platform.governance.passwords.requestReset(email: "nobody-\(TestEnvironment.uniqueName())@example.test", client: .system)
        #expect(try await eventually { try ReceivedMailFiles.token(to: email) != nil })
        let token = try #require(try ReceivedMailFiles.token(to: email))
        #expect(try ReceivedMailFiles.texts(to: email).first { $0.contains("token=") }?.contains("within 30 minutes") == true)

        // The policy applies to the new password.
        await #expect(throws: DomainError.self) { try await platform.governance.passwords.completeWithLink(token: token, newPassword: "short", client: .system) }
        await #expect(throws: DomainError.self) { try await platform.governance.passwords.completeWithLink(token: token, newPassword: Self.password, client: .system) }
        try await platform.governance.passwords.completeWithLink(token: token, newPassword: "Fresh-Meadow-Lantern-8", client: .system)
        // Used once only; the old session and the personal token are gone; the new password
        // works, the old does not.
        await #expect(throws: DomainError.self) { try await platform.governance.passwords.completeWithLink(token: token, newPassword: "Other-Meadow-Lantern-9", client: .system) }
        await #expect(throws: DomainError.self) { try await platform.governance.auth.authenticate(token: before.token) }
        await #expect(throws: DomainError.self) { try await platform.governance.auth.authenticate(token: script) }
        _ = try await platform.governance.auth.login(email: email, password: "Fresh-Meadow-Lantern-8", totpCode: nil, client: .system)
        await #expect(throws: DomainError.self) { try await platform.governance.auth.login(email: email, password: Self.password, totpCode: nil, client: .system) }

        // The owner hears of the change; the sent link is no longer readable in the database.
        #expect(try await eventually { try ReceivedMailFiles.texts(to: email).contains { $0.contains("The password of your account was changed") } })
        let stored = try await platform.postgres.query("SELECT text_body, html_body, redacted_at FROM emails WHERE is_sensitive")
        #expect(stored.count == 1)
        #expect(try stored.first?.decode("text_body", as: String.self) == "")
        #expect(try stored.first?.decode("redacted_at", as: Date?.self) != nil)

        // An expired link is refused.
        try await platform.governance.passwords.requestReset(email: email, client: .system)
        #expect(try await eventually { try ReceivedMailFiles.texts(to: email).filter { $0.contains("token=") }.count == 2 })
        let second = try #require(try ReceivedMailFiles.token(to: email))
        #expect(second != token)
        try await platform.postgres.query("UPDATE action_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL")
        await #expect(throws: DomainError.self) { try await platform.governance.passwords.completeWithLink(token: second, newPassword: "Other-Meadow-Lantern-9", client: .system) }
        try await harness.stop()
        await harness.shutdown()
    }

    @Test("self-registration: one account per address, activation by the e-mailed link, rate limited")
    func registration() async throws {
        let harness = try await WorkerHarness()
        let platform = harness.platform
        let email = "newcomer-\(TestEnvironment.uniqueName())@example.test"
        let client = ClientInfo(address: "192.0.2.\(Int.random(in: 1...250))", requestID: nil)
        harness.start()
        do {
            try await platform.governance.passwords.register(email: email, firstName: "", lastName: "Doe", acceptsTerms: false, client: client)
            Issue.record("invalid registration accepted")
        } catch DomainError.validation(let errors) {
            #expect(Set(errors.map(\.field)) == ["first_name", "accept_terms"])
        }
        try await platform.governance.passwords.register(email: email, firstName: "Jane", lastName: "Doe", acceptsTerms: true, client: client)
        try await platform.governance.passwords.register(email: email.uppercased(), firstName: "Again", lastName: "Doe", acceptsTerms: true, client: client)
        #expect(try await eventually { try ReceivedMailFiles.token(to: email) != nil })
        try await Task.sleep(for: .milliseconds(300))
        #expect(try ReceivedMailFiles.texts(to: email).count == 1)
        #expect(try await platform.postgres.query("SELECT count(*) AS n FROM users WHERE email = $1", email).first?.decode("n", as: Int.self) == 1)
        // No password yet: no login.
        await #expect(throws: DomainError.self) { try await platform.governance.auth.login(email: email, password: Self.password, totpCode: nil, client: .system) }
        try await platform.governance.passwords.completeWithLink(token: try #require(try ReceivedMailFiles.token(to: email)), newPassword: Self.password, client: .system)
        _ = try await platform.governance.auth.login(email: email, password: Self.password, totpCode: nil, client: .system)
        let row = try #require(try await platform.postgres.query("SELECT email_verified, terms_accepted_at FROM users WHERE email = $1", email).first)
        #expect(try row.decode("email_verified", as: Bool.self))
        #expect(try row.decode("terms_accepted_at", as: Date?.self) != nil)
        // Requests per address are limited.
        for index in 0..<12 {
            do {
                try await platform.governance.passwords.register(email: "flood\(index)-\(TestEnvironment.uniqueName())@example.test", firstName: "F", lastName: "L", acceptsTerms: true, client: client)
            } catch DomainError.rateLimited(let seconds) {
                #expect(index >= 7)
                #expect(seconds > 0)
                try await harness.stop()
                await harness.shutdown()
                return
            }
        }
        Issue.record("registrations were not rate limited")
        try await harness.stop()
        await harness.shutdown()
    }

    @Test("changing the password: the current one (and the code), not one of the last five, then every session and token ends and a notice is e-mailed")
    func change() async throws {
        let harness = try await WorkerHarness()
        let platform = harness.platform
        let accounts = platform.governance.accounts, auth = platform.governance.auth, passwords = platform.governance.passwords
        let email = "change-\(TestEnvironment.uniqueName())@example.test"
        let user = try await platform.governance.users.createPlatformAdministrator(email: email, firstName: "Alan", lastName: "Turing", password: Self.password, client: .system)
        try await platform.postgres.query("UPDATE users SET terms_accepted_at = now() WHERE id = $1", user.id)
        let current = try await auth.login(email: email, password: Self.password, totpCode: nil, client: .system)
        let other = try await auth.login(email: email, password: Self.password, totpCode: nil, client: .system)
        let principal = try await auth.authenticate(token: current.token)
        let (script, _) = try await accounts.createToken(principal, name: "script", scopes: [.governanceRead], expiresAt: Date().addingTimeInterval(3600),
                                                         password: Self.password, totpCode: nil, client: .system)
        harness.start()
        do {
            try await passwords.change(principal, currentPassword: "wrong", newPassword: "Fresh-Meadow-Lantern-8", totpCode: nil, client: .system)
            Issue.record("wrong current password accepted")
        } catch DomainError.validation(let errors) {
            #expect(errors.map(\.field) == ["current_password"])
        }
        do {
            try await passwords.change(principal, currentPassword: Self.password, newPassword: Self.password, totpCode: nil, client: .system)
            Issue.record("the current password was accepted as the new one")
        } catch DomainError.validation(let errors) {
            #expect(errors.map(\.code) == ["reused"])
        }
        // A personal token never reaches the call, whatever its scopes.
        await #expect(throws: DomainError.forbidden("Account-security calls need a login session; personal access tokens cannot make them.")) {
            try await passwords.change(try await auth.authenticate(token: script), currentPassword: Self.password, newPassword: "Fresh-Meadow-Lantern-8",
                                       totpCode: nil, client: .system)
        }
        try await passwords.change(principal, currentPassword: Self.password, newPassword: "Fresh-Meadow-Lantern-8", totpCode: nil, client: .system)
        for token in [current.token, other.token, script] {
            await #expect(throws: DomainError.self) { try await auth.authenticate(token: token) }
        }
        #expect(try await eventually { try ReceivedMailFiles.texts(to: email).contains { $0.contains("The password of your account was changed") } })

        // Five more changes: the history keeps the five passwords before the current one, so the
        // first password is allowed again and the second is not.
        let sequence = ["Fresh-Meadow-Lantern-8", "Second-Quiet-Harbour-9", "Third-Amber-Compass-10", "Fourth-Silver-Orchard-11",
                        "Fifth-Copper-Glacier-12", "Sixth-Velvet-Meridian-13"]
        for (old, new) in zip(sequence, sequence.dropFirst()) {
            let session = try await auth.login(email: email, password: old, totpCode: nil, client: .system)
            try await passwords.change(try await auth.authenticate(token: session.token), currentPassword: old, newPassword: new, totpCode: nil, client: .system)
        }
        #expect(try await platform.postgres.query("SELECT 1 FROM password_history WHERE user_id = $1", user.id).count == 5)
        let last = try await auth.authenticate(token: try await auth.login(email: email, password: sequence[5], totpCode: nil, client: .system).token)
        do {
            try await passwords.change(last, currentPassword: sequence[5], newPassword: sequence[0], totpCode: nil, client: .system)
            Issue.record("a password among the last five was accepted")
        } catch DomainError.validation(let errors) {
            #expect(errors.map(\.code) == ["reused"])
        }
        try await passwords.change(last, currentPassword: sequence[5], newPassword: Self.password, totpCode: nil, client: .system)
        try await harness.stop()
        await harness.shutdown()
    }
}
