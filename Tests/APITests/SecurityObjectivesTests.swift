@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// The security objectives module through the API: standards and their content, declarations
/// from draft to verdict, versions, the access log, who reaches what, and references under
/// concurrency.
@Suite("Security objectives")
struct SecurityObjectivesTests {
    /// The module switched on for the first regulator, both operators in electricity, and
    /// sessions of the world's actors plus the second operator's and regulator's administrators.
    static func prepare(_ w: GovernanceWorld, _ client: any TestClientProtocol) async throws -> [String: String] {
        try await w.platform.postgres.query("UPDATE regulators SET modules = '{securityObjectives}' WHERE id = $1", w.regulator1)
        try await w.platform.postgres.query("INSERT INTO operator_sectors (operator_id, sector_id) VALUES ($1, $3), ($2, $3), ($1, $4)",
                                            w.operator1, w.operator2, w.electricity, w.gas)
        return try await TenantBoundaryTests.sessions(w, client, extra: ["ra2": "ra2@world.test", "opa2": "opa2@world.test"])
    }

    static var content: [String: Any] { [
        "levels": [
            ["level": 0, "label": ["en": "Nothing in place", "fr": "Rien"], "color": "#ed2939"],
            ["level": 1, "label": ["en": "Basic"], "color": "#ffc000"],
            ["level": 2, "label": ["en": "Managed"], "color": "#0b0"],
        ],
        "domains": [
            ["label": ["en": "Governance"], "objectives": [
                ["code": "SO1", "title": ["en": "Security policy", "fr": "Politique de sécurité"], "priority": 1, "measures": [
                    ["level": 0, "description": ["en": "No security policy"]],
                    ["level": 1, "description": ["en": "A policy is set"], "evidence": ["en": "The policy"]],
                    ["level": 2, "description": ["en": "The policy is reviewed yearly"]],
                    ["level": 1, "description": ["en": "The board approved it"]],
                ]],
                ["code": "SO2", "title": ["en": "Risk management"], "measures": [
                    ["level": 0, "description": ["en": "No risk analysis"]],
                    ["level": 1, "description": ["en": "Risks are analysed"]],
                ]],
            ]],
            ["label": ["en": "Protection"], "objectives": [
                // No measures: answered by its planned actions.
                ["code": "SO3", "title": ["en": "Physical security"]],
            ]],
        ],
    ] }

    /// A standard of the first regulator with ``content``; its id.
    static func standard(_ w: GovernanceWorld, _ client: any TestClientProtocol, _ ra: String, template: String? = nil) async throws -> String {
        var body: [String: Any] = ["regulation_id": w.regulation.text, "label": ["en": "ENISA objectives", "fr": "Objectifs ENISA"]]
        if let template { body["submission_template_id"] = template; body["review_template_id"] = template }
        let id = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/standards", ra, body), "standard")
        let written = try await call(client, .put, "/api/v1/standards/\(id)/content", ra, content)
        #expect(written.status == .ok, "\(String(buffer: written.body).prefix(500))")
        return id
    }

    /// The measure ids of objective `code` in a declaration, by level then position.
    static func measures(_ detail: [String: Any], _ code: String) -> [String] {
        let objective = (detail["objectives"] as? [[String: Any]] ?? []).first { $0["code"] as? String == code }
        return (objective?["levels"] as? [[String: Any]] ?? []).flatMap { ($0["measures"] as? [[String: Any]] ?? []).compactMap { $0["measure_id"] as? String } }
    }

    static func objective(_ detail: [String: Any], _ code: String) -> [String: Any] {
        (detail["objectives"] as? [[String: Any]] ?? []).first { $0["code"] as? String == code } ?? [:]
    }

