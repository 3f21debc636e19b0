@testable import Domain
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TestSupport

@Suite("Generated clients", .serialized)
struct ClientTests {
    @Test("a Python client generated from openapi.yaml (openapi-python-client) logs in, makes a token and walks every module on the demo data")
    func pythonClient() async throws {
        let python = try #require(ProcessInfo.processInfo.environment["TEST_PYTHON"], "scripts/test sets TEST_PYTHON (with openapi-python-client)")
        let root = TestEnvironment.packageRoot
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("python-client-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: output) }

        // The client, generated from the description as it is now: a spec it cannot read fails here.
        let generator = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent("openapi-python-client").path
        let generation = try ChildProcess(generator, ["generate", "--path", root.appendingPathComponent("openapi.yaml").path, "--meta", "none",
                                                      "--output-path", output.appendingPathComponent("governance_client").path],
                                          environment: ProcessInfo.processInfo.environment, executablePath: true)
        #expect(await generation.wait(timeout: .seconds(120)) == 0, "\(generation.output)")
        #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent("governance_client/api/incidents/notify_incident.py").path))

        // A platform with the demo data, served by the built executable.
        let configuration = try await TestEnvironment.configuration()
        let port = Int.random(in: 20_000..<30_000)
        let environment = TestEnvironment.processEnvironment(configuration, extra: ["PORT": String(port), "REQUIRE_TOTP": "false", "LOG_LEVEL": "warning"])
        let seed = try ChildProcess("governance-api", ["seed-demo"], environment: environment)
        #expect(await seed.wait(timeout: .seconds(120)) == 0, "\(seed.output)")
        let api = try ChildProcess("governance-api", ["serve"], environment: environment)
        defer { api.signal(SIGKILL) }
        let base = "http://127.0.0.1:\(port)"
        let up = await eventually(timeout: .seconds(20)) { (try? await URLSession.shared.data(from: URL(string: "\(base)/health")!)) != nil }
        #expect(up, "\(api.output)")

        let walk = try ChildProcess(python, [root.appendingPathComponent("scripts/client_check.py").path, output.path, base],
                                    environment: ProcessInfo.processInfo.environment, executablePath: true)
        #expect(await walk.wait(timeout: .seconds(120)) == 0, "\(walk.output)")
        let line = try #require(walk.output.split(separator: "\n").last.map(String.init), "\(walk.output)")
        let done = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(walk.output)")
        #expect(done["token_prefix"] as? String == "gpp_")
        let reference = try #require(done["incident"] as? String)
        #expect(reference.hasPrefix("POWERCO_"))
        #expect(done["incident_reports"] as? Int == 3)
        #expect(done["regulator_sees_incident"] as? Bool == true)
        #expect((done["declaration"] as? String)?.hasPrefix("POWERCO_SO_") == true)
        #expect(done["declaration_objectives"] as? Int == 30)
        #expect((done["project_entries"] as? Int ?? 0) > 0)
        #expect((done["jobs"] as? Int ?? 0) > 0)
        #expect(done["queues"] as? [String] == ["default", "mail", "outbound"])

        // What the client did is in the database.
        let platform = Platform(configuration: configuration, logger: TestEnvironment.logger)
        #expect(try await platform.postgres.query("SELECT 1 FROM incidents WHERE reference = $1", reference).count == 1)
        #expect(try await platform.postgres.query("SELECT 1 FROM access_tokens WHERE kind = 'personal' AND name = 'integration'").count == 1)
        await platform.shutdown()
    }
}
