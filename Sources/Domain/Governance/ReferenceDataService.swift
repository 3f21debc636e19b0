import Foundation
import Postgres

/// Sectors, regulations and entity categories: read by every role, changed per the matrix.
public struct ReferenceDataService: Sendable {
    let postgres: PostgresClient

    public init(postgres: PostgresClient) {
        self.postgres = postgres
    }

    // MARK: Sectors

    /// Every sector, roots first then by English name; only the selectable ones with `selectableOnly`.
    public func sectors(_ principal: Principal, selectableOnly: Bool = false) async throws -> [Sector] {
        try principal.requireAccess(.governanceRead)
        return try await postgres.query("""
            SELECT \(Sector.columns) FROM sectors s
            ORDER BY (s.parent_id IS NOT NULL), lower(s.name->>'en'), s.id
            """).map(Sector.init(row:)).filter { !selectableOnly || $0.isSelectable }
    }

    public func sector(_ principal: Principal, id: UUID) async throws -> Sector {
        try principal.requireAccess(.governanceRead)
        guard let sector = try await postgres.query("SELECT \(Sector.columns) FROM sectors s WHERE s.id = $1", id).first.map(Sector.init(row:)) else {
            throw DomainError.notFound("No such sector.")
        }
        return sector
    }

    /// Creates a sector; a regulator administrator's sector is stamped with their regulator.
    public func createSector(_ principal: Principal, _ input: SectorInput, client: ClientInfo) async throws -> Sector {
        try principal.requireAccess(.governanceWrite)
        try principal.affiliations.authorize(.createSector)
        var validator = Validator()
        let name = validator.languageMap(input.name, "name", required: true, maximumLength: 100)
        let acronym = Self.acronym(input.acronym, required: true, &validator)
        try validator.throwIfInvalid()
        let id = UUID()
        return try await postgres.withTransaction { session in
            if let parentID = input.parentID {
                // Lock the parent so it cannot become a sub-sector meanwhile.
                guard let parent = try await session.query("SELECT parent_id FROM sectors WHERE id = $1 FOR UPDATE", parentID).first else {
                    throw DomainError.validation([FieldError(field: "parent_id", code: "not_found", message: "No such sector.")])
                }
                guard try parent.decode("parent_id", as: UUID?.self) == nil else {
                    throw DomainError.validation([FieldError(field: "parent_id", code: "too_deep",
                                                             message: "Sectors have two levels: the parent must be a root sector.")])
                }
            }
            try await session.query("""
                INSERT INTO sectors (id, parent_id, name, acronym, created_by_regulator_id) VALUES ($1, $2, $3::jsonb, $4, $5)
                """, id, input.parentID, name.json, acronym, principal.affiliations.regulator?.regulatorID)
            try await AuditLog.record(AuditEvent("sector.created", by: principal, objectType: "sector", objectID: id, client: client), in: session)
            return try Sector(row: try await session.query("SELECT \(Sector.columns) FROM sectors s WHERE s.id = $1", id).required())
        }
    }

    public func updateSector(_ principal: Principal, id: UUID, _ input: SectorInput, client: ClientInfo) async throws -> Sector {
        try principal.requireAccess(.governanceWrite)
        var validator = Validator()
        let name = input.name.map { validator.languageMap($0, "name", required: true, maximumLength: 100) }
        let acronym = input.acronym.map { _ in Self.acronym(input.acronym, required: true, &validator) } ?? nil
        validator.check(input.parentID == nil, "parent_id", "immutable", "A sector's parent is chosen at creation.")
        return try await postgres.withTransaction { session in
            let sector = try await lockedSector(id, principal: principal, action: .changeSector, session: session)
            try validator.throwIfInvalid()
            try await session.query("""
                UPDATE sectors SET name = coalesce($2::jsonb, name), acronym = coalesce($3, acronym), updated_at = now() WHERE id = $1
                """, id, name?.json, acronym)
            try await AuditLog.record(AuditEvent("sector.updated", by: principal, objectType: "sector", objectID: id,
                                                 organisation: sector.organisation, client: client), in: session)
            return try Sector(row: try await session.query("SELECT \(Sector.columns) FROM sectors s WHERE s.id = $1", id).required())
        }
    }

