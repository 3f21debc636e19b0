import Foundation
import Logging
import Outbound
import Postgres

/// Calls to systems outside the platform, made by the worker: observers' Request Tracker.
public struct IntegrationsModule: PlatformModule {
    public let requestTracker: RequestTracker

    init(configuration settings: AppConfiguration, logger: Logger, postgres: PostgresClient, outbox: Outbox, http: OutboundHTTP) {
        requestTracker = RequestTracker(postgres: postgres, outbox: outbox, http: http, secretKey: settings.secretKey, sender: settings.mailFrom,
                                        retryPolicy: settings.retryPolicy, logger: logger)
    }

    public func registerJobs(in registry: inout JobHandlerRegistry) {
        registry.register(.testTicketing, TestTicketingHandler(tracker: requestTracker))
        registry.register(.sendTicket, SendTicketHandler(tracker: requestTracker))
    }

    public func periodicTasks() -> [PeriodicTask] { [] }

    public func jobSubjects() -> [String: JobSubjectCheck] {
        ["observer_ticketing": { [requestTracker] principal, id in requestTracker.canSee(principal, observerID: id) }]
    }
}
