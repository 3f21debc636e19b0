import Foundation
import Pooling
import Postgres

/// An entry of a regulator's catalogue of standard observations.
public struct CatalogueObservation: Sendable, Equatable {
    public var id: UUID
    public var code: String
    public var description: LanguageMap
    /// The sectors it suits; empty: every sector.
    public var sectorIDs: [UUID]
    public var usageCount: Int
    public var createdAt: Date
    public var updatedAt: Date
}

/// What a regulator writes for a catalogue entry.
public struct CatalogueObservationInput: Sendable {
    public var code: String
    public var description: LanguageMap
    public var sectorIDs: [UUID]

    public init(code: String, description: LanguageMap, sectorIDs: [UUID]) {
        self.code = code
        self.description = description
        self.sectorIDs = sectorIDs
    }
}

/// The regulator's remarks on an operator's sector for a year: the ordered observations chosen
/// from the catalogue and a free comment, both shown in the report.
public struct OperatorObservations: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var observationID: UUID
        public var code: String
        public var description: LanguageMap
        public var position: Int
    }

    public var operatorID: UUID
    public var sectorID: UUID
    public var year: Int
    public var comment: String
    public var items: [Item]
}

/// The regulator's observations: its catalogue (written by its staff, exchanged as CSV) and the
/// observations and comment per (operator, sector, year), kept on the risk-analysis container so
/// that an import never loses them.
public struct Observations: Sendable {
    let postgres: PostgresClient
    let files: BlockingWorkPool
    static let maximumCodeLength = 64
    static let maximumDescriptionLength = 10_000
    static let maximumCommentLength = 20_000
    static let maximumItems = 100
    static let importLimits = SheetLimits(rows: 5_000)
    static let columns = ["code", "description_en", "description_fr", "description_nl", "description_de", "sectors"]

    // MARK: Catalogue

    public func catalogue(_ principal: Principal, sectorID: UUID?, search: String?, limit: Int, cursor: String?) async throws -> Page<CatalogueObservation> {
        try PageCursor.check(limit: limit)
        let position = try PageCursor.decode(cursor)
        return try await postgres.withSession { session in
            let caller = try await ReportingGate.caller(principal, write: false, session: session)
            var conditions = ["c.regulator_id = $1"]
            var bindings: [any PostgresEncodable] = [caller.regulatorID]
            if let sectorID {
                // Entries for the sector, and those for every sector.
                bindings.append(sectorID)
                conditions.append("""
                    (NOT EXISTS (SELECT 1 FROM observation_catalogue_sectors s WHERE s.observation_id = c.id)
                     OR EXISTS (SELECT 1 FROM observation_catalogue_sectors s WHERE s.observation_id = c.id AND s.sector_id = $\(bindings.count)))
                    """)
            }
            if let search = search.map(TextRules.trimmed), !search.isEmpty, let pattern = Queries.containing(search) {
                bindings.append(pattern)
                conditions.append("(c.code ILIKE $\(bindings.count) OR EXISTS (SELECT 1 FROM jsonb_each_text(c.description) d WHERE d.value ILIKE $\(bindings.count)))")
            }
            if let (key, id) = position {
                bindings.append(key)
                bindings.append(id)
                conditions.append("(lower(c.code), c.id) > ($\(bindings.count - 1), $\(bindings.count))")
            }
            bindings.append(limit + 1)
            let items = try await Self.entries(where: conditions.joined(separator: " AND "), bindings: bindings, limit: "$\(bindings.count)",
                                               session: session)
            return Page(fetched: items.map { ($0, $0.code.lowercased(), $0.id) }, limit: limit)
        }
    }

    public func entry(_ principal: Principal, id: UUID) async throws -> CatalogueObservation {
        try await postgres.withSession { session in
            let caller = try await ReportingGate.caller(principal, write: false, session: session)
            return try await Self.entry(id, regulatorID: caller.regulatorID, session: session)
        }
    }

