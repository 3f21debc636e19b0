import ArgumentParser
import Documents
import Domain
import Foundation

extension GovernanceBench {
    /// The reporting module's computations, without the database: reading a MONARC export of 10
    /// services and 500 risks, and the figures of one report over three years with 40 objectives
    /// and a sector of 20 operators.
    struct Reporting: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Time the MONARC parse and a report's figures; print medians.")

        @Option(help: "Timed runs of each measurement (after 3 warm-ups).")
        var runs: Int = 31

        @Option(help: "Also write the report's PDF to this file.")
        var output: String?

        func run() async throws {
            let years = [2024, 2025, 2026]
            let exports = try years.map { year in try MonarcExport.parse(Self.export(services: 10, risksPerService: 50, shift: 2026 - year)) }
            let file = try Self.export(services: 10, risksPerService: 50, shift: 0)
            let parse = try await Self.median(runs) { _ = try MonarcExport.parse(file) }
            print(String(format: "monarc_parse services=10 risks=500 bytes=%d runs=%d median_ms=%.2f", file.count, runs, parse))

            let domains = (1...8).map { ReportInputs.Domain(id: UUID(), label: "Domain \($0)") }
            let objectives = (0..<40).map { index in
                ReportInputs.Objective(id: UUID(), code: "SO\(index + 1)", title: "Objective \(index + 1)", domainID: domains[index % 8].id,
                                       priority: index % 4)
            }
            func scores(_ seed: Int) -> [UUID: Double] {
                Dictionary(uniqueKeysWithValues: objectives.enumerated().map { ($1.id, Double(($0 * 7 + seed) % 13) / 4) })
            }
            let analyses = exports.map { ReportInputs.Analysis($0, language: .en) }
            var operatorAnalyses: [Int: ReportInputs.Analysis] = [:]
            for (year, analysis) in zip(years, analyses) { operatorAnalyses[year] = analysis }
            let inputs = ReportInputs(
                levels: (0...3).map { ReportInputs.Level(level: $0, label: "Level \($0)", color: "#00B050") }, domains: domains,
                objectives: objectives, referenceYear: 2026, years: years, highRiskThreshold: 20, topRanking: 5,
                operatorScores: Dictionary(uniqueKeysWithValues: years.map { ($0, scores($0)) }),
                sectorScores: ReportInputs.sectorScores(Dictionary(uniqueKeysWithValues: years.map { year in (year, (0..<20).map { scores(year + $0) }) })),
                operatorAnalyses: operatorAnalyses,
                sectorServiceRisks: ReportInputs.sectorServiceRisks(
                    Dictionary(uniqueKeysWithValues: zip(years, analyses).map { ($0, Array(repeating: $1.services, count: 20)) })),
                sectorHighRisks: ReportInputs.sectorHighRisks(
                    Dictionary(uniqueKeysWithValues: zip(years, analyses).map { ($0, Array(repeating: $1.risks, count: 20)) }), threshold: 20))
            var dataset = ReportDataset(inputs)
            let compute = try await Self.median(runs) { dataset = ReportDataset(inputs) }
            print(String(format: "report_dataset objectives=40 years=3 services=10 risks=500 sector_operators=20 runs=%d median_ms=%.2f highest=%d",
                         runs, compute, dataset.risks.highestRisks.count))

            // The whole report drawn, every chart and table, in French (accents, arrows).
            let content = AnnualReportContent(
                operatorName: "Opérateur Électrique", sectorName: "Énergie → Électricité", standardName: "Objectifs NIS2", language: .fr,
                publishedOn: Date(), observations: ["Renforcer la segmentation du réseau.", "Former le personnel d'exploitation."],
                comment: "Des progrès nets sur la gestion des accès.",
                configuration: ReportConfiguration(standardID: UUID(), isDefault: true, palette: ["#1F4E79"], sections: ReportSection.allCases,
                                                   texts: [:], hasLogo: false, updatedAt: nil), logo: nil)
            var pdf = Data()
            let render = try await Self.median(runs) {
                pdf = try PDFRenderer.render(AnnualReport.document(content, inputs: inputs, dataset: ReportDataset(inputs)))
            }
            print(String(format: "report_pdf objectives=40 years=3 services=10 risks=500 charts=8 runs=%d median_ms=%.2f bytes=%d",
                         runs, render, pdf.count))
            if let output { try pdf.write(to: URL(fileURLWithPath: output)) }
        }

        /// The median of `runs` timings of `body`, in milliseconds, after warm-up runs.
        static func median(_ runs: Int, _ body: () async throws -> Void) async throws -> Double {
            try await Incidents.time(runs, body)[runs / 2]
        }

        /// The same uuid for the same name, across the years' files.
        static let ids = NameIDs()

        final class NameIDs: @unchecked Sendable {
            private var ids: [String: String] = [:]
            private let lock = NSLock()

            func id(_ name: String) -> String {
                lock.withLock {
                    if let id = ids[name] { return id }
                    let id = UUID().uuidString.lowercased()
                    ids[name] = id
                    return id
                }
            }
        }

        /// A MONARC export (list layout) of `services` services with `risksPerService` risks over
        /// five assets each; `shift` lowers every risk (earlier years are riskier).
        static func export(services: Int, risksPerService: Int, shift: Int) throws -> Data {
            func uuid(_ name: String) -> String { Self.ids.id(name) }
            let roots: [[String: Any]] = (0..<services).map { service in
                let assets: [[String: Any]] = (0..<5).map { asset in
                    let risks: [[String: Any]] = (0..<(risksPerService / 5)).map { n in
                        let current = 5 + (service * 7 + asset * 3 + n * 11) % 50 + shift
                        return [
                            "informationRisk": ["uuid": uuid("amv \(service) \(asset) \(n)")],
                            "threat": ["uuid": uuid("threat \(n % 20)"), "label": "Threat \(n % 20)", "confidentiality": 1, "integrity": n % 2,
                                       "availability": 1],
                            "vulnerability": ["uuid": uuid("vulnerability \(n % 25)"), "label": "Vulnerability \(n % 25)"],
                            "threatRate": 1 + n % 4, "vulnerabilityRate": 1 + n % 5, "cacheMaxRisk": current, "cacheTargetedRisk": current / 2,
                            "kindOfMeasure": 1 + n % 5, "riskConfidentiality": current, "riskIntegrity": current - 1, "riskAvailability": current - 2,
                            "recommendations": n % 3 == 0 ? [["uuid": uuid("recommendation \(n % 40)"), "code": "M-\(n % 40)",
                                                              "description": "Measure \(n % 40)", "duedate": "2026-06-30", "status": 1]] : [],
                        ]
                    }
                    return ["label": "Service \(service) asset \(asset)", "level": 2, "position": asset + 1,
                            "asset": ["uuid": uuid("asset \(service) \(asset)")], "object": ["uuid": uuid("object \(service) \(asset)")],
                            "confidentiality": 3, "integrity": 2, "availability": 4, "instanceRisks": risks]
                }
                return ["label": "Service \(service)", "level": 1, "position": service + 1, "asset": ["uuid": uuid("asset \(service)")],
                        "object": ["uuid": uuid("object \(service)")], "confidentiality": 3, "integrity": 3, "availability": 3, "children": assets]
            }
            return try JSONSerialization.data(withJSONObject: ["monarc_version": "2.13.3", "languageCode": "en", "instances": roots])
        }
    }
}
