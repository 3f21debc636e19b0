import Foundation
import Pooling
import Postgres

/// Standards and their content. Regulator administrators write their own regulator's; its staff
/// read them; operators' members read the standards they may declare against (those with
/// objectives, of regulators with the module). A standard any declaration uses is locked: its
/// content and texts stay as declared against (409), and a new version is a copy.
public struct StandardCatalogue: Sendable {
    let postgres: PostgresClient
    /// Sheets are written and parsed (CSV, XLSX: inflating and XML) on these threads, never on
    /// the async ones.
    let files: BlockingWorkPool

    public init(postgres: PostgresClient, files: BlockingWorkPool) {
        self.postgres = postgres
        self.files = files
    }

    /// The standards the caller sees: their regulator's (staff), or the declarable ones (operators).
    public func standards(_ principal: Principal) async throws -> [Standard] {
        try await postgres.withSession { session in
            let caller = try await SecurityObjectivesGate.caller(principal, write: false, session: session)
            let (condition, bindings) = Self.visibility(caller)
            return try await session.query("""
                SELECT \(Standard.columns) FROM standards s JOIN regulators g ON g.id = s.regulator_id
                WHERE 'securityObjectives' = ANY(g.modules) AND \(condition)
                ORDER BY lower(s.label->>'en'), s.id
                """, bindings: bindings).map(Standard.init(row:))
        }
    }

    public func standard(_ principal: Principal, id: UUID) async throws -> Standard {
        try await postgres.withSession { session in
            let caller = try await SecurityObjectivesGate.caller(principal, write: false, session: session)
            return try await Self.visible(id, caller, session: session)
        }
    }

    public func tree(_ principal: Principal, id: UUID) async throws -> StandardTree {
        try await postgres.withSession { session in
            let caller = try await SecurityObjectivesGate.caller(principal, write: false, session: session)
            return try await StandardTree.load(try await Self.visible(id, caller, session: session), session: session)
        }
    }

    /// Creates (`id == nil`) or rewrites a standard's description. A locked standard keeps its
    /// regulation and texts (409 when they differ) and changes only its e-mail templates.
    public func save(_ principal: Principal, id: UUID?, _ input: StandardInput, client: ClientInfo) async throws -> Standard {
        var validator = Validator()
        let label = validator.languageMap(input.label, "label", required: true, maximumLength: 255)
        let description = validator.languageMap(input.description, "description", required: false, maximumLength: 10000)
        let standard = try await postgres.withTransaction { session in
            let regulatorID = try await Self.administeredRegulator(principal, id: id, session: session)
            try validator.throwIfInvalid()
            try await IncidentConfiguration.checkRegulations([input.regulationID], regulatorID: regulatorID, field: "regulation_id", session: session)
            for (field, templateID, event) in [("submission_template_id", input.submissionTemplateID, EmailEvent.declarationSubmission),
                                               ("review_template_id", input.reviewTemplateID, .declarationReview)] {
                guard let templateID else { continue }
                guard try await session.query("SELECT 1 FROM incident_email_templates WHERE id = $1 AND regulator_id = $2 AND event = $3",
                                              templateID, regulatorID, event.rawValue).count == 1 else {
                    throw DomainError.validation([FieldError(field: field, code: "invalid",
                                                             message: "Name one of your regulator's \(event.rawValue) e-mail templates.")])
                }
            }
            let standardID = id ?? UUID()
            if id == nil {
                try await session.query("""
                    INSERT INTO standards (id, regulator_id, regulation_id, label, description, submission_template_id, review_template_id)
                    VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7)
                    """, standardID, regulatorID, input.regulationID, label.json, description.json, input.submissionTemplateID,
                                        input.reviewTemplateID)
            } else {
                let current = try await Self.load(standardID, regulatorID: regulatorID, lock: true, session: session)
                if current.isLocked, input.regulationID != current.regulationID || label != current.label || description != current.description {
                    throw DomainError.conflict(Self.lockedMessage(current))
                }
                try await session.query("""
                    UPDATE standards SET regulation_id = $2, label = $3::jsonb, description = $4::jsonb, submission_template_id = $5,
                        review_template_id = $6, updated_at = now()
                    WHERE id = $1
                    """, standardID, input.regulationID, label.json, description.json, input.submissionTemplateID, input.reviewTemplateID)
            }
            try await Self.audit("standard.\(id == nil ? "created" : "updated")", principal, standardID: standardID, regulatorID: regulatorID,
                                 client: client, session: session)
            return try await Self.load(standardID, regulatorID: regulatorID, lock: false, session: session)
        }
        return standard
    }

