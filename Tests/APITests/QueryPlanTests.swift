@testable import API
@testable import Domain
import Foundation
import Postgres
import Testing
import TestSupport

/// The hot queries plan under `jit_above_cost`, on the demo data and on a large data set, and
/// the platform's sessions run with JIT off: a plan whose estimate drifts past the threshold
/// would otherwise spend ~15 ms compiling on every request.
@Suite("Query plans")
struct QueryPlanTests {
    /// The estimated total cost of `statement`'s plan, as the server would run it.
    static func cost(_ statement: Statement, _ postgres: PostgresClient) async throws -> Double {
        let rows = try await postgres.query("EXPLAIN (FORMAT JSON) " + statement.sql, bindings: statement.bindings)
        let json = try #require(try rows.first?.decode("QUERY PLAN", as: String.self))
        let plans = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])
        return try #require((plans.first?["Plan"] as? [String: Any])?["Total Cost"] as? Double)
    }

    /// Every hot statement of the governance module, with principals of several roles.
    static func statements(_ platform: Platform) async throws -> [(String, Statement)] {
        let auth = platform.governance.auth
        var principals: [(String, Principal, String)] = []
        for (email, name) in [("admin", "platform administrator"), ("regulator.admin", "regulator administrator"), ("power.admin", "operator administrator")] {
            let session = try await auth.login(email: "\(email)@\(DemoData.domain)", password: DemoData.password, totpCode: nil, client: .system)
            principals.append((name, try await auth.authenticate(token: session.token), session.token))
        }
        var statements: [(String, Statement)] = []
        for (name, principal, token) in principals {
            statements.append(("principal lookup (\(name))", Statement(sql: AuthService.principalLookup, bindings: [BearerToken.digest(token)])))
            statements.append(("users page (\(name))", UserAdministration.listStatement(principal, filter: UserFilter(), limit: 50, after: nil)))
            statements.append(("users search (\(name))", UserAdministration.listStatement(principal, filter: UserFilter(search: "user"), limit: 20, after: nil)))
            statements.append(("operators page (\(name))", OperatorService.listStatement(principal, search: nil, sectorID: nil, limit: 50, after: nil)))
        }
        let regulator = try #require(principals[1].1.affiliations.regulator?.regulatorID)
        statements.append(("audit page", AuditQuery.pageStatement(filter: AuditFilter(), limit: 50, before: .max, regulatorScope: nil)))
        statements.append(("audit page (regulator scope)", AuditQuery.pageStatement(filter: AuditFilter(), limit: 50, before: .max, regulatorScope: regulator)))
        return statements
    }

    @Test("the principal lookup and the list queries plan under jit_above_cost, on the demo data and on a large data set; JIT is off")
    func plansStayCheap() async throws {
        let platform = Platform(configuration: try await TestEnvironment.configuration(), logger: TestEnvironment.logger)
        #expect(try await platform.postgres.query("SHOW jit").first?.decode("jit", as: String.self) == "off")
        let setting = try await platform.postgres.query("SHOW jit_above_cost").first?.decode("jit_above_cost", as: String.self)
        let threshold = try #require(setting.flatMap(Double.init))
        #expect(try await DemoData.seed(platform))
        for (name, statement) in try await Self.statements(platform) {
            let cost = try await Self.cost(statement, platform.postgres)
            #expect(cost < threshold, "demo data: \(name) costs \(cost)")
        }

        // A large installation, analyzed as autovacuum would: 2,000 operators, 20,000 users
        // with memberships, 40,000 tokens, 100,000 audit entries.
        try await platform.postgres.withTransaction { session in
            try await session.runScript("""
                INSERT INTO operators (id, identifier, name) SELECT gen_random_uuid(), 'OP' || i, 'Operator ' || i FROM generate_series(1, 2000) i;
                INSERT INTO users (id, email, first_name, last_name) SELECT gen_random_uuid(), 'user' || i || '@large.example', 'First', 'Last ' || i
                    FROM generate_series(1, 20000) i;
                INSERT INTO operator_memberships (user_id, operator_id, is_administrator, approved_at)
                    SELECT u.id, o.id, false, now() FROM (SELECT id, row_number() OVER () AS n FROM users WHERE email LIKE '%@large.example') u
                    JOIN (SELECT id, row_number() OVER () AS n FROM operators WHERE identifier LIKE 'OP%') o ON o.n = 1 + u.n % 2000;
                INSERT INTO access_tokens (id, user_id, kind, token_hash, expires_at, second_factor_verified)
                    SELECT gen_random_uuid(), u.id, 'session', md5(u.id::text || g) || md5(g || u.id::text), now() + interval '1 hour', false
                    FROM (SELECT id FROM users WHERE email LIKE '%@large.example') u, generate_series(1, 2) g;
                INSERT INTO audit_events (action, actor_id, organisation_id, details)
                    SELECT 'load.test', NULL, NULL, '{}' FROM generate_series(1, 100000);
                """)
        }
        try await platform.postgres.query("ANALYZE")
        for (name, statement) in try await Self.statements(platform) {
            let cost = try await Self.cost(statement, platform.postgres)
            #expect(cost < threshold, "large data: \(name) costs \(cost)")
        }
        await platform.shutdown()
    }
}
