import Domain
import Foundation
import Testing
import TestSupport

@Suite("Invitations through the outbox, the worker and SMTP")
struct InvitationTests {
    static let password = "Correct-Horse-Battery-42"

    @Test("a created user receives a single-use link, chooses a password and logs in with the role the creator gave")
    func invitation() async throws {
        let harness = try await WorkerHarness()
        let platform = harness.platform
        let unique = TestEnvironment.uniqueName()
        let adminEmail = "platform-\(unique)@example.test"
        _ = try await platform.governance.users.createPlatformAdministrator(email: adminEmail, firstName: "Ada", lastName: "Admin", password: Self.password, client: .system)
        let session = try await platform.governance.auth.login(email: adminEmail, password: Self.password, totpCode: nil, client: .system)
        try await platform.governance.accounts.acceptTerms(try await platform.governance.auth.authenticate(token: session.token), client: .system)
        let admin = try await platform.governance.auth.authenticate(token: session.token)
        let regulator = try await platform.governance.authorities.saveRegulator(
            admin, id: nil, AuthorityInput(name: LanguageMap(["en": "Authority"]), address: "Square 1"), client: .system)
        harness.start()

        // The platform administrator invites the regulator's administrator.
        let inviteeEmail = "Regina-\(unique)@Example.test"
        let invitee = try await platform.governance.users.create(
            admin, NewUser(email: inviteeEmail, firstName: "Regina", lastName: "Rule", membership: (.regulator(regulator.id), MembershipInput())), client: .system)
        #expect(invitee.role == .regulatorAdmin)
        #expect(invitee.email == inviteeEmail.lowercased())
        #expect(try await eventually { try ReceivedMailFiles.token(to: invitee.email) != nil })
        let text = try #require(try ReceivedMailFiles.texts(to: invitee.email).last)
        #expect(text.contains("Ada Admin created a Governance Platform account for you (regulator administrator)"))
        let token = try #require(try ReceivedMailFiles.token(to: invitee.email))

        // No password yet: login is refused until the link is used; the link works once.
        await #expect(throws: DomainError.self) { try await platform.governance.auth.login(email: invitee.email, password: "Anything-Goes-12345", totpCode: nil, client: .system) }
        try await platform.governance.passwords.completeWithLink(token: token, newPassword: "Regulate-Wisely-2026", client: .system)
        await #expect(throws: DomainError.self) { try await platform.governance.passwords.completeWithLink(token: token, newPassword: "Regulate-Again-2027", client: .system) }
        let regina = try await platform.governance.auth.login(email: invitee.email, password: "Regulate-Wisely-2026", totpCode: nil, client: .system)
        #expect(regina.user.role == .regulatorAdmin)
        #expect(regina.user.emailVerified)

        // She invites her own staff: by default into her regulator, as a regulator user.
        try await platform.governance.accounts.acceptTerms(try await platform.governance.auth.authenticate(token: regina.token), client: .system)
        let reginaPrincipal = try await platform.governance.auth.authenticate(token: regina.token)
        let staff = try await platform.governance.users.create(
            reginaPrincipal, NewUser(email: "staff-\(unique)@example.test", firstName: "Sam", lastName: "Staff"), client: .system)
        #expect(staff.role == .regulatorUser)
        #expect(staff.affiliations.regulator?.regulatorID == regulator.id)
        #expect(try await eventually { try ReceivedMailFiles.token(to: staff.email) != nil })
        // The same address twice is a conflict, and nothing is sent.
        await #expect(throws: DomainError.conflict("An account with this e-mail address already exists.")) {
            try await platform.governance.users.create(reginaPrincipal, NewUser(email: staff.email.uppercased(), firstName: "Sam", lastName: "Again"), client: .system)
        }
        try await harness.stop()
        #expect(try ReceivedMailFiles.texts(to: staff.email).count == 1)
        let audited = try await platform.postgres.query("SELECT count(*) AS n FROM audit_events WHERE action = 'user.created' AND actor_id = $1", reginaPrincipal.userID)
        #expect(try audited.first?.decode("n", as: Int.self) == 1)
        await harness.shutdown()
    }
}
