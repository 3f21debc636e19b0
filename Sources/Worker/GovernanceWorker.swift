import ArgumentParser
import Beat
import Consumer
import Domain
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

@main
struct GovernanceWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "governance-worker",
        abstract: "The Governance Platform background worker: scheduler (beat) and job consumers.",
        discussion: "Configured through environment variables; see README.md.",
        subcommands: [BeatCommand.self, ConsumeCommand.self, AllCommand.self, JobsCommand.self, QueuesCommand.self, RunTaskCommand.self])
}

/// Options shared by the subcommands that consume jobs.
struct ConsumerOptions: ParsableArguments {
    @Option(help: "Jobs run at once by this process.")
    var concurrency: Int = 8

    @Option(help: "Comma-separated queues to consume.")
    var queues: String = "default,mail,outbound"

    func validate() throws {
        guard (1...1024).contains(concurrency) else { throw ValidationError("--concurrency must be in 1...1024") }
        guard !queueList.isEmpty else { throw ValidationError("--queues needs at least one queue") }
    }

    var queueList: [String] { queues.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
}

struct WorkerIdentity: ParsableArguments {
    @Option(help: "This process's id in Redis (default: host name, process id and a random suffix).")
    var id: String?

    var resolved: String {
        id ?? "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(6).lowercased())"
    }
}

/// What the worker runs.
enum WorkerRole {
    case beat
    case consume(ConsumerOptions)
    case all(ConsumerOptions)
}

/// Builds the worker's services around one ``Platform``; the platform's pools close last.
func buildServiceGroup(role: WorkerRole, id: String, configuration: AppConfiguration, metrics: PrometheusCollectorRegistry,
                       logger: Logger) -> ServiceGroup {
    let platform = Platform(configuration: configuration, logger: logger)
    var services: [any Service] = [WorkerPlatformService(platform: platform)]
    if let port = configuration.workerMetricsPort {
        services.append(buildMetricsServer(port: port, registry: metrics, access: configuration.metricsAccess, logger: logger))
    }
    switch role {
    case .beat:
        services.append(makeBeat(platform: platform, id: id))
    case .consume(let options):
        services.append(makeConsumer(platform: platform, id: id, options: options))
    case .all(let options):
        services.append(makeBeat(platform: platform, id: id))
        services.append(makeConsumer(platform: platform, id: id, options: options))
    }
    var group = ServiceGroupConfiguration(
        services: services.map { .init(service: $0) }, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    // Jobs still running after the grace period are cancelled; they return to their queue when
    // this consumer's heartbeat expires.
    group.maximumGracefulShutdownDuration = .seconds(configuration.shutdownGraceSeconds)
    return ServiceGroup(configuration: group)
}

private func makeBeat(platform: Platform, id: String) -> BeatService {
    BeatService(
        options: .init(id: id, leaderTTLMilliseconds: platform.configuration.beatLeaderTTLMilliseconds,
                       tickMilliseconds: platform.configuration.beatTickMilliseconds),
        queue: platform.queue, tasks: platform.periodicTasks(), logger: platform.logger)
}

private func makeConsumer(platform: Platform, id: String, options: ConsumerOptions) -> JobConsumer {
    JobConsumer(
        options: .init(
            id: id, queues: options.queueList, concurrency: options.concurrency,
            heartbeatTTLMilliseconds: platform.configuration.consumerHeartbeatTTLMilliseconds, retryPolicy: platform.configuration.retryPolicy),
        queue: platform.queue, ledger: platform.ledger, handlers: platform.jobHandlers(), logger: platform.logger)
}

/// Closes the pools once the other services have stopped (services stop in reverse order).
struct WorkerPlatformService: Service {
    let platform: Platform

    func run() async throws {
        try? await gracefulShutdown()
        await platform.shutdown()
    }
}

func runWorker(_ role: WorkerRole, identity: WorkerIdentity) async throws {
    let configuration = AppConfiguration.loadForStartUp(program: "governance-worker")
    let metrics = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
    var logger = Logger(label: "governance-worker")
    let id = identity.resolved
    logger[metadataKey: "worker"] = "\(id)"
    // A consumer needs one Redis connection per slot (each blocks in BLMOVE) plus a few for acks and heartbeats.
    var adjusted = configuration
    switch role {
    case .consume(let options), .all(let options):
        adjusted.redis.poolSize = max(configuration.redis.poolSize, options.concurrency + 4)
        adjusted.postgres.poolSize = max(configuration.postgres.poolSize, min(options.concurrency, 32))
    case .beat:
        break
    }
    try await buildServiceGroup(role: role, id: id, configuration: adjusted, metrics: metrics, logger: logger).run()
}

extension GovernanceWorker {
    struct BeatCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "beat", abstract: "Run the scheduler (one leader among any number).")
        @OptionGroup var identity: WorkerIdentity

        func run() async throws { try await runWorker(.beat, identity: identity) }
    }

    struct ConsumeCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "consume", abstract: "Run jobs from the queues.")
        @OptionGroup var identity: WorkerIdentity
        @OptionGroup var options: ConsumerOptions

        func run() async throws { try await runWorker(.consume(options), identity: identity) }
    }

    struct AllCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "all", abstract: "Run the scheduler and a consumer in one process.")
        @OptionGroup var identity: WorkerIdentity
        @OptionGroup var options: ConsumerOptions

        func run() async throws { try await runWorker(.all(options), identity: identity) }
    }
}
