import CSV
import Foundation
import Postgres

/// The two sheets a standard's content travels in, with the reference's columns: objectives
/// (with their domains) and measures (with their maturity levels). Texts are read and written one
/// language at a time.
public enum StandardSheet: String, Sendable, CaseIterable {
    case objectives, measures

    public var columns: [String] {
        switch self {
        case .objectives: ["objective", "description", "unique_code", "domain", "domain_position", "standard", "position", "priority"]
        case .measures: ["standard", "security_objective", "maturity_level", "maturity_level_level", "maturity_level_color", "position",
                         "description", "evidence"]
        }
    }
}

/// The file formats sheets travel in.
extension StandardCatalogue {
    /// One sheet of a standard's content as CSV or XLSX, in `language` (English where a text
    /// lacks it).
    public func export(_ principal: Principal, id: UUID, sheet: StandardSheet, language: Language, format: SheetFormat = .csv) async throws
        -> Data {
        let tree = try await tree(principal, id: id)
        let standard = tree.standard.label.text(in: language)
        var rows: [[String]] = []
        switch sheet {
        case .objectives:
            for domain in tree.domains {
                for objective in domain.objectives {
                    rows.append([objective.title.text(in: language), objective.description.text(in: language), objective.code,
                                 domain.label.text(in: language), String(domain.position), standard, String(objective.position),
                                 String(objective.priority)])
                }
            }
        case .measures:
            let levels = Dictionary(uniqueKeysWithValues: tree.levels.map { ($0.level, $0) })
            for objective in tree.objectives {
                for measure in objective.measures {
                    let level = levels[measure.level]
                    rows.append([standard, objective.code, level?.label.text(in: language) ?? "", String(measure.level), level?.color ?? "",
                                 String(measure.position), measure.description.text(in: language), measure.evidence.text(in: language)])
                }
            }
        }
        let rowsToWrite = rows
        return try await files.run {
            switch format {
            case .csv: try CSVTable.data(header: sheet.columns, rows: rowsToWrite)
            case .xlsx: try XLSXTable.data(header: sheet.columns, rows: rowsToWrite, sheetName: sheet.rawValue)
            }
        }
    }

    /// Merges one sheet (CSV, texts in `language`) into a standard's content: objectives by
    /// code (creating domains by position), measures by objective, level and position (creating
    /// levels by number). Every row is reported as new, updated, unchanged or rejected with the
    /// reason; the merged content is checked as a whole and, unless `dryRun`, written (409 once
    /// a declaration uses the standard). The file is read within `limits`, and only once the
    /// caller is known to administer the standard.
    func importSheet(_ principal: Principal, id: UUID, sheet: StandardSheet, language: Language, file: Data, format: SheetFormat,
                     dryRun: Bool, limits: SheetLimits = inlineImportLimits, client: ClientInfo) async throws -> SheetImportReport {
        _ = try await postgres.withSession { session in try await Self.administeredRegulator(principal, id: id, session: session) }
        let table = try await files.run { try CSVTable.read(file, format: format, columns: sheet.columns, limits: limits) }
        return try await postgres.withTransaction { session in
            let regulatorID = try await Self.administeredRegulator(principal, id: id, session: session)
            let standard = try await Self.load(id, regulatorID: regulatorID, lock: !dryRun, session: session)
            if !dryRun, standard.isLocked { throw DomainError.conflict(Self.lockedMessage(standard)) }
            let tree = try await StandardTree.load(standard, session: session)
            var content = StandardContent(tree)
            let rows = switch sheet {
            case .objectives: Self.mergeObjectives(table, into: &content, language: language)
            case .measures: Self.mergeMeasures(table, into: &content, language: language)
            }
            let clean = try content.validated()
            let changed = rows.contains { $0.outcome == .new || $0.outcome == .updated }
            if !dryRun, changed {
                try await Self.write(clean, into: id, keeping: tree, session: session)
                try await session.query("UPDATE standards SET updated_at = now() WHERE id = $1", id)
                try await Self.audit("standard.imported", principal, standardID: id, regulatorID: regulatorID, client: client, session: session,
                                     details: "{\"sheet\": \"\(sheet.rawValue)\", \"rows\": \(rows.count)}")
            }
            return SheetImportReport(rows: rows, applied: !dryRun && changed)
        }
    }

