import Foundation
import Postgres

/// A regulator's set of yearly reports: one per selected operator and sector (and language),
/// for a standard, a reference year and the years it is compared with.
public struct ReportingProject: Sendable, Equatable {
    public var id: UUID
    public var name: String
    public var standardID: UUID
    public var standardLabel: LanguageMap
    public var referenceYear: Int
    public var comparisonYears: [Int]
    public var sectorIDs: [UUID]
    public var topRanking: Int
    public var highRiskThreshold: Int
    public var languages: [Language]
    public var authorID: UUID?
    public var authorName: String
    public var copiedFromID: UUID?
    public var selectedCount: Int
    public var createdAt: Date
    public var updatedAt: Date
    /// The list's order: `updated_at` to the microsecond, as text.
    var sortKey: String
}

/// The settings of a project; on a change, nil keeps a setting as it is (the standard never
/// changes).
public struct ReportingProjectInput: Sendable {
    public var name: String?
    public var standardID: UUID?
    public var referenceYear: Int?
    public var comparisonYears: [Int]?
    public var sectorIDs: [UUID]?
    public var topRanking: Int?
    public var highRiskThreshold: Int?
    public var languages: [String]?

    public init(name: String? = nil, standardID: UUID? = nil, referenceYear: Int? = nil, comparisonYears: [Int]? = nil, sectorIDs: [UUID]? = nil,
                topRanking: Int? = nil, highRiskThreshold: Int? = nil, languages: [String]? = nil) {
        self.name = name
        self.standardID = standardID
        self.referenceYear = referenceYear
        self.comparisonYears = comparisonYears
        self.sectorIDs = sectorIDs
        self.topRanking = topRanking
        self.highRiskThreshold = highRiskThreshold
        self.languages = languages
    }
}

/// One row of a project's selection matrix: an operator's sector in one of the project's years,
/// with what the report would find for it.
public struct ProjectEntry: Sendable, Equatable {
    public var operatorID: UUID
    public var operatorName: String
    public var sectorID: UUID
    public var sectorName: LanguageMap
    public var year: Int
    public var selected: Bool
    /// A passed declaration against the project's standard for that sector and year.
    public var hasSecurityObjectives: Bool
    /// An imported risk analysis (with services) of the project's regulator.
    public var hasRiskAnalysis: Bool

    var key: DeclarationCoverage.Key { .init(operatorID: operatorID, sectorID: sectorID, year: year) }

    /// Orders the matrix: operator name, sector name, newest year first.
    var sortKey: String {
        "\(operatorName.lowercased())\u{1}\(operatorID.postgresText)\u{1}\(sectorName.text(in: .en).lowercased())\u{1}\(sectorID.postgresText)\u{1}"
            + String(format: "%04d", 9999 - year)
    }
}

/// A page of the matrix, and whether every row the filter matches is selected.
public struct ProjectEntryPage: Sendable {
    public var items: [ProjectEntry]
    public var nextCursor: String?
    public var allSelected: Bool
    public var total: Int
}

/// Which matrix rows a list or a bulk change covers.
public struct ProjectEntryFilter: Sendable {
    public var sectorID: UUID?
    public var year: Int?
    /// Part of the operator's name.
    public var search: String?
    public var selected: Bool?

    public init(sectorID: UUID? = nil, year: Int? = nil, search: String? = nil, selected: Bool? = nil) {
        self.sectorID = sectorID
        self.year = year
        self.search = search
        self.selected = selected
    }
}

/// Report projects and their selection matrix. Regulator administrators see their regulator's
/// projects; regulator users those with one of their sectors, and in the matrix only the rows of
/// their sectors. Whoever sees a project may change it.
public struct ReportingProjects: Sendable {
    let postgres: PostgresClient
    let now: @Sendable () -> Date
    static let maximumSectors = 50
    static let maximumComparisonYears = 20
    static let maximumEntries = 500

    // MARK: Projects

