@testable import API
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The edges between tenants, across two regulators, two observers and two operators: whom a
/// caller may adopt into an organisation, who may undo a deactivation, whose history an audit
/// read shows, and who may act on a user who belongs to several organisations.
@Suite("Tenant boundaries")
struct TenantBoundaryTests {
    /// `(actor, method, path, body, expected status)`, run in order against one world.
    typealias Row = (actor: String, method: HTTPRequest.Method, path: String, body: [String: any Sendable]?, expected: Int)

    static func run(_ rows: [Row], _ world: GovernanceWorld, _ client: any TestClientProtocol, tokens: [String: String]) async throws {
        for row in rows {
            let token = try #require(tokens[row.actor], "no session for \(row.actor)")
            let response = try await call(client, row.method, row.path, token, row.body)
            #expect(Int(response.status.code) == row.expected, "\(row.actor) \(row.method) \(row.path): \(String(buffer: response.body).prefix(300))")
        }
    }

    /// Sessions of the world's actors, plus any extra users by short name.
    static func sessions(_ world: GovernanceWorld, _ client: any TestClientProtocol, extra: [String: String] = [:]) async throws -> [String: String] {
        var tokens = try await world.sessions(client)
        for (name, email) in extra {
            let token = try await world.session(client, email)
            _ = try await client.execute(uri: "/api/v1/users/me/terms", method: .post, headers: bearer(token))
            tokens[name] = token
        }
        return tokens
    }

    @Test("adding existing accounts: only those within the caller's reach; a former member goes back only to their own organisation")
    func adoption() async throws {
        let w = try await GovernanceWorld()
        let r1 = w.regulator1.text, r2 = w.regulator2.text, o1 = w.observer1.text, p1 = w.operator1.text
        try await w.fixture.withClient { client in
            let tokens = try await Self.sessions(w, client, extra: ["ra2": "ra2@world.test", "oa2": "oa2@world.test"])
            try await Self.run([
                // Nobody adopts an independent user into a regulator or observer, but the platform.
                ("oa", .post, "/api/v1/observers/\(o1)/members", ["user_id": w.independentVictim.text], 422),
                ("ra", .post, "/api/v1/regulators/\(r1)/members", ["user_id": w.independentVictim.text], 422),
                // Nor another organisation's people: they answer as unknown accounts do.
                ("ra", .post, "/api/v1/regulators/\(r1)/members", ["user_id": w.operatorVictim.text], 422),
                ("ra2", .post, "/api/v1/regulators/\(r2)/members", ["user_id": w.regulatorUser1.text], 422),
                ("oa", .post, "/api/v1/observers/\(o1)/members", ["user_id": w.observerUser2.text], 422),
                ("ra", .post, "/api/v1/regulators/\(r1)/members", ["user_id": UUID().uuidString], 422),
                // Operator administrators add people of their own operators only.
                ("opa", .post, "/api/v1/operators/\(p1)/members", ["user_id": w.operatorUser2.text], 422),
                ("opa", .post, "/api/v1/operators/\(p1)/members", ["user_id": w.independentVictim.text], 422),
                // A regulator user links operator-side people.
                ("ru", .post, "/api/v1/operators/\(p1)/members", ["user_id": w.operatorUser2.text], 201),
                // A removed staff member is deactivated; only their own regulator takes them back.
                ("ra", .delete, "/api/v1/regulators/\(r1)/members/\(w.regulatorVictim.text)", nil, 204),
                ("ra2", .post, "/api/v1/regulators/\(r2)/members", ["user_id": w.regulatorVictim.text], 422),
                ("oa2", .post, "/api/v1/observers/\(w.observer2.text)/members", ["user_id": w.regulatorVictim.text], 422),
                ("ra", .post, "/api/v1/regulators/\(r1)/members", ["user_id": w.regulatorVictim.text], 201),
                // The platform administrator adds administrators, from anyone without memberships.
                ("pa", .post, "/api/v1/regulators/\(r2)/members", ["user_id": w.independentVictim.text], 201),
            ], w, client, tokens: tokens)
        }
        #expect(try await w.platform.postgres.query("SELECT is_active FROM users WHERE id = $1", w.regulatorVictim).first?.decode("is_active", as: Bool.self) == true)
        await w.platform.shutdown()
    }

    @Test("a deactivation is undone only by a role of at least the rank of the one that made it")
    func reactivationRank() async throws {
        let w = try await GovernanceWorld()
        let victim = w.operatorVictim.text
        try await w.fixture.withClient { client in
            var tokens = try await Self.sessions(w, client)
            try await Self.run([
                // A regulator administrator's deactivation: a regulator user cannot undo it.
                ("ra", .post, "/api/v1/users/\(victim)/deactivate", nil, 200),
                ("ru", .post, "/api/v1/users/\(victim)/reactivate", nil, 403),
                ("ra", .post, "/api/v1/users/\(victim)/reactivate", nil, 200),
                // A regulator user's: a regulator administrator can.
                ("ru", .post, "/api/v1/users/\(victim)/deactivate", nil, 200),
                ("ra", .post, "/api/v1/users/\(victim)/reactivate", nil, 200),
                // A second administrator for regulator 2, then the platform deactivates the first.
                ("pa", .post, "/api/v1/regulators/\(w.regulator2.text)/members", ["user_id": w.independentVictim.text], 201),
                ("pa", .post, "/api/v1/users/\(w.regulatorAdmin2.text)/deactivate", nil, 200),
            ], w, client, tokens: tokens)
            tokens["ra2b"] = try await w.session(client, "victim-independent@world.test")
            _ = try await client.execute(uri: "/api/v1/users/me/terms", method: .post, headers: bearer(tokens["ra2b"]!))
            try await Self.run([
                // Platform administrators' decisions stand against regulator administrators.
                ("ra2b", .post, "/api/v1/users/\(w.regulatorAdmin2.text)/reactivate", nil, 403),
                ("pa", .post, "/api/v1/users/\(w.regulatorAdmin2.text)/reactivate", nil, 200),
            ], w, client, tokens: tokens)
        }
        await w.platform.shutdown()
    }

