@testable import API
import Crypto
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing
import TestSupport

/// A webhook receiver: one endpoint per name (`/hook/<name>`), each verifying the signature with
/// the secret it was given, answering the statuses queued for it (204 once none are left).
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var name: String
        var event: String?
        var delivery: String?
        var signatureValid: Bool
        var signatureHeader: String
        var body: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any] ?? [:] }
        var raw: String
    }

    let secrets = Mutex<[String: String]>([:])
    let statuses = Mutex<[String: [Int]]>([:])
    let received = Mutex<[Received]>([])

    func all(_ name: String) -> [Received] { received.withLock { $0.filter { $0.name == name } } }

    /// Verifies `t=<time>,v1=<hex>` as a receiver would: HMAC-SHA256 of "<t>.<body>", in constant
    /// time, the time within five minutes.
    static func verify(_ header: String?, body: String, secret: String) -> Bool {
        guard let header else { return false }
        var parts: [String: String] = [:]
        for item in header.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { parts[String(pair[0])] = String(pair[1]) }
        }
        guard let time = parts["t"].flatMap(Int.init), let v1 = parts["v1"], abs(Int(Date().timeIntervalSince1970) - time) < 300 else { return false }
        let expected = HMAC<Crypto.SHA256>.authenticationCode(for: Data("\(time).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        let hex = Array(expected.map { String(format: "%02x", $0) }.joined().utf8)
        let given = Array(v1.utf8)
        guard hex.count == given.count else { return false }
        var difference: UInt8 = 0
        for index in hex.indices { difference |= hex[index] ^ given[index] }
        return difference == 0
    }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.post("/hook/:name") { [self] request, context -> Response in
            let name = context.parameters.get("name") ?? ""
            let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
            let secret = secrets.withLock { $0[name] } ?? ""
            received.withLock {
                $0.append(Received(name: name, event: request.headers[HTTPField.Name("X-Governance-Event")!],
                                   delivery: request.headers[HTTPField.Name("X-Governance-Delivery")!],
                                   signatureValid: Self.verify(request.headers[HTTPField.Name("X-Governance-Signature")!], body: body, secret: secret),
                                   signatureHeader: request.headers[HTTPField.Name("X-Governance-Signature")!] ?? "", raw: body))
            }
            let status = statuses.withLock { queued -> Int in queued[name]?.isEmpty == false ? queued[name]!.removeFirst() : 204 }
            return Response(status: .init(code: status))
        }
        return router
    }
}

@Suite("Webhooks")
struct WebhookTests {
    static let overrides = ["OUTBOUND_ALLOWED_HOSTS": "127.0.0.1", "JOB_MAX_ATTEMPTS": "3", "WEBHOOK_DISABLE_AFTER_HOURS": "0"]

    /// Creates a webhook through the API and hands its secret to the receiver.
    static func subscribe(_ client: any TestClientProtocol, _ token: String, _ receiver: WebhookReceiver, base: String, name: String,
                          events: [String], operatorID: UUID? = nil) async throws -> [String: Any] {
        var body: [String: Any] = ["url": "\(base)/hook/\(name)", "events": events, "description": name]
        if let operatorID { body["operator_id"] = operatorID.text }
        let response = try await call(client, .post, "/api/v1/webhooks", token, body)
        #expect(response.status == .created, "\(name): \(String(buffer: response.body).prefix(300))")
        let webhook = try object(response)
        let secret = try #require(webhook["secret"] as? String)
        receiver.secrets.withLock { $0[name] = secret }
        return webhook
    }

    static func deliveries(_ w: GovernanceWorld, _ webhook: [String: Any]) async throws -> [(id: UUID, status: String, attempts: Int)] {
        try await w.platform.postgres.query("""
            SELECT id, status, attempts FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY created_at, id
            """, UUID(uuidString: webhook["id"] as! String)!).map { (try $0.decode("id"), try $0.decode("status"), try $0.decode("attempts")) }
    }

    /// Runs the signature check the README gives receivers (bash and openssl) on `body`.
    static func readmeCheck(body: String, signature: String, secret: String) throws -> Bool {
        let readme = try String(contentsOf: TestSupport.TestEnvironment.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "```sh\nt=${SIG#t=}"))
        let end = try #require(readme.range(of: "```", range: start.upperBound..<readme.endIndex))
        let snippet = "t=${SIG#t=}" + readme[start.upperBound..<end.lowerBound]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("readme-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(body.utf8).write(to: directory.appendingPathComponent("body.json"))
        let script = directory.appendingPathComponent("check.sh")
        try Data("cd '\(directory.path)'\nSIG='\(signature)'\nWEBHOOK_SECRET='\(secret)'\n\(snippet)".utf8).write(to: script)
        return try runTool("/bin/bash", [script.path]).trimmingCharacters(in: .whitespacesAndNewlines) == "valid"
    }