    public func list(_ principal: Principal, referenceYear: Int?, sectorID: UUID?, standardID: UUID?, search: String?, limit: Int,
                     cursor: String?) async throws -> Page<ReportingProject> {
        try PageCursor.check(limit: limit)
        let position = try PageCursor.decode(cursor)
        return try await postgres.withSession { session in
            let caller = try await ReportingGate.caller(principal, write: false, session: session)
            var (conditions, bindings) = Self.visibility(caller)
            if let referenceYear {
                bindings.append(referenceYear)
                conditions.append("p.reference_year = $\(bindings.count)")
            }
            if let sectorID {
                bindings.append(sectorID)
                conditions.append("EXISTS (SELECT 1 FROM reporting_project_sectors ps WHERE ps.project_id = p.id AND ps.sector_id = $\(bindings.count))")
            }
            if let standardID {
                bindings.append(standardID)
                conditions.append("p.standard_id = $\(bindings.count)")
            }
            if let pattern = Queries.containing(search.map(TextRules.trimmed).flatMap { $0.isEmpty ? nil : $0 }) {
                bindings.append(pattern)
                conditions.append("(p.name ILIKE $\(bindings.count) OR p.author_name ILIKE $\(bindings.count))")
            }
            if let (key, id) = position {
                bindings.append(key)
                bindings.append(id)
                conditions.append("(p.updated_at, p.id) < (($\(bindings.count - 1) || 'Z')::timestamptz, $\(bindings.count))")
            }
            bindings.append(limit + 1)
            let projects = try await Self.projects(where: conditions.joined(separator: " AND "), bindings: bindings,
                                                   limit: "$\(bindings.count)", session: session)
            return Page(fetched: projects.map { ($0, $0.sortKey, $0.id) }, limit: limit)
        }
    }

    public func project(_ principal: Principal, id: UUID) async throws -> ReportingProject {
        try await postgres.withSession { session in
            let caller = try await ReportingGate.caller(principal, write: false, session: session)
            return try await Self.visible(id, caller, session: session)
        }
    }

    /// - Throws: 422 naming each faulty setting (the standard must be the caller's regulator's,
    ///   the sectors within the caller's, comparison years before the reference year).
    public func create(_ principal: Principal, _ input: ReportingProjectInput, client: ClientInfo) async throws -> ReportingProject {
        try await postgres.withTransaction { session in
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            let settings = try await checked(input, caller: caller, existing: nil, session: session)
            let id = UUID()
            try await session.query("""
                INSERT INTO reporting_projects (id, regulator_id, author_id, author_name, name, standard_id, reference_year, comparison_years,
                                                top_ranking, high_risk_threshold, languages)
                VALUES ($1, $2, $3, (SELECT trim(first_name || ' ' || last_name) FROM users WHERE id = $3), $4, $5, $6, $7, $8, $9, $10)
                """, bindings: [id, caller.regulatorID, principal.userID, settings.name, settings.standardID, settings.referenceYear,
                                settings.comparisonYears, settings.topRanking, settings.highRiskThreshold, settings.languages])
            try await session.query("INSERT INTO reporting_project_sectors (project_id, sector_id) SELECT $1, unnest($2::uuid[])", id, settings.sectorIDs)
            try await Self.audit("reporting_project.created", principal, caller, id, client, session)
            return try await Self.visible(id, caller, session: session)
        }
    }

    /// Changes the settings given; rows chosen for years or sectors the project no longer has
    /// are dropped (this project's only).
    public func update(_ principal: Principal, id: UUID, _ input: ReportingProjectInput, client: ClientInfo) async throws -> ReportingProject {
        try await postgres.withTransaction { session in
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            let existing = try await Self.visible(id, caller, lock: true, session: session)
            if let standardID = input.standardID, standardID != existing.standardID {
                throw DomainError.validation([FieldError(field: "standard_id", code: "immutable", message: "A project's standard does not change.")])
            }
            let settings = try await checked(input, caller: caller, existing: existing, session: session)
            try await session.query("""
                UPDATE reporting_projects SET name = $2, reference_year = $3, comparison_years = $4, top_ranking = $5, high_risk_threshold = $6,
                                              languages = $7, updated_at = now()
                WHERE id = $1
                """, bindings: [id, settings.name, settings.referenceYear, settings.comparisonYears, settings.topRanking, settings.highRiskThreshold,
                                settings.languages])
            try await session.query("DELETE FROM reporting_project_sectors WHERE project_id = $1", id)
            try await session.query("INSERT INTO reporting_project_sectors (project_id, sector_id) SELECT $1, unnest($2::uuid[])", id, settings.sectorIDs)
            try await session.query("""
                DELETE FROM reporting_project_selections
                WHERE project_id = $1 AND (NOT sector_id = ANY($2::uuid[]) OR NOT year = ANY($3::integer[]))
                """, id, settings.sectorIDs, settings.comparisonYears + [settings.referenceYear])
            try await Self.audit("reporting_project.updated", principal, caller, id, client, session)
            return try await Self.visible(id, caller, session: session)
        }
    }

