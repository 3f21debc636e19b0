@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Report projects through the API: settings checked against the caller's regulator and
/// sectors, copies, who sees which project, and the selection matrix derived from the
/// operators' sectors with its data flags and scoped, whitelisted selection.
@Suite("Report projects")
struct ReportingProjectTests {
    /// Both modules on for the first regulator; its ENISA standard; sessions.
    static func prepare(_ w: GovernanceWorld, _ client: any TestClientProtocol) async throws -> (tokens: [String: String], standard: String) {
        let tokens = try await RiskAnalysisTests.prepare(w, client)
        try await w.platform.postgres.query("UPDATE regulators SET modules = '{securityObjectives,reporting}' WHERE id = $1", w.regulator1)
        return (tokens, try await SecurityObjectivesTests.standard(w, client, tokens["ra"]!))
    }

    /// A declaration of operator 1 for `sector` and `year`, submitted and passed.
    static func passedDeclaration(_ w: GovernanceWorld, _ client: any TestClientProtocol, _ tokens: [String: String], standard: String,
                                  sector: UUID, year: Int) async throws {
        let opa = tokens["opa"]!, ra = tokens["ra"]!
        let detail = try object(try await call(client, .post, "/api/v1/declarations", opa, [
            "standard_id": standard, "operator_id": w.operator1.text, "year": year, "sector_ids": [sector.text]]))
        let id = try #require((detail["declaration"] as? [String: Any])?["id"] as? String)
        let objectives = (detail["objectives"] as? [[String: Any]] ?? []).compactMap { $0["objective_id"] as? String }
        for objective in objectives {
            _ = try await call(client, .patch, "/api/v1/declarations/\(id)/objectives/\(objective)", opa, ["planned_actions": "Plan"])
        }
        let etag = try #require(try await call(client, .get, "/api/v1/declarations/\(id)", opa).headers[.eTag])
        #expect(try await call(client, .post, "/api/v1/declarations/\(id)/submit", opa, headers: [.ifMatch: etag]).status == .ok)
        for objective in objectives {
            _ = try await call(client, .patch, "/api/v1/declarations/\(id)/objectives/\(objective)", ra, ["review_status": "passed"])
        }
        let reviewed = try #require(try await call(client, .get, "/api/v1/declarations/\(id)", ra).headers[.eTag])
        let sent = try await call(client, .post, "/api/v1/declarations/\(id)/review/send", ra, ["review_comment": "Passed."],
                                  headers: [.ifMatch: reviewed])
        #expect(try object(sent)["status"] as? String == "passed")
    }

    static func settings(_ w: GovernanceWorld, standard: String, name: String = "Energy", sectors: [UUID]? = nil) -> [String: Any] {
        ["name": name, "standard_id": standard, "reference_year": 2026, "comparison_years": [2025], "sector_ids": (sectors ?? [w.electricity, w.gas]).map(\.text),
         "top_ranking": 5, "high_risk_threshold": 0, "languages": ["en", "fr"]]
    }

    @Test("projects: settings checked, a threshold of 0 accepted, the standard fixed, copies with nothing selected, visibility by sector")
    func projects() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let (tokens, standard) = try await Self.prepare(w, client)
            let ra = tokens["ra"]!, ru = tokens["ru"]!
            let created = try await call(client, .post, "/api/v1/reporting-projects", ra, Self.settings(w, standard: standard))
            #expect(created.status == .created, "\(String(buffer: created.body).prefix(400))")
            let project = try object(created)
            let id = try #require(project["id"] as? String)
            #expect(project["high_risk_threshold"] as? Int == 0 && project["standard_label"] as? String == "ENISA objectives")
            #expect(project["author_name"] as? String != nil && project["selected_count"] as? Int == 0)