    /// Creates (`id` nil) or replaces an entry.
    ///
    /// - Throws: 422 for a missing code or English description, unknown sectors; 409 for a code
    ///   the catalogue has already (whatever its case).
    public func save(_ principal: Principal, id: UUID?, _ input: CatalogueObservationInput, client: ClientInfo) async throws -> CatalogueObservation {
        let input = try Self.checked(input)
        return try await postgres.withTransaction { session in
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            try await Self.checkSectors(input.sectorIDs, session: session)
            let entryID = id ?? UUID()
            if let id {
                guard try await session.query("SELECT 1 FROM observation_catalogue WHERE id = $1 AND regulator_id = $2 FOR UPDATE",
                                              id, caller.regulatorID).count == 1
                else { throw DomainError.notFound("No such observation.") }
            }
            try await Self.write(entryID, regulatorID: caller.regulatorID, input, isNew: id == nil, session: session)
            try await AuditLog.record(AuditEvent(id == nil ? "observation.created" : "observation.updated", by: principal,
                                                 objectType: "observation", objectID: entryID, organisation: .regulator(caller.regulatorID),
                                                 client: client), in: session)
            return try await Self.entry(entryID, regulatorID: caller.regulatorID, session: session)
        }
    }

    /// - Throws: 409 while an operator's observations use the entry.
    public func delete(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await postgres.withTransaction { session in
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            let entry = try await Self.entry(id, regulatorID: caller.regulatorID, session: session)
            guard entry.usageCount == 0 else {
                throw DomainError.conflict("The observation is used for \(entry.usageCount) operator(s); remove it from them first.")
            }
            try await session.query("DELETE FROM observation_catalogue WHERE id = $1", id)
            try await AuditLog.record(AuditEvent("observation.deleted", by: principal, objectType: "observation", objectID: id,
                                                 organisation: .regulator(caller.regulatorID), client: client), in: session)
        }
    }

    /// The catalogue as CSV: code, the description in each language, the sectors' English names
    /// separated by `|` (empty: every sector).
    public func export(_ principal: Principal) async throws -> Data {
        let (entries, names) = try await postgres.withSession { session in
            let caller = try await ReportingGate.caller(principal, write: false, session: session)
            let entries = try await Self.entries(where: "c.regulator_id = $1", bindings: [caller.regulatorID], session: session)
            return (entries, try await Self.sectorNames(session: session))
        }
        return try await files.run {
            try CSVTable.data(header: Self.columns, rows: entries.map { entry in
                [entry.code] + Language.allCases.map { entry.description.values[$0.rawValue] ?? "" }
                    + [entry.sectorIDs.compactMap { names[$0] }.sorted().joined(separator: "|")]
            })
        }
    }

    /// Merges a CSV file into the catalogue by code (any case): new codes are added, known ones
    /// take the file's descriptions (an empty cell leaves a language as it is) and sectors.
    /// Every row is reported; nothing is written on a dry run or when a row is rejected.
    ///
    /// - Throws: 422 naming `file` for a file that is not such CSV.
    public func importCSV(_ principal: Principal, file upload: Upload, dryRun: Bool, client: ClientInfo) async throws -> SheetImportReport {
        // Authorised before a byte is read; checked again in the transaction that writes.
        _ = try await postgres.withSession { session in try await ReportingGate.caller(principal, write: true, session: session) }
        let file = try await upload.bytes()
        let table = try await files.run { try CSVTable.read(file, format: .csv, columns: ["code", "description_en"], limits: Self.importLimits) }
        return try await postgres.withTransaction { session in
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            let names = try await Self.sectorNames(session: session)
            var byName: [String: [UUID]] = [:]
            for (id, name) in names { byName[name.lowercased(), default: []].append(id) }
            let existing = try await Self.entries(where: "c.regulator_id = $1", bindings: [caller.regulatorID], session: session)
            var known = Dictionary(existing.map { ($0.code.lowercased(), $0) }) { first, _ in first }
            var rows: [SheetImportReport.Row] = []
            var writes: [(id: UUID, input: CatalogueObservationInput, isNew: Bool)] = []
            for (line, cells) in table {
                let code = cells["code"] ?? ""
                func reject(_ reason: String) { rows.append(.init(line: line, key: code, outcome: .rejected, reason: reason)) }
                var sectorIDs: [UUID] = []
                var unknown: [String] = []
                for name in (cells["sectors"] ?? "").split(separator: "|").map({ TextRules.trimmed(String($0)) }) where !name.isEmpty {
                    switch byName[name.lowercased()] ?? [] {
                    case let ids where ids.count == 1: sectorIDs.append(ids[0])
                    case []: unknown.append(name)
                    default: unknown.append("\(name) (ambiguous)")
                    }
                }
                guard unknown.isEmpty else {
                    reject("Unknown sectors: \(unknown.joined(separator: ", ")).")
                    continue
                }
                let previous = known[code.lowercased()]
                var description = previous?.description.values ?? [:]
                for language in Language.allCases {
                    if let text = cells["description_\(language.rawValue)"], !text.isEmpty { description[language.rawValue] = text }
                }
                let input = CatalogueObservationInput(code: previous?.code ?? code, description: LanguageMap(description), sectorIDs: sectorIDs)
                let checked: CatalogueObservationInput
                do {
                    checked = try Self.checked(input)
                } catch DomainError.validation(let errors) {
                    reject(errors.map(\.message).joined(separator: " "))
                    continue
                }
                if let previous {
                    let changed = previous.description != checked.description || Set(previous.sectorIDs) != Set(checked.sectorIDs)
                    rows.append(.init(line: line, key: previous.code, outcome: changed ? .updated : .unchanged))
                    if changed { writes.append((previous.id, checked, false)) }
                } else {
                    let id = UUID()
                    rows.append(.init(line: line, key: checked.code, outcome: .new))
                    writes.append((id, checked, true))
                    known[checked.code.lowercased()] = CatalogueObservation(id: id, code: checked.code, description: checked.description,
                                                                             sectorIDs: checked.sectorIDs, usageCount: 0, createdAt: Date(),
                                                                             updatedAt: Date())
                }
            }
            let apply = !dryRun && !writes.isEmpty && !rows.contains { $0.outcome == .rejected }
            if apply {
                for write in writes {
                    try await Self.write(write.id, regulatorID: caller.regulatorID, write.input, isNew: write.isNew, session: session)
                }
                try await AuditLog.record(AuditEvent("observation.imported", by: principal, objectType: "regulator", objectID: caller.regulatorID,
                                                     organisation: .regulator(caller.regulatorID), client: client,
                                                     details: "{\"written\": \(writes.count)}"), in: session)
            }
            return SheetImportReport(rows: rows, applied: apply)
        }
    }