    /// A new project with the same settings under `name`, and nothing selected.
    public func copy(_ principal: Principal, id: UUID, name: String, client: ClientInfo) async throws -> ReportingProject {
        try await postgres.withTransaction { session in
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            let source = try await Self.visible(id, caller, session: session)
            var validator = Validator()
            let name = validator.text(name, "name", required: true, maximumLength: 255) ?? ""
            try validator.throwIfInvalid()
            let copyID = UUID()
            try await session.query("""
                INSERT INTO reporting_projects (id, regulator_id, author_id, author_name, name, standard_id, reference_year, comparison_years,
                                                top_ranking, high_risk_threshold, languages, copied_from_id)
                SELECT $1, regulator_id, $2, (SELECT trim(first_name || ' ' || last_name) FROM users WHERE id = $2), $3, standard_id, reference_year,
                       comparison_years, top_ranking, high_risk_threshold, languages, id
                FROM reporting_projects WHERE id = $4
                """, copyID, principal.userID, name, source.id)
            try await session.query("""
                INSERT INTO reporting_project_sectors (project_id, sector_id) SELECT $1, sector_id FROM reporting_project_sectors WHERE project_id = $2
                """, copyID, source.id)
            // Logged on the new project (the reference logged it on the source).
            try await Self.audit("reporting_project.copied", principal, caller, copyID, client, session, details: "{\"from\": \"\(source.id.postgresText)\"}")
            return try await Self.visible(copyID, caller, session: session)
        }
    }

    public func delete(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await postgres.withTransaction { session in
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            _ = try await Self.visible(id, caller, lock: true, session: session)
            guard try await !ReportGenerations.isRunning(projectID: id, session: session) else { throw DomainError.conflict("A generation of this project is under way: cancel it first.") }
            try await ReportGenerations.deleteFiles(projectID: id, session: session)
            try await session.query("DELETE FROM reporting_projects WHERE id = $1", id)
            try await Self.audit("reporting_project.deleted", principal, caller, id, client, session)
        }
    }

