import ArgumentParser
import Documents
import Domain
import Foundation
import Logging

extension GovernanceBench {
    /// The incident module's hot paths on a large data set, through the Domain services the API
    /// calls (no HTTP): the first notification, a 60-answer report's first submission and its
    /// corrections, a regulator's list pages,
    /// the deadline sweep, and the PDF of an incident with 3 reports of 60 answers.
    struct Incidents: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seed incidents next to the demo data, then time the incident module's hot paths; print medians.")

        @Option(help: "Incidents to seed for the regulator's list and the sweep.")
        var count: Int = 100_000

        @Option(help: "Timed runs of each measurement (after warm-up runs).")
        var runs: Int = 31

        func run() async throws {
            var logger = Logger(label: "governance-bench")
            logger.logLevel = .warning
            let platform = Platform(configuration: try AppConfiguration.fromEnvironment(), logger: logger)
            func principal(_ account: String) async throws -> Principal { try await Self.principal(platform, account) }
            let regulator = try await principal("regulator.admin")
            let regulatorUser = try await principal("regulator.user")
            let power = try await principal("power.admin")
            let ids = try await platform.postgres.query("""
                SELECT (SELECT id FROM regulations WHERE label->>'en' = 'NIS2 Directive') AS nis2,
                       (SELECT id FROM sectors WHERE acronym = 'ELEC') AS electricity,
                       (SELECT id FROM operators WHERE identifier = 'POWERCO') AS powerco
                """).required()
            let nis2: UUID = try ids.decode("nis2"), electricity: UUID = try ids.decode("electricity"), powerCo: UUID = try ids.decode("powerco")
            let regulatorID = regulator.affiliations.regulator!.regulatorID

            // A workflow of three reports with 60 free-text questions each.
            let configuration = platform.incidents.configuration
            let category = try await configuration.saveQuestionCategory(regulator, id: nil, label: LanguageMap(["en": "Bench"]), client: .system)
            var questions: [UUID] = []
            for index in 1...60 {
                questions.append(try await configuration.saveQuestion(regulator, id: nil, QuestionInput(
                    reference: "BENCH-\(index)", kind: .freeText, label: LanguageMap(["en": "Bench question \(index): describe this aspect of the incident"])),
                                                                     client: .system).id)
            }
            var stages: [StageInput] = []
            for (position, name) in ["bench-early", "bench-notification", "bench-final"].enumerated() {
                let type = try await configuration.saveReportType(regulator, id: nil, ReportTypeInput(name: name, label: LanguageMap(["en": name])),
                                                                  client: .system)
                _ = try await configuration.setQuestionnaire(regulator, reportTypeID: type.id,
                                                             [QuestionnaireSectionInput(categoryID: category.id,
                                                                                        questions: questions.map { ($0, false) })],
                                                             client: .system)
                stages.append(StageInput(reportTypeID: type.id, trigger: position == 2 ? .previousReportSubmitted : .detection,
                                         delayHours: [24, 72, 720][position]))
            }
            let workflow = try await configuration.saveWorkflow(regulator, id: nil, NotificationWorkflowInput(
                name: LanguageMap(["en": "Bench workflow"]), regulationID: nis2, sectorIDs: [electricity], detectionDateNeeded: true), client: .system)
            _ = try await configuration.setStages(regulator, workflowID: workflow.id, stages, client: .system)

            // The seeding command of the large data set: incidents of the bench workflow, their
            // reports due in a month (beyond every reminder), set-based, 10,000 a transaction
            // with a progress line.
            let seedStart = ContinuousClock.now
            var progressLogger = Logger(label: "governance-bench")
            progressLogger.logLevel = .notice
            let progress = ProgressReporter(label: "seeding incidents", total: count, logger: progressLogger)
            for first in stride(from: 1, through: count, by: 10_000) {
                let last = min(first + 9_999, count)
                try await platform.postgres.query("""
                    WITH created AS (
                        INSERT INTO incidents (id, reference, workflow_id, regulator_id, regulation_id, operator_id, notifier_user_id, notifier_name,
                                               contact, technical_contact, notification_type, cross_border, time_zone, detected_at, notified_at, status)
                        SELECT gen_random_uuid(), 'BENCH_' || n, $1, $2, $3, $4, $5, 'PowerCo SA', $6::jsonb, $6::jsonb,
                               (ARRAY['incident', 'nearMiss', 'cyberThreat'])[1 + n % 3], n % 7 = 0, 'Europe/Luxembourg',
                               now() - make_interval(mins => n) - interval '1 hour', now() - make_interval(mins => n),
                               CASE WHEN n % 4 = 0 THEN 'closed' ELSE 'open' END
                        FROM generate_series($7::int, $8::int) n
                        RETURNING id),
                    sectors AS (INSERT INTO incident_sectors (incident_id, sector_id) SELECT id, $9 FROM created)
                    INSERT INTO incident_reports (incident_id, stage_id, report_type_id, position, trigger, delay_hours, triggered_at, due_at)
                    SELECT c.id, s.id, s.report_type_id, s.position, s.trigger, s.delay_hours, now(), now() + interval '30 days'
                    FROM created c CROSS JOIN report_stages s WHERE s.workflow_id = $1
                    """, workflow.id, regulatorID, nis2, powerCo, power.userID,
                    #"{"first_name": "Bench", "last_name": "Contact", "title": "", "email": "bench@powerco.test", "phone": "+3522600"}"#,
                    first, last, electricity)
                progress.advance(by: last - first + 1)
            }
            progress.finish()
            for table in ["incidents", "incident_reports", "incident_sectors"] { try await platform.postgres.query("ANALYZE \(table)") }
            print(String(format: "incidents seeded=%d seconds=%.1f", count, Self.milliseconds(ContinuousClock.now - seedStart) / 1000))

            // The first notification (one incident, its reports, observers, opening e-mails).
            let contact = IncidentContact(firstName: "Bench", lastName: "Contact", email: "bench@powerco.test", phone: "+352 26 00 00 01")
            let notification = NotificationInput(operatorID: powerCo, contact: contact, regulationIDs: [nis2], regulatorIDs: [regulatorID],
                                                 sectorIDs: [electricity], detectedAt: Date().addingTimeInterval(-3600), timeZone: "Europe/Luxembourg")
            var created: [UUID] = []
            let notify = try await Self.time(runs) {
                created += try await platform.incidents.notification.notify(power, notification, client: .system)
            }
            // The demo NIS2 workflow takes electricity too: each notification makes two incidents.
            Self.report("first notification (two matching workflows: two incidents)", notify)

            // A 60-answer submission of about 200 characters each: first submissions of distinct
            // incidents (the path that decides lateness and sets the next report's deadline), then
            // corrections of one of them (new versions of a submitted report), apart.
            let fresh = try await platform.incidents.query.incidents(power, ids: created).filter { $0.workflowID == workflow.id }
            guard fresh.count >= runs + 3 else { throw ValidationError("the bench workflow made \(fresh.count) incidents, not \(runs + 3)") }
            let answer = String(repeating: "The attackers moved laterally through the billing network. ", count: 4).prefix(200)
            let submission = ReportSubmission(answers: questions.map { ReportAnswer(questionID: $0, text: String(answer)) })
            var next = 0
            let firstSubmissions = try await Self.time(runs) {
                let incident = fresh[next]
                next += 1
                _ = try await platform.incidents.reports.submit(power, incidentID: incident.id, stageID: incident.reports[0].stageID, submission,
                                                                client: .system)
            }
            Self.report("first submission of a 60-answer report (distinct incidents)", firstSubmissions)
            let corrections = try await Self.time(runs) {
                _ = try await platform.incidents.reports.submit(power, incidentID: fresh[0].id, stageID: fresh[0].reports[0].stageID, submission,
                                                                client: .system)
            }
            Self.report("correction of a 60-answer report (a new version of a submitted one)", corrections)

            // The regulator's first page of 50, and a filtered page.
            let query = platform.incidents.query
            let firstPage = try await Self.time(runs) {
                _ = try await query.list(regulator, view: .reviewer, filter: IncidentFilter(), limit: 50, cursor: nil)
            }
            Self.report("regulator's first page of 50 (\(count) incidents)", firstPage)
            let userPage = try await Self.time(runs) {
                _ = try await query.list(regulatorUser, view: .reviewer, filter: IncidentFilter(), limit: 50, cursor: nil)
            }
            Self.report("sector-limited regulator user's first page of 50", userPage)
            let filtered = try await Self.time(runs) {
                _ = try await query.list(regulator, view: .reviewer,
                                         filter: IncidentFilter(isOpen: true, sectorID: electricity, notificationType: .nearMiss),
                                         limit: 50, cursor: nil)
            }
            Self.report("regulator's filtered page of 50 (open near misses in electricity)", filtered)
            let searched = try await Self.time(runs) {
                _ = try await query.list(regulator, view: .reviewer,
                                         filter: IncidentFilter(isOpen: true, crossBorder: true, notificationType: .nearMiss,
                                                                                           search: "BENCH_1"),
                                         limit: 50, cursor: nil)
            }
            Self.report("regulator's selective page of 50 (open cross-border near misses, text search)", searched)

            // The deadline sweep over every incident (nothing due: the steady state).
            let sweep = try await Self.time(max(5, runs / 3)) { _ = try await platform.incidents.deadlines.sweep() }
            Self.report("deadline sweep over all incidents", sweep)

            // The PDF of an incident with 3 reports of 60 answers (built from the database, then drawn).
            let another = try await platform.incidents.notification.notify(power, notification, client: .system)
            guard let documented = try await platform.incidents.query.incidents(power,
                                                                                ids: another).first(where: { $0.workflowID == workflow.id }) else {
                throw ValidationError("the bench workflow made no incident")
            }
            for stage in documented.reports {
                _ = try await platform.incidents.reports.submit(power, incidentID: documented.id, stageID: stage.stageID, submission, client: .system)
            }
            let pdf = try await Self.time(max(5, runs / 3)) {
                let (_, document) = try await platform.incidents.documents.document(incidentID: documented.id, versionID: nil, language: .en)
                _ = try PDFRenderer.render(document)
            }
            Self.report("incident PDF, 3 reports x 60 answers of 200 characters (read and drawn)", pdf)
            await platform.shutdown()
        }

