import ArgumentParser
import Documents
import Foundation

/// Measurements run by scripts/bench; not part of the deployed platform.
@main
struct GovernanceBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "governance-bench",
        abstract: "Benchmarks of the Governance Platform's engines (see scripts/bench).",
        subcommands: [PDF.self, Incidents.self, Declarations.self, Reporting.self, ReportBatch.self, Webhooks.self, QueueFill.self, BareHTTP.self])
}

extension GovernanceBench {
    struct PDF: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Render a document with tables and a chart; print the median time.")

        @Option(help: "Approximate page count of the document.")
        var pages: Int = 20

        @Option(help: "Timed renderings (after one warm-up).")
        var runs: Int = 15

        @Option(help: "Write the last rendering here, to inspect it.")
        var output: String?

        func run() throws {
            let document = Self.sample(pages: pages)
            var pdf = try PDFRenderer.render(document)
            var timings: [Double] = []
            for _ in 0..<runs {
                let start = ContinuousClock.now
                pdf = try PDFRenderer.render(document)
                let elapsed = ContinuousClock.now - start
                timings.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
            }
            if let output { try pdf.write(to: URL(fileURLWithPath: output)) }
            timings.sort()
            let median = timings[timings.count / 2]
            print(String(format: "pdf pages=%d runs=%d median_ms=%.1f min_ms=%.1f max_ms=%.1f bytes=%d",
                         pages, runs, median, timings[0], timings[timings.count - 1], pdf.count))
        }

        /// A sector report: headings, paragraphs, key/values, long tables and charts.
        static func sample(pages: Int) -> Document {
            var blocks: [Document.Block] = [
                .heading(level: 1, text: "Rapport sectoriel 2026 – Énergie"),
                .keyValues(pairs: [KeyValue("Opérateur", "Électricité Öffentlich NV"), KeyValue("Secteur", "Énergie / Électricité"),
                                   KeyValue("Période", "1er janvier – 31 décembre 2026")]),
                .paragraph(text: String(repeating: "Ce rapport présente l'évaluation de la maturité des mesures de sécurité déclarées par l'opérateur. ", count: 6)),
                .barChart(BarChart(title: "Maturité par domaine", categories: ["Gouvernance", "Protection", "Défense", "Résilience"],
                                   series: [ChartSeries(name: "2025", values: [1.5, 2, 2.5, 1]),
                                       ChartSeries(name: "2026", values: [2, 2.5, 3, 2])], maximum: 4)),
            ]
            // About 37 table rows fit a page.
            let rows = (1...max(pages - 1, 1) * 37).map { index in
                ["M-\(index)", "Mesure de sécurité n° \(index) – Überprüfung", "Niveau \(index % 4 + 1)", index % 3 == 0 ? "à revoir" : "conforme"]
            }
            blocks.append(.table(Table(columns: ["Réf.", "Mesure", "Niveau", "Statut"], rows: rows, widths: [1, 4, 1.2, 1.2])))
            return Document(title: "Rapport sectoriel", author: "Régulateur national",
                            createdAt: Date(timeIntervalSince1970: 1_795_000_000), blocks: blocks)
        }
    }
}
