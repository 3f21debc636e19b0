@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Redis
import Testing
import TestSupport
import ZIPFoundation

/// Report configuration and generation through the API, the jobs run by their real handlers:
/// a single report and a batch with its ZIP, what is skipped and why, a failing item, cancel,
/// the watchdog, the artefact's download and purge.
@Suite("Report generation")
struct ReportGenerationTests {
    /// Operator 1 in electricity with passed declarations and risk analyses for 2024 to 2026,
    /// operator 2 with an analysis only; a project on 2026 compared with 2024 and 2025.
    static func prepare(_ w: GovernanceWorld, _ client: any TestClientProtocol, languages: [String]) async throws
        -> (tokens: [String: String], standard: String, project: String) {
        let (tokens, standard) = try await ReportingProjectTests.prepare(w, client)
        let ra = tokens["ra"]!
        for year in [2024, 2025, 2026] {
            try await ReportingProjectTests.passedDeclaration(w, client, tokens, standard: standard, sector: w.electricity, year: year)
            let uploaded = try await RiskAnalysisTests.upload(client, ra, file: try RiskAnalysisTests.fixture("services-\(year).json"),
                                                              operatorID: w.operator1, sectorIDs: [w.electricity], year: year)
            #expect(uploaded.status == .created)
        }
        _ = try await RiskAnalysisTests.upload(client, ra, file: try RiskAnalysisTests.fixture("services-2024.json"), operatorID: w.operator2,
                                               sectorIDs: [w.electricity], year: 2026)
        var settings = ReportingProjectTests.settings(w, standard: standard, sectors: [w.electricity])
        settings["comparison_years"] = [2024, 2025]
        settings["languages"] = languages
        settings["high_risk_threshold"] = 10
        let project = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/reporting-projects", ra, settings), "project")
        return (tokens, standard, project)
    }

    static func select(_ client: any TestClientProtocol, _ token: String, _ project: String, _ operatorID: UUID, _ w: GovernanceWorld) async throws {
        let entries = [2024, 2025, 2026].map { ["operator_id": operatorID.text, "sector_id": w.electricity.text, "year": $0] as [String: Any] }
        let selected = try await call(client, .post, "/api/v1/reporting-projects/\(project)/entries/selection", token,
                                      ["selected": true, "entries": operatorID == w.operator1 ? entries : [entries[2]]])
        #expect(selected.status == .ok, "\(String(buffer: selected.body).prefix(300))")
    }

    static func generation(_ client: any TestClientProtocol, _ token: String, _ id: String) async throws -> [String: Any] {
        try object(try await call(client, .get, "/api/v1/reporting-generations/\(id)", token))
    }

    @Test("configuration: defaults until saved, checked whole, administrators write, the logo a real PNG, reset")
    func configuration() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let (tokens, standard) = try await ReportingProjectTests.prepare(w, client)
            let ra = tokens["ra"]!, ru = tokens["ru"]!
            let path = "/api/v1/report-configurations/\(standard)"
            let defaults = try object(try await call(client, .get, path, ru))
            #expect(defaults["is_default"] as? Bool == true && (defaults["sections"] as? [String])?.count == 12 && defaults["has_logo"] as? Bool == false)

            let body: [String: Any] = ["palette": ["#1f4e79", "#C00000"], "sections": ["context", "risk_summary", "observations"],
                                       "texts": ["fr": ["cover_title": "Rapport de supervision", "sections": ["risk_summary": ["intro": "Les chiffres."]]]]]
            #expect(try await call(client, .put, path, ru, body).status == .forbidden)
            let saved = try object(try await call(client, .put, path, ra, body))
            #expect(saved["is_default"] as? Bool == false && saved["palette"] as? [String] == ["#1F4E79", "#C00000"])
            #expect(saved["sections"] as? [String] == ["context", "risk_summary", "observations"])
            #expect(((saved["texts"] as? [String: Any])?["fr"] as? [String: Any])?["cover_title"] as? String == "Rapport de supervision")
            let stored = try await w.platform.postgres.withSession { session in
                try await ReportConfigurations.load(regulatorID: w.regulator1, standardID: UUID(uuidString: standard)!, session: session).configuration
            }
            #expect(stored.texts[.fr]?.sections[.riskSummary]?.intro == "Les chiffres.")

