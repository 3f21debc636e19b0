@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Every role against the governance operations, through the API: the caller's own
/// organisation and the other one. 404 means "outside your reach", 403 "visible, not allowed".
/// Actors: pa = platform administrator; ra/ru = administrator/user of regulator 1; oa/ou = of
/// observer 1; opa/opu = of operator 1; iu = independent user.
@Suite("Permission matrix")
struct PermissionMatrixTests {
    struct Case: Sendable {
        let name: String
        let method: HTTPRequest.Method
        let path: String
        let body: [String: any Sendable]?
        /// "pa:200 ra:403 ..." — every actor must be listed.
        let expected: String
        /// A file body instead of JSON (an upload).
        var file: (contentType: String, bytes: Data)? = nil

        /// In a JSON body, the acting user's own password (account calls ask for it again).
        static let password = "<the actor's password>"

        func body(for actor: String) -> [String: any Sendable]? {
            body?.mapValues { value in
                guard let text = value as? String, text == Self.password else { return value }
                return actor == "pa" ? AuthFixture.password : GovernanceWorld.password
            }
        }
    }

    /// A 2 × 2 PNG.
    static let png = Data(base64Encoded: "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP8z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==")
        ?? Data()

    /// The same status for every actor.
    static func everyone(_ status: Int) -> String {
        ["pa", "ra", "ru", "oa", "ou", "opa", "opu", "iu"].map { "\($0):\(status)" }.joined(separator: " ")
    }

    /// An expiry a month ahead, for tokens.
    static var inAMonth: String { RFC3339.format(Date().addingTimeInterval(30 * 86_400)) }

