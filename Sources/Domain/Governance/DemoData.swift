import Foundation
import Postgres

/// A small, coherent data set for trying the platform: a regulator with staff, an observer
/// (CSIRT) with a routing rule, two operators with members, sectors, regulations and entity
/// categories. `governance-api seed-demo` writes it once; scripts/serve runs that on start.
public enum DemoData {
    /// The password of every demo account (they are for local use only).
    public static let password = "Demo-Governance-2026"
    public static let domain = "demo.governance.test"

    public struct Account: Sendable, Equatable {
        public let email: String
        public let role: Role
        public let organisation: String
    }

    public static let accounts: [Account] = [
        Account(email: "admin@\(domain)", role: .platformAdmin, organisation: "-"),
        Account(email: "regulator.admin@\(domain)", role: .regulatorAdmin, organisation: "Demo Regulatory Authority"),
        Account(email: "regulator.user@\(domain)", role: .regulatorUser, organisation: "Demo Regulatory Authority (electricity)"),
        Account(email: "csirt.admin@\(domain)", role: .observerAdmin, organisation: "Demo National CSIRT"),
        Account(email: "power.admin@\(domain)", role: .operatorAdmin, organisation: "PowerCo SA"),
        Account(email: "power.user@\(domain)", role: .operatorUser, organisation: "PowerCo SA"),
        Account(email: "rail.admin@\(domain)", role: .operatorAdmin, organisation: "RailWays SA"),
        Account(email: "independent@\(domain)", role: .independentUser, organisation: "-"),
    ]

    /// Writes the demo data unless it is there already; returns whether it wrote anything.
    @discardableResult
    public static func seed(_ platform: Platform) async throws -> Bool {
        let hash = try await platform.governance.hashing.hash(password)
        let wroteGovernance = try await platform.postgres.withTransaction { session in
            // Serialise concurrent seeders; the first account marks a seeded database.
            try await session.query("SELECT pg_advisory_xact_lock(7242001)")
            guard try await session.query("SELECT 1 FROM users WHERE email = $1", accounts[0].email).count == 0 else { return false }
            // Demo accounts share a published password: never next to real ones.
            let others = try await session.query("SELECT count(*) AS n FROM users WHERE email NOT LIKE $1",
                                                 "%@\(domain)").first?.decode("n", as: Int.self) ?? 0
            guard others == 0 else { throw DemoDataError.realUsersPresent(others) }
            try await write(session, passwordHash: hash)
            try await AuditLog.record(AuditEvent(action: "demo.seeded", actorRole: "system", client: .system), in: session)
            return true
        }
        // Each module's demo data is written once, also into a database seeded by an earlier version.
        let wroteIncidents = try await IncidentDemoData.seed(platform)
        let wroteSecurityObjectives = try await SecurityObjectivesDemoData.seed(platform)
        let wroteReporting = try await ReportingDemoData.seed(platform)
        return wroteGovernance || wroteIncidents || wroteSecurityObjectives || wroteReporting
    }

    /// A session principal of demo account `account` (`power.admin`), for the modules' demo data
    /// written through their services.
    static func principal(_ platform: Platform, _ account: String) async throws -> Principal {
        let email = "\(account)@\(domain)"
        return try await platform.postgres.withSession { session in
            let userID = try await session.query("SELECT id FROM users WHERE email = $1", email).required().decode("id", as: UUID.self)
            return Principal(userID: userID, email: email, tokenID: UUID(), tokenKind: .session, scopes: [], hasAcceptedTerms: true,
                             hasSecondFactor: true, affiliations: try await Affiliations.required(userID, in: session))
        }
    }

    /// The demo accounts that can log in, for the warning `governance-api serve` prints when
    /// they exist on an installation configured for production (`REQUIRE_TOTP=true`).
    public static func activeAccounts(_ platform: Platform) async throws -> Int {
        try await platform.postgres.query("SELECT count(*) AS n FROM users WHERE email LIKE $1 AND is_active", "%@\(domain)")
            .first?.decode("n", as: Int.self) ?? 0
    }