        /// A demo account's principal, logged in with the demo password, terms accepted.
        static func principal(_ platform: Platform, _ account: String) async throws -> Principal {
            let session = try await platform.governance.auth.login(email: "\(account)@demo.governance.test", password: "Demo-Governance-2026",
                                                                  totpCode: nil, client: .system)
            let principal = try await platform.governance.auth.authenticate(token: session.token)
            try await platform.governance.accounts.acceptTerms(principal, client: .system)
            return try await platform.governance.auth.authenticate(token: session.token)
        }

        static func milliseconds(_ duration: Duration) -> Double {
            Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        }

        /// Runs `body` three times to warm up, then `runs` times; the sorted timings in ms.
        static func time(_ runs: Int, _ body: () async throws -> Void) async throws -> [Double] {
            for _ in 0..<3 { try await body() }
            var timings: [Double] = []
            for _ in 0..<runs {
                let start = ContinuousClock.now
                try await body()
                timings.append(milliseconds(ContinuousClock.now - start))
            }
            return timings.sorted()
        }

        static func report(_ label: String, _ timings: [Double]) {
            print(String(format: "%@: median_ms=%.2f p90_ms=%.2f min_ms=%.2f runs=%d", label, timings[timings.count / 2],
                         timings[timings.count * 9 / 10], timings[0], timings.count))
        }
    }
}