            // Every faulty setting named at once.
            var bad = Self.settings(w, standard: UUID().text)
            bad["comparison_years"] = [2026, 2020, 2020]
            bad["languages"] = ["en", "en"]
            bad["reference_year"] = 2027
            let fields = Set(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/reporting-projects", ra, bad)))
            #expect(fields == ["reference_year", "comparison_years", "languages"], "\(fields)")
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/reporting-projects", ra,
                                                                         Self.settings(w, standard: UUID().text))) == ["standard_id"])
            // A regulator user names their own sectors only.
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/reporting-projects", ru,
                                                                         Self.settings(w, standard: standard))) == ["sector_ids"])
            let mine = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/reporting-projects", ru,
                Self.settings(w, standard: standard, name: "Electricity only", sectors: [w.electricity])), "project")
            let gasOnly = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/reporting-projects", ra,
                Self.settings(w, standard: standard, name: "Gas only", sectors: [w.gas])), "project")
            // The regulator user sees the projects with one of their sectors.
            #expect(Set(try array(try await call(client, .get, "/api/v1/reporting-projects", ru)).compactMap { $0["id"] as? String }) == [id, mine])
            #expect(try await call(client, .get, "/api/v1/reporting-projects/\(gasOnly)", ru).status == .notFound)
            #expect(try await call(client, .delete, "/api/v1/reporting-projects/\(gasOnly)", ru).status == .notFound)
            #expect(try array(try await call(client, .get, "/api/v1/reporting-projects", ra)).count == 3)
            #expect(try array(try await call(client, .get, "/api/v1/reporting-projects?sector_id=\(w.gas.text)", ra)).count == 2)
            #expect(try array(try await call(client, .get, "/api/v1/reporting-projects?q=only", ra)).count == 2)
            let first = try await call(client, .get, "/api/v1/reporting-projects?limit=2", ra)
            let cursor = try #require(try object(first)["next_cursor"] as? String)
            #expect(try array(try await call(client, .get, "/api/v1/reporting-projects?limit=2&cursor=\(cursor)", ra)).count == 1)

            // Changes: checked as on creation; a regulator user's change keeps the sectors outside their reach.
            let renamed = try object(try await call(client, .patch, "/api/v1/reporting-projects/\(id)", ru, [
                "name": "Energy 2026", "sector_ids": [w.electricity.text], "top_ranking": 10]))
            #expect(renamed["name"] as? String == "Energy 2026" && renamed["top_ranking"] as? Int == 10)
            #expect(Set(renamed["sector_ids"] as? [String] ?? []) == [w.electricity.text, w.gas.text])
            #expect(try IncidentConfigurationTests.fields(try await call(client, .patch, "/api/v1/reporting-projects/\(id)", ra,
                                                                         ["comparison_years": [2026]])) == ["comparison_years"])
            #expect(try IncidentConfigurationTests.fields(try await call(client, .patch, "/api/v1/reporting-projects/\(id)", ra,
                                                                         ["standard_id": standard])) == ["standard_id"], "the standard is fixed")

            // A copy: the same settings, a new name, nothing selected, logged on the copy.
            let copy = try object(try await call(client, .post, "/api/v1/reporting-projects/\(id)/copy", ra, ["name": "Energy copy"]))
            #expect(copy["copied_from_id"] as? String == id && copy["top_ranking"] as? Int == 10 && copy["name"] as? String == "Energy copy")
            let copyID = try #require(copy["id"] as? String)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM audit_events WHERE action = 'reporting_project.copied' AND object_id = $1",
                                                        copyID).count == 1)

            // Other regulators and roles: 404.
            for name in ["ra2", "opa", "oa", "pa"] {
                #expect(try await call(client, .get, "/api/v1/reporting-projects/\(id)", tokens[name]!).status == .notFound, "\(name)")
            }
            #expect(try await call(client, .delete, "/api/v1/reporting-projects/\(copyID)", ra).status == .noContent)
            #expect(try await call(client, .get, "/api/v1/reporting-projects/\(copyID)", ra).status == .notFound)
        }
    }

    @Test("the matrix: derived from the operators' sectors, data flags, selection by rows and by filter, scoped to the project; years dropped drop their rows")
    func matrix() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let (tokens, standard) = try await Self.prepare(w, client)
            let ra = tokens["ra"]!, ru = tokens["ru"]!
            try await Self.passedDeclaration(w, client, tokens, standard: standard, sector: w.electricity, year: 2026)
            _ = try await RiskAnalysisTests.upload(client, ra, file: try RiskAnalysisTests.fixture("small.json"), operatorID: w.operator1,
                                                   sectorIDs: [w.electricity], year: 2025)
            let id = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/reporting-projects", ra,
                                                                           Self.settings(w, standard: standard)), "project")
            let other = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/reporting-projects", ra,
                                                                              Self.settings(w, standard: standard, name: "Other")), "project")
            let entries = "/api/v1/reporting-projects/\(id)/entries"
            let all = try object(try await call(client, .get, entries, ra))
            let rows = try #require(all["items"] as? [[String: Any]])
            // Operator 1 in electricity and gas, operator 2 in electricity; 2026 then 2025.
            #expect(rows.count == 6 && all["total"] as? Int == 6 && all["all_selected"] as? Bool == false)
            func flags(_ operatorID: UUID, _ sector: UUID, _ year: Int) -> (Bool?, Bool?) {
                let row = rows.first { $0["operator_id"] as? String == operatorID.text && $0["sector_id"] as? String == sector.text
                    && $0["year"] as? Int == year }
                return (row?["has_security_objectives"] as? Bool, row?["has_risk_analysis"] as? Bool)
            }
            #expect(flags(w.operator1, w.electricity, 2026) == (true, false))
            #expect(flags(w.operator1, w.electricity, 2025) == (false, true))
            #expect(flags(w.operator2, w.electricity, 2026) == (false, false))
            #expect(rows.compactMap { $0["year"] as? Int }.prefix(2) == [2026, 2025])
            // A regulator user sees their sectors' rows.
            #expect(try object(try await call(client, .get, entries, ru))["total"] as? Int == 4)
            let page = try await call(client, .get, "\(entries)?limit=4", ra)
            let cursor = try #require(try object(page)["next_cursor"] as? String)
            #expect(try array(try await call(client, .get, "\(entries)?limit=4&cursor=\(cursor)", ra)).count == 2)

            // Selecting a row without data is refused; rows not in the matrix too.
            let empty: [String: Any] = ["operator_id": w.operator2.text, "sector_id": w.electricity.text, "year": 2026]
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "\(entries)/selection", ra,
                                                                         ["selected": true, "entries": [empty]])) == ["entries[0]"])
            let stranger: [String: Any] = ["operator_id": w.operator2.text, "sector_id": w.gas.text, "year": 2026]
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "\(entries)/selection", ra,
                                                                         ["selected": true, "entries": [stranger]])) == ["entries[0]"])
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "\(entries)/selection", ra, ["selected": true])) == ["entries"])
            // A filter selects the rows with data it matches.
            let byFilter = try object(try await call(client, .post, "\(entries)/selection", ra, ["selected": true, "filter": ["sector_id": w.electricity.text]]))
            #expect(byFilter["changed"] as? Int == 2)
            #expect(try object(try await call(client, .get, "\(entries)?selected=true", ra))["total"] as? Int == 2)
            #expect(try object(try await call(client, .get, "\(entries)?selected=true", ra))["all_selected"] as? Bool == true)
            #expect(try object(try await call(client, .get, "/api/v1/reporting-projects/\(id)", ra))["selected_count"] as? Int == 2)
            let again = try object(try await call(client, .post, "\(entries)/selection", ra, ["selected": true, "filter": ["sector_id": w.electricity.text]]))
            #expect(again["changed"] as? Int == 0)
            // The other project is untouched; unselecting by row works.
            #expect(try object(try await call(client, .get, "/api/v1/reporting-projects/\(other)/entries?selected=true", ra))["total"] as? Int == 0)
            _ = try await call(client, .post, "/api/v1/reporting-projects/\(other)/entries/selection", ra, ["selected": true, "filter": [String: Any]()])
            let unselect = try object(try await call(client, .post, "\(entries)/selection", ra, ["selected": false, "entries": [
                ["operator_id": w.operator1.text, "sector_id": w.electricity.text, "year": 2026]]]))
            #expect(unselect["changed"] as? Int == 1)

            // Dropping 2025 from this project drops its chosen 2025 rows, not the other project's.
            _ = try await call(client, .patch, "/api/v1/reporting-projects/\(id)", ra, ["comparison_years": [2024]])
            #expect(try await w.platform.postgres.query("SELECT 1 FROM reporting_project_selections WHERE project_id = $1", UUID(uuidString: id)!)
                .count == 0)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM reporting_project_selections WHERE project_id = $1", UUID(uuidString: other)!)
                .count == 2)
            // An operator leaving a sector leaves every matrix at once.
            try await w.platform.postgres.query("DELETE FROM operator_sectors WHERE operator_id = $1 AND sector_id = $2", w.operator1, w.gas)
            #expect(try object(try await call(client, .get, entries, ra))["total"] as? Int == 4)
            #expect(try await call(client, .get, entries, tokens["opa"]!).status == .notFound)
        }
    }

    @Test("a report's inputs from the database: the selected years, the passed declarations' scores, the analyses of the operator and its sector")
    func reportInputs() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let (tokens, standard) = try await Self.prepare(w, client)
            let ra = tokens["ra"]!
            try await Self.passedDeclaration(w, client, tokens, standard: standard, sector: w.electricity, year: 2025)
            try await Self.passedDeclaration(w, client, tokens, standard: standard, sector: w.electricity, year: 2026)
            for (year, file) in [(2025, "services-2025.json"), (2026, "services-2026.json")] {
                _ = try await RiskAnalysisTests.upload(client, ra, file: try RiskAnalysisTests.fixture(file), operatorID: w.operator1,
                                                       sectorIDs: [w.electricity], year: year)
            }
            // The second operator's analysis counts for the sector's figures.
            _ = try await RiskAnalysisTests.upload(client, ra, file: try RiskAnalysisTests.fixture("services-2024.json"), operatorID: w.operator2,
                                                   sectorIDs: [w.electricity], year: 2026)
            var settings = Self.settings(w, standard: standard, sectors: [w.electricity])
            settings["comparison_years"] = [2024, 2025]
            let id = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/reporting-projects", ra, settings), "project")
            _ = try await call(client, .post, "/api/v1/reporting-projects/\(id)/entries/selection", ra, ["selected": true, "filter": [String: Any]()])

            let principal = try await w.platform.governance.auth.authenticate(token: ra)
            let project = try await w.platform.reporting.projects.project(principal, id: UUID(uuidString: id)!)
            let inputs = try await w.platform.postgres.withSession { session in
                try await ReportInputs.load(project, regulatorID: w.regulator1, operatorID: w.operator1, sectorID: w.electricity, language: .en,
                                            session: session)
            }
            // 2024 has no data for operator 1, so it is not selected: the years are 2025 and 2026.
            #expect(inputs.years == [2025, 2026] && inputs.referenceYear == 2026)
            #expect(inputs.objectives.map(\.code) == ["SO1", "SO2", "SO3"] && inputs.levels.map(\.level) == [0, 1, 2])
            #expect(Set(inputs.operatorScores.keys) == [2025, 2026] && inputs.operatorScores[2026]?.count == 3)
            #expect(inputs.sectorScores[2026]?.values.allSatisfy { $0.count == 1 } == true && inputs.sectorScores[2026]?.count == 3,
                    "only operator 1 declared, three objectives")
            #expect(inputs.operatorAnalyses[2026]?.risks.count == 15 && inputs.operatorAnalyses[2026]?.recommendations.count == 15)
            // The sector's figures, totalled by the database as the Swift rules total the files' (both operators' in 2026).
            func analysis(_ file: String) throws -> ReportInputs.Analysis {
                ReportInputs.Analysis(try MonarcExport.parse(try RiskAnalysisTests.fixture(file)), language: .en)
            }
            let (a2024, a2025, a2026) = (try analysis("services-2024.json"), try analysis("services-2025.json"), try analysis("services-2026.json"))
            let high = ReportInputs.sectorHighRisks([2025: [a2025.risks], 2026: [a2026.risks, a2024.risks]], threshold: 0)
            #expect(inputs.sectorHighRisks == high && !(high[2026] ?? [:]).isEmpty)
            let services = ReportInputs.sectorServiceRisks([2025: [a2025.services], 2026: [a2026.services, a2024.services]])
            #expect(inputs.sectorServiceRisks.mapValues { $0.mapValues(\.count) } == services.mapValues { $0.mapValues(\.count) })
            #expect(inputs.sectorServiceRisks[2026]?.values.contains { $0.count == 2 } == true)
            for (year, totals) in services {
                for (service, total) in totals { #expect(abs((inputs.sectorServiceRisks[year]?[service]?.total ?? -1) - total.total) < 1e-9) }
            }

            let data = ReportDataset(inputs)
            // Services named in the file's language (French) when the report's has no name for them.
            #expect(data.risks.services.map(\.label) == ["Facturation", "Portail client", "Messagerie"])
            #expect(data.risks.summaries.map { $0?.totalRisks } == [15, 15])
            #expect(data.objectivesByYear.count == 3 && data.domainsByYear.map(\.label) == ["Governance", "Protection"])
            // Both years' declarations planned everything and implemented nothing: level 0 throughout.
            #expect(data.countsByLevel[2026] == [3, 0, 0])
        }
    }
}
