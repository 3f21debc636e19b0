import Foundation
import Postgres

/// Regulators, observers and their routing rules.
public struct AuthorityService: Sendable {
    let postgres: PostgresClient

    public init(postgres: PostgresClient) {
        self.postgres = postgres
    }

    // MARK: Regulators

    /// Every regulator (reference data: every role reads them).
    public func regulators(_ principal: Principal) async throws -> [Regulator] {
        try principal.requireAccess(.governanceRead)
        return try await postgres.query("SELECT \(AuthorityProfile.columns) FROM regulators ORDER BY lower(name->>'en'), id").map(Regulator.init(row:))
    }

    public func regulator(_ principal: Principal, id: UUID) async throws -> Regulator {
        try principal.requireAccess(.governanceRead)
        guard let row = try await postgres.query("SELECT \(AuthorityProfile.columns) FROM regulators WHERE id = $1", id).first else {
            throw DomainError.notFound("No such regulator.")
        }
        return try Regulator(row: row)
    }

    /// Creates (`id == nil`) or updates a regulator.
    public func saveRegulator(_ principal: Principal, id: UUID?, _ input: AuthorityInput, client: ClientInfo) async throws -> Regulator {
        let row = try await save(principal, .regulator, id: id, input, client: client)
        return try Regulator(row: row)
    }

    public func deleteRegulator(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await delete(principal, .regulator, id: id, client: client)
    }

    // MARK: Observers

    /// The observers the caller may see: all for platform administrators and regulator staff,
    /// their own for observer members.
    public func observers(_ principal: Principal) async throws -> [Observer] {
        try principal.requireAccess(.governanceRead)
        try principal.affiliations.authorize(.readObserver, object: "observer")
        return try await postgres.query("SELECT \(AuthorityProfile.columns), receives_all_incidents FROM observers ORDER BY lower(name->>'en'), id")
            .map(Observer.init(row:)).filter { principal.affiliations.allows(.readObserver, at: .observer($0.id)) }
    }

    public func observer(_ principal: Principal, id: UUID) async throws -> Observer {
        try principal.requireAccess(.governanceRead)
        try principal.affiliations.authorize(.readObserver, at: .observer(id), object: "observer")
        guard let row = try await postgres.query("SELECT \(AuthorityProfile.columns), receives_all_incidents FROM observers WHERE id = $1",
                                                 id).first else {
            throw DomainError.notFound("No such observer.")
        }
        return try Observer(row: row)
    }

    public func saveObserver(_ principal: Principal, id: UUID?, _ input: AuthorityInput, client: ClientInfo) async throws -> Observer {
        let row = try await save(principal, .observer, id: id, input, client: client)
        return try Observer(row: row)
    }

    public func deleteObserver(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await delete(principal, .observer, id: id, client: client)
    }

    // MARK: Routing rules

    public func routingRules(_ principal: Principal, observerID: UUID) async throws -> [ObserverRoutingRule] {
        try principal.requireAccess(.governanceRead)
        try principal.affiliations.authorize(.readRoutingRules, at: .observer(observerID), object: "observer")
        guard try await postgres.query("SELECT 1 FROM observers WHERE id = $1",
                                       observerID).count == 1 else { throw DomainError.notFound("No such observer.") }
        return try await postgres.query("""
            SELECT observer_id, regulation_id, conditions::text AS conditions, updated_at FROM observer_routing_rules WHERE observer_id = $1 ORDER BY regulation_id
            """, observerID).map(ObserverRoutingRule.init(row:))
    }

    /// Sets the observer's rule for a regulation (one per pair); codes must be known entity categories.
    public func setRoutingRule(_ principal: Principal, _ rule: ObserverRoutingRule, client: ClientInfo) async throws -> ObserverRoutingRule {
        try principal.requireAccess(.governanceWrite)
        try principal.affiliations.authorize(.manageRoutingRules, at: .observer(rule.observerID), object: "observer")
        let conditions = rule.conditions.map { ObserverRoutingRule.Condition(include: Self.codes($0.include), exclude: Self.codes($0.exclude)) }
        let codes = Set(conditions.flatMap { $0.include + $0.exclude })
        return try await postgres.withTransaction { session in
            guard try await session.query("SELECT 1 FROM observers WHERE id = $1",
                                          rule.observerID).count == 1 else { throw DomainError.notFound("No such observer.") }
            guard try await session.query("SELECT 1 FROM regulations WHERE id = $1",
                                          rule.regulationID).count == 1 else { throw DomainError.notFound("No such regulation.") }
            let known = Set(try await session.query("SELECT code FROM entity_categories WHERE code = ANY($1::text[])", Array(codes))
                .map { try $0.decode("code", as: String.self) })
            let unknown = codes.subtracting(known).sorted()
            guard unknown.isEmpty else {
                throw DomainError.validation([FieldError(field: "conditions", code: "unknown_code",
                                                         message: "Unknown entity category codes: \(unknown.joined(separator: ", ")).")])
            }
            let encoded = String(decoding: try JSONEncoder().encode(conditions), as: UTF8.self)
            let row = try await session.query("""
                INSERT INTO observer_routing_rules (observer_id, regulation_id, conditions) VALUES ($1, $2, $3::jsonb)
                ON CONFLICT (observer_id, regulation_id) DO UPDATE SET conditions = excluded.conditions, updated_at = now()
                RETURNING observer_id, regulation_id, conditions::text AS conditions, updated_at
                """, rule.observerID, rule.regulationID, encoded).required()
            try await AuditLog.record(AuditEvent("observer.routing_rule_set", by: principal, objectType: "observer", objectID: rule.observerID,
                                                 organisation: .observer(rule.observerID), client: client,
                                                 details: try JobPayloadCoding.encode(["regulation_id": rule.regulationID.postgresText])), in: session)
            return try ObserverRoutingRule(row: row)
        }
    }