    private static func write(_ session: PostgresSession, passwordHash: String) async throws {
        let regulator = UUID(), observer = UUID(), powerCo = UUID(), railWays = UUID()
        let energy = UUID(), electricity = UUID(), gas = UUID(), transport = UUID(), rail = UUID(), air = UUID(), health = UUID()
        let nis2 = UUID(), gdpr = UUID(), publicCategory = UUID(), privateCategory = UUID(), critical = UUID()

        try await session.query("""
            INSERT INTO regulators (id, name, full_name, country, address, notification_email, modules) VALUES
            ($1, '{"en": "Demo Regulatory Authority", "fr": "Autorité de régulation (démo)", "de": "Regulierungsbehörde (Demo)"}',
             '{"en": "Demo Regulatory Authority for Networks and Services"}', 'LU', '17 rue du Fossé, Luxembourg',
             'incidents@regulator.\(domain)', ARRAY['securityObjectives', 'reporting'])
            """, regulator)
        try await session.query("""
            INSERT INTO observers (id, name, country, address, notification_email) VALUES
            ($1, '{"en": "Demo National CSIRT", "fr": "CSIRT national (démo)"}', 'LU', '1 avenue du Cyber, Luxembourg', 'alerts@csirt.\(domain)')
            """, observer)
        let sectors: [(UUID, UUID?, String, String)] = [
            (energy, nil, #"{"en": "Energy", "fr": "Énergie", "nl": "Energie", "de": "Energie"}"#, "ENER"),
            (electricity, energy, #"{"en": "Electricity", "fr": "Électricité", "nl": "Elektriciteit", "de": "Elektrizität"}"#, "ELEC"),
            (gas, energy, #"{"en": "Gas", "fr": "Gaz", "nl": "Gas", "de": "Gas"}"#, "GAS"),
            (transport, nil, #"{"en": "Transport", "fr": "Transport", "nl": "Vervoer", "de": "Verkehr"}"#, "TRAN"),
            (rail, transport, #"{"en": "Rail", "fr": "Ferroviaire", "nl": "Spoor", "de": "Schiene"}"#, "RAIL"),
            (air, transport, #"{"en": "Air", "fr": "Aérien", "nl": "Lucht", "de": "Luft"}"#, "AIR"),
            (health, nil, #"{"en": "Health", "fr": "Santé", "nl": "Gezondheid", "de": "Gesundheit"}"#, "HLTH"),
        ]
        for (id, parent, name, acronym) in sectors {
            try await session.query("INSERT INTO sectors (id, parent_id, name, acronym) VALUES ($1, $2, $3::jsonb, $4)", id, parent, name, acronym)
        }
        try await session.query("""
            INSERT INTO regulations (id, label) VALUES
            ($1, '{"en": "NIS2 Directive", "fr": "Directive NIS2", "nl": "NIS2-richtlijn", "de": "NIS2-Richtlinie"}'),
            ($2, '{"en": "General Data Protection Regulation", "fr": "Règlement général sur la protection des données"}')
            """, nis2, gdpr)
        try await session.query("INSERT INTO regulation_regulators (regulation_id, regulator_id) VALUES ($1, $2)", nis2, regulator)
        try await session.query("""
            INSERT INTO entity_categories (id, code, label) VALUES
            ($1, 'PUBLIC', '{"en": "Public entity", "fr": "Entité publique"}'),
            ($2, 'PRIVATE', '{"en": "Private entity", "fr": "Entité privée"}'),
            ($3, 'CRITICAL_INFRA', '{"en": "Critical infrastructure", "fr": "Infrastructure critique"}')
            """, publicCategory, privateCategory, critical)
        // The CSIRT receives NIS2 incidents of public entities, and of private critical infrastructure.
        try await session.query("""
            INSERT INTO observer_routing_rules (observer_id, regulation_id, conditions)
            VALUES ($1, $2, '[{"include": ["PUBLIC"], "exclude": []}, {"include": ["CRITICAL_INFRA", "PRIVATE"], "exclude": []}]')
            """, observer, nis2)
        try await session.query("""
            INSERT INTO operators (id, identifier, name, country, address, email, phone) VALUES
            ($1, 'POWERCO', 'PowerCo SA', 'LU', '2 rue de l''Usine, Esch-sur-Alzette', 'security@powerco.\(domain)', '+35226000001'),
            ($2, 'RAILWAYS', 'RailWays SA', 'LU', '9 place de la Gare, Luxembourg', 'cert@railways.\(domain)', '+35226000002')
            """, powerCo, railWays)
        try await session.query("INSERT INTO operator_sectors (operator_id, sector_id) VALUES ($1, $2), ($3, $4)", powerCo, electricity,
                                railWays, rail)
        try await session.query("""
            INSERT INTO operator_entity_categories (operator_id, entity_category_id) VALUES ($1, $2), ($1, $3), ($4, $5)
            """, powerCo, privateCategory, critical, railWays, publicCategory)

        var ids: [String: UUID] = [:]
        for account in accounts {
            let id = UUID()
            ids[account.email] = id
            let local = account.email.split(separator: "@")[0].split(separator: ".")
            let first = local.first.map { $0.prefix(1).uppercased() + $0.dropFirst() } ?? "Demo"
            let last = local.count > 1 ? local[1].prefix(1).uppercased() + local[1].dropFirst() : "User"
            try await session.query("""
                INSERT INTO users (id, email, first_name, last_name, password_hash, is_platform_admin, email_verified, terms_accepted_at)
                VALUES ($1, $2, $3, $4, $5, $6, true, now())
                """, id, account.email, first, last, passwordHash, account.role == .platformAdmin)
        }
        func user(_ name: String) -> UUID { ids["\(name)@\(domain)"]! }
        try await session.query("""
            INSERT INTO regulator_memberships (user_id, regulator_id, is_administrator, can_export_incidents) VALUES ($1, $3, true, true), ($2, $3, false, false)
            """, user("regulator.admin"), user("regulator.user"), regulator)
        try await session.query("INSERT INTO regulator_membership_sectors (user_id, sector_id) VALUES ($1, $2)", user("regulator.user"), electricity)
        try await session.query("INSERT INTO observer_memberships (user_id, observer_id, is_administrator) VALUES ($1, $2, true)",
                                user("csirt.admin"), observer)
        try await session.query("""
            INSERT INTO operator_memberships (user_id, operator_id, is_administrator, approved_at) VALUES
            ($1, $4, true, now()), ($2, $4, false, now()), ($3, $5, true, now())
            """, user("power.admin"), user("power.user"), user("rail.admin"), powerCo, railWays)
    }
}

/// Why the demo data set was not written.
public enum DemoDataError: Error, CustomStringConvertible, Equatable {
    /// The database holds accounts that are not demo accounts: it is not a trial installation.
    case realUsersPresent(Int)

    public var description: String {
        switch self {
        case .realUsersPresent(let count):
            "the database holds \(count) account(s) that are not demo accounts; the demo data (whose accounts share a published "
                + "password) is only written into an empty database"
        }
    }
}
