@testable import Domain
import Foundation
import Testing

/// The figures of a yearly report from hand-made inputs whose expected numbers are worked out
/// in the comments: maturity per objective and domain, sector means, rankings, the weakest
/// objectives, evolutions, and the risk figures.
@Suite("Report dataset")
struct ReportDatasetTests {
    static let so1 = UUID(), so2 = UUID(), so3 = UUID(), d1 = UUID(), d2 = UUID()
    static let billing = UUID(), portal = UUID(), threatA = UUID(), threatB = UUID(), threatC = UUID(), vulnX = UUID(), vulnY = UUID()

    static func inputs(years: [Int] = [2024, 2025, 2026]) -> ReportInputs {
        ReportInputs(
            levels: [.init(level: 0, label: "None", color: "#ED2939"), .init(level: 1, label: "Basic", color: "#FFC000"),
                     .init(level: 2, label: "Managed", color: "#DDE96D"), .init(level: 3, label: "Optimised", color: "#00B050")],
            domains: [.init(id: d1, label: "Governance"), .init(id: d2, label: "Protection")],
            objectives: [.init(id: so1, code: "SO1", title: "Policy", domainID: d1, priority: 2),
                         .init(id: so2, code: "SO2", title: "Risks", domainID: d1, priority: 1),
                         .init(id: so3, code: "SO3", title: "Physical", domainID: d2, priority: 1)],
            referenceYear: 2026, years: years, highRiskThreshold: 20, topRanking: 3,
            operatorScores: [2024: [so1: 1.5, so2: 0.5, so3: 2.0], 2025: [so1: 1.0, so2: 0.75, so3: 2.5], 2026: [so1: 2.25, so2: 0.5, so3: 1.0]],
            sectorScores: ReportInputs.sectorScores([2024: [[so1: 1.5, so2: 0.5, so3: 2.0]],
                           2026: [[so1: 2.25, so2: 0.5, so3: 1.0], [so1: 3.0, so2: 1.5, so3: 1.0]]]),
            operatorAnalyses: [2025: analysis2025, 2026: analysis2026],
            sectorServiceRisks: ReportInputs.sectorServiceRisks([2026: [analysis2026.services, [summary(billing, averageCurrentRisk: 12.5)]]]),
            sectorHighRisks: ReportInputs.sectorHighRisks([2026: [analysis2026.risks, [risk(UUID(), billing, 21, 21)]]], threshold: 20))
    }

    static func risk(_ uuid: UUID, _ service: UUID, _ max: Int, _ residual: Int, treatment: RiskTreatment = .reduction, threat: UUID = threatA,
                     vulnerability: UUID = vulnX, impact: Int = 3, threatValue: Int = 2) -> ReportInputs.Risk {
        ReportInputs.Risk(uuid: uuid, serviceUUID: service, assetLabel: "Server", threatUUID: threat,
                          threatLabel: [threatA: "Fire", threatB: "Theft", threatC: "Malware"][threat] ?? "Other", vulnerabilityUUID: vulnerability,
                          vulnerabilityLabel: [vulnX: "No backup", vulnY: "Weak access"][vulnerability] ?? "Other", threatValue: threatValue,
                          vulnerabilityValue: 3, maxRisk: max, residualRisk: residual, riskC: -1, riskI: -1, riskA: max,
                          impactC: impact, impactI: impact, impactA: impact, treatment: treatment)
    }

    /// Another operator's service with only a mean current risk.
    static func summary(_ uuid: UUID, averageCurrentRisk: Double) -> RiskServiceSummary {
        var statistics = ServiceStatistics()
        statistics.averageCurrentRisk = averageCurrentRisk
        return RiskServiceSummary(serviceUUID: uuid, label: LanguageMap(["en": "Billing"]), statistics: statistics)
    }

    /// A service whose statistics are those of `risks`.
    static func service(_ uuid: UUID, _ label: String, _ risks: [ReportInputs.Risk]) -> RiskServiceSummary {
        var statistics = ServiceStatistics()
        for risk in risks {
            statistics.totalRisks += 1
            if risk.treatment == .untreated { statistics.untreatedRisks += 1; continue }
            statistics.treatedRisks += 1
            switch risk.treatment {
            case .reduction: statistics.reducedRisks += 1
            case .denial: statistics.deniedRisks += 1
            case .acceptance: statistics.acceptedRisks += 1
            case .sharing: statistics.sharedRisks += 1
            case .untreated: break
            }
        }
        let treated = risks.filter { $0.treatment != .untreated }
        statistics.averageCurrentRisk = ReportDataset.mean(treated.map(\.maxRisk).filter { $0 != -1 }.map(Double.init))
        statistics.averageResidualRisk = ReportDataset.mean(treated.map(\.residualRisk).filter { $0 != -1 }.map(Double.init))
        return RiskServiceSummary(serviceUUID: uuid, label: LanguageMap(["en": label]), statistics: statistics)
    }

