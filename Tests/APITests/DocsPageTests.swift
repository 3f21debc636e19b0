@testable import API
@testable import Domain
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import HTTPTypes
import HummingbirdTesting
import Testing
import TestSupport
import Yams

@Suite("The API reference page", .serialized)
struct DocsPageTests {
    @Test("GET /docs in headless Chromium: the page lists every operation, Authorize takes a token, Try it out answers 200; a screenshot is kept")
    func browser() async throws {
        let python = try #require(ProcessInfo.processInfo.environment["TEST_PYTHON"], "scripts/test sets TEST_PYTHON (with selenium)")
        let docs = try #require(ProcessInfo.processInfo.environment["TEST_DOCS_DIRECTORY"], "scripts/test sets TEST_DOCS_DIRECTORY (Swagger UI)")
        let fixture = try await AuthFixture()
        try await fixture.platform.postgres.query("UPDATE users SET terms_accepted_at = now() WHERE id = $1", fixture.admin.id)
        let token = try await fixture.withClientResult { client in
            try #require(try object(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password))["token"] as? String)
        }
        let port = Int.random(in: 20_000..<30_000)
        let api = try ChildProcess("governance-api", ["serve"], environment: TestEnvironment.processEnvironment(
            fixture.platform.configuration, extra: ["PORT": String(port), "DOCS_DIRECTORY": docs]))
        let base = "http://127.0.0.1:\(port)"
        let up = await eventually(timeout: .seconds(20)) { (try? await URLSession.shared.data(from: URL(string: "\(base)/health")!)) != nil }
        #expect(up, "\(api.output)")

        // The page and its files over HTTP.
        let (page, pageResponse) = try await URLSession.shared.data(from: URL(string: "\(base)/docs")!)
        let pageHTTP = try #require(pageResponse as? HTTPURLResponse)
        #expect(pageHTTP.statusCode == 200)
        #expect(pageHTTP.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/html") == true)
        #expect(pageHTTP.value(forHTTPHeaderField: "Content-Security-Policy")?.contains("script-src 'self'") == true)
        #expect(String(decoding: page, as: UTF8.self).contains("/docs/swagger-ui-bundle.js"))
        let (bundle, bundleResponse) = try await URLSession.shared.data(from: URL(string: "\(base)/docs/swagger-ui-bundle.js")!)
        #expect((bundleResponse as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type")?.hasPrefix("text/javascript") == true)
        #expect((bundleResponse as? HTTPURLResponse)?.value(forHTTPHeaderField: "Cache-Control") == "public, max-age=86400")
        #expect(bundle.count > 500_000)
        let (_, missing) = try await URLSession.shared.data(from: URL(string: "\(base)/docs/other.js")!)
        #expect((missing as? HTTPURLResponse)?.statusCode != 200)

        // The browser.
        let artifacts = TestEnvironment.packageRoot.appendingPathComponent("var/test-artifacts")
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let screenshot = artifacts.appendingPathComponent("docs-page.png")
        try? FileManager.default.removeItem(at: screenshot)
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/docs_browser_check.py").path
        let output = try runTool(python, [script, "\(base)/docs", token, screenshot.path])
        api.signal(SIGTERM)
        _ = await api.wait()
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "browser: \(output)")

        let spec = try #require(try Yams.load(yaml: String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8))
            as? [String: Any])
        let paths = try #require(spec["paths"] as? [String: [String: Any]])
        let webhooks = try #require(spec["webhooks"] as? [String: [String: Any]])
        let operationIDs = (Array(paths.values) + Array(webhooks.values)).flatMap { $0.values.compactMap { ($0 as? [String: Any])?["operationId"] as? String } }
        #expect(seen["title"].map { "\($0)" }?.contains("Governance Platform API") == true)
        let listed = Set(seen["operation_ids"] as? [String] ?? [])
        #expect(listed == Set(operationIDs), "every operation and webhook of openapi.yaml is listed: \(Set(operationIDs).subtracting(listed))")
        #expect(listed.isSuperset(of: ["getCurrentUser", "listAdminJobs", "listIncidents", "createWebhook", "webhook_incident_created"]))
        #expect(seen["try_status"] as? String == "200", "\(seen)")
        #expect((seen["try_body"] as? String)?.contains("ada.admin@regulator.example") == true, "\(seen)")
        #expect((seen["curl"] as? String)?.contains("Authorization: Bearer \(token)") == true)
        #expect((seen["console_errors"] as? [String])?.filter { $0.contains("Content Security Policy") }.isEmpty == true, "\(seen)")
        let png = try Data(contentsOf: screenshot)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(png.count > 20_000)
        await fixture.platform.shutdown()
    }

    @Test("without DOCS_DIRECTORY the page answers 404 as a problem; a directory without Swagger UI's files stops the start")
    func notInstalled() async throws {
        let fixture = try await AuthFixture()
        try await fixture.withClient { client in
            let response = try await client.execute(uri: "/docs", method: .get)
            #expect(response.status == .notFound)
            #expect(try problem(response).detail?.contains("DOCS_DIRECTORY") == true)
        }
        await fixture.platform.shutdown()
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: ConfigurationError.self) {
            try AppConfiguration.fromEnvironment(["DATABASE_URL": "postgres://x@127.0.0.1/x", "SECRET_KEY": String(repeating: "k", count: 40),
                                                  "DOCS_DIRECTORY": empty.path])
        }
    }
}
