import Documents
import Foundation

/// What one yearly report shows besides its figures: who it is about, the regulator's remarks,
/// and how the regulator's reports look.
public struct AnnualReportContent: Sendable {
    public var operatorName: String
    public var sectorName: String
    public var standardName: String
    public var language: Language
    public var publishedOn: Date
    /// The chosen observations' descriptions, in order, in the report's language.
    public var observations: [String]
    public var comment: String
    public var configuration: ReportConfiguration
    public var logo: Data?

    public init(operatorName: String, sectorName: String, standardName: String, language: Language, publishedOn: Date, observations: [String],
                comment: String, configuration: ReportConfiguration, logo: Data?) {
        self.operatorName = operatorName
        self.sectorName = sectorName
        self.standardName = standardName
        self.language = language
        self.publishedOn = publishedOn
        self.observations = observations
        self.comment = comment
        self.configuration = configuration
        self.logo = logo
    }
}

/// The yearly report as a document: a cover, a table of contents, then the configured sections
/// with their charts (§8.3 of the reference) and tables (§8.4), drawn by the Documents engine.
/// Pure: the figures come from ``ReportDataset``.
public enum AnnualReport {
    public static func document(_ content: AnnualReportContent, inputs: ReportInputs, dataset: ReportDataset) -> Document {
        let words = ReportWording.of(content.language)
        let texts = content.configuration.texts[content.language] ?? ReportTexts()
        var builder = Builder(content: content, inputs: inputs, dataset: dataset, words: words)
        let title = texts.coverTitle ?? "\(words.annualReport) \(inputs.referenceYear)"
        var blocks: [Document.Block] = [.spacer(height: 120), .title(text: title, subtitle: "\(content.operatorName) — \(content.sectorName)")]
        if let cover = texts.coverText { blocks.append(.paragraph(text: cover)) }
        blocks += [.spacer(height: 24), .keyValues(pairs: [
            KeyValue(words.standard, content.standardName),
            KeyValue(words.publicationDate, builder.date(content.publishedOn)),
        ]), .pageBreak, .tableOfContents(title: words.contents, depth: 2), .pageBreak]
        for section in content.configuration.sections {
            blocks.append(.heading(level: 1, text: texts.sections[section]?.title ?? words.sections[section] ?? section.rawValue))
            if let intro = texts.sections[section]?.intro { blocks.append(.paragraph(text: intro)) }
            blocks += builder.blocks(section)
        }
        return Document(title: title, author: content.operatorName, subject: "\(content.operatorName) — \(content.sectorName)",
                        createdAt: content.publishedOn, header: "\(title) — \(content.operatorName) — \(content.sectorName)",
                        pageLabel: words.pageLabel, logoPNG: content.logo, blocks: blocks)
    }

    /// The file name of a report: `<language_>annual_report_<year>_<operator>_<sector>.pdf` in the
    /// report's language, without characters that trouble file systems or archives.
    public static func filename(language: Language, prefixed: Bool, year: Int, operatorName: String, sectorName: String) -> String {
        let stem = ReportWording.of(language).fileStem
        return (prefixed ? "\(language.rawValue)_" : "") + "\(stem)_\(year)_\(cleanName(operatorName))_\(cleanName(sectorName)).pdf"
    }

    /// Letters (accents kept), digits, `-` and `.`; anything else becomes one `_`.
    static func cleanName(_ text: String) -> String {
        var result = ""
        for character in text {
            if character.isLetter || character.isNumber || character == "-" || character == "." {
                result.append(character)
            } else if result.last != "_" {
                result.append("_")
            }
        }
        let trimmed = result.trimmingCharacters(in: CharacterSet(charactersIn: "_."))
        return trimmed.isEmpty ? "report" : String(trimmed.prefix(80))
    }