    @Test("security actions on a user need reach over every organisation the user belongs to")
    func sharedMembers() async throws {
        let w = try await GovernanceWorld()
        let shared = w.operatorAdmin2.text
        try await w.fixture.withClient { client in
            let tokens = try await Self.sessions(w, client)
            try await Self.run([
                // A regulator user links operator 2's administrator to operator 1 (approved at once).
                ("ru", .post, "/api/v1/operators/\(w.operator1.text)/members", ["user_id": shared], 201),
                // Operator 1's administrator sees them now, but holds nothing over operator 2's administrator.
                ("opa", .get, "/api/v1/users/\(shared)", nil, 200),
                ("opa", .post, "/api/v1/users/\(shared)/revoke-credentials", nil, 403),
                ("opa", .delete, "/api/v1/users/\(shared)/totp", nil, 403),
                ("opa", .patch, "/api/v1/users/\(shared)", ["last_name": "Taken"], 403),
                // Within operator 1 the membership itself is theirs to manage.
                ("opa", .patch, "/api/v1/operators/\(w.operator1.text)/members/\(shared)", ["is_administrator": false], 200),
                // The regulator reaches every operator.
                ("ra", .post, "/api/v1/users/\(shared)/revoke-credentials", nil, 200),
                ("ru", .patch, "/api/v1/users/\(shared)", ["last_name": "Tester"], 200),
                // Nobody acts on themselves through these paths; /users/me is the way.
                ("opa", .post, "/api/v1/users/\(w.operatorAdmin1.text)/revoke-credentials", nil, 403),
            ], w, client, tokens: tokens)
        }
        #expect(try await w.platform.postgres.query("SELECT last_name FROM users WHERE id = $1", w.operatorAdmin2).first?.decode("last_name", as: String.self) == "Tester")
        await w.platform.shutdown()
    }

    @Test("audit reads follow the organisation an event belonged to when it happened, not the actor's membership today")
    func auditScope() async throws {
        let w = try await GovernanceWorld()
        let actor = w.regulatorUser1.text
        try await w.fixture.withClient { client in
            var tokens = try await Self.sessions(w, client, extra: ["ra2": "ra2@world.test"])
            // As staff of regulator 1, the user creates an operator.
            try await Self.run([
                ("ru", .post, "/api/v1/operators", ["identifier": "HISTORY", "name": "History SA"], 201),
                ("ra", .delete, "/api/v1/regulators/\(w.regulator1.text)/members/\(actor)", nil, 204),
                ("pa", .post, "/api/v1/regulators/\(w.regulator2.text)/members", ["user_id": actor], 201),
            ], w, client, tokens: tokens)
            // Now at regulator 2, they act there.
            tokens["moved"] = try await w.session(client, "ru1@world.test")
            try await Self.run([("moved", .post, "/api/v1/sectors", ["name": ["en": "Water"], "acronym": "WAT"], 201)], w, client, tokens: tokens)

            func actions(_ reader: String) async throws -> [String] {
                let page = try await call(client, .get, "/api/v1/audit-events?actor_id=\(actor)&limit=200", tokens[reader]!)
                #expect(page.status == .ok)
                return try array(page).compactMap { $0["action"] as? String }
            }
            let atFormer = try await actions("ra")
            let atNew = try await actions("ra2")
            #expect(atFormer.contains("operator.created"))
            #expect(!atFormer.contains("sector.created"))
            #expect(atNew.contains("sector.created"))
            #expect(!atNew.contains("operator.created"), "the new regulator reads the user's history at the former one: \(atNew)")
        }
        await w.platform.shutdown()
    }

    @Test("creating a user names the organisation before the e-mail counts: no answer tells whether an address has an account")
    func noExistenceOracle() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.sessions(w, client)
            let membership: [String: any Sendable] = ["organisation_type": "operator", "organisation_id": w.operator2.text]
            var answers: [String] = []
            for email in ["opu2@world.test", "nobody-\(UUID().uuidString.prefix(8))@world.test"] {
                let response = try await call(client, .post, "/api/v1/users", tokens["opa"]!,
                                              ["email": email, "first_name": "Eve", "last_name": "Probe", "membership": membership])
                #expect(response.status == .notFound)
                answers.append(try problem(response).detail ?? "")
            }
            #expect(answers[0] == answers[1])
            // Within the caller's own operator, a taken address is a conflict, as it must be.
            let own: [String: any Sendable] = ["organisation_type": "operator", "organisation_id": w.operator1.text]
            let taken = try await call(client, .post, "/api/v1/users", tokens["opa"]!,
                                       ["email": "opu2@world.test", "first_name": "Eve", "last_name": "Probe", "membership": own])
            #expect(taken.status == .conflict)
        }
        await w.platform.shutdown()
    }
}
