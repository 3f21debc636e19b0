import ArgumentParser
import Documents
import Domain
import Foundation
import Logging

extension GovernanceBench {
    /// The security objectives module's hot paths through the Domain services the API calls (no
    /// HTTP): reading a whole declaration of 100 objectives × 4 levels × 5 measures, answering one
    /// measure (the autosave), its PDF, and a regulator's first list page among many declarations.
    struct Declarations: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seed a large standard and declarations next to the demo data, then time the declaration hot paths; print medians.")

        @Option(help: "Declarations to seed for the regulator's list.")
        var count: Int = 5_000

        @Option(help: "Timed runs of each measurement (after warm-up runs).")
        var runs: Int = 31

        func run() async throws {
            var logger = Logger(label: "governance-bench")
            logger.logLevel = .warning
            let platform = Platform(configuration: try AppConfiguration.fromEnvironment(), logger: logger)
            func principal(_ account: String) async throws -> Principal { try await Incidents.principal(platform, account) }
            let regulator = try await principal("regulator.admin")
            let power = try await principal("power.admin")
            let ids = try await platform.postgres.query("""
                SELECT (SELECT id FROM regulations WHERE label->>'en' = 'NIS2 Directive') AS nis2,
                       (SELECT id FROM sectors WHERE acronym = 'ELEC') AS electricity
                """).required()
            let nis2: UUID = try ids.decode("nis2"), electricity: UUID = try ids.decode("electricity")

            // 100 objectives in 10 domains, levels 0 to 3, five measures per level, texts of a
            // realistic length.
            let text = String(repeating: "The operator documents, applies and reviews this measure. ", count: 3)
            let content = StandardContent(
                levels: (0...3).map { StandardContent.Level(level: $0, label: LanguageMap(["en": "Level \($0)", "fr": "Niveau \($0)"]),
                                                            color: "#00B050") },
                domains: (1...10).map { domain in
                    StandardContent.Domain(label: LanguageMap(["en": "Domain \(domain)"]), objectives: (1...10).map { index in
                        StandardContent.Objective(
                            code: "B\(domain)-\(index)", title: LanguageMap(["en": "Objective \(domain).\(index)",
                                "fr": "Objectif \(domain).\(index)"]),
                            description: LanguageMap(["en": text]), measures: (0...3).flatMap { level in
                                (1...5).map { _ in
                                    StandardContent.Measure(level: level, description: LanguageMap(["en": text, "fr": text]),
                                                            evidence: LanguageMap(["en": "Evidence: \(text)"]))
                                }
                            })
                    })
                })
            let catalogue = platform.securityObjectives.standards
            let standard = try await catalogue.save(regulator, id: nil,
                                                    StandardInput(regulationID: nis2, label: LanguageMap(["en": "Bench standard"])), client: .system)
            _ = try await catalogue.replaceContent(regulator, id: standard.id, content, client: .system)
            let declarations = platform.securityObjectives.declarations
            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            let detail = try await declarations.create(power, DeclarationInput(standardID: standard.id, year: year, sectorIDs: [electricity]),
                                                       idempotencyKey: nil, client: .system)
            let id = detail.declaration.id
            // Half the measures answered, so the read carries real answers.
            for objective in detail.objectives.prefix(50) {
                for group in objective.levels where group.level > 0 {
                    for measure in group.measures.prefix(3) {
                        _ = try await declarations.answer(power, declarationID: id, measureID: measure.measureID,
                                                          MeasureAnswerChange(isImplemented: true, justification: "In place; see the security file."),
                                                          client: .system)
                    }
                }
            }

            let read = try await Self.time(runs) { _ = try await declarations.declaration(power, id: id) }
            Self.report("declaration read, 100 objectives x 4 levels x 5 measures (whole, access logged)", read)
            let measures = detail.objectives.flatMap { $0.levels.flatMap(\.measures) }.map(\.measureID)
            var turn = 0
            let answer = try await Self.time(runs) {
                turn += 1
                _ = try await declarations.answer(power, declarationID: id, measureID: measures[turn % measures.count],
                                                  MeasureAnswerChange(justification: "Reviewed on day \(turn)."), client: .system)
            }
            Self.report("measure answer (autosave: upsert, score, completion, progress)", answer)
            let pdf = try await Self.time(max(5, runs / 3)) {
                let (_, document) = try await platform.securityObjectives.documents.document(declarationID: id, regulatorView: false, language: .en)
                _ = try PDFRenderer.render(document)
            }
            Self.report("declaration PDF, 100 objectives x 4 levels x 5 measures (read and drawn)", pdf)

            // Many submitted declarations of the demo standard for the regulator's list.
            try await platform.postgres.query("""
                WITH s AS (SELECT id, regulator_id FROM standards WHERE label->>'en' = 'ENISA security objectives' LIMIT 1),
                     g AS (INSERT INTO declaration_groups (id, reference, operator_id, standard_id)
                           SELECT gen_random_uuid(), 'BENCH_SO_' || i, (SELECT id FROM operators WHERE identifier = 'POWERCO'), s.id
                           FROM generate_series(1, $1) i, s RETURNING id, standard_id, operator_id)
                INSERT INTO declarations (id, group_id, version, standard_id, regulator_id, operator_id, year, status, creator_name, operator_name,
                                          submitted_at)
                SELECT gen_random_uuid(), g.id, 1, g.standard_id, s.regulator_id, g.operator_id, $2, 'submitted', 'Bench', 'PowerCo SA', now()
                FROM g, s
                """, count, year)
            try await platform.postgres.query("ANALYZE")
            let list = try await Self.time(runs) {
                _ = try await platform.securityObjectives.query.list(regulator, filter: DeclarationFilter(), limit: 50, cursor: nil)
            }
            Self.report("declarations page of 50 among \(count) (regulator)", list)
            await platform.shutdown()
        }

        static func time(_ runs: Int, _ body: () async throws -> Void) async throws -> [Double] {
            try await Incidents.time(runs, body)
        }

        static func report(_ label: String, _ timings: [Double]) {
            Incidents.report(label, timings)
        }
    }
}
