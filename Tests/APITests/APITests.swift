@testable import API
import Domain
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Metrics
import NIOCore
import OpenAPIRuntime
import Prometheus
import Testing
import TestSupport

struct SampleBody: Decodable {
    var name: String
    var count: Int
}

struct ProblemBody: Decodable {
    var type: String
    var title: String
    var status: Int
    var detail: String?
    var instance: String?
    var request_id: String
    var errors: [FieldError]?
}

/// The process-wide metrics registry (MetricsSystem can be bootstrapped once per process).
let testMetrics: PrometheusCollectorRegistry = {
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
    return registry
}()

/// Runs `body` against the router of an application on the test services.
func withApp(overrides: [String: String] = [:], _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
    let configuration = try await TestEnvironment.configuration(overrides: overrides)
    let platform = Platform(configuration: configuration, logger: TestEnvironment.logger)
    let app = try buildApplication(platform: platform, metrics: testMetrics)
    try await app.test(.router, body)
}

func problem(_ response: TestResponse) throws -> ProblemBody {
    #expect(response.headers[.contentType]?.hasPrefix("application/problem+json") == true)
    return try JSONDecoder().decode(ProblemBody.self, from: Data(buffer: response.body))
}

@Suite("API operations and errors")
struct APITests {
    @Test("GET /health answers ok and echoes the client's request id")
    func health() async throws {
        try await withApp { client in
            do {
                let response = try await client.execute(uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "trace-42"])
                #expect(response.status == .ok)
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] == "trace-42")
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            }
            // An unusable id is replaced by a generated one.
            do {
                let response = try await client.execute(uri: "/health", method: .get, headers: [HTTPField.Name("X-Request-Id")!: "bad id\u{7}"])
                let id = try #require(response.headers[HTTPField.Name("X-Request-Id")!])
                #expect(UUID(uuidString: id) != nil)
            }
        }
    }

    @Test("an unknown route is a 404 problem carrying the request id")
    func unknownRoute() async throws {
        try await withApp { client in
            do {
                let response = try await client.execute(uri: "/api/v1/nowhere", method: .get)
                #expect(response.status == .notFound)
                let body = try problem(response)
                #expect(body.status == 404)
                #expect(body.type == "urn:governance:problem:not-found")
                #expect(body.instance == "/api/v1/nowhere")
                #expect(body.request_id == response.headers[HTTPField.Name("X-Request-Id")!])
            }
        }
    }

    @Test("a known path with the wrong method is a 405 problem with Allow")
    func wrongMethod() async throws {
        try await withApp { client in
            do {
                let response = try await client.execute(uri: "/health", method: .delete)
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "GET, HEAD")
                #expect(try problem(response).status == 405)
            }
            // A literal segment beats a parameter: /users/me is not /users/{user_id}.
            let me = try await client.execute(uri: "/api/v1/users/me", method: .put)
            #expect(me.headers[.allow] == "GET, HEAD, PATCH")
            let user = try await client.execute(uri: "/api/v1/users/\(UUID().uuidString)", method: .put)
            #expect(user.headers[.allow] == "GET, HEAD, PATCH, DELETE")
        }
    }

    @Test("HEAD answers wherever GET does: the same status and headers, no body")
    func head() async throws {
        try await withApp { client in
            let get = try await client.execute(uri: "/health", method: .get)
            let head = try await client.execute(uri: "/health", method: .head)
            #expect(get.status == .ok && head.status == .ok)
            #expect(head.body.readableBytes == 0)
            #expect(head.headers[.contentType] == get.headers[.contentType])
            #expect(head.headers[.contentLength] == String(get.body.readableBytes))
            // Refusals keep their status: unauthenticated, unknown, and a path without GET.
            #expect(try await client.execute(uri: "/api/v1/users/me", method: .head).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/v1/nowhere", method: .head).status == .notFound)
            let login = try await client.execute(uri: "/api/v1/auth/login", method: .head)
            #expect(login.status == .methodNotAllowed)
            #expect(login.headers[.allow] == "POST")
            #expect(login.body.readableBytes == 0)
        }
    }

    @Test("bytes that are not JSON are a 400 naming the line and column; a trailing comma is not JSON")
    func malformedJSON() async throws {
        try await withApp { client in
            func send(_ text: String) async throws -> TestResponse {
                try await client.execute(uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                                         body: ByteBuffer(string: text))
            }
            let trailing = try await send("{\"email\": \"a@b.example\",\n \"password\": \"x\",\n}")
            #expect(trailing.status == .badRequest)
            let trailingProblem = try problem(trailing)
            #expect(trailingProblem.type == "urn:governance:problem:malformed-body")
            #expect(trailingProblem.detail?.contains("line 2, column 17") == true, "\(trailingProblem.detail ?? "")")
            #expect(try await send("[1, 2,]").status == .badRequest)
            // A comma inside a string is text.
            #expect(try await send(#"{"email": "a,}@b.example", "password": "x"}"#).status != .badRequest)
            let broken = try await send("{\"email\":\n  oops}")
            #expect(broken.status == .badRequest)
            let brokenDetail = try problem(broken).detail ?? ""
            #expect(brokenDetail.contains("line 2, column 3"), "\(brokenDetail)")
            #expect(try problem(try await send("")).detail?.contains("empty") == true)
        }
    }

    @Test("every fault of a body in one 422: missing, null, wrong type, unknown, format and constraint")
    func everyFaultAtOnce() async throws {
        try await withApp { client in
            func send(_ body: String) async throws -> [String: String] {
                let response = try await client.execute(uri: "/api/v1/incidents", method: .post, headers: [.contentType: "application/json"],
                                                        body: ByteBuffer(string: body))
                #expect(response.status == .unprocessableContent)
                let errors = try problem(response).errors ?? []
                return Dictionary(errors.map { ($0.field, $0.code) }, uniquingKeysWith: { first, _ in first })
            }
            // `{}` names all five required fields at once.
            #expect(try await send("{}") == ["contact": "required", "regulation_ids": "required", "regulator_ids": "required",
                                             "time_zone": "required", "notification_type": "required"])
            let faults = try await send("""
                {"contact": null, "regulation_ids": "x", "regulator_ids": ["not-a-uuid"], "time_zone": 3, "notification_type": "first",
                 "detected_at": "yesterday", "severity": "high", "cross_border": "yes"}
                """)
            #expect(faults == ["contact": "null", "regulation_ids": "type", "regulator_ids[0]": "invalid", "time_zone": "type",
                               "notification_type": "not_allowed", "detected_at": "invalid", "severity": "unknown", "cross_border": "type"])
            // Messages speak to people: the unknown field by name, no regular expression.
            let response = try await client.execute(uri: "/api/v1/incidents", method: .post, headers: [.contentType: "application/json"],
                                                    body: ByteBuffer(string: #"{"severity": 1, "contact": {"email": "nope"}}"#))
            let messages = (try problem(response).errors ?? []).map(\.message)
            #expect(messages.contains("Unknown field `severity`: leave it out."))
            #expect(messages.contains { $0.contains("an e-mail address") })
            #expect(!messages.contains { $0.contains("^") || $0.contains("\\u") })
        }
    }

    @Test("the README's table names every demo account, and only those")
    func demoAccountsInReadme() throws {
        let readme = try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md"),
                                encoding: .utf8)
        let listed = Set(readme.split(separator: "\n").compactMap { line in
            line.firstMatch(of: /^\| `([a-z.]+@demo\.governance\.test)` \|/).map { String($0.1) }
        })
        #expect(listed == Set(DemoData.accounts.map(\.email)))
    }

    @Test("every pattern of openapi.yaml has words for its messages")
    func patternWords() throws {
        let patterns = Set(try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../openapi.yaml"), encoding: .utf8).split(separator: "\n").compactMap { line -> String? in
                let text = line.trimmingCharacters(in: .whitespaces)
                guard text.hasPrefix("pattern: \"") else { return nil }
                // The YAML double-quoted scalar: `\\` is one backslash.
                return String(text.dropFirst(10).dropLast()).replacingOccurrences(of: "\\\\", with: "\\")
            })
        #expect(!patterns.isEmpty)
        #expect(patterns.subtracting(SchemaRule.patternWords.keys).isEmpty, "\(patterns.subtracting(SchemaRule.patternWords.keys))")
    }

    @Test("a body over the limit is a 413 problem, declared or streamed")
    func oversizedBody() async throws {
        try await withApp(overrides: ["MAX_BODY_BYTES": "1024"]) { client in
            let big = ByteBuffer(repeating: UInt8(ascii: "x"), count: 4096)
            do {
                let response = try await client.execute(uri: "/health", method: .post, body: big)
                #expect(response.status == .contentTooLarge)
                #expect(try problem(response).detail?.contains("1024") == true)
            }
        }
    }

    @Test("a JSON body carrying a NUL character is a 400 problem, an escaped backslash is not")
    func nulCharacters() async throws {
        #expect(BodyLimitMiddleware<AppRequestContext>.containsEscapedNUL(Array(#"{"a":"x\u0000"}"#.utf8)))
        #expect(BodyLimitMiddleware<AppRequestContext>.containsEscapedNUL(Array(#"{"a":"\U0000"}"#.utf8)))
        #expect(!BodyLimitMiddleware<AppRequestContext>.containsEscapedNUL(Array(#"{"a":"\\u0000"}"#.utf8)))
        #expect(!BodyLimitMiddleware<AppRequestContext>.containsEscapedNUL(Array(#"{"a":"\u00e9"}"#.utf8)))
        try await withApp { client in
            let response = try await client.execute(uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                                                    body: ByteBuffer(string: #"{"email":"a\u0000@b.example","password":"x"}"#))
            #expect(response.status == .badRequest)
            #expect(try problem(response).detail?.contains("NUL") == true)
        }
    }

    @Test("GET /ready reports both dependencies")
    func ready() async throws {
        try await withApp { client in
            do {
                let response = try await client.execute(uri: "/ready", method: .get)
                #expect(response.status == .ok)
                #expect(String(buffer: response.body).contains(#""database":"ok""#))
                #expect(String(buffer: response.body).contains(#""redis":"ok""#))
            }
        }
    }

    @Test("GET /ready fails with a 503 problem when PostgreSQL is down")
    func notReady() async throws {
        let database = try await TestDatabases.shared.create()
        try await withApp(overrides: ["DATABASE_URL": "postgres://governance@127.0.0.1:1/\(database)"]) { client in
            do {
                let response = try await client.execute(uri: "/ready", method: .get)
                #expect(response.status == .serviceUnavailable)
                let body = try problem(response)
                #expect(body.detail == "database: connection refused")
                #expect(!(body.detail ?? "").contains("127.0.0.1"))
            }
        }
    }

    @Test("GET /metrics is closed without METRICS_TOKEN unless METRICS_PUBLIC=true; then it exposes request counters in the Prometheus format")
    func metrics() async throws {
        try await withApp { client in
            let closed = try await client.execute(uri: "/metrics", method: .get)
            #expect(closed.status == .unauthorized && String(buffer: closed.body).contains("METRICS_PUBLIC"))
        }
        try await withApp(overrides: ["METRICS_PUBLIC": "true"]) { client in
            _ = try await client.execute(uri: "/health", method: .get)
            do {
                let response = try await client.execute(uri: "/metrics", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                #expect(text.contains(#"http_server_request_duration_count{http_route="/health",http_request_method="GET",http_response_status_code="200"} "#))
                #expect(text.contains(#"queue_jobs_waiting{queue="mail"} 0"#))
            }
        }
    }

    @Test("with METRICS_TOKEN set, GET /metrics answers only requests bearing it")
    func protectedMetrics() async throws {
        let token = "metrics-\(TestEnvironment.uniqueName())-scraper"
        try await withApp(overrides: ["METRICS_TOKEN": token]) { client in
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/metrics", method: .get, headers: bearer("wrong-\(token)")).status == .unauthorized)
            let allowed = try await client.execute(uri: "/metrics", method: .get, headers: bearer(token))
            #expect(allowed.status == .ok)
            #expect(String(buffer: allowed.body).contains("queue_jobs_waiting"))
        }
    }

    @Test("GET /openapi.yaml serves the repository's contract")
    func openAPIDocument() async throws {
        let contract = try String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        try await withApp { client in
            do {
                let response = try await client.execute(uri: "/openapi.yaml", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/yaml")
                #expect(String(buffer: response.body) == contract)
            }
        }
    }

    @Test("what still reaches the generated decoding answers in the same shape: a 422 naming the field, 400 only for what is not JSON")
    func decodingProblems() throws {
        func decodingError(_ json: String) -> DecodingError? {
            do {
                _ = try JSONDecoder().decode(SampleBody.self, from: Data(json.utf8))
                return nil
            } catch {
                return error as? DecodingError
            }
        }
        func problem(_ json: String) throws -> Problem {
            let error = try #require(decodingError(json))
            let wrapped = ServerError(operationID: "op", request: HTTPRequest(method: .post, scheme: nil, authority: nil, path: "/x"),
                                      requestBody: nil, requestMetadata: .init(), causeDescription: "", underlyingError: error)
            return ProblemMiddleware<AppRequestContext>(routes: RouteTable(maxBodyBytes: 1))
                .problem(for: wrapped,
                         request: Request(head: .init(method: .post, scheme: nil, authority: nil, path: "/x"), body: .init(buffer: ByteBuffer())),
                         logger: TestEnvironment.logger)
        }
        let notJSON = try problem("{not json")
        #expect(notJSON.status == .badRequest && notJSON.slug == "malformed-body")
        let missing = try problem(#"{"name": "a"}"#)
        #expect(missing.status == .unprocessableContent && missing.slug == "validation")
        #expect(missing.errors?.map(\.field) == ["count"] && missing.errors?.map(\.code) == ["required"])
        let mistyped = try problem(#"{"name": "a", "count": "three"}"#)
        #expect(mistyped.errors?.map(\.field) == ["count"] && mistyped.errors?.map(\.code) == ["type"])
    }

    @Test("an unexpected error is a generic 500 problem without internals")
    func internalError() throws {
        struct Secret: Error { var connection = "postgres://user:password@db" }
        let problem = ProblemMiddleware<AppRequestContext>(routes: RouteTable(maxBodyBytes: 1))
            .problem(for: Secret(),
                     request: Request(head: .init(method: .get, scheme: nil, authority: nil, path: "/x"), body: .init(buffer: ByteBuffer())),
                     logger: TestEnvironment.logger)
        #expect(problem.status == .internalServerError)
        #expect(!(problem.detail ?? "").contains("password"))
    }
}

@Suite("governance-api process", .serialized)
struct APIProcessTests {
    @Test("serve answers over HTTP and stops cleanly on SIGTERM")
    func serveAndStop() async throws {
        let configuration = try await TestEnvironment.configuration()
        let port = Int.random(in: 20_000..<30_000)
        let api = try ChildProcess("governance-api", ["serve"],
                                   environment: TestEnvironment.processEnvironment(configuration,
                                                                                   extra: ["PORT": String(port), "LOG_FORMAT": "json"]))
        let url = URL(string: "http://127.0.0.1:\(port)/health")!
        let up = await eventually(timeout: .seconds(20)) {
            guard let (data, _) = try? await URLSession.shared.data(from: url) else { return false }
            return String(decoding: data, as: UTF8.self) == #"{"status":"ok"}"#
        }
        #expect(up, "\(api.output)")
        api.signal(SIGTERM)
        #expect(await api.wait(timeout: .seconds(15)) == 0, "\(api.output)")
        // JSON logs: every line is an object.
        let lines = api.output.split(separator: "\n").filter { !$0.isEmpty }
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) is [String: Any] })
    }

    @Test("seed-demo writes only into a database without real accounts; serve warns loudly when demo accounts exist and TOTP is required")
    func demoData() async throws {
        let fixture = try await AuthFixture()
        await #expect(throws: DemoDataError.realUsersPresent(1)) { try await DemoData.seed(fixture.platform) }
        #expect(try await fixture.platform.postgres.query("SELECT 1 FROM users").count == 1)
        await fixture.platform.shutdown()

        let configuration = try await TestEnvironment.configuration()
        let platform = Platform(configuration: configuration, logger: TestEnvironment.logger)
        #expect(try await DemoData.seed(platform))
        #expect(try await DemoData.seed(platform) == false)
        // The NIS2 workflow: early warning 24 h and notification 72 h after detection, final report
        // a month after the notification, reminders before each deadline.
        let stages = try await platform.postgres.query("""
            SELECT rt.name, s.trigger, s.delay_hours, ARRAY(SELECT r.offset_hours FROM stage_reminders r WHERE r.stage_id = s.id ORDER BY r.offset_hours) AS offsets,
                   (SELECT count(*) FROM questionnaire_items qi WHERE qi.report_type_id = rt.id)::integer AS questions
            FROM report_stages s JOIN report_types rt ON rt.id = s.report_type_id ORDER BY s.position
            """)
        #expect(try stages.map { try $0.decode("name", as: String.self) } == ["early-warning", "incident-notification", "final-report"])
        #expect(try stages.map { try $0.decode("trigger", as: String.self) } == ["detection", "detection", "previousReportSubmitted"])
        #expect(try stages.map { try $0.decode("delay_hours", as: Int.self) } == [24, 72, 720])
        #expect(try stages.allSatisfy { try $0.decode("offsets", as: [Int].self).allSatisfy { $0 < 0 } && $0.decode("questions", as: Int.self) >= 4 })
        #expect(try await platform.postgres.query("SELECT 1 FROM incident_email_templates").count == EmailEvent.allCases.count)
        // Risk analyses: PowerCo's two years and RailWays' one, three services of six risks each.
        let analyses = try await platform.postgres.query("""
            SELECT a.year, a.risk_count, (SELECT count(*) FROM risk_services s WHERE s.analysis_id = a.id)::integer AS services
            FROM risk_analyses a ORDER BY a.year, a.risk_count
            """)
        #expect(analyses.count == 3)
        #expect(try analyses.allSatisfy { try $0.decode("services", as: Int.self) == 3 && $0.decode("risk_count", as: Int.self) == 18 })
        // A project over them: PowerCo's two years (analyses, last year's passed declaration) and RailWays' this year selected.
        #expect(try await platform.postgres.query("SELECT 1 FROM reporting_project_selections").count == 3)
        await platform.shutdown()
        let port = Int.random(in: 20_000..<30_000)
        let api = try ChildProcess("governance-api", ["serve"], environment: TestEnvironment.processEnvironment(
            configuration, extra: ["PORT": String(port), "REQUIRE_TOTP": "true"]))
        #expect(await eventually(timeout: .seconds(20)) { api.output.contains("demo account(s) with the published demo password") }, "\(api.output)")
        #expect(api.output.contains("critical"))
        // Stop it once it serves (signals are handled from then on).
        let health = URL(string: "http://127.0.0.1:\(port)/health")!
        #expect(await eventually(timeout: .seconds(20)) { (try? await URLSession.shared.data(from: health)) != nil })
        api.signal(SIGTERM)
        #expect(await api.wait(timeout: .seconds(15)) == 0, "\(api.output)")
    }

    @Test("an invalid configuration stops the API at start with exit code 78 and every problem named")
    func invalidConfiguration() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["PORT"] = "70000"
        environment["DATABASE_URL"] = "mysql://nope"
        environment["SECRET_KEY"] = "short"
        let api = try ChildProcess("governance-api", ["serve"], environment: environment)
        #expect(await api.wait() == 78)
        for variable in ["PORT", "DATABASE_URL", "SECRET_KEY"] { #expect(api.output.contains(variable)) }
    }
}

@Suite("Configuration")
struct ConfigurationTests {
    @Test("defaults work on one machine; only SECRET_KEY has none")
    func defaults() throws {
        #expect(throws: ConfigurationError.self) { try AppConfiguration.fromEnvironment([:]) }
        let configuration = try AppConfiguration.fromEnvironment(["SECRET_KEY": String(repeating: "k", count: 32)])
        #expect(configuration.port == 8080)
        #expect(configuration.smtp == nil)
        #expect(configuration.logFormat == .text)
        #expect(configuration.redis.port == 6379)
    }

    @Test("TRUST_PROXY_HEADERS, which took the client's own first X-Forwarded-For entry, is refused for TRUSTED_PROXY_HOPS")
    func replacedProxySetting() throws {
        let key = String(repeating: "k", count: 32)
        #expect(throws: ConfigurationError.self) { try AppConfiguration.fromEnvironment(["SECRET_KEY": key, "TRUST_PROXY_HEADERS": "true"]) }
        #expect(try AppConfiguration.fromEnvironment(["SECRET_KEY": key, "TRUSTED_PROXY_HOPS": "2"]).trustedProxyHops == 2)
        #expect(try AppConfiguration.fromEnvironment(["SECRET_KEY": key]).trustedProxyHops == 0)
    }

    @Test("every invalid variable is reported at once")
    func invalid() {
        do {
            _ = try AppConfiguration.fromEnvironment(["REDIS_URL": "http://x", "LOG_LEVEL": "loud", "DATABASE_POOL_SIZE": "0", "SMTP_URL": "ftp://x",
                                                      "FRONTEND_INCIDENT_PATH": "/incidents", "DOCUMENT_TIME_ZONE": "Mars/Olympus"])
            Issue.record("invalid configuration accepted")
        } catch let error as ConfigurationError {
            #expect(Set(error.problems.map(\.variable)) == ["REDIS_URL", "LOG_LEVEL", "DATABASE_POOL_SIZE", "SMTP_URL", "SECRET_KEY",
                                                             "FRONTEND_INCIDENT_PATH", "DOCUMENT_TIME_ZONE"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("links in e-mails lead to the frontend: FRONTEND_URL (PUBLIC_URL by default) and a path per kind of object")
    func frontendLinks() throws {
        let secret = ["SECRET_KEY": String(repeating: "k", count: 40)]
        let defaults = try AppConfiguration.fromEnvironment(secret.merging(["PUBLIC_URL": "https://api.example.org/"]) { $1 })
        let id = UUID()
        #expect(defaults.frontend.incident(id) == "https://api.example.org/incidents/\(id.uuidString.lowercased())")
        let set = try AppConfiguration.fromEnvironment(secret.merging([
            "FRONTEND_URL": "https://app.example.org", "FRONTEND_DECLARATION_PATH": "/#/security/declarations/{id}/view",
            "FRONTEND_PASSWORD_RESET_PATH": "/account/password?key={token}"]) { $1 })
        #expect(set.frontend.declaration(id) == "https://app.example.org/#/security/declarations/\(id.uuidString.lowercased())/view")
        #expect(set.frontend.passwordReset(token: "abc") == "https://app.example.org/account/password?key=abc")
        #expect(set.frontend.activation(token: "abc") == "https://app.example.org/activate?token=abc")
    }
}
