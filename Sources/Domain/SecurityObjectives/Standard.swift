import Foundation
import Postgres

/// A regulator's security standard: the framework operators declare against (maturity levels,
/// ordered domains, objectives, and the measures of each objective per level).
public struct Standard: Sendable, Equatable {
    public let id: UUID
    public let regulatorID: UUID
    public var regulationID: UUID
    public var label: LanguageMap
    public var description: LanguageMap
    public var submissionTemplateID: UUID?
    public var reviewTemplateID: UUID?
    /// The standard this one is a new version of.
    public var copiedFromID: UUID?
    public var objectiveCount: Int
    public var declarationCount: Int
    public var createdAt: Date
    public var updatedAt: Date

    /// A standard any declaration uses keeps its content: a new version is a copy.
    public var isLocked: Bool { declarationCount > 0 }

    static let columns = """
        s.id, s.regulator_id, s.regulation_id, s.label::text AS label, s.description::text AS description, s.submission_template_id,
        s.review_template_id, s.copied_from_id, s.created_at, s.updated_at,
        (SELECT count(*)::int FROM security_objectives o WHERE o.standard_id = s.id) AS objective_count,
        (SELECT count(*)::int FROM declaration_groups g WHERE g.standard_id = s.id) AS declaration_count
        """

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        regulatorID = try row.decode("regulator_id")
        regulationID = try row.decode("regulation_id")
        label = try LanguageMap.parse(try row.decode("label"))
        description = try LanguageMap.parse(try row.decode("description"))
        submissionTemplateID = try row.decode("submission_template_id")
        reviewTemplateID = try row.decode("review_template_id")
        copiedFromID = try row.decode("copied_from_id")
        objectiveCount = try row.decode("objective_count")
        declarationCount = try row.decode("declaration_count")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}

/// A standard's whole content in order, with its levels and colours: what a declaration, its
/// PDF and the reporting module are drawn from.
public struct StandardTree: Sendable, Equatable {
    public struct Level: Sendable, Equatable {
        public let id: UUID
        public var level: Int
        public var label: LanguageMap
        public var color: String
    }

    public struct Measure: Sendable, Equatable {
        public let id: UUID
        public var level: Int
        public var position: Int
        public var description: LanguageMap
        public var evidence: LanguageMap
    }

    public struct Objective: Sendable, Equatable {
        public let id: UUID
        public var code: String
        public var title: LanguageMap
        public var description: LanguageMap
        public var position: Int
        public var priority: Int
        /// By level, then position.
        public var measures: [Measure]
    }

    public struct Domain: Sendable, Equatable {
        public let id: UUID
        public var position: Int
        public var label: LanguageMap
        public var objectives: [Objective]
    }

    public var standard: Standard
    /// By level.
    public var levels: [Level]
    /// By position; objectives within each by position.
    public var domains: [Domain]

    /// The highest level: the denominator a score is shown against.
    public var maximumLevel: Int { levels.map(\.level).max() ?? 0 }

    /// Every objective, in the standard's order.
    public var objectives: [Objective] { domains.flatMap(\.objectives).sorted { $0.position < $1.position } }