    static let r1 = UUID(), r2 = UUID(), r3 = UUID(), r4 = UUID(), r5 = UUID()

    /// 2026: Billing r1 (30, reduction), r2 (25, acceptance), r3 (40, untreated); Portal r4 (10), r5 (22, denial, no residual).
    static var analysis2026: ReportInputs.Analysis {
        let billingRisks = [risk(r1, billing, 30, 10), risk(r2, billing, 25, 25, treatment: .acceptance, threat: threatB, impact: 1),
                            risk(r3, billing, 40, 40, treatment: .untreated, vulnerability: vulnY)]
        let portalRisks = [risk(r4, portal, 10, 5, vulnerability: vulnY), risk(r5, portal, 22, -1, treatment: .denial, threat: threatC, threatValue: 3)]
        return ReportInputs.Analysis(
            services: [service(billing, "Billing", billingRisks), service(portal, "Portal", portalRisks)], risks: billingRisks + portalRisks,
            recommendations: [.init(code: "REC1", description: "Back up", dueDate: "2025-06-30"),
                              .init(code: "REC2", description: "Review rights", dueDate: "2026-06-30"),
                              .init(code: "REC4", description: "Train staff", dueDate: nil)])
    }

    /// 2025: Billing only, r1 at 35.
    static var analysis2025: ReportInputs.Analysis {
        let risks = [risk(r1, billing, 35, 10)]
        return ReportInputs.Analysis(services: [service(billing, "Billing", risks)], risks: risks, recommendations: [
            .init(code: "REC1", description: "Back up", dueDate: "2025-06-30"), .init(code: "REC2", description: "Review rights", dueDate: "2025-12-31"),
            .init(code: "REC3", description: "Encrypt", dueDate: "2026-03-01"),
        ])
    }

