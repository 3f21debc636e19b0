import Foundation

/// What one yearly report is computed from: the standard, the operator's and its sector's
/// declarations and risk analyses for the report's years, and the project's settings. Loaded
/// from the database by the generation job; built by hand in tests.
public struct ReportInputs: Sendable {
    public struct Level: Sendable, Equatable {
        public var level: Int
        public var label: String
        public var color: String

        public init(level: Int, label: String, color: String) {
            (self.level, self.label, self.color) = (level, label, color)
        }
    }

    public struct Domain: Sendable, Equatable {
        public var id: UUID
        public var label: String

        public init(id: UUID, label: String) {
            (self.id, self.label) = (id, label)
        }
    }

    public struct Objective: Sendable, Equatable {
        public var id: UUID
        public var code: String
        public var title: String
        public var domainID: UUID
        public var priority: Int

        public init(id: UUID, code: String, title: String, domainID: UUID, priority: Int) {
            (self.id, self.code, self.title, self.domainID, self.priority) = (id, code, title, domainID, priority)
        }
    }

    /// One operator's risk analysis for one year.
    public struct Analysis: Sendable {
        public var services: [RiskServiceSummary]
        public var risks: [Risk]
        public var recommendations: [Recommendation]

        init(services: [RiskServiceSummary], risks: [Risk], recommendations: [Recommendation]) {
            (self.services, self.risks, self.recommendations) = (services, risks, recommendations)
        }

        /// An analysis as an import stores it, texts in `language` (or whichever the file had).
        public init(_ export: MonarcExport, language: Language) {
            services = export.services.map { RiskServiceSummary(serviceUUID: $0.uuid, label: $0.label, statistics: $0.statistics) }
            risks = export.services.flatMap { service in
                service.risks.map { risk in
                    Risk(uuid: risk.uuid, serviceUUID: service.uuid, assetLabel: risk.assetLabel.anyText(preferring: language),
                         threatUUID: risk.threatUUID, threatLabel: risk.threatLabel.anyText(preferring: language),
                         vulnerabilityUUID: risk.vulnerabilityUUID, vulnerabilityLabel: risk.vulnerabilityLabel.anyText(preferring: language),
                         threatValue: risk.threatValue, vulnerabilityValue: risk.vulnerabilityValue, maxRisk: risk.maxRisk, residualRisk: risk.residualRisk,
                         riskC: risk.riskC, riskI: risk.riskI, riskA: risk.riskA, impactC: risk.impactC, impactI: risk.impactI, impactA: risk.impactA,
                         treatment: risk.treatment)
                }
            }
            recommendations = export.recommendations.map { Recommendation(code: $0.code, description: $0.description, dueDate: $0.dueDate) }
        }
    }

    /// A risk as the reports read it.
    public struct Risk: Sendable, Equatable {
        public var uuid: UUID
        public var serviceUUID: UUID
        public var assetLabel: String
        public var threatUUID: UUID
        public var threatLabel: String
        public var vulnerabilityUUID: UUID
        public var vulnerabilityLabel: String
        public var threatValue: Int
        public var vulnerabilityValue: Int
        public var maxRisk: Int
        public var residualRisk: Int
        public var riskC: Int, riskI: Int, riskA: Int
        public var impactC: Int, impactI: Int, impactA: Int
        public var treatment: RiskTreatment
    }

    public struct Recommendation: Sendable, Equatable {
        public var code: String
        public var description: String
        /// `YYYY-MM-DD`.
        public var dueDate: String?
    }

    /// Levels in ascending order.
    public var levels: [Level]
    /// Domains and objectives in the standard's order.
    public var domains: [Domain]
    public var objectives: [Objective]
    public var referenceYear: Int
    /// Ascending, ending with the reference year.
    public var years: [Int]
    public var highRiskThreshold: Int
    public var topRanking: Int
    /// The report's language (of service names, which analyses may hold in one language only).
    public var language: Language
    /// Per year, the operator's objective scores (its latest passed declaration); a year without
    /// one is absent.
    public var operatorScores: [Int: [UUID: Double]]
    /// Per year and objective, the scores of every operator of the sector (the operator
    /// included): how many operators scored it, and the sum of their scores.
    public var sectorScores: [Int: [UUID: SectorTotal]]

