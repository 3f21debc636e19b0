import Documents
import Domain
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Redis
import Testing
import TestSupport

@Suite("Worker processes", .serialized)
struct ProcessTests {
    @Test("a consumer killed in the middle of a job: the job is delivered again and completed once")
    func killedConsumer() async throws {
        let configuration = try await TestEnvironment.configuration()
        let platform = Platform(configuration: configuration, logger: TestEnvironment.logger)
        let fast = ["CONSUMER_HEARTBEAT_TTL_MS": "1000", "BEAT_TICK_MS": "100"]
        let victim = try ChildProcess("governance-worker", ["consume", "--id", "victim", "--concurrency", "1"],
                                      environment: TestEnvironment.processEnvironment(configuration, extra: fast))
        let jobID = try await platform.outbox.transaction { unit in try await unit.enqueue(.noop, payload: ["sleep_ms": 3_000]) }
        let started = try await eventually {
            try await platform.postgres.query("SELECT attempts FROM outbox WHERE id = $1", jobID).first?.decode("attempts", as: Int.self) == 1
        }
        #expect(started, "\(victim.output)")
        victim.signal(SIGKILL)
        _ = await victim.wait()
        let metricsPort = Int.random(in: 30_000..<32_000)
        let rescuer = try ChildProcess("governance-worker", ["all", "--id", "rescuer", "--concurrency", "2"],
                                       environment: TestEnvironment.processEnvironment(configuration, extra: fast.merging(["WORKER_METRICS_PORT": String(metricsPort), "METRICS_PUBLIC": "true"]) { $1 }))
        let completed = try await eventually(timeout: .seconds(30)) {
            try await platform.postgres.query("SELECT completed_at FROM outbox WHERE id = $1", jobID).first?.decode("completed_at", as: Date?.self) != nil
        }
        #expect(completed, "\(rescuer.output)")
        let row = try #require(try await platform.postgres.query("SELECT attempts, completed_by FROM outbox WHERE id = $1", jobID).first)
        #expect(try row.decode("attempts", as: Int.self) == 2)
        #expect(try row.decode("completed_by", as: String?.self) == "rescuer")
        #expect(try await platform.redis.send("LLEN", platform.queue.processingKey("default", consumer: "victim")).integer == 0)
        #expect(try await platform.redis.send("LLEN", platform.queue.processingKey("default", consumer: "rescuer")).integer == 0)
        // The worker's metrics show the completed job and the beat leadership.
        let (data, _) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(metricsPort)/metrics")!)
        let metrics = String(decoding: data, as: UTF8.self)
        #expect(metrics.contains(#"jobs_completed_total{kind="noop"} 1"#), "\(metrics)")
        #expect(metrics.contains("beat_leader"))
        rescuer.signal(SIGTERM)
        #expect(await rescuer.wait() == 0, "\(rescuer.output)")
        await platform.shutdown()
    }