    static func cases(_ w: GovernanceWorld) -> [Case] {
        let r1 = w.regulator1.text, r2 = w.regulator2.text, o1 = w.observer1.text, o2 = w.observer2.text, p1 = w.operator1.text, p2 = w.operator2.text
        return [
            // Reference data: everyone reads; platform administrators (and regulator administrators for sectors) write.
            Case(name: "list regulators", method: .get, path: "/api/v1/regulators", body: nil,
                 expected: "pa:200 ra:200 ru:200 oa:200 ou:200 opa:200 opu:200 iu:200"),
            Case(name: "list sectors", method: .get, path: "/api/v1/sectors", body: nil,
                 expected: "pa:200 ra:200 ru:200 oa:200 ou:200 opa:200 opu:200 iu:200"),
            Case(name: "create a sector", method: .post, path: "/api/v1/sectors", body: ["name": ["en": "Water"], "acronym": "WAT"],
                 expected: "pa:201 ra:201 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "change another regulator's sector", method: .patch, path: "/api/v1/sectors/\(w.gas.text)", body: ["acronym": "GAS"],
                 expected: "pa:200 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "change one's regulator's sector", method: .patch, path: "/api/v1/sectors/\(w.electricity.text)", body: ["acronym": "ELEC"],
                 expected: "pa:200 ra:200 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "change an entity category", method: .patch, path: "/api/v1/entity-categories/\(w.publicCategory.text)",
                 body: ["code": "PUBLIC"], expected: "pa:200 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "create a regulation", method: .post, path: "/api/v1/regulations", body: ["label": ["en": "CER"]],
                 expected: "pa:201 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            // Regulators.
            Case(name: "change one's regulator", method: .patch, path: "/api/v1/regulators/\(r1)", body: ["address": "Main street 1"],
                 expected: "pa:200 ra:200 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "change another regulator", method: .patch, path: "/api/v1/regulators/\(r2)", body: ["address": "Main street 1"],
                 expected: "pa:200 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "enable modules of a regulator", method: .patch, path: "/api/v1/regulators/\(r1)", body: ["modules": ["reporting"]],
                 expected: "pa:200 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "delete a regulator with members", method: .delete, path: "/api/v1/regulators/\(r2)", body: nil,
                 expected: "pa:409 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            // Observers.
            Case(name: "list observers", method: .get, path: "/api/v1/observers", body: nil,
                 expected: "pa:200 ra:200 ru:403 oa:200 ou:200 opa:403 opu:403 iu:403"),
            Case(name: "read another observer", method: .get, path: "/api/v1/observers/\(o2)", body: nil,
                 expected: "pa:200 ra:200 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "change one's observer", method: .patch, path: "/api/v1/observers/\(o1)", body: ["address": "Cyber street 2"],
                 expected: "pa:200 ra:403 ru:404 oa:200 ou:403 opa:404 opu:404 iu:404"),
            Case(name: "change another observer", method: .patch, path: "/api/v1/observers/\(o2)", body: ["address": "Cyber street 2"],
                 expected: "pa:200 ra:403 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "make one's observer receive everything", method: .patch, path: "/api/v1/observers/\(o1)",
                 body: ["receives_all_incidents": false], expected: "pa:200 ra:403 ru:404 oa:403 ou:403 opa:404 opu:404 iu:404"),
            Case(name: "set a routing rule", method: .put, path: "/api/v1/observers/\(o1)/routing-rules/\(w.regulation.text)",
                 body: ["conditions": [["include": ["PUBLIC"]]]],
                 expected: "pa:200 ra:404 ru:404 oa:403 ou:403 opa:404 opu:404 iu:404"),
            Case(name: "read another observer's routing rules", method: .get, path: "/api/v1/observers/\(o2)/routing-rules", body: nil,
                 expected: "pa:200 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "read one's observer's RT deliveries", method: .get, path: "/api/v1/observers/\(o1)/ticketing/messages", body: nil,
                 expected: "pa:200 ra:403 ru:404 oa:200 ou:403 opa:404 opu:404 iu:404"),
            Case(name: "read another observer's RT deliveries", method: .get, path: "/api/v1/observers/\(o2)/ticketing/messages", body: nil,
                 expected: "pa:200 ra:403 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "configure another observer's RT", method: .put, path: "/api/v1/observers/\(o2)/ticketing",
                 body: ["rt_url": "https://8.8.8.8", "queue": "Incidents", "token": "t"],
                 expected: "pa:200 ra:403 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "list webhooks", method: .get, path: "/api/v1/webhooks", body: nil,
                 expected: "pa:403 ra:200 ru:403 oa:200 ou:403 opa:200 opu:403 iu:403"),
            Case(name: "create a webhook of one's organisation", method: .post, path: "/api/v1/webhooks",
                 body: ["url": "https://8.8.8.8/hook", "events": ["incident.created"]],
                 expected: "pa:403 ra:201 ru:403 oa:201 ou:403 opa:422 opu:403 iu:403"),
            // Operators.
            Case(name: "list operators", method: .get, path: "/api/v1/operators", body: nil,
                 expected: "pa:403 ra:200 ru:200 oa:403 ou:403 opa:200 opu:200 iu:403"),
            Case(name: "read another operator", method: .get, path: "/api/v1/operators/\(p2)", body: nil,
                 expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "change one's operator's contact", method: .patch, path: "/api/v1/operators/\(p1)", body: ["phone": "+352 123 456"],
                 expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:200 opu:403 iu:404"),
            Case(name: "change another operator's contact", method: .patch, path: "/api/v1/operators/\(p2)", body: ["phone": "+352 123 456"],
                 expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "change one's operator's identifier", method: .patch, path: "/api/v1/operators/\(p1)", body: ["identifier": "OPONE"],
                 expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:403 opu:403 iu:404"),
            Case(name: "create an operator", method: .post, path: "/api/v1/operators", body: ["identifier": "NEWCO", "name": "New Company"],
                 expected: "pa:403 ra:201 ru:201 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "delete an operator with members", method: .delete, path: "/api/v1/operators/\(p1)", body: nil,
                 expected: "pa:404 ra:409 ru:403 oa:404 ou:404 opa:403 opu:403 iu:404"),
            // Memberships.
            Case(name: "list one's operator's members", method: .get, path: "/api/v1/operators/\(p1)/members", body: nil,
                 expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:200 opu:200 iu:404"),
            Case(name: "change a member of another operator", method: .patch, path: "/api/v1/operators/\(p2)/members/\(w.operatorUser2.text)",
                 body: ["is_administrator": false], expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "change a member of one's operator", method: .patch, path: "/api/v1/operators/\(p1)/members/\(w.operatorVictim.text)",
                 body: ["is_administrator": false], expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:200 opu:403 iu:404"),
            Case(name: "list another regulator's staff", method: .get, path: "/api/v1/regulators/\(r2)/members", body: nil,
                 expected: "pa:200 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "change one's regulator's staff", method: .patch, path: "/api/v1/regulators/\(r1)/members/\(w.regulatorVictim.text)",
                 body: ["sector_ids": [w.electricity.text]], expected: "pa:404 ra:200 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "grant the export right", method: .patch, path: "/api/v1/regulators/\(r2)/members/\(w.regulatorAdmin2.text)",
                 body: ["can_export_incidents": true], expected: "pa:200 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "list another observer's members", method: .get, path: "/api/v1/observers/\(o2)/members", body: nil,
                 expected: "pa:200 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            // Users.
            Case(name: "list users", method: .get, path: "/api/v1/users", body: nil,
                 expected: "pa:200 ra:200 ru:200 oa:200 ou:403 opa:200 opu:403 iu:403"),
            Case(name: "read another regulator's staff", method: .get, path: "/api/v1/users/\(w.regulatorUser2.text)", body: nil,
                 expected: "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "read another operator's member", method: .get, path: "/api/v1/users/\(w.operatorUser2.text)", body: nil,
                 expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "read another observer's member", method: .get, path: "/api/v1/users/\(w.observerUser2.text)", body: nil,
                 expected: "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "read another regulator's administrator", method: .get, path: "/api/v1/users/\(w.regulatorAdmin2.text)", body: nil,
                 expected: "pa:200 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "rename an operator member", method: .patch, path: "/api/v1/users/\(w.operatorVictim.text)", body: ["last_name": "Tester"],
                 expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:200 opu:404 iu:404"),
            Case(name: "rename a fellow regulator user", method: .patch, path: "/api/v1/users/\(w.regulatorVictim.text)",
                 body: ["last_name": "Tester"], expected: "pa:404 ra:200 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "deactivate an operator member", method: .post, path: "/api/v1/users/\(w.operatorVictim.text)/deactivate", body: nil,
                 expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:403 opu:404 iu:404"),
            Case(name: "deactivate a fellow regulator user", method: .post, path: "/api/v1/users/\(w.regulatorVictim.text)/deactivate", body: nil,
                 expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "delete regulator staff", method: .delete, path: "/api/v1/users/\(w.regulatorVictim.text)", body: nil,
                 expected: "pa:404 ra:409 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "reset the second factor of an operator member", method: .delete,
                 path: "/api/v1/users/\(w.operatorVictim.text)/totp", body: nil,
                 expected: "pa:404 ra:403 ru:204 oa:404 ou:404 opa:204 opu:404 iu:404"),
            Case(name: "reset the second factor of regulator staff", method: .delete, path: "/api/v1/users/\(w.regulatorVictim.text)/totp", body: nil,
                 expected: "pa:404 ra:204 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "revoke an independent user's credentials", method: .post,
                 path: "/api/v1/users/\(w.independentVictim.text)/revoke-credentials", body: nil,
                 expected: "pa:200 ra:200 ru:200 oa:404 ou:404 opa:404 opu:404 iu:404"),
            // One's own account: every role alike (session-only calls; the password asked again).
            Case(name: "read one's account", method: .get, path: "/api/v1/users/me", body: nil, expected: everyone(200)),
            Case(name: "rename oneself", method: .patch, path: "/api/v1/users/me", body: ["first_name": "Renamed"], expected: everyone(200)),
            Case(name: "accept the terms", method: .post, path: "/api/v1/users/me/terms", body: nil, expected: everyone(204)),
            Case(name: "list one's tokens", method: .get, path: "/api/v1/users/me/tokens", body: nil, expected: everyone(200)),
            Case(name: "make a token", method: .post, path: "/api/v1/users/me/tokens",
                 body: ["name": "matrix", "scopes": ["governance:read"], "expires_at": Self.inAMonth, "password": Case.password],
                 expected: everyone(201)),
            Case(name: "revoke a token that is not one's", method: .delete, path: "/api/v1/users/me/tokens/\(UUID().text)", body: nil,
                 expected: everyone(404)),
            Case(name: "begin TOTP enrolment", method: .post, path: "/api/v1/users/me/totp", body: ["password": Case.password],
                 expected: everyone(200)),
            Case(name: "confirm TOTP never begun", method: .post, path: "/api/v1/users/me/totp/confirm", body: ["code": "000000"],
                 expected: everyone(409)),
            Case(name: "new recovery codes without TOTP", method: .post, path: "/api/v1/users/me/totp/recovery-codes",
                 body: ["password": Case.password], expected: everyone(409)),
            Case(name: "disable TOTP never enrolled", method: .post, path: "/api/v1/users/me/totp/disable", body: ["password": Case.password],
                 expected: everyone(409)),
            Case(name: "change one's password", method: .post, path: "/api/v1/users/me/password",
                 body: ["current_password": Case.password, "new_password": "Another-Sturdy-Passphrase-2027"], expected: everyone(204)),
            Case(name: "log out", method: .post, path: "/api/v1/auth/logout", body: nil, expected: everyone(204)),
            Case(name: "log out everywhere", method: .post, path: "/api/v1/auth/logout-all", body: nil, expected: everyone(204)),
            Case(name: "ask every user to accept the terms again", method: .post, path: "/api/v1/terms/reset", body: nil,
                 expected: "pa:200 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            // Reference data: everyone reads; platform administrators manage regulations and categories.
            Case(name: "read a sector", method: .get, path: "/api/v1/sectors/\(w.electricity.text)", body: nil, expected: everyone(200)),
            Case(name: "delete a sector in use", method: .delete, path: "/api/v1/sectors/\(w.gas.text)", body: nil,
                 expected: "pa:409 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "list regulations", method: .get, path: "/api/v1/regulations", body: nil, expected: everyone(200)),
            Case(name: "read a regulation", method: .get, path: "/api/v1/regulations/\(w.regulation.text)", body: nil, expected: everyone(200)),
            Case(name: "rename a regulation", method: .patch, path: "/api/v1/regulations/\(w.regulation.text)", body: ["label": ["en": "NIS 2"]],
                 expected: "pa:200 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "delete a regulation in use", method: .delete, path: "/api/v1/regulations/\(w.regulation.text)", body: nil,
                 expected: "pa:409 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "list entity categories", method: .get, path: "/api/v1/entity-categories", body: nil, expected: everyone(200)),
            Case(name: "read an entity category", method: .get, path: "/api/v1/entity-categories/\(w.publicCategory.text)", body: nil,
                 expected: everyone(200)),
            Case(name: "create an entity category", method: .post, path: "/api/v1/entity-categories",
                 body: ["code": "MATRIX", "label": ["en": "Matrix"]], expected: "pa:201 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "delete an entity category", method: .delete, path: "/api/v1/entity-categories/\(w.privateCategory.text)", body: nil,
                 expected: "pa:204 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            // Organisations and their members.
            Case(name: "create a regulator", method: .post, path: "/api/v1/regulators", body: ["name": ["en": "Matrix"], "address": "Main street 2"],
                 expected: "pa:201 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "read one's regulator", method: .get, path: "/api/v1/regulators/\(r1)", body: nil, expected: everyone(200)),
            Case(name: "add an independent user to one's regulator", method: .post, path: "/api/v1/regulators/\(r1)/members",
                 body: ["user_id": w.independentVictim.text], expected: "pa:201 ra:422 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "remove a member of one's regulator", method: .delete, path: "/api/v1/regulators/\(r1)/members/\(w.regulatorVictim.text)",
                 body: nil, expected: "pa:404 ra:204 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "create an observer", method: .post, path: "/api/v1/observers", body: ["name": ["en": "Matrix"], "address": "Main street 3"],
                 expected: "pa:201 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "delete an observer with members", method: .delete, path: "/api/v1/observers/\(o2)", body: nil,
                 expected: "pa:409 ra:403 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "delete a routing rule one's observer does not have", method: .delete, path: "/api/v1/observers/\(o1)/routing-rules/\(w.regulation.text)",
                 body: nil, expected: "pa:404 ra:404 ru:404 oa:403 ou:403 opa:404 opu:404 iu:404"),
            Case(name: "read one's observer's RT configuration (none)", method: .get, path: "/api/v1/observers/\(o1)/ticketing", body: nil,
                 expected: "pa:404 ra:403 ru:404 oa:404 ou:403 opa:404 opu:404 iu:404"),
            Case(name: "remove one's observer's RT configuration (none)", method: .delete, path: "/api/v1/observers/\(o1)/ticketing", body: nil,
                 expected: "pa:204 ra:403 ru:404 oa:204 ou:403 opa:404 opu:404 iu:404"),
            Case(name: "test one's observer's RT (none configured)", method: .post, path: "/api/v1/observers/\(o1)/ticketing/test", body: nil,
                 expected: "pa:404 ra:403 ru:404 oa:404 ou:403 opa:404 opu:404 iu:404"),
            Case(name: "add an independent user to one's observer", method: .post, path: "/api/v1/observers/\(o1)/members",
                 body: ["user_id": w.independentVictim.text], expected: "pa:201 ra:404 ru:404 oa:422 ou:403 opa:404 opu:404 iu:404"),
            // Platform administrators manage administrators only: a plain member is out of their reach.
            Case(name: "change a member of one's observer", method: .patch, path: "/api/v1/observers/\(o1)/members/\(w.observerUser1.text)",
                 body: ["is_administrator": false], expected: "pa:404 ra:404 ru:404 oa:200 ou:403 opa:404 opu:404 iu:404"),
            Case(name: "remove a member of one's observer", method: .delete, path: "/api/v1/observers/\(o1)/members/\(w.observerUser1.text)",
                 body: nil, expected: "pa:404 ra:404 ru:404 oa:204 ou:403 opa:404 opu:404 iu:404"),
            Case(name: "add an independent user to one's operator", method: .post, path: "/api/v1/operators/\(p1)/members",
                 body: ["user_id": w.independentVictim.text], expected: "pa:404 ra:201 ru:201 oa:404 ou:404 opa:422 opu:403 iu:404"),
            Case(name: "remove a member of one's operator", method: .delete, path: "/api/v1/operators/\(p1)/members/\(w.operatorVictim.text)",
                 body: nil, expected: "pa:404 ra:204 ru:204 oa:404 ou:404 opa:204 opu:403 iu:404"),
            // Approving and reactivating are idempotent: the member is approved and active already.
            Case(name: "approve an approved member of one's operator", method: .post,
                 path: "/api/v1/operators/\(p1)/members/\(w.operatorVictim.text)/approve", body: nil,
                 expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:200 opu:403 iu:404"),
            Case(name: "create a user in one's operator", method: .post, path: "/api/v1/users",
                 body: ["email": "matrix@world.test", "first_name": "Mat", "last_name": "Rix",
                        "membership": ["organisation_type": "operator", "organisation_id": p1]],
                 expected: "pa:404 ra:201 ru:201 oa:404 ou:403 opa:201 opu:403 iu:403"),
            Case(name: "reactivate an active operator member", method: .post, path: "/api/v1/users/\(w.operatorVictim.text)/reactivate", body: nil,
                 expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:403 opu:404 iu:404"),
            // Incident configuration: the owning regulator's staff read it, its administrators change it.
            Case(name: "list question categories", method: .get, path: "/api/v1/question-categories", body: nil,
                 expected: "pa:403 ra:200 ru:200 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "create a question category", method: .post, path: "/api/v1/question-categories", body: ["label": ["en": "Timeline"]],
                 expected: "pa:403 ra:201 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "read one's regulator's question category", method: .get, path: "/api/v1/question-categories/\(w.category1.text)", body: nil,
                 expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "read another regulator's question category", method: .get, path: "/api/v1/question-categories/\(w.category2.text)", body: nil,
                 expected: "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "replace one's regulator's question category", method: .put, path: "/api/v1/question-categories/\(w.category1.text)",
                 body: ["label": ["en": "Impact"]], expected: "pa:404 ra:200 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "replace another regulator's question category", method: .put, path: "/api/v1/question-categories/\(w.category2.text)",
                 body: ["label": ["en": "Causes"]], expected: "pa:404 ra:404 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "delete another regulator's question category", method: .delete, path: "/api/v1/question-categories/\(w.category2.text)",
                 body: nil, expected: "pa:404 ra:404 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "list notification workflows", method: .get, path: "/api/v1/notification-workflows", body: nil,
                 expected: "pa:403 ra:200 ru:200 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "list e-mail templates", method: .get, path: "/api/v1/email-templates", body: nil,
                 expected: "pa:403 ra:200 ru:200 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "list impacts", method: .get, path: "/api/v1/impacts", body: nil,
                 expected: "pa:403 ra:200 ru:200 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "list questions", method: .get, path: "/api/v1/questions", body: nil,
                 expected: "pa:403 ra:200 ru:200 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "list report types", method: .get, path: "/api/v1/report-types", body: nil,
                 expected: "pa:403 ra:200 ru:200 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "create a question", method: .post, path: "/api/v1/questions",
                 body: ["reference": "MATRIX", "kind": "freeText", "label": ["en": "Matrix"]],
                 expected: "pa:403 ra:201 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "create a report type", method: .post, path: "/api/v1/report-types", body: ["name": "matrix", "label": ["en": "Matrix"]],
                 expected: "pa:403 ra:201 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "create an e-mail template", method: .post, path: "/api/v1/email-templates",
                 body: ["name": "Matrix", "event": "closing", "subject": ["en": "Closed"], "content": ["en": "Closed."]],
                 expected: "pa:403 ra:201 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "create an impact", method: .post, path: "/api/v1/impacts",
                 body: ["label": ["en": "Matrix"], "regulation_ids": [w.regulation.text], "sector_ids": [w.electricity.text]],
                 expected: "pa:403 ra:201 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "create a notification workflow", method: .post, path: "/api/v1/notification-workflows",
                 body: ["name": ["en": "Matrix"], "regulation_id": w.regulation.text],
                 expected: "pa:403 ra:201 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "read a question out of reach", method: .get,
                 path: "/api/v1/questions/\(UUID().text)", body: nil, expected: "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "preview one's regulator's template", method: .post, path: "/api/v1/email-templates/\(w.template1.text)/preview", body: nil,
                 expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "read one's regulator's questionnaire", method: .get, path: "/api/v1/report-types/\(w.reportType1.text)/questionnaire",
                 body: nil, expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "set one's regulator's questionnaire", method: .put, path: "/api/v1/report-types/\(w.reportType1.text)/questionnaire",
                 body: ["sections": [["category_id": w.category1.text, "questions": [["question_id": w.question1.text]]] as [String: any Sendable]]],
                 expected: "pa:404 ra:200 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "set one's regulator's workflow reports", method: .put, path: "/api/v1/notification-workflows/\(w.workflow1.text)/reports",
                 body: ["reports": [["report_type_id": w.reportType1.text, "trigger": "detection", "delay_hours": 24] as [String: any Sendable]]],
                 expected: "pa:404 ra:200 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "copy one's regulator's question", method: .post, path: "/api/v1/questions/\(w.question1.text)/duplicate", body: nil,
                 expected: "pa:404 ra:201 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "copy one's regulator's workflow", method: .post, path: "/api/v1/notification-workflows/\(w.workflow1.text)/duplicate",
                 body: nil, expected: "pa:404 ra:201 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
            // Every other kind of configuration object, own and the other regulator's.
        ] + Self.configurationCases(w) + [
            // Incidents: notifiers get the wizard's options; each caller lists from their own side.
            Case(name: "notification options", method: .get, path: "/api/v1/notification-options", body: nil,
                 expected: "pa:403 ra:200 ru:200 oa:403 ou:403 opa:200 opu:200 iu:200"),
            Case(name: "list one's operator's incidents", method: .get, path: "/api/v1/incidents?operator_id=\(p1)", body: nil,
                 expected: "pa:403 ra:403 ru:403 oa:403 ou:403 opa:200 opu:200 iu:403"),
            Case(name: "list incidents from one's natural side", method: .get, path: "/api/v1/incidents", body: nil,
                 expected: "pa:403 ra:200 ru:200 oa:200 ou:200 opa:422 opu:422 iu:200"),
            Case(name: "notify an incident no workflow takes", method: .post, path: "/api/v1/incidents",
                 body: ["contact": ["first_name": "A", "last_name": "B", "email": "a@b.test", "phone": "+352 26 00 00 01"],
                        "regulation_ids": [w.regulation.text], "regulator_ids": [r2], "time_zone": "Europe/Luxembourg",
                        "notification_type": "incident", "notifier_name": "Matrix"],
                 expected: "pa:403 ra:422 ru:422 oa:403 ou:403 opa:422 opu:422 iu:422"),
            Case(name: "change an incident out of reach", method: .patch, path: "/api/v1/incidents/\(UUID().text)", body: ["status": "closed"],
                 expected: "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "read an incident out of reach", method: .get, path: "/api/v1/incidents/\(UUID().text)", body: nil,
                 expected: "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            // An incident with a submitted version: its notifier's side files reports, its regulator
            // reviews them, its observer reads; nobody else reaches it.
            Case(name: "read a reachable incident", method: .get, path: "/api/v1/incidents/\(w.incident1.text)", body: nil,
                 expected: "pa:404 ra:200 ru:200 oa:200 ou:200 opa:200 opu:200 iu:404"),
            Case(name: "read its access log", method: .get, path: "/api/v1/incidents/\(w.incident1.text)/access-log", body: nil,
                 expected: "pa:404 ra:200 ru:200 oa:200 ou:200 opa:200 opu:200 iu:404"),
            Case(name: "read a version", method: .get, path: "/api/v1/report-versions/\(w.version1.text)", body: nil,
                 expected: "pa:404 ra:200 ru:200 oa:200 ou:200 opa:200 opu:200 iu:404"),
            Case(name: "open a report's form", method: .get, path: "/api/v1/incidents/\(w.incident1.text)/reports/\(w.incidentStage.text)/form",
                 body: nil, expected: "pa:404 ra:403 ru:403 oa:403 ou:403 opa:200 opu:200 iu:404"),
            Case(name: "submit a report", method: .post, path: "/api/v1/incidents/\(w.incident1.text)/reports/\(w.incidentStage.text)/versions",
                 body: ["answers": [[String: any Sendable]]()], expected: "pa:404 ra:403 ru:403 oa:403 ou:403 opa:201 opu:201 iu:404"),
            Case(name: "review a version (without If-Match)", method: .put, path: "/api/v1/report-versions/\(w.version1.text)/review",
                 body: ["review_status": "passed"], expected: "pa:404 ra:428 ru:428 oa:403 ou:403 opa:403 opu:403 iu:404"),
            Case(name: "delete an incident with versions", method: .delete, path: "/api/v1/incidents/\(w.incident1.text)", body: nil,
                 expected: "pa:404 ra:403 ru:403 oa:403 ou:403 opa:409 opu:409 iu:404"),
            Case(name: "ask for an incident's PDF (not drawn yet)", method: .get, path: "/api/v1/incidents/\(w.incident1.text)/pdf", body: nil,
                 expected: "pa:404 ra:202 ru:202 oa:202 ou:202 opa:202 opu:202 iu:404"),
            Case(name: "ask for a version's PDF (not drawn yet)", method: .get, path: "/api/v1/report-versions/\(w.version1.text)/pdf", body: nil,
                 expected: "pa:404 ra:202 ru:202 oa:202 ou:202 opa:202 opu:202 iu:404"),
            Case(name: "follow a job out of reach", method: .get, path: "/api/v1/jobs/\(UUID().text)", body: nil,
                 expected: "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "incident statistics from one's natural side", method: .get, path: "/api/v1/incident-statistics?year=2026", body: nil,
                 expected: "pa:403 ra:200 ru:200 oa:200 ou:200 opa:422 opu:422 iu:200"),
            Case(name: "export incidents without the export right", method: .post, path: "/api/v1/incident-exports",
                 body: ["regulation_id": w.regulation.text, "workflow_id": w.incidentWorkflow.text, "report_type_id": w.reportType1.text,
                        "notified_from": "2026-01-01T00:00:00Z", "notified_to": "2026-12-31T00:00:00Z"],
                 expected: "pa:403 ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
            Case(name: "fetch an export one did not ask for", method: .get, path: "/api/v1/incident-exports/\(UUID().text)/file", body: nil,
                 expected: "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            Case(name: "change a reachable incident (without If-Match)", method: .patch, path: "/api/v1/incidents/\(w.incident1.text)",
                 body: ["status": "closed"], expected: "pa:404 ra:428 ru:428 oa:403 ou:403 opa:403 opu:403 iu:404"),
            Case(name: "read a version out of reach", method: .get, path: "/api/v1/report-versions/\(UUID().text)", body: nil,
                 expected: "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
        ] + Self.otherIncidentCases(w) + [
            // Audit.
            Case(name: "read the audit log", method: .get, path: "/api/v1/audit-events", body: nil,
                 expected: "pa:200 ra:200 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"),
        ]
    }

    /// Every incident endpoint on the second operator's incident to the second regulator, routed
    /// to no observer: nobody acting here reaches it.
    static func otherIncidentCases(_ w: GovernanceWorld) -> [Case] {
        let incident = "/api/v1/incidents/\(w.incident2.text)", version = "/api/v1/report-versions/\(w.version2.text)"
        let outside = "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"
        let cases: [(String, HTTPRequest.Method, String, [String: any Sendable]?)] = [
            ("read", .get, incident, nil),
            ("change", .patch, incident, ["status": "closed"]),
            ("delete", .delete, incident, nil),
            ("read the access log of", .get, "\(incident)/access-log", nil),
            ("ask for the PDF of", .get, "\(incident)/pdf", nil),
            ("open a report form of", .get, "\(incident)/reports/\(w.incidentStage2.text)/form", nil),
            ("submit a report to", .post, "\(incident)/reports/\(w.incidentStage2.text)/versions", ["answers": [[String: any Sendable]]()]),
            ("read a version of", .get, version, nil),
            ("ask for a version PDF of", .get, "\(version)/pdf", nil),
            ("review a version of", .put, "\(version)/review", ["review_status": "passed"]),
        ]
        return cases.map { Case(name: "\($0.0) another organisation's incident", method: $0.1, path: $0.2, body: $0.3, expected: outside) }
    }

    /// For templates, impacts, questions, report types and workflows: reading and replacing one's
    /// regulator's object; reading, replacing, deleting and the sub-resources of the other's.
    static func configurationCases(_ w: GovernanceWorld) -> [Case] {
        let kinds: [(noun: String, path: String, own: UUID, other: UUID, body: [String: any Sendable])] = [
            ("e-mail template", "email-templates", w.template1, w.template2,
             ["name": "Reminder", "event": "reminder", "subject": ["en": "Reminder"], "content": ["en": "Due {{deadline}}."]]),
            ("impact", "impacts", w.impact1, w.impact2, ["label": ["en": "Outage"], "regulation_ids": [w.regulation.text]]),
            ("question", "questions", w.question1, w.question2, ["reference": "SUMMARY", "kind": "freeText", "label": ["en": "Summary"]]),
            ("report type", "report-types", w.reportType1, w.reportType2, ["name": "early-warning", "label": ["en": "Early warning"]]),
            ("notification workflow", "notification-workflows", w.workflow1, w.workflow2,
             ["name": ["en": "NIS2"], "regulation_id": w.regulation.text]),
        ]
        let outside = "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"
        let otherWrite = "pa:404 ra:404 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"
        var cases: [Case] = []
        for kind in kinds {
            let own = "/api/v1/\(kind.path)/\(kind.own.text)", other = "/api/v1/\(kind.path)/\(kind.other.text)"
            cases += [
                Case(name: "read one's regulator's \(kind.noun)", method: .get, path: own, body: nil,
                     expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "replace one's regulator's \(kind.noun)", method: .put, path: own, body: kind.body,
                     expected: "pa:404 ra:200 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "read another regulator's \(kind.noun)", method: .get, path: other, body: nil, expected: outside),
                Case(name: "replace another regulator's \(kind.noun)", method: .put, path: other, body: kind.body, expected: otherWrite),
                Case(name: "delete another regulator's \(kind.noun)", method: .delete, path: other, body: nil, expected: otherWrite),
            ]
        }
        cases += [
            Case(name: "preview another regulator's template", method: .post, path: "/api/v1/email-templates/\(w.template2.text)/preview",
                 body: nil, expected: outside),
            Case(name: "read another regulator's questionnaire", method: .get, path: "/api/v1/report-types/\(w.reportType2.text)/questionnaire",
                 body: nil, expected: outside),
            Case(name: "set another regulator's questionnaire", method: .put, path: "/api/v1/report-types/\(w.reportType2.text)/questionnaire",
                 body: ["sections": [[String: any Sendable]]()], expected: otherWrite),
            Case(name: "set another regulator's workflow reports", method: .put, path: "/api/v1/notification-workflows/\(w.workflow2.text)/reports",
                 body: ["reports": [[String: any Sendable]]()], expected: otherWrite),
            Case(name: "copy another regulator's question", method: .post, path: "/api/v1/questions/\(w.question2.text)/duplicate", body: nil,
                 expected: otherWrite),
            Case(name: "copy another regulator's workflow", method: .post, path: "/api/v1/notification-workflows/\(w.workflow2.text)/duplicate",
                 body: nil, expected: otherWrite),
        ]
        return cases
    }

    /// Every role against every governance operation, own and other organisations.
    static func governance() async throws -> [Case] {
        let world = try await GovernanceWorld()
        try await world.insertIncidentConfiguration()
        let checked = try await world.fixture.withClientResult { client in
            try await Self.check(Self.cases(world), world, client, try await world.sessions(client))
        }
        await world.platform.shutdown()
        return checked
    }

    /// Runs every case as every actor of `tokens` and compares the statuses. Every call starts
    /// from the world as it was when the check began: after a call that changed something (a
    /// write answered 2xx), the database is put back (``WorldSnapshot``).
    ///
    /// - Returns: the cases, for the coverage of `openapi.yaml`.
    @discardableResult
    static func check(_ cases: [Case], _ world: GovernanceWorld, _ client: any TestClientProtocol, _ tokens: [String: String]) async throws
        -> [Case] {
        let snapshot = try await WorldSnapshot.take(world.platform.postgres)
        for item in cases {
            let expected = Dictionary(uniqueKeysWithValues: item.expected.split(separator: " ").compactMap { pair -> (String, Int)? in
                let parts = pair.split(separator: ":")
                guard parts.count == 2, let status = Int(parts[1]) else { return nil }
                return (String(parts[0]), status)
            })
            #expect(Set(expected.keys) == Set(tokens.keys), "\(item.name): list every actor")
            for (actor, _) in world.actors {
                let token = try #require(tokens[actor], "no session for \(actor)")
                let response = if let file = item.file {
                    try await client.execute(uri: item.path, method: item.method,
                                             headers: [.authorization: "Bearer \(token)", .contentType: file.contentType], body: ByteBuffer(bytes: file.bytes))
                } else {
                    try await call(client, item.method, item.path, token, item.body(for: actor))
                }
                #expect(Int(response.status.code) == expected[actor], "\(item.name) as \(actor): \(String(buffer: response.body).prefix(300))")
                if response.status.code >= 400 {
                    #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                }
                if item.method != .get, (200..<300).contains(response.status.code) { try await snapshot.restore() }
            }
        }
        return cases
    }

    /// Job administration: platform administrators only, every other role 403, on jobs of any organisation.
    static func jobAdministration() async throws -> [Case] {
        let w = try await GovernanceWorld()
        let retried = UUID(), discarded = UUID()
        for id in [retried, discarded] {
            try await w.platform.postgres.query("""
                INSERT INTO outbox (id, kind, queue, payload, attempts, failed_at, failure, last_error) VALUES ($1, 'noop', 'default', '{}', 8, now(), 'exhausted', 'x')
                """, id)
        }
        let only = "pa:%d ra:403 ru:403 oa:403 ou:403 opa:403 opu:403 iu:403"
        let checked = try await w.fixture.withClientResult { client in
            return try await Self.check([
                Case(name: "list jobs", method: .get, path: "/api/v1/admin/jobs", body: nil, expected: String(format: only, 200)),
                Case(name: "read a job", method: .get, path: "/api/v1/admin/jobs/\(retried.text)", body: nil, expected: String(format: only, 200)),
                Case(name: "read the queues", method: .get, path: "/api/v1/admin/queues", body: nil, expected: String(format: only, 200)),
                Case(name: "retry a dead job", method: .post, path: "/api/v1/admin/jobs/\(retried.text)/retry", body: nil, expected: String(format: only, 202)),
                Case(name: "discard a dead job", method: .delete, path: "/api/v1/admin/jobs/\(discarded.text)", body: nil, expected: String(format: only, 204)),
            ], w, client, try await w.sessions(client))
        }
        await w.platform.shutdown()
        return checked
    }

    /// Every role against one webhook by id: its organisation's administrators only; another organisation's is out of reach.
    static func webhooks() async throws -> [Case] {
        let w = try await GovernanceWorld()
        let own = UUID(), other = UUID(), delivery = UUID()
        for (id, kind, organisation) in [(own, "regulator", w.regulator1), (other, "operator", w.operator2)] {
            try await w.platform.postgres.query("""
                INSERT INTO webhook_subscriptions (id, organisation_kind, organisation_id, url, events, secret)
                VALUES ($1, $2, $3, 'https://8.8.8.8/hook', '{incident.created}', '\\x00')
                """, id, kind, organisation)
        }
        try await w.platform.postgres.query("""
            INSERT INTO webhook_deliveries (id, subscription_id, event_id, event, body, status) VALUES ($1, $2, $3, 'incident.created', '{}', 'failed')
            """, delivery, own, UUID())
        let mine = "/api/v1/webhooks/\(own.text)", theirs = "/api/v1/webhooks/\(other.text)"
        let administrators = "pa:404 ra:%d ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"
        let nobody = "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"
        let checked = try await w.fixture.withClientResult { client in
            return try await Self.check([
                Case(name: "read one's regulator's webhook", method: .get, path: mine, body: nil, expected: String(format: administrators, 200)),
                Case(name: "change it", method: .patch, path: mine, body: ["description": "Bridge"], expected: String(format: administrators, 200)),
                Case(name: "rotate its secret", method: .post, path: mine + "/rotate-secret", body: nil, expected: String(format: administrators, 200)),
                Case(name: "read its deliveries", method: .get, path: mine + "/deliveries", body: nil, expected: String(format: administrators, 200)),
                Case(name: "redeliver one", method: .post, path: "/api/v1/webhook-deliveries/\(delivery.text)/redeliver", body: nil,
                     expected: String(format: administrators, 202)),
                Case(name: "read another organisation's webhook", method: .get, path: theirs, body: nil, expected: nobody),
                Case(name: "change it", method: .patch, path: theirs, body: ["active": false], expected: nobody),
                Case(name: "read its deliveries", method: .get, path: theirs + "/deliveries", body: nil, expected: nobody),
                Case(name: "delete it", method: .delete, path: theirs, body: nil, expected: nobody),
            ], w, client, try await w.sessions(client))
        }
        await w.platform.shutdown()
        return checked
    }

    /// Every role against the security-objectives operations: one's regulator's and operator's, and another's.
    static func securityObjectives() async throws -> [Case] {
        let w = try await GovernanceWorld()
        let checked = try await w.fixture.withClientResult { client in
            let all = try await SecurityObjectivesTests.prepare(w, client)
            try await w.platform.postgres.query("UPDATE regulators SET modules = '{securityObjectives}' WHERE id = $1", w.regulator2)
            let own = try await SecurityObjectivesTests.standard(w, client, all["ra"]!)
            let other = try await SecurityObjectivesTests.standard(w, client, all["ra2"]!)
            let year = Calendar.utc.component(.year, from: Date())
            /// A submitted declaration of `token`'s operator against `standard`, for electricity.
            func submitted(_ token: String, _ standard: String) async throws -> (id: String, objective: String) {
                let detail = try object(try await call(client, .post, "/api/v1/declarations", token,
                                                       ["standard_id": standard, "year": year, "sector_ids": [w.electricity.text]]))
                let id = try #require((detail["declaration"] as? [String: Any])?["id"] as? String)
                let objectives = (detail["objectives"] as? [[String: Any]] ?? []).compactMap { $0["objective_id"] as? String }
                for objective in objectives {
                    _ = try await call(client, .patch, "/api/v1/declarations/\(id)/objectives/\(objective)", token, ["planned_actions": "Plan"])
                }
                let etag = try #require(try await call(client, .get, "/api/v1/declarations/\(id)", token).headers[.eTag])
                #expect(try await call(client, .post, "/api/v1/declarations/\(id)/submit", token, headers: [.ifMatch: etag]).status == .ok)
                return (id, objectives[0])
            }
            let mine = try await submitted(all["opa"]!, own), theirs = try await submitted(all["opa2"]!, other)
            let tokens = all.filter { name, _ in w.actors.contains { $0.0 == name } }
            let none = "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"
            let readers = "pa:404 ra:200 ru:200 oa:404 ou:404 opa:200 opu:200 iu:404"
            let content: [String: any Sendable] = ["levels": [["level": 0, "label": ["en": "Nothing"]] as [String: any Sendable]],
                                                   "domains": [[String: any Sendable]]()]
            let d = "/api/v1/declarations/\(mine.id)", o = "/api/v1/declarations/\(theirs.id)"
            let measure: UUID = try await w.platform.postgres.query("SELECT id FROM security_measures WHERE standard_id = $1 LIMIT 1",
                                                                    try #require(UUID(uuidString: own))).required().decode("id")
            // A sheet large enough for the worker, sent as a dry run: its outcome is its sender's only.
            let sheet = "standard,security_objective,maturity_level,maturity_level_level,maturity_level_color,position,description,evidence\n"
                + String(repeating: "ENISA,SO1,,1,,0,A measure described at some length for the size of the file,\n", count: 4_000)
            func queued(_ token: String, _ standard: String) async throws -> String {
                let sent = try await SecurityObjectivesTests.csv(client, "/api/v1/standards/\(standard)/import?sheet=measures&dry_run=true",
                                                                  token, sheet)
                #expect(sent.status == .accepted)
                return try #require(try object(sent)["result_path"] as? String)
            }
            let ownImport = try await queued(all["ra"]!, own), otherImport = try await queued(all["ra2"]!, other)
            var cases = [
                Case(name: "list standards", method: .get, path: "/api/v1/standards", body: nil, expected: readers),
                Case(name: "read one's regulator's standard", method: .get, path: "/api/v1/standards/\(own)", body: nil, expected: readers),
                Case(name: "read its tree", method: .get, path: "/api/v1/standards/\(own)/tree", body: nil, expected: readers),
                Case(name: "export its objectives", method: .get, path: "/api/v1/standards/\(own)/export?sheet=objectives", body: nil,
                     expected: readers),
                Case(name: "rewrite its content once declared against", method: .put, path: "/api/v1/standards/\(own)/content", body: content,
                     expected: "pa:404 ra:409 ru:403 oa:404 ou:404 opa:403 opu:403 iu:404"),
                Case(name: "copy it", method: .post, path: "/api/v1/standards/\(own)/copy", body: nil,
                     expected: "pa:404 ra:201 ru:403 oa:404 ou:404 opa:403 opu:403 iu:404"),
                // Kept from the reference: operators may declare against any regulator's standard with the module.
                Case(name: "read another regulator's standard", method: .get, path: "/api/v1/standards/\(other)", body: nil,
                     expected: "pa:404 ra:404 ru:404 oa:404 ou:404 opa:200 opu:200 iu:404"),
                Case(name: "rewrite another regulator's standard", method: .put, path: "/api/v1/standards/\(other)/content", body: content,
                     expected: "pa:404 ra:404 ru:404 oa:404 ou:404 opa:403 opu:403 iu:404"),
                Case(name: "delete another regulator's standard", method: .delete, path: "/api/v1/standards/\(other)", body: nil,
                     expected: "pa:404 ra:404 ru:404 oa:404 ou:404 opa:403 opu:403 iu:404"),
                Case(name: "list declarations", method: .get, path: "/api/v1/declarations", body: nil, expected: readers),
                Case(name: "read one's declaration", method: .get, path: d, body: nil, expected: readers),
                Case(name: "read its access log", method: .get, path: "\(d)/access-log", body: nil, expected: readers),
                Case(name: "list its versions", method: .get, path: "\(d)/versions", body: nil, expected: readers),
                Case(name: "read one's own sheet import", method: .get, path: ownImport, body: nil,
                     expected: "pa:404 ra:202 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "read another regulator's sheet import", method: .get, path: otherImport, body: nil, expected: none),
                Case(name: "ask for its PDF", method: .get, path: "\(d)/pdf", body: nil,
                     expected: "pa:404 ra:202 ru:202 oa:404 ou:404 opa:202 opu:202 iu:404"),
                Case(name: "plan an objective of it once submitted", method: .patch, path: "\(d)/objectives/\(mine.objective)",
                     body: ["planned_actions": "More"], expected: "pa:404 ra:403 ru:403 oa:404 ou:404 opa:409 opu:409 iu:404"),
                Case(name: "review an objective of it", method: .patch, path: "\(d)/objectives/\(mine.objective)",
                     body: ["review_status": "notReviewed"], expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:403 opu:403 iu:404"),
                Case(name: "submit it again without If-Match", method: .post, path: "\(d)/submit", body: nil,
                     expected: "pa:404 ra:403 ru:403 oa:404 ou:404 opa:428 opu:428 iu:404"),
                Case(name: "send its verdict without If-Match", method: .post, path: "\(d)/review/send", body: ["review_comment": "Done"],
                     expected: "pa:404 ra:428 ru:428 oa:404 ou:404 opa:403 opu:403 iu:404"),
                Case(name: "comment it without If-Match", method: .put, path: "\(d)/review-comment", body: ["review_comment": "Note"],
                     expected: "pa:404 ra:428 ru:428 oa:404 ou:404 opa:403 opu:403 iu:404"),
                Case(name: "start a new version before the verdict", method: .post, path: "\(d)/versions", body: nil,
                     expected: "pa:404 ra:403 ru:403 oa:404 ou:404 opa:409 opu:409 iu:404"),
                Case(name: "copy it to last year", method: .post, path: "\(d)/copy", body: ["year": year - 1, "sector_ids": [w.electricity.text]],
                     expected: "pa:404 ra:403 ru:403 oa:404 ou:404 opa:201 opu:201 iu:404"),
                Case(name: "answer a measure of it once submitted", method: .patch, path: "\(d)/measures/\(measure)", body: ["is_implemented": true],
                     expected: "pa:404 ra:403 ru:403 oa:404 ou:404 opa:409 opu:409 iu:404"),
                // Another year than the submitted one: the same scope again is a 409.
                Case(name: "start a declaration", method: .post, path: "/api/v1/declarations",
                     body: ["standard_id": own, "year": year - 1, "sector_ids": [w.electricity.text]],
                     expected: "pa:404 ra:403 ru:403 oa:404 ou:404 opa:201 opu:201 iu:404"),
                Case(name: "create a standard", method: .post, path: "/api/v1/standards",
                     body: ["regulation_id": w.regulation.text, "label": ["en": "Matrix standard"]],
                     expected: "pa:404 ra:201 ru:403 oa:404 ou:404 opa:403 opu:403 iu:404"),
                Case(name: "rename one's regulator's standard once declared against", method: .put, path: "/api/v1/standards/\(own)",
                     body: ["regulation_id": w.regulation.text, "label": ["en": "Renamed standard"]],
                     expected: "pa:404 ra:409 ru:403 oa:404 ou:404 opa:403 opu:403 iu:404"),
                Case(name: "check a sheet against one's regulator's standard", method: .post,
                     path: "/api/v1/standards/\(own)/import?sheet=objectives&dry_run=true", body: nil,
                     expected: "pa:404 ra:200 ru:403 oa:404 ou:404 opa:403 opu:403 iu:404",
                     file: ("text/csv", Data((StandardSheet.objectives.columns.joined(separator: ",") + "\n").utf8))),
                // A file that is no workbook: the parser's 422 for those allowed to send one, nothing read for the others.
                Case(name: "import a declaration from a file that is no workbook", method: .post,
                     path: "/api/v1/declarations/import?standard_id=\(own)&operator_id=\(w.operator1.text)&year=\(year)&sector_ids=\(w.electricity.text)",
                     body: nil, expected: "pa:404 ra:422 ru:422 oa:404 ou:404 opa:403 opu:403 iu:404",
                     file: (XLSXTable.mediaType, Data("not a workbook".utf8))),
            ]
            let elsewhere: [(String, HTTPRequest.Method, String, [String: any Sendable]?)] = [
                ("read", .get, o, nil), ("read the access log of", .get, "\(o)/access-log", nil), ("list the versions of", .get,
                                                                                                   "\(o)/versions", nil),
                ("review an objective of", .patch, "\(o)/objectives/\(theirs.objective)", ["review_status": "passed"]),
                ("submit", .post, "\(o)/submit", nil), ("send the verdict on", .post, "\(o)/review/send", ["review_comment": "x"]),
                ("copy", .post, "\(o)/copy", ["year": year, "sector_ids": [w.electricity.text]]), ("start a version of", .post, "\(o)/versions", nil),
                ("delete", .delete, o, nil), ("ask for the PDF of", .get, "\(o)/pdf", nil),
            ]
            cases += elsewhere.map { Case(name: "\($0.0) another operator's declaration under another regulator", method: $0.1, path: $0.2,
                                          body: $0.3, expected: none) }
            return try await Self.check(cases, w, client, tokens)
        }
        await w.platform.shutdown()
        return checked
    }

    /// Every role against the reporting operations: one's regulator's analyses within one's sectors, never another's.
    static func reporting() async throws -> [Case] {
        let w = try await GovernanceWorld()
        let checked = try await w.fixture.withClientResult { client in
            let all = try await RiskAnalysisTests.prepare(w, client)
            try await w.platform.postgres.query("UPDATE regulators SET modules = '{reporting}' WHERE id = $1", w.regulator2)
            try await w.platform.postgres.query("INSERT INTO operator_sectors (operator_id, sector_id) VALUES ($1, $2)", w.operator2, w.gas)
            let small = try RiskAnalysisTests.fixture("small.json"), medium = try RiskAnalysisTests.fixture("medium.json")
            func imported(_ token: String, _ operatorID: UUID, _ sector: UUID) async throws -> String {
                let response = try await RiskAnalysisTests.upload(client, token, file: small, operatorID: operatorID, sectorIDs: [sector], year: 2025)
                return try #require(try array(response, "analyses").first?["id"] as? String)
            }
            func queued(_ token: String, _ operatorID: UUID) async throws -> String {
                let response = try await RiskAnalysisTests.upload(client, token, file: medium, operatorID: operatorID, sectorIDs: [w.gas], year: 2024)
                return try #require(try object(response)["result_path"] as? String)
            }
            let electricity = try await imported(all["ra"]!, w.operator1, w.electricity), gas = try await imported(all["ra"]!, w.operator1, w.gas)
            let other = try await imported(all["ra2"]!, w.operator2, w.gas)
            let ownImport = try await queued(all["ra"]!, w.operator1), otherImport = try await queued(all["ra2"]!, w.operator2)
            let tokens = all.filter { name, _ in w.actors.contains { $0.0 == name } }
            let none = "pa:404 ra:404 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"
            let staff = "pa:404 ra:200 ru:200 oa:404 ou:404 opa:404 opu:404 iu:404"
            let own = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/observation-catalogue", all["ra"]!, [
                "code": "OWN", "description": ["en": "Own"]]), "observation")
            let theirs = try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/observation-catalogue", all["ra2"]!, [
                "code": "THEIRS", "description": ["en": "Theirs"]]), "observation")
            try await w.platform.postgres.query("UPDATE regulators SET modules = '{securityObjectives,reporting}' WHERE id IN ($1, $2)",
                                                w.regulator1, w.regulator2)
            let standard = try await SecurityObjectivesTests.standard(w, client, all["ra"]!)
            let otherStandard = try await SecurityObjectivesTests.standard(w, client, all["ra2"]!)
            func project(_ token: String, _ standard: String, _ sectors: [UUID]) async throws -> String {
                try IncidentConfigurationTests.created(try await call(client, .post, "/api/v1/reporting-projects", token,
                    ReportingProjectTests.settings(w, standard: standard, sectors: sectors)), "project")
            }
            let energy = try await project(all["ra"]!, standard, [w.electricity, w.gas]), gasProject = try await project(all["ra"]!, standard, [w.gas])
            let theirProject = try await project(all["ra2"]!, otherStandard, [w.gas])
            // A finished generation (nothing to download) of one's project and of another regulator's, and a stored logo.
            func generation(_ project: String, _ regulator: UUID) async throws -> String {
                let id = UUID()
                try await w.platform.postgres.query("""
                    INSERT INTO report_generations (id, project_id, regulator_id, requested_by_name, status, batch, finished_at)
                    VALUES ($1, $2, $3, 'Someone', 'failed', false, now())
                    """, id, UUID(uuidString: project)!, regulator)
                return id.uuidString.lowercased()
            }
            let ownGeneration = try await generation(energy, w.regulator1), theirGeneration = try await generation(theirProject, w.regulator2)
            // An administrator's generation of the energy project with an item in each of its sectors, and one within electricity.
            func items(_ generation: String, _ sectors: [UUID]) async throws {
                for (position, sector) in sectors.enumerated() {
                    try await w.platform.postgres.query("""
                        INSERT INTO report_generation_items (id, generation_id, position, operator_id, operator_name, sector_id, sector_name, language,
                                                             filename, status, job_id)
                        VALUES ($1, $2, $3, $4, 'Operator One', $5, 'Sector', 'en', 'report.pdf', 'failed', $6)
                        """, UUID(), UUID(uuidString: generation)!, position, w.operator1, sector, UUID())
                }
            }
            let bothSectors = try await generation(energy, w.regulator1), electricityOnly = try await generation(energy, w.regulator1)
            try await items(bothSectors, [w.electricity, w.gas])
            try await items(electricityOnly, [w.electricity])
            try await w.platform.postgres.query("""
                INSERT INTO report_configurations (regulator_id, standard_id, sections, logo) VALUES ($1, $2, '{context}', '\\x89504e47'::bytea)
                """, w.regulator1, UUID(uuidString: standard)!)
            let electricityObservations = "/api/v1/operators/\(w.operator1.text)/observations/\(w.electricity.text)/2025"
            let gasObservations = "/api/v1/operators/\(w.operator1.text)/observations/\(w.gas.text)/2025"
            return try await Self.check([
                Case(name: "list the catalogue", method: .get, path: "/api/v1/observation-catalogue", body: nil, expected: staff),
                Case(name: "export the catalogue", method: .get, path: "/api/v1/observation-catalogue/export", body: nil, expected: staff),
                Case(name: "read one's catalogue entry", method: .get, path: "/api/v1/observation-catalogue/\(own)", body: nil, expected: staff),
                Case(name: "rewrite one's catalogue entry", method: .put, path: "/api/v1/observation-catalogue/\(own)",
                     body: ["code": "OWN", "description": ["en": "Own, rewritten"]], expected: staff),
                Case(name: "read another regulator's entry", method: .get, path: "/api/v1/observation-catalogue/\(theirs)", body: nil, expected: none),
                Case(name: "rewrite another regulator's entry", method: .put, path: "/api/v1/observation-catalogue/\(theirs)",
                     body: ["code": "X", "description": ["en": "x"]], expected: none),
                Case(name: "delete another regulator's entry", method: .delete, path: "/api/v1/observation-catalogue/\(theirs)", body: nil,
                     expected: none),
                Case(name: "read observations in one's sector", method: .get, path: electricityObservations, body: nil, expected: staff),
                Case(name: "write observations in one's sector", method: .put, path: electricityObservations,
                     body: ["comment": "Noted", "observation_ids": [own]], expected: staff),
                Case(name: "read observations in another sector", method: .get, path: gasObservations, body: nil,
                     expected: "pa:404 ra:200 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "write observations with another regulator's entry", method: .put, path: electricityObservations,
                     body: ["observation_ids": [theirs]], expected: "pa:404 ra:422 ru:422 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "copy last year's observations when there are none", method: .post, path: "\(electricityObservations)/copy-previous-year",
                     body: nil, expected: "pa:404 ra:409 ru:409 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "list projects", method: .get, path: "/api/v1/reporting-projects", body: nil, expected: staff),
                Case(name: "read a project with one's sector", method: .get, path: "/api/v1/reporting-projects/\(energy)", body: nil, expected: staff),
                Case(name: "rename it", method: .patch, path: "/api/v1/reporting-projects/\(energy)", body: ["name": "Energy 2026"], expected: staff),
                Case(name: "read its matrix", method: .get, path: "/api/v1/reporting-projects/\(energy)/entries", body: nil, expected: staff),
                Case(name: "unselect its rows", method: .post, path: "/api/v1/reporting-projects/\(energy)/entries/selection",
                     body: ["selected": false, "filter": [String: any Sendable]()], expected: staff),
                Case(name: "copy it", method: .post, path: "/api/v1/reporting-projects/\(energy)/copy", body: ["name": "Copy"],
                     expected: "pa:404 ra:201 ru:201 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "start a project", method: .post, path: "/api/v1/reporting-projects",
                     body: ReportingProjectTests.settings(w, standard: standard, sectors: [w.electricity]).mapValues { $0 as! any Sendable },
                     expected: "pa:404 ra:201 ru:201 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "read a project without one's sector", method: .get, path: "/api/v1/reporting-projects/\(gasProject)", body: nil,
                     expected: "pa:404 ra:200 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "read another regulator's project", method: .get, path: "/api/v1/reporting-projects/\(theirProject)", body: nil,
                     expected: none),
                Case(name: "list a project's generations", method: .get, path: "/api/v1/reporting-projects/\(energy)/generations", body: nil,
                     expected: staff),
                Case(name: "generate a project with nothing selected", method: .post, path: "/api/v1/reporting-projects/\(energy)/generations",
                     body: nil, expected: "pa:404 ra:422 ru:422 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "list the generations of a project without one's sector", method: .get,
                     path: "/api/v1/reporting-projects/\(gasProject)/generations", body: nil,
                     expected: "pa:404 ra:200 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "generate another regulator's project", method: .post, path: "/api/v1/reporting-projects/\(theirProject)/generations",
                     body: nil, expected: none),
                Case(name: "read a generation of one's project", method: .get, path: "/api/v1/reporting-generations/\(ownGeneration)", body: nil,
                     expected: staff),
                Case(name: "cancel a finished generation", method: .post, path: "/api/v1/reporting-generations/\(ownGeneration)/cancel", body: nil,
                     expected: "pa:404 ra:409 ru:409 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "download a generation that made nothing", method: .get, path: "/api/v1/reporting-generations/\(ownGeneration)/artefact",
                     body: nil, expected: "pa:404 ra:409 ru:409 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "read a generation over one's sector and another", method: .get, path: "/api/v1/reporting-generations/\(bothSectors)",
                     body: nil, expected: "pa:404 ra:200 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "cancel a generation over one's sector and another", method: .post,
                     path: "/api/v1/reporting-generations/\(bothSectors)/cancel", body: nil,
                     expected: "pa:404 ra:409 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "download a generation over one's sector and another", method: .get,
                     path: "/api/v1/reporting-generations/\(bothSectors)/artefact", body: nil,
                     expected: "pa:404 ra:409 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "read a generation within one's sector", method: .get, path: "/api/v1/reporting-generations/\(electricityOnly)",
                     body: nil, expected: staff),
                Case(name: "read another regulator's generation", method: .get, path: "/api/v1/reporting-generations/\(theirGeneration)", body: nil,
                     expected: none),
                Case(name: "cancel another regulator's generation", method: .post, path: "/api/v1/reporting-generations/\(theirGeneration)/cancel",
                     body: nil, expected: none),
                Case(name: "download another regulator's artefact", method: .get,
                     path: "/api/v1/reporting-generations/\(theirGeneration)/artefact", body: nil, expected: none),
                Case(name: "read one's report logo", method: .get, path: "/api/v1/report-configurations/\(standard)/logo", body: nil,
                     expected: staff),
                Case(name: "set one's report logo", method: .put, path: "/api/v1/report-configurations/\(standard)/logo", body: nil,
                     expected: "pa:404 ra:200 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404", file: ("image/png", Self.png)),
                Case(name: "set another regulator's report logo", method: .put, path: "/api/v1/report-configurations/\(otherStandard)/logo",
                     body: nil, expected: none, file: ("image/png", Self.png)),
                Case(name: "add to the catalogue", method: .post, path: "/api/v1/observation-catalogue",
                     body: ["code": "MATRIX", "description": ["en": "Matrix"]], expected: "pa:404 ra:201 ru:201 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "check a catalogue file", method: .post, path: "/api/v1/observation-catalogue/import?dry_run=true", body: nil,
                     expected: staff, file: ("text/csv", Data("code,description_en\nMATRIX,Matrix\n".utf8))),
                Case(name: "import an analysis in one's sector", method: .post, path: "/api/v1/risk-analyses/import", body: nil,
                     expected: "pa:404 ra:201 ru:201 oa:404 ou:404 opa:404 opu:404 iu:404",
                     file: RiskAnalysisTests.form(file: small, operatorID: w.operator1, sectorIDs: [w.electricity], year: 2024)),
                Case(name: "import an analysis in another sector", method: .post, path: "/api/v1/risk-analyses/import", body: nil,
                     expected: "pa:404 ra:201 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404",
                     file: RiskAnalysisTests.form(file: small, operatorID: w.operator1, sectorIDs: [w.gas], year: 2024)),
                Case(name: "read another regulator's report logo", method: .get, path: "/api/v1/report-configurations/\(otherStandard)/logo",
                     body: nil, expected: none),
                Case(name: "remove one's report logo", method: .delete, path: "/api/v1/report-configurations/\(standard)/logo", body: nil,
                     expected: "pa:404 ra:204 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "reset another regulator's report configuration", method: .delete,
                     path: "/api/v1/report-configurations/\(otherStandard)", body: nil, expected: none),
                Case(name: "reset one's report configuration", method: .delete, path: "/api/v1/report-configurations/\(standard)", body: nil,
                     expected: "pa:404 ra:204 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "read one's report configuration", method: .get, path: "/api/v1/report-configurations/\(standard)", body: nil,
                     expected: staff),
                Case(name: "configure one's reports", method: .put, path: "/api/v1/report-configurations/\(standard)",
                     body: ["palette": ["#1F4E79"]], expected: "pa:404 ra:200 ru:403 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "read another regulator's report configuration", method: .get, path: "/api/v1/report-configurations/\(otherStandard)",
                     body: nil, expected: none),
                Case(name: "configure another regulator's reports", method: .put, path: "/api/v1/report-configurations/\(otherStandard)",
                     body: ["palette": ["#1F4E79"]], expected: none),
                Case(name: "change another regulator's project", method: .patch, path: "/api/v1/reporting-projects/\(theirProject)",
                     body: ["name": "Mine"], expected: none),
                Case(name: "delete another regulator's project", method: .delete, path: "/api/v1/reporting-projects/\(theirProject)", body: nil,
                     expected: none),
                Case(name: "delete a project without one's sector", method: .delete, path: "/api/v1/reporting-projects/\(gasProject)", body: nil,
                     expected: "pa:404 ra:204 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "list analyses", method: .get, path: "/api/v1/risk-analyses", body: nil,
                     expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "read an analysis in one's sector", method: .get, path: "/api/v1/risk-analyses/\(electricity)", body: nil,
                     expected: "pa:404 ra:200 ru:200 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "read an analysis in another sector", method: .get, path: "/api/v1/risk-analyses/\(gas)", body: nil,
                     expected: "pa:404 ra:200 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "read one's own worker import", method: .get, path: ownImport, body: nil,
                     expected: "pa:404 ra:202 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
                Case(name: "read another regulator's worker import", method: .get, path: otherImport, body: nil, expected: none),
                Case(name: "read another regulator's analysis", method: .get, path: "/api/v1/risk-analyses/\(other)", body: nil, expected: none),
                Case(name: "delete another regulator's analysis", method: .delete, path: "/api/v1/risk-analyses/\(other)", body: nil, expected: none),
                // Rows run actor by actor (ra before ru): a regulator user's refusal is checked in RiskAnalysisTests.reach.
                Case(name: "delete an analysis in another sector", method: .delete, path: "/api/v1/risk-analyses/\(gas)", body: nil,
                     expected: "pa:404 ra:204 ru:404 oa:404 ou:404 opa:404 opu:404 iu:404"),
            ], w, client, tokens)
        }
        await w.platform.shutdown()
        return checked
    }

    /// Operations without a role's row, each for its reason: they answer everyone alike.
    static let roleless: [String: String] = [
        "getHealth": "a probe", "getReady": "a probe", "getMetrics": "its token, not a role (APITests)",
        "getOpenAPIDocument": "public", "getDocsPage": "public", "getDocsAsset": "public",
        "login": "before any role", "requestPasswordReset": "before any role", "setPasswordWithLink": "before any role (a link's token)",
        "register": "before any role",
    ]

    @Test("every operation in openapi.yaml has rows, and every row holds as every role, each call from the same world")
    func everyOperation() async throws {
        let checked = try await withThrowingTaskGroup(of: [Case].self) { group in
            group.addTask { try await Self.governance() }
            group.addTask { try await Self.jobAdministration() }
            group.addTask { try await Self.webhooks() }
            group.addTask { try await Self.securityObjectives() }
            group.addTask { try await Self.reporting() }
            return try await group.reduce(into: [Case]()) { $0 += $1 }
        }
        let contract = try embeddedContract.get()
        var covered = Set<String>()
        for item in checked {
            let path = String(item.path.split(separator: "?", maxSplits: 1).first ?? "")
            let operation = contract.operation(item.method, path: path)
            #expect(operation != nil, "\(item.name): \(item.method) \(path) is no operation of openapi.yaml")
            if let operation { covered.insert(operation.id) }
        }
        let missing = contract.operations.map(\.id).filter { !covered.contains($0) && Self.roleless[$0] == nil }.sorted()
        #expect(missing.isEmpty, "operations without a row: \(missing.joined(separator: ", "))")
        let stale = Self.roleless.keys.filter { id in !contract.operations.contains { $0.id == id } }
        #expect(stale.isEmpty, "listed as roleless but not in openapi.yaml: \(stale)")
    }

    @Test("the matrix in Domain: administrators reach their own organisation, others nothing")
    func policyTable() {
        let regulator = UUID(), other = UUID(), operatorA = UUID(), operatorB = UUID()
        let regulatorAdmin = Affiliations(regulator: .init(regulatorID: regulator, isAdministrator: true, canExportIncidents: false, sectorIDs: []))
        #expect(regulatorAdmin.allows(.updateRegulator, at: .regulator(regulator)))
        #expect(!regulatorAdmin.allows(.updateRegulator, at: .regulator(other)))
        #expect(throws: DomainError.forbidden("Your role (regulatorAdmin) may not do this (updateRegulator).")) {
            try regulatorAdmin.authorize(.updateRegulator, at: .regulator(other))
        }
        // Administrator of A, plain member of B, pending at C: the role follows the operator.
        let mixed = Affiliations(operators: [
            .init(operatorID: operatorA, isAdministrator: true, isApproved: true), .init(operatorID: operatorB, isAdministrator: false,
                                                                                         isApproved: true),
        ])
        #expect(mixed.role == .operatorAdmin)
        #expect(mixed.role(for: operatorB) == .operatorUser)
        #expect(mixed.allows(.updateOperator, at: .operator(operatorA)))
        #expect(!mixed.allows(.updateOperator, at: .operator(operatorB)))
        #expect(throws: DomainError.notFound("No such operator.")) { try mixed.authorize(.readOperator, at: .operator(UUID()), object: "operator") }
        let pending = Affiliations(operators: [.init(operatorID: operatorA, isAdministrator: false, isApproved: false)])
        #expect(pending.role == .independentUser)
        #expect(!pending.allows(.readOperator, at: .operator(operatorA)))
        // Every action has a row, and only platform administrators manage platform-wide data.
        for action in GovernanceAction.allCases { #expect(GovernancePolicy.matrix[action] != nil, "\(action) has no row") }
        for action in IncidentAction.allCases { #expect(IncidentPolicy.matrix[action] != nil, "\(action) has no row") }
        for role in Role.allCases where role != .platformAdmin {
            #expect(GovernancePolicy.reach(role, .manageRegulations) == .none)
            #expect(GovernancePolicy.reach(role, .grantExportRight) == .none)
        }
    }
}