    /// How many values of the sector's operators, and their sum: the sector's figures are
    /// totalled by the database (a sector holds tens of thousands of scores and hundreds of
    /// thousands of risks), a report needs only these.
    public struct SectorTotal: Sendable, Equatable {
        public var count: Int
        public var total: Double

        public init(count: Int, total: Double) {
            (self.count, self.total) = (count, total)
        }

        public var mean: Double? { count > 0 ? total / Double(count) : nil }

        mutating func add(_ value: Double) {
            count += 1
            total += value
        }
    }

    /// Totals per year and key of `values`, as the loader totals them in the database.
    static func totals<T>(_ items: [Int: [T]], _ values: (T) -> [(UUID, Double)]) -> [Int: [UUID: SectorTotal]] {
        items.mapValues { list in
            var totals: [UUID: SectorTotal] = [:]
            for (key, value) in list.flatMap(values) { totals[key, default: SectorTotal(count: 0, total: 0)].add(value) }
            return totals
        }
    }

    /// The sector's score totals from each operator's scores.
    public static func sectorScores(_ operators: [Int: [[UUID: Double]]]) -> [Int: [UUID: SectorTotal]] {
        totals(operators) { Array($0) }
    }

    /// The sector's totals of the services' mean current risk, from each operator's services.
    public static func sectorServiceRisks(_ operators: [Int: [[RiskServiceSummary]]]) -> [Int: [UUID: SectorTotal]] {
        totals(operators) { services in services.compactMap { service in service.statistics.averageCurrentRisk.map { (service.serviceUUID, $0) } } }
    }
    /// Per year, the operator's analysis.
    public var operatorAnalyses: [Int: Analysis]
    /// Per year and service, the services' mean current risk in every operator's analysis of
    /// the sector (the operator included): how many have one, and their sum.
    public var sectorServiceRisks: [Int: [UUID: SectorTotal]]
    /// Per year and service, the sector's high risks (treated, above the threshold) in every
    /// operator's analysis (the operator included): how many, and their current risks' sum.
    public var sectorHighRisks: [Int: [UUID: SectorTotal]]

    /// Whether a risk counts as high: treated, and its current risk above the threshold.
    static func isHigh(_ risk: Risk, threshold: Int) -> Bool { risk.treatment != .untreated && risk.maxRisk > threshold }

    /// The sector's high-risk totals from the analyses' risks, as the loader computes them in
    /// the database.
    public static func sectorHighRisks(_ risks: [Int: [[Risk]]], threshold: Int) -> [Int: [UUID: SectorTotal]] {
        totals(risks) { analysis in analysis.filter { isHigh($0, threshold: threshold) }.map { ($0.serviceUUID, Double($0.maxRisk)) } }
    }

    public init(levels: [Level], domains: [Domain], objectives: [Objective], referenceYear: Int, years: [Int], highRiskThreshold: Int,
                topRanking: Int, language: Language = .en, operatorScores: [Int: [UUID: Double]], sectorScores: [Int: [UUID: SectorTotal]],
                operatorAnalyses: [Int: Analysis], sectorServiceRisks: [Int: [UUID: SectorTotal]],
                sectorHighRisks: [Int: [UUID: SectorTotal]]) {
        self.levels = levels
        self.domains = domains
        self.objectives = objectives
        self.referenceYear = referenceYear
        self.years = years
        self.highRiskThreshold = highRiskThreshold
        self.topRanking = topRanking
        self.language = language
        self.operatorScores = operatorScores
        self.sectorScores = sectorScores
        self.operatorAnalyses = operatorAnalyses
        self.sectorServiceRisks = sectorServiceRisks
        self.sectorHighRisks = sectorHighRisks
    }
}

/// The figures of one yearly report, computed from ``ReportInputs`` by ``ReportDataset/init(_:)``
/// and drawn by the PDF. Pure: no database, no drawing.
public struct ReportDataset: Sendable {
    /// The way a value moved since the year before.
    public enum Evolution: String, Sendable, Equatable {
        case up, down, stable
    }

    /// One year's value of a row, and how it moved since the previous year.
    public struct Point: Sendable, Equatable {
        public var value: Double?
        public var evolution: Evolution?
    }