    /// What a sheet imported within the request may hold; larger files go to the worker, which
    /// reads them within ``StandardImports/workerLimits``.
    static let inlineImportLimits = SheetLimits(rows: 5_000)

    static let englishFirst = "New objectives, domains, levels and measures are imported in English first (language=en); "
        + "other languages then add their texts."

    static func setting(_ map: LanguageMap, _ language: Language, _ text: String?) -> LanguageMap {
        guard let text, !text.isEmpty else { return map }
        var values = map.values
        values[language.rawValue] = text
        return LanguageMap(values)
    }

    /// Merges objective rows: by code; `domain_position` places it in a domain (created with the
    /// `domain` label when new), `position` orders it, `priority` ranks it.
    static func mergeObjectives(_ table: [(line: Int, cells: [String: String])], into content: inout StandardContent, language: Language)
        -> [SheetImportReport.Row] {
        // Domains by position as they stand, then objectives with the order they will take.
        var domains: [Int: StandardContent.Domain] = [:]
        var placed: [(code: String, domain: Int, position: Double, objective: StandardContent.Objective)] = []
        var order = 0.0
        for (index, domain) in content.domains.enumerated() {
            domains[index] = StandardContent.Domain(label: domain.label, objectives: [])
            for objective in domain.objectives {
                placed.append((objective.code, index, order, objective))
                order += 1
            }
        }
        var report: [SheetImportReport.Row] = []
        for (line, cells) in table {
            let code = cells["unique_code"] ?? ""
            func reject(_ reason: String) { report.append(.init(line: line, key: code, outcome: .rejected, reason: reason)) }
            guard !code.isEmpty else { reject("unique_code is empty."); continue }
            let position = cells["position"].flatMap { $0.isEmpty ? nil : $0 }
            let priority = cells["priority"].flatMap { $0.isEmpty ? nil : $0 }
            let domainPosition = cells["domain_position"].flatMap { $0.isEmpty ? nil : $0 }
            if let position, Int(position) == nil || Int(position)! < 0 { reject("position is not a whole number of 0 or more."); continue }
            if let priority, Int(priority).map({ (0...1000).contains($0) }) != true { reject("priority is not a whole number from 0 to 1000."); continue }
            if let domainPosition, Int(domainPosition).map({ (0...999).contains($0) }) != true {
                reject("domain_position is not a whole number from 0 to 999."); continue
            }
            let existing = placed.firstIndex { $0.code.lowercased() == code.lowercased() }
            if existing == nil, language != .en { reject(Self.englishFirst); continue }
            if existing == nil, (cells["objective"] ?? "").isEmpty { reject("A new objective needs its title in objective."); continue }
            guard let target = domainPosition.flatMap(Int.init) ?? existing.map({ placed[$0].domain }) else {
                reject("A new objective needs its domain_position."); continue
            }
            let domainLabel = cells["domain"] ?? ""
            if domains[target] == nil {
                guard !domainLabel.isEmpty else { reject("Domain \(target) does not exist; give its label in domain."); continue }
                guard language == .en else { reject(Self.englishFirst); continue }
                domains[target] = StandardContent.Domain(label: LanguageMap([:]), objectives: [])
            }
            let beforeDomain = domains[target]!.label
            domains[target]!.label = setting(domains[target]!.label, language, domainLabel)
            var objective = existing.map { placed[$0].objective } ?? StandardContent.Objective(code: code, title: LanguageMap([:]))
            let before = existing.map { placed[$0] }
            objective.title = setting(objective.title, language, cells["objective"])
            objective.description = setting(objective.description ?? LanguageMap([:]), language, cells["description"])
            if let priority { objective.priority = Int(priority) }
            let newPosition = position.flatMap(Double.init).map { $0 - 0.5 } ?? before?.position ?? order
            if existing == nil { order += 1 }
            let entry = (code: before?.code ?? code, domain: target, position: newPosition, objective: objective)
            if let existing { placed[existing] = entry } else { placed.append(entry) }
            let changed = before.map {
                $0.domain != target || $0.objective.title != objective.title || ($0.objective.description ?? LanguageMap([:])) != objective.description
                    || ($0.objective.priority ?? 0) != (objective.priority ?? 0) || (position != nil && Int(position!) != Int($0.position))
            } ?? true
            report.append(.init(line: line, key: code, outcome: existing == nil ? .new : (changed || beforeDomain != domains[target]!.label ? .updated
                : .unchanged), reason: nil))
        }
        // The standard's order: by position, ties in the order they were.
        let ordered = placed.enumerated().sorted { ($0.element.position, $0.offset) < ($1.element.position, $1.offset) }.map(\.element)
        content.domains = domains.keys.sorted().map { key in
            var domain = domains[key]!
            domain.objectives = ordered.filter { $0.domain == key }.map(\.objective)
            return domain
        }
        return report
    }