    @Test("PDF renderings of several seconds keep the consumer's heartbeat alive, so the beat never reaps it")
    func longRenderingsKeepTheHeartbeat() async throws {
        let configuration = try await TestEnvironment.configuration()
        let platform = Platform(configuration: configuration, logger: TestEnvironment.logger)
        // Two documents of about a thousand pages each (seconds of Cairo drawing), one per slot.
        let rows = (1...37_000).map { ["M-\($0)", "Mesure de sécurité n° \($0) – Überprüfung", "Niveau \($0 % 4 + 1)", "conforme"] }
        let document = Document(title: "Long report", author: "Test", blocks: [.table(Table(columns: ["Réf.", "Mesure", "Niveau", "Statut"], rows: rows))])
        let documentIDs = [UUID(), UUID()]
        for id in documentIDs {
            try await platform.outbox.transaction { unit in
                try await unit.enqueue(.renderPDF, payload: RenderPDFPayload(documentId: id, filename: "long.pdf", document: document))
            }
        }
        let consumer = try ChildProcess("governance-worker", ["consume", "--id", "renderer", "--concurrency", "2"],
                                        environment: TestEnvironment.processEnvironment(configuration, extra: ["CONSUMER_HEARTBEAT_TTL_MS": "1000"]))
        let heartbeat = "\(configuration.queuePrefix):consumer:renderer"
        #expect(try await eventually { try await platform.redis.send("EXISTS", heartbeat).integer == 1 }, "\(consumer.output)")
        // Watch the heartbeat (a 1 s TTL, renewed every third of it) until both documents are stored.
        var lapses = 0
        var stored = false
        let deadline = ContinuousClock.now + .seconds(90)
        while !stored, ContinuousClock.now < deadline {
            if try await platform.redis.send("EXISTS", heartbeat).integer != 1 { lapses += 1 }
            stored = try await platform.postgres.query("SELECT 1 FROM documents WHERE id = ANY($1::uuid[])", documentIDs).count == 2
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(stored, "\(consumer.output)")
        #expect(lapses == 0, "the heartbeat lapsed \(lapses) times while rendering")
        let pdf = try #require(try await platform.documents.find(documentIDs[0])).content
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).pdf")
        try pdf.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let pages = try runTool("/usr/bin/pdfinfo", [file.path]).split(separator: "\n").first { $0.hasPrefix("Pages:") }?.split(separator: " ").last
        #expect(pages.flatMap { Int($0) } ?? 0 > 900)
        consumer.signal(SIGTERM)
        #expect(await consumer.wait() == 0, "\(consumer.output)")
        await platform.shutdown()
    }

    @Test("two beats elect one leader; when it is killed, the other takes over")
    func beatLeadership() async throws {
        let configuration = try await TestEnvironment.configuration()
        let platform = Platform(configuration: configuration, logger: TestEnvironment.logger)
        let fast = ["BEAT_LEADER_TTL_MS": "1000", "BEAT_TICK_MS": "100"]
        let beats = [
            "beat-a": try ChildProcess("governance-worker", ["beat", "--id", "beat-a"], environment: TestEnvironment.processEnvironment(configuration, extra: fast)),
            "beat-b": try ChildProcess("governance-worker", ["beat", "--id", "beat-b"], environment: TestEnvironment.processEnvironment(configuration, extra: fast)),
        ]
        let key = "\(configuration.queuePrefix):beat:leader"
        #expect(try await eventually { try await platform.redis.send("GET", key).string != nil })
        let leader = try #require(try await platform.redis.send("GET", key).string)
        // Leadership is stable while the leader lives.
        for _ in 0..<10 {
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await platform.redis.send("GET", key).string == leader)
        }
        let follower = leader == "beat-a" ? "beat-b" : "beat-a"
        beats[leader]!.signal(SIGKILL)
        _ = await beats[leader]!.wait()
        #expect(try await eventually(timeout: .seconds(10)) { try await platform.redis.send("GET", key).string == follower })
        // The lease is taken before the line is logged and read back through the pipe.
        #expect(try await eventually { beats[follower]!.output.contains("became beat leader") })
        #expect(!beats[leader]!.output.contains("lost beat leadership"))
        // A graceful stop releases the lease at once.
        beats[follower]!.signal(SIGTERM)
        #expect(await beats[follower]!.wait() == 0)
        #expect(try await platform.redis.send("GET", key).isNull)
        await platform.shutdown()
    }

    @Test("the worker refuses an invalid configuration with a message naming the variable")
    func invalidConfiguration() async throws {
        var environment = ProcessInfo.processInfo.environment
        environment["JOB_MAX_ATTEMPTS"] = "zero"
        environment["LOG_FORMAT"] = "xml"
        let worker = try ChildProcess("governance-worker", ["consume"], environment: environment)
        #expect(await worker.wait() == 78)
        #expect(worker.output.contains("JOB_MAX_ATTEMPTS"))
        #expect(worker.output.contains("LOG_FORMAT"))
    }
}