    public struct Row: Sendable, Equatable {
        public var label: String
        /// One per report year, ascending.
        public var points: [Point]
        /// The sector's value per year (domains only).
        public var sectorAverages: [Double?]
    }

    public struct RankedObjective: Sendable, Equatable {
        public var rank: Int
        public var label: String
        public var sectorScore: Double
        public var operatorScore: Int
    }

    // Security objectives.
    public var objectivesByYear: [Row]
    public var domainsByYear: [Row]
    public var weakestObjectives: [Row]
    /// Per level (ascending), the labels of the operator's objectives at that level in the
    /// reference year.
    public var objectivesByLevel: [(level: ReportInputs.Level, objectives: [String])]
    /// Per year, how many of the operator's objectives (and of the sector's, by their floored
    /// mean) are at each level.
    public var countsByLevel: [Int: [Int]]
    public var sectorCountsByLevel: [Int: [Int]]
    public var highestInSector: [RankedObjective]
    public var lowestInSector: [RankedObjective]

    // Risks.
    public var risks: RiskFigures

    public init(_ inputs: ReportInputs) {
        let years = inputs.years

        // Per objective, per year: the operator's floored score and its evolution.
        objectivesByYear = inputs.objectives.map { objective in
            let values = years.map { year in inputs.operatorScores[year].map { $0[objective.id].map { $0.rounded(.down) } ?? 0 } }
            return Row(label: "\(objective.code): \(objective.title)", points: Self.points(values), sectorAverages: [])
        }

        // Per domain: the operator's mean raw score; the sector's pooled mean over every operator.
        domainsByYear = inputs.domains.map { domain in
            let members = inputs.objectives.filter { $0.domainID == domain.id }.map(\.id)
            let values: [Double?] = years.map { year in
                guard let scores = inputs.operatorScores[year] else { return nil }
                return Self.mean(members.compactMap { scores[$0] }).map { Self.rounded($0, 1) }
            }
            let sector: [Double?] = years.map { year in
                let pooled = members.compactMap { inputs.sectorScores[year]?[$0] }
                let count = pooled.reduce(0) { $0 + $1.count }
                return count > 0 ? Self.rounded(pooled.reduce(0) { $0 + $1.total } / Double(count), 1) : nil
            }
            return Row(label: domain.label, points: Self.points(values), sectorAverages: sector)
        }

        // The weakest objectives of the reference year (the reference ordered them by the oldest
        // year with data and always showed five): lowest level first, then priority.
        let reference = inputs.operatorScores[inputs.referenceYear] ?? [:]
        let ordered = zip(inputs.objectives, objectivesByYear).sorted { lhs, rhs in
            let left = (reference[lhs.0.id] ?? 0).rounded(.down), right = (reference[rhs.0.id] ?? 0).rounded(.down)
            return left != right ? left < right : lhs.0.priority < rhs.0.priority
        }
        weakestObjectives = reference.isEmpty ? [] : ordered.prefix(inputs.topRanking).map(\.1)

        // Objectives by level in the reference year, weakest score first within a level.
        objectivesByLevel = inputs.levels.map { level in
            let names = inputs.objectives.filter { reference[$0.id].map { Int($0.rounded(.down)) == level.level } ?? false }
                .sorted { (reference[$0.id] ?? 0) < (reference[$1.id] ?? 0) }
                .map { "\($0.code): \($0.title)" }
            return (level, names)
        }

        // Counts per level, the operator's and the sector's (by the floored mean over operators).
        var counts: [Int: [Int]] = [:], sectorCounts: [Int: [Int]] = [:]
        let sectorMeans = Self.sectorObjectiveMeans(inputs)
        for year in years {
            counts[year] = inputs.levels.map { level in
                inputs.objectives.filter { objective in
                    inputs.operatorScores[year]?[objective.id].map { Int($0.rounded(.down)) == level.level } ?? false
                }.count
            }
            sectorCounts[year] = inputs.levels.map { level in
                (sectorMeans[year] ?? [:]).values.filter { Int($0.rounded(.down)) == level.level }.count
            }
        }
        countsByLevel = counts
        sectorCountsByLevel = sectorCounts

        // The sector's ranking in the reference year: objectives grouped by their floored mean,
        // the top (or bottom) `topRanking` groups.
        let means = sectorMeans[inputs.referenceYear] ?? [:]
        func ranking(descending: Bool) -> [RankedObjective] {
            let groups = Dictionary(grouping: inputs.objectives.filter { means[$0.id] != nil }) { Int(means[$0.id]!.rounded(.down)) }
            let levels = groups.keys.sorted(by: descending ? (>) : (<)).prefix(inputs.topRanking)
            return levels.enumerated().flatMap { rank, level in
                groups[level]!.map { objective in
                    RankedObjective(rank: rank + 1, label: "\(objective.code): \(objective.title)", sectorScore: Self.rounded(means[objective.id]!, 1),
                                    operatorScore: Int((reference[objective.id] ?? 0).rounded(.down)))
                }
            }
        }
        highestInSector = ranking(descending: true)
        lowestInSector = ranking(descending: false)
        risks = RiskFigures(inputs)
    }