    @Test("a standard: content in order with levels and colours, problems named by place, ids kept, a copy, and the lock once declared against")
    func standards() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let ra = tokens["ra"]!, ru = tokens["ru"]!, opa = tokens["opa"]!
            let id = try await Self.standard(w, client, ra)
            let tree = try object(try await call(client, .get, "/api/v1/standards/\(id)/tree", ru, headers: [.acceptLanguage: "fr"]))
            #expect((tree["levels"] as? [[String: Any]])?.compactMap { $0["color"] as? String } == ["#ED2939", "#FFC000", "#0B0"])
            #expect((tree["levels"] as? [[String: Any]])?.first?["label"] as? String == "Rien")
            #expect(tree["maximum_level"] as? Int == 2)
            let domains = try #require(tree["domains"] as? [[String: Any]])
            let objectives = domains.flatMap { $0["objectives"] as? [[String: Any]] ?? [] }
            #expect(objectives.compactMap { $0["code"] as? String } == ["SO1", "SO2", "SO3"])
            #expect(objectives.compactMap { $0["position"] as? Int } == [0, 1, 2])
            #expect(objectives.first?["title"] as? String == "Politique de sécurité")
            // Measures by level, then their order within the level.
            let so1 = try #require(objectives.first?["measures"] as? [[String: Any]])
            #expect(so1.compactMap { $0["description"] as? String } == ["No security policy", "A policy is set", "The board approved it",
                                                                       "The policy is reviewed yearly"])
            #expect(so1.compactMap { $0["level"] as? Int } == [0, 1, 1, 2])
            #expect(so1.compactMap { $0["position"] as? Int } == [0, 0, 1, 0])

            // Writing it again keeps the ids of what stays.
            let again = try object(try await call(client, .put, "/api/v1/standards/\(id)/content", ra, Self.content))
            let againSO1 = ((again["domains"] as? [[String: Any]])?.first?["objectives"] as? [[String: Any]])?.first
            #expect(againSO1?["id"] as? String == objectives.first?["id"] as? String)
            #expect((againSO1?["measures"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == so1.compactMap { $0["id"] as? String })

            // Every problem named by its place, nothing written.
            var bad = Self.content
            bad["levels"] = [["level": 1, "label": ["en": "One"], "color": "#abc"], ["level": 1, "label": ["en": "Again"]]]
            bad["domains"] = [["label": ["en": "D"], "objectives": [
                ["code": "SO1", "title": ["en": "A"], "measures": [["level": 3, "description": ["en": "x"]]]],
                ["code": "so1", "title": ["en": "B"]],
            ]]]
            let refused = try await call(client, .put, "/api/v1/standards/\(id)/content", ra, bad)
            let fields = Set(try IncidentConfigurationTests.fields(refused))
            #expect(fields == ["levels[1].level", "domains[0].objectives[0].measures[0].level", "domains[0].objectives[1].code"], "\(fields)")
            bad["levels"] = [["level": 1, "label": ["en": "One"], "color": "red"]]
            #expect(try IncidentConfigurationTests.fields(try await call(client, .put, "/api/v1/standards/\(id)/content", ra, bad))
                    == ["levels[0].color"])
            #expect(try object(try await call(client, .get, "/api/v1/standards/\(id)", ra))["objective_count"] as? Int == 3)

            // Regulator users read; only administrators write.
            #expect(try await call(client, .put, "/api/v1/standards/\(id)/content", ru, Self.content).status == .forbidden)
            #expect(try await call(client, .post, "/api/v1/standards", ru, ["regulation_id": w.regulation.text, "label": ["en": "X"]]).status
                    == .forbidden)
            // An operator sees the standards it may declare against (those with objectives), not to change them.
            let empty = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/standards", ra, [
                "regulation_id": w.regulation.text, "label": ["en": "Empty"]]), "empty standard")
            #expect(try array(try await call(client, .get, "/api/v1/standards", opa)).compactMap { $0["id"] as? String } == [id])
            #expect(try await call(client, .get, "/api/v1/standards/\(empty)", opa).status == .notFound)
            #expect(try await call(client, .put, "/api/v1/standards/\(id)/content", opa, Self.content).status == .forbidden)

            // Once declared against, the content and texts stay; the e-mail templates may change.
            let declared = try await call(client, .post, "/api/v1/declarations", opa,
                                          ["standard_id": id, "year": 2026, "sector_ids": [w.electricity.text]])
            #expect(declared.status == .created, "\(String(buffer: declared.body).prefix(400))")
            let locked = try await call(client, .put, "/api/v1/standards/\(id)/content", ra, Self.content)
            #expect(locked.status == .conflict)
            #expect(String(buffer: locked.body).contains("copy it"))
            #expect(try await call(client, .delete, "/api/v1/standards/\(id)", ra).status == .conflict)
            #expect(try await call(client, .put, "/api/v1/standards/\(id)", ra, ["regulation_id": w.regulation.text, "label": ["en": "Renamed"]])
                .status == .conflict)
            let template = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/email-templates", ra, [
                "name": "Declaration submitted", "event": "declarationSubmission", "subject": ["en": "{{reference}} submitted"],
                "content": ["en": "{{operator}} submitted its {{year}} declaration against {{standard}}."]]), "template")
            let templated = try await call(client, .put, "/api/v1/standards/\(id)", ra, [
                "regulation_id": w.regulation.text, "label": ["en": "ENISA objectives", "fr": "Objectifs ENISA"], "submission_template_id": template])
            #expect(templated.status == .ok, "\(String(buffer: templated.body).prefix(300))")
            #expect(try object(templated)["locked"] as? Bool == true)
            // A template of another event is refused.
            #expect(try IncidentConfigurationTests.fields(try await call(client, .put, "/api/v1/standards/\(id)", ra, [
                "regulation_id": w.regulation.text, "label": ["en": "ENISA objectives", "fr": "Objectifs ENISA"], "review_template_id": template]))
                == ["review_template_id"])

            // A copy is a new, unlocked version with the same codes under new ids.
            let copy = try await call(client, .post, "/api/v1/standards/\(id)/copy", ra)
            let copyID = try IncidentConfigurationTests.created(copy, "copy")
            #expect(try object(copy)["copied_from_id"] as? String == id)
            #expect(try object(copy)["locked"] as? Bool == false)
            let copyTree = try object(try await call(client, .get, "/api/v1/standards/\(copyID)/tree", ra))
            let copyObjectives = (copyTree["domains"] as? [[String: Any]] ?? []).flatMap { $0["objectives"] as? [[String: Any]] ?? [] }
            #expect(copyObjectives.compactMap { $0["code"] as? String } == ["SO1", "SO2", "SO3"])
            #expect(Set(copyObjectives.compactMap { $0["id"] as? String }).isDisjoint(with: objectives.compactMap { $0["id"] as? String }))
            #expect(try await call(client, .delete, "/api/v1/standards/\(copyID)", ra).status == .noContent)
        }
    }

    @Test("from draft to verdict: scores and completion per answer, submission needs every objective and If-Match, interim verdicts stay hidden, the verdict is sent once")
    func lifecycle() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let ra = tokens["ra"]!, ru = tokens["ru"]!, opa = tokens["opa"]!, opu = tokens["opu"]!
            let submission = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/email-templates", ra, [
                "name": "Submitted", "event": "declarationSubmission", "subject": ["en": "Declaration {{reference}} submitted"],
                "content": ["en": "{{operator}} submitted its {{year}} declaration against {{standard}}: [open]({{link}})"]]), "template")
            let review = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/email-templates", ra, [
                "name": "Verdict", "event": "declarationReview", "subject": ["en": "Declaration {{reference}}: {{reviewStatus}}"],
                "content": ["en": "The verdict on your declaration is **{{reviewStatus}}**."]]), "template")
            var body: [String: Any] = ["regulation_id": w.regulation.text, "label": ["en": "ENISA objectives"],
                                       "submission_template_id": submission, "review_template_id": review]
            let standard = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/standards", ra, body), "standard")
            #expect(try await call(client, .put, "/api/v1/standards/\(standard)/content", ra, Self.content).status == .ok)
            body = ["standard_id": standard, "year": Calendar.utc.component(.year, from: Date()), "sector_ids": [w.electricity.text]]

            // Creating: the year window and the operator's own sectors.
            let year = Calendar.utc.component(.year, from: Date())
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/declarations", opa, [
                "standard_id": standard, "year": year - 4, "sector_ids": [w.electricity.text]])) == ["year"])
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/declarations", opa, [
                "standard_id": standard, "year": year, "sector_ids": [w.energy.text]])) == ["sector_ids"])
            #expect(try await call(client, .post, "/api/v1/declarations", ra, body).status == .forbidden)
            let created = try await call(client, .post, "/api/v1/declarations", opa, body)
            let id = try #require(try (object(created)["declaration"] as? [String: Any])?["id"] as? String, "\(String(buffer: created.body))")
            var detail = try object(created)
            let header = try #require(detail["declaration"] as? [String: Any])
            #expect(header["reference"] as? String == "OPONE_SO_ENER_ELEC_0001_\(year)")
            #expect(header["status"] as? String == "draft")
            #expect(header["objective_count"] as? Int == 3)
            #expect((detail["objectives"] as? [[String: Any]])?.compactMap { $0["completion"] as? String } == ["notStarted", "notStarted",
                "notStarted"])
            #expect((detail["editable"] as? [String: Any])?["justification"] as? Bool == true)
            // The regulator does not see drafts.
            #expect(try await call(client, .get, "/api/v1/declarations/\(id)", ra).status == .notFound)

            // Answering SO1: level 1 both, level 2 not, with justifications; a gap needs a plan.
            let so1 = Self.measures(detail, "SO1")
            #expect(so1.count == 4)
            var state = try object(try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so1[1])", opu, ["is_implemented": true]))
            #expect(state["completion"] as? String == "partial")
            #expect(state["score"] as? Double == 0.5)
            state = try object(try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so1[1])", opu,
                                              ["justification": "Board, March"]))
            state = try object(try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so1[2])", opu,
                                              ["is_implemented": true, "justification": "Minutes"]))
            #expect(state["score"] as? Double == 1)
            #expect(state["completion"] as? String == "partial")
            state = try object(try await call(client, .patch,
                                              "/api/v1/declarations/\(id)/objectives/\(Self.objective(detail, "SO1")["objective_id"]!)",
                                              opu, ["planned_actions": "Yearly review from 2027"]))
            #expect(state["completion"] as? String == "complete")
            #expect((state["declaration"] as? [String: Any])?["answered_percentage"] as? Int == 33)
            // The regulator neither answers nor sees; a measure of another standard is no measure here.
            #expect(try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(UUID().uuidString)", opu, ["is_implemented": true]).status
                    == .notFound)
            #expect(try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so1[1])", opu, [:]).status == .unprocessableContent)

            // Not ready: submission names what is open.
            var read = try await call(client, .get, "/api/v1/declarations/\(id)", opa)
            var etag = try #require(read.headers[.eTag])
            let early = try await call(client, .post, "/api/v1/declarations/\(id)/submit", opa, headers: [.ifMatch: etag])
            #expect(early.status == .conflict)
            #expect(String(buffer: early.body).contains("SO2") && String(buffer: early.body).contains("SO3"))

            // SO2: nothing in place, with a plan; SO3 (no measures): its plan.
            let so2 = Self.measures(detail, "SO2")
            _ = try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so2[0])", opu, ["is_implemented": true])
            _ = try await call(client, .patch, "/api/v1/declarations/\(id)/objectives/\(Self.objective(detail, "SO2")["objective_id"]!)", opu,
                               ["planned_actions": "Risk analysis in Q3"])
            state = try object(try await call(client, .patch,
                                              "/api/v1/declarations/\(id)/objectives/\(Self.objective(detail, "SO3")["objective_id"]!)",
                                              opu, ["planned_actions": "Badges since 2024"]))
            #expect((state["declaration"] as? [String: Any])?["ready_to_submit"] as? Bool == true)
            read = try await call(client, .get, "/api/v1/declarations/\(id)", opa)
            etag = try #require(read.headers[.eTag])
            #expect(try await call(client, .post, "/api/v1/declarations/\(id)/submit", opa).status == .preconditionRequired)
            #expect(try await call(client, .post, "/api/v1/declarations/\(id)/submit", opa, headers: [.ifMatch: "\"stale\""]).status
                    == .preconditionFailed)
            let submitted = try await call(client, .post, "/api/v1/declarations/\(id)/submit", opa, headers: [.ifMatch: etag])
            #expect(submitted.status == .ok, "\(String(buffer: submitted.body).prefix(400))")
            #expect(try object(submitted)["status"] as? String == "submitted")
            // Read-only for the operator now.
            #expect(try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so1[3])", opu,
                                   ["is_implemented": true]).status == .conflict)
            // The submission e-mail: one message per recipient, the operator's members and the regulator's staff of the sector.
            let emails = try await w.platform.postgres.query("SELECT to_addresses, subject FROM emails")
            let recipients = Set(try emails.flatMap { try $0.decode("to_addresses", as: [String].self) })
            #expect(recipients.isSuperset(of: ["opa1@world.test", "opu1@world.test", "ra1@world.test", "ru1@world.test"]))
            #expect(!recipients.contains("ra2@world.test") && !recipients.contains("opa2@world.test"))
            #expect(try emails.allSatisfy { try $0.decode("subject", as: String.self) == "Declaration OPONE_SO_ENER_ELEC_0001_\(year) submitted" })

            // The regulator reviews; the operator's side sees "submitted" and no verdicts meanwhile.
            detail = try object(try await call(client, .get, "/api/v1/declarations/\(id)", ru))
            #expect((detail["editable"] as? [String: Any])?["review_status"] as? Bool == true)
            #expect(try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so1[1])", ru,
                                   ["is_implemented": false]).status == .forbidden)
            _ = try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so1[1])", ru, ["review_comment": "Attach the minutes"])
            for code in ["SO1", "SO2", "SO3"] {
                state = try object(try await call(client, .patch,
                                                  "/api/v1/declarations/\(id)/objectives/\(Self.objective(detail, code)["objective_id"]!)",
                                                  ru, ["review_status": "passed"]))
            }
            #expect((state["declaration"] as? [String: Any])?["status"] as? String == "passedPending")
            #expect((state["declaration"] as? [String: Any])?["ready_to_send"] as? Bool == true)
            let operatorView = try object(try await call(client, .get, "/api/v1/declarations/\(id)", opa))
            #expect((operatorView["declaration"] as? [String: Any])?["status"] as? String == "submitted")
            #expect(Self.objective(operatorView, "SO1")["review_status"] == nil || Self.objective(operatorView, "SO1")["review_status"] is NSNull)
            #expect(!String(describing: operatorView).contains("Attach the minutes"))
            #expect(try await call(client, .patch, "/api/v1/declarations/\(id)/objectives/\(Self.objective(detail, "SO1")["objective_id"]!)", opa,
                                   ["review_status": "revisionRequired"]).status == .forbidden)

            // Sending: a comment is required, If-Match too; once only.
            read = try await call(client, .get, "/api/v1/declarations/\(id)", ra)
            etag = try #require(read.headers[.eTag])
            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/declarations/\(id)/review/send", ra,
                                                                         ["review_comment": "  "], headers: [.ifMatch: etag])) == ["review_comment"])
            let sent = try await call(client, .post, "/api/v1/declarations/\(id)/review/send", ra, ["review_comment": "Well done."],
                                      headers: [.ifMatch: etag])
            #expect(sent.status == .ok, "\(String(buffer: sent.body).prefix(300))")
            #expect(try object(sent)["status"] as? String == "passed")
            let again = try await call(client, .post, "/api/v1/declarations/\(id)/review/send", ra, ["review_comment": "Again"],
                                       headers: [.ifMatch: try #require(sent.headers[.eTag])])
            #expect(again.status == .conflict)
            #expect(try await call(client, .patch, "/api/v1/declarations/\(id)/objectives/\(Self.objective(detail, "SO1")["objective_id"]!)", ra,
                                   ["review_status": "revisionRequired"]).status == .conflict)
            let verdicts = try await w.platform.postgres.query("SELECT subject FROM emails WHERE subject LIKE '%: Passed'")
            #expect(verdicts.count == recipients.count)
            // The operator now sees the verdict and the comments.
            let final = try object(try await call(client, .get, "/api/v1/declarations/\(id)", opa))
            #expect((final["declaration"] as? [String: Any])?["status"] as? String == "passed")
            #expect((final["declaration"] as? [String: Any])?["review_comment"] as? String == "Well done.")
            #expect(Self.objective(final, "SO1")["review_status"] as? String == "passed")
            #expect(String(describing: final).contains("Attach the minutes"))
            #expect((final["editable"] as? [String: Any])?.values.allSatisfy { $0 as? Bool == false } == true)

            // The access log: the operator's side sees its own entries only.
            let regulatorLog = try array(try await call(client, .get, "/api/v1/declarations/\(id)/access-log", ra))
            let operatorLog = try array(try await call(client, .get, "/api/v1/declarations/\(id)/access-log", opa))
            #expect(Set(regulatorLog.compactMap { $0["action"] as? String }).isSuperset(of: ["created", "read", "submitted", "commented",
                "reviewSent"]))
            #expect(operatorLog.allSatisfy { $0["side"] as? String == "operator" })
            #expect(regulatorLog.count > operatorLog.count)
        }
    }

    @Test("a new version after the verdict carries everything over; an objective still marked for revision blocks submission until changed")
    func versions() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let ra = tokens["ra"]!, opa = tokens["opa"]!
            let standard = try await Self.standard(w, client, ra)
            let year = Calendar.utc.component(.year, from: Date())
            var detail = try object(try await call(client, .post, "/api/v1/declarations", opa,
                                                   ["standard_id": standard, "year": year, "sector_ids": [w.electricity.text]]))
            let id = try #require((detail["declaration"] as? [String: Any])?["id"] as? String)
            for code in ["SO1", "SO2", "SO3"] {
                _ = try await call(client, .patch, "/api/v1/declarations/\(id)/objectives/\(Self.objective(detail, code)["objective_id"]!)", opa,
                                   ["planned_actions": "Plan for \(code)"])
            }
            _ = try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(Self.measures(detail, "SO1")[1])", opa,
                               ["is_implemented": true, "justification": "Done"])
            var etag = try #require(try await call(client, .get, "/api/v1/declarations/\(id)", opa).headers[.eTag])
            #expect(try await call(client, .post, "/api/v1/declarations/\(id)/submit", opa, headers: [.ifMatch: etag]).status == .ok)
            // A new version before the verdict is refused.
            #expect(try await call(client, .post, "/api/v1/declarations/\(id)/versions", opa).status == .conflict)
            for (code, status) in [("SO1", "passed"), ("SO2", "revisionRequired"), ("SO3", "passed")] {
                _ = try await call(client, .patch, "/api/v1/declarations/\(id)/objectives/\(Self.objective(detail, code)["objective_id"]!)", ra,
                                   ["review_status": status])
            }
            etag = try #require(try await call(client, .get, "/api/v1/declarations/\(id)", ra).headers[.eTag])
            let sent = try await call(client, .post, "/api/v1/declarations/\(id)/review/send", ra, ["review_comment": "SO2 needs work."],
                                      headers: [.ifMatch: etag])
            #expect(try object(sent)["status"] as? String == "revisionRequired")

            let next = try await call(client, .post, "/api/v1/declarations/\(id)/versions", opa)
            #expect(next.status == .created, "\(String(buffer: next.body).prefix(300))")
            detail = try object(next)
            let header = try #require(detail["declaration"] as? [String: Any])
            let nextID = try #require(header["id"] as? String)
            #expect(header["version"] as? Int == 2 && header["status"] as? String == "draft")
            #expect(header["reference"] as? String == "OPONE_SO_ENER_ELEC_0001_\(year)")
            #expect(Self.objective(detail, "SO1")["planned_actions"] as? String == "Plan for SO1")
            #expect(Self.objective(detail, "SO2")["review_status"] as? String == "revisionRequired")
            #expect(header["review_comment"] as? String == "SO2 needs work.")
            #expect(header["ready_to_submit"] as? Bool == false)
            // Only from the latest version; the version whose verdict was sent says where to go on.
            #expect(try await call(client, .post, "/api/v1/declarations/\(id)/versions", opa).status == .conflict)
            let frozen = try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(Self.measures(detail, "SO1")[1])", opa,
                                        ["is_implemented": false])
            #expect(frozen.status == .conflict)
            #expect(try problem(frozen).detail?.contains("/api/v1/declarations/\(id)/versions") == true)
            // Changing SO2 clears its verdict, so the version can go.
            let state = try object(try await call(client, .patch,
                                                  "/api/v1/declarations/\(nextID)/objectives/\(Self.objective(detail, "SO2")["objective_id"]!)",
                                                  opa, ["planned_actions": "Risk analysis done in May"]))
            #expect(state["review_status"] as? String == "notReviewed")
            #expect((state["declaration"] as? [String: Any])?["ready_to_submit"] as? Bool == true)

            // Lists: the latest version per reference; the regulator still sees version 1 (never drafts).
            let mine = try array(try await call(client, .get, "/api/v1/declarations", opa))
            #expect(mine.compactMap { $0["id"] as? String } == [nextID])
            #expect(try array(try await call(client, .get, "/api/v1/declarations", ra)).compactMap { $0["id"] as? String } == [id])
            #expect(try array(try await call(client, .get, "/api/v1/declarations/\(nextID)/versions",
                                             opa)).compactMap { $0["version"] as? Int } == [2, 1])
            #expect(try await call(client, .get, "/api/v1/declarations/\(nextID)/versions", ra).status == .notFound)
            #expect(try array(try await call(client, .get, "/api/v1/declarations?status=draft", opa)).count == 1)
            #expect(try array(try await call(client, .get, "/api/v1/declarations?year=\(year - 1)", opa)).isEmpty)

            // The operator deletes drafts only; the reference stays with the submitted version.
            #expect(try await call(client, .delete, "/api/v1/declarations/\(id)", opa).status == .conflict)
            #expect(try await call(client, .delete, "/api/v1/declarations/\(nextID)", opa).status == .noContent)
            #expect(try array(try await call(client, .get, "/api/v1/declarations", opa)).compactMap { $0["id"] as? String } == [id])
            // Regulator users do not delete; administrators do, and the reference goes with its last version.
            #expect(try await call(client, .delete, "/api/v1/declarations/\(id)", tokens["ru"]!).status == .forbidden)
            #expect(try await call(client, .delete, "/api/v1/declarations/\(id)", ra).status == .noContent)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM declaration_groups").count == 0)
            // Its number is not given again.
            let fresh = try object(try await call(client, .post, "/api/v1/declarations", opa,
                                                  ["standard_id": standard, "year": year, "sector_ids": [w.electricity.text]]))
            #expect((fresh["declaration"] as? [String: Any])?["reference"] as? String == "OPONE_SO_ENER_ELEC_0002_\(year)")
        }
    }

    @Test("a copy to another year starts from the implemented measures and the planned actions, recomputed, with nothing reviewed")
    func copy() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let opa = tokens["opa"]!
            let standard = try await Self.standard(w, client, tokens["ra"]!)
            let year = Calendar.utc.component(.year, from: Date())
            let detail = try object(try await call(client, .post, "/api/v1/declarations", opa,
                                                   ["standard_id": standard, "year": year, "sector_ids": [w.electricity.text]]))
            let id = try #require((detail["declaration"] as? [String: Any])?["id"] as? String)
            let so1 = Self.measures(detail, "SO1")
            _ = try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so1[1])", opa,
                               ["is_implemented": true, "justification": "Board"])
            _ = try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so1[3])", opa, ["justification": "Not yet, budget in 2027"])
            _ = try await call(client, .patch, "/api/v1/declarations/\(id)/objectives/\(Self.objective(detail, "SO1")["objective_id"]!)", opa,
                               ["planned_actions": "Yearly review"])

            #expect(try IncidentConfigurationTests.fields(try await call(client, .post, "/api/v1/declarations/\(id)/copy", opa,
                                                                         ["year": year - 1, "sector_ids": [w.energy.text]])) == ["sector_ids"])
            #expect(try await call(client, .post, "/api/v1/declarations/\(id)/copy", tokens["opa2"]!,
                                   ["year": year - 1, "sector_ids": [w.electricity.text]]).status == .notFound)
            let copied = try await call(client, .post, "/api/v1/declarations/\(id)/copy", opa, ["year": year - 1, "sector_ids": [w.gas.text]])
            #expect(copied.status == .created, "\(String(buffer: copied.body).prefix(300))")
            let copy = try object(copied)
            let header = try #require(copy["declaration"] as? [String: Any])
            #expect(header["reference"] as? String == "OPONE_SO_ENER_GAS_0001_\(year - 1)")
            // The same scope again: refused, naming the declaration that covers it.
            let twice = try await call(client, .post, "/api/v1/declarations/\(id)/copy", opa, ["year": year - 1, "sector_ids": [w.gas.text]])
            #expect(twice.status == .conflict)
            #expect(try problem(twice).detail?.contains("OPONE_SO_ENER_GAS_0001_\(year - 1)") == true)
            #expect(header["year"] as? Int == year - 1 && header["status"] as? String == "draft" && header["version"] as? Int == 1)
            let objective = Self.objective(copy, "SO1")
            #expect(objective["planned_actions"] as? String == "Yearly review")
            #expect(objective["score"] as? Double == 0.5)
            #expect(objective["review_status"] as? String == "notReviewed")
            let answers = (objective["levels"] as? [[String: Any]] ?? []).flatMap { $0["measures"] as? [[String: Any]] ?? [] }
            #expect(answers.filter { $0["is_implemented"] as? Bool == true }.compactMap { $0["justification"] as? String } == ["Board"])
            // A justification of a measure not implemented stays with the source.
            #expect(!answers.contains { $0["justification"] as? String == "Not yet, budget in 2027" })
            let log = try array(try await call(client, .get, "/api/v1/declarations/\(id)/access-log", opa))
            #expect(log.contains { $0["action"] as? String == "copied" })
        }
    }

    @Test("PDF: cover, contents with the real page numbers, a landscape page per objective in the level colours, TLP:AMBER; verdicts only for the regulator")
    func pdf() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let (ra, ru, opa) = (tokens["ra"]!, tokens["ru"]!, tokens["opa"]!)
            let standard = try await Self.standard(w, client, ra)
            let year = Calendar.utc.component(.year, from: Date())
            let detail = try object(try await call(client, .post, "/api/v1/declarations", opa,
                                                   ["standard_id": standard, "year": year, "sector_ids": [w.electricity.text]]))
            let id = try #require((detail["declaration"] as? [String: Any])?["id"] as? String)
            let reference = "OPONE_SO_ENER_ELEC_0001_\(year)"
            let (so1, so2) = (Self.measures(detail, "SO1"), Self.measures(detail, "SO2"))
            let objective = { (code: String) in "/api/v1/declarations/\(id)/objectives/\(Self.objective(detail, code)["objective_id"]!)" }
            _ = try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so1[1])", opa, ["is_implemented": true, "justification": "Board, March"])

            // Drawn by the worker: a job to follow first, visible to whoever reaches the declaration.
            let pending = try await call(client, .get, "/api/v1/declarations/\(id)/pdf", opa)
            #expect(pending.status == .accepted)
            let location = try #require(pending.headers[.location])
            #expect(try await call(client, .get, location, tokens["opa2"]!).status == .notFound)
            #expect(try await call(client, .get, "/api/v1/declarations/\(id)/pdf", ra).status == .notFound, "drafts stay with the operator")
            #expect(try await IncidentReportTests.renderPending(w, kind: .renderDeclarationPDF) == 1)
            let done = try object(try await call(client, .get, location, opa))
            #expect(done["state"] as? String == "done")
            #expect(done["result_path"] as? String == "/api/v1/declarations/\(id)/pdf")
            let draft = try await call(client, .get, "/api/v1/declarations/\(id)/pdf", opa)
            #expect(draft.status == .ok)
            #expect(draft.headers[.contentType] == "application/pdf")
            #expect(draft.headers[.contentDisposition]?.hasPrefix("attachment; filename=\"Security_objective_declaration_\(reference)_v1_") == true)
            let pdf = try PDFInspection(Data(buffer: draft.body))
            let pages = pdf.pages
            #expect(pages.allSatisfy { $0.contains("TLP:AMBER") })
            #expect(occursInOrder(["Security objectives declaration", "Operator", "\(reference) (version 1)", "Electricity", "ENISA objectives",
                                   "Draft", "0 of 3 objectives complete (0 %)", "Maturity levels", "Nothing in place", "Basic", "Managed"],
                                  in: pages[0]).0)
            #expect(pdf.pageSizes.first.map { $0.width < $0.height } == true, "a portrait cover")
            #expect(pages[0].contains(/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} CES?T/), "dates in DOCUMENT_TIME_ZONE, named as people write it")
            #expect(draft.headers[.contentDisposition]?.contains("_en.pdf") == true)
            // The contents: each objective with the page it is on, which is landscape.
            let contents = try #require(pages.firstIndex { $0.contains("Contents") })
            for code in ["SO1: Security policy", "SO2: Risk management", "SO3: Physical security"] {
                let line = try #require(pages[contents].split(separator: "\n").first { $0.contains(code) }, "\(code) in the contents")
                let page = try #require(Int(line.split(separator: " ").last!))
                #expect(pages[page - 1].contains(code), "\(code) on page \(page)")
                #expect(pdf.pageSizes[page - 1].width > pdf.pageSizes[page - 1].height, "\(code) on a landscape page")
            }
            let policy = try #require(pages.first { $0.contains("SO1: Security policy") && !$0.contains("Contents") })
            #expect(occursInOrder(["Governance", "SO1: Security policy", "Score", "0.5 / 2", "Partial", "Level", "Measure", "Evidence",
                                   "Implemented", "Justification", "0 · Nothing in", "No security policy", "1 · Basic", "A policy is set",
                                   "The policy", "Yes", "Board, March", "Planned actions"], in: policy).0, "\(policy)")
            #expect(!policy.contains("Review comment") && !policy.contains("[Not reviewed"))
            #expect(pages.contains { $0.contains("SO3: Physical security") && $0.contains("This objective has no measures") })
            let page = try #require(pages.firstIndex(of: policy)) + 1
            let colours = try pdf.colours(page: page)
            #expect(colours.contains(0xED2939) && colours.contains(0xFFC000) && colours.contains(0x00BB00), "the levels' colours")
            // Another language is another file.
            #expect(try await call(client, .get, "/api/v1/declarations/\(id)/pdf", opa, headers: [.acceptLanguage: "fr"]).status == .accepted)
            #expect(try await IncidentReportTests.renderPending(w, kind: .renderDeclarationPDF) == 1)
            let french = try await call(client, .get, "/api/v1/declarations/\(id)/pdf", opa, headers: [.acceptLanguage: "fr"])
            let frenchText = try PDFInspection(Data(buffer: french.body)).text
            #expect(frenchText.contains("SO1: Politique de sécurité"))
            // Its own words in French too, none left in English, the zone as French writes it.
            for words in ["Déclaration des objectifs de sécurité", "Niveaux de maturité", "Sommaire", "Actions prévues", "0 objectifs complets sur 3",
                          "Page 1 sur"] {
                #expect(frenchText.contains(words), "\(words)")
            }
            for words in ["Security objectives declaration", "Maturity levels", "Planned actions", "objectives complete", "Last update", "Page 1 of"] {
                #expect(!frenchText.contains(words), "\(words) left in English")
            }
            #expect(frenchText.contains(/[0-9]{2}:[0-9]{2} UTC\+[12]/))
            #expect(french.headers[.contentDisposition]?.contains("_fr.pdf") == true)

            // Complete, submit, review two of three objectives.
            _ = try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so1[2])", opa, ["is_implemented": true, "justification": "Minutes"])
            _ = try await call(client, .patch, objective("SO1"), opa, ["planned_actions": "Yearly review from 2027"])
            _ = try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so2[0])", opa, ["is_implemented": true])
            _ = try await call(client, .patch, objective("SO2"), opa, ["planned_actions": "Risk analysis in Q3"])
            _ = try await call(client, .patch, objective("SO3"), opa, ["planned_actions": "Badges since 2024"])
            // The draft's earlier PDF is gone with its revision.
            #expect(try await call(client, .get, "/api/v1/declarations/\(id)/pdf", opa).status == .accepted)
            #expect(try await w.platform.postgres.query("""
                SELECT 1 FROM declaration_documents x JOIN documents d ON d.id = x.id WHERE x.declaration_id = $1 AND x.language = 'en'
                """, UUID(uuidString: id)!).count == 0)
            let etag = try #require(try await call(client, .get, "/api/v1/declarations/\(id)", opa).headers[.eTag])
            #expect(try await call(client, .post, "/api/v1/declarations/\(id)/submit", opa, headers: [.ifMatch: etag]).status == .ok)
            _ = try await call(client, .patch, "/api/v1/declarations/\(id)/measures/\(so1[1])", ru, ["review_comment": "Attach the minutes"])
            _ = try await call(client, .patch, objective("SO1"), ru, ["review_status": "passed"])
            _ = try await call(client, .patch, objective("SO2"), ru, ["review_status": "revisionRequired"])

            #expect(try await call(client, .get, "/api/v1/declarations/\(id)/pdf", ra).status == .accepted)
            #expect(try await call(client, .get, "/api/v1/declarations/\(id)/pdf", opa).status == .accepted)
            #expect(try await IncidentReportTests.renderPending(w, kind: .renderDeclarationPDF) == 3)
            let regulator = try PDFInspection(Data(buffer: try await call(client, .get, "/api/v1/declarations/\(id)/pdf", ra).body)).text
            #expect(regulator.contains("SO1: Security policy [Passed]") && regulator.contains("SO2: Risk management [Revision required]")
                    && regulator.contains("SO3: Physical security [Not reviewed yet]"))
            #expect(regulator.contains("Review comment") && regulator.contains("Attach the minutes"))
            #expect(regulator.contains("2 of 3 objectives reviewed"))
            let operatorSide = try PDFInspection(Data(buffer: try await call(client, .get, "/api/v1/declarations/\(id)/pdf", opa).body)).text
            #expect(operatorSide.contains("Submitted") && operatorSide.contains("3 of 3 objectives complete (100 %)"))
            #expect(!operatorSide.contains("[Passed]") && !operatorSide.contains("Revision required") && !operatorSide.contains("Attach the minutes"))

            // Each download is in the access log, on its side.
            let log = try array(try await call(client, .get, "/api/v1/declarations/\(id)/access-log", ra))
            #expect(log.filter { $0["action"] as? String == "downloaded" }.map { $0["side"] as? String } .sorted { ($0 ?? "") < ($1 ?? "") }
                    == ["operator", "operator", "operator", "regulator"])
        }
        await w.platform.shutdown()
    }

    /// A CSV request.
    static func csv(_ client: any TestClientProtocol, _ uri: String, _ token: String, _ text: String) async throws -> TestResponse {
        var headers = bearer(token)
        headers[.contentType] = "text/csv"
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: text))
    }

    @Test("CSV sheets: an export imports back unchanged; a dry run reports new, updated and rejected rows and writes nothing; an import merges")
    func sheets() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let ra = tokens["ra"]!
            let id = try await Self.standard(w, client, ra)
            for sheet in ["objectives", "measures"] {
                let exported = try await call(client, .get, "/api/v1/standards/\(id)/export?sheet=\(sheet)&language=en", tokens["ru"]!)
                #expect(exported.status == .ok)
                #expect(exported.headers[.contentDisposition]?.contains("\(sheet)_en.csv") == true)
                let text = String(buffer: exported.body)
                let back = try object(try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=\(sheet)", ra, text))
                let outcomes = (back["rows"] as? [[String: Any]] ?? []).compactMap { $0["outcome"] as? String }
                #expect(outcomes.count == (sheet == "objectives" ? 3 : 6) && Set(outcomes) == ["unchanged"], "\(sheet): \(back)")
                #expect(back["applied"] as? Bool == false)
            }
            let objectives = String(buffer: try await call(client, .get, "/api/v1/standards/\(id)/export?sheet=objectives", ra).body)
            #expect(objectives.hasPrefix("objective,description,unique_code,domain,domain_position,standard,position,priority"))
            #expect(objectives.contains("Security policy,,SO1,Governance,0,ENISA objectives,0,1"))

            // French titles for SO1, a new objective in a new domain, a row without code, a bad position.
            let sheet = """
                unique_code,objective,domain,domain_position,position,priority,description,standard
                SO1,Politique de sécurité (2026),,,,,,
                SO9,Chiffrement,Cryptographie,5,1,2,"Le chiffrement, au repos et en transit",
                ,Sans code,,,,,,
                SO2,Risques,,,first,,,
                """
            let french = try object(try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=objectives&language=fr&dry_run=true", ra, sheet))
            // New objectives come in English first.
            #expect((french["rows"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String } == ["updated", "rejected", "rejected", "rejected"])
            let dry = try object(try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=objectives&dry_run=true", ra, sheet))
            let rows = try #require(dry["rows"] as? [[String: Any]], "\(dry)")
            #expect(rows.compactMap { $0["outcome"] as? String } == ["updated", "new", "rejected", "rejected"])
            #expect(rows.compactMap { $0["line"] as? Int } == [2, 3, 4, 5])
            #expect((rows[3]["reason"] as? String)?.contains("position") == true)
            #expect(dry["applied"] as? Bool == false)
            #expect(try object(try await call(client, .get, "/api/v1/standards/\(id)", ra))["objective_count"] as? Int == 3)
            let applied = try object(try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=objectives", ra, sheet))
            #expect(applied["applied"] as? Bool == true)
            _ = try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=objectives&language=fr", ra,
                                   "unique_code,objective,domain,domain_position,position,priority,description,standard\nSO9,Chiffrement,Cryptographie,5,,,,\n")
            let tree = try object(try await call(client, .get, "/api/v1/standards/\(id)/tree", ra, headers: [.acceptLanguage: "fr"]))
            let codes = (tree["domains"] as? [[String: Any]] ?? []).flatMap { ($0["objectives"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String } }
            #expect(codes == ["SO1", "SO2", "SO3", "SO9"])
            #expect((tree["domains"] as? [[String: Any]])?.last?["label"] as? String == "Cryptographie")
            #expect(String(describing: tree).contains("Le chiffrement, au repos et en transit"))
            #expect(String(describing: tree).contains("Chiffrement"))

            // Measures: a new level with its colour, a new measure, a bad colour, an unknown objective.
            let measures = """
                standard,security_objective,maturity_level,maturity_level_level,maturity_level_color,position,description,evidence
                ENISA,SO9,Advanced,3,#00b050,,Keys in an HSM,=HSM logs
                ENISA,SO9,,3,red,,x,
                ENISA,SO77,,1,,,x,
                """
            let merged = try object(try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=measures", ra, measures))
            #expect((merged["rows"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String } == ["new", "rejected", "rejected"])
            let after = try object(try await call(client, .get, "/api/v1/standards/\(id)/tree", ra))
            #expect((after["levels"] as? [[String: Any]])?.last?["color"] as? String == "#00B050")
            let exported = String(buffer: try await call(client, .get, "/api/v1/standards/\(id)/export?sheet=measures", ra).body)
            // A formula-like cell goes out neutralised.
            #expect(exported.contains("'=HSM logs"))

            // The header is checked; a locked standard takes dry runs only.
            #expect(try IncidentConfigurationTests.fields(try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=measures", ra,
                                                                             "code,text\nSO1,x\n")) == ["file"])
            _ = try await call(client, .post, "/api/v1/declarations", tokens["opa"]!,
                               ["standard_id": id, "year": Calendar.utc.component(.year, from: Date()),
                                                                                        "sector_ids": [w.electricity.text]])
            #expect(try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=objectives&language=fr", ra, sheet).status == .conflict)
            #expect(try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=objectives&language=fr&dry_run=true", ra, sheet).status == .ok)
            #expect(try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=objectives", tokens["ru"]!, sheet).status == .forbidden)
        }
    }

    @Test("large sheets go to the worker: a job, then the report; more rows than a request takes; refusals kept as problems; the sender's token checked again")
    func largeSheets() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let ra = tokens["ra"]!
            let id = try await Self.standard(w, client, ra)
            var objectives = "unique_code,objective,domain,domain_position,position,priority,description,standard\n"
            for index in 1...60 { objectives += "L\(index),Large objective \(index),,0,\(index + 10),,,\n" }
            #expect(try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=objectives", ra, objectives).status == .ok, "small: at once")
            // 6,000 measures, 100 for each new objective: more rows than an import within a request takes.
            var measures = "standard,security_objective,maturity_level,maturity_level_level,maturity_level_color,position,description,evidence\n"
            for index in 1...60 {
                for position in 0..<100 { measures += "ENISA,L\(index),,1,,\(position),Measure \(position) of objective \(index): a realistic text,\n" }
            }
            #expect(measures.utf8.count > 262_144, "above IMPORT_INLINE_BYTES")

            let dry = try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=measures&dry_run=true", ra, measures)
            #expect(dry.status == .accepted, "\(String(buffer: dry.body).prefix(300))")
            let location = try #require(dry.headers[.location])
            let result = try #require(try object(dry)["result_path"] as? String)
            #expect(result.hasPrefix("/api/v1/standard-imports/"))
            #expect(try await call(client, .get, result, ra).status == .accepted, "the job while it waits")
            #expect(try await call(client, .get, result, tokens["ru"]!).status == .notFound, "the sender's only")
            #expect(try await call(client, .get, location, tokens["ru"]!).status == .notFound)
            #expect(try await IncidentReportTests.renderPending(w, kind: .importStandardSheet) == 1)
            #expect(try object(try await call(client, .get, location, ra))["state"] as? String == "done")
            let report = try object(try await call(client, .get, result, ra))
            let outcomes = (report["rows"] as? [[String: Any]] ?? []).compactMap { $0["outcome"] as? String }
            #expect(outcomes.count == 6000 && Set(outcomes) == ["new"])
            #expect(report["applied"] as? Bool == false)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM security_measures WHERE standard_id = $1", UUID(uuidString: id)!).count == 6)
            // The file is dropped once read; a redelivered job does nothing twice.
            #expect(try await w.platform.postgres.query("SELECT 1 FROM standard_imports WHERE file IS NOT NULL").count == 0)

            let applied = try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=measures", ra, measures)
            #expect(applied.status == .accepted)
            #expect(try await IncidentReportTests.renderPending(w, kind: .importStandardSheet) == 1)
            let written = try object(try await call(client, .get, try #require(try object(applied)["result_path"] as? String), ra))
            #expect(written["applied"] as? Bool == true)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM security_measures WHERE standard_id = $1", UUID(uuidString: id)!).count == 6006)

            // A file that is no sheet: the same 422 the request would have given, kept for the sender.
            let garbage = try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=measures", ra, String(repeating: "x;", count: 150_000))
            #expect(garbage.status == .accepted)
            #expect(try await IncidentReportTests.renderPending(w, kind: .importStandardSheet) == 1)
            let refused = try await call(client, .get, try #require(try object(garbage)["result_path"] as? String), ra)
            #expect(try IncidentConfigurationTests.fields(refused) == ["file"])
            // The sender's session ends before the worker runs: nothing is written.
            let other = try await w.session(client, "ra1@world.test")
            let orphan = try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=measures", other, measures)
            #expect(orphan.status == .accepted)
            #expect(try await call(client, .post, "/api/v1/auth/logout", other).status == .noContent)
            #expect(try await IncidentReportTests.renderPending(w, kind: .importStandardSheet) == 1)
            let ended = try await call(client, .get, try #require(try object(orphan)["result_path"] as? String), ra)
            #expect(ended.status == .conflict, "\(String(buffer: ended.body))")
            // Past the import limit: 413, as for any body too large.
            let huge = try await Self.csv(client, "/api/v1/standards/\(id)/import?sheet=measures", ra,
                                          String(repeating: measures, count: 17 * 1_048_576 / measures.utf8.count + 1))
            #expect(huge.status == .contentTooLarge)
        }
        await w.platform.shutdown()
    }

    @Test("XLSX sheets: the export is a workbook other tools read and imports back unchanged; a workbook with shared strings imports")
    func workbooks() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let ra = tokens["ra"]!
            let id = try await Self.standard(w, client, ra)
            let exported = try await call(client, .get, "/api/v1/standards/\(id)/export?sheet=measures&format=xlsx", ra)
            #expect(exported.status == .ok)
            #expect(exported.headers[.contentType] == XLSXTable.mediaType)
            #expect(exported.headers[.contentDisposition]?.hasSuffix("measures_en.xlsx\"") == true)
            let workbook = Data(buffer: exported.body)
            // Python's zipfile reads the container and finds the sheet's texts.
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID()).xlsx")
            try workbook.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            let python = Process()
            python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            python.arguments = ["-c", "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.read('xl/worksheets/sheet1.xml').decode())",
                                file.path]
            let output = Pipe()
            python.standardOutput = output
            try python.run()
            let sheetXML = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            python.waitUntilExit()
            #expect(python.terminationStatus == 0)
            #expect(sheetXML.contains("The board approved it"))

            var headers = bearer(ra)
            headers[.contentType] = XLSXTable.mediaType
            let back = try object(try await client.execute(uri: "/api/v1/standards/\(id)/import?sheet=measures", method: .post, headers: headers,
                                                           body: ByteBuffer(data: workbook)))
            #expect((back["rows"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String } == Array(repeating: "unchanged", count: 6), "\(back)")

            // A workbook as spreadsheet programs write it: shared strings, numbers as numbers.
            let script = """
                import sys, zipfile
                ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
                strings = ['unique_code', 'objective', 'domain', 'domain_position', 'position', 'priority', 'description', 'standard',
                           'SO1', 'Security policy, reviewed', 'SO4', 'Supply chain', 'Governance']
                sst = ''.join('<si><t>%s</t></si>' % s for s in strings)
                def cell(ref, index): return '<c r="%s" t="s"><v>%d</v></c>' % (ref, index)
                rows = '<row r="1">' + ''.join(cell(c + '1', i) for i, c in enumerate('ABCDEFGH')) + '</row>'
                rows += '<row r="2">' + cell('A2', 8) + cell('B2', 9) + '</row>'
                rows += '<row r="3">' + cell('A3', 10) + cell('B3', 11) + cell('C3', 12) + '<c r="D3"><v>0</v></c><c r="F3"><v>3</v></c></row>'
                with zipfile.ZipFile(sys.argv[1], 'w') as z:
                    z.writestr('[Content_Types].xml', '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
                    z.writestr('xl/workbook.xml', '<workbook xmlns="%s" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId7"/></sheets></workbook>' % ns)
                    z.writestr('xl/_rels/workbook.xml.rels', '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId7" Type="worksheet" Target="worksheets/data.xml"/></Relationships>')
                    z.writestr('xl/sharedStrings.xml', '<sst xmlns="%s">%s</sst>' % (ns, sst))
                    z.writestr('xl/worksheets/data.xml', '<worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (ns, rows))
                """
            let made = Process()
            made.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            made.arguments = ["-c", script, file.path]
            try made.run()
            made.waitUntilExit()
            #expect(made.terminationStatus == 0)
            let imported = try object(try await client.execute(uri: "/api/v1/standards/\(id)/import?sheet=objectives&dry_run=true", method: .post,
                                                               headers: headers, body: ByteBuffer(data: try Data(contentsOf: file))))
            let rows = try #require(imported["rows"] as? [[String: Any]], "\(imported)")
            #expect(rows.compactMap { $0["outcome"] as? String } == ["updated", "new"])
            #expect(rows.compactMap { $0["key"] as? String } == ["SO1", "SO4"])

            // Not a workbook at all.
            #expect(try IncidentConfigurationTests.fields(try await client.execute(
                uri: "/api/v1/standards/\(id)/import?sheet=objectives", method: .post, headers: headers, body: ByteBuffer(string: "PK no zip"))) == ["file"])
        }
    }

    /// A self-assessment workbook as the reference reads it: three heading rows, then per row
    /// `(B, G, H, I)`, written by Python's zipfile with shared strings.
    static func workbook(_ rows: [(String, String, String, String)]) throws -> Data {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID()).xlsx")
        defer { try? FileManager.default.removeItem(at: file) }
        let encoded = String(decoding: try JSONSerialization.data(withJSONObject: rows.map { [$0.0, $0.1, $0.2, $0.3] }), as: UTF8.self)
        let script = """
            import json, sys, zipfile
            from xml.sax.saxutils import escape
            ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
            rows = json.loads(sys.argv[2])
            strings = []
            def s(text):
                strings.append(text)
                return len(strings) - 1
            xml = '<row r="1"><c r="A1" t="s"><v>%d</v></c></row>' % s('Self-assessment')
            xml += '<row r="3"><c r="B3" t="s"><v>%d</v></c><c r="I3" t="s"><v>%d</v></c></row>' % (s('Objective'), s('Level'))
            for n, (b, g, h, i) in enumerate(rows, start=4):
                cells = ''.join('<c r="%s%d" t="s"><v>%d</v></c>' % (col, n, s(v)) for col, v in (('B', b), ('G', g), ('H', h)) if v)
                if i: cells += '<c r="I%d"><v>%s</v></c>' % (n, i)
                xml += '<row r="%d">%s</row>' % (n, cells)
            sst = ''.join('<si><t>%s</t></si>' % escape(t) for t in strings)
            with zipfile.ZipFile(sys.argv[1], 'w') as z:
                z.writestr('xl/workbook.xml', '<workbook xmlns="%s"><sheets><sheet name="SA" sheetId="1"/></sheets></workbook>' % ns)
                z.writestr('xl/sharedStrings.xml', '<sst xmlns="%s">%s</sst>' % (ns, sst))
                z.writestr('xl/worksheets/sheet1.xml', '<worksheet xmlns="%s"><sheetData>%s</sheetData></worksheet>' % (ns, xml))
            """
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        python.arguments = ["-c", script, file.path, encoded]
        try python.run()
        python.waitUntilExit()
        return try Data(contentsOf: file)
    }

    @Test("a regulator imports a filled-in workbook: a submitted declaration attributed to the importer, levels reached implemented, rows reported")
    func workbookImport() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let ra = tokens["ra"]!
            let standard = try await Self.standard(w, client, ra)
            let year = Calendar.utc.component(.year, from: Date())
            let file = try Self.workbook([
                ("SO1: Security policy", "Policy document", "Approved by the board in 2025", "1"),
                ("SO2: Risk management", "", "Nothing in place yet", "0"),
                ("SO9: Unknown", "", "x", "1"),
                ("SO3: Physical security", "Badges", "", "3"),
                ("Introduction without a code", "", "ignored", ""),
                ("SO2: Risk management", "Free text field", "", "1.5"),
            ])
            var headers = bearer(ra)
            headers[.contentType] = XLSXTable.mediaType
            let query = "standard_id=\(standard)&operator_id=\(w.operator1.text)&year=\(year)&sector_ids=\(w.electricity.text)"
            let imported = try await client.execute(uri: "/api/v1/declarations/import?\(query)", method: .post, headers: headers, body: ByteBuffer(data: file))
            #expect(imported.status == .created, "\(String(buffer: imported.body).prefix(400))")
            let result = try object(imported)
            let rows = try #require(result["rows"] as? [[String: Any]])
            #expect(rows.compactMap { $0["outcome"] as? String } == ["new", "new", "rejected", "rejected", "rejected"])
            #expect(rows.compactMap { $0["line"] as? Int } == [4, 5, 6, 7, 9])
            #expect((rows[3]["reason"] as? String)?.contains("above") == true)
            let detail = try #require(result["declaration"] as? [String: Any])
            let header = try #require(detail["declaration"] as? [String: Any])
            #expect(header["status"] as? String == "submitted" && header["reference"] as? String == "OPONE_SO_ENER_ELEC_0001_\(year)")
            let so1 = Self.objective(detail, "SO1")
            #expect(so1["score"] as? Double == 1)
            let answers = (so1["levels"] as? [[String: Any]] ?? []).flatMap { $0["measures"] as? [[String: Any]] ?? [] }
            #expect(answers.compactMap { $0["is_implemented"] as? Bool } == [false, true, true, false])
            #expect(answers[1]["justification"] as? String == "Policy document\n\nApproved by the board in 2025")
            let so2 = (Self.objective(detail, "SO2")["levels"] as? [[String: Any]] ?? []).flatMap { $0["measures"] as? [[String: Any]] ?? [] }
            #expect(so2.first?["is_implemented"] as? Bool == true && so2.first?["justification"] as? String == "Nothing in place yet")
            // The operator sees it submitted; the log names the importer's side.
            let id = try #require(header["id"] as? String)
            #expect((try object(try await call(client, .get, "/api/v1/declarations/\(id)", tokens["opa"]!))["declaration"] as? [String: Any])?["status"]
                    as? String == "submitted")
            let log = try array(try await call(client, .get, "/api/v1/declarations/\(id)/access-log", ra))
            #expect(log.contains { $0["action"] as? String == "imported" && $0["side"] as? String == "regulator" && $0["user_name"] as? String == "RA1 Tester" })

            // Operators do not import; a regulator user imports within their sectors only.
            var operatorHeaders = bearer(tokens["opa"]!)
            operatorHeaders[.contentType] = XLSXTable.mediaType
            #expect(try await client.execute(uri: "/api/v1/declarations/import?\(query)", method: .post, headers: operatorHeaders,
                                             body: ByteBuffer(data: file)).status == .forbidden)
            var userHeaders = bearer(tokens["ru"]!)
            userHeaders[.contentType] = XLSXTable.mediaType
            let gas = "standard_id=\(standard)&operator_id=\(w.operator1.text)&year=\(year)&sector_ids=\(w.gas.text)"
            #expect(try IncidentConfigurationTests.fields(try await client.execute(uri: "/api/v1/declarations/import?\(gas)", method: .post,
                                                                                   headers: userHeaders, body: ByteBuffer(data: file))) == ["sector_ids"])
        }
    }

    @Test("who reaches the module: other operators, another regulator, observers, independent users and the platform administrator get 404")
    func reach() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let ra = tokens["ra"]!, opa = tokens["opa"]!
            let standard = try await Self.standard(w, client, ra)
            let year = Calendar.utc.component(.year, from: Date())
            // A declaration for gas: the electricity regulator user does not reach it.
            let detail = try object(try await call(client, .post, "/api/v1/declarations", opa,
                                                   ["standard_id": standard, "year": year, "sector_ids": [w.gas.text]]))
            let id = try #require((detail["declaration"] as? [String: Any])?["id"] as? String)
            for code in ["SO1", "SO2", "SO3"] {
                _ = try await call(client, .patch, "/api/v1/declarations/\(id)/objectives/\(Self.objective(detail, code)["objective_id"]!)", opa,
                                   ["planned_actions": "Plan"])
            }
            let etag = try #require(try await call(client, .get, "/api/v1/declarations/\(id)", opa).headers[.eTag])
            #expect(try await call(client, .post, "/api/v1/declarations/\(id)/submit", opa, headers: [.ifMatch: etag]).status == .ok)
            #expect(try await call(client, .get, "/api/v1/declarations/\(id)", ra).status == .ok)
            #expect(try await call(client, .get, "/api/v1/declarations/\(id)", tokens["opu"]!).status == .ok)
            for name in ["ru", "opa2", "ra2", "oa", "ou", "iu", "pa"] {
                let token = try #require(tokens[name])
                #expect(try await call(client, .get, "/api/v1/declarations/\(id)", token).status == .notFound, "\(name)")
                #expect(try await call(client, .get, "/api/v1/declarations/\(id)/access-log", token).status == .notFound, "\(name)")
            }
            for name in ["ra2", "oa", "ou", "iu", "pa"] {
                let token = try #require(tokens[name])
                #expect(try await call(client, .get, "/api/v1/standards", token).status == .notFound, "\(name)")
                #expect(try await call(client, .get, "/api/v1/declarations", token).status == .notFound, "\(name)")
                #expect(try await call(client, .get, "/api/v1/standards/\(standard)/tree", token).status == .notFound, "\(name)")
            }
            #expect(try array(try await call(client, .get, "/api/v1/declarations", tokens["opa2"]!)).isEmpty)
            #expect(try array(try await call(client, .get, "/api/v1/declarations", tokens["ru"]!)).isEmpty)
            // Switched off for the regulator: gone for its operators too.
            try await w.platform.postgres.query("UPDATE regulators SET modules = '{}' WHERE id = $1", w.regulator1)
            #expect(try await call(client, .get, "/api/v1/declarations/\(id)", opa).status == .notFound)
            #expect(try await call(client, .get, "/api/v1/declarations/\(id)", ra).status == .notFound)
            #expect(try array(try await call(client, .get, "/api/v1/standards", opa)).isEmpty)
        }
    }

    @Test("references stay unique and gapless when an operator starts many declarations at once; a scope already declared is refused, also at the same instant")
    func concurrentReferences() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let standard = try await Self.standard(w, client, tokens["ra"]!)
            let opa = tokens["opa"]!, year = Calendar.utc.component(.year, from: Date())
            // Two sectors × four years, each asked twice at once: one of each pair is made.
            let scopes = [w.electricity.text, w.gas.text].flatMap { sector in (year - 3...year).map { (sector, $0) } }
            let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                for (sector, declared) in scopes + scopes {
                    group.addTask {
                        let response = try await call(client, .post, "/api/v1/declarations", opa,
                                                      ["standard_id": standard, "year": declared, "sector_ids": [sector]])
                        let reference = response.status == .created
                            ? (try object(response)["declaration"] as? [String: Any])?["reference"] as? String
                            : try problem(response).detail
                        return (Int(response.status.code), reference)
                    }
                }
                return try await group.reduce(into: [(Int, String?)]()) { $0.append($1) }
            }
            let references = answers.filter { $0.0 == 201 }.compactMap(\.1)
            #expect(references.count == 8)
            #expect(answers.filter { $0.0 == 409 }.count == 8)
            // The refusal names the declaration to continue.
            #expect(answers.filter { $0.0 == 409 }.allSatisfy { answer in references.contains { answer.1?.contains($0) == true } })
            for declared in year - 3...year {
                #expect(Set(references.filter { $0.hasSuffix("_\(declared)") }.map { $0.dropLast(5).suffix(4) }) == ["0001", "0002"])
            }
        }
    }

    @Test("idempotent creation: a retry with the same key gives the same declaration; another request with it is refused")
    func idempotentCreation() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let standard = try await Self.standard(w, client, tokens["ra"]!)
            let opa = tokens["opa"]!, year = Calendar.utc.component(.year, from: Date())
            let body: [String: Any] = ["standard_id": standard, "year": year, "sector_ids": [w.electricity.text]]
            let first = try await call(client, .post, "/api/v1/declarations", opa, body, headers: [HTTPField.Name("Idempotency-Key")!: "k-1"])
            let second = try await call(client, .post, "/api/v1/declarations", opa, body, headers: [HTTPField.Name("Idempotency-Key")!: "k-1"])
            #expect((try object(first)["declaration"] as? [String: Any])?["id"] as? String
                    == (try object(second)["declaration"] as? [String: Any])?["id"] as? String)
            #expect(first.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            #expect(second.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            var other = body
            other["year"] = year - 1
            #expect(try await call(client, .post, "/api/v1/declarations", opa, other, headers: [HTTPField.Name("Idempotency-Key")!: "k-1"]).status
                    == .unprocessableContent)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM declarations").count == 1)
        }
    }

    @Test("retention removes whole declarations whose latest version is past the period, never one old version of a living one")
    func retention() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await Self.prepare(w, client)
            let standard = try await Self.standard(w, client, tokens["ra"]!)
            let opa = tokens["opa"]!, year = Calendar.utc.component(.year, from: Date())
            var ids: [String] = []
            for age in 0..<3 {
                // Three years: one declaration per operator, standard, year and sectors.
                let detail = try object(try await call(client, .post, "/api/v1/declarations", opa,
                                                       ["standard_id": standard, "year": year - age, "sector_ids": [w.electricity.text]]))
                ids.append(try #require((detail["declaration"] as? [String: Any])?["id"] as? String))
            }
            // The first is old; the second has an old first version and a recent second one.
            try await w.platform.postgres.query("UPDATE declarations SET created_at = now() - interval '2000 days' WHERE id = $1::uuid", ids[0])
            try await w.platform.postgres.query("""
                INSERT INTO declarations (id, group_id, version, standard_id, regulator_id, operator_id, year, creator_name, operator_name)
                SELECT gen_random_uuid(), group_id, 2, standard_id, regulator_id, operator_id, year, creator_name, operator_name
                FROM declarations WHERE id = $1::uuid
                """, ids[1])
            try await w.platform.postgres.query("UPDATE declarations SET created_at = now() - interval '2000 days' WHERE id = $1::uuid", ids[1])
            let deleted = try await w.platform.securityObjectives.retention.purge()
            #expect(deleted == 1)
            let left = try await w.platform.postgres.query("SELECT id FROM declarations ORDER BY version").map { try $0.decode("id",
                as: UUID.self).text }
            #expect(!left.contains(ids[0]) && left.contains(ids[1]) && left.contains(ids[2]))
            #expect(try await w.platform.postgres.query("SELECT 1 FROM audit_events WHERE action = 'retention.declarations_deleted'").count == 1)
        }
    }
}