            // Checked whole: each fault named.
            let refused = try await call(client, .put, path, ra, ["palette": ["red"], "sections": ["context", "context"]])
            #expect(refused.status == .unprocessableContent)
            let fields = Set(try array(refused, "errors").compactMap { $0["field"] as? String })
            #expect(fields.contains("palette[0]"), "\(fields)")
            let repeated = try await call(client, .put, path, ra, ["sections": ["context", "context"]])
            #expect(repeated.status == .unprocessableContent, "\(String(buffer: repeated.body))")
            #expect(try await call(client, .put, path, ra, ["sections": ["appendix"]]).status == .unprocessableContent)
            #expect(try await call(client, .put, path, ra, ["texts": ["fr": ["cover_title": String(repeating: "x", count: 201)]]]).status
                    == .unprocessableContent)
            // Another regulator's standard, and the other roles: no such configuration.
            #expect(try await call(client, .get, path, tokens["ra2"]!).status == .notFound)
            #expect(try await call(client, .get, path, tokens["opa"]!).status == .notFound)

            // The logo: a PNG Cairo reads, kept as sent.
            let png = try #require(Data(base64Encoded:
                "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg=="))
            let logoPath = "\(path)/logo"
            func putLogo(_ data: Data, _ token: String) async throws -> TestResponse {
                try await client.execute(uri: logoPath, method: .put, headers: [.authorization: "Bearer \(token)", .contentType: "image/png"],
                                         body: ByteBuffer(bytes: data))
            }
            #expect(try await putLogo(Data("not a png".utf8), ra).status == .unprocessableContent)
            // Over 512 KiB (within the body limit): refused by name.
            let large = try await putLogo(png + Data(count: 600_000), ra)
            #expect(try large.status == .unprocessableContent && (array(large, "errors")).first?["code"] as? String == "too_large")
            #expect(try await putLogo(png, ru).status == .forbidden)
            let withLogo = try await putLogo(png, ra)
            #expect(try withLogo.status == .ok && (object(withLogo))["has_logo"] as? Bool == true)
            let logo = try await client.execute(uri: logoPath, method: .get, headers: [.authorization: "Bearer \(ru)"])
            #expect(logo.status == .ok && Data(buffer: logo.body) == png && logo.headers[.contentType] == "image/png")
            #expect(try await call(client, .delete, logoPath, ra).status == .noContent)
            #expect(try await call(client, .get, logoPath, ra).status == .notFound)
            #expect(try await call(client, .delete, path, ra).status == .noContent)
            #expect(try object(try await call(client, .get, path, ra))["is_default"] as? Bool == true)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM audit_events WHERE action LIKE 'report_configuration.%'").count == 4)
        }
        await w.platform.shutdown()
    }

    @Test("a single report: queued with its job, drawn by the worker, a PDF named in its language with the figures, charts and configured texts")
    func single() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let (tokens, standard, project) = try await Self.prepare(w, client, languages: ["fr"])
            let ra = tokens["ra"]!
            try await Self.select(client, ra, project, w.operator1, w)
            _ = try await call(client, .put, "/api/v1/report-configurations/\(standard)", ra, [
                "palette": ["#1F4E79"], "texts": ["fr": ["cover_title": "Rapport de supervision 2026", "cover_text": "Document confidentiel."]]])
            _ = try await call(client, .put, "/api/v1/operators/\(w.operator1.text)/observations/\(w.electricity.text)/2026", ra, [
                "comment": "Des progrès nets sur la gestion des accès.", "observation_ids": [String]()])

            // The regulator's webhook hears when it ends.
            let webhook = try await call(client, .post, "/api/v1/webhooks", ra, ["url": "https://8.8.8.8/hooks", "events": ["report_generation.finished"]])
            #expect(webhook.status == .created)

            let key: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "click-1"]
            let started = try await call(client, .post, "/api/v1/reporting-projects/\(project)/generations", ra, headers: key)
            #expect(started.status == .accepted, "\(String(buffer: started.body).prefix(400))")
            let generation = try object(started)
            let id = try #require(generation["id"] as? String)
            #expect(started.headers[.location] == "/api/v1/reporting-generations/\(id)")
            // A double click with the key answers the same generation, not a second one.
            let again = try await call(client, .post, "/api/v1/reporting-projects/\(project)/generations", ra, headers: key)
            let replayedID = try object(again)["id"] as? String
            #expect(again.status == .accepted && replayedID == id)
            #expect(again.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try await w.platform.postgres.query("SELECT 1 FROM report_generations").count == 1)
            #expect(generation["status"] as? String == "queued" && generation["batch"] as? Bool == false)
            let items = try #require(generation["items"] as? [[String: Any]])
            #expect(items.count == 1 && (generation["skipped"] as? [Any])?.isEmpty == true)
            #expect(items[0]["filename"] as? String == "rapport_annuel_2026_Operator_One_Electricity.pdf")
            // Its job is followed like any other.
            let job = try object(try await call(client, .get, "/api/v1/jobs/\(try #require(items[0]["job_id"] as? String))", ra))
            #expect(job["kind"] as? String == "generate_report" && job["state"] as? String == "queued")
            #expect(try await call(client, .get, "/api/v1/jobs/\(items[0]["job_id"] as! String)", tokens["opa"]!).status == .notFound)
            // Not yet made.
            #expect(try await call(client, .get, "/api/v1/reporting-generations/\(id)/artefact", ra).status == .conflict)

            #expect(try await IncidentReportTests.renderPending(w, kind: .generateReport) == 1)
            let done = try await Self.generation(client, ra, id)
            #expect(done["status"] as? String == "done", "\(done)")
            #expect((done["progress"] as? [String: Any])?["done"] as? Int == 1)
            let artefact = try #require(done["artefact"] as? [String: Any])
            #expect(artefact["content_type"] as? String == "application/pdf")
            let finished = try await w.platform.postgres.query("SELECT body FROM webhook_deliveries WHERE event = 'report_generation.finished'")
            #expect(finished.count == 1)
            let event = try JSONSerialization.jsonObject(with: Data(try #require(finished.first).decode("body", as: String.self).utf8)) as? [String: Any]
            let data = event?["data"] as? [String: Any]
            #expect(data?["generation_id"] as? String == id && data?["status"] as? String == "done")
            #expect(data?["artefact_path"] as? String == "/api/v1/reporting-generations/\(id)/artefact")

            let download = try await client.execute(uri: "/api/v1/reporting-generations/\(id)/artefact", method: .get,
                                                    headers: [.authorization: "Bearer \(ra)"])
            #expect(download.status == .ok && download.headers[.contentType] == "application/pdf")
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"rapport_annuel_2026_Operator_One_Electricity.pdf\"")
            let pdf = try PDFInspection(Data(buffer: download.body))
            let text = pdf.text
            for expected in ["Rapport de supervision 2026", "Document confidentiel.", "Operator One — Electricity", "Table des matières",
                             "Contexte", "Objectifs de sécurité par niveau de maturité", "Évolution par domaine", "Classement dans le secteur",
                             "Synthèse des risques", "Menaces et vulnérabilités", "Recommandations", "Observations",
                             "Des progrès nets sur la gestion des accès.", "Risque actuel moyen par service", "Taux de risques élevés par service",
                             "Moyenne du secteur 2026", "Facturation", "Portail client", "Risques traités", "Tous les services", "Page 1 sur"] {
                #expect(text.contains(expected), "missing \(expected)")
            }
            // The table of contents gives the pages the sections land on.
            let contents = try #require(pdf.pages.firstIndex { $0.contains("Table des matières") })
            let summaryPage = try #require(pdf.pages.firstIndex { $0.contains("Synthèse des risques") && !$0.contains("Table des matières") })
            #expect(pdf.pages[contents].contains("Synthèse des risques") && pdf.pages[contents].range(of: "Synthèse des risques \\.+ \(summaryPage + 1)",
                                                                                                        options: .regularExpression) != nil)
            #expect(try await w.platform.postgres.query(
                "SELECT 1 FROM audit_events WHERE action = 'reporting_project.artefact_downloaded' AND object_id = $1", UUID(uuidString: project)!).count == 1)
            // Operators, observers and other regulators find nothing.
            for token in [tokens["opa"]!, tokens["ra2"]!] {
                #expect(try await call(client, .get, "/api/v1/reporting-generations/\(id)", token).status == .notFound)
                #expect(try await call(client, .get, "/api/v1/reporting-generations/\(id)/artefact", token).status == .notFound)
            }
        }
        await w.platform.shutdown()
    }

    @Test("a batch: pairs without data skipped with their reason, one generation at a time, a failing item leaves a ZIP with error_log.txt, the older artefact purged; cancel stops the rest")
    func batch() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let (tokens, _, project) = try await Self.prepare(w, client, languages: ["en", "fr"])
            let ra = tokens["ra"]!
            let start = "/api/v1/reporting-projects/\(project)/generations"
            // Nothing selected: nothing to make.
            let empty = try await call(client, .post, start, ra)
            #expect(try empty.status == .unprocessableContent && (array(empty, "errors")).first?["code"] as? String == "empty")
            // Operator 2 alone: an analysis but no declaration, nothing can be made.
            try await Self.select(client, ra, project, w.operator2, w)
            let nothing = try await call(client, .post, start, ra)
            #expect(try nothing.status == .unprocessableContent && (array(nothing, "errors")).first?["code"] as? String == "no_declaration")
            try await Self.select(client, ra, project, w.operator1, w)

            let first = try object(try await call(client, .post, start, ra))
            let firstID = try #require(first["id"] as? String)
            let items = try #require(first["items"] as? [[String: Any]])
            #expect(first["batch"] as? Bool == true && items.map { $0["language"] as? String } == ["en", "fr"])
            #expect(items.map { $0["filename"] as? String } == ["en_annual_report_2026_Operator_One_Electricity.pdf",
                                                               "fr_rapport_annuel_2026_Operator_One_Electricity.pdf"])
            let skipped = try #require(first["skipped"] as? [[String: Any]])
            #expect(skipped.count == 1 && skipped[0]["operator_name"] as? String == "Operator Two" && skipped[0]["reason"] as? String == "no_declaration")
            // One at a time; the project stays while it runs.
            #expect(try await call(client, .post, start, ra).status == .conflict)
            #expect(try await call(client, .delete, "/api/v1/reporting-projects/\(project)", ra).status == .conflict)

            // The English report is drawn; the French one's job dies for good: the watchdog fails it.
            let handlers = w.platform.jobHandlers()
            func run(_ item: [String: Any]) async throws {
                let jobID = UUID(uuidString: item["job_id"] as! String)!
                let payload = try await w.platform.postgres.query("SELECT payload::text AS p FROM outbox WHERE id = $1", jobID).first!.decode("p", as: String.self)
                _ = try await w.platform.ledger.begin(jobID: jobID)
                try await try #require(handlers.handler(for: "generate_report")).run(
                    JobEnvelope(id: jobID.postgresText, kind: "generate_report", payload: payload, tracked: true), logger: w.platform.logger)
                try await w.platform.ledger.complete(jobID: jobID, consumer: "test")
            }
            try await run(items[0])
            #expect(try await Self.generation(client, ra, firstID)["status"] as? String == "running")
            try await w.platform.postgres.query("UPDATE outbox SET failed_at = now(), last_error = 'consumer lost' WHERE id = $1",
                                                UUID(uuidString: items[1]["job_id"] as! String)!)
            #expect(try await w.platform.reporting.generations.watch() == 1)
            let assembling = try await Self.generation(client, ra, firstID)
            #expect(assembling["status"] as? String == "assembling")
            #expect((assembling["items"] as? [[String: Any]])?[1]["error"] as? String == "The job failed: consumer lost")
            #expect(try await IncidentReportTests.renderPending(w, kind: .assembleReportGeneration) == 1)
            let finished = try await Self.generation(client, ra, firstID)
            #expect(finished["status"] as? String == "done_with_errors")
            let download = try await client.execute(uri: "/api/v1/reporting-generations/\(firstID)/artefact", method: .get,
                                                    headers: [.authorization: "Bearer \(ra)"])
            #expect(download.status == .ok && download.headers[.contentType] == "application/zip")
            #expect(download.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"reports_Energy_") == true)
            let archive = try Archive(data: Data(buffer: download.body), accessMode: .read)
            #expect(archive.map(\.path).sorted() == ["en_annual_report_2026_Operator_One_Electricity.pdf", "error_log.txt"])
            var log = Data()
            _ = try archive.extract(try #require(archive["error_log.txt"])) { log.append($0) }
            let logText = String(decoding: log, as: UTF8.self)
            #expect(logText.contains("[Operator Two][Electricity][2026] No passed declaration") && logText.contains("fr_rapport_annuel") &&
                    logText.contains("consumer lost"), "\(logText)")
            var report = Data()
            _ = try archive.extract(try #require(archive["en_annual_report_2026_Operator_One_Electricity.pdf"])) { report.append($0) }
            let text = try PDFInspection(report).text
            #expect(text.contains("Annual report 2026") && text.contains("Risk summary") && text.contains("Sector average 2026"))
            // The item PDFs live on in the ZIP only.
            #expect(try await w.platform.postgres.query("SELECT 1 FROM documents WHERE id = $1", UUID(uuidString: items[0]["id"] as! String)!).isEmpty)

            // Cancelled mid-batch: the report drawn is thrown away, the rest never made, no artefact.
            let second = try object(try await call(client, .post, start, ra))
            let secondID = try #require(second["id"] as? String)
            let secondItems = try #require(second["items"] as? [[String: Any]])
            try await run(secondItems[0])
            let cancelled = try await call(client, .post, "/api/v1/reporting-generations/\(secondID)/cancel", ra)
            #expect(try cancelled.status == .ok && (object(cancelled))["status"] as? String == "cancelled")
            try await run(secondItems[1])
            let after = try await Self.generation(client, ra, secondID)
            #expect(after["status"] as? String == "cancelled" && (after["items"] as? [[String: Any]])?[1]["status"] as? String == "cancelled")
            #expect(try await call(client, .post, "/api/v1/reporting-generations/\(secondID)/cancel", ra).status == .conflict)
            #expect(try await call(client, .get, "/api/v1/reporting-generations/\(secondID)/artefact", ra).status == .conflict)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM documents WHERE id = $1",
                                                        UUID(uuidString: secondItems[0]["id"] as! String)!).isEmpty)
            // The first artefact stays until a newer one is made.
            #expect(try await Self.generation(client, ra, firstID)["artefact_purged"] as? Bool == false)

            // A third, in full: the first one's ZIP is purged.
            let third = try object(try await call(client, .post, start, ra))
            #expect(try await IncidentReportTests.renderPending(w, kind: .generateReport) == 2)
            #expect(try await IncidentReportTests.renderPending(w, kind: .assembleReportGeneration) == 1)
            #expect(try await Self.generation(client, ra, third["id"] as! String)["status"] as? String == "done")
            let purged = try await Self.generation(client, ra, firstID)
            #expect(purged["artefact_purged"] as? Bool == true && purged["artefact"] == nil)
            #expect(try await call(client, .get, "/api/v1/reporting-generations/\(firstID)/artefact", ra).status == .notFound)
            let list = try array(try await call(client, .get, "\(start)?limit=2", ra))
            #expect(list.map { $0["id"] as? String } == [third["id"] as? String, secondID])

            // Deleting the project takes its files.
            #expect(try await call(client, .delete, "/api/v1/reporting-projects/\(project)", ra).status == .noContent)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM documents WHERE content_type = 'application/zip'").isEmpty)
        }
        await w.platform.shutdown()
    }

    @Test("scope: a regulator user reaches a generation only when every item is in their sectors, and a generation purges only its requester's artefacts over the same pairs")
    func scope() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let (tokens, _, project) = try await Self.prepare(w, client, languages: ["en"])
            let ra = tokens["ra"]!, ru = tokens["ru"]!
            try await Self.select(client, ra, project, w.operator1, w)
            let start = "/api/v1/reporting-projects/\(project)/generations"
            func generate(_ token: String) async throws -> String {
                let started = try await call(client, .post, start, token)
                #expect(started.status == .accepted, "\(String(buffer: started.body).prefix(300))")
                #expect(try await IncidentReportTests.renderPending(w, kind: .generateReport) == 1)
                return try #require(try object(started)["id"] as? String)
            }
            func purged(_ id: String, _ token: String) async throws -> Bool? {
                try await Self.generation(client, token, id)["artefact_purged"] as? Bool
            }
            // The administrator's, then the regulator user's over the same pairs: both kept.
            let administrators = try await generate(ra)
            let users = try await generate(ru)
            #expect(try await purged(administrators, ra) == false)
            #expect(try await call(client, .get, "/api/v1/reporting-generations/\(administrators)/artefact", ra).status == .ok)
            // The administrator's next one replaces only their own.
            let newer = try await generate(ra)
            #expect(try await purged(administrators, ra) == true)
            #expect(try await purged(users, ru) == false)
            #expect(try await purged(newer, ra) == false)

            // An item in gas, a sector the regulator user does not work in: the generation is out of their reach.
            try await w.platform.postgres.query("UPDATE report_generation_items SET sector_id = $2 WHERE generation_id = $1",
                                                UUID(uuidString: newer)!, w.gas)
            for (method, path) in [(HTTPRequest.Method.get, ""), (.get, "/artefact"), (.post, "/cancel")] {
                #expect(try await call(client, method, "/api/v1/reporting-generations/\(newer)\(path)", ru).status == .notFound, "\(path)")
            }
            #expect(try await call(client, .get, "/api/v1/reporting-generations/\(newer)", ra).status == .ok)
            let seen = try array(try await call(client, .get, start, ru)).compactMap { $0["id"] as? String }
            #expect(seen == [users, administrators], "\(seen)")
            #expect(try array(try await call(client, .get, start, ra)).count == 3)
        }
        await w.platform.shutdown()
    }
}
