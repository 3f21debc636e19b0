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
        for (email, name) in [("admin", "platform administrator"), ("regulator.admin", "regulator administrator"),
            ("power.admin", "operator administrator"),
                              ("regulator.user", "sector-limited regulator user")] {
            let session = try await auth.login(email: "\(email)@\(DemoData.domain)", password: DemoData.password, totpCode: nil, client: .system)
            principals.append((name, try await auth.authenticate(token: session.token), session.token))
        }
        var statements: [(String, Statement)] = []
        for (name, principal, token) in principals {
            statements.append(("principal lookup (\(name))", Statement(sql: AuthService.principalLookup, bindings: [BearerToken.digest(token)])))
            statements.append(("users page (\(name))", UserAdministration.listStatement(principal, filter: UserFilter(), limit: 50, after: nil)))
            statements.append(("users search (\(name))",
                               UserAdministration.listStatement(principal, filter: UserFilter(search: "user"), limit: 20, after: nil)))
            statements.append(("operators page (\(name))",
                               OperatorService.listStatement(principal, search: nil, sectorID: nil, limit: 50, after: nil)))
        }
        // Incidents: the regulator's first page and a filtered one, an operator's page, one incident.
        let operatorID = try #require(principals[2].1.affiliations.operators.first?.operatorID)
        statements.append(("incidents page (reviewer)", try IncidentQuery.listStatement(principals[1].1, view: .reviewer, filter: IncidentFilter(),
                                                                                       limit: 50, after: nil)))
        statements.append(("incidents filtered (reviewer)", try IncidentQuery.listStatement(
            principals[1].1, view: .reviewer, filter: IncidentFilter(isOpen: true, crossBorder: true, search: "POWER"), limit: 50, after: nil)))
        let sector = try #require(try await platform.postgres.query("SELECT min(sector_id::text)::uuid AS id FROM notification_workflow_sectors")
            .first?.decode("id", as: UUID?.self))
        statements.append(("incidents by sector (reviewer)", try IncidentQuery.listStatement(
            principals[1].1, view: .reviewer, filter: IncidentFilter(isOpen: true, sectorID: sector), limit: 50, after: nil)))
        statements.append(("incidents page (regulator user)", try IncidentQuery.listStatement(principals[3].1, view: .reviewer,
                                                                                             filter: IncidentFilter(), limit: 50, after: nil)))
        statements.append(("incidents page (operator)", try IncidentQuery.listStatement(principals[2].1, view: .operator(operatorID),
                                                                                       filter: IncidentFilter(), limit: 50, after: nil)))
        statements.append(("one incident", IncidentQuery.byIDsStatement(principals[1].1, ids: [UUID()])))
        let regulator = try #require(principals[1].1.affiliations.regulator?.regulatorID)
        // Declarations: the regulator's pages (all sectors, one sector, a sector-limited user), an operator's page.
        let regulatorUserSectors = principals[3].1.affiliations.regulator?.sectorIDs ?? []
        for (name, caller, filter) in [
            ("regulator", SecurityObjectivesGate.Caller.regulator(id: regulator, isAdministrator: true, sectorIDs: []), DeclarationFilter()),
            ("regulator, by sector", .regulator(id: regulator, isAdministrator: true, sectorIDs: []), DeclarationFilter(sectorID: sector)),
            ("regulator user", .regulator(id: regulator, isAdministrator: false, sectorIDs: regulatorUserSectors), DeclarationFilter()),
            ("operator", .operatorMember(operatorIDs: [operatorID]), DeclarationFilter()),
        ] {
            statements.append(("declarations page (\(name))", DeclarationQuery.listStatement(caller, filter: filter, sort: .newest, limit: 50,
                                                                                              after: nil)))
        }
        // A yearly report's sector figures: every operator's scores and services in one sector.
        let standard = try #require(try await platform.postgres.query("SELECT id FROM standards WHERE regulator_id = $1 ORDER BY created_at LIMIT 1",
                                                                      regulator).first?.decode("id", as: UUID.self))
        let electricity = try #require(try await platform.postgres.query("SELECT id FROM sectors WHERE acronym = 'ELEC'").first?.decode("id", as: UUID.self))
        statements.append(("report: sector scores", DeclarationCoverage.sectorScoresStatement(standardID: standard, sectorID: electricity,
                                                                                               years: [2024, 2025, 2026])))
        statements.append(("report: sector risks", ReportInputs.sectorRisksStatement(regulatorID: regulator, sectorID: electricity,
                                                                                      years: [2024, 2025, 2026], threshold: 20)))
        statements.append(("audit page", AuditQuery.pageStatement(filter: AuditFilter(), limit: 50, before: .max, regulatorScope: nil)))
        statements.append(("audit page (regulator scope)",
                           AuditQuery.pageStatement(filter: AuditFilter(), limit: 50, before: .max, regulatorScope: regulator)))
        return statements
    }

    /// Whether `statement`'s plan reads a whole table (a sequential scan of `table`).
    static func scans(_ table: String, _ statement: Statement, _ postgres: PostgresClient) async throws -> Bool {
        let rows = try await postgres.query("EXPLAIN (FORMAT JSON) " + statement.sql, bindings: statement.bindings)
        let json = try #require(try rows.first?.decode("QUERY PLAN", as: String.self))
        func scans(_ node: Any) -> Bool {
            guard let plan = node as? [String: Any] else { return (node as? [Any])?.contains(where: scans) ?? false }
            if plan["Node Type"] as? String == "Seq Scan", plan["Relation Name"] as? String == table { return true }
            return plan.values.contains(where: scans)
        }
        return scans(try JSONSerialization.jsonObject(with: Data(json.utf8)))
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
        // with memberships, 40,000 tokens, 100,000 audit entries, 30,000 incidents, 20,000
        // declarations with 600,000 assessments.
        try await platform.postgres.withTransaction { session in
            try await session.runScript("""
                INSERT INTO operators (id, identifier, name) SELECT gen_random_uuid(), 'OP' || i, 'Operator ' || i FROM generate_series(1, 2000) i;
                INSERT INTO users (id, email, first_name, last_name) SELECT gen_random_uuid(), 'user' || i || '@large.example', 'First', 'Last ' || i
                    FROM generate_series(1, 20000) i;
                -- Fresh statistics, or the row_number joins below plan as nested loops over "tiny" tables.
                ANALYZE operators; ANALYZE users;
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
        // Apart: one script runs under one statement timeout.
        try await platform.postgres.withTransaction { session in
            try await session.runScript("""
                ANALYZE notification_workflows; ANALYZE report_stages;
                INSERT INTO incidents (id, reference, workflow_id, regulator_id, regulation_id, operator_id, notifier_name, contact, technical_contact,
                                       notification_type, time_zone, detected_at, notified_at, cross_border)
                    SELECT gen_random_uuid(), 'LOAD_ENER_ELEC_' || i, w.id, w.regulator_id, w.regulation_id, o.id, 'Operator', '{}', '{}', 'incident',
                           'Europe/Luxembourg', now() - i * interval '1 hour', now() - i * interval '1 hour', i % 7 = 0
                    FROM generate_series(1, 30000) i CROSS JOIN (SELECT * FROM notification_workflows LIMIT 1) w
                    JOIN (SELECT id, row_number() OVER () AS n FROM operators WHERE identifier LIKE 'OP%') o ON o.n = 1 + i % 2000;
                -- Or the foreign-key checks of the rows below scan the incidents once each.
                ANALYZE incidents;
                INSERT INTO incident_reports (incident_id, stage_id, report_type_id, position, trigger, delay_hours, triggered_at, due_at)
                    SELECT i.id, s.id, s.report_type_id, s.position, s.trigger, s.delay_hours, i.detected_at, i.detected_at + interval '24 hours'
                    FROM incidents i JOIN report_stages s ON s.workflow_id = i.workflow_id WHERE i.reference LIKE 'LOAD%';
                INSERT INTO incident_sectors (incident_id, sector_id)
                    SELECT i.id, ws.sector_id FROM incidents i JOIN notification_workflow_sectors ws ON ws.workflow_id = i.workflow_id
                    WHERE i.reference LIKE 'LOAD%' AND ws.sector_id = (SELECT min(sector_id::text)::uuid FROM notification_workflow_sectors);
                """)
        }
        // 20,000 submitted declarations of the demo standard, each with its assessments and a sector.
        try await platform.postgres.withTransaction { session in
            try await session.runScript("""
                INSERT INTO declaration_groups (id, reference, operator_id, standard_id)
                    SELECT gen_random_uuid(), 'LOAD_SO_' || i, o.id, (SELECT id FROM standards LIMIT 1)
                    FROM generate_series(1, 20000) i JOIN (SELECT id, row_number() OVER () AS n FROM operators WHERE identifier LIKE 'OP%') o
                    ON o.n = 1 + i % 2000;
                ANALYZE declaration_groups;
                INSERT INTO declarations (id, group_id, version, standard_id, regulator_id, operator_id, year, status, creator_name, operator_name,
                                          updated_at)
                    SELECT gen_random_uuid(), g.id, 1, g.standard_id, s.regulator_id, g.operator_id, 2026, 'submitted', 'Load', 'Operator',
                           now() - random() * interval '300 days'
                    FROM declaration_groups g JOIN standards s ON s.id = g.standard_id WHERE g.reference LIKE 'LOAD_SO_%';
                ANALYZE declarations;
                INSERT INTO declaration_sectors (declaration_id, sector_id)
                    SELECT d.id, CASE WHEN random() < 0.5 THEN (SELECT id FROM sectors WHERE acronym = 'ELEC')
                                      ELSE (SELECT id FROM sectors WHERE acronym = 'RAIL') END
                    FROM declarations d JOIN declaration_groups g ON g.id = d.group_id WHERE g.reference LIKE 'LOAD_SO_%';
                INSERT INTO objective_assessments (declaration_id, objective_id, position, completion)
                    SELECT d.id, o.id, o.position, 'complete' FROM declarations d JOIN declaration_groups g ON g.id = d.group_id
                    JOIN security_objectives o ON o.standard_id = d.standard_id WHERE g.reference LIKE 'LOAD_SO_%';
                """)
        }
        // 3,000 imported analyses of 10 services (their treated current risks kept on the service).
        try await platform.postgres.withTransaction { session in
            try await session.runScript("""
                INSERT INTO risk_analyses (id, regulator_id, operator_id, sector_id, year, monarc_version, imported_at)
                    SELECT gen_random_uuid(), (SELECT regulator_id FROM standards LIMIT 1), o.id,
                           CASE WHEN o.n % 2 = 0 THEN (SELECT id FROM sectors WHERE acronym = 'ELEC') ELSE (SELECT id FROM sectors WHERE acronym = 'RAIL') END,
                           y, '2.13.3', now()
                    FROM (SELECT id, row_number() OVER () AS n FROM operators WHERE identifier LIKE 'OP%') o, generate_series(2024, 2026) y
                    WHERE o.n <= 1000;
                ANALYZE risk_analyses;
                INSERT INTO risk_services (id, analysis_id, service_uuid, label, position, total_risks, untreated_risks, treated_risks, reduced_risks,
                                           denied_risks, accepted_risks, shared_risks, average_current_risk, treated_max_risks)
                    SELECT gen_random_uuid(), a.id, md5('service' || s)::uuid, '{"en": "Service"}', s, 50, 5, 45, 45, 0, 0, 0, 20,
                           ARRAY(SELECT 5 + (g * 7) % 50 FROM generate_series(1, 45) g ORDER BY 1)
                    FROM risk_analyses a, generate_series(1, 10) s WHERE a.monarc_version = '2.13.3' AND a.file_name IS NULL;
                """)
        }
        try await platform.postgres.query("ANALYZE")
        for (name, statement) in try await Self.statements(platform) {
            let cost = try await Self.cost(statement, platform.postgres)
            #expect(cost < threshold, "large data: \(name) costs \(cost)")
            // A sector filter or a user's sector scope probes the page's incidents; it once read
            // every incident's sectors into a hash (40 ms on 100,000 incidents).
            if name.hasPrefix("incidents") {
                #expect(try await !Self.scans("incident_sectors", statement, platform.postgres), "large data: \(name) reads every incident's sectors")
            }
            if name.hasPrefix("declarations") {
                for table in ["declarations", "declaration_sectors", "objective_assessments"] {
                    #expect(try await !Self.scans(table, statement, platform.postgres), "large data: \(name) reads every row of \(table)")
                }
            }
        }
        await platform.shutdown()
    }
}