    static func checked(_ input: CatalogueObservationInput) throws -> CatalogueObservationInput {
        var validator = Validator()
        let code = validator.text(input.code, "code", required: true, maximumLength: maximumCodeLength) ?? ""
        let description = validator.languageMap(input.description, "description", required: true, maximumLength: maximumDescriptionLength)
        let sectors = validator.distinct(input.sectorIDs, "sector_ids")
        validator.check(sectors.count <= 50, "sector_ids", "too_many", "Name at most 50 sectors.")
        try validator.throwIfInvalid()
        return CatalogueObservationInput(code: code, description: description, sectorIDs: sectors)
    }

    static func checkSectors(_ sectorIDs: [UUID], session: PostgresSession) async throws {
        guard !sectorIDs.isEmpty else { return }
        let found = try await session.query("SELECT count(*) AS n FROM sectors WHERE id = ANY($1::uuid[])", sectorIDs).required()
            .decode("n", as: Int.self)
        guard found == sectorIDs.count else {
            throw DomainError.validation([FieldError(field: "sector_ids", code: "unknown", message: "Name existing sectors.")])
        }
    }

    static func write(_ id: UUID, regulatorID: UUID, _ input: CatalogueObservationInput, isNew: Bool, session: PostgresSession) async throws {
        do {
            if isNew {
                try await session.query("INSERT INTO observation_catalogue (id, regulator_id, code, description) VALUES ($1, $2, $3, $4::jsonb)",
                                        id, regulatorID, input.code, input.description.json)
            } else {
                try await session.query("UPDATE observation_catalogue SET code = $2, description = $3::jsonb, updated_at = now() WHERE id = $1",
                                        id, input.code, input.description.json)
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw DomainError.conflict("The catalogue has an observation with code \(input.code) already.")
        }
        try await session.query("DELETE FROM observation_catalogue_sectors WHERE observation_id = $1", id)
        try await session.query("INSERT INTO observation_catalogue_sectors (observation_id, sector_id) SELECT $1, unnest($2::uuid[])", id, input.sectorIDs)
    }

    static func entry(_ id: UUID, regulatorID: UUID, session: PostgresSession) async throws -> CatalogueObservation {
        guard let entry = try await entries(where: "c.id = $1 AND c.regulator_id = $2", bindings: [id, regulatorID], session: session).first else {
            throw DomainError.notFound("No such observation.")
        }
        return entry
    }

    static func entries(where condition: String, bindings: [any PostgresEncodable], limit: String? = nil,
                        session: PostgresSession) async throws -> [CatalogueObservation] {
        try await session.query("""
            SELECT c.id, c.code, c.description::text AS description, c.created_at, c.updated_at,
                   ARRAY(SELECT s.sector_id FROM observation_catalogue_sectors s WHERE s.observation_id = c.id ORDER BY s.sector_id) AS sector_ids,
                   (SELECT count(*) FROM analysis_observations a WHERE a.observation_id = c.id)::integer AS usage_count
            FROM observation_catalogue c WHERE \(condition)
            ORDER BY lower(c.code), c.id \(limit.map { "LIMIT \($0)" } ?? "")
            """, bindings: bindings).map { row in
            CatalogueObservation(id: try row.decode("id"), code: try row.decode("code"), description: try LanguageMap.parse(try row.decode("description")),
                                 sectorIDs: try row.decode("sector_ids"), usageCount: try row.decode("usage_count"),
                                 createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
        }
    }

    /// Every sector's English name by id.
    static func sectorNames(session: PostgresSession) async throws -> [UUID: String] {
        Dictionary(uniqueKeysWithValues: try await session.query("SELECT id, name->>'en' AS name FROM sectors").map {
            (try $0.decode("id", as: UUID.self), try $0.decode("name", as: String.self))
        })
    }

    // MARK: Per operator, sector and year

    /// The observations and comment for (operator, sector, year); empty when none were written.
    public func forOperator(_ principal: Principal, operatorID: UUID, sectorID: UUID, year: Int) async throws -> OperatorObservations {
        try await postgres.withSession { session in
            let caller = try await ReportingGate.caller(principal, write: false, session: session)
            try await RiskAnalyses.checkReach(caller, operatorID: operatorID, sectorIDs: [sectorID], session: session)
            return try await Self.observations(caller, operatorID: operatorID, sectorID: sectorID, year: year, session: session)
        }
    }

    /// Replaces the comment and the ordered observations of (operator, sector, year).
    ///
    /// - Throws: 422 for catalogue ids not in the caller's catalogue, repeated ids, a comment
    ///   too long.
    public func replace(_ principal: Principal, operatorID: UUID, sectorID: UUID, year: Int, comment: String, observationIDs: [UUID],
                        client: ClientInfo) async throws -> OperatorObservations {
        var validator = Validator()
        let comment = validator.text(comment, "comment", required: false, maximumLength: Self.maximumCommentLength) ?? ""
        validator.check(Set(observationIDs).count == observationIDs.count, "observation_ids", "duplicate", "Name each observation once.")
        validator.check(observationIDs.count <= Self.maximumItems, "observation_ids", "too_many", "Choose at most \(Self.maximumItems) observations.")
        try Self.checkYear(year, into: &validator)
        try validator.throwIfInvalid()
        return try await postgres.withTransaction { session in
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            try await RiskAnalyses.checkReach(caller, operatorID: operatorID, sectorIDs: [sectorID], session: session)
            let known = try await session.query("SELECT count(*) AS n FROM observation_catalogue WHERE regulator_id = $1 AND id = ANY($2::uuid[])",
                                                caller.regulatorID, observationIDs).required().decode("n", as: Int.self)
            guard known == observationIDs.count else {
                throw DomainError.validation([FieldError(field: "observation_ids", code: "unknown", message: "Choose observations of your catalogue.")])
            }
            let id = try await Self.container(caller, operatorID: operatorID, sectorID: sectorID, year: year, session: session)
            try await session.query("UPDATE risk_analyses SET comment = $2, updated_at = now() WHERE id = $1", id, comment)
            try await session.query("DELETE FROM analysis_observations WHERE analysis_id = $1", id)
            try await session.query("""
                INSERT INTO analysis_observations (analysis_id, observation_id, position)
                SELECT $1, o.id, o.position - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS o(id, position)
                """, id, observationIDs)
            try await AuditLog.record(AuditEvent("observations.updated", by: principal, objectType: "risk_analysis", objectID: id,
                                                 organisation: .regulator(caller.regulatorID), client: client,
                                                 details: "{\"observations\": \(observationIDs.count)}"), in: session)
            return try await Self.observations(caller, operatorID: operatorID, sectorID: sectorID, year: year, session: session)
        }
    }

    /// Appends the previous year's observations not chosen yet, in their order. Doing it again
    /// changes nothing.
    ///
    /// - Throws: 409 when the previous year has no observations.
    public func copyPreviousYear(_ principal: Principal, operatorID: UUID, sectorID: UUID, year: Int, client: ClientInfo) async throws
        -> OperatorObservations {
        var validator = Validator()
        try Self.checkYear(year, into: &validator)
        try validator.throwIfInvalid()
        return try await postgres.withTransaction { session in
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            try await RiskAnalyses.checkReach(caller, operatorID: operatorID, sectorIDs: [sectorID], session: session)
            let previous = try await Self.observations(caller, operatorID: operatorID, sectorID: sectorID, year: year - 1, session: session)
            guard !previous.items.isEmpty else { throw DomainError.conflict("No observations for \(year - 1) to copy.") }
            let id = try await Self.container(caller, operatorID: operatorID, sectorID: sectorID, year: year, session: session)
            let added = try await session.query("""
                INSERT INTO analysis_observations (analysis_id, observation_id, position)
                SELECT $1, o.id, (SELECT coalesce(max(position) + 1, 0) FROM analysis_observations WHERE analysis_id = $1) + o.position - 1
                FROM unnest($2::uuid[]) WITH ORDINALITY AS o(id, position)
                WHERE NOT EXISTS (SELECT 1 FROM analysis_observations a WHERE a.analysis_id = $1 AND a.observation_id = o.id)
                """, id, previous.items.map(\.observationID)).affectedRows
            // Positions stay dense after skipped duplicates.
            try await session.query("""
                UPDATE analysis_observations a SET position = r.position - 1
                FROM (SELECT observation_id, row_number() OVER (ORDER BY position) AS position FROM analysis_observations WHERE analysis_id = $1) r
                WHERE a.analysis_id = $1 AND a.observation_id = r.observation_id
                """, id)
            try await AuditLog.record(AuditEvent("observations.copied", by: principal, objectType: "risk_analysis", objectID: id,
                                                 organisation: .regulator(caller.regulatorID), client: client,
                                                 details: "{\"added\": \(added), \"from_year\": \(year - 1)}"), in: session)
            return try await Self.observations(caller, operatorID: operatorID, sectorID: sectorID, year: year, session: session)
        }
    }

    static func checkYear(_ year: Int, into validator: inout Validator) throws {
        let current = Calendar.utc.component(.year, from: Date())
        validator.check((RiskAnalyses.firstYear...current + 1).contains(year), "year", "out_of_range",
                        "Observations are for a year from \(RiskAnalyses.firstYear) to \(current + 1).")
    }

    /// The container of (caller's regulator, operator, sector, year), made when missing and
    /// locked for the transaction (concurrent changes of its observations wait); its id.
    static func container(_ caller: ReportingGate.Caller, operatorID: UUID, sectorID: UUID, year: Int, session: PostgresSession) async throws -> UUID {
        try await session.query("""
            INSERT INTO risk_analyses (id, regulator_id, operator_id, sector_id, year) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (regulator_id, operator_id, sector_id, year) DO UPDATE SET updated_at = risk_analyses.updated_at
            RETURNING id
            """, UUID(), caller.regulatorID, operatorID, sectorID, year).required().decode("id")
    }

    static func observations(_ caller: ReportingGate.Caller, operatorID: UUID, sectorID: UUID, year: Int,
                             session: PostgresSession) async throws -> OperatorObservations {
        try await observations(regulatorID: caller.regulatorID, operatorID: operatorID, sectorID: sectorID, year: year, session: session)
    }

    /// The regulator's observations and comment on the operator's sector for the year.
    static func observations(regulatorID: UUID, operatorID: UUID, sectorID: UUID, year: Int,
                             session: PostgresSession) async throws -> OperatorObservations {
        let comment = try await session.query("""
            SELECT comment FROM risk_analyses WHERE regulator_id = $1 AND operator_id = $2 AND sector_id = $3 AND year = $4
            """, regulatorID, operatorID, sectorID, year).first?.decode("comment", as: String.self) ?? ""
        let items = try await session.query("""
            SELECT c.id, c.code, c.description::text AS description, o.position
            FROM risk_analyses a JOIN analysis_observations o ON o.analysis_id = a.id JOIN observation_catalogue c ON c.id = o.observation_id
            WHERE a.regulator_id = $1 AND a.operator_id = $2 AND a.sector_id = $3 AND a.year = $4
            ORDER BY o.position
            """, regulatorID, operatorID, sectorID, year).map { row in
            OperatorObservations.Item(observationID: try row.decode("id"), code: try row.decode("code"),
                                      description: try LanguageMap.parse(try row.decode("description")), position: try row.decode("position"))
        }
        return OperatorObservations(operatorID: operatorID, sectorID: sectorID, year: year, comment: comment, items: items)
    }
}