    /// Deletes an unused sector without sub-sectors.
    public func deleteSector(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try principal.requireAccess(.governanceWrite)
        try await postgres.withTransaction { session in
            let sector = try await lockedSector(id, principal: principal, action: .changeSector, session: session)
            try await Queries.delete(from: "sectors", id: id, noun: "sector",
                                     inUse: "The sector has sub-sectors or is assigned to operators or regulator users; remove those first.", session: session)
            try await AuditLog.record(AuditEvent("sector.deleted", by: principal, objectType: "sector", objectID: id,
                                                 organisation: sector.organisation, client: client), in: session)
        }
    }

    private func lockedSector(_ id: UUID, principal: Principal, action: GovernanceAction, session: PostgresSession) async throws -> Sector {
        guard let sector = try await session.query("SELECT \(Sector.columns) FROM sectors s WHERE s.id = $1 FOR UPDATE OF s",
                                                   id).first.map(Sector.init(row:)) else {
            throw DomainError.notFound("No such sector.")
        }
        try principal.affiliations.authorize(action, at: sector.organisation, object: "sector")
        return sector
    }

    private static func acronym(_ value: String?, required: Bool, _ validator: inout Validator) -> String? {
        let acronym = value.map(TextRules.trimmed)?.uppercased() ?? ""
        validator.check(acronym.count >= 1 && acronym.count <= 4 && acronym.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) },
                        "acronym", "invalid", "The acronym has 1 to 4 letters or digits.")
        return acronym
    }

    // MARK: Regulations

    public func regulations(_ principal: Principal) async throws -> [Regulation] {
        try principal.requireAccess(.governanceRead)
        return try await postgres.query("SELECT \(Regulation.columns) FROM regulations r ORDER BY lower(r.label->>'en'), r.id").map(Regulation.init(row:))
    }

    public func regulation(_ principal: Principal, id: UUID) async throws -> Regulation {
        try principal.requireAccess(.governanceRead)
        guard let regulation = try await postgres.query("SELECT \(Regulation.columns) FROM regulations r WHERE r.id = $1",
                                                        id).first.map(Regulation.init(row:)) else {
            throw DomainError.notFound("No such regulation.")
        }
        return regulation
    }

    /// Creates (`id == nil`) or updates a regulation; `nil` fields stay as they are.
    public func saveRegulation(_ principal: Principal, id: UUID?, label: LanguageMap?, regulatorIDs: [UUID]?,
                               client: ClientInfo) async throws -> Regulation {
        try principal.requireAccess(.governanceWrite)
        try principal.affiliations.authorize(.manageRegulations, object: "regulation")
        var validator = Validator()
        let cleaned = label.map { validator.languageMap($0, "label", required: true, maximumLength: 255) }
        validator.check(id != nil || cleaned != nil, "label", "required", "The label is required.")
        try validator.throwIfInvalid()
        let regulationID = id ?? UUID()
        return try await postgres.withTransaction { session in
            if id == nil {
                try await session.query("INSERT INTO regulations (id, label) VALUES ($1, $2::jsonb)", regulationID, cleaned!.json)
            } else {
                let updated = try await session.query("UPDATE regulations SET label = coalesce($2::jsonb, label), updated_at = now() WHERE id = $1 RETURNING id",
                                                      regulationID, cleaned?.json)
                guard updated.count == 1 else { throw DomainError.notFound("No such regulation.") }
            }
            if let regulatorIDs {
                let unique = Array(Set(regulatorIDs))
                guard try await session.query("SELECT id FROM regulators WHERE id = ANY($1::uuid[])", unique).count == unique.count else {
                    throw DomainError.validation([FieldError(field: "regulator_ids", code: "not_found", message: "Some regulators do not exist.")])
                }
                do {
                    try await session.query("DELETE FROM regulation_regulators WHERE regulation_id = $1 AND NOT (regulator_id = ANY($2::uuid[]))",
                                            regulationID, unique)
                } catch let error as PostgresError where error.isForeignKeyViolation {
                    throw DomainError.conflict("A regulator you removed has notification workflows for this regulation; they must go first.")
                }
                try await session.query("""
                    INSERT INTO regulation_regulators (regulation_id, regulator_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING
                    """, regulationID, unique)
            }
            try await AuditLog.record(AuditEvent(id == nil ? "regulation.created" : "regulation.updated", by: principal, objectType: "regulation",
                                                 objectID: regulationID, client: client), in: session)
            return try Regulation(row: try await session.query("SELECT \(Regulation.columns) FROM regulations r WHERE r.id = $1",
                                                               regulationID).required())
        }
    }

    public func deleteRegulation(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await deleteRow(principal, table: "regulations", objectType: "regulation", action: .manageRegulations, id: id, client: client)
    }

    // MARK: Entity categories

    public func entityCategories(_ principal: Principal) async throws -> [EntityCategory] {
        try principal.requireAccess(.governanceRead)
        return try await postgres.query("SELECT \(EntityCategory.columns) FROM entity_categories ORDER BY code").map(EntityCategory.init(row:))
    }

    public func entityCategory(_ principal: Principal, id: UUID) async throws -> EntityCategory {
        try principal.requireAccess(.governanceRead)
        guard let category = try await postgres.query("SELECT \(EntityCategory.columns) FROM entity_categories WHERE id = $1",
                                                      id).first.map(EntityCategory.init(row:)) else {
            throw DomainError.notFound("No such entity category.")
        }
        return category
    }

    /// Creates (`id == nil`) or updates an entity category; codes are unique, upper-case.
    public func saveEntityCategory(_ principal: Principal, id: UUID?, code: String?, label: LanguageMap?,
                                   client: ClientInfo) async throws -> EntityCategory {
        try principal.requireAccess(.governanceWrite)
        try principal.affiliations.authorize(.manageEntityCategories, object: "entity category")
        var validator = Validator()
        let cleaned = label.map { validator.languageMap($0, "label", required: true, maximumLength: 255) }
        let normalizedCode = code.map(TextRules.trimmed)?.uppercased()
        if let normalizedCode {
            validator.check(normalizedCode.count <= 64 && !normalizedCode.isEmpty && normalizedCode.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") },
                            "code", "invalid", "The code has 1 to 64 letters, digits or underscores, e.g. CRITICAL_INFRA.")
        }
        if id == nil {
            validator.check(normalizedCode != nil, "code", "required", "The code is required.")
            validator.check(cleaned != nil, "label", "required", "The label is required.")
        }
        try validator.throwIfInvalid()
        let categoryID = id ?? UUID()
        do {
            return try await postgres.withTransaction { session in
                if id == nil {
                    try await session.query("INSERT INTO entity_categories (id, code, label) VALUES ($1, $2, $3::jsonb)", categoryID,
                                            normalizedCode!, cleaned!.json)
                } else {
                    let updated = try await session.query("""
                        UPDATE entity_categories SET code = coalesce($2, code), label = coalesce($3::jsonb, label), updated_at = now() WHERE id = $1 RETURNING id
                        """, categoryID, normalizedCode, cleaned?.json)
                    guard updated.count == 1 else { throw DomainError.notFound("No such entity category.") }
                }
                try await AuditLog.record(AuditEvent(id == nil ? "entity_category.created" : "entity_category.updated", by: principal,
                                                     objectType: "entity_category", objectID: categoryID, client: client), in: session)
                return try EntityCategory(row: try await session.query("SELECT \(EntityCategory.columns) FROM entity_categories WHERE id = $1",
                                                                       categoryID).required())
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw DomainError.conflict("Another entity category has the code \(normalizedCode ?? "").")
        }
    }

    public func deleteEntityCategory(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await deleteRow(principal, table: "entity_categories", objectType: "entity_category", action: .manageEntityCategories, id: id,
                            client: client)
    }

    /// Deletes a platform-wide object; one still referenced answers 409.
    private func deleteRow(_ principal: Principal, table: String, objectType: String, action: GovernanceAction, id: UUID,
                           client: ClientInfo) async throws {
        try principal.requireAccess(.governanceWrite)
        let label = objectType.replacingOccurrences(of: "_", with: " ")
        try principal.affiliations.authorize(action, object: label)
        try await postgres.withTransaction { session in
            try await Queries.delete(from: table, id: id, noun: label, inUse: "The \(label) is still in use.", session: session)
            try await AuditLog.record(AuditEvent("\(objectType).deleted", by: principal, objectType: objectType, objectID: id,
                                                 client: client), in: session)
        }
    }
}