    /// Per year, each objective's mean raw score over the sector's operators that scored it.
    static func sectorObjectiveMeans(_ inputs: ReportInputs) -> [Int: [UUID: Double]] {
        var result: [Int: [UUID: Double]] = [:]
        for (year, totals) in inputs.sectorScores {
            var means: [UUID: Double] = [:]
            for objective in inputs.objectives {
                if let mean = totals[objective.id]?.mean { means[objective.id] = mean }
            }
            result[year] = means
        }
        return result
    }

    /// Points with their evolution: compared with the previous year's value at one decimal.
    static func points(_ values: [Double?]) -> [Point] {
        values.enumerated().map { index, value in
            guard index > 0, let value, let previous = values[index - 1] else { return Point(value: value, evolution: nil) }
            let (now, before) = (rounded(value, 1), rounded(previous, 1))
            return Point(value: value, evolution: now > before ? .up : now < before ? .down : .stable)
        }
    }

    static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    static func rounded(_ value: Double, _ decimals: Int) -> Double {
        let factor = pow(10, Double(decimals))
        return (value * factor).rounded() / factor
    }
}

/// The risk figures of a report (§8.2 of the reference, with its defects fixed: the summary
/// covers every service, the highest risks are those above the threshold and keep their ids
/// across re-imports, recommendation statuses compare the analyses themselves).
public struct RiskFigures: Sendable {
    /// One service's figures per report year (ascending).
    public struct Service: Sendable, Equatable {
        public var label: String
        public var averageRisk: [Double]
        public var sectorAverageRisk: [Double]
        public var highRisks: [Int]
        public var treatedRisks: [Int]
        public var averageHighRisk: [Double]
        public var sectorAverageHighRisk: [Double]
        /// High risks ÷ treated risks, 0 without treated risks.
        public var highRiskRate: [Double]
    }

    public struct Summary: Sendable, Equatable {
        public var totalRisks = 0, treatedRisks = 0, untreatedRisks = 0
        public var reducedRisks = 0, deniedRisks = 0, acceptedRisks = 0, sharedRisks = 0
        public var averageCurrentRisk: Double?
        public var averageResidualRisk: Double?
        public var highRisks = 0
        public var averageHighRisk: Double?
    }

    public struct HighestRisk: Sendable, Equatable {
        /// `R` and the start of the risk's uuid: the same across re-imports of the analysis.
        public var id: String
        public var service: String
        public var asset: String
        public var threat: String
        public var vulnerability: String
        public var maxRisk: Int
        public var residualRisk: Int
        public var treatment: RiskTreatment
        /// The same risk's current risk per report year; nil where the year's analysis lacks it.
        public var maxRiskByYear: [Int?]
    }

    public struct Occurrences: Sendable, Equatable {
        public var rank: Int
        public var count: Int
        public var names: [String]
    }

    public enum RecommendationStatus: String, Sendable, Equatable {
        /// First in the reference year's analysis.
        case new
        /// In the previous year's analysis, no longer in the reference year's.
        case closed
        /// In both, its deadline moved.
        case postponed
        /// In both, with the same deadline, already past.
        case toCheck
    }