    /// Merges measure rows: the objective by code, the level by number (created with the
    /// `maturity_level` label and colour when new), the measure by its position within the
    /// objective's measures of that level (appended when past the last one).
    static func mergeMeasures(_ table: [(line: Int, cells: [String: String])], into content: inout StandardContent, language: Language)
        -> [SheetImportReport.Row] {
        var report: [SheetImportReport.Row] = []
        for (line, cells) in table {
            let code = cells["security_objective"] ?? ""
            let levelText = cells["maturity_level_level"] ?? "", positionText = cells["position"] ?? ""
            let key = "\(code)/\(levelText)/\(positionText)"
            func reject(_ reason: String) { report.append(.init(line: line, key: key, outcome: .rejected, reason: reason)) }
            guard let d = content.domains.firstIndex(where: { $0.objectives.contains { $0.code.lowercased() == code.lowercased() } }),
                  let o = content.domains[d].objectives.firstIndex(where: { $0.code.lowercased() == code.lowercased() }) else {
                reject("No objective \(code.isEmpty ? "(empty code)" : code) in this standard; import the objectives first."); continue
            }
            guard let level = Int(levelText), (0...20).contains(level) else { reject("maturity_level_level is not a whole number from 0 to 20."); continue }
            if !positionText.isEmpty, Int(positionText).map({ $0 >= 0 }) != true { reject("position is not a whole number of 0 or more."); continue }
            let color = cells["maturity_level_color"] ?? ""
            if !color.isEmpty, !StandardContent.isColor(color) { reject("maturity_level_color is not #RGB or #RRGGBB."); continue }
            let description = cells["description"] ?? ""
            var levelChanged = false
            if let l = content.levels.firstIndex(where: { $0.level == level }) {
                let before = content.levels[l]
                content.levels[l].label = setting(before.label, language, cells["maturity_level"])
                if !color.isEmpty { content.levels[l].color = color.uppercased() }
                levelChanged = content.levels[l].label != before.label || content.levels[l].color?.uppercased() != before.color?.uppercased()
            } else {
                guard let label = cells["maturity_level"], !label.isEmpty else { reject("Level \(level) does not exist; give its label in maturity_level."); continue }
                guard language == .en else { reject(Self.englishFirst); continue }
                content.levels.append(.init(level: level, label: LanguageMap([language.rawValue: label]),
                                            color: color.isEmpty ? nil : color.uppercased()))
                content.levels.sort { $0.level < $1.level }
                levelChanged = true
            }
            var measures = content.domains[d].objectives[o].measures
            let sameLevel = measures.indices.filter { measures[$0].level == level }
            let position = Int(positionText) ?? sameLevel.count
            if position < sameLevel.count {
                let index = sameLevel[position]
                let before = measures[index]
                measures[index].description = setting(before.description, language, description)
                measures[index].evidence = setting(before.evidence ?? LanguageMap([:]), language, cells["evidence"])
                let changed = measures[index].description != before.description || measures[index].evidence != (before.evidence ?? LanguageMap([:]))
                report.append(.init(line: line, key: key, outcome: changed || levelChanged ? .updated : .unchanged, reason: nil))
            } else {
                guard !description.isEmpty else { reject("A new measure needs its description."); continue }
                guard language == .en else { reject(Self.englishFirst); continue }
                measures.append(.init(level: level, description: LanguageMap([language.rawValue: description]),
                                      evidence: cells["evidence"].flatMap { $0.isEmpty ? nil : LanguageMap([language.rawValue: $0]) }))
                report.append(.init(line: line, key: "\(code)/\(level)/\(sameLevel.count)", outcome: .new, reason: nil))
            }
            content.domains[d].objectives[o].measures = measures
        }
        return report
    }
}