    /// The colour of a score on the scale through the levels' colours (a standard with one level
    /// gives that level's colour; the reference divided by zero).
    static func gradient(_ value: Double, levels: [ReportInputs.Level]) -> String? {
        let stops = levels.sorted { $0.level < $1.level }.compactMap { level in rgb(level.color).map { (Double(level.level), $0) } }
        guard let first = stops.first, let last = stops.last else { return nil }
        guard last.0 > first.0 else { return hex(first.1) }
        let clamped = min(max(value, first.0), last.0)
        for (lower, upper) in zip(stops, stops.dropFirst()) where clamped <= upper.0 {
            let t = upper.0 > lower.0 ? (clamped - lower.0) / (upper.0 - lower.0) : 0
            return hex((0..<3).map { lower.1[$0] + (upper.1[$0] - lower.1[$0]) * t })
        }
        return hex(last.1)
    }

    private static func rgb(_ hex: String) -> [Double]? {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        guard digits.count == 6, let value = UInt32(digits, radix: 16) else { return nil }
        return [Double((value >> 16) & 0xFF), Double((value >> 8) & 0xFF), Double(value & 0xFF)]
    }

    private static func hex(_ components: [Double]) -> String {
        "#" + components.map { String(format: "%02X", Int($0.rounded())) }.joined()
    }

    static let postponedColor = "#FFC000"
    static let closedColor = "#00B050"

    /// Lays out each section.
    struct Builder {
        let content: AnnualReportContent
        let inputs: ReportInputs
        let dataset: ReportDataset
        let words: ReportWording
        let colors: [String]

        init(content: AnnualReportContent, inputs: ReportInputs, dataset: ReportDataset, words: ReportWording) {
            self.content = content
            self.inputs = inputs
            self.dataset = dataset
            self.words = words
            colors = content.configuration.chartColors
        }

        var years: [Int] { inputs.years }
        var yearHeaders: [String] { years.map(String.init) }
        /// The highest maturity level: the rim of the radars.
        var topLevel: Double { Double(max(inputs.levels.map(\.level).max() ?? 1, 1)) }