    /// Loads the tree of `standard`.
    static func load(_ standard: Standard, session: PostgresSession) async throws -> StandardTree {
        let levels = try await session.query("""
            SELECT id, level, label::text AS label, color FROM maturity_levels WHERE standard_id = $1 ORDER BY level
            """, standard.id).map { row in
            Level(id: try row.decode("id"), level: try row.decode("level"), label: try LanguageMap.parse(try row.decode("label")),
                  color: try row.decode("color"))
        }
        var measures: [UUID: [Measure]] = [:]
        for row in try await session.query("""
            SELECT m.id, m.objective_id, l.level, m.position, m.description::text AS description, m.evidence::text AS evidence
            FROM security_measures m JOIN maturity_levels l ON l.id = m.maturity_level_id
            WHERE m.standard_id = $1 ORDER BY l.level, m.position
            """, standard.id) {
            measures[try row.decode("objective_id"), default: []].append(Measure(
                id: try row.decode("id"), level: try row.decode("level"), position: try row.decode("position"),
                description: try LanguageMap.parse(try row.decode("description")), evidence: try LanguageMap.parse(try row.decode("evidence"))))
        }
        var objectives: [UUID: [Objective]] = [:]
        for row in try await session.query("""
            SELECT id, domain_id, code, title::text AS title, description::text AS description, position, priority
            FROM security_objectives WHERE standard_id = $1 ORDER BY position
            """, standard.id) {
            let id: UUID = try row.decode("id")
            objectives[try row.decode("domain_id"), default: []].append(Objective(
                id: id, code: try row.decode("code"), title: try LanguageMap.parse(try row.decode("title")),
                description: try LanguageMap.parse(try row.decode("description")), position: try row.decode("position"),
                priority: try row.decode("priority"), measures: measures[id] ?? []))
        }
        let domains = try await session.query("""
            SELECT id, position, label::text AS label FROM security_domains WHERE standard_id = $1 ORDER BY position
            """, standard.id).map { row in
            let id: UUID = try row.decode("id")
            return Domain(id: id, position: try row.decode("position"), label: try LanguageMap.parse(try row.decode("label")),
                          objectives: objectives[id] ?? [])
        }
        return StandardTree(standard: standard, levels: levels, domains: domains)
    }
}

/// A standard's whole description: regulation, texts, and the e-mail templates of its events
/// (none: no e-mail for that event).
public struct StandardInput: Sendable {
    public var regulationID: UUID
    public var label: LanguageMap
    public var description: LanguageMap
    public var submissionTemplateID: UUID?
    public var reviewTemplateID: UUID?

    public init(regulationID: UUID, label: LanguageMap, description: LanguageMap = LanguageMap([:]), submissionTemplateID: UUID? = nil,
                reviewTemplateID: UUID? = nil) {
        self.regulationID = regulationID
        self.label = label
        self.description = description
        self.submissionTemplateID = submissionTemplateID
        self.reviewTemplateID = reviewTemplateID
    }
}

/// A standard's whole content as written: positions come from the order of the lists, so an
/// edit is a reorder or a rewrite of one document, checked as a whole.
public struct StandardContent: Sendable {
    public struct Level: Sendable {
        public var level: Int
        public var label: LanguageMap
        public var color: String?

        public init(level: Int, label: LanguageMap, color: String? = nil) {
            self.level = level
            self.label = label
            self.color = color
        }
    }

    public struct Measure: Sendable {
        public var level: Int
        public var description: LanguageMap
        public var evidence: LanguageMap?

        public init(level: Int, description: LanguageMap, evidence: LanguageMap? = nil) {
            self.level = level
            self.description = description
            self.evidence = evidence
        }
    }

    public struct Objective: Sendable {
        public var code: String
        public var title: LanguageMap
        public var description: LanguageMap?
        public var priority: Int?
        public var measures: [Measure]

        public init(code: String, title: LanguageMap, description: LanguageMap? = nil, priority: Int? = nil, measures: [Measure] = []) {
            self.code = code
            self.title = title
            self.description = description
            self.priority = priority
            self.measures = measures
        }
    }

    public struct Domain: Sendable {
        public var label: LanguageMap
        public var objectives: [Objective]

        public init(label: LanguageMap, objectives: [Objective]) {
            self.label = label
            self.objectives = objectives
        }
    }

    public var levels: [Level]
    public var domains: [Domain]

    public init(levels: [Level], domains: [Domain]) {
        self.levels = levels
        self.domains = domains
    }

    /// The content as a tree's, for copies and exports.
    init(_ tree: StandardTree) {
        levels = tree.levels.map { Level(level: $0.level, label: $0.label, color: $0.color) }
        domains = tree.domains.map { domain in
            Domain(label: domain.label, objectives: domain.objectives.map { objective in
                Objective(code: objective.code, title: objective.title, description: objective.description, priority: objective.priority,
                          measures: objective.measures.map { Measure(level: $0.level, description: $0.description, evidence: $0.evidence) })
            })
        }
    }

