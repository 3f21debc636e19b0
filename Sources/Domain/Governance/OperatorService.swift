import Foundation
import Postgres

/// Operators: regulators see and create them all; operator members see theirs.
public struct OperatorService: Sendable {
    let postgres: PostgresClient

    public init(postgres: PostgresClient) {
        self.postgres = postgres
    }

    /// A page of the operators the caller may see, by name; `search` matches name or identifier.
    public func list(_ principal: Principal, search: String?, sectorID: UUID?, limit: Int, cursor: String?) async throws -> Page<Operator> {
        try principal.requireAccess(.governanceRead)
        try principal.affiliations.authorize(.readOperator, object: "operator")
        try PageCursor.check(limit: limit)
        let rows = try await postgres.query(Self.listStatement(principal, search: search, sectorID: sectorID, limit: limit,
                                                               after: try PageCursor.decode(cursor)))
        return Page(fetched: try rows.map { row in
            let value = try Operator(row: row)
            return (value, try row.decode("sort_key"), value.id)
        }, limit: limit)
    }

    /// The page query of ``list(_:search:sectorID:limit:cursor:)``: `limit + 1` operators after `after`, by name.
    static func listStatement(_ principal: Principal, search: String?, sectorID: UUID?, limit: Int, after: (String, UUID)?) -> Statement {
        let all = GovernancePolicy.reach(principal.role, .readOperator) == .all
        let own = principal.affiliations.operators.filter(\.isApproved).map(\.operatorID)
        return Statement(sql: """
            SELECT \(Operator.columns), lower(o.name) AS sort_key FROM operators o
            WHERE ($1::boolean OR o.id = ANY($2::uuid[]))
              AND ($3::text IS NULL OR o.name ILIKE $3 OR o.identifier ILIKE $3)
              AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM operator_sectors x WHERE x.operator_id = o.id AND x.sector_id = $4))
              AND ($5::text IS NULL OR (lower(o.name), o.id) > ($5, $6::uuid))
            ORDER BY lower(o.name), o.id
            LIMIT $7::int
            """, bindings: [all, own, Queries.containing(search), sectorID, after?.0, after?.1, limit + 1])
    }

    public func get(_ principal: Principal, id: UUID) async throws -> Operator {
        try principal.requireAccess(.governanceRead)
        try principal.affiliations.authorize(.readOperator, at: .operator(id), object: "operator")
        guard let row = try await postgres.query("SELECT \(Operator.columns) FROM operators o WHERE o.id = $1", id).first else {
            throw DomainError.notFound("No such operator.")
        }
        return try Operator(row: row)
    }

    /// Creates (`id == nil`) or updates an operator. The identifier, sectors and entity categories
    /// are set by regulators only.
    public func save(_ principal: Principal, id: UUID?, _ input: OperatorInput, client: ClientInfo) async throws -> Operator {
        try principal.requireAccess(.governanceWrite)
        if let id {
            try principal.affiliations.authorize(.updateOperator, at: .operator(id), object: "operator")
            if input.identifier != nil || input.sectorIDs != nil || input.entityCategoryIDs != nil {
                try principal.affiliations.authorize(.classifyOperator, at: .operator(id), object: "operator")
            }
        } else {
            try principal.affiliations.authorize(.createOperator, object: "operator")
        }
        var validator = Validator()
        var identifier: String?
        if let raw = input.identifier {
            let value = TextRules.trimmed(raw).uppercased()
            validator.check((1...10).contains(value.count) && value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) },
                            "identifier", "invalid", "The identifier has 1 to 10 letters or digits.")
            identifier = value
        }
        let name = input.name.map { validator.text($0, "name", required: true, maximumLength: 64) ?? "" }
        let country = input.country.map { validator.country($0) ?? "" }
        let address = input.address.map { validator.text($0, "address", required: false, maximumLength: 255) ?? "" }
        let email = input.email.map { validator.email($0, "email") ?? "" }
        let phone = input.phone.map { validator.phone($0) ?? "" }
        if id == nil {
            validator.check(identifier != nil, "identifier", "required", "The identifier is required.")
            validator.check(name != nil, "name", "required", "The name is required.")
        }
        try validator.throwIfInvalid()
        let operatorID = id ?? UUID()
        do {
            return try await postgres.withTransaction { session in
                if id == nil {
                    try await session.query("INSERT INTO operators (id, identifier, name) VALUES ($1, $2, $3)", operatorID, identifier!, name!)
                }
                let updated = try await session.query("""
                    UPDATE operators SET identifier = coalesce($2, identifier), name = coalesce($3, name),
                        country = CASE WHEN $4::text IS NULL THEN country ELSE nullif($4, '') END,
                        address = CASE WHEN $5::text IS NULL THEN address ELSE nullif($5, '') END,
                        email = CASE WHEN $6::text IS NULL THEN email ELSE nullif($6, '') END,
                        phone = CASE WHEN $7::text IS NULL THEN phone ELSE nullif($7, '') END, updated_at = now()
                    WHERE id = $1 RETURNING id
                    """, operatorID, identifier, name, country, address, email, phone)
                guard updated.count == 1 else { throw DomainError.notFound("No such operator.") }
                if let sectorIDs = input.sectorIDs {
                    let unique = Array(Set(sectorIDs))
                    guard try await Sector.areSelectable(unique, session: session) else {
                        throw DomainError.validation([FieldError(field: "sector_ids", code: "not_selectable", message: Sector.notSelectableMessage)])
                    }
                    try await session.query("DELETE FROM operator_sectors WHERE operator_id = $1", operatorID)
                    try await session.query("INSERT INTO operator_sectors (operator_id, sector_id) SELECT $1, unnest($2::uuid[])", operatorID, unique)
                }
                if let categoryIDs = input.entityCategoryIDs {
                    let unique = Array(Set(categoryIDs))
                    try await session.query("DELETE FROM operator_entity_categories WHERE operator_id = $1", operatorID)
                    let inserted = try await session.query("""
                        INSERT INTO operator_entity_categories (operator_id, entity_category_id)
                        SELECT $1, c.id FROM entity_categories c WHERE c.id = ANY($2::uuid[]) RETURNING entity_category_id
                        """, operatorID, unique)
                    guard inserted.count == unique.count else {
                        throw DomainError.validation([FieldError(field: "entity_category_ids", code: "not_found",
                                                                 message: "Some entity categories do not exist.")])
                    }
                }
                try await AuditLog.record(AuditEvent("operator.\(id == nil ? "created" : "updated")", by: principal, objectType: "operator",
                                                     objectID: operatorID, organisation: .operator(operatorID), client: client), in: session)
                return try Operator(row: try await session.query("SELECT \(Operator.columns) FROM operators o WHERE o.id = $1", operatorID)
                    .required())
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            let field = error.constraint == "operators_identifier_key" ? "identifier" : "name"
            throw DomainError.conflict("Another operator has this \(field).")
        }
    }

    /// Deletes an operator without members.
    public func delete(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try principal.requireAccess(.governanceWrite)
        try principal.affiliations.authorize(.deleteOperator, at: .operator(id), object: "operator")
        try await postgres.withTransaction { session in
            try await Queries.delete(from: "operators", id: id, noun: "operator",
                                     inUse: "The operator still has members; remove them first.", session: session)
            try await AuditLog.record(AuditEvent("operator.deleted", by: principal, objectType: "operator", objectID: id,
                                                 organisation: .operator(id), client: client), in: session)
        }
    }
}
