import Logging
import Postgres
import Redis

/// The governance module: identities and authentication, organisations, reference data,
/// memberships, user administration, the audit log and the retention tasks.
public struct GovernanceModule: PlatformModule {
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

    init(configuration: AppConfiguration, logger: Logger, postgres: PostgresClient, redis: RedisClient, outbox: Outbox) {
        let settings = configuration.auth
        let prefix = configuration.queuePrefix
        auth = AuthService(postgres: postgres, redis: redis, keyPrefix: prefix, settings: settings, logger: logger)
        accounts = AccountService(postgres: postgres, settings: settings, issuer: configuration.mailFrom.name ?? "Governance Platform")
        passwords = PasswordService(outbox: outbox, redis: redis, keyPrefix: prefix, settings: settings, sender: configuration.mailFrom,
                                    publicURL: configuration.publicURL)
        memberships = MembershipService(outbox: outbox, sender: configuration.mailFrom)
        users = UserAdministration(outbox: outbox, memberships: memberships, passwords: passwords, settings: settings)
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
