import Foundation
import Postgres

extension Declarations {
    /// What a workbook may hold: the rows of a standard's objectives and a few of headings.
    static let workbookLimits = SheetLimits(rows: 5_000)

    /// Imports a declaration an operator filled in the regulator's self-assessment workbook (the
    /// layout the reference reads: from row 4 of the first worksheet, column B `<code>: <text>`,
    /// G evidence, H justification, I the level reached). It becomes a submitted declaration of
    /// the operator, attributed to the importing regulator staff member; for each row, the
    /// objective's measures from level 1 up to the level are implemented (level 0: "nothing in
    /// place" is), the texts go to the first measure of that level (by position), and scores and
    /// completion are computed. Every row with a code is reported.
    ///
    /// The caller is authorised before a byte of `file` is read; the workbook is then read within
    /// ``workbookLimits``, and the caller checked again in the transaction that writes.
    ///
    /// - Throws: 404 outside the module; 403 for operators; 422 naming the field for a standard,
    ///   operator, sectors or year out of reach, and naming the limit a file passes.
    public func importWorkbook(_ principal: Principal, standardID: UUID, operatorID: UUID, year: Int, sectorIDs: [UUID], file: Upload,
                               language: Language = .en, client: ClientInfo) async throws -> (DeclarationDetail, [SheetImportReport.Row]) {
        let sectorIDs = try await postgres.withSession { session in
            try await authoriseImport(principal, standardID: standardID, operatorID: operatorID, year: year, sectorIDs: sectorIDs, session: session)
                .sectorIDs
        }
        let data = try await file.bytes()
        let sheet: [SheetRow]
        do {
            sheet = try await files.run { try XLSXTable.rows(data, limits: Self.workbookLimits) }
        } catch let error as DomainError {
            throw error
        } catch {
            throw DomainError.validation([FieldError(field: "file", code: "invalid", message: "The file is \(error).")])
        }
        return try await postgres.withTransaction { session in
            let scope = try await authoriseImport(principal, standardID: standardID, operatorID: operatorID, year: year, sectorIDs: sectorIDs,
                                                  session: session)
            let outline = try await WorkbookOutline.load(standardID: standardID, session: session)
            let (answers, report) = outline.answers(from: sheet)
            let id = try await Self.insert(groupOf: operatorID, standard: scope.standard, year: year, sectorIDs: sectorIDs, principal: principal,
                                           status: .submitted, session: session)
            let measureIDs = Array(answers.keys)
            try await session.query("""
                INSERT INTO measure_answers (declaration_id, measure_id, is_implemented, justification)
                SELECT $1, x.id, x.implemented, x.justification FROM unnest($2::uuid[], $3::bool[], $4::text[]) AS x(id, implemented, justification)
                """, id, measureIDs, measureIDs.map { answers[$0]?.isImplemented ?? false }, measureIDs.map { answers[$0]?.text ?? "" })
            try await Self.recomputeAll(id, standardID: standardID, session: session)
            try await DeclarationAccess.record(.imported, by: principal, regulatorSide: true, declarationID: id, operatorID: operatorID,
                                               session: session)
            try await Self.audit("declaration.imported", principal, id: id, operatorID: operatorID, client: client, session: session,
                                 details: "{\"rows\": \(report.count), \"regulator\": \"\(scope.regulatorID.postgresText)\"}")
            let detail = try await Self.detail(try await DeclarationAccess.reload(id, seenByRegulator: true, session: session), language: language,
                                               session: session)
            return (detail, report)
        }
    }

    /// Whether the caller may import a declaration of `operatorID` against `standardID`: regulator
    /// staff of the standard's regulator, within their sectors unless administrators.
    ///
    /// - Returns: the regulator, the standard and the distinct sectors.
    func authoriseImport(_ principal: Principal, standardID: UUID, operatorID: UUID, year: Int, sectorIDs: [UUID],
                         session: PostgresSession) async throws -> (regulatorID: UUID, standard: Standard, sectorIDs: [UUID]) {
        let caller = try await SecurityObjectivesGate.caller(principal, write: true, session: session)
        guard case .regulator(let regulatorID, let isAdministrator, let ownSectors) = caller else {
            throw DomainError.forbidden("Regulator staff import declarations; operators fill theirs in.")
        }
        let sectorIDs = try checkedScope(year: year, sectorIDs: sectorIDs)
        let standard: Standard
        do {
            standard = try await StandardCatalogue.visible(standardID, caller, session: session)
        } catch DomainError.notFound {
            throw DomainError.validation([FieldError(field: "standard_id", code: "invalid", message: "Name one of your regulator's standards.")])
        }
        guard try await session.query("SELECT 1 FROM operators WHERE id = $1", operatorID).count == 1 else {
            throw DomainError.validation([FieldError(field: "operator_id", code: "invalid", message: "No such operator.")])
        }
        try await Self.checkSectors(sectorIDs, of: operatorID, session: session)
        if !isAdministrator, !sectorIDs.allSatisfy(ownSectors.contains) {
            throw DomainError.validation([FieldError(field: "sector_ids", code: "not_your_sector", message: "Import for your own sectors only.")])
        }
        return (regulatorID, standard, sectorIDs)
    }
}

