@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Outbound
import Redis
import Synchronization
import Testing

/// A Request Tracker standing in for an observer's: the REST 2.0 calls the platform makes, with
/// a token, a queue, and answers the test switches (refusal, failure, slowness).
final class RTStandIn: Sendable {
    struct Call: Sendable {
        var method: String
        var path: String
        var authorization: String?
        var body: [String: String]
    }

    enum Mode: Sendable {
        case normal, unauthorized, failing
    }

    static let token = "1-14-rt-token-of-the-csirt"
    let calls = Mutex<[Call]>([])
    let mode = Mutex<Mode>(.normal)
    let nextTicket = Mutex(41)
    /// How long a ticket creation takes, so that concurrent deliveries overlap.
    let creationDelay = Duration.milliseconds(150)

    var tickets: [Call] { calls.withLock { $0.filter { $0.path == "/REST/2.0/ticket" } } }
    var correspondence: [Call] { calls.withLock { $0.filter { $0.path.hasSuffix("/correspond") } } }

    var router: Router<BasicRequestContext> {
        let router = Router()
        router.get("/REST/2.0/queue/:queue") { [self] request, context -> Response in
            record(request, body: [:])
            guard request.headers[.authorization] == "token \(Self.token)" else { return Response(status: .unauthorized) }
            guard context.parameters.get("queue") == "Incidents" else { return Response(status: .notFound) }
            return Self.json(.ok, #"{"id": 3, "Name": "Incidents"}"#)
        }
        router.post("/REST/2.0/ticket") { [self] request, _ -> Response in
            let body = try await Self.body(request)
            record(request, body: body)
            if let refusal = refusal(request) { return refusal }
            try await Task.sleep(for: creationDelay)
            let id = nextTicket.withLock { $0 += 1; return $0 }
            return Self.json(.created, #"{"type": "ticket", "id": \#(id), "_url": "https://rt.test/REST/2.0/ticket/\#(id)"}"#)
        }
        router.post("/REST/2.0/ticket/:id/correspond") { [self] request, _ -> Response in
            record(request, body: try await Self.body(request))
            if let refusal = refusal(request) { return refusal }
            return Self.json(.created, #"["Correspondence added"]"#)
        }
        return router
    }

    private func refusal(_ request: Request) -> Response? {
        guard request.headers[.authorization] == "token \(Self.token)" else { return Response(status: .unauthorized) }
        switch mode.withLock({ $0 }) {
        case .normal: return nil
        case .unauthorized: return Response(status: .unauthorized)
        case .failing: return Response(status: .internalServerError)
        }
    }

    private func record(_ request: Request, body: [String: String]) {
        calls.withLock { $0.append(Call(method: request.method.rawValue, path: request.uri.path, authorization: request.headers[.authorization],
                                        body: body)) }
    }

    private static func body(_ request: Request) async throws -> [String: String] {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        return (try? JSONDecoder().decode([String: String].self, from: Data(buffer: buffer))) ?? [:]
    }

    private static func json(_ status: HTTPResponse.Status, _ text: String) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Log records kept in memory, message and metadata as text.
final class LogRecords: Sendable {
    let stored = Mutex<[String]>([])
    var lines: [String] { stored.withLock { $0 } }

    struct Handler: LogHandler {
        let records: LogRecords
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            records.stored.withLock { $0.append("\(event.level) \(event.message) \(merged)") }
        }
    }
}

@Suite("Request Tracker for observers")
struct TicketingTests {
    static let overrides = ["OUTBOUND_ALLOWED_HOSTS": "127.0.0.1", "JOB_MAX_ATTEMPTS": "3"]

    @Test("configuration: observer administrators only, HTTPS and public addresses, the token sealed and never returned, a connection test")
    func configuration() async throws {
        let w = try await GovernanceWorld(overrides: Self.overrides)
        let rt = RTStandIn()
        try await Application(router: rt.router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { server in
            let base = "http://127.0.0.1:\(try #require(server.port))"
            try await w.fixture.withClient { client in
                let tokens = try await TenantBoundaryTests.sessions(w, client, extra: ["oa2": "oa2@world.test"])
                let path = "/api/v1/observers/\(w.observer1.text)/ticketing"
                #expect(try await call(client, .get, path, tokens["oa"]!).status == .notFound, "nothing configured yet")

                // Refusals, each by field.
                for (body, field, code) in [
                    (["rt_url": "https://localhost/rt", "queue": "Incidents", "token": RTStandIn.token], "rt_url", "refused"),
                    (["rt_url": "http://example.org", "queue": "Incidents", "token": RTStandIn.token], "rt_url", "refused"),
                    (["rt_url": "https://10.0.0.8", "queue": "Incidents", "token": RTStandIn.token], "rt_url", "refused"),
                    (["rt_url": "https://rt.example.org?x=1", "queue": "Incidents", "token": RTStandIn.token], "rt_url", "invalid"),
                    (["rt_url": "https://no-such-host.invalid", "queue": "Incidents", "token": RTStandIn.token], "rt_url", "unresolvable"),
                    (["rt_url": base, "queue": "Incidents"], "token", "required"),
                    (["rt_url": base, "queue": "Incidents", "token": "   "], "token", "invalid"),
                ] {
                    let response = try await call(client, .put, path, tokens["oa"]!, body)
                    #expect(response.status == .unprocessableContent, "\(body)")
                    let errors = try object(response)["errors"] as? [[String: Any]] ?? []
                    #expect(errors.contains { $0["field"] as? String == field && $0["code"] as? String == code }, "\(body): \(errors)")
                }
                #expect(try await call(client, .put, path, tokens["oa"]!, ["rt_url": base, "queue": "a/b", "token": "x"]).status == .unprocessableContent,
                        "the contract's pattern")

                // Who may: the observer's administrators and platform administrators.
                let body: [String: Any] = ["rt_url": base + "/", "queue": "Incidents", "token": RTStandIn.token]
                #expect(try await call(client, .put, path, tokens["ou"]!, body).status == .forbidden)
                #expect(try await call(client, .put, path, tokens["ra"]!, body).status == .forbidden)
                #expect(try await call(client, .put, path, tokens["opa"]!, body).status == .notFound)
                #expect(try await call(client, .put, "/api/v1/observers/\(w.observer2.text)/ticketing", tokens["oa"]!, body).status == .notFound)
                let saved = try await call(client, .put, path, tokens["oa"]!, body)
                #expect(saved.status == .ok)
                let configuration = try object(saved)
                #expect(configuration["rt_url"] as? String == base && configuration["queue"] as? String == "Incidents")
                #expect(configuration["token_set"] as? Bool == true && configuration["token"] == nil && configuration["last_check"] == nil)
                for actor in ["oa", "pa"] {
                    let read = try await call(client, .get, path, tokens[actor]!)
                    #expect(read.status == .ok && !String(buffer: read.body).contains(RTStandIn.token))
                }
                #expect(try await call(client, .get, path, tokens["ou"]!).status == .forbidden)
                #expect(try await call(client, .get, "/api/v1/observers/\(w.observer2.text)/ticketing", tokens["oa"]!).status == .notFound)

                // The token is sealed under SECRET_KEY for this observer; rewriting without it keeps it.
                let stored: Data = try await w.platform.postgres.query("SELECT token FROM observer_ticketing").first!.decode("token")
                #expect(!stored.contains(Data(RTStandIn.token.utf8)))
                #expect(try await call(client, .put, path, tokens["oa"]!, ["rt_url": base, "queue": "Nope"]).status == .ok)
                let kept: Data = try await w.platform.postgres.query("SELECT token FROM observer_ticketing").first!.decode("token")
                #expect(kept == stored)
                // Pointed at another server (host or port), the token is asked for again, and nothing changes.
                for elsewhere in ["https://8.8.8.8/rt", "http://127.0.0.1:\(try #require(server.port) + 1)"] {
                    let moved = try await call(client, .put, path, tokens["oa"]!, ["rt_url": elsewhere, "queue": "Nope"])
                    let field = try array(moved, "errors").first?["field"] as? String
                    #expect(moved.status == .unprocessableContent && field == "token", "\(elsewhere): \(String(buffer: moved.body))")
                }
                #expect(try object(try await call(client, .get, path, tokens["oa"]!))["rt_url"] as? String == base)
                #expect(RequestTracker.sameOrigin("https://RT.example.org/rt", "https://rt.example.org:443/other"))
                #expect(!RequestTracker.sameOrigin("https://rt.example.org", "https://rt.example.org:8443"))
                #expect(!RequestTracker.sameOrigin("https://rt.example.org", "https://rt.example.org.evil.test"))

                // The connection test: failed for a queue RT does not have, done for the right one.
                func test() async throws -> [String: Any] {
                    let accepted = try await call(client, .post, path + "/test", tokens["oa"]!)
                    #expect(accepted.status == .accepted && accepted.headers[.location]?.hasPrefix("/api/v1/jobs/") == true)
                    try await Self.run(w, kind: .testTicketing)
                    let job = try object(try await call(client, .get, try #require(accepted.headers[.location]), tokens["oa"]!))
                    #expect(try await call(client, .get, try #require(accepted.headers[.location]), tokens["oa2"]!).status == .notFound)
                    return job
                }
                let failed = try await test()
                #expect(failed["state"] as? String == "failed" && failed["attempts"] as? Int == 1)
                var check = try object(try await call(client, .get, path, tokens["oa"]!))["last_check"] as? [String: Any]
                #expect(check?["ok"] as? Bool == false && check?["status"] as? Int == 404)
                #expect(try await call(client, .put, path, tokens["oa"]!, ["rt_url": base, "queue": "Incidents"]).status == .ok)
                #expect(try await test()["state"] as? String == "done")
                check = try object(try await call(client, .get, path, tokens["oa"]!))["last_check"] as? [String: Any]
                #expect(check?["ok"] as? Bool == true && check?["status"] as? Int == 200)
                #expect(rt.calls.withLock { $0.map(\.path) } == ["/REST/2.0/queue/Nope", "/REST/2.0/queue/Incidents"])
                #expect(rt.calls.withLock { $0.allSatisfy { $0.authorization == "token \(RTStandIn.token)" } })

                // Audited, never with the token; removal.
                let audit = try await w.platform.postgres.query("SELECT action, details::text AS details FROM audit_events WHERE action LIKE 'observer.ticketing%'")
                #expect(try audit.map { try $0.decode("action", as: String.self) }.filter { $0 == "observer.ticketing_set" }.count == 3)
                #expect(try audit.allSatisfy { !(try $0.decode("details", as: String.self)).contains(RTStandIn.token) })
                #expect(try await call(client, .delete, path, tokens["ou"]!).status == .forbidden)
                #expect(try await call(client, .delete, path, tokens["oa"]!).status == .noContent)
                #expect(try await call(client, .get, path, tokens["oa"]!).status == .notFound)
                // Idempotent: removing it again changes nothing and audits nothing more.
                #expect(try await call(client, .delete, path, tokens["oa"]!).status == .noContent)
                #expect(try await w.platform.postgres.query("SELECT 1 FROM audit_events WHERE action = 'observer.ticketing_removed'").count == 1)
            }
        }
        await w.platform.shutdown()
    }

    /// Runs the jobs of `kind` waiting in the outbox with their real handler and records the
    /// outcome in the ledger, as a consumer would (without retries).
    static func run(_ w: GovernanceWorld, kind: JobKind) async throws {
        let handler = try #require(w.platform.jobHandlers().handler(for: kind.rawValue))
        for row in try await w.platform.postgres.query("""
            SELECT id, payload::text AS payload FROM outbox WHERE kind = $1 AND completed_at IS NULL AND failed_at IS NULL
            """, kind.rawValue) {
            let id: UUID = try row.decode("id")
            _ = try await w.platform.ledger.begin(jobID: id)
            do {
                try await handler.run(JobEnvelope(id: id.text, kind: kind.rawValue, payload: try row.decode("payload"), tracked: true),
                                      logger: w.platform.logger)
                try await w.platform.ledger.complete(jobID: id, consumer: "test")
            } catch {
                try await w.platform.ledger.fail(jobID: id, error: "\(error)")
            }
        }
    }

    /// Configures the first observer's RT at `base` straight in the database (as the API would).
    static func configure(_ w: GovernanceWorld, base: String) async throws {
        let box = SecretBox(secretKey: w.platform.configuration.secretKey, purpose: "rt-token")
        try await w.platform.postgres.query("""
            INSERT INTO observer_ticketing (observer_id, rt_url, queue, token) VALUES ($1, $2, 'Incidents', $3)
            ON CONFLICT (observer_id) DO UPDATE SET rt_url = excluded.rt_url
            """, w.observer1, base, try box.seal(Data(RTStandIn.token.utf8), owner: w.observer1))
    }

    /// The messages waiting for the first observer's RT, oldest first.
    static func pending(_ w: GovernanceWorld) async throws -> [UUID] {
        try await w.platform.postgres.query("SELECT id FROM rt_messages WHERE outcome IS NULL ORDER BY created_at, id").map { try $0.decode("id") }
    }

    static func outcomes(_ w: GovernanceWorld) async throws -> [String] {
        try await w.platform.postgres.query("SELECT outcome FROM rt_messages ORDER BY created_at, id").map { try $0.decode("outcome", as: String?.self) ?? "-" }
    }

    @Test("tickets: opening then correspondence on the same ticket, the observer not e-mailed; one ticket under redelivery and concurrent deliveries")
    func tickets() async throws {
        let w = try await GovernanceWorld(overrides: Self.overrides)
        let rt = RTStandIn()
        let tracker = w.platform.integrations.requestTracker
        try await Application(router: rt.router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { server in
            try await Self.configure(w, base: "http://127.0.0.1:\(try #require(server.port))")
            try await w.fixture.withClient { client in
                let tokens = try await IncidentConfigurationTests.sessions(w, client)
                let setup = try await IncidentReportTests.configure(w, client, tokens["ra"]!)
                let incident = try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                    IncidentNotificationTests.notification(w, operatorID: w.operator1))).first)
                let incidentID = try #require(incident["id"] as? String)
                let reference = try #require(incident["reference"] as? String)

                // The opening: e-mails to every party but the observer, a message for its RT.
                let recipients = Set(try await w.platform.postgres.query("SELECT to_addresses FROM emails").flatMap { try $0.decode("to_addresses", as: [String].self) })
                #expect(!recipients.contains("oa1@world.test") && !recipients.contains("ou1@world.test") && recipients.contains("opa1@world.test"))
                let opening = try #require(try await Self.pending(w).first)
                #expect(try await w.platform.postgres.query("SELECT fallback_recipients FROM rt_messages").first!
                    .decode("fallback_recipients", as: [String].self) == ["oa1@world.test", "ou1@world.test"])
                #expect(try await IncidentReportTests.renderPending(w, kind: .sendTicket) == 1)
                let ticket = try #require(rt.tickets.first)
                #expect(ticket.body["Queue"] == "Incidents" && ticket.body["Subject"] == "Incident \(reference) notified")
                #expect(ticket.body["Requestor"] == "noreply@governance.test" && ticket.body["ContentType"] == "text/html")
                #expect(ticket.body["Content"]?.contains("<strong>\(reference)</strong>") == true)
                #expect(try await w.platform.postgres.query("SELECT ticket_id FROM rt_tickets WHERE incident_id = $1", UUID(uuidString: incidentID)!)
                    .first?.decode("ticket_id", as: Int.self) == 42)

                // A redelivery of the finished job sends nothing again.
                try await tracker.send(messageID: opening, attempt: 2)
                #expect(rt.calls.withLock { $0.count } == 1)

                // The submission: a correspondence on ticket 42.
                #expect(try await call(client, .post, "/api/v1/incidents/\(incidentID)/reports/\(try Self.stage(incident))/versions",
                                       tokens["opa"]!, IncidentReportTests.earlyWarning(setup)).status == .created)
                #expect(try await IncidentReportTests.renderPending(w, kind: .sendTicket) == 1)
                let reply = try #require(rt.correspondence.first)
                #expect(reply.path == "/REST/2.0/ticket/42/correspond" && reply.body["Content"]?.contains("Submitted.") == true)
                #expect(rt.tickets.count == 1)

                let log = try array(try await call(client, .get, "/api/v1/observers/\(w.observer1.text)/ticketing/messages", tokens["oa"]!))
                #expect(log.map { $0["outcome"] as? String } == ["correspondence", "ticket"])
                #expect(log.map { $0["ticket_id"] as? Int } == [42, 42])
                #expect(try await call(client, .get, "/api/v1/observers/\(w.observer1.text)/ticketing/messages", tokens["ou"]!).status == .forbidden)

                // A second incident whose opening and submission are delivered at once, each twice
                // (two consumers): one ticket, and the other message corresponds on it.
                let second = try #require(try IncidentNotificationTests.items(try await call(client, .post, "/api/v1/incidents", tokens["opa"]!,
                    IncidentNotificationTests.notification(w, operatorID: w.operator1))).first)
                #expect(try await call(client, .post, "/api/v1/incidents/\(second["id"] as! String)/reports/\(try Self.stage(second))/versions",
                                       tokens["opa"]!, IncidentReportTests.earlyWarning(setup)).status == .created)
                let both = try await Self.pending(w)
                #expect(both.count == 2)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for id in both + both { group.addTask { try await tracker.send(messageID: id, attempt: 1) } }
                    try await group.waitForAll()
                }
                #expect(rt.tickets.count == 2 && rt.correspondence.count == 2, "\(rt.calls.withLock { $0.map(\.path) })")
                #expect(try await w.platform.postgres.query("SELECT 1 FROM rt_tickets").count == 2)
                let outcomes = try await Self.outcomes(w)
                #expect(outcomes == ["ticket", "correspondence", "ticket", "correspondence"] || outcomes == ["ticket", "correspondence", "correspondence", "ticket"])
                #expect(try await w.platform.postgres.query("SELECT 1 FROM emails WHERE 'oa1@world.test' = ANY(to_addresses)").count == 0)
            }
        }
        await w.platform.shutdown()
    }

    static func stage(_ incident: [String: Any]) throws -> String {
        try #require((incident["reports"] as? [[String: Any]])?.first?["stage_id"] as? String)
    }

    @Test("fallback to e-mail: RT refusing (401), failing through the last attempt, down, or resolving to a refused address; retried before")
    func fallback() async throws {
        let w = try await GovernanceWorld(overrides: Self.overrides)
        let rt = RTStandIn()
        let tracker = w.platform.integrations.requestTracker
        try await Application(router: rt.router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { server in
            let port = try #require(server.port)
            try await Self.configure(w, base: "http://127.0.0.1:\(port)")
            try await w.fixture.withClient { client in
                let tokens = try await IncidentConfigurationTests.sessions(w, client)
                _ = try await IncidentReportTests.configure(w, client, tokens["ra"]!)
                func notify() async throws -> UUID {
                    _ = try await call(client, .post, "/api/v1/incidents", tokens["opa"]!, IncidentNotificationTests.notification(w, operatorID: w.operator1))
                    return try #require(try await Self.pending(w).last)
                }
                func observerEmails() async throws -> Int {
                    try await w.platform.postgres.query("SELECT 1 FROM emails WHERE to_addresses && ARRAY['oa1@world.test', 'ou1@world.test']").count
                }
                func detail(_ id: UUID) async throws -> String {
                    try await w.platform.postgres.query("SELECT detail FROM rt_messages WHERE id = $1", id).first!.decode("detail", as: String?.self) ?? ""
                }

                // 401: no retry, the observer's two addresses get the e-mail.
                rt.mode.withLock { $0 = .unauthorized }
                let refused = try await notify()
                try await tracker.send(messageID: refused, attempt: 1)
                #expect(try await observerEmails() == 2)
                #expect(try await detail(refused) == "RT answered HTTP 401")

                // 500: retried (the job throws) until the last attempt, then e-mailed.
                rt.mode.withLock { $0 = .failing }
                let failing = try await notify()
                await #expect(throws: (any Error).self) { try await tracker.send(messageID: failing, attempt: 1) }
                await #expect(throws: (any Error).self) { try await tracker.send(messageID: failing, attempt: 2) }
                #expect(try await observerEmails() == 2)
                try await tracker.send(messageID: failing, attempt: 3)
                #expect(try await observerEmails() == 4)
                #expect(try await detail(failing) == "RT answered HTTP 500 at the last attempt")

                // Down (nothing listens): retried, then e-mailed.
                try await Self.configure(w, base: "http://127.0.0.1:1")
                let down = try await notify()
                await #expect(throws: OutboundError.self) { try await tracker.send(messageID: down, attempt: 1) }
                try await tracker.send(messageID: down, attempt: 3)
                #expect(try await observerEmails() == 6)
                #expect(try await detail(down).hasPrefix("RT unreachable at the last attempt"))

                // An address that now resolves to loopback without being listed: never called, e-mailed at once.
                rt.mode.withLock { $0 = .normal }
                try await Self.configure(w, base: "http://localhost:\(port)")
                let calls = rt.calls.withLock { $0.count }
                let forged = try await notify()
                try await tracker.send(messageID: forged, attempt: 1)
                #expect(rt.calls.withLock { $0.count } == calls)
                #expect(try await observerEmails() == 8)
                #expect(try await detail(forged).contains("only https:// URLs are called"))
                try await w.platform.postgres.query("UPDATE observer_ticketing SET rt_url = $1", "https://localhost:\(port)")
                let loopback = try await notify()
                try await tracker.send(messageID: loopback, attempt: 1)
                #expect(rt.calls.withLock { $0.count } == calls)
                #expect(try await detail(loopback).contains("localhost is not an address the platform calls"))

                // A token that no longer opens (another SECRET_KEY): e-mailed, saying why.
                try await w.platform.postgres.query("UPDATE observer_ticketing SET token = '\\x0100'::bytea")
                let unreadable = try await notify()
                try await tracker.send(messageID: unreadable, attempt: 1)
                #expect(try await detail(unreadable).contains("cannot be read"))
                #expect(try await Self.outcomes(w) == ["email", "email", "email", "email", "email", "email"])

                // Nothing logged or thrown carries the token: a tracker logging into memory, RT failing then refusing.
                try await Self.configure(w, base: "http://127.0.0.1:\(port)")
                try await w.platform.postgres.query("UPDATE observer_ticketing SET token = $1", try SecretBox(
                    secretKey: w.platform.configuration.secretKey, purpose: "rt-token").seal(Data(RTStandIn.token.utf8), owner: w.observer1))
                let records = LogRecords()
                let logged = RequestTracker(postgres: w.platform.postgres, outbox: w.platform.outbox, http: w.platform.outbound,
                                            secretKey: w.platform.configuration.secretKey, sender: w.platform.configuration.mailFrom,
                                            retryPolicy: w.platform.configuration.retryPolicy,
                                            logger: Logger(label: "rt-test") { _ in LogRecords.Handler(records: records) })
                rt.mode.withLock { $0 = .failing }
                let quiet = try await notify()
                do { try await logged.send(messageID: quiet, attempt: 1); Issue.record("a 500 is retried") } catch {
                    #expect(!"\(error)".contains(RTStandIn.token))
                }
                rt.mode.withLock { $0 = .unauthorized }
                try await logged.send(messageID: quiet, attempt: 2)
                #expect(try await detail(quiet) == "RT answered HTTP 401")
                #expect(!records.lines.isEmpty && records.lines.allSatisfy { !$0.contains(RTStandIn.token) }, "\(records.lines)")
                #expect(try await w.platform.postgres.query("SELECT 1 FROM rt_messages WHERE detail LIKE $1", "%\(RTStandIn.token)%").count == 0)
            }
        }
        await w.platform.shutdown()
    }
}