    static let maximumLevels = 10, maximumDomains = 100, maximumObjectives = 1000, maximumMeasures = 100

    /// Whether `text` is a `#RGB` or `#RRGGBB` colour.
    static func isColor(_ text: String) -> Bool {
        guard text.first == "#", text.count == 4 || text.count == 7 else { return false }
        return text.dropFirst().allSatisfy(\.isHexDigit)
    }

    /// The content cleaned, or every problem named by its place (`domains[1].objectives[0].code`).
    func validated() throws -> StandardContent {
        var validator = Validator()
        var clean = self
        validator.check(!levels.isEmpty, "levels", "required", "Give the standard at least one maturity level.")
        validator.check(levels.count <= Self.maximumLevels, "levels", "too_many", "A standard has at most \(Self.maximumLevels) levels.")
        var seenLevels = Set<Int>()
        for (index, level) in levels.enumerated() {
            let field = "levels[\(index)]"
            validator.check((0...20).contains(level.level), "\(field).level", "out_of_range", "A level is between 0 and 20.")
            validator.check(seenLevels.insert(level.level).inserted, "\(field).level", "duplicate", "Each level appears once.")
            clean.levels[index].label = validator.languageMap(level.label, "\(field).label", required: true, maximumLength: 255)
            let color = level.color.map(TextRules.trimmed) ?? "#FFFFFF"
            validator.check(Self.isColor(color), "\(field).color", "invalid", "A colour is #RGB or #RRGGBB, e.g. #ed2939.")
            clean.levels[index].color = color.uppercased()
        }
        validator.check(domains.count <= Self.maximumDomains, "domains", "too_many", "A standard has at most \(Self.maximumDomains) domains.")
        let objectiveCount = domains.reduce(0) { $0 + $1.objectives.count }
        validator.check(objectiveCount <= Self.maximumObjectives, "domains", "too_many",
                        "A standard has at most \(Self.maximumObjectives) objectives.")
        var codes = Set<String>()
        for (d, domain) in domains.enumerated() {
            clean.domains[d].label = validator.languageMap(domain.label, "domains[\(d)].label", required: true, maximumLength: 255)
            for (o, objective) in domain.objectives.enumerated() {
                let field = "domains[\(d)].objectives[\(o)]"
                let code = TextRules.trimmed(objective.code)
                validator.check(!code.isEmpty, "\(field).code", "required", "Every objective has a code, e.g. SO1.")
                validator.check(code.count <= 32, "\(field).code", "too_long", "A code has at most 32 characters.")
                validator.check(code.isEmpty || codes.insert(code.lowercased()).inserted, "\(field).code", "duplicate",
                                "Codes are unique within a standard.")
                clean.domains[d].objectives[o].code = code
                clean.domains[d].objectives[o].title = validator.languageMap(objective.title, "\(field).title", required: true, maximumLength: 255)
                clean.domains[d].objectives[o].description = validator.languageMap(objective.description, "\(field).description",
                                                                                   required: false, maximumLength: 10000)
                validator.check((objective.priority ?? 0) >= 0 && (objective.priority ?? 0) <= 1000, "\(field).priority", "out_of_range",
                                "A priority is between 0 and 1000.")
                validator.check(objective.measures.count <= Self.maximumMeasures, "\(field).measures", "too_many",
                                "An objective has at most \(Self.maximumMeasures) measures.")
                for (m, measure) in objective.measures.enumerated() {
                    let measureField = "\(field).measures[\(m)]"
                    validator.check(seenLevels.contains(measure.level), "\(measureField).level", "unknown_level",
                                    "Use one of the standard's levels.")
                    clean.domains[d].objectives[o].measures[m].description = validator.languageMap(
                        measure.description, "\(measureField).description", required: true, maximumLength: 10000)
                    clean.domains[d].objectives[o].measures[m].evidence = validator.languageMap(
                        measure.evidence, "\(measureField).evidence", required: false, maximumLength: 10000)
                }
            }
        }
        try validator.throwIfInvalid()
        return clean
    }
}
