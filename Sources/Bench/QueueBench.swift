import ArgumentParser
import Domain
import Foundation
import Hummingbird
import Logging

extension GovernanceBench {
    /// Tracked jobs the way production makes them: `noop` jobs recorded in the outbox by
    /// transactions of `batch` jobs, pushed to Redis after each commit. Prints the enqueueing rate
    /// as JSON; a consumer then drains them (scripts/bench_queue.py --tracked), each job begun
    /// and completed in PostgreSQL before it is acknowledged.
    struct QueueFill: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "queue-fill",
                                                        abstract: "Record tracked no-op jobs through the outbox; print the rate as JSON.")

        @Option(help: "Jobs to record.")
        var jobs: Int = 50_000

        @Option(help: "Jobs per transaction.")
        var batch: Int = 100

        @Option(help: "The queue they go to.")
        var queue: String = "bench"

        func run() async throws {
            var logger = Logger(label: "governance-bench")
            logger.logLevel = .warning
            let platform = Platform(configuration: try AppConfiguration.fromEnvironment(), logger: logger)
            let started = ContinuousClock.now
            var recorded = 0
            while recorded < jobs {
                let count = min(batch, jobs - recorded)
                try await platform.outbox.transaction { unit in
                    try await unit.enqueue(.noop, payloads: Array(repeating: [String: Int](), count: count), queue: queue)
                }
                recorded += count
            }
            let elapsed = ContinuousClock.now - started
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let undispatched = try await platform.postgres.query("SELECT count(*) AS n FROM outbox WHERE queue = $1 AND dispatched_at IS NULL", queue)
                .required().decode("n", as: Int.self)
            await platform.shutdown()
            guard undispatched == 0 else { throw ValidationError("\(undispatched) jobs were recorded but not pushed to Redis") }
            print(#"{"jobs": \#(jobs), "enqueue_seconds": \#(seconds), "enqueue_jobs_per_second": \#(Double(jobs) / seconds)}"#)
        }
    }

    /// The HTTP ceiling of this machine for the API's server: a bare Hummingbird application
    /// answering `GET /health` with the same body, no middleware and no OpenAPI layer, for wrk.
    struct BareHTTP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "bare-http",
                                                        abstract: "Serve a bare Hummingbird GET /health until interrupted.")

        @Option(help: "Port on 127.0.0.1.")
        var port: Int = 18_181

        func run() async throws {
            let router = Router()
            router.get("/health") { _, _ -> Response in
                Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#)))
            }
            var logger = Logger(label: "bare-http")
            logger.logLevel = .warning
            try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: logger).runService()
        }
    }
}