/// A standard's objectives as the self-assessment workbook names them (by code), with their
/// measures by level and position, and what a filled workbook's rows make of them.
struct WorkbookOutline {
    struct Measure {
        var id: UUID
        var level: Int
        var position: Int
    }

    /// Objectives by lower-cased code.
    var objectives: [String: [Measure]]
    var maximumLevel: Int

    /// What a row decides for one measure: implemented or not, and the texts it carries.
    struct Answer: Equatable {
        var isImplemented: Bool
        var text: String
    }

    static func load(standardID: UUID, session: PostgresSession) async throws -> WorkbookOutline {
        var objectives: [String: [Measure]] = [:]
        for row in try await session.query("""
            SELECT o.code, m.id AS measure_id, l.level, m.position
            FROM security_objectives o LEFT JOIN security_measures m ON m.objective_id = o.id
            LEFT JOIN maturity_levels l ON l.id = m.maturity_level_id WHERE o.standard_id = $1
            ORDER BY o.code, l.level, m.position
            """, standardID) {
            let code = try row.decode("code", as: String.self).lowercased()
            var measures = objectives[code] ?? []
            if let measureID = try row.decode("measure_id", as: UUID?.self) {
                measures.append(Measure(id: measureID, level: try row.decode("level"), position: try row.decode("position")))
            }
            objectives[code] = measures
        }
        let maximumLevel = try await session.query("SELECT coalesce(max(level), 0) AS level FROM maturity_levels WHERE standard_id = $1",
                                                   standardID).first?.decode("level", as: Int.self) ?? 0
        return WorkbookOutline(objectives: objectives, maximumLevel: maximumLevel)
    }

    /// The answers the filled rows (from row 4) give, and a report line for every row with a code.
    func answers(from sheet: [SheetRow]) -> (answers: [UUID: Answer], report: [SheetImportReport.Row]) {
        var report: [SheetImportReport.Row] = []
        var answers: [UUID: Answer] = [:]
        for row in sheet where row.number >= 4 {
            func cell(_ column: Int) -> String {
                let text = TextRules.trimmed(row[column])
                return text.caseInsensitiveCompare("Free text field") == .orderedSame ? "" : text
            }
            let label = cell(1)
            guard let colon = label.firstIndex(of: ":") else { continue }
            let code = TextRules.trimmed(String(label[..<colon]))
            guard !code.isEmpty else { continue }
            let evidence = cell(6), justification = cell(7), levelText = cell(8)
            guard !evidence.isEmpty || !justification.isEmpty || !levelText.isEmpty else { continue }
            func reject(_ reason: String) { report.append(.init(line: row.number, key: code, outcome: .rejected, reason: reason)) }
            guard let measures = objectives[code.lowercased()] else { reject("No objective \(code) in this standard."); continue }
            let level: Int
            if levelText.isEmpty {
                level = 0
            } else if let number = Double(levelText), number == number.rounded(), number >= 0, number <= Double(maximumLevel) {
                level = Int(number)
            } else if let number = Double(levelText), number == number.rounded(), number >= 0 {
                reject("Level \(Int(exactly: number).map(String.init) ?? levelText) is above the standard's highest, \(maximumLevel)."); continue
            } else {
                reject("The level in column I is not a whole number."); continue
            }
            let reached = measures.filter { level == 0 ? $0.level == 0 : (1...level).contains($0.level) }
            for measure in reached { answers[measure.id] = Answer(isImplemented: true, text: answers[measure.id]?.text ?? "") }
            let text = [evidence, justification].filter { !$0.isEmpty }.joined(separator: "\n\n")
            guard let carrier = measures.filter({ $0.level <= level }).max(by: { ($0.level, -$0.position) < ($1.level, -$1.position) })
            else { reject("Objective \(code) has no measure at level \(level) or below to hold the text."); continue }
            answers[carrier.id] = Answer(isImplemented: answers[carrier.id]?.isImplemented ?? false, text: text)
            report.append(.init(line: row.number, key: code, outcome: .new, reason: nil))
        }
        return (answers, report)
    }
}
