import ArgumentParser
import Documents
import Domain
import Foundation
import Logging

extension GovernanceBench {
    /// Yearly reports from the database: `seed` writes a 40-objective standard, operators with
    /// passed declarations and MONARC analyses (10 services, 500 risks) for three years, and a
    /// project over them, then times one report's loading and figures, and its drawing; `run`
    /// generates the project's reports through the consumers running on the queue and times the
    /// whole batch.
    struct ReportBatch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report-batch", abstract: "Seed, then time a project's report generation through the consumers; print medians.",
            subcommands: [Seed.self, Run.self])

        static func platform() throws -> Platform {
            var logger = Logger(label: "governance-bench")
            logger.logLevel = .warning
            var configuration = try AppConfiguration.fromEnvironment()
            // The analyses are imported in the request, not by a worker.
            configuration.importInlineBytes = 64 << 20
            return Platform(configuration: configuration, logger: logger)
        }

        struct Seed: AsyncParsableCommand {
            @Option(help: "Operators to report on (one report each).")
            var reports: Int = 100

            @Option(help: "Timed runs of each measurement (after 3 warm-ups).")
            var runs: Int = 31

            func run() async throws {
                let platform = try ReportBatch.platform()
                let regulator = try await Incidents.principal(platform, "regulator.admin")
                let year = Calendar(identifier: .gregorian).component(.year, from: Date())
                let years = [year - 2, year - 1, year]
                let ids = try await platform.postgres.query("""
                    SELECT (SELECT id FROM regulations WHERE label->>'en' = 'NIS2 Directive') AS nis2,
                           (SELECT id FROM sectors WHERE acronym = 'ELEC') AS electricity
                    """).required()
                let nis2: UUID = try ids.decode("nis2"), electricity: UUID = try ids.decode("electricity")

                // 40 objectives in 8 domains, levels 0 to 3.
                let content = StandardContent(
                    levels: [(0, "Not implemented", "#ED2939"), (1, "Basic", "#FFC000"), (2, "Industry standard", "#DDE96D"),
                             (3, "State of the art", "#00B050")].map {
                        StandardContent.Level(level: $0.0, label: LanguageMap(["en": $0.1]), color: $0.2)
                    },
                    domains: (1...8).map { domain in
                        StandardContent.Domain(label: LanguageMap(["en": "Domain \(domain)"]), objectives: (1...5).map { index in
                            StandardContent.Objective(code: "R\(domain)-\(index)", title: LanguageMap(["en": "Objective \(domain).\(index)"]),
                                                      measures: (0...3).map { StandardContent.Measure(level: $0, description: LanguageMap(["en": "Measure"])) })
                        })
                    })
                let catalogue = platform.securityObjectives.standards
                let standard = try await catalogue.save(regulator, id: nil,
                                                        StandardInput(regulationID: nis2, label: LanguageMap(["en": "Report bench standard"])),
                                                        client: .system)
                _ = try await catalogue.replaceContent(regulator, id: standard.id, content, client: .system)

                // The operators, each with a passed declaration a year.
                try await platform.postgres.query("""
                    WITH o AS (INSERT INTO operators (id, identifier, name)
                               SELECT gen_random_uuid(), 'BENCHR' || lpad(i::text, 4, '0'), 'Report bench operator ' || i FROM generate_series(1, $1) i
                               RETURNING id)
                    INSERT INTO operator_sectors (operator_id, sector_id) SELECT id, $2 FROM o
                    """, reports, electricity)
                try await platform.postgres.query("""
                    WITH s AS (SELECT id AS standard_id, regulator_id FROM standards WHERE id = $1),
                         o AS (SELECT id, identifier FROM operators WHERE identifier LIKE 'BENCHR%'),
                         g AS (INSERT INTO declaration_groups (id, reference, operator_id, standard_id)
                               SELECT gen_random_uuid(), o.identifier || '_' || y, o.id, s.standard_id FROM o, s, unnest($2::integer[]) y
                               RETURNING id, reference, operator_id),
                         d AS (INSERT INTO declarations (id, group_id, version, standard_id, regulator_id, operator_id, year, status, creator_name,
                                                         operator_name, submitted_at, review_sent_at)
                               SELECT gen_random_uuid(), g.id, 1, s.standard_id, s.regulator_id, g.operator_id, split_part(g.reference, '_', 2)::integer,
                                      'passed', 'Bench', 'Bench', now(), now()
                               FROM g, s RETURNING id),
                         ds AS (INSERT INTO declaration_sectors (declaration_id, sector_id) SELECT id, $3 FROM d)
                    INSERT INTO objective_assessments (declaration_id, objective_id, position, score, completion, review_status)
                    SELECT d.id, so.id, so.position, (abs(hashtext(d.id::text || so.id::text)) % 13) / 4.0, 'complete', 'passed'
                    FROM d CROSS JOIN security_objectives so WHERE so.standard_id = $1
                    """, standard.id, years, electricity)

                // Their analyses, imported as a regulator would.
                let operators: [UUID] = try await platform.postgres.query(
                    "SELECT id FROM operators WHERE identifier LIKE 'BENCHR%' ORDER BY identifier").map { try $0.decode("id") }
                let files = try years.map { try Reporting.export(services: 10, risksPerService: 50, shift: year - $0) }
                for operatorID in operators {
                    for (index, analysisYear) in years.enumerated() {
                        _ = try await platform.reporting.riskAnalyses.importFile(
                            regulator, RiskAnalysisUpload(operatorID: operatorID, sectorIDs: [electricity], year: analysisYear, fileName: "bench.json",
                                                          file: files[index]), client: .system)
                    }
                }
                let project = try await platform.reporting.projects.create(regulator, ReportingProjectInput(
                    name: "Report bench", standardID: standard.id, referenceYear: year, comparisonYears: [year - 2, year - 1],
                    sectorIDs: [electricity], topRanking: 5, highRiskThreshold: 20, languages: ["en"]), client: .system)
                _ = try await platform.reporting.projects.select(regulator, projectID: project.id, selected: true, entries: nil,
                                                                 filter: ProjectEntryFilter(), client: .system)
                try await platform.postgres.query("ANALYZE")

                // One report, as a generation's job makes it.
                var loaded: (content: AnnualReportContent, inputs: ReportInputs)?
                let load = try await Reporting.median(runs) {
                    let report = try await platform.reporting.generations.report(projectID: project.id, operatorID: operators[0], sectorID: electricity,
                                                                                 language: .en)
                    _ = ReportDataset(report.inputs)
                    loaded = report
                }
                print(String(format: "report_load_and_dataset objectives=40 years=3 services=10 risks=500 sector_operators=%d runs=%d median_ms=%.2f",
                             operators.count, runs, load))
                guard let (reportContent, inputs) = loaded else { throw ValidationError("no report was loaded") }
                var bytes = 0
                let draw = try await Reporting.median(runs) {
                    bytes = try PDFRenderer.render(AnnualReport.document(reportContent, inputs: inputs, dataset: ReportDataset(inputs))).count
                }
                print(String(format: "report_pdf_from_database charts=8 runs=%d median_ms=%.2f bytes=%d", runs, draw, bytes))
                print("project=\(project.id.uuidString.lowercased())")
                await platform.shutdown()
            }
        }

        struct Run: AsyncParsableCommand {
            @Option(help: "The project to generate.")
            var project: String

            @Option(help: "Label of this run in the output, e.g. the number of consumer processes.")
            var label: String = ""

            @Option(help: "Generations, one after the other; the median is printed.")
            var runs: Int = 3

            func run() async throws {
                let platform = try ReportBatch.platform()
                let regulator = try await Incidents.principal(platform, "regulator.admin")
                guard let projectID = UUID(uuidString: project), runs > 0 else {
                    throw ValidationError("--project names a project's id; --runs is positive")
                }
                var timings: [Double] = []
                var generations: [ReportGeneration] = []
                for _ in 0..<runs {
                    let start = ContinuousClock.now
                    let started = try await platform.reporting.generations.start(regulator, projectID: projectID, client: .system)
                    var generation = started
                    while [.queued, .running, .assembling].contains(generation.status) {
                        try await Task.sleep(for: .milliseconds(20))
                        generation = try await platform.reporting.generations.find(regulator, id: started.id)
                    }
                    timings.append(Incidents.milliseconds(ContinuousClock.now - start))
                    generations.append(generation)
                }
                await platform.shutdown()
                // A run whose reports did not all come out measured something else: the benchmark fails.
                for generation in generations where generation.status != .done || generation.progress.failed > 0 {
                    let errors = generation.items.compactMap(\.error).prefix(3).joined(separator: "; ")
                    throw ValidationError("generation \(generation.id) ended \(generation.status.rawValue) with "
                                              + "\(generation.progress.failed) failed report(s): \(errors)")
                }
                let median = timings.sorted()[timings.count / 2]
                let last = generations[generations.count - 1]
                let progress = last.progress
                print(String(format: "report_batch %@ reports=%d status=%@ failed=%d skipped=%d runs=%d median_total_s=%.2f per_report_ms=%.1f zip_bytes=%d",
                             label, progress.total, last.status.rawValue, progress.failed, last.skipped.count, runs, median / 1000,
                             median / Double(max(progress.total, 1)), last.artefact?.size ?? 0))
            }
        }
    }
}