    @Test("subscriptions: the organisation's administrators, events it may see, HTTPS to public addresses, the secret shown once and sealed")
    func subscriptions() async throws {
        let w = try await GovernanceWorld(overrides: Self.overrides)
        let receiver = WebhookReceiver()
        try await w.fixture.withClient { client in
            let tokens = try await TenantBoundaryTests.sessions(w, client, extra: ["ra2": "ra2@world.test"])
            let base = "http://127.0.0.1:9"
            let created = try await Self.subscribe(client, tokens["ra"]!, receiver, base: base, name: "regulator", events: ["incident.created"])
            let id = try #require(created["id"] as? String)
            let secret = try #require(created["secret"] as? String)
            #expect(secret.hasPrefix("whsec_") && secret.count > 40)
            #expect((created["organisation"] as? [String: Any])?["id"] as? String == w.regulator1.text)

            let read = try object(try await call(client, .get, "/api/v1/webhooks/\(id)", tokens["ra"]!))
            #expect(read["secret"] == nil && read["active"] as? Bool == true)
            #expect(try array(try await call(client, .get, "/api/v1/webhooks", tokens["ra"]!)).map { $0["id"] as? String } == [id])
            #expect(try await call(client, .get, "/api/v1/webhooks", tokens["ru"]!).status == .forbidden)
            #expect(try await call(client, .get, "/api/v1/webhooks/\(id)", tokens["ru"]!).status == .forbidden)
            for actor in ["ra2", "opa", "oa", "pa"] {
                #expect(try await call(client, .get, "/api/v1/webhooks/\(id)", tokens[actor]!).status == .notFound, "\(actor)")
                #expect(try await call(client, .delete, "/api/v1/webhooks/\(id)", tokens[actor]!).status == .notFound, "\(actor)")
            }
            let stored: Data = try await w.platform.postgres.query("SELECT secret FROM webhook_subscriptions").first!.decode("secret")
            #expect(!stored.contains(Data(secret.utf8)))

            // What each may subscribe to, and where.
            for (token, body, field, code) in [
                (tokens["opa"]!, ["url": "\(base)/hook/x", "events": ["incident.created"]], "operator_id", "required"),
                (tokens["opa"]!, ["url": "\(base)/hook/x", "events": ["report_generation.finished"], "operator_id": w.operator1.text], "events", "not_allowed"),
                (tokens["opa"]!, ["url": "\(base)/hook/x", "events": ["incident.created"], "operator_id": w.operator2.text], "operator_id",
                 "not_administrator"),
                (tokens["oa"]!, ["url": "\(base)/hook/x", "events": ["declaration.submitted"]], "events", "not_allowed"),
                (tokens["ra"]!, ["url": "https://localhost/hook", "events": ["incident.created"]], "url", "refused"),
                (tokens["ra"]!, ["url": "https://169.254.169.254/latest", "events": ["incident.created"]], "url", "refused"),
                (tokens["ra"]!, ["url": "http://hooks.example.org/x", "events": ["incident.created"]], "url", "refused"),
            ] as [(String, [String: Any], String, String)] {
                let response = try await call(client, .post, "/api/v1/webhooks", token, body)
                #expect(response.status == .unprocessableContent, "\(body)")
                let errors = try object(response)["errors"] as? [[String: Any]] ?? []
                #expect(errors.contains { $0["field"] as? String == field && $0["code"] as? String == code }, "\(body): \(errors)")
            }
            #expect(try await call(client, .post, "/api/v1/webhooks", tokens["ou"]!,
                                   ["url": "\(base)/hook/x", "events": ["incident.created"]]).status == .forbidden)
            #expect(try await call(client, .post, "/api/v1/webhooks", tokens["opu"]!,
                                   ["url": "\(base)/hook/x", "events": ["incident.created"], "operator_id": w.operator1.text]).status == .forbidden)
            #expect(try await call(client, .post, "/api/v1/webhooks", tokens["ra"]!,
                                   ["url": "\(base)/hook/x", "events": ["incident.created", "incident.created"]]).status == .unprocessableContent)

            // Rotation shows a new secret once; switching off records why; deletion.
            let rotated = try object(try await call(client, .post, "/api/v1/webhooks/\(id)/rotate-secret", tokens["ra"]!))
            #expect((rotated["secret"] as? String).map { $0 != secret && $0.hasPrefix("whsec_") } == true)
            let off = try object(try await call(client, .patch, "/api/v1/webhooks/\(id)", tokens["ra"]!, ["active": false, "events": ["incident.closed"]]))
            #expect(off["active"] as? Bool == false && off["disabled_reason"] as? String == "switched off by an administrator")
            #expect(off["events"] as? [String] == ["incident.closed"])
            let on = try object(try await call(client, .patch, "/api/v1/webhooks/\(id)", tokens["ra"]!, ["active": true]))
            #expect(on["active"] as? Bool == true && on["disabled_reason"] == nil)
            #expect(try await call(client, .patch, "/api/v1/webhooks/\(id)", tokens["ra"]!, ["url": "https://10.1.2.3/x"]).status == .unprocessableContent)
            let audit = try await w.platform.postgres.query("SELECT action, details::text AS details FROM audit_events WHERE action LIKE 'webhook.%'")
            #expect(Set(try audit.map { try $0.decode("action", as: String.self) }) == ["webhook.created", "webhook.secret_rotated", "webhook.updated"])
            #expect(try audit.allSatisfy { !(try $0.decode("details", as: String.self)).contains("whsec_") })
            #expect(try await call(client, .delete, "/api/v1/webhooks/\(id)", tokens["ra"]!).status == .noContent)
            #expect(try await call(client, .get, "/api/v1/webhooks/\(id)", tokens["ra"]!).status == .notFound)

            // A webhook goes with its organisation.
            let operatorID = UUID()
            try await w.platform.postgres.query("INSERT INTO operators (id, identifier, name) VALUES ($1, 'GONE', 'Gone Ltd')", operatorID)
            try await w.platform.postgres.query("""
                INSERT INTO webhook_subscriptions (id, organisation_kind, organisation_id, url, events, secret)
                VALUES (gen_random_uuid(), 'operator', $1, 'https://8.8.8.8/x', '{incident.created}', '\\x00')
                """, operatorID)
            try await w.platform.postgres.query("DELETE FROM operators WHERE id = $1", operatorID)
            #expect(try await w.platform.postgres.query("SELECT 1 FROM webhook_subscriptions WHERE organisation_id = $1", operatorID).isEmpty)
        }
        await w.platform.shutdown()
    }

    @Test("deliveries: signed, to the organisations that may see the event only; retried on 500, final on 410, switched off and e-mailed, redelivered")
    func deliveries() async throws {
        let w = try await GovernanceWorld(overrides: Self.overrides)
        let receiver = WebhookReceiver()
        let webhooks = w.platform.integrations.webhooks
        try await Application(router: receiver.router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { server in
            let base = "http://127.0.0.1:\(try #require(server.port))"
            try await w.fixture.withClient { client in
                let tokens = try await TenantBoundaryTests.sessions(w, client, extra: ["opa2": "opa2@world.test", "ra2": "ra2@world.test"])
                let setup = try await IncidentReportTests.configure(w, client, tokens["ra"]!)
                let regulator = try await Self.subscribe(client, tokens["ra"]!, receiver, base: base, name: "regulator",
                                                         events: ["incident.created", "incident.report_submitted"])
                let operator1 = try await Self.subscribe(client, tokens["opa"]!, receiver, base: base, name: "operator1",
                                                         events: ["incident.created"], operatorID: w.operator1)
                let operator2 = try await Self.subscribe(client, tokens["opa2"]!, receiver, base: base, name: "operator2",
                                                         events: ["incident.created"], operatorID: w.operator2)
                let observer = try await Self.subscribe(client, tokens["oa"]!, receiver, base: base, name: "observer", events: ["incident.created"])
                let regulator2 = try await Self.subscribe(client, tokens["ra2"]!, receiver, base: base, name: "regulator2", events: ["incident.created"])

                // An incident of operator 1 to regulator 1, routed to observer 1.
                let incident = try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                    IncidentNotificationTests.notification(w, operatorID: w.operator1))).first)
                #expect(try await Self.deliveries(w, operator2).isEmpty, "another operator's webhook never hears of it")
                #expect(try await Self.deliveries(w, regulator2).isEmpty, "nor another regulator's")
                try await TicketingTests.run(w, kind: .deliverWebhook)
                for name in ["regulator", "operator1", "observer"] {
                    let got = receiver.all(name)
                    #expect(got.count == 1 && got[0].signatureValid && got[0].event == "incident.created", "\(name)")
                    let body = got.first?.body ?? [:]
                    #expect(body["type"] as? String == "incident.created")
                    let data = body["data"] as? [String: Any]
                    #expect(data?["incident_id"] as? String == incident["id"] as? String && data?["reference"] as? String == incident["reference"] as? String)
                    #expect(data?["operator_id"] as? String == w.operator1.text)
                }
                let eventIDs = Set(["regulator", "operator1", "observer"].compactMap { receiver.all($0).first?.body["id"] as? String })
                #expect(eventIDs.count == 1, "one event, one id for every webhook")
                let delivered = try #require(try await Self.deliveries(w, operator1).first)
                #expect(receiver.all("operator1").first?.delivery == delivered.id.text && delivered.status == "delivered" && delivered.attempts == 1)
                #expect(receiver.all("operator2").isEmpty && receiver.all("regulator2").isEmpty)

                // The README's shell check accepts the delivery as received, and refuses it altered.
                let delivered0 = try #require(receiver.all("regulator").first)
                #expect(try Self.readmeCheck(body: delivered0.raw, signature: delivered0.signatureHeader, secret: receiver.secrets.withLock { $0["regulator"]! }))
                #expect(try !Self.readmeCheck(body: delivered0.raw + " ", signature: delivered0.signatureHeader,
                                              secret: receiver.secrets.withLock { $0["regulator"]! }))

                // A forged signature does not verify.
                let raw = try #require(receiver.all("regulator").first?.raw)
                #expect(!WebhookReceiver.verify("t=\(Int(Date().timeIntervalSince1970)),v1=00", body: raw, secret: receiver.secrets.withLock { $0["regulator"]! }))
                #expect(WebhookReceiver.verify(Webhooks.signature(secret: "s", timestamp: Int(Date().timeIntervalSince1970), body: raw), body: raw, secret: "s"))

                // 500 then success: retried, delivered at the second attempt.
                receiver.statuses.withLock { $0["regulator"] = [500] }
                #expect(try await call(client, .post, "/api/v1/incidents/\(incident["id"] as! String)/reports/\(try TicketingTests.stage(incident))/versions",
                                       tokens["opa"]!, IncidentReportTests.earlyWarning(setup)).status == .created)
                let submitted = try #require(try await Self.deliveries(w, regulator).last)
                await #expect(throws: (any Error).self) { try await webhooks.deliver(deliveryID: submitted.id, attempt: 1) }
                #expect(try await Self.deliveries(w, regulator).last?.status == "retrying")
                var log = try array(try await call(client, .get, "/api/v1/webhooks/\(regulator["id"] as! String)/deliveries", tokens["ra"]!))
                #expect(log.first?["response_status"] as? Int == 500 && log.first?["status"] as? String == "retrying")
                try await webhooks.deliver(deliveryID: submitted.id, attempt: 2)
                log = try array(try await call(client, .get, "/api/v1/webhooks/\(regulator["id"] as! String)/deliveries", tokens["ra"]!))
                #expect(log.first?["status"] as? String == "delivered" && log.first?["attempts"] as? Int == 2 && log.first?["response_status"] as? Int == 204)
                #expect(log.first?["event"] as? String == "incident.report_submitted" && log.first?["duration_ms"] as? Double != nil)
                #expect(receiver.all("regulator").last?.body["type"] as? String == "incident.report_submitted")
                // Delivered: a redelivery of the job sends nothing.
                try await webhooks.deliver(deliveryID: submitted.id, attempt: 3)
                #expect(receiver.all("regulator").count == 3)

                // 410: failed at once; the webhook fails since then and (WEBHOOK_DISABLE_AFTER_HOURS=0) is switched off, its administrators told.
                receiver.statuses.withLock { $0["operator1"] = [410] }
                _ = try await call(client, .post, "/api/v1/incidents", tokens["opa"]!, IncidentNotificationTests.notification(w, operatorID: w.operator1))
                let gone = try #require(try await Self.deliveries(w, operator1).last)
                try await webhooks.deliver(deliveryID: gone.id, attempt: 1)
                #expect(try await Self.deliveries(w, operator1).last?.status == "failed")
                let off = try object(try await call(client, .get, "/api/v1/webhooks/\(operator1["id"] as! String)", tokens["opa"]!))
                #expect(off["active"] as? Bool == false && off["failing_since"] != nil && (off["disabled_reason"] as? String)?.isEmpty == false)
                let told = try await w.platform.postgres.query("SELECT to_addresses FROM emails WHERE subject LIKE 'Webhook switched off%'")
                #expect(try told.flatMap { try $0.decode("to_addresses", as: [String].self) } == ["opa1@world.test"])

                // Switched off: no delivery while off, redelivery refused; back on, redelivered (same event, new delivery).
                let redeliver = "/api/v1/webhook-deliveries/\(gone.id.text)/redeliver"
                #expect(try await call(client, .post, redeliver, tokens["opa"]!).status == .conflict)
                #expect(try await call(client, .post, redeliver, tokens["opa2"]!).status == .notFound)
                _ = try await call(client, .patch, "/api/v1/webhooks/\(operator1["id"] as! String)", tokens["opa"]!, ["active": true])
                let again = try await call(client, .post, redeliver, tokens["opa"]!)
                #expect(again.status == .accepted)
                #expect(try object(again)["redelivery_of"] as? String == gone.id.text)
                try await TicketingTests.run(w, kind: .deliverWebhook)
                let redelivered = receiver.all("operator1")
                #expect(redelivered.count == 3 && redelivered[2].signatureValid && redelivered[2].body["id"] as? String == redelivered[1].body["id"] as? String)
                let after = try object(try await call(client, .get, "/api/v1/webhooks/\(operator1["id"] as! String)", tokens["opa"]!))
                #expect(after["failing_since"] == nil && after["active"] as? Bool == true)

                // An address that resolves to loopback without being listed is never called.
                let observed = receiver.all("observer").count
                try await w.platform.postgres.query("UPDATE webhook_subscriptions SET url = $2 WHERE id = $1",
                                                    UUID(uuidString: observer["id"] as! String)!, "https://localhost:\(server.port!)/hook/observer")
                _ = try await call(client, .post, "/api/v1/incidents", tokens["opa"]!, IncidentNotificationTests.notification(w, operatorID: w.operator1))
                let forged = try #require(try await Self.deliveries(w, observer).last)
                try await webhooks.deliver(deliveryID: forged.id, attempt: 1)
                #expect(receiver.all("observer").count == observed)
                let reason: String? = try await w.platform.postgres.query("SELECT last_error FROM webhook_deliveries WHERE id = $1", forged.id).first!
                    .decode("last_error")
                #expect(reason?.contains("localhost is not an address the platform calls") == true)

                // The delivery log keeps finished deliveries for DELIVERY_LOG_RETENTION_DAYS.
                let total = try await w.platform.postgres.query("SELECT 1 FROM webhook_deliveries").count
                try await w.platform.postgres.query("UPDATE webhook_deliveries SET finished_at = now() - interval '31 days' WHERE id = $1", forged.id)
                #expect(try await webhooks.purge(retention: .seconds(86_400 * 30)) == 1)
                #expect(try await w.platform.postgres.query("SELECT 1 FROM webhook_deliveries").count == total - 1)
            }
        }
        await w.platform.shutdown()
    }

    @Test("declaration events reach the operator and the standard's regulator")
    func declarationEvents() async throws {
        let w = try await GovernanceWorld(overrides: Self.overrides)
        let receiver = WebhookReceiver()
        try await Application(router: receiver.router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { server in
            let base = "http://127.0.0.1:\(try #require(server.port))"
            try await w.fixture.withClient { client in
                let (tokens, standard) = try await ReportingProjectTests.prepare(w, client)
                _ = try await Self.subscribe(client, tokens["ra"]!, receiver, base: base, name: "regulator",
                                             events: ["declaration.submitted", "declaration.review_sent"])
                _ = try await Self.subscribe(client, tokens["opa"]!, receiver, base: base, name: "operator", events: ["declaration.review_sent"],
                                             operatorID: w.operator1)
                try await ReportingProjectTests.passedDeclaration(w, client, tokens, standard: standard, sector: w.electricity, year: 2026)
                try await TicketingTests.run(w, kind: .deliverWebhook)
                #expect(receiver.all("regulator").compactMap(\.event) == ["declaration.submitted", "declaration.review_sent"])
                let verdict = try #require(receiver.all("operator").first)
                #expect(receiver.all("operator").count == 1 && verdict.signatureValid)
                let data = verdict.body["data"] as? [String: Any]
                #expect(data?["status"] as? String == "passed" && data?["standard_id"] as? String == standard && data?["year"] as? Int == 2026)
            }
        }
        await w.platform.shutdown()
    }
}