    /// The settings of a new or changed project, checked whole.
    func checked(_ input: ReportingProjectInput, caller: ReportingGate.Caller, existing: ReportingProject?,
                 session: PostgresSession) async throws -> (name: String, standardID: UUID, referenceYear: Int, comparisonYears: [Int], sectorIDs: [UUID],
                                                            topRanking: Int, highRiskThreshold: Int, languages: [String]) {
        let currentYear = Calendar.utc.component(.year, from: now())
        var validator = Validator()
        let name = validator.text(input.name ?? existing?.name, "name", required: true, maximumLength: 255) ?? ""
        let referenceYear = input.referenceYear ?? existing?.referenceYear ?? 0
        validator.check((RiskAnalyses.firstYear...currentYear).contains(referenceYear), "reference_year", "out_of_range",
                        "The reference year is from \(RiskAnalyses.firstYear) to \(currentYear).")
        let years = input.comparisonYears ?? existing?.comparisonYears ?? []
        validator.check(Set(years).count == years.count, "comparison_years", "duplicate", "Name each year once.")
        validator.check(years.count <= Self.maximumComparisonYears, "comparison_years", "too_many",
                        "Compare with at most \(Self.maximumComparisonYears) years.")
        validator.check(years.allSatisfy { $0 >= RiskAnalyses.firstYear && $0 < referenceYear }, "comparison_years", "out_of_range",
                        "Comparison years come before the reference year (from \(RiskAnalyses.firstYear)).")
        let topRanking = input.topRanking ?? existing?.topRanking ?? 0
        validator.check([3, 5, 10].contains(topRanking), "top_ranking", "invalid", "The ranking shows the top 3, 5 or 10.")
        let threshold = input.highRiskThreshold ?? existing?.highRiskThreshold ?? -1
        validator.check((0...1_000_000).contains(threshold), "high_risk_threshold", "out_of_range", "The high-risk threshold is 0 or more.")
        let languages = input.languages ?? existing?.languages.map(\.rawValue) ?? []
        validator.check(!languages.isEmpty && Set(languages).count == languages.count && languages.allSatisfy { Language(rawValue: $0) != nil },
                        "languages", "invalid", "Name one to four distinct languages among en, fr, nl, de.")
        var sectorIDs = validator.distinct(input.sectorIDs ?? existing?.sectorIDs ?? [], "sector_ids")
        validator.check(!sectorIDs.isEmpty, "sector_ids", "required", "Name at least one sector.")
        validator.check(sectorIDs.count <= Self.maximumSectors, "sector_ids", "too_many", "Name at most \(Self.maximumSectors) sectors.")
        let standardID = input.standardID ?? existing?.standardID
        validator.check(standardID != nil, "standard_id", "required", "Name one of your regulator's standards.")
        try validator.throwIfInvalid()
        if existing == nil, let standardID, !(try await DeclarationCoverage.isStandard(standardID, of: caller.regulatorID, session: session)) {
            throw DomainError.validation([FieldError(field: "standard_id", code: "unknown", message: "Name one of your regulator's standards.")])
        }
        if let named = input.sectorIDs {
            let known = try await session.query("SELECT count(*) AS n FROM sectors WHERE id = ANY($1::uuid[])", named).required()
                .decode("n", as: Int.self)
            guard known == sectorIDs.count, named.allSatisfy(caller.covers) else {
                throw DomainError.validation([FieldError(field: "sector_ids", code: "not_yours", message: "Name existing sectors among yours.")])
            }
            // A regulator user's change keeps the project's sectors outside their reach.
            sectorIDs += (existing?.sectorIDs ?? []).filter { !caller.covers($0) && !sectorIDs.contains($0) }
        }
        return (name, standardID!, referenceYear, years.sorted(), sectorIDs, topRanking, threshold, languages)
    }

    // MARK: The selection matrix

    /// The matrix rows the caller sees, filtered, in order (operator, sector, newest year).
    public func entries(_ principal: Principal, projectID: UUID, filter: ProjectEntryFilter, limit: Int, cursor: String?) async throws
        -> ProjectEntryPage {
        try PageCursor.check(limit: limit)
        let position = try PageCursor.decode(cursor)
        return try await postgres.withSession { session in
            let caller = try await ReportingGate.caller(principal, write: false, session: session)
            let project = try await Self.visible(projectID, caller, session: session)
            let rows = try await Self.matrix(project, caller, session: session).filter { Self.matches($0, filter) }
            let remaining = position.map { key in rows.filter { $0.sortKey > key.0 } } ?? rows
            let page = Page(fetched: remaining.prefix(limit + 1).map { ($0, $0.sortKey, $0.operatorID) }, limit: limit)
            return ProjectEntryPage(items: page.items, nextCursor: page.nextCursor, allSelected: !rows.isEmpty && rows.allSatisfy(\.selected),
                                    total: rows.count)
        }
    }

