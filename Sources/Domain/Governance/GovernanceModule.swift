import Logging
import Pooling
import Postgres
import Redis

/// The governance module: identities and authentication, organisations, reference data,
/// memberships, user administration, the audit log and the retention tasks.
public struct GovernanceModule: PlatformModule {
    public let hashing: PasswordHashing
    public let throttle: LoginThrottle
    public let secondFactor: SecondFactor
    public let auth: AuthService
    public let accounts: AccountService
    public let passwords: PasswordService
    public let users: UserAdministration
    public let memberships: MembershipService
    public let referenceData: ReferenceDataService
    public let authorities: AuthorityService
    public let operators: OperatorService
    public let audit: AuditQuery
    public let retention: RetentionService

    init(configuration: AppConfiguration, logger: Logger, postgres: PostgresClient, redis: RedisClient, outbox: Outbox,
         hashingThreads: BlockingWorkPool) {
        let settings = configuration.auth
        let prefix = configuration.queuePrefix
        hashing = PasswordHashing(hasher: PasswordHasher(iterations: settings.passwordHashIterations), threads: hashingThreads)
        throttle = LoginThrottle(redis: redis, keyPrefix: prefix, settings: settings)
        secondFactor = SecondFactor(secretKey: configuration.secretKey)
        let reauthentication = Reauthentication(postgres: postgres, hashing: hashing, throttle: throttle, secondFactor: secondFactor)
        auth = AuthService(postgres: postgres, settings: settings, hashing: hashing, throttle: throttle, secondFactor: secondFactor, logger: logger)
        accounts = AccountService(outbox: outbox, settings: settings, reauthentication: reauthentication, secondFactor: secondFactor,
                                  sender: configuration.mailFrom, issuer: configuration.mailFrom.name ?? "Governance Platform")
        passwords = PasswordService(outbox: outbox, redis: redis, keyPrefix: prefix, settings: settings, hashing: hashing,
                                    reauthentication: reauthentication, sender: configuration.mailFrom, links: configuration.frontend)
        memberships = MembershipService(outbox: outbox, sender: configuration.mailFrom)
        users = UserAdministration(outbox: outbox, memberships: memberships, passwords: passwords, hashing: hashing)
        referenceData = ReferenceDataService(postgres: postgres)
        authorities = AuthorityService(postgres: postgres)
        operators = OperatorService(postgres: postgres)
        audit = AuditQuery(postgres: postgres)
        retention = RetentionService(postgres: postgres, logger: logger, unactivatedRegistrationLifetime: settings.unactivatedRegistrationLifetime,
                                     auditRetention: configuration.auditRetention, idleIndependentUserLifetime: settings.idleIndependentUserLifetime)
    }

    public func registerJobs(in registry: inout JobHandlerRegistry) {}

    public func periodicTasks() -> [PeriodicTask] {
        [
            PeriodicTask(name: "purge_unactivated_registrations", interval: .seconds(3600)) { [retention] _ in
                try await retention.purgeUnactivatedRegistrations()
            },
            PeriodicTask(name: "purge_idle_independent_users", interval: .seconds(86_400)) { [retention] _ in
                try await retention.purgeIdleIndependentUsers()
            },
            PeriodicTask(name: "purge_audit_events", interval: .seconds(86_400)) { [retention] _ in
                try await retention.purgeAuditEvents()
            },
        ]
    }
}