        func date(_ date: Date) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: content.language.rawValue)
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "d MMMM yyyy"
            return formatter.string(from: date)
        }

        func number(_ value: Double?, decimals: Int = 1) -> String {
            guard let value else { return "-" }
            let text = String(format: "%.\(decimals)f", value)
            return content.language == .en ? text : text.replacingOccurrences(of: ".", with: ",")
        }

        func arrow(_ evolution: ReportDataset.Evolution?) -> String? {
            switch evolution {
            case .up: "↗"
            case .down: "↘"
            case .stable: "→"
            case nil: nil
            }
        }

        /// The arrows of a row's years after the first, "-" when none could be drawn.
        func arrows(_ points: [ReportDataset.Point]) -> String {
            let marks = points.dropFirst().compactMap { arrow($0.evolution) }
            return marks.isEmpty ? "-" : marks.joined(separator: " ")
        }

        func color(_ index: Int) -> String { colors[index % colors.count] }

        /// One value series per year, each with its year as group.
        func yearSeries(_ values: (Int, Int) -> [Double]) -> [ChartSeries] {
            years.enumerated().map { index, year in
                ChartSeries(name: String(year), values: values(index, year), role: .value, color: color(index), group: String(year))
            }
        }

        func sectorSeries(_ values: (Int, Int) -> [Double]) -> [ChartSeries] {
            years.enumerated().map { index, year in
                ChartSeries(name: words.sectorAverage(year), values: values(index, year), role: .average, color: color(index), group: String(year))
            }
        }

        /// An evolution table: label, one column per year (the reference year's cell coloured by
        /// its level), the arrows, and optionally the sector's reference-year average.
        func evolutionTable(_ rows: [ReportDataset.Row], label: String, yearWidth: Double, decimals: Int, sector: Bool) -> Table {
            let last = years.count - 1
            var tableRows: [[String]] = []
            var fills: [[String?]] = []
            for row in rows {
                var cells = [row.label]
                var rowFills: [String?] = [nil]
                for (index, point) in row.points.enumerated() {
                    cells.append(point.value.map { decimals == 0 ? String(Int($0)) : number($0, decimals: decimals) } ?? "-")
                    rowFills.append(index == last ? point.value.flatMap { AnnualReport.gradient($0, levels: inputs.levels) } : nil)
                }
                cells.append(arrows(row.points))
                rowFills.append(nil)
                if sector {
                    cells.append(number(row.sectorAverages.last ?? nil))
                    rowFills.append(nil)
                }
                tableRows.append(cells)
                fills.append(rowFills)
            }
            var columns = [label] + yearHeaders + [words.evolution]
            var widths = [0.4] + Array(repeating: yearWidth, count: years.count) + [0.15]
            if sector {
                columns.append(words.sectorAverage(inputs.referenceYear))
                widths.append(0.15)
            }
            return Table(columns: columns, rows: tableRows, widths: widths, fills: fills)
        }

        func rankingTable(_ ranked: [RiskFigures.Occurrences], title: String) -> Table {
            Table(columns: [words.rank, title, words.occurrences],
                  rows: ranked.map { [String($0.rank), $0.names.map { "• \($0)" }.joined(separator: "\n"), String($0.count)] },
                  widths: [0.1, 0.75, 0.15])
        }

        func sectorRankingTable(_ ranked: [ReportDataset.RankedObjective]) -> Table {
            Table(columns: [words.rank, "\(words.sectorRanking) \(inputs.referenceYear)", words.sectorScores, words.operatorScores],
                  rows: ranked.map { [String($0.rank), $0.label, number($0.sectorScore), String($0.operatorScore)] },
                  widths: [0.05, 0.65, 0.15, 0.15])
        }

        var noData: Document.Block { .paragraph(text: words.noData) }

        mutating func blocks(_ section: ReportSection) -> [Document.Block] {
            let risks = dataset.risks
            let hasObjectives = inputs.operatorScores[inputs.referenceYear] != nil
            let hasRisks = inputs.operatorAnalyses[inputs.referenceYear] != nil
            switch section {
            case .context:
                return [.keyValues(pairs: [
                    KeyValue(words.operatorName, content.operatorName), KeyValue(words.sector, content.sectorName),
                    KeyValue(words.standard, content.standardName), KeyValue(words.referenceYear, String(inputs.referenceYear)),
                    KeyValue(words.yearsCompared, yearHeaders.joined(separator: ", ")),
                    KeyValue(words.highRiskThreshold, String(inputs.highRiskThreshold)), KeyValue(words.topRanking, String(inputs.topRanking)),
                    KeyValue(words.publicationDate, date(content.publishedOn)),
                ])]

            case .maturityLevels:
                guard hasObjectives else { return [noData] }
                let labels = inputs.levels.map { "\($0.level) \($0.label)" }
                let chart = BarChart(
                    title: words.chartObjectivesByLevel, categories: labels,
                    series: yearSeries { _, year in (dataset.countsByLevel[year] ?? []).map(Double.init) }
                        + sectorSeries { _, year in (dataset.sectorCountsByLevel[year] ?? []).map(Double.init) })
                let columns = dataset.objectivesByLevel.map { "\($0.level.level) (\($0.level.label))" }
                let depth = dataset.objectivesByLevel.map(\.objectives.count).max() ?? 0
                let rows = (0..<depth).map { index in dataset.objectivesByLevel.map { index < $0.objectives.count ? $0.objectives[index] : "" } }
                return [.barChart(chart), .table(Table(columns: columns, rows: rows)), legend()]

            case .domains:
                guard hasObjectives else { return [noData] }
                let axes = inputs.domains.map(\.label)
                let own = yearSeries { index, _ in dataset.domainsByYear.map { $0.points[index].value ?? 0 } }
                // The sector's average of the reference year only (the reference put every year's
                // values in that one series).
                let sector = ChartSeries(name: words.sectorAverage(inputs.referenceYear),
                                         values: dataset.domainsByYear.map { ($0.sectorAverages.last ?? nil) ?? 0 }, role: .average)
                return [
                    .radarChart(RadarChart(title: words.chartDomains, axes: axes, series: own, maximum: topLevel)),
                    .radarChart(RadarChart(title: words.chartDomainsWithSector, axes: axes, series: own + [sector], maximum: topLevel)),
                    .table(evolutionTable(dataset.domainsByYear, label: words.domain, yearWidth: 0.1, decimals: 1, sector: true)),
                ]

            case .objectives:
                guard hasObjectives else { return [noData] }
                let axes = inputs.objectives.map(\.code)
                let series = yearSeries { index, _ in dataset.objectivesByYear.map { $0.points[index].value ?? 0 } }
                return [
                    .radarChart(RadarChart(title: words.chartObjectives, axes: axes, series: series, maximum: topLevel)),
                    .table(evolutionTable(dataset.objectivesByYear, label: words.objective, yearWidth: 0.1, decimals: 0, sector: false)),
                ]

            case .sectorRanking:
                guard hasObjectives else { return [noData] }
                return [.heading(level: 2, text: words.highest), .table(sectorRankingTable(dataset.highestInSector)),
                        .heading(level: 2, text: words.lowest), .table(sectorRankingTable(dataset.lowestInSector))]

            case .weakestObjectives:
                guard hasObjectives else { return [noData] }
                return [.table(evolutionTable(dataset.weakestObjectives, label: words.objective, yearWidth: 0.15, decimals: 0, sector: false)),
                        legend()]

            case .riskLevels:
                guard hasRisks else { return [noData] }
                let categories = risks.services.map(\.label) + [words.allServices]
                return [
                    .barChart(BarChart(title: words.chartAverageRisk, categories: categories,
                                       series: yearSeries { index, _ in risks.services.map { $0.averageRisk[index] } + [risks.allServicesAverageRisk[index]] }
                                           + sectorSeries { index, _ in
                                               risks.services.map { $0.sectorAverageRisk[index] } + [risks.allServicesSectorAverageRisk[index]]
                                           })),
                    .barChart(BarChart(title: words.chartHighRiskRate, categories: risks.services.map(\.label),
                                       series: yearSeries { index, _ in risks.services.map { $0.highRiskRate[index] } }, percent: true)),
                    .barChart(BarChart(title: words.chartAverageHighRisk, categories: categories,
                                       series: yearSeries { index, _ in
                                           risks.services.map { $0.averageHighRisk[index] } + [risks.allServicesAverageHighRisk[index]]
                                       } + sectorSeries { index, _ in
                                           risks.services.map { $0.sectorAverageHighRisk[index] } + [risks.allServicesSectorAverageHighRisk[index]]
                                       })),
                ]

            case .highestRisks:
                guard hasRisks else { return [noData] }
                guard !risks.highestRisks.isEmpty else { return [noData] }
                let highest = risks.highestRisks
                let asset = { (risk: RiskFigures.HighestRisk) in "\(risk.service) > \(risk.asset)" }
                return [
                    .barChart(BarChart(title: words.chartHighestRisks, categories: highest.map(\.id),
                                       series: yearSeries { index, _ in highest.map { Double($0.maxRiskByYear[index] ?? 0) } })),
                    .table(Table(columns: [words.id, words.asset, words.threat, words.vulnerability] + yearHeaders.map { "\(words.currentRiskMax) \($0)" },
                                 rows: highest.map { risk in
                                     [risk.id, asset(risk), risk.threat, risk.vulnerability] + risk.maxRiskByYear.map { $0.map(String.init) ?? "-" }
                                 },
                                 widths: [0.12, 0.25, 0.23, 0.3] + Array(repeating: 0.1, count: years.count))),
                    .table(Table(columns: [words.id, words.asset, words.threat, words.vulnerability, words.currentRiskMax, words.treatment,
                                           words.residualRisk],
                                 rows: highest.map { risk in
                                     [risk.id, asset(risk), risk.threat, risk.vulnerability, String(risk.maxRisk),
                                      words.treatments[risk.treatment] ?? risk.treatment.rawValue, risk.residualRisk >= 0 ? String(risk.residualRisk) : "-"]
                                 },
                                 widths: [0.12, 0.17, 0.16, 0.22, 0.12, 0.15, 0.12])),
                ]

            case .riskSummary:
                guard hasRisks else { return [noData] }
                let summaries = risks.summaries
                func row(_ label: String, _ value: (RiskFigures.Summary) -> String) -> [String] {
                    [label] + summaries.map { $0.map(value) ?? "-" }
                }
                let rows = [
                    row(words.treatedRisks) { String($0.treatedRisks) }, row(words.untreatedRisks) { String($0.untreatedRisks) },
                    row(words.averageTreatedCurrentRisk) { number($0.averageCurrentRisk, decimals: 2) },
                    row(words.highRisks) { String($0.highRisks) }, row(words.averageHighRisk) { number($0.averageHighRisk, decimals: 2) },
                    row(words.averageResidualRisk) { number($0.averageResidualRisk, decimals: 2) },
                    row(words.reducedRisks) { String($0.reducedRisks) }, row(words.deniedRisks) { String($0.deniedRisks) },
                    row(words.acceptedRisks) { String($0.acceptedRisks) }, row(words.sharedRisks) { String($0.sharedRisks) },
                ]
                return [.table(Table(columns: [words.indicator] + yearHeaders, rows: rows,
                                     widths: [0.7] + Array(repeating: 0.15, count: years.count)))]

            case .threatsAndVulnerabilities:
                guard hasRisks else { return [noData] }
                return [.table(rankingTable(risks.topThreats, title: words.threats)),
                        .table(rankingTable(risks.topVulnerabilities, title: words.vulnerabilities))]

            case .recommendations:
                guard hasRisks else { return [noData] }
                guard !risks.recommendations.isEmpty else { return [noData] }
                let rows = risks.recommendations.map { recommendation in
                    ["\(recommendation.code) — \(recommendation.description)", recommendation.dueDate.map(dueDate) ?? "-",
                     words.statuses[recommendation.status] ?? recommendation.status.rawValue]
                }
                let fills: [[String?]] = risks.recommendations.map { recommendation in
                    switch recommendation.status {
                    case .closed: [nil, nil, AnnualReport.closedColor]
                    case .postponed, .toCheck: [nil, nil, AnnualReport.postponedColor]
                    case .new: [nil, nil, nil]
                    }
                }
                return [.table(Table(columns: [words.recommendation, words.deadline, words.status], rows: rows, widths: [0.7, 0.15, 0.15],
                                     fills: fills))]

            case .observations:
                var blocks: [Document.Block] = [.paragraph(text: content.observations.isEmpty ? words.noObservations
                                                            : content.observations.map { "• \($0)" }.joined(separator: "\n"))]
                if !content.comment.isEmpty { blocks += [.heading(level: 2, text: words.comment), .paragraph(text: content.comment)] }
                return blocks
            }
        }

        /// `YYYY-MM-DD` as the report's language writes dates.
        func dueDate(_ text: String) -> String {
            let parts = text.split(separator: "-")
            guard parts.count == 3 else { return text }
            return content.language == .en ? text : "\(parts[2])/\(parts[1])/\(parts[0])"
        }

        /// The maturity levels in their colours, and what the arrows mean.
        func legend() -> Document.Block {
            .table(Table(columns: ["", words.maturityLevels],
                         rows: inputs.levels.map { [String($0.level), $0.label] }
                            + [["↘ → ↗", "↘ \(words.downward)   → \(words.stable)   ↗ \(words.upward)"]],
                         widths: [0.1, 0.9], fills: inputs.levels.map { [$0.color, nil] }))
        }
    }
}
