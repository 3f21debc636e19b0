import Foundation
import Logging
import Mail
import Outbound
import Pooling
import Postgres
import Redis

/// The long-lived clients shared by the API and the worker, built once from the configuration,
/// and the modules built on them.
public struct Platform: Sendable {
    public let configuration: AppConfiguration
    public let logger: Logger
    public let postgres: PostgresClient
    public let redis: RedisClient
    public let queue: ReliableQueue
    public let outbox: Outbox
    public let ledger: JobLedger
    public let documents: DocumentStore
    public let mailTransport: any MailTransport
    public let emailDelivery: EmailDelivery
    /// Threads for password hashing (the API) and PDF drawing (the worker): CPU-heavy work never
    /// runs on an event loop or Swift's cooperative pool.
    public let hashingThreads: BlockingWorkPool
    public let renderingThreads: BlockingWorkPool
    /// Threads for calls to other systems (RT, webhooks): they mostly wait on the network.
    public let outboundThreads: BlockingWorkPool
    public let outbound: OutboundHTTP
    public let governance: GovernanceModule
    public let incidents: IncidentsModule
    public let securityObjectives: SecurityObjectivesModule
    public let reporting: ReportingModule
    public let integrations: IntegrationsModule

    public init(configuration: AppConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        postgres = PostgresClient(configuration: configuration.postgres, logger: logger)
        redis = RedisClient(configuration: configuration.redis, logger: logger)
        queue = ReliableQueue(client: redis, prefix: configuration.queuePrefix)
        outbox = Outbox(postgres: postgres, queue: queue, logger: logger)
        ledger = JobLedger(postgres: postgres)
        // Below the event loops' priority: a login storm or a long PDF takes the cores that other
        // requests and the consumer's heartbeat leave free.
        hashingThreads = BlockingWorkPool(name: "password-hashing", threads: configuration.passwordHashThreads, niceness: 10)
        renderingThreads = BlockingWorkPool(name: "rendering", threads: BlockingWorkPool.activeProcessors, niceness: 10)
        outboundThreads = BlockingWorkPool(name: "outbound", threads: configuration.outboundThreads)
        outbound = OutboundHTTP(policy: configuration.outboundPolicy, threads: outboundThreads)
        documents = DocumentStore(postgres: postgres, renderingThreads: renderingThreads)
        if let smtp = configuration.smtp {
            mailTransport = SMTPTransport(configuration: smtp)
        } else {
            mailTransport = FileTransport(directory: configuration.mailDirectory)
        }
        emailDelivery = EmailDelivery(postgres: postgres, transport: mailTransport, logger: logger)
        governance = GovernanceModule(configuration: configuration, logger: logger, postgres: postgres, redis: redis, outbox: outbox,
                                      hashingThreads: hashingThreads)
        incidents = IncidentsModule(configuration: configuration, logger: logger, postgres: postgres, outbox: outbox, documents: documents)
        securityObjectives = SecurityObjectivesModule(configuration: configuration, logger: logger, postgres: postgres, outbox: outbox,
                                                      documents: documents, files: renderingThreads, auth: governance.auth)
        reporting = ReportingModule(configuration: configuration, logger: logger, postgres: postgres, outbox: outbox, files: renderingThreads,
                                    auth: governance.auth)
        integrations = IntegrationsModule(configuration: configuration, logger: logger, postgres: postgres, outbox: outbox, http: outbound)
    }

    /// The job pipeline's own handlers and tasks.
    public var jobs: JobsModule {
        JobsModule(configuration: configuration, outbox: outbox, emailDelivery: emailDelivery, documents: documents)
    }

    /// Every module, in the order their jobs and tasks are registered.
    public var modules: [any PlatformModule] { [jobs, governance, incidents, securityObjectives, reporting, integrations] }

    /// The API-wide request budget per token and client address; it keeps this process's
    /// pending counts, so a process builds it once (the router does).
    public func makeRequestRateLimit() -> RequestRateLimit {
        RequestRateLimit(redis: redis, keyPrefix: configuration.queuePrefix, settings: configuration.rateLimit)
    }

    /// Operations on jobs and queues (`/api/v1/admin/jobs`, `governance-worker jobs`).
    public var jobAdministration: JobAdministration {
        JobAdministration(postgres: postgres, queue: queue, outbox: outbox, logger: logger)
    }

    /// Tracked jobs (`GET /api/v1/jobs/{id}`), each visible to whoever may see what it works for.
    public var trackedJobs: TrackedJobs {
        TrackedJobs(postgres: postgres, checks: modules.reduce(into: [:]) { $0.merge($1.jobSubjects()) { first, _ in first } })
    }

    /// The handler of every job kind of every module.
    public func jobHandlers() -> JobHandlerRegistry {
        var registry = JobHandlerRegistry()
        for module in modules { module.registerJobs(in: &registry) }
        return registry
    }

    /// The periodic tasks of every module.
    public func periodicTasks() -> [PeriodicTask] {
        modules.flatMap { $0.periodicTasks() }
    }

    /// Applies pending schema migrations, then seals the TOTP secrets stored in plain text by
    /// versions before their encryption at rest (which needs `SECRET_KEY`, so it is not SQL).
    @discardableResult
    public func migrate() async throws -> [Int] {
        let applied = try await Migrator(client: postgres, logger: logger).migrate(try DomainMigrations.all())
        let sealed = try await governance.secondFactor.sealLegacySecrets(postgres: postgres)
        if sealed > 0 { logger.notice("encrypted TOTP secrets stored in plain text", metadata: ["users": "\(sealed)"]) }
        return applied
    }

    /// Closes the pools.
    public func shutdown() async {
        await postgres.shutdown()
        await redis.shutdown()
        await hashingThreads.shutdown()
        await renderingThreads.shutdown()
        await outboundThreads.shutdown()
    }
}