    @Test("security objectives: floored levels with evolutions, domain means with the sector's pooled mean, weakest, by level, counts, rankings")
    func securityObjectives() {
        let data = ReportDataset(Self.inputs())
        func values(_ row: ReportDataset.Row) -> [Double?] { row.points.map(\.value) }
        func evolutions(_ row: ReportDataset.Row) -> [ReportDataset.Evolution?] { row.points.map(\.evolution) }
        // SO1 1.5, 1.0, 2.25 → 1, 1, 2; SO2 → 0, 0, 0; SO3 2.0, 2.5, 1.0 → 2, 2, 1.
        #expect(data.objectivesByYear.map(\.label) == ["SO1: Policy", "SO2: Risks", "SO3: Physical"])
        #expect(data.objectivesByYear.map(values) == [[1, 1, 2], [0, 0, 0], [2, 2, 1]])
        #expect(data.objectivesByYear.map(evolutions) == [[nil, .stable, .up], [nil, .stable, .stable], [nil, .stable, .down]])
        // Governance: (1.5 + 0.5) / 2 = 1.0, (1.0 + 0.75) / 2 = 0.875 → 0.9, (2.25 + 0.5) / 2 = 1.375 → 1.4; the sector
        // pools every operator's scores: 2026 (2.25 + 0.5 + 3.0 + 1.5) / 4 = 1.8125 → 1.8; no sector data in 2025.
        #expect(data.domainsByYear.map(values) == [[1.0, 0.9, 1.4], [2.0, 2.5, 1.0]])
        #expect(data.domainsByYear.map(evolutions) == [[nil, .down, .up], [nil, .up, .down]])
        #expect(data.domainsByYear.map(\.sectorAverages) == [[1.0, nil, 1.8], [2.0, nil, 1.0]])
        // The weakest of 2026: SO2 (0), SO3 (1), SO1 (2).
        #expect(data.weakestObjectives.map(\.label) == ["SO2: Risks", "SO3: Physical", "SO1: Policy"])
        #expect(data.objectivesByLevel.map(\.objectives) == [["SO2: Risks"], ["SO3: Physical"], ["SO1: Policy"], []])
        // The sector's floored means in 2026: SO1 2.625 → 2, SO2 1.0 → 1, SO3 1.0 → 1.
        #expect(data.countsByLevel[2026] == [1, 1, 1, 0] && data.sectorCountsByLevel[2026] == [0, 2, 1, 0])
        #expect(data.countsByLevel[2024] == [1, 1, 1, 0])
        #expect(data.highestInSector.map { "\($0.rank) \($0.label) \($0.sectorScore) \($0.operatorScore)" }
                == ["1 SO1: Policy 2.6 2", "2 SO2: Risks 1.0 0", "2 SO3: Physical 1.0 1"])
        #expect(data.lowestInSector.map { "\($0.rank) \($0.label)" } == ["1 SO2: Risks", "1 SO3: Physical", "2 SO1: Policy"])
        // A year without the operator's declaration: no values, no evolution next to it.
        var missing = Self.inputs()
        missing.operatorScores[2025] = nil
        let gap = ReportDataset(missing)
        #expect(gap.objectivesByYear.map(values) == [[1, nil, 2], [0, nil, 0], [2, nil, 1]])
        #expect(gap.objectivesByYear.map(evolutions) == [[nil, nil, nil], [nil, nil, nil], [nil, nil, nil]])
    }

    @Test("risks: per-service figures and the sector's, the summary over every service, the highest risks above the threshold, occurrences, recommendations")
    func risks() {
        let figures = ReportDataset(Self.inputs(years: [2025, 2026])).risks
        #expect(figures.services.map(\.label) == ["Billing", "Portal"])
        let billing = figures.services[0], portal = figures.services[1]
        // Billing: 35 in 2025; (30 + 25) / 2 = 27.5 in 2026, the untreated 40 left out. The sector's 2026 mean
        // of services' means: (27.5 + 12.5) / 2 = 20; its high risks pooled: (30 + 25 + 21) / 3 = 25.33.
        #expect(billing.averageRisk == [35, 27.5] && billing.sectorAverageRisk == [0, 20])
        #expect(billing.highRisks == [1, 2] && billing.averageHighRisk == [35, 27.5] && billing.sectorAverageHighRisk == [0, 25.33])
        #expect(billing.highRiskRate == [1, 1])
        // Portal: (10 + 22) / 2 = 16; one high risk (22) of two treated.
        #expect(portal.averageRisk == [0, 16] && portal.highRisks == [0, 1] && portal.highRiskRate == [0, 0.5])
        #expect(figures.allServicesAverageRisk == [17.5, 21.75] && figures.allServicesAverageHighRisk == [17.5, 24.75])

        // 2026 over both services: 5 risks, 4 treated; means (30 + 25 + 10 + 22) / 4 and (10 + 25 + 5) / 3.
        var summary = RiskFigures.Summary()
        (summary.totalRisks, summary.treatedRisks, summary.untreatedRisks) = (5, 4, 1)
        (summary.reducedRisks, summary.deniedRisks, summary.acceptedRisks, summary.sharedRisks) = (2, 1, 1, 0)
        (summary.averageCurrentRisk, summary.averageResidualRisk) = (21.75, 13.33)
        (summary.highRisks, summary.averageHighRisk) = (3, 25.67)
        #expect(figures.summaries.last == summary)
        #expect(figures.summaries.first??.totalRisks == 1)
        #expect(ReportDataset(Self.inputs(years: [2024, 2026])).risks.summaries.first == .some(nil), "no analysis in 2024")

        // Highest: above 20 and treated (the untreated 40 is not among them), with the same risk's 2025 value.
        #expect(figures.highestRisks.map(\.maxRisk) == [30, 25, 22])
        #expect(figures.highestRisks.map(\.maxRiskByYear) == [[35, 30], [nil, 25], [nil, 22]])
        #expect(figures.highestRisks.first?.id == "R" + Self.r1.uuidString.prefix(6))
        #expect(figures.highestRisks.map(\.service) == ["Billing", "Billing", "Portal"])

        // Occurrences among treated risks: Fire 2, Theft 1, Malware 1; No backup 3, Weak access 1.
        #expect(figures.topThreats == [.init(rank: 1, count: 2, names: ["Fire"]), .init(rank: 2, count: 1, names: ["Malware", "Theft"])])
        #expect(figures.topVulnerabilities == [.init(rank: 1, count: 3, names: ["No backup"]), .init(rank: 2, count: 1, names: ["Weak access"])])

        // REC1 kept its past deadline (to check), REC2's moved (postponed), REC4 is new, REC3 was done (closed).
        #expect(figures.recommendations.map { "\($0.code) \($0.status.rawValue)" } == ["REC1 toCheck", "REC2 postponed", "REC4 new", "REC3 closed"])
    }
}
