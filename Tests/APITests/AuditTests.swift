@testable import API
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport

@Suite("Audit log and retention")
struct AuditTests {
    @Test("platform administrators page through the log with a cursor and filters; others are refused")
    func readAuditLog() async throws {
        let fixture = try await AuthFixture()
        // An independent user who activated an account.
        try await fixture.platform.postgres.query("""
            INSERT INTO users (id, email, first_name, last_name, password_hash, terms_accepted_at)
            VALUES ($1, 'indie@example.test', 'In', 'Die', $2, now())
            """, UUID(), PasswordHasher(iterations: 1_000).hash("Independent-User-123"))
        try await fixture.withClient { client in
            let admin = try await sessionToken(client)
            for _ in 0..<3 { _ = try await login(client, email: "ada.admin@regulator.example", password: "wrong-password-00") }
            let first = try await client.execute(uri: "/api/v1/audit-events?limit=2", method: .get, headers: bearer(admin))
            #expect(first.status == .ok)
            let page = try object(first)
            let items = try #require(page["items"] as? [[String: Any]])
            #expect(items.count == 2)
            #expect(items.allSatisfy { $0["action"] as? String == "auth.login_failed" })
            let cursor = try #require(page["next_cursor"] as? String)
            #expect(first.headers[HTTPField.Name("Link")!] == "</api/v1/audit-events?limit=2&cursor=\(cursor)>; rel=\"next\"")
            let second = try object(try await client.execute(uri: "/api/v1/audit-events?limit=2&cursor=\(cursor)", method: .get, headers: bearer(admin)))
            let secondItems = try #require(second["items"] as? [[String: Any]])
            #expect(Set(secondItems.compactMap { $0["id"] as? String }).isDisjoint(with: items.compactMap { $0["id"] as? String }))
            // Filters.
            let logins = try object(try await client.execute(uri: "/api/v1/audit-events?action=auth.login", method: .get, headers: bearer(admin)))
            let loginItems = try #require(logins["items"] as? [[String: Any]])
            #expect(loginItems.count == 1)
            #expect(loginItems.first?["actor_id"] as? String == fixture.admin.id.uuidString.lowercased())
            #expect((loginItems.first?["request_id"] as? String)?.isEmpty == false)
            #expect(logins["next_cursor"] == nil)
            // Bad input.
            #expect(try await client.execute(uri: "/api/v1/audit-events?cursor=abc", method: .get, headers: bearer(admin)).status == .unprocessableContent)
            #expect(try await client.execute(uri: "/api/v1/audit-events?limit=500", method: .get, headers: bearer(admin)).status == .unprocessableContent)
            #expect(try await client.execute(uri: "/api/v1/audit-events?actor_id=nope", method: .get, headers: bearer(admin)).status == .unprocessableContent)

            // Another role is refused.
            let indie = try await login(client, email: "indie@example.test", password: "Independent-User-123")
            let indieToken = try #require(try object(indie)["token"] as? String)
            #expect(try await client.execute(uri: "/api/v1/audit-events", method: .get, headers: bearer(indieToken)).status == .forbidden)

            // A personal token needs the governance:read scope.
            var headers = bearer(admin)
            headers[.contentType] = "application/json"
            let expiry = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
            let incidentsOnly = try #require(try object(try await client.execute(uri: "/api/v1/users/me/tokens", method: .post, headers: headers,
                body: jsonBody(["name": "incidents", "scopes": ["incidents:read"], "expires_at": expiry, "password": AuthFixture.password])))["token"] as? String)
            #expect(try await client.execute(uri: "/api/v1/audit-events", method: .get, headers: bearer(incidentsOnly)).status == .forbidden)
            let governance = try #require(try object(try await client.execute(uri: "/api/v1/users/me/tokens", method: .post, headers: headers,
                body: jsonBody(["name": "governance", "scopes": ["governance:read"], "expires_at": expiry, "password": AuthFixture.password])))["token"] as? String)
            #expect(try await client.execute(uri: "/api/v1/audit-events", method: .get, headers: bearer(governance)).status == .ok)
        }
        await fixture.platform.shutdown()
    }

    @Test("retention deletes unactivated registrations and old audit entries, and records what it did")
    func retention() async throws {
        let fixture = try await AuthFixture()
        let postgres = fixture.platform.postgres
        let stale = UUID(), fresh = UUID()
        try await postgres.query("INSERT INTO users (id, email, first_name, last_name, created_at) VALUES ($1, 'stale@example.test', 'S', 'T', now() - interval '8 days')", stale)
        try await postgres.query("INSERT INTO users (id, email, first_name, last_name, created_at) VALUES ($1, 'fresh@example.test', 'F', 'R', now() - interval '1 day')", fresh)
        try await postgres.query("INSERT INTO audit_events (action, occurred_at) VALUES ('ancient', now() - interval '6 years'), ('recent', now() - interval '1 year')")
        #expect(try await fixture.platform.governance.retention.purgeUnactivatedRegistrations() == 1)
        #expect(try await fixture.platform.governance.retention.purgeUnactivatedRegistrations() == 0)
        let emails = try await postgres.query("SELECT email FROM users ORDER BY email").map { try $0.decode("email", as: String.self) }
        #expect(emails == ["ada.admin@regulator.example", "fresh@example.test"])
        #expect(try await fixture.platform.governance.retention.purgeAuditEvents() == 1)
        let actions = try await fixture.auditActions()
        #expect(!actions.contains("ancient"))
        #expect(actions.contains("recent"))
        #expect(actions.contains("retention.unactivated_registrations_deleted"))
        #expect(actions.contains("retention.audit_events_deleted"))
        // The purge setting does not leak: the log is append-only again.
        await #expect(throws: (any Error).self) { try await postgres.query("DELETE FROM audit_events WHERE action = 'recent'") }
        await fixture.platform.shutdown()
    }

    @Test("retention deletes idle independent users only; invited and staff accounts stay whatever their age")
    func idleIndependentUsers() async throws {
        let w = try await GovernanceWorld()
        let postgres = w.platform.postgres
        // Everyone in the world is old and idle now.
        try await postgres.query("UPDATE users SET created_at = now() - interval '200 days', last_login_at = now() - interval '100 days'")
        let recent = UUID(), pending = UUID(), invited = UUID(), deactivated = UUID()
        try await postgres.query("""
            INSERT INTO users (id, email, first_name, last_name, created_at, last_login_at) VALUES
            ($1, 'recent@example.test', 'R', 'E', now() - interval '200 days', now() - interval '10 days'),
            ($2, 'pending@example.test', 'P', 'E', now() - interval '200 days', NULL),
            ($3, 'invited@example.test', 'I', 'N', now() - interval '200 days', NULL)
            """, recent, pending, invited)
        try await postgres.query("INSERT INTO users (id, email, first_name, last_name, is_active, created_at) VALUES ($1, 'gone@example.test', 'G', 'O', false, now() - interval '1 year')", deactivated)
        try await postgres.query("INSERT INTO operator_memberships (user_id, operator_id) VALUES ($1, $2)", pending, w.operator1)
        try await postgres.query("INSERT INTO operator_memberships (user_id, operator_id, approved_at) VALUES ($1, $2, now())", invited, w.operator2)
        // Invited members (with a membership) are not unactivated registrations either.
        #expect(try await w.platform.governance.retention.purgeUnactivatedRegistrations() == 0)
        // Idle independent users: iu, the independent victim and the one with only a pending membership.
        #expect(try await w.platform.governance.retention.purgeIdleIndependentUsers() == 3)
        #expect(try await w.platform.governance.retention.purgeIdleIndependentUsers() == 0)
        let left = Set(try await postgres.query("SELECT email FROM users").map { try $0.decode("email", as: String.self) })
        #expect(!left.contains("iu@world.test") && !left.contains("victim-independent@world.test") && !left.contains("pending@example.test"))
        #expect(left.isSuperset(of: ["recent@example.test", "invited@example.test", "gone@example.test", "ra1@world.test", "opu1@world.test", "ou1@world.test",
                                     "ada.admin@regulator.example"]))
        #expect(try await w.fixture.auditActions().contains("retention.idle_independent_users_deleted"))
        await w.platform.shutdown()
    }
}
