@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// Risk analyses: the MONARC export contract (both layouts, the reference importer's defects
/// fixed, hostile files refused by place), and the import through the API — every sector in its
/// own transaction, replace semantics keeping the regulator's comment, large files in the worker,
/// and who reaches what.
@Suite("Risk analyses")
struct RiskAnalysisTests {
    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("Tests/Fixtures/monarc/\(name)"))
    }

    static func json(_ name: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: try fixture(name)) as? [String: Any])
    }

    static func data(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object)
    }

    // MARK: The file contract

    @Test("a small export: one service, its counters and plain means, per-criterion risks from the right fields, every recommendation linked")
    func smallExport() throws {
        let export = try MonarcExport.parse(try Self.fixture("small.json"))
        #expect(export.monarcVersion == "2.13.3" && export.language == .en)
        #expect(export.services.count == 1)
        let service = try #require(export.services.first)
        #expect(service.label == LanguageMap(["en": "Billing service"]))
        // The same derived uuid as MONARC tools name it: uuid3(DNS, asset uuid + object uuid).
        #expect(service.uuid == UUID(uuidString: "2ef5f89b-09a4-30f3-8e69-99c8e0888650"))
        var expected = ServiceStatistics()
        (expected.totalRisks, expected.untreatedRisks, expected.treatedRisks) = (4, 1, 3)
        (expected.reducedRisks, expected.deniedRisks, expected.acceptedRisks, expected.sharedRisks) = (1, 1, 1, 0)
        // Means over the treated risks that have a value: (24 + 18) / 2 and (12 + 18) / 2 —
        // the denied risk without a value and the untreated one stay out.
        (expected.averageCurrentRisk, expected.averageResidualRisk) = (21, 15)
        #expect(service.statistics == expected)

        let byThreat = Dictionary(uniqueKeysWithValues: service.risks.map { ($0.threatLabel.text(in: .en), $0) })
        let fire = try #require(byThreat["Fire"]), theft = try #require(byThreat["Theft"])
        #expect((fire.riskC, fire.riskI, fire.riskA) == (-1, -1, 24))
        // Confidentiality from riskConfidentiality (18), not from riskIntegrity (7).
        #expect((theft.riskC, theft.riskI, theft.riskA) == (18, -1, 9))
        #expect((theft.impactC, theft.impactI, theft.impactA) == (3, 2, 4))
        #expect(byThreat["Disclosure"]?.treatment == .untreated && byThreat["Tampering"]?.treatment == .denial)
        #expect(fire.assetLabel == LanguageMap(["en": "Billing server"]))

        #expect(export.recommendations.map(\.code) == ["R-01", "R-02"])
        #expect(export.recommendations.map(\.dueDate) == ["2026-06-30", "2025-12-31"])
        #expect(export.recommendations.map(\.status) == [true, false])
        let r1 = export.recommendations[0].uuid
        // R-01 is linked to both of its risks (the reference linked it to the first only).
        #expect(fire.recommendationUUIDs == [r1] && theft.recommendationUUIDs == [r1, export.recommendations[1].uuid])

        // Stable: the same file gives the same ids.
        #expect(try MonarcExport.parse(try Self.fixture("small.json")) == export)
        #expect(Set(service.risks.map(\.uuid)).count == 4)
    }

    @Test("every root at level 1 is a service, at any position; the old object layout with indexed labels and computed criteria")
    func layouts() throws {
        let services = try MonarcExport.parse(try Self.fixture("services-2024.json"))
        #expect(services.services.map { $0.label.text(in: .fr) } == ["Facturation", "Portail client", "Messagerie"])
        #expect(services.services.map(\.statistics.totalRisks) == [4, 5, 6])
        #expect(services.language == .fr)
        // The same services in another year's file have the same uuids.
        #expect(try MonarcExport.parse(try Self.fixture("services-2026.json")).services.map(\.uuid) == services.services.map(\.uuid))

        let legacy = try MonarcExport.parse(try Self.fixture("legacy.json"))
        #expect(legacy.language == nil)
        let payroll = try #require(legacy.services.first)
        #expect(legacy.services.count == 1, "the instance under a parent is no service")
        #expect(payroll.label == LanguageMap(["fr": "Paie", "en": "Payroll", "de": "Lohnabrechnung", "nl": "Loonadministratie"]))
        let risk = try #require(payroll.risks.first)
        // Old layout: criteria = impact × threat rate × vulnerability rate, where the threat applies.
        #expect((risk.riskC, risk.riskI, risk.riskA) == (-1, 3 * 2 * 3, 4 * 2 * 3))
        #expect(risk.threatLabel.text(in: .en) == "Flood" && risk.vulnerabilityLabel.text(in: .en) == "Servers in the basement")
        #expect(risk.treatment == .reduction && risk.maxRisk == 24 && risk.residualRisk == 6)
        #expect(legacy.recommendations.map(\.code) == ["L-1"] && risk.recommendationUUIDs == [legacy.recommendations[0].uuid])

        // Without languageCode, a list-layout file is read through its indexed labels (label2 is English)…
        let text = String(decoding: try Self.fixture("small.json"), as: UTF8.self).replacingOccurrences(of: "\"languageCode\": \"en\",", with: "")
        let indexed = try MonarcExport.parse(Data(text.replacingOccurrences(of: "\"label\":", with: "\"label2\":").utf8))
        #expect(indexed.language == nil && indexed.services.first?.label == LanguageMap(["en": "Billing service"]))
        #expect(indexed.services.first?.risks.first?.threatLabel == LanguageMap(["en": "Fire"]))
        // …and single labels without a language are refused, naming languageCode.
        #expect(throws: DomainError.validation([FieldError(field: "file.languageCode", code: "required",
            message: "Labels without indexed translations (label1…label4) need the file's languageCode.")])) {
            try MonarcExport.parse(Data(text.utf8))
        }
    }

    /// `small.json` changed by `change`; the field the parse names.
    static func refusal(_ change: (inout [String: Any]) throws -> Void) throws -> [String] {
        var document = try json("small.json")
        try change(&document)
        do {
            _ = try MonarcExport.parse(try data(document))
            return []
        } catch DomainError.validation(let errors) {
            return errors.map(\.field)
        }
    }

    /// Changes the first risk of the first child of the first service.
    static func firstRisk(_ document: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
        var instances = document["instances"] as! [[String: Any]]
        var children = instances[0]["children"] as! [[String: Any]]
        var risks = children[0]["instanceRisks"] as! [[String: Any]]
        change(&risks[0])
        children[0]["instanceRisks"] = risks
        instances[0]["children"] = children
        document["instances"] = instances
    }

    @Test("bad and hostile files: refused with the place in the file and the reason")
    func refusals() throws {
        let risk = "file.instances[0].children[0].instanceRisks[0]"
        #expect(try Self.refusal { $0["monarc_version"] = nil } == ["file.monarc_version"])
        #expect(try Self.refusal { $0["monarc_version"] = "two" } == ["file.monarc_version"])
        #expect(try Self.refusal { $0["instances"] = nil } == ["file.instances"])
        #expect(try Self.refusal { $0["languageCode"] = "lb" } == ["file.languageCode"])
        #expect(try Self.refusal { Self.firstRisk(&$0) { $0["kindOfMeasure"] = 7 } } == ["\(risk).kindOfMeasure"])
        #expect(try Self.refusal { Self.firstRisk(&$0) { $0["threatRate"] = "high" } } == ["\(risk).threatRate"])
        #expect(try Self.refusal { Self.firstRisk(&$0) { $0["threat"] = nil } } == ["\(risk).threat"])
        #expect(try Self.refusal { Self.firstRisk(&$0) { $0["vulnerability"] = ["uuid": "not-a-uuid", "label": "x"] } } == ["\(risk).vulnerability.uuid"])
        #expect(try Self.refusal { Self.firstRisk(&$0) { $0["recommendations"] = [["uuid": UUID().uuidString, "duedate": "tomorrow"]] } }
                == ["\(risk).recommendations[0].duedate"])
        #expect(try Self.refusal { Self.firstRisk(&$0) { $0["threat"] = ["uuid": UUID().uuidString, "label": String(repeating: "x", count: 1_001)] } }
                == ["\(risk).threat.label"])
        #expect(try Self.refusal { $0["instances"] = [["level": 1, "label": "No asset", "object": ["uuid": UUID().uuidString]]] }
                == ["file.instances[0].asset"])
        // A missing kindOfMeasure is an untreated risk, not a refusal.
        #expect(try Self.refusal { Self.firstRisk(&$0) { $0["kindOfMeasure"] = NSNull() } } == [])

        func fields(_ data: Data, limits: MonarcExport.Limits = .init()) -> [String] {
            do {
                _ = try MonarcExport.parse(data, limits: limits)
                return []
            } catch DomainError.validation(let errors) {
                return errors.map { "\($0.field) \($0.code)" }
            } catch {
                return ["\(error)"]
            }
        }
        #expect(fields(Data("{\"monarc_version\": \"2.13.3\", \"instances\": [".utf8)) == ["file invalid"])
        #expect(fields(Data("[1, 2]".utf8)) == ["file invalid_type"])
        #expect(fields(Data("not json at all".utf8)) == ["file invalid"])
        // A million brackets cost a scan, never a recursion.
        #expect(fields(Data(String(repeating: "[", count: 1_000_000).utf8)) == ["file too_deep"])
        // Brackets inside strings are text, not nesting.
        var quoted = try Self.json("small.json")
        quoted["note"] = String(repeating: "[{", count: 500)
        #expect(fields(try Self.data(quoted)) == [])
        var limits = MonarcExport.Limits()
        limits.maximumRisks = 3
        #expect(fields(try Self.fixture("small.json"), limits: limits) == ["file.instances[0].children[1].instanceRisks[1] too_many"])
    }

    // MARK: Through the API

    /// The module switched on for the first regulator; both operators in electricity, the first
    /// also in gas; sessions of the world's actors and of the second regulator's administrator.
    static func prepare(_ w: GovernanceWorld, _ client: any TestClientProtocol) async throws -> [String: String] {
        try await w.platform.postgres.query("UPDATE regulators SET modules = '{reporting}' WHERE id = $1", w.regulator1)
        try await w.platform.postgres.query("INSERT INTO operator_sectors (operator_id, sector_id) VALUES ($1, $3), ($2, $3), ($1, $4)",
                                            w.operator1, w.operator2, w.electricity, w.gas)
        return try await TenantBoundaryTests.sessions(w, client, extra: ["ra2": "ra2@world.test"])
    }

    /// `POST /api/v1/risk-analyses/import` with a multipart body.
    static func upload(_ client: any TestClientProtocol, _ token: String, file: Data?, operatorID: UUID, sectorIDs: [UUID], year: Int,
                       fileName: String = "analysis.json") async throws -> TestResponse {
        let form = Self.form(file: file, operatorID: operatorID, sectorIDs: sectorIDs, year: year, fileName: fileName)
        var headers = bearer(token)
        headers[.contentType] = form.contentType
        return try await client.execute(uri: "/api/v1/risk-analyses/import", method: .post, headers: headers, body: ByteBuffer(data: form.bytes))
    }

    /// The multipart form of an import: its content type (with the boundary) and bytes.
    static func form(file: Data?, operatorID: UUID, sectorIDs: [UUID], year: Int, fileName: String = "analysis.json")
        -> (contentType: String, bytes: Data) {
        let boundary = "----governance-\(UUID().uuidString)"
        var body = Data()
        func field(_ name: String, _ value: String) {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        field("operator_id", operatorID.text)
        for sector in sectorIDs { field("sector_ids", sector.text) }
        field("year", "\(year)")
        if let file {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(fileName)\"\r\nContent-Type: application/json\r\n\r\n".utf8))
            body.append(file)
            body.append(Data("\r\n".utf8))
        }
        body.append(Data("--\(boundary)--\r\n".utf8))
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    @Test("an import writes every sector in its own transaction; a new one replaces the services and keeps the comment; read, list, delete")
    func importThroughAPI() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let ra = tokens["ra"]!
            let response = try await Self.upload(client, ra, file: try Self.fixture("services-2024.json"), operatorID: w.operator1,
                                                 sectorIDs: [w.electricity, w.gas], year: 2024, fileName: "électra 2024.json")
            #expect(response.status == .created, "\(String(buffer: response.body).prefix(400))")
            let analyses = try array(response, "analyses")
            #expect(analyses.compactMap { $0["sector_id"] as? String } == [w.electricity.text, w.gas.text], "every sector, in order")
            let first = try #require(analyses.first)
            #expect(first["monarc_version"] as? String == "2.14.0" && first["labels_language"] as? String == "fr")
            #expect(first["file_name"] as? String == "électra 2024.json")
            #expect(first["risk_count"] as? Int == 15 && first["recommendation_count"] as? Int == 15)
            let services = try #require(first["services"] as? [[String: Any]])
            #expect(services.compactMap { $0["label"] as? String } == ["Facturation", "Portail client", "Messagerie"])
            #expect(services.compactMap { $0["total_risks"] as? Int } == [4, 5, 6])
            let id = try #require(first["id"] as? String)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM risks").count == 30, "15 risks in each sector")
            #expect(try await w.platform.postgres.query("SELECT 1 FROM risk_recommendation_links").count == 30)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM audit_events WHERE action = 'risk_analysis.imported'").count == 2)

            // The regulator's comment survives a new import, which replaces everything imported.
            try await w.platform.postgres.query("UPDATE risk_analyses SET comment = 'Kept' WHERE id = $1", UUID(uuidString: id)!)
            let again = try await Self.upload(client, ra, file: try Self.fixture("small.json"), operatorID: w.operator1,
                                              sectorIDs: [w.electricity], year: 2024)
            #expect(again.status == .created)
            let replaced = try #require(try array(again, "analyses").first)
            #expect(replaced["id"] as? String == id, "the same analysis")
            #expect((replaced["services"] as? [[String: Any]])?.compactMap { $0["label"] as? String } == ["Billing service"])
            let service = try #require((replaced["services"] as? [[String: Any]])?.first)
            #expect(service["average_current_risk"] as? Double == 21 && service["average_residual_risk"] as? Double == 15)
            #expect(service["untreated_risks"] as? Int == 1 && service["treated_risks"] as? Int == 3)
            #expect(try await w.platform.postgres.query("SELECT comment FROM risk_analyses WHERE id = $1", UUID(uuidString: id)!)
                .first?.decode("comment", as: String.self) == "Kept")
            #expect(try await w.platform.postgres.query("SELECT 1 FROM risks").count == 4 + 15, "electricity replaced, gas untouched")
            #expect(try await w.platform.postgres.query("SELECT 1 FROM risk_recommendations").count == 2 + 15)

            // A bad file changes nothing and names the place.
            var bad = try Self.json("small.json")
            Self.firstRisk(&bad) { $0["kindOfMeasure"] = 9 }
            let refused = try await Self.upload(client, ra, file: try Self.data(bad), operatorID: w.operator1, sectorIDs: [w.electricity], year: 2024)
            #expect(refused.status == .unprocessableContent)
            #expect(try IncidentConfigurationTests.fields(refused) == ["file.instances[0].children[0].instanceRisks[0].kindOfMeasure"])
            #expect(try await w.platform.postgres.query("SELECT 1 FROM risks").count == 19)

            // Read, list (filters, pages), delete (the comment stays, the analysis leaves the lists).
            let read = try object(try await call(client, .get, "/api/v1/risk-analyses/\(id)", tokens["ru"]!))
            #expect(read["risk_count"] as? Int == 4 && read["operator_name"] as? String != nil)
            _ = try await Self.upload(client, ra, file: try Self.fixture("services-2025.json"), operatorID: w.operator2,
                                      sectorIDs: [w.electricity], year: 2025)
            #expect(try array(try await call(client, .get, "/api/v1/risk-analyses", ra)).compactMap { $0["year"] as? Int } == [2025, 2024, 2024])
            #expect(try array(try await call(client, .get, "/api/v1/risk-analyses?operator_id=\(w.operator1.text)&sector_id=\(w.electricity.text)", ra))
                .count == 1)
            let page = try await call(client, .get, "/api/v1/risk-analyses?limit=2", ra)
            let cursor = try #require(try object(page)["next_cursor"] as? String)
            #expect(try array(try await call(client, .get, "/api/v1/risk-analyses?limit=2&cursor=\(cursor)", ra)).count == 1)
            #expect(try await call(client, .delete, "/api/v1/risk-analyses/\(id)", ra).status == .noContent)
            #expect(try await call(client, .get, "/api/v1/risk-analyses/\(id)", ra).status == .notFound)
            #expect(try await call(client, .delete, "/api/v1/risk-analyses/\(id)", ra).status == .notFound)
            #expect(try await w.platform.postgres.query("SELECT comment FROM risk_analyses WHERE id = $1", UUID(uuidString: id)!)
                .first?.decode("comment", as: String.self) == "Kept")
            #expect(try await w.platform.postgres.query("SELECT 1 FROM risks").count == 15 + 15)
        }
    }

    @Test("who reaches analyses: the module's regulator only, regulator users within their sectors; fields checked")
    func reach() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let small = try Self.fixture("small.json")
            let made = try await Self.upload(client, tokens["ra"]!, file: small, operatorID: w.operator1, sectorIDs: [w.gas], year: 2025)
            let id = try #require(try array(made, "analyses").first?["id"] as? String)
            // Outside the module: 404 for every other role, and for a regulator without it.
            for name in ["pa", "oa", "ou", "opa", "opu", "iu", "ra2"] {
                let token = try #require(tokens[name])
                #expect(try await Self.upload(client, token, file: small, operatorID: w.operator1, sectorIDs: [w.gas], year: 2025).status
                        == .notFound, "\(name) imports")
                #expect(try await call(client, .get, "/api/v1/risk-analyses", token).status == .notFound, "\(name) lists")
                #expect(try await call(client, .get, "/api/v1/risk-analyses/\(id)", token).status == .notFound, "\(name) reads")
            }
            // The second regulator with the module sees none of the first's analyses.
            try await w.platform.postgres.query("UPDATE regulators SET modules = '{reporting}' WHERE id = $1", w.regulator2)
            #expect(try array(try await call(client, .get, "/api/v1/risk-analyses", tokens["ra2"]!)).isEmpty)
            #expect(try await call(client, .get, "/api/v1/risk-analyses/\(id)", tokens["ra2"]!).status == .notFound)
            #expect(try await call(client, .delete, "/api/v1/risk-analyses/\(id)", tokens["ra2"]!).status == .notFound)
            // A regulator user works in electricity only.
            let ru = tokens["ru"]!
            #expect(try await Self.upload(client, ru, file: small, operatorID: w.operator1, sectorIDs: [w.gas], year: 2025).status == .notFound)
            #expect(try await call(client, .get, "/api/v1/risk-analyses/\(id)", ru).status == .notFound)
            #expect(try await call(client, .delete, "/api/v1/risk-analyses/\(id)", ru).status == .notFound)
            #expect(try await call(client, .get, "/api/v1/risk-analyses/\(id)", tokens["ra"]!).status == .ok, "still there")
            #expect(try array(try await call(client, .get, "/api/v1/risk-analyses", ru)).isEmpty)
            #expect(try await Self.upload(client, ru, file: small, operatorID: w.operator1, sectorIDs: [w.electricity], year: 2025).status
                    == .created)
            // Fields: the operator's own sectors, a year up to now, a file, an operator that exists.
            let ra = tokens["ra"]!
            #expect(try IncidentConfigurationTests.fields(try await Self.upload(client, ra, file: small, operatorID: w.operator2,
                                                                                 sectorIDs: [w.gas], year: 2025)) == ["sector_ids"])
            #expect(try IncidentConfigurationTests.fields(try await Self.upload(client, ra, file: small, operatorID: w.operator1,
                                                                                 sectorIDs: [w.gas], year: 2999)) == ["year"])
            let noFile = try await Self.upload(client, ra, file: nil, operatorID: w.operator1, sectorIDs: [w.gas], year: 2025)
            #expect(noFile.status == .badRequest && String(buffer: noFile.body).contains("Missing required parts: file"))
            #expect(try IncidentConfigurationTests.fields(try await Self.upload(client, ra, file: Data(), operatorID: w.operator1,
                                                                                 sectorIDs: [w.gas], year: 2025)) == ["file"])
            #expect(try await Self.upload(client, ra, file: small, operatorID: UUID(), sectorIDs: [w.gas], year: 2025).status == .notFound)
            // A token without the reporting scope.
            let expiry = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
            let scoped = try object(try await call(client, .post, "/api/v1/users/me/tokens", ra, [
                "name": "incidents only", "scopes": ["incidents:read"], "expires_at": expiry, "password": GovernanceWorld.password]))
            let token = try #require(scoped["token"] as? String)
            #expect(try await call(client, .get, "/api/v1/risk-analyses", token).status == .forbidden)
        }
    }

    @Test("large files go to the worker: a job, then the analyses; refusals kept as problems for the sender only")
    func largeFiles() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let ra = tokens["ra"]!
            let medium = try Self.fixture("medium.json")
            #expect(medium.count > 262_144, "above IMPORT_INLINE_BYTES")
            let queued = try await Self.upload(client, ra, file: medium, operatorID: w.operator1, sectorIDs: [w.electricity, w.gas], year: 2026)
            #expect(queued.status == .accepted, "\(String(buffer: queued.body).prefix(600))")
            let location = try #require(queued.headers[.location])
            let result = try #require(try object(queued)["result_path"] as? String)
            #expect(result.hasPrefix("/api/v1/risk-analysis-imports/"))
            #expect(try await call(client, .get, result, ra).status == .accepted, "the job while it waits")
            #expect(try await call(client, .get, result, tokens["ru"]!).status == .notFound, "the sender's only")
            #expect(try await call(client, .get, location, tokens["ru"]!).status == .notFound)
            #expect(try await IncidentReportTests.renderPending(w, kind: .importRiskAnalysis) == 1)
            #expect(try object(try await call(client, .get, location, ra))["state"] as? String == "done")
            let analyses = try array(try await call(client, .get, result, ra), "analyses")
            #expect(analyses.count == 2)
            #expect(analyses.allSatisfy { $0["risk_count"] as? Int == 500 && ($0["services"] as? [Any])?.count == 10 })
            #expect(try await w.platform.postgres.query("SELECT 1 FROM risk_analysis_imports WHERE file IS NOT NULL").count == 0)
            // The statistics the worker stored are those the parser computes.
            let parsed = try MonarcExport.parse(medium)
            let stored = try #require(analyses.first?["services"] as? [[String: Any]])
            #expect(stored.compactMap { $0["total_risks"] as? Int } == parsed.services.map(\.statistics.totalRisks))
            #expect(stored.compactMap { $0["untreated_risks"] as? Int } == parsed.services.map(\.statistics.untreatedRisks))

            // A large file that breaks the contract: the 422 kept for the sender, nothing written.
            var bad = try Self.json("medium.json")
            bad["monarc_version"] = nil
            let refused = try await Self.upload(client, ra, file: try Self.data(bad), operatorID: w.operator1, sectorIDs: [w.electricity], year: 2025)
            #expect(refused.status == .accepted)
            #expect(try await IncidentReportTests.renderPending(w, kind: .importRiskAnalysis) == 1)
            let problem = try await call(client, .get, try #require(try object(refused)["result_path"] as? String), ra)
            #expect(problem.status == .unprocessableContent)
            #expect(try IncidentConfigurationTests.fields(problem) == ["file.monarc_version"])
            #expect(try await w.platform.postgres.query("SELECT 1 FROM risk_analyses WHERE year = 2025").count == 0)
            // Outcomes are kept 30 days, then purged by the beat's daily task.
            let service = w.platform.reporting.riskAnalyses
            #expect(try await service.purge(now: Date().addingTimeInterval(29 * 86_400)) == 0)
            #expect(try await service.purge(now: Date().addingTimeInterval(31 * 86_400)) == 2)
            #expect(try await call(client, .get, result, ra).status == .notFound)
        }
    }

    // MARK: Observations

    @Test("the observation catalogue: codes unique whatever their case, sectors, search, CSV out and back in, a dry run, rejected rows")
    func catalogue() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let ra = tokens["ra"]!, ru = tokens["ru"]!
            let recovery = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/observation-catalogue", ra, [
                "code": "OBS-01", "description": ["en": "Test the recovery plan yearly", "fr": "Tester le plan de reprise chaque année"],
                "sector_ids": [w.electricity.text]]), "observation")
            // Regulator users write the catalogue too (as in the reference).
            _ = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/observation-catalogue", ru, [
                "code": "OBS-02", "description": ["en": "Name a security officer"]]), "observation")
            #expect(try await call(client, .post, "/api/v1/observation-catalogue", ra, ["code": "obs-01", "description": ["en": "Again"]]).status
                    == .conflict)
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/observation-catalogue", ra, [
                "code": "OBS-03", "description": ["en": "x"], "sector_ids": [UUID().text]])) == ["sector_ids"])
            let french = try object(try await call(client, .get, "/api/v1/observation-catalogue/\(recovery)", ra, headers: [.acceptLanguage: "fr"]))
            #expect(french["description"] as? String == "Tester le plan de reprise chaque année")
            // A sector's entries and those for every sector; search in any language.
            #expect(try array(try await call(client, .get, "/api/v1/observation-catalogue?sector_id=\(w.gas.text)", ra))
                .compactMap { $0["code"] as? String } == ["OBS-02"])
            #expect(try array(try await call(client, .get, "/api/v1/observation-catalogue?sector_id=\(w.electricity.text)", ra)).count == 2)
            #expect(try array(try await call(client, .get, "/api/v1/observation-catalogue?q=reprise", ra)).compactMap { $0["code"] as? String }
                    == ["OBS-01"])
            let first = try await call(client, .get, "/api/v1/observation-catalogue?limit=1", ra)
            let cursor = try #require(try object(first)["next_cursor"] as? String)
            #expect(try array(try await call(client, .get, "/api/v1/observation-catalogue?limit=1&cursor=\(cursor)", ra))
                .compactMap { $0["code"] as? String } == ["OBS-02"])

            // CSV out, and back in unchanged.
            let exported = try await call(client, .get, "/api/v1/observation-catalogue/export", ra)
            #expect(exported.headers[.contentType]?.hasPrefix("text/csv") == true)
            let text = String(buffer: exported.body)
            #expect(text.hasPrefix("code,description_en,description_fr,description_nl,description_de,sectors\r\n"))
            #expect(text.contains("OBS-01,Test the recovery plan yearly,Tester le plan de reprise chaque année,,,Electricity\r\n"))
            let back = try object(try await SecurityObjectivesTests.csv(client, "/api/v1/observation-catalogue/import", ra, text))
            #expect((back["rows"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String } == ["unchanged", "unchanged"])
            #expect(back["applied"] as? Bool == false)

            // A dry run reports and writes nothing; a rejected row stops the whole file.
            let sheet = "code,description_en,sectors\nobs-02,Name a security officer and a deputy,Gas\nOBS-04,Patch monthly,\nOBS-05,,\n"
            let dry = try object(try await SecurityObjectivesTests.csv(client, "/api/v1/observation-catalogue/import?dry_run=true", ra, sheet))
            #expect((dry["rows"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String } == ["updated", "new", "rejected"])
            #expect((dry["rows"] as? [[String: Any]])?.first?["key"] as? String == "OBS-02", "matched whatever the case")
            #expect(try await w.platform.postgres.query("SELECT 1 FROM observation_catalogue").count == 2)
            let fixed = sheet.replacingOccurrences(of: "OBS-05,,\n", with: "OBS-05,Keep logs for a year,Electricity|gas\n")
            let applied = try object(try await SecurityObjectivesTests.csv(client, "/api/v1/observation-catalogue/import", ra, fixed))
            #expect(applied["applied"] as? Bool == true)
            #expect(try array(try await call(client, .get, "/api/v1/observation-catalogue?sector_id=\(w.gas.text)", ra))
                .compactMap { $0["code"] as? String } == ["OBS-02", "OBS-04", "OBS-05"])
            #expect(try IncidentConfigurationTests.fields(try await SecurityObjectivesTests.csv(client, "/api/v1/observation-catalogue/import", ra,
                                                                                                "name,text\nx,y\n")) == ["file"])
            #expect(try await call(client, .get, "/api/v1/observation-catalogue", tokens["ra2"]!).status == .notFound)
            #expect(try await call(client, .get, "/api/v1/observation-catalogue", tokens["opa"]!).status == .notFound)
        }
    }

    @Test("an operator's observations: ordered, replaced whole, kept by a new import, copied from the previous year once; catalogue entries in use stay")
    func operatorObservations() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let ra = tokens["ra"]!
            var codes: [String: String] = [:]
            for code in ["A", "B", "C"] {
                codes[code] = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/observation-catalogue", ra, [
                    "code": code, "description": ["en": "Observation \(code)"]]), "observation")
            }
            let path = { (year: Int) in "/api/v1/operators/\(w.operator1.text)/observations/\(w.electricity.text)/\(year)" }
            let empty = try object(try await call(client, .get, path(2025), ra))
            #expect(empty["comment"] as? String == "" && (empty["observations"] as? [Any])?.isEmpty == true)
            let written = try object(try await call(client, .put, path(2024), ra, ["comment": "Progress is slow.",
                                                                                    "observation_ids": [codes["B"]!, codes["A"]!]]))
            #expect((written["observations"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["B", "A"])
            #expect((written["observations"] as? [[String: Any]])?.compactMap { $0["position"] as? Int } == [0, 1])

            // A later import for that year keeps them; the analysis list shows only imported analyses.
            #expect(try array(try await call(client, .get, "/api/v1/risk-analyses", ra)).isEmpty)
            _ = try await Self.upload(client, ra, file: try Self.fixture("small.json"), operatorID: w.operator1, sectorIDs: [w.electricity], year: 2024)
            let kept = try object(try await call(client, .get, path(2024), ra))
            #expect(kept["comment"] as? String == "Progress is slow.")
            #expect((kept["observations"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["B", "A"])

            // 2025 starts with C; copying 2024 appends B and A after it, and a second copy adds nothing.
            _ = try await call(client, .put, path(2025), ra, ["observation_ids": [codes["C"]!]])
            let copied = try object(try await call(client, .post, "\(path(2025))/copy-previous-year", ra))
            #expect((copied["observations"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["C", "B", "A"])
            #expect((copied["observations"] as? [[String: Any]])?.compactMap { $0["position"] as? Int } == [0, 1, 2])
            let again = try object(try await call(client, .post, "\(path(2025))/copy-previous-year", ra))
            #expect((again["observations"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["C", "B", "A"])
            #expect(try await call(client, .post, "\(path(2023))/copy-previous-year", ra).status == .conflict, "2022 has none")
            // Reordered and trimmed by writing the list again.
            let reordered = try object(try await call(client, .put, path(2025), ra, ["observation_ids": [codes["A"]!, codes["C"]!]]))
            #expect((reordered["observations"] as? [[String: Any]])?.compactMap { $0["code"] as? String } == ["A", "C"])
            #expect(reordered["comment"] as? String == "")

            // Checks: the caller's catalogue, each once; the operator's sectors; the caller's sectors.
            let other = try await call(client, .post, "/api/v1/observation-catalogue", tokens["ra2"]!, ["code": "X", "description": ["en": "x"]])
            #expect(other.status == .notFound, "the second regulator has no module")
            #expect(try IncidentConfigurationTests.fields(try await call(client, .put, path(2025), ra, ["observation_ids": [UUID().text]]))
                    == ["observation_ids"])
            #expect(try IncidentConfigurationTests.fields(try await call(client, .put, path(2025), ra,
                                                                         ["observation_ids": [codes["A"]!, codes["A"]!]])) == ["observation_ids"])
            #expect(try IncidentConfigurationTests.fields(try await call(client, .get,
                "/api/v1/operators/\(w.operator2.text)/observations/\(w.gas.text)/2025", ra)) == ["sector_ids"])
            #expect(try await call(client, .get, "/api/v1/operators/\(w.operator1.text)/observations/\(w.gas.text)/2025", tokens["ru"]!).status
                    == .notFound)
            #expect(try await call(client, .get, path(2025), tokens["opa"]!).status == .notFound)
            // The year's bounds of openapi.yaml (a path-item parameter) hold for reads too.
            for year in [1999, 3000] {
                #expect(try IncidentConfigurationTests.fields(try await call(client, .get, path(year), ra)) == ["year"], "\(year)")
            }
            // An entry in use stays; once unused it goes.
            #expect(try await call(client, .delete, "/api/v1/observation-catalogue/\(codes["A"]!)", ra).status == .conflict)
            #expect(try object(try await call(client, .get, "/api/v1/observation-catalogue/\(codes["A"]!)", ra))["usage_count"] as? Int == 2)
            _ = try await call(client, .put, path(2024), ra, ["observation_ids": [String]()])
            _ = try await call(client, .put, path(2025), ra, ["observation_ids": [String]()])
            #expect(try await call(client, .delete, "/api/v1/observation-catalogue/\(codes["A"]!)", ra).status == .noContent)
        }
    }
}