    public func deleteRoutingRule(_ principal: Principal, observerID: UUID, regulationID: UUID, client: ClientInfo) async throws {
        try principal.requireAccess(.governanceWrite)
        try principal.affiliations.authorize(.manageRoutingRules, at: .observer(observerID), object: "observer")
        try await postgres.withTransaction { session in
            guard try await session.query("DELETE FROM observer_routing_rules WHERE observer_id = $1 AND regulation_id = $2 RETURNING observer_id",
                                          observerID, regulationID).count == 1 else { throw DomainError.notFound("No such routing rule.") }
            try await AuditLog.record(AuditEvent("observer.routing_rule_deleted", by: principal, objectType: "observer", objectID: observerID,
                                                 organisation: .observer(observerID), client: client,
                                                 details: try JobPayloadCoding.encode(["regulation_id": regulationID.postgresText])), in: session)
        }
    }

    private static func codes(_ values: [String]) -> [String] {
        Array(Set(values.map { TextRules.trimmed($0).uppercased() })).sorted()
    }

    // MARK: Shared

    /// Which of the two authority tables a shared statement works on.
    private enum Kind {
        case regulator, observer

        var table: String { self == .regulator ? "regulators" : "observers" }
        var noun: String { self == .regulator ? "regulator" : "observer" }
        func organisation(_ id: UUID) -> OrganisationRef { self == .regulator ? .regulator(id) : .observer(id) }
    }

    private func save(_ principal: Principal, _ kind: Kind, id: UUID?, _ input: AuthorityInput, client: ClientInfo) async throws -> PostgresRow {
        try principal.requireAccess(.governanceWrite)
        let isRegulator = kind == .regulator
        let organisation = id.map(kind.organisation)
        if id == nil {
            try principal.affiliations.authorize(isRegulator ? .createRegulator : .createObserver, object: kind.noun)
        } else {
            try principal.affiliations.authorize(isRegulator ? .updateRegulator : .updateObserver, at: organisation, object: kind.noun)
        }
        if input.modules != nil || input.receivesAllIncidents != nil {
            try principal.affiliations.authorize(.setPrivileges, at: organisation, object: kind.noun)
        }
        var validator = Validator()
        let name = input.name.map { validator.languageMap($0, "name", required: true, maximumLength: 64) }
        let fullName = input.fullName.map { validator.languageMap($0, "full_name", required: false, maximumLength: 1000) }
        let description = input.description.map { validator.languageMap($0, "description", required: false, maximumLength: 10_000) }
        let country = input.country.map { validator.country($0) ?? "" }
        let address = input.address.map { validator.text($0, "address", required: true, maximumLength: 255) ?? "" }
        let email = input.notificationEmail.map { validator.email($0, "notification_email") ?? "" }
        if id == nil {
            validator.check(name != nil, "name", "required", "The name is required.")
            validator.check(address != nil, "address", "required", "The address is required.")
        }
        try validator.throwIfInvalid()
        let objectID = id ?? UUID()
        return try await postgres.withTransaction { session in
            if id == nil {
                try await session.query("INSERT INTO \(kind.table) (id, name, address) VALUES ($1, $2::jsonb, $3)", objectID, name!.json, address!)
            }
            let extra = isRegulator ? "" : ", receives_all_incidents = coalesce($9, receives_all_incidents)"
            var bindings: [(any PostgresEncodable)?] = [objectID, name?.json, fullName?.json, description?.json, country, address, email,
                                                         input.modules.map { Array(Set($0.map(\.rawValue))).sorted() }]
            if !isRegulator { bindings.append(input.receivesAllIncidents) }
            let updated = try await session.query("""
                UPDATE \(kind.table) SET name = coalesce($2::jsonb, name), full_name = coalesce($3::jsonb, full_name),
                    description = coalesce($4::jsonb, description), country = CASE WHEN $5::text IS NULL THEN country ELSE nullif($5, '') END,
                    address = coalesce($6, address), notification_email = CASE WHEN $7::text IS NULL THEN notification_email ELSE nullif($7, '') END,
                    modules = coalesce($8::text[], modules), updated_at = now()\(extra)
                WHERE id = $1
                RETURNING \(AuthorityProfile.columns)\(isRegulator ? "" : ", receives_all_incidents")
                """, bindings: bindings)
            guard let row = updated.first else { throw DomainError.notFound("No such \(kind.noun).") }
            try await AuditLog.record(AuditEvent("\(kind.noun).\(id == nil ? "created" : "updated")", by: principal, objectType: kind.noun,
                                                 objectID: objectID, organisation: kind.organisation(objectID), client: client), in: session)
            return row
        }
    }

    private func delete(_ principal: Principal, _ kind: Kind, id: UUID, client: ClientInfo) async throws {
        try principal.requireAccess(.governanceWrite)
        let organisation = kind.organisation(id)
        try principal.affiliations.authorize(kind == .regulator ? .deleteRegulator : .deleteObserver, at: organisation, object: kind.noun)
        try await postgres.withTransaction { session in
            try await Queries.delete(from: kind.table, id: id, noun: kind.noun,
                                     inUse: "The \(kind.noun) still has members; remove them first.", session: session)
            try await AuditLog.record(AuditEvent("\(kind.noun).deleted", by: principal, objectType: kind.noun, objectID: id,
                                                 organisation: organisation, client: client), in: session)
        }
    }
}
