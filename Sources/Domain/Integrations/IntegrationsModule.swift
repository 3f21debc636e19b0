import Foundation
import Logging
import Outbound
import Postgres

/// Calls to systems outside the platform, made by the worker: observers' Request Tracker and
/// organisations' webhooks.
public struct IntegrationsModule: PlatformModule {
    public let requestTracker: RequestTracker
    public let webhooks: Webhooks
    let retention: Duration

    init(configuration settings: AppConfiguration, logger: Logger, postgres: PostgresClient, outbox: Outbox, http: OutboundHTTP) {
        requestTracker = RequestTracker(postgres: postgres, outbox: outbox, http: http, secretKey: settings.secretKey, sender: settings.mailFrom,
                                        retryPolicy: settings.retryPolicy, logger: logger)
        retention = settings.deliveryLogRetention
        webhooks = Webhooks(postgres: postgres, outbox: outbox, http: http, secretKey: settings.secretKey, sender: settings.mailFrom,
                            retryPolicy: settings.retryPolicy, disableAfter: settings.webhookDisableAfter, logger: logger)
    }

    public func registerJobs(in registry: inout JobHandlerRegistry) {
        registry.register(.testTicketing, TestTicketingHandler(tracker: requestTracker))
        registry.register(.sendTicket, SendTicketHandler(tracker: requestTracker))
        registry.register(.deliverWebhook, DeliverWebhookHandler(webhooks: webhooks))
    }

    public func periodicTasks() -> [PeriodicTask] {
        [PeriodicTask(name: "purge_webhook_deliveries", interval: .seconds(86_400)) { [webhooks, retention] _ in
            try await webhooks.purge(retention: retention)
        }]
    }

    public func jobSubjects() -> [String: JobSubjectCheck] {
        ["observer_ticketing": { [requestTracker] principal, id in requestTracker.canSee(principal, observerID: id) }]
    }
}
