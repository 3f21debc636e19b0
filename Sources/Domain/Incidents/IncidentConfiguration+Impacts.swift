import Foundation
import Postgres

extension IncidentConfiguration {
    // MARK: Impacts

    /// The regulator's impacts, optionally only those for a regulation and a sector.
    public func impacts(_ principal: Principal, regulationID: UUID? = nil, sectorID: UUID? = nil) async throws -> [Impact] {
        let regulatorID = try readableRegulator(principal)
        return try await postgres.query("""
            SELECT \(Impact.columns) FROM impacts i
            WHERE i.regulator_id = $1
              AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM impact_regulations r WHERE r.impact_id = i.id AND r.regulation_id = $2))
              AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM impact_sectors s WHERE s.impact_id = i.id AND s.sector_id = $3))
            ORDER BY lower(i.label->>'en'), i.id
            """, regulatorID, regulationID, sectorID).map(Impact.init(row:))
    }

    public func impact(_ principal: Principal, id: UUID) async throws -> Impact {
        let regulatorID = try readableRegulator(principal, object: "impact")
        return try await postgres.withSession { try await loadImpact(id, regulatorID: regulatorID, session: $0) }
    }

    /// Creates (`id == nil`) or replaces an impact: regulations the regulator is competent for,
    /// selectable (leaf) sectors.
    public func saveImpact(_ principal: Principal, id: UUID?, _ input: ImpactInput, client: ClientInfo) async throws -> Impact {
        let regulatorID = try writableRegulator(principal, object: id == nil ? nil : "impact")
        var validator = Validator()
        let label = validator.languageMap(input.label, "label", required: true, maximumLength: 1000)
        let headline = validator.languageMap(input.headline, "headline", required: false, maximumLength: 255)
        let regulationIDs = validator.distinct(input.regulationIDs, "regulation_ids")
        let sectorIDs = validator.distinct(input.sectorIDs, "sector_ids")
        validator.check(!regulationIDs.isEmpty, "regulation_ids", "required", "Name at least one regulation.")
        try validator.throwIfInvalid()
        let impactID = id ?? UUID()
        return try await postgres.withTransaction { session in
            try await Self.checkRegulations(regulationIDs, regulatorID: regulatorID, field: "regulation_ids", session: session)
            try await Self.checkSectors(sectorIDs, field: "sector_ids", session: session)
            if id == nil {
                try await session.query("INSERT INTO impacts (id, regulator_id, label, headline) VALUES ($1, $2, $3::jsonb, $4::jsonb)",
                                        impactID, regulatorID, label.json, headline.json)
            } else {
                guard try await session.query("""
                    UPDATE impacts SET label = $3::jsonb, headline = $4::jsonb, updated_at = now() WHERE id = $1 AND regulator_id = $2 RETURNING id
                    """, impactID, regulatorID, label.json, headline.json).count == 1 else { throw DomainError.notFound("No such impact.") }
                try await session.query("DELETE FROM impact_regulations WHERE impact_id = $1", impactID)
                try await session.query("DELETE FROM impact_sectors WHERE impact_id = $1", impactID)
            }
            try await session.query("INSERT INTO impact_regulations (impact_id, regulation_id) SELECT $1, unnest($2::uuid[])", impactID,
                                    regulationIDs)
            try await session.query("INSERT INTO impact_sectors (impact_id, sector_id) SELECT $1, unnest($2::uuid[])", impactID, sectorIDs)
            try await audit("impact.\(id == nil ? "created" : "updated")", principal, objectType: "impact", objectID: impactID,
                            regulatorID: regulatorID, client: client, in: session)
            return try await loadImpact(impactID, regulatorID: regulatorID, session: session)
        }
    }

    public func deleteImpact(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await deleteOwned(principal, table: "impacts", objectType: "impact", noun: "impact", id: id,
                              inUse: "The impact was ticked in submitted reports; it stays for them.", client: client)
    }

