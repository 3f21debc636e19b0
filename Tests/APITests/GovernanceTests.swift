@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@Suite("Organisations and memberships")
struct GovernanceTests {
    @Test("operator memberships: first member administrator, approval of an independent user, at least one administrator, nobody changes their own")
    func operatorMemberships() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let ru = try await w.session(client, "ru1@world.test")
            let opa2 = try await w.session(client, "opa2@world.test")
            let iu = try await w.session(client, "iu@world.test")
            let p2 = w.operator2.text

            // A regulator user links an independent user to an operator that has administrators:
            // the membership waits for approval, and cannot be an administrator before.
            let asAdmin = try await call(client, .post, "/api/v1/operators/\(p2)/members", ru, ["user_id": w.independent.text, "is_administrator": true])
            #expect(asAdmin.status == .unprocessableContent)
            #expect(try problem(asAdmin).errors?.first?.code == "not_approved")
            let pending = try await call(client, .post, "/api/v1/operators/\(p2)/members", ru, ["user_id": w.independent.text])
            #expect(pending.status == .created)
            #expect(try object(pending)["is_approved"] as? Bool == false)
            // The suggestion goes to the operator's administrators; the user's sessions ended.
            let suggestion = try await w.platform.postgres.query("SELECT to_addresses, subject FROM emails WHERE subject LIKE 'Suggestion%'").first
            #expect(try suggestion?.decode("to_addresses", as: [String].self) == ["opa2@world.test"])
            #expect(try suggestion?.decode("subject", as: String.self) == "Suggestion to link a user account with Operator Two")
            #expect(try await call(client, .get, "/api/v1/users/me", iu).status == .unauthorized)
            let iuAgain = try await w.session(client, "iu@world.test")
            #expect(try object(try await call(client, .get, "/api/v1/users/me", iuAgain))["role"] as? String == "independentUser")
            // Pending members see nothing of the operator yet.
            #expect(try await call(client, .get, "/api/v1/operators/\(p2)", iuAgain).status == .notFound)

            // The operator's administrator approves; the user becomes an operator user there.
            let approved = try await call(client, .post, "/api/v1/operators/\(p2)/members/\(w.independent.text)/approve", opa2)
            #expect(approved.status == .ok)
            #expect(try object(approved)["is_approved"] as? Bool == true)
            let iuThird = try await w.session(client, "iu@world.test")
            let me = try object(try await call(client, .get, "/api/v1/users/me", iuThird))
            #expect(me["role"] as? String == "operatorUser")
            #expect(((me["affiliations"] as? [String: Any])?["operators"] as? [[String: Any]])?.first?["operator_id"] as? String == p2)
            #expect(try await call(client, .get, "/api/v1/operators/\(p2)", iuThird).status == .ok)

            // The last administrator stays while others remain; nobody changes their own membership.
            let demote = try await call(client, .patch, "/api/v1/operators/\(p2)/members/\(w.operatorAdmin2.text)", ru, ["is_administrator": false])
            #expect(demote.status == .conflict)
            #expect(try await call(client, .delete, "/api/v1/operators/\(p2)/members/\(w.operatorAdmin2.text)", ru).status == .conflict)
            let own = try await call(client, .patch, "/api/v1/operators/\(p2)/members/\(w.operatorAdmin2.text)", opa2, ["is_administrator": false])
            #expect(own.status == .forbidden)
            // After appointing another administrator, the first can go.
            #expect(try await call(client, .patch, "/api/v1/operators/\(p2)/members/\(w.independent.text)", opa2, ["is_administrator": true]).status == .ok)
            #expect(try await call(client, .patch, "/api/v1/operators/\(p2)/members/\(w.operatorAdmin2.text)", ru, ["is_administrator": false]).status == .ok)