    public struct RecommendationRow: Sendable, Equatable {
        public var code: String
        public var description: String
        public var dueDate: String?
        public var status: RecommendationStatus
    }

    /// The reference year's services, in the analysis's order, then "all services" figures.
    public var services: [Service]
    public var allServicesAverageRisk: [Double]
    public var allServicesSectorAverageRisk: [Double]
    public var allServicesAverageHighRisk: [Double]
    public var allServicesSectorAverageHighRisk: [Double]
    /// Per report year; nil for a year without an analysis.
    public var summaries: [Summary?]
    public var highestRisks: [HighestRisk]
    public var topThreats: [Occurrences]
    public var topVulnerabilities: [Occurrences]
    public var recommendations: [RecommendationRow]

    init(_ inputs: ReportInputs) {
        let years = inputs.years
        let threshold = inputs.highRiskThreshold
        let reference = inputs.operatorAnalyses[inputs.referenceYear]
        func isHigh(_ risk: ReportInputs.Risk) -> Bool { ReportInputs.isHigh(risk, threshold: threshold) }
        func mean(_ values: [Int]) -> Double? { ReportDataset.mean(values.map(Double.init)) }
        func round2(_ value: Double?) -> Double { ReportDataset.rounded(value ?? 0, 2) }

        let services: [Service] = (reference?.services ?? []).map { service in
            let uuid = service.serviceUUID
            var figures = Service(label: service.label.anyText(preferring: inputs.language), averageRisk: [], sectorAverageRisk: [],
                                  highRisks: [], treatedRisks: [], averageHighRisk: [], sectorAverageHighRisk: [], highRiskRate: [])
            for year in years {
                let own = inputs.operatorAnalyses[year]
                let stats = own?.services.first { $0.serviceUUID == uuid }?.statistics
                let high = (own?.risks ?? []).filter { $0.serviceUUID == uuid && isHigh($0) }
                let sectorHigh = inputs.sectorHighRisks[year]?[uuid]
                figures.averageRisk.append(round2(stats?.averageCurrentRisk))
                figures.sectorAverageRisk.append(round2(inputs.sectorServiceRisks[year]?[uuid]?.mean))
                figures.highRisks.append(high.count)
                figures.treatedRisks.append(stats?.treatedRisks ?? 0)
                figures.averageHighRisk.append(round2(mean(high.map(\.maxRisk))))
                figures.sectorAverageHighRisk.append(round2(sectorHigh?.mean))
                figures.highRiskRate.append((stats?.treatedRisks ?? 0) > 0 ? ReportDataset.rounded(Double(high.count) / Double(stats!.treatedRisks), 4) : 0)
            }
            return figures
        }
        self.services = services
        // "All services": the unweighted mean of the services' values.
        func across(_ values: (Service) -> [Double]) -> [Double] {
            years.indices.map { index in round2(ReportDataset.mean(services.map { values($0)[index] })) }
        }
        allServicesAverageRisk = across(\.averageRisk)
        allServicesSectorAverageRisk = across(\.sectorAverageRisk)
        allServicesAverageHighRisk = across(\.averageHighRisk)
        allServicesSectorAverageHighRisk = across(\.sectorAverageHighRisk)

        // The summary over every service (the reference read the first service only).
        summaries = years.map { year in
            guard let analysis = inputs.operatorAnalyses[year] else { return nil }
            var summary = Summary()
            for service in analysis.services {
                let stats = service.statistics
                summary.totalRisks += stats.totalRisks
                summary.treatedRisks += stats.treatedRisks
                summary.untreatedRisks += stats.untreatedRisks
                summary.reducedRisks += stats.reducedRisks
                summary.deniedRisks += stats.deniedRisks
                summary.acceptedRisks += stats.acceptedRisks
                summary.sharedRisks += stats.sharedRisks
            }
            let treated = analysis.risks.filter { $0.treatment != .untreated }
            summary.averageCurrentRisk = mean(treated.map(\.maxRisk).filter { $0 != -1 }).map { ReportDataset.rounded($0, 2) }
            summary.averageResidualRisk = mean(treated.map(\.residualRisk).filter { $0 != -1 }).map { ReportDataset.rounded($0, 2) }
            let high = analysis.risks.filter(isHigh)
            summary.highRisks = high.count
            summary.averageHighRisk = mean(high.map(\.maxRisk)).map { ReportDataset.rounded($0, 2) }
            return summary
        }

        // The highest risks of the reference year above the threshold, one per (service, asset,
        // threat, vulnerability), followed through the other years by their uuid.
        let serviceLabels = Dictionary((reference?.services ?? []).map { ($0.serviceUUID, $0.label.anyText(preferring: inputs.language)) }) { a, _ in a }
        let candidates = (reference?.risks ?? []).filter(isHigh).sorted { lhs, rhs in
            let left = (lhs.maxRisk, lhs.impactC + lhs.impactI + lhs.impactA, lhs.threatValue, lhs.vulnerabilityValue)
            let right = (rhs.maxRisk, rhs.impactC + rhs.impactI + rhs.impactA, rhs.threatValue, rhs.vulnerabilityValue)
            if left != right { return left > right }
            return (lhs.assetLabel, lhs.uuid.uuidString) < (rhs.assetLabel, rhs.uuid.uuidString)
        }
        var seen = Set<String>()
        highestRisks = candidates.filter { risk in
            seen.insert("\(risk.serviceUUID)|\(risk.assetLabel)|\(risk.threatUUID)|\(risk.vulnerabilityUUID)").inserted
        }.prefix(inputs.topRanking).map { risk in
            HighestRisk(id: "R" + risk.uuid.uuidString.prefix(6), service: serviceLabels[risk.serviceUUID] ?? "", asset: risk.assetLabel,
                        threat: risk.threatLabel, vulnerability: risk.vulnerabilityLabel, maxRisk: risk.maxRisk, residualRisk: risk.residualRisk,
                        treatment: risk.treatment, maxRiskByYear: years.map { year in
                            inputs.operatorAnalyses[year]?.risks.first { $0.uuid == risk.uuid && $0.serviceUUID == risk.serviceUUID }?.maxRisk
                        })
        }

        // Threats and vulnerabilities by how many treated risks of the reference year they
        // occur in, grouped by count, the top `topRanking` counts.
        func occurrences(_ key: (ReportInputs.Risk) -> (UUID, String)) -> [Occurrences] {
            var counts: [UUID: (name: String, count: Int)] = [:]
            for risk in reference?.risks ?? [] {
                let (id, name) = key(risk)
                counts[id, default: (name, 0)].count += risk.treatment == .untreated ? 0 : 1
            }
            let groups = Dictionary(grouping: counts.values) { $0.count }
            return groups.keys.sorted(by: >).prefix(inputs.topRanking).enumerated().map { rank, count in
                Occurrences(rank: rank + 1, count: count, names: groups[count]!.map(\.name).sorted())
            }
        }
        topThreats = occurrences { ($0.threatUUID, $0.threatLabel) }
        topVulnerabilities = occurrences { ($0.vulnerabilityUUID, $0.vulnerabilityLabel) }

        // Recommendations: the reference year's against the previous report year's analysis.
        let previousYear = years.filter { $0 < inputs.referenceYear }.last
        let previous = previousYear.flatMap { inputs.operatorAnalyses[$0]?.recommendations } ?? []
        let current = reference?.recommendations ?? []
        func key(_ recommendation: ReportInputs.Recommendation) -> String { recommendation.code + "\u{1}" + recommendation.description }
        let before = Dictionary(previous.map { (key($0), $0) }) { first, _ in first }
        let now = Set(current.map(key))
        let referenceStart = "\(inputs.referenceYear)-01-01"
        recommendations = current.map { recommendation in
            let status: RecommendationStatus
            if let earlier = before[key(recommendation)] {
                status = earlier.dueDate == recommendation.dueDate && (recommendation.dueDate ?? referenceStart) < referenceStart ? .toCheck : .postponed
            } else {
                status = .new
            }
            return RecommendationRow(code: recommendation.code, description: recommendation.description, dueDate: recommendation.dueDate, status: status)
        } + previous.filter { !now.contains(key($0)) }.map {
            RecommendationRow(code: $0.code, description: $0.description, dueDate: $0.dueDate, status: .closed)
        }
    }
}
