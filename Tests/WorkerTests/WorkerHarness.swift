import Beat
import Consumer
import Domain
import Foundation
import Logging
import Postgres
import Redis
import ServiceLifecycle
import TestSupport

/// A platform on a fresh database and queue prefix, with consumers and beats run in-process.
final class WorkerHarness: @unchecked Sendable {
    // Invariant: `group` is set once by `start` before anything reads it.
    let platform: Platform
    private var groupTask: Task<Void, any Error>?
    private var group: ServiceGroup?

    init(overrides: [String: String] = [:]) async throws {
        platform = Platform(configuration: try await TestEnvironment.configuration(overrides: overrides), logger: TestEnvironment.logger)
    }

    /// Runs a consumer (and optionally a beat) until ``stop()``.
    func start(consumerID: String = "consumer-\(TestEnvironment.uniqueName())", concurrency: Int = 4, queues: [String] = ["default", "mail"],
               popTimeoutSeconds: Double = 0.2, handlers: JobHandlerRegistry? = nil, beat: Bool = false, retryPolicy: RetryPolicy? = nil) {
        let configuration = platform.configuration
        var services: [any Service] = [
            JobConsumer(
                options: .init(id: consumerID, queues: queues, concurrency: concurrency,
                               heartbeatTTLMilliseconds: configuration.consumerHeartbeatTTLMilliseconds,
                               retryPolicy: retryPolicy ?? configuration.retryPolicy, popTimeoutSeconds: popTimeoutSeconds),
                queue: platform.queue, ledger: platform.ledger, handlers: handlers ?? platform.jobHandlers(), logger: platform.logger),
        ]
        if beat {
            services.append(BeatService(
                options: .init(id: "beat-\(consumerID)", leaderTTLMilliseconds: 2_000, tickMilliseconds: 50),
                queue: platform.queue, tasks: platform.periodicTasks(), logger: platform.logger))
        }
        let group = ServiceGroup(services: services, logger: platform.logger)
        self.group = group
        groupTask = Task { try await group.run() }
    }

    /// Graceful shutdown: running jobs finish, then the services return.
    func stop() async throws {
        await group?.triggerGracefulShutdown()
        try await groupTask?.value
    }

    func outboxRow(_ id: UUID) async throws -> PostgresRow {
        try requireRow(await platform.postgres.query(
            "SELECT attempts, dispatched_at, completed_at, completed_by, failed_at, last_error FROM outbox WHERE id = $1", id).first)
    }

    func shutdown() async {
        await platform.shutdown()
    }
}

struct MissingRow: Error {}

func requireRow(_ row: PostgresRow?) throws -> PostgresRow {
    guard let row else { throw MissingRow() }
    return row
}
