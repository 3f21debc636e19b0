import ArgumentParser
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

extension GovernanceBench {
    /// Webhook fan-out: subscribes `subscriptions` webhooks of the demo regulator to a receiver in
    /// this process, records `events` events (each fanned out to every subscription in its
    /// transaction) and times that; then starts `consumers` worker processes on the outbound
    /// queue and times until they delivered every one. The receiver checks every signature.
    struct Webhooks: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "webhooks", abstract: "Time the delivery of events fanned out to webhooks by the running consumers.")

        @Option(help: "Events to publish.")
        var events: Int = 1000

        @Option(help: "Webhooks each event goes to.")
        var subscriptions: Int = 5

        @Option(help: "Port of the receiver (127.0.0.1; list it in OUTBOUND_ALLOWED_HOSTS).")
        var receiverPort: Int = 19_990

        @Option(help: "Consumer processes started to deliver them (after the events are recorded).")
        var consumers: Int = 1

        @Option(help: "Slots of each consumer process.")
        var concurrency: Int = 8

        @Option(help: "The governance-worker executable.")
        var workerBin: String

        @Option(help: "Rounds of the whole fan-out; the median is printed.")
        var runs: Int = 3

        func run() async throws {
            var logger = Logger(label: "governance-bench")
            logger.logLevel = .warning
            let platform = Platform(configuration: try AppConfiguration.fromEnvironment(), logger: logger)
            let regulator = try await Incidents.principal(platform, "regulator.admin")
            let secrets = Mutex<[String: String]>([:])
            let received = Mutex((count: 0, invalid: 0))
            let router = Router()
            router.post("/hook/:name") { request, context -> Response in
                let body = String(buffer: try await request.body.collect(upTo: 1 << 20))
                let secret = secrets.withLock { $0[context.parameters.get("name") ?? ""] } ?? ""
                let header = request.headers[HTTPField.Name("X-Governance-Signature")!] ?? ""
                let time = Int(header.split(separator: ",").first?.dropFirst(2) ?? "") ?? 0
                let valid = header == Domain.Webhooks.signature(secret: secret, timestamp: time, body: body)
                received.withLock { $0.count += 1; if !valid { $0.invalid += 1 } }
                return Response(status: .noContent)
            }
            var quiet = logger
            quiet.logLevel = .critical
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: receiverPort)), logger: quiet)
            let server = Task { try await app.runService() }
            try await Task.sleep(for: .milliseconds(300))

            let webhooks = platform.integrations.webhooks
            var created: [UUID] = []
            for index in 0..<subscriptions {
                let subscription = try await webhooks.create(
                    regulator, WebhookInput(url: "http://127.0.0.1:\(receiverPort)/hook/\(index)", events: ["incident.created"],
                                            description: "bench \(index)"), client: .system)
                secrets.withLock { $0["\(index)"] = subscription.secret }
                created.append(subscription.id)
            }
            let regulatorID = try require(regulator.affiliations.regulator?.regulatorID)
            let expected = events * subscriptions
            var publishTimings: [Double] = [], deliveryTimings: [Double] = []
            var failed = 0
            for _ in 0..<runs {
                try await platform.postgres.query("DELETE FROM webhook_deliveries WHERE subscription_id = ANY($1::uuid[])", created)
                // Recorded while no consumer runs, in transactions of 100 events as a busy API would.
                let start = ContinuousClock.now
                for batch in stride(from: 0, to: events, by: 100) {
                    try await platform.outbox.transaction { unit in
                        for index in batch..<min(batch + 100, events) {
                            try await Domain.Webhooks.publish(.incidentCreated, data: ["incident_id": UUID(), "reference": "BENCH_\(index)"],
                                                              audience: [WebhookOrganisation(.regulator, regulatorID)], unit: unit)
                        }
                    }
                }
                publishTimings.append(Incidents.milliseconds(ContinuousClock.now - start))
                // Then delivered by `consumers` worker processes started now.
                let delivery = ContinuousClock.now
                let workers = try (1...consumers).map { index in
                    let process = Process()
                    process.executableURL = URL(fileURLWithPath: workerBin)
                    process.arguments = ["consume", "--id", "bench-hooks-\(index)", "--queues", "outbound", "--concurrency", String(concurrency)]
                    process.standardOutput = FileHandle.nullDevice
                    try process.run()
                    return process
                }
                while try await platform.postgres.query("""
                    SELECT count(*)::integer AS n FROM webhook_deliveries WHERE subscription_id = ANY($1::uuid[]) AND status IN ('delivered', 'failed')
                    """, created).required().decode("n", as: Int.self) < expected {
                    try await Task.sleep(for: .milliseconds(10))
                }
                deliveryTimings.append(Incidents.milliseconds(ContinuousClock.now - delivery))
                for worker in workers { worker.terminate() }
                for worker in workers { worker.waitUntilExit() }
                failed += try await platform.postgres.query("""
                    SELECT count(*)::integer AS n FROM webhook_deliveries WHERE subscription_id = ANY($1::uuid[]) AND status = 'failed'
                    """, created).required().decode("n", as: Int.self)
            }
            let (count, invalid) = received.withLock { ($0.count, $0.invalid) }
            let delivering = deliveryTimings.sorted()[deliveryTimings.count / 2], published = publishTimings.sorted()[publishTimings.count / 2]
            print(String(format: "webhook_fanout consumers=%d concurrency=%d events=%d subscriptions=%d deliveries=%d runs=%d received=%d bad_signatures=%d "
                         + "failed=%d median_publish_ms=%.0f (%.2f ms an event) median_delivery_s=%.2f deliveries_per_s=%.0f per_consumer=%.0f",
                         consumers, concurrency, events, subscriptions, expected, runs, count, invalid, failed, published, published / Double(events),
                         delivering / 1000, Double(expected) / (delivering / 1000), Double(expected) / (delivering / 1000) / Double(consumers)))
            try await platform.postgres.query("DELETE FROM webhook_subscriptions WHERE id = ANY($1::uuid[])", created)
            server.cancel()
            _ = await server.result
            await platform.shutdown()
        }
    }
}

private func require<T>(_ value: T?) throws -> T {
    guard let value else { throw ValidationError("the demo regulator administrator has no regulator") }
    return value
}