    private func loadImpact(_ id: UUID, regulatorID: UUID, session: PostgresSession) async throws -> Impact {
        guard let row = try await session.query("SELECT \(Impact.columns) FROM impacts i WHERE i.id = $1 AND i.regulator_id = $2",
                                                id, regulatorID).first else { throw DomainError.notFound("No such impact.") }
        return try Impact(row: row)
    }

    /// - Throws: 422 on `field` unless every regulation exists and the regulator is competent for it.
    static func checkRegulations(_ ids: [UUID], regulatorID: UUID, field: String, session: PostgresSession) async throws {
        let competent = try await session.query("""
            SELECT regulation_id FROM regulation_regulators WHERE regulation_id = ANY($1::uuid[]) AND regulator_id = $2
            """, ids, regulatorID).count
        guard competent == ids.count else {
            throw DomainError.validation([FieldError(field: field, code: "not_competent",
                                                     message: "Name regulations your regulator is competent for.")])
        }
    }

    /// - Throws: 422 on `field` unless every sector exists and is selectable (has no sub-sectors).
    static func checkSectors(_ ids: [UUID], field: String, session: PostgresSession) async throws {
        guard try await Sector.areSelectable(ids, session: session) else {
            throw DomainError.validation([FieldError(field: field, code: "not_selectable", message: Sector.notSelectableMessage)])
        }
    }

    // MARK: Question categories

    public func questionCategories(_ principal: Principal) async throws -> [QuestionCategory] {
        let regulatorID = try readableRegulator(principal)
        return try await postgres.query("""
            SELECT \(QuestionCategory.columns) FROM question_categories c WHERE c.regulator_id = $1 ORDER BY lower(c.label->>'en'), c.id
            """, regulatorID).map(QuestionCategory.init(row:))
    }

    public func questionCategory(_ principal: Principal, id: UUID) async throws -> QuestionCategory {
        let regulatorID = try readableRegulator(principal, object: "question category")
        guard let row = try await postgres.query("SELECT \(QuestionCategory.columns) FROM question_categories c WHERE c.id = $1 AND c.regulator_id = $2",
                                                 id, regulatorID).first else { throw DomainError.notFound("No such question category.") }
        return try QuestionCategory(row: row)
    }

    public func saveQuestionCategory(_ principal: Principal, id: UUID?, label: LanguageMap, client: ClientInfo) async throws -> QuestionCategory {
        let regulatorID = try writableRegulator(principal, object: id == nil ? nil : "question category")
        var validator = Validator()
        let label = validator.languageMap(label, "label", required: true, maximumLength: 255)
        try validator.throwIfInvalid()
        let categoryID = id ?? UUID()
        return try await postgres.withTransaction { session in
            let rows = if id == nil {
                try await session.query("""
                    INSERT INTO question_categories (id, regulator_id, label) VALUES ($1, $2, $3::jsonb) RETURNING \(QuestionCategory.columns.replacingOccurrences(of: "c.", with: ""))
                    """, categoryID, regulatorID, label.json)
            } else {
                try await session.query("""
                    UPDATE question_categories c SET label = $3::jsonb, updated_at = now() WHERE c.id = $1 AND c.regulator_id = $2 RETURNING \(QuestionCategory.columns)
                    """, categoryID, regulatorID, label.json)
            }
            guard let row = rows.first else { throw DomainError.notFound("No such question category.") }
            try await audit("question_category.\(id == nil ? "created" : "updated")", principal, objectType: "question_category",
                            objectID: categoryID, regulatorID: regulatorID, client: client, in: session)
            return try QuestionCategory(row: row)
        }
    }

    public func deleteQuestionCategory(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await deleteOwned(principal, table: "question_categories", objectType: "question_category", noun: "question category", id: id,
                              inUse: "The category is used in a report type's questionnaire; take it out there first.", client: client)
    }
}