    /// Deletes a standard no declaration uses, with its content.
    public func delete(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await postgres.withTransaction { session in
            let regulatorID = try await Self.administeredRegulator(principal, id: id, session: session)
            let standard = try await Self.load(id, regulatorID: regulatorID, lock: true, session: session)
            guard !standard.isLocked else { throw DomainError.conflict(Self.lockedMessage(standard)) }
            try await session.query("DELETE FROM standards WHERE id = $1", id)
            try await Self.audit("standard.deleted", principal, standardID: id, regulatorID: regulatorID, client: client, session: session)
        }
    }

    /// Replaces the whole content of a standard no declaration uses. Levels keep their id by
    /// number, domains by position, objectives by code, measures by objective, level and
    /// position; the rest is new.
    public func replaceContent(_ principal: Principal, id: UUID, _ content: StandardContent, client: ClientInfo) async throws -> StandardTree {
        try await postgres.withTransaction { session in
            let regulatorID = try await Self.administeredRegulator(principal, id: id, session: session)
            let standard = try await Self.load(id, regulatorID: regulatorID, lock: true, session: session)
            guard !standard.isLocked else { throw DomainError.conflict(Self.lockedMessage(standard)) }
            let clean = try content.validated()
            try await Self.write(clean, into: id, keeping: try await StandardTree.load(standard, session: session), session: session)
            try await session.query("UPDATE standards SET updated_at = now() WHERE id = $1", id)
            try await Self.audit("standard.content_replaced", principal, standardID: id, regulatorID: regulatorID, client: client,
                                 session: session)
            return try await StandardTree.load(try await Self.load(id, regulatorID: regulatorID, lock: false, session: session), session: session)
        }
    }

    /// A new version of a standard: its description, templates and whole content under new ids,
    /// unlocked, pointing back to the original.
    public func copy(_ principal: Principal, id: UUID, client: ClientInfo) async throws -> Standard {
        try await postgres.withTransaction { session in
            let regulatorID = try await Self.administeredRegulator(principal, id: id, session: session)
            let original = try await StandardTree.load(try await Self.load(id, regulatorID: regulatorID, lock: false, session: session),
                                                       session: session)
            let copyID = UUID()
            try await session.query("""
                INSERT INTO standards (id, regulator_id, regulation_id, label, description, submission_template_id, review_template_id, copied_from_id)
                SELECT $1, regulator_id, regulation_id, label, description, submission_template_id, review_template_id, id FROM standards WHERE id = $2
                """, copyID, id)
            try await Self.write(StandardContent(original), into: copyID, keeping: nil, session: session)
            try await Self.audit("standard.copied", principal, standardID: copyID, regulatorID: regulatorID, client: client, session: session,
                                 details: "{\"copied_from\": \"\(id.postgresText)\"}")
            return try await Self.load(copyID, regulatorID: regulatorID, lock: false, session: session)
        }
    }

    // MARK: Shared

    static func lockedMessage(_ standard: Standard) -> String {
        "\(standard.declarationCount) declaration(s) use this standard, so its content and texts stay as they were declared against; "
            + "copy it (POST /api/v1/standards/{id}/copy) to make a new version."
    }

    /// The caller's regulator, which must own standard `id` (when given) and be administered by
    /// the caller.
    ///
    /// - Throws: 404 when the caller does not see the standard (or the module); 403 when they see
    ///   it but do not administer its regulator.
    static func administeredRegulator(_ principal: Principal, id: UUID?, session: PostgresSession) async throws -> UUID {
        let caller = try await SecurityObjectivesGate.caller(principal, write: true, session: session)
        if let id { _ = try await visible(id, caller, session: session) }
        guard case .regulator(let regulatorID, true, _) = caller else {
            throw DomainError.forbidden("Only the administrators of the standard's regulator change standards.")
        }
        return regulatorID
    }

    /// The condition (over `standards s`) and bindings of the standards `caller` sees.
    static func visibility(_ caller: SecurityObjectivesGate.Caller) -> (String, [(any PostgresEncodable)?]) {
        switch caller {
        case .regulator(let id, _, _):
            return ("s.regulator_id = $1", [id])
        case .operatorMember:
            return ("EXISTS (SELECT 1 FROM security_objectives o WHERE o.standard_id = s.id)", [])
        }
    }

    /// Standard `id` if `caller` sees it, else 404.
    static func visible(_ id: UUID, _ caller: SecurityObjectivesGate.Caller, session: PostgresSession) async throws -> Standard {
        let (condition, bindings) = visibility(caller)
        let placeholder = "$\(bindings.count + 1)"
        guard let row = try await session.query("""
            SELECT \(Standard.columns) FROM standards s JOIN regulators g ON g.id = s.regulator_id
            WHERE 'securityObjectives' = ANY(g.modules) AND \(condition) AND s.id = \(placeholder)
            """, bindings: bindings + [id]).first else { throw DomainError.notFound("No such standard.") }
        return try Standard(row: row)
    }

