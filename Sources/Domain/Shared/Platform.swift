import Foundation
import Logging
import Mail
import Postgres
import Redis

/// The long-lived clients shared by the API and the worker, built once from the configuration.
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
    public let auth: AuthService
    public let users: UserAdministration
    public let memberships: MembershipService
    public let referenceData: ReferenceDataService
    public let authorities: AuthorityService
    public let operators: OperatorService
    public let accounts: AccountService
    public let passwords: PasswordService
    public let audit: AuditQuery
    public let retention: RetentionService

    public init(configuration: AppConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        postgres = PostgresClient(configuration: configuration.postgres, logger: logger)
        redis = RedisClient(configuration: configuration.redis, logger: logger)
        queue = ReliableQueue(client: redis, prefix: configuration.queuePrefix)
        outbox = Outbox(postgres: postgres, queue: queue, logger: logger)
        ledger = JobLedger(postgres: postgres)
        documents = DocumentStore(postgres: postgres)
        if let smtp = configuration.smtp {
            mailTransport = SMTPTransport(configuration: smtp)
        } else {
            mailTransport = FileTransport(directory: configuration.mailDirectory)
        }
        emailDelivery = EmailDelivery(postgres: postgres, transport: mailTransport, logger: logger)
        auth = AuthService(postgres: postgres, redis: redis, keyPrefix: configuration.queuePrefix, settings: configuration.auth, logger: logger)
        memberships = MembershipService(outbox: outbox, sender: configuration.mailFrom)
        referenceData = ReferenceDataService(postgres: postgres)
        authorities = AuthorityService(postgres: postgres)
        operators = OperatorService(postgres: postgres)
        passwords = PasswordService(outbox: outbox, redis: redis, keyPrefix: configuration.queuePrefix, settings: configuration.auth,
                                    sender: configuration.mailFrom, publicURL: configuration.publicURL)
        users = UserAdministration(outbox: outbox, memberships: memberships, passwords: passwords, settings: configuration.auth)
        audit = AuditQuery(postgres: postgres)
        retention = RetentionService(postgres: postgres, logger: logger, unactivatedRegistrationLifetime: configuration.auth.unactivatedRegistrationLifetime,
                                     auditRetention: configuration.auditRetention,
                                     idleIndependentUserLifetime: configuration.auth.idleIndependentUserLifetime)
        accounts = AccountService(postgres: postgres, settings: configuration.auth, issuer: configuration.mailFrom.name ?? "Governance Platform")
    }

    /// Applies pending schema migrations.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await Migrator(client: postgres, logger: logger).migrate(try DomainMigrations.all())
    }

    /// Closes the pools.
    public func shutdown() async {
        await postgres.shutdown()
        await redis.shutdown()
    }
}