    /// Selects (or unselects) the rows named, or every row `filter` matches. Rows without a
    /// passed declaration nor a risk analysis have nothing to report: naming one to select it is
    /// refused, and a filter leaves them out.
    ///
    /// - Returns: how many rows changed.
    public func select(_ principal: Principal, projectID: UUID, selected: Bool, entries: [DeclarationCoverage.Key]?, filter: ProjectEntryFilter?,
                       client: ClientInfo) async throws -> Int {
        guard (entries == nil) != (filter == nil) else {
            throw DomainError.validation([FieldError(field: "entries", code: "required", message: "Name either entries or a filter.")])
        }
        guard (entries?.count ?? 0) <= Self.maximumEntries else {
            throw DomainError.validation([FieldError(field: "entries", code: "too_many", message: "Name at most \(Self.maximumEntries) entries.")])
        }
        return try await postgres.withTransaction { session in
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            let project = try await Self.visible(projectID, caller, lock: true, session: session)
            let rows = try await Self.matrix(project, caller, session: session)
            var targets: [ProjectEntry]
            if let entries {
                let byKey = Dictionary(rows.map { ($0.key, $0) }) { first, _ in first }
                var errors: [FieldError] = []
                targets = []
                for (index, key) in entries.enumerated() {
                    guard let row = byKey[key] else {
                        errors.append(FieldError(field: "entries[\(index)]", code: "unknown", message: "Not a row of this project's matrix."))
                        continue
                    }
                    if selected, !row.hasSecurityObjectives, !row.hasRiskAnalysis {
                        errors.append(FieldError(field: "entries[\(index)]", code: "no_data",
                                                 message: "Neither a passed declaration nor a risk analysis: nothing to report."))
                    }
                    targets.append(row)
                }
                guard errors.isEmpty else { throw DomainError.validation(errors) }
            } else {
                targets = rows.filter { Self.matches($0, filter!) && (!selected || $0.hasSecurityObjectives || $0.hasRiskAnalysis) }
            }
            let changing = targets.filter { $0.selected != selected }
            guard !changing.isEmpty else { return 0 }
            let operators = changing.map(\.operatorID), sectors = changing.map(\.sectorID), years = changing.map(\.year)
            if selected {
                try await session.query("""
                    INSERT INTO reporting_project_selections (project_id, operator_id, sector_id, year)
                    SELECT $1, o, s, y FROM unnest($2::uuid[], $3::uuid[], $4::integer[]) AS t(o, s, y) ON CONFLICT DO NOTHING
                    """, projectID, operators, sectors, years)
            } else {
                try await session.query("""
                    DELETE FROM reporting_project_selections r USING unnest($2::uuid[], $3::uuid[], $4::integer[]) AS t(o, s, y)
                    WHERE r.project_id = $1 AND r.operator_id = t.o AND r.sector_id = t.s AND r.year = t.y
                    """, projectID, operators, sectors, years)
            }
            try await session.query("UPDATE reporting_projects SET updated_at = now() WHERE id = $1", projectID)
            try await Self.audit(selected ? "reporting_project.selected" : "reporting_project.unselected", principal, caller, projectID, client, session,
                                 details: "{\"rows\": \(changing.count)}")
            return changing.count
        }
    }

    static func matches(_ entry: ProjectEntry, _ filter: ProjectEntryFilter) -> Bool {
        if let sectorID = filter.sectorID, entry.sectorID != sectorID { return false }
        if let year = filter.year, entry.year != year { return false }
        if let selected = filter.selected, entry.selected != selected { return false }
        if let search = filter.search.map(TextRules.trimmed), !search.isEmpty, !entry.operatorName.localizedCaseInsensitiveContains(search) {
            return false
        }
        return true
    }

    /// Every row of the project's matrix the caller sees: each operator with one of the
    /// project's sectors (a regulator user's among them), in each of the project's years.
    static func matrix(_ project: ReportingProject, _ caller: ReportingGate.Caller, session: PostgresSession) async throws -> [ProjectEntry] {
        let sectors = project.sectorIDs.filter(caller.covers)
        let years = Array(Set(project.comparisonYears + [project.referenceYear])).sorted()
        let pairs = try await session.query("""
            SELECT o.id AS operator_id, o.name AS operator_name, s.id AS sector_id, s.name::text AS sector_name
            FROM operator_sectors os JOIN operators o ON o.id = os.operator_id JOIN sectors s ON s.id = os.sector_id
            WHERE os.sector_id = ANY($1::uuid[])
            """, sectors)
        let passed = try await DeclarationCoverage.passed(standardID: project.standardID, sectorIDs: sectors, years: years, session: session)
        let analysed = try await RiskAnalyses.analysed(regulatorID: caller.regulatorID, sectorIDs: sectors, years: years, session: session)
        let chosen = Set(try await session.query("SELECT operator_id, sector_id, year FROM reporting_project_selections WHERE project_id = $1",
                                                 project.id).map {
            DeclarationCoverage.Key(operatorID: try $0.decode("operator_id"), sectorID: try $0.decode("sector_id"), year: try $0.decode("year"))
        })
        var rows: [ProjectEntry] = []
        for pair in pairs {
            let operatorID: UUID = try pair.decode("operator_id"), sectorID: UUID = try pair.decode("sector_id")
            let operatorName: String = try pair.decode("operator_name")
            let sectorName = try LanguageMap.parse(try pair.decode("sector_name"))
            for year in years {
                let key = DeclarationCoverage.Key(operatorID: operatorID, sectorID: sectorID, year: year)
                rows.append(ProjectEntry(operatorID: operatorID, operatorName: operatorName, sectorID: sectorID, sectorName: sectorName, year: year,
                                         selected: chosen.contains(key), hasSecurityObjectives: passed.contains(key),
                                         hasRiskAnalysis: analysed.contains(key)))
            }
        }
        return rows.sorted { $0.sortKey < $1.sortKey }
    }