    static func load(_ id: UUID, regulatorID: UUID, lock: Bool, session: PostgresSession) async throws -> Standard {
        if lock {
            guard try await session.query("SELECT 1 FROM standards WHERE id = $1 AND regulator_id = $2 FOR UPDATE", id, regulatorID).count == 1 else {
                throw DomainError.notFound("No such standard.")
            }
        }
        guard let row = try await session.query("SELECT \(Standard.columns) FROM standards s WHERE s.id = $1 AND s.regulator_id = $2",
                                                id, regulatorID).first else { throw DomainError.notFound("No such standard.") }
        return try Standard(row: row)
    }

    /// Writes validated `content` as the content of `standardID`, reusing the ids of `existing`
    /// where the natural identity matches.
    static func write(_ content: StandardContent, into standardID: UUID, keeping existing: StandardTree?, session: PostgresSession) async throws {
        let levelIDs = Dictionary(uniqueKeysWithValues: (existing?.levels ?? []).map { ($0.level, $0.id) })
        let domainIDs = Dictionary(uniqueKeysWithValues: (existing?.domains ?? []).map { ($0.position, $0.id) })
        let objectives = existing?.objectives ?? []
        let objectiveIDs = Dictionary(uniqueKeysWithValues: objectives.map { ($0.code.lowercased(), $0.id) })
        let measureIDs = Dictionary(uniqueKeysWithValues: objectives.flatMap { objective in
            objective.measures.map { ("\(objective.code.lowercased())|\($0.level)|\($0.position)", $0.id) }
        })
        try await session.query("DELETE FROM security_domains WHERE standard_id = $1", standardID)
        try await session.query("DELETE FROM maturity_levels WHERE standard_id = $1", standardID)
        var levelRows: [(UUID, Int)] = []
        for level in content.levels {
            let id = levelIDs[level.level] ?? UUID()
            levelRows.append((id, level.level))
            try await session.query("INSERT INTO maturity_levels (id, standard_id, level, label, color) VALUES ($1, $2, $3, $4::jsonb, $5)",
                                    id, standardID, level.level, level.label.json, level.color ?? "#FFFFFF")
        }
        let levelByNumber = Dictionary(uniqueKeysWithValues: levelRows.map { ($0.1, $0.0) })
        var objectivePosition = 0
        for (domainPosition, domain) in content.domains.enumerated() {
            let domainID = domainIDs[domainPosition] ?? UUID()
            try await session.query("INSERT INTO security_domains (id, standard_id, position, label) VALUES ($1, $2, $3, $4::jsonb)",
                                    domainID, standardID, domainPosition, domain.label.json)
            for objective in domain.objectives {
                let objectiveID = objectiveIDs[objective.code.lowercased()] ?? UUID()
                try await session.query("""
                    INSERT INTO security_objectives (id, standard_id, domain_id, code, title, description, position, priority)
                    VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8)
                    """, objectiveID, standardID, domainID, objective.code, objective.title.json,
                                        (objective.description ?? LanguageMap([:])).json, objectivePosition, objective.priority ?? 0)
                objectivePosition += 1
                var positions: [Int: Int] = [:]
                var ids: [UUID] = [], levels: [UUID] = [], orders: [Int] = [], descriptions: [String] = [], evidences: [String] = []
                for measure in objective.measures {
                    let position = positions[measure.level, default: 0]
                    positions[measure.level] = position + 1
                    ids.append(measureIDs["\(objective.code.lowercased())|\(measure.level)|\(position)"] ?? UUID())
                    levels.append(levelByNumber[measure.level]!)
                    orders.append(position)
                    descriptions.append(measure.description.json)
                    evidences.append((measure.evidence ?? LanguageMap([:])).json)
                }
                guard !ids.isEmpty else { continue }
                try await session.query("""
                    INSERT INTO security_measures (id, standard_id, objective_id, maturity_level_id, position, description, evidence)
                    SELECT m.id, $2, $3, m.level, m.position, m.description::jsonb, m.evidence::jsonb
                    FROM unnest($1::uuid[], $4::uuid[], $5::int[], $6::text[], $7::text[]) AS m(id, level, position, description, evidence)
                    """, ids, standardID, objectiveID, levels, orders, descriptions, evidences)
            }
        }
    }

    static func audit(_ action: String, _ principal: Principal, standardID: UUID, regulatorID: UUID, client: ClientInfo,
                      session: PostgresSession, details: String = "{}") async throws {
        try await AuditLog.record(AuditEvent(action, by: principal, objectType: "standard", objectID: standardID,
                                             organisation: .regulator(regulatorID), client: client, details: details), in: session)
    }
}