            // Removing the last operator membership makes an independent user again (still active).
            #expect(try await call(client, .delete, "/api/v1/operators/\(p2)/members/\(w.operatorUser2.text)", opa2).status == .unauthorized)
            let newAdmin = try await w.session(client, "iu@world.test")
            #expect(try await call(client, .delete, "/api/v1/operators/\(p2)/members/\(w.operatorUser2.text)", newAdmin).status == .noContent)
            let former = try object(try await call(client, .get, "/api/v1/users/\(w.operatorUser2.text)", ru))
            #expect(former["role"] as? String == "independentUser")
            #expect(former["is_active"] as? Bool == true)

            // The first member of a new operator becomes its administrator.
            let created = try object(try await call(client, .post, "/api/v1/operators", ru, ["identifier": "fresh1", "name": "Fresh Company"]))
            #expect(created["identifier"] as? String == "FRESH1")
            let first = try await call(client, .post, "/api/v1/operators/\(created["id"] as! String)/members", ru, ["user_id": w.independentVictim.text])
            #expect(first.status == .created)
            #expect(try object(first)["is_administrator"] as? Bool == true)
            #expect(try object(first)["is_approved"] as? Bool == true)

            // Regulator and observer staff do not join operators: outside a regulator user's reach,
            // they answer as an unknown account does.
            let staff = try await call(client, .post, "/api/v1/operators/\(p2)/members", ru, ["user_id": w.regulatorUser2.text])
            #expect(staff.status == .unprocessableContent)
            #expect(try problem(staff).errors?.map(\.field) == ["user_id"])
        }
        let actions = try await w.fixture.auditActions()
        for action in ["membership.created", "membership.approved", "membership.updated", "membership.deleted", "operator.created"] {
            #expect(actions.contains(action), "audited: \(action)")
        }
        await w.platform.shutdown()
    }

    @Test("regulator and observer memberships: administrators only from the platform, export right, removal deactivates")
    func staffMemberships() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let pa = try await sessionToken(client)
            let ra = try await w.session(client, "ra1@world.test")
            let r1 = w.regulator1.text

            // The platform administrator adds administrators only.
            let plain = try await call(client, .post, "/api/v1/observers/\(w.observer1.text)/members", pa, ["user_id": w.independentVictim.text, "is_administrator": false])
            #expect(plain.status == .unprocessableContent)
            let added = try await call(client, .post, "/api/v1/observers/\(w.observer1.text)/members", pa, ["user_id": w.independentVictim.text])
            #expect(added.status == .created)
            #expect(try object(added)["is_administrator"] as? Bool == true)
            // Only the platform administrator grants the export right.
            #expect(try await call(client, .patch, "/api/v1/regulators/\(r1)/members/\(w.regulatorVictim.text)", ra, ["can_export_incidents": true]).status == .forbidden)
            let granted = try await call(client, .patch, "/api/v1/regulators/\(r1)/members/\(w.regulatorAdmin1.text)", pa, ["can_export_incidents": true])
            #expect(try object(granted)["can_export_incidents"] as? Bool == true)
            // That change ended the administrator's session.
            #expect(try await call(client, .get, "/api/v1/users/me", ra).status == .unauthorized)
            let ra2 = try await w.session(client, "ra1@world.test")

            // Sectors of a regulator user must be selectable (not a root with sub-sectors).
            let root = try await call(client, .patch, "/api/v1/regulators/\(r1)/members/\(w.regulatorVictim.text)", ra2, ["sector_ids": [w.energy.text]])
            #expect(root.status == .unprocessableContent)
            #expect(try problem(root).errors?.first?.field == "sector_ids")
            let members = try array(try await call(client, .get, "/api/v1/regulators/\(r1)/members", ra2))
            #expect(Set(members.compactMap { $0["email"] as? String }) == ["ra1@world.test", "ru1@world.test", "victim-regulator@world.test"])
            #expect(members.first { $0["email"] as? String == "ru1@world.test" }?["sector_ids"] as? [String] == [w.electricity.text])

            // A user belongs to one regulator or observer only (told to the platform administrator;
            // outside a regulator administrator's reach, the account answers as an unknown one).
            #expect(try await call(client, .post, "/api/v1/regulators/\(r1)/members", ra2, ["user_id": w.observerUser1.text]).status == .unprocessableContent)
            let twice = try await call(client, .post, "/api/v1/regulators/\(r1)/members", pa, ["user_id": w.observerUser1.text])
            #expect(twice.status == .conflict)

            // Removing the regulator membership deactivates the account.
            let victim = try await login(client, email: "victim-regulator@world.test", password: GovernanceWorld.password)
            let victimToken = try #require(try object(victim)["token"] as? String)
            #expect(try await call(client, .delete, "/api/v1/regulators/\(r1)/members/\(w.regulatorVictim.text)", ra2).status == .noContent)
            #expect(try await call(client, .get, "/api/v1/users/me", victimToken).status == .unauthorized)
            #expect(try await login(client, email: "victim-regulator@world.test", password: GovernanceWorld.password).status == .unauthorized)
            // A regulator administrator cannot remove their own membership.
            #expect(try await call(client, .delete, "/api/v1/regulators/\(r1)/members/\(w.regulatorAdmin1.text)", ra2).status == .forbidden)
        }
        await w.platform.shutdown()
    }

    @Test("translated texts: language maps in, the Accept-Language text out with English fallback")
    func translations() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let ra = try await w.session(client, "ra1@world.test")
            let created = try await call(client, .post, "/api/v1/sectors", ra, ["name": ["en": "Water supply", "fr": " Eau potable "], "acronym": "wat", "parent_id": w.energy.text])
            #expect(created.status == .created)
            let sector = try object(created)
            #expect(sector["acronym"] as? String == "WAT")
            #expect(sector["created_by_regulator_id"] as? String == w.regulator1.text)
            #expect((sector["name_translations"] as? [String: String]) == ["en": "Water supply", "fr": "Eau potable"])
            let id = try #require(sector["id"] as? String)
            for (header, expected, language) in [("fr-LU, en;q=0.8", "Eau potable", "fr"), ("de", "Water supply", "de"), ("nl;q=0.5, fr;q=0.9", "Eau potable", "fr"),
                                                 ("es, *;q=0.1", "Water supply", "en")] {
                let response = try await call(client, .get, "/api/v1/sectors/\(id)", ra, headers: [.acceptLanguage: header])
                #expect(try object(response)["name"] as? String == expected, "Accept-Language: \(header)")
                #expect(response.headers[.contentLanguage] == language)
            }
            // Languages: English required (and not blank), others from the list.
            let blank = try await call(client, .post, "/api/v1/sectors", ra, ["name": ["en": "  ", "fr": "Vide"], "acronym": "X"])
            #expect(blank.status == .unprocessableContent)
            #expect(try problem(blank).errors?.map(\.field) == ["name.en"])
            let unknown = try await call(client, .post, "/api/v1/sectors", ra, ["name": ["en": "Mining", "es": "Minería"], "acronym": "MIN"])
            #expect(unknown.status == .unprocessableContent)
            #expect(try problem(unknown).errors?.map(\.code) == ["unknown"])
            // Two levels at most.
            let deep = try await call(client, .post, "/api/v1/sectors", ra, ["name": ["en": "Deep"], "acronym": "DEEP", "parent_id": id])
            #expect(try problem(deep).errors?.first?.code == "too_deep")
            // The new sub-sector is selectable; its parent never is.
            let selectable = try array(try await call(client, .get, "/api/v1/sectors?selectable=true", ra)).compactMap { $0["id"] as? String }
            #expect(selectable.contains(id) && !selectable.contains(w.energy.text))
            // In use: a sector with sub-sectors cannot be deleted.
            #expect(try await call(client, .delete, "/api/v1/sectors/\(w.energy.text)", try await sessionToken(client)).status == .conflict)
            #expect(try await call(client, .delete, "/api/v1/sectors/\(id)", ra).status == .noContent)
        }
        await w.platform.shutdown()
    }

    @Test("operators: every bad field reported at once, unique identifier and name, deletion only without members")
    func operatorValidation() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let ra = try await w.session(client, "ra1@world.test")
            let bad = try await call(client, .post, "/api/v1/operators", ra, [
                "identifier": "no spaces!", "name": " ", "country": "XX", "email": "not-an-email", "phone": "12345",
                "sector_ids": [w.energy.text],
            ])
            #expect(bad.status == .unprocessableContent)
            #expect(Set(try problem(bad).errors?.map(\.field) ?? []) == ["identifier", "name", "country", "email", "phone"])
            let duplicate = try await call(client, .post, "/api/v1/operators", ra, ["identifier": "opone", "name": "Another"])
            #expect(duplicate.status == .conflict)
            #expect(try problem(duplicate).detail?.contains("identifier") == true)
            #expect(try await call(client, .post, "/api/v1/operators", ra, ["identifier": "OTHER", "name": "operator one"]).status == .conflict)
            let root = try await call(client, .patch, "/api/v1/operators/\(w.operator1.text)", ra, ["sector_ids": [w.energy.text]])
            #expect(try problem(root).errors?.first?.code == "not_selectable")
            let good = try await call(client, .patch, "/api/v1/operators/\(w.operator1.text)", ra, [
                "country": "LU", "phone": "+352 26 12 34", "email": "CERT@OperatorOne.example", "sector_ids": [w.electricity.text],
                "entity_category_ids": [w.publicCategory.text],
            ])
            let updated = try object(good)
            #expect(updated["country"] as? String == "LU")
            #expect(updated["phone"] as? String == "+352261234")
            #expect(updated["email"] as? String == "cert@operatorone.example")
            #expect(updated["sector_ids"] as? [String] == [w.electricity.text])
            // The sector is in use now.
            #expect(try await call(client, .delete, "/api/v1/sectors/\(w.electricity.text)", ra).status == .conflict)
            // An empty text clears an optional field.
            #expect(try object(try await call(client, .patch, "/api/v1/operators/\(w.operator1.text)", ra, ["phone": ""]))["phone"] == nil)
            // Search and pagination.
            let page = try await call(client, .get, "/api/v1/operators?limit=1", ra)
            #expect(try array(page).first?["name"] as? String == "Operator One")
            let cursor = try #require(try object(page)["next_cursor"] as? String)
            #expect(page.headers[HTTPField.Name("Link")!] == "</api/v1/operators?limit=1&cursor=\(cursor)>; rel=\"next\"")
            #expect(try array(try await call(client, .get, "/api/v1/operators?limit=1&cursor=\(cursor)", ra)).first?["name"] as? String == "Operator Two")
            #expect(try array(try await call(client, .get, "/api/v1/operators?search=TWO", ra)).count == 1)
            #expect(try await call(client, .get, "/api/v1/operators?cursor=garbage", ra).status == .unprocessableContent)
            // Only an operator without members can be deleted.
            let empty = try object(try await call(client, .post, "/api/v1/operators", ra, ["identifier": "EMPTY", "name": "Empty"]))
            #expect(try await call(client, .delete, "/api/v1/operators/\(empty["id"] as! String)", ra).status == .noContent)
        }
        await w.platform.shutdown()
    }

    @Test("users: lists within reach filtered by role and organisation; deactivation ends every credential")
    func userAdministration() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let ra = try await w.session(client, "ra1@world.test")
            let listed = try array(try await call(client, .get, "/api/v1/users?limit=200", ra)).compactMap { $0["email"] as? String }
            // Own regulator's staff, operator members, independent users; never other regulators, observers or platform administrators.
            #expect(listed.contains("ru1@world.test") && listed.contains("opu2@world.test") && listed.contains("iu@world.test"))
            #expect(!listed.contains("ra2@world.test") && !listed.contains("oa1@world.test") && !listed.contains("ada.admin@regulator.example"))
            let operatorUsers = try array(try await call(client, .get, "/api/v1/users?role=operatorUser", ra)).compactMap { $0["email"] as? String }
            #expect(Set(operatorUsers) == ["opu1@world.test", "opu2@world.test", "victim-operator@world.test"])
            let ofOperator2 = try array(try await call(client, .get, "/api/v1/users?operator_id=\(w.operator2.text)", ra)).compactMap { $0["email"] as? String }
            #expect(Set(ofOperator2) == ["opa2@world.test", "opu2@world.test"])
            #expect(try array(try await call(client, .get, "/api/v1/users?search=victim-ind", ra)).count == 1)
            // Every listed user can be read one by one.
            for user in try array(try await call(client, .get, "/api/v1/users?limit=200", ra)) {
                #expect(try await call(client, .get, "/api/v1/users/\(user["id"] as! String)", ra).status == .ok)
            }
            // Deactivation ends sessions and personal tokens; reactivation lets the user log in again.
            let victim = try await w.session(client, "victim-operator@world.test")
            let deactivated = try await call(client, .post, "/api/v1/users/\(w.operatorVictim.text)/deactivate", ra)
            #expect(try object(deactivated)["is_active"] as? Bool == false)
            #expect(try await call(client, .get, "/api/v1/users/me", victim).status == .unauthorized)
            #expect(try await login(client, email: "victim-operator@world.test", password: GovernanceWorld.password).status == .unauthorized)
            #expect(try await call(client, .post, "/api/v1/users/\(w.operatorVictim.text)/reactivate", ra).status == .ok)
            #expect(try await login(client, email: "victim-operator@world.test", password: GovernanceWorld.password).status == .ok)
            // Deletion: operator members really go; regulator staff are deactivated instead.
            #expect(try await call(client, .delete, "/api/v1/users/\(w.operatorVictim.text)", ra).status == .noContent)
            #expect(try await call(client, .get, "/api/v1/users/\(w.operatorVictim.text)", ra).status == .notFound)
            let staff = try await call(client, .delete, "/api/v1/users/\(w.regulatorUser1.text)", ra)
            #expect(staff.status == .conflict)
            #expect(try problem(staff).detail?.contains("deactivate") == true)
            // Self-service profile.
            let me = try await call(client, .patch, "/api/v1/users/me", ra, ["phone": "+352 621 000 000", "first_name": "Regina"])
            #expect(try object(me)["first_name"] as? String == "Regina")
            #expect(try object(me)["phone"] as? String == "+352621000000")
            #expect(try await call(client, .patch, "/api/v1/users/me", ra, ["phone": "call me"]).status == .unprocessableContent)
        }
        let actions = try await w.fixture.auditActions()
        for action in ["user.deactivated", "user.reactivated", "user.deleted", "user.updated"] { #expect(actions.contains(action), "audited: \(action)") }
        await w.platform.shutdown()
    }

    @Test("creating users: the creator's role decides the membership; every new user is e-mailed an invitation")
    func userCreation() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let tokens = try await w.sessions(client)
            func create(_ actor: String, _ handle: String, membership: [String: Any]? = nil) async throws -> TestResponse {
                var body: [String: Any] = ["email": "\(handle)@new.test", "first_name": handle.capitalized, "last_name": "New"]
                if let membership { body["membership"] = membership }
                return try await call(client, .post, "/api/v1/users", tokens[actor]!, body)
            }
            // Platform administrators: platform administrators, or a regulator's administrator.
            #expect(try object(try await create("pa", "platform"))["role"] as? String == "platformAdmin")
            let regulatorAdmin = try object(try await create("pa", "head", membership: ["organisation_type": "regulator", "organisation_id": w.regulator2.text]))
            #expect(regulatorAdmin["role"] as? String == "regulatorAdmin")
            #expect(try await create("pa", "nope", membership: ["organisation_type": "operator", "organisation_id": w.operator1.text]).status == .notFound)
            // Regulator and observer administrators: their own staff by default.
            #expect(try object(try await create("ra", "staff"))["role"] as? String == "regulatorUser")
            #expect(try object(try await create("oa", "analyst"))["role"] as? String == "observerUser")
            // Regulator users name an operator; the new member is approved at once.
            let missing = try await create("ru", "nobody")
            #expect(missing.status == .unprocessableContent)
            #expect(try problem(missing).errors?.first?.field == "membership")
            let member = try object(try await create("ru", "member", membership: ["organisation_type": "operator", "organisation_id": w.operator2.text]))
            #expect(member["role"] as? String == "operatorUser")
            // Operator administrators add to the operator they administer.
            let colleague = try object(try await create("opa", "colleague"))
            #expect(((colleague["affiliations"] as? [String: Any])?["operators"] as? [[String: Any]])?.first?["operator_id"] as? String == w.operator1.text)
            #expect(try await create("opa", "intruder", membership: ["organisation_type": "operator", "organisation_id": w.operator2.text]).status == .notFound)
            // Others may not create users; bad input is reported field by field; one account per address.
            #expect(try await create("opu", "forbidden").status == .forbidden)
            #expect(try await create("iu", "forbidden").status == .forbidden)
            let bad = try await call(client, .post, "/api/v1/users", tokens["ra"]!, ["email": "not-an-email", "first_name": " ", "last_name": "X", "phone": "0123"])
            #expect(Set(try problem(bad).errors?.map(\.field) ?? []) == ["email", "first_name", "phone"])
            #expect(try await create("ra", "STAFF").status == .conflict)
        }
        // Six accounts were created, each with one invitation waiting in the outbox.
        let invitations = try await w.platform.postgres.query("SELECT to_addresses FROM emails WHERE subject = 'You are invited to the Governance Platform'")
        #expect(invitations.count == 6)
        #expect(try await w.platform.postgres.query("SELECT 1 FROM users WHERE email LIKE '%@new.test'").count == 6)
        await w.platform.shutdown()
    }

    @Test("regulator administrators read the audit log of their own regulator only")
    func auditScope() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let ra1 = try await w.session(client, "ra1@world.test")
            let ra2 = try await w.session(client, "ra2@world.test")
            _ = try await call(client, .post, "/api/v1/users/me/terms", ra1)
            _ = try await call(client, .post, "/api/v1/users/me/terms", ra2)
            #expect(try await call(client, .patch, "/api/v1/regulators/\(w.regulator1.text)", ra1, ["address": "New street 1"]).status == .ok)
            #expect(try await call(client, .patch, "/api/v1/regulators/\(w.regulator2.text)", ra2, ["address": "New street 2"]).status == .ok)
            let seen1 = try array(try await call(client, .get, "/api/v1/audit-events?limit=200", ra1))
            #expect(seen1.contains { $0["action"] as? String == "regulator.updated" && $0["object_id"] as? String == w.regulator1.text })
            #expect(!seen1.contains { $0["object_id"] as? String == w.regulator2.text })
            #expect(!seen1.contains { $0["actor_id"] as? String == w.regulatorAdmin2.text })
            let pa = try await sessionToken(client)
            #expect(try array(try await call(client, .get, "/api/v1/audit-events?action=regulator.updated", pa)).count == 2)
        }
        await w.platform.shutdown()
    }

    @Test("with the second factor required, a session reaches only the account set-up until TOTP is enrolled")
    func secondFactorRequired() async throws {
        let w = try await GovernanceWorld(overrides: ["REQUIRE_TOTP": "true"])
        try await w.fixture.withClient { client in
            let token = try await w.session(client, "ra1@world.test")
            #expect(try await call(client, .get, "/api/v1/users/me", token).status == .ok)
            let refused = try await call(client, .get, "/api/v1/regulators", token)
            #expect(refused.status == .forbidden)
            #expect(try problem(refused).type == "urn:governance:problem:totp-enrolment-required")
            let enrolment = try await call(client, .post, "/api/v1/users/me/totp", token, ["password": GovernanceWorld.password])
            #expect(enrolment.status == .ok)
            let secretText = try #require(try object(enrolment)["secret"] as? String)
            let secret = try #require(base32Decode(secretText))
            let confirmed = try await call(client, .post, "/api/v1/users/me/totp/confirm", token, ["code": TOTP.code(secret: secret, at: Date())])
            #expect(confirmed.status == .ok)
            #expect(try await call(client, .get, "/api/v1/regulators", token).status == .ok)
            // From now on the login needs the code.
            #expect(try await login(client, email: "ra1@world.test", password: GovernanceWorld.password).status == .unauthorized)
        }
        await w.platform.shutdown()
    }

    @Test("a platform administrator makes everyone accept the terms of use again; nobody else can")
    func termsReset() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let ra = try await w.session(client, "ra1@world.test")
            #expect(try await call(client, .post, "/api/v1/terms/reset", ra).status == .forbidden)
            let pa = try await sessionToken(client)
            let reset = try await call(client, .post, "/api/v1/terms/reset", pa)
            #expect(try object(reset)["users"] as? Int == 17)
            let gated = try await call(client, .get, "/api/v1/regulators", ra)
            #expect(try problem(gated).type == "urn:governance:problem:terms-not-accepted")
            #expect(try await call(client, .post, "/api/v1/users/me/terms", ra).status == .noContent)
            #expect(try await call(client, .get, "/api/v1/regulators", ra).status == .ok)
        }
        #expect(try await w.fixture.auditActions().contains("terms.acceptance_reset"))
        await w.platform.shutdown()
    }

    @Test("observer routing: OR between conditions, AND within one, exclusions, and the empty rule")
    func routingSemantics() {
        let rule = ObserverRoutingRule(observerID: UUID(), regulationID: UUID(), conditions: [
            .init(include: ["PUBLIC"]), .init(include: ["PRIVATE", "CRITICAL_INFRA"], exclude: ["SME"]),
        ])
        #expect(rule.matches(operatorCategoryCodes: ["PUBLIC"]))
        #expect(rule.matches(operatorCategoryCodes: ["PRIVATE", "CRITICAL_INFRA"]))
        #expect(!rule.matches(operatorCategoryCodes: ["PRIVATE"]))
        #expect(!rule.matches(operatorCategoryCodes: ["PRIVATE", "CRITICAL_INFRA", "SME"]))
        #expect(!rule.matches(operatorCategoryCodes: []))
        #expect(ObserverRoutingRule(observerID: UUID(), regulationID: UUID(), conditions: []).matches(operatorCategoryCodes: []))
    }

    @Test("routing rules name known categories; one rule per observer and regulation")
    func routingRules() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            let pa = try await sessionToken(client)
            let path = "/api/v1/observers/\(w.observer1.text)/routing-rules/\(w.regulation.text)"
            let unknown = try await call(client, .put, path, pa, ["conditions": [["include": ["MYSTERY"]]]])
            #expect(try problem(unknown).errors?.first?.code == "unknown_code")
            #expect(try await call(client, .put, path, pa, ["conditions": [["include": ["public"]]]]).status == .ok)
            let rule = try object(try await call(client, .put, path, pa, ["conditions": [["include": ["PRIVATE"], "exclude": ["PUBLIC"]]]]))
            #expect((rule["conditions"] as? [[String: Any]])?.first?["exclude"] as? [String] == ["PUBLIC"])
            let oa = try await w.session(client, "oa1@world.test")
            let rules = try array(try await call(client, .get, "/api/v1/observers/\(w.observer1.text)/routing-rules", oa))
            #expect(rules.count == 1)
            #expect(try await call(client, .delete, path, pa).status == .noContent)
            #expect(try await call(client, .delete, path, pa).status == .notFound)
        }
        await w.platform.shutdown()
    }
}