    // MARK: Reading

    /// The condition (over `reporting_projects p`) of the projects `caller` sees, and its bindings.
    static func visibility(_ caller: ReportingGate.Caller) -> ([String], [any PostgresEncodable]) {
        guard !caller.isAdministrator else { return (["p.regulator_id = $1"], [caller.regulatorID]) }
        return (["p.regulator_id = $1",
                 "EXISTS (SELECT 1 FROM reporting_project_sectors ps WHERE ps.project_id = p.id AND ps.sector_id = ANY($2::uuid[]))"],
                [caller.regulatorID, caller.sectorIDs])
    }

    static func visible(_ id: UUID, _ caller: ReportingGate.Caller, lock: Bool = false, session: PostgresSession) async throws -> ReportingProject {
        var (conditions, bindings) = visibility(caller)
        bindings.append(id)
        conditions.append("p.id = $\(bindings.count)")
        if lock {
            guard try await session.query("SELECT 1 FROM reporting_projects p WHERE \(conditions.joined(separator: " AND ")) FOR UPDATE",
                                          bindings: bindings).count == 1
            else { throw DomainError.notFound("No such project.") }
        }
        guard let project = try await projects(where: conditions.joined(separator: " AND "), bindings: bindings, session: session).first else {
            throw DomainError.notFound("No such project.")
        }
        return project
    }

    static func projects(where condition: String, bindings: [any PostgresEncodable], limit: String? = nil,
                         session: PostgresSession) async throws -> [ReportingProject] {
        try await session.query("""
            SELECT p.id, p.name, p.standard_id, st.label::text AS standard_label, p.reference_year, p.comparison_years, p.top_ranking,
                   p.high_risk_threshold, p.languages, p.author_id, p.author_name, p.copied_from_id, p.created_at, p.updated_at,
                   ARRAY(SELECT ps.sector_id FROM reporting_project_sectors ps WHERE ps.project_id = p.id ORDER BY ps.sector_id) AS sector_ids,
                   (SELECT count(*) FROM reporting_project_selections r WHERE r.project_id = p.id)::integer AS selected_count,
                   to_char(p.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS sort_key
            FROM reporting_projects p JOIN standards st ON st.id = p.standard_id
            WHERE \(condition)
            ORDER BY p.updated_at DESC, p.id DESC \(limit.map { "LIMIT \($0)" } ?? "")
            """, bindings: bindings).map { row in
            ReportingProject(
                id: try row.decode("id"), name: try row.decode("name"), standardID: try row.decode("standard_id"),
                standardLabel: try LanguageMap.parse(try row.decode("standard_label")), referenceYear: try row.decode("reference_year"),
                comparisonYears: try row.decode("comparison_years"), sectorIDs: try row.decode("sector_ids"), topRanking: try row.decode("top_ranking"),
                highRiskThreshold: try row.decode("high_risk_threshold"),
                languages: try row.decode("languages", as: [String].self).compactMap(Language.init), authorID: try row.decode("author_id"),
                authorName: try row.decode("author_name"), copiedFromID: try row.decode("copied_from_id"), selectedCount: try row.decode("selected_count"),
                createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"), sortKey: try row.decode("sort_key"))
        }
    }

    static func audit(_ action: String, _ principal: Principal, _ caller: ReportingGate.Caller, _ id: UUID, _ client: ClientInfo,
                      _ session: PostgresSession, details: String = "{}") async throws {
        try await AuditLog.record(AuditEvent(action, by: principal, objectType: "reporting_project", objectID: id,
                                             organisation: .regulator(caller.regulatorID), client: client, details: details), in: session)
    }
}
