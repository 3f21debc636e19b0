import Domain
import Foundation

extension APIService {
    // MARK: Request Tracker

    func getObserverTicketing(_ input: Operations.GetObserverTicketing.Input) async throws -> Operations.GetObserverTicketing.Output {
        let configuration = try await platform.integrations.requestTracker.configuration(
            try await principal(), observerID: try Self.pathID(input.path.observerId, "observer"))
        return .ok(.init(body: .json(.init(configuration))))
    }

    func setObserverTicketing(_ input: Operations.SetObserverTicketing.Input) async throws -> Operations.SetObserverTicketing.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let configuration = try await platform.integrations.requestTracker.save(
            try await principal(), observerID: try Self.pathID(input.path.observerId, "observer"),
            TicketingInput(url: body.rtUrl, queue: body.queue, token: body.token), client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(configuration))))
    }

    func deleteObserverTicketing(_ input: Operations.DeleteObserverTicketing.Input) async throws -> Operations.DeleteObserverTicketing.Output {
        try await platform.integrations.requestTracker.delete(try await principal(), observerID: try Self.pathID(input.path.observerId, "observer"),
                                                              client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func testObserverTicketing(_ input: Operations.TestObserverTicketing.Input) async throws -> Operations.TestObserverTicketing.Output {
        let job = try await platform.integrations.requestTracker.test(try await principal(),
                                                                       observerID: try Self.pathID(input.path.observerId, "observer"),
                                                                       client: RequestInfo.current.client)
        return .accepted(.init(body: .json(try Self.located(job))))
    }

    func listObserverTicketingMessages(_ input: Operations.ListObserverTicketingMessages.Input) async throws
        -> Operations.ListObserverTicketingMessages.Output {
        let messages = try await platform.integrations.requestTracker.messages(
            try await principal(), observerID: try Self.pathID(input.path.observerId, "observer"), limit: input.query.limit ?? 50)
        return .ok(.init(body: .json(.init(items: messages.map(Components.Schemas.TicketingMessage.init)))))
    }
}

extension Components.Schemas.Ticketing {
    init(_ configuration: TicketingConfiguration) {
        self.init(observerId: configuration.observerID.apiString, rtUrl: configuration.url, queue: configuration.queue,
                  tokenSet: configuration.tokenSet, updatedAt: configuration.updatedAt,
                  lastCheck: configuration.lastCheck.map { .init(at: $0.at, ok: $0.ok, status: $0.status, message: $0.message) })
    }
}

extension Components.Schemas.TicketingMessage {
    init(_ message: Domain.TicketingMessage) {
        self.init(id: message.id.apiString, incidentId: message.incidentID.apiString, subject: message.subject,
                  outcome: message.outcome.flatMap { .init(rawValue: $0.rawValue) }, ticketId: message.ticketID, detail: message.detail,
                  createdAt: message.createdAt, finishedAt: message.finishedAt)
    }
}

extension APIService {
    // MARK: Webhooks

    func listWebhooks(_ input: Operations.ListWebhooks.Input) async throws -> Operations.ListWebhooks.Output {
        let subscriptions = try await platform.integrations.webhooks.list(try await principal())
        return .ok(.init(body: .json(.init(items: try subscriptions.map(Components.Schemas.Webhook.init)))))
    }

    func createWebhook(_ input: Operations.CreateWebhook.Input) async throws -> Operations.CreateWebhook.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let subscription = try await platform.integrations.webhooks.create(
            try await principal(),
            WebhookInput(url: body.url, events: body.events.map(\.rawValue), description: body.description,
                         operatorID: try body.operatorId.map(Self.uuid(field: "operator_id"))),
            client: RequestInfo.current.client)
        RequestInfo.current.responseHeaders.add(.location, "/api/v1/webhooks/\(subscription.id.apiString)")
        return .created(.init(body: .json(try .init(subscription))))
    }

    func getWebhook(_ input: Operations.GetWebhook.Input) async throws -> Operations.GetWebhook.Output {
        let subscription = try await platform.integrations.webhooks.find(try await principal(), id: try Self.pathID(input.path.webhookId, "webhook"))
        return .ok(.init(body: .json(try .init(subscription))))
    }

    func updateWebhook(_ input: Operations.UpdateWebhook.Input) async throws -> Operations.UpdateWebhook.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let subscription = try await platform.integrations.webhooks.update(
            try await principal(), id: try Self.pathID(input.path.webhookId, "webhook"),
            WebhookInput(url: body.url, events: body.events?.map(\.rawValue), description: body.description, isActive: body.active),
            client: RequestInfo.current.client)
        return .ok(.init(body: .json(try .init(subscription))))
    }

    func deleteWebhook(_ input: Operations.DeleteWebhook.Input) async throws -> Operations.DeleteWebhook.Output {
        try await platform.integrations.webhooks.delete(try await principal(), id: try Self.pathID(input.path.webhookId, "webhook"),
                                                        client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func rotateWebhookSecret(_ input: Operations.RotateWebhookSecret.Input) async throws -> Operations.RotateWebhookSecret.Output {
        let subscription = try await platform.integrations.webhooks.rotateSecret(try await principal(), id: try Self.pathID(input.path.webhookId, "webhook"),
                                                                                 client: RequestInfo.current.client)
        return .ok(.init(body: .json(try .init(subscription))))
    }

    func listWebhookDeliveries(_ input: Operations.ListWebhookDeliveries.Input) async throws -> Operations.ListWebhookDeliveries.Output {
        let deliveries = try await platform.integrations.webhooks.deliveries(try await principal(), id: try Self.pathID(input.path.webhookId, "webhook"),
                                                                             limit: input.query.limit ?? 50)
        return .ok(.init(body: .json(.init(items: try deliveries.map(Components.Schemas.WebhookDelivery.init)))))
    }

    func redeliverWebhook(_ input: Operations.RedeliverWebhook.Input) async throws -> Operations.RedeliverWebhook.Output {
        let delivery = try await platform.integrations.webhooks.redeliver(try await principal(),
                                                                          deliveryID: try Self.pathID(input.path.deliveryId, "delivery"),
                                                                          client: RequestInfo.current.client)
        return .accepted(.init(body: .json(try .init(delivery))))
    }
}

extension Components.Schemas.Webhook {
    init(_ subscription: WebhookSubscription) throws {
        self.init(id: subscription.id.apiString,
                  organisation: .init(kind: try .init(mirroring: subscription.organisation.kind), id: subscription.organisation.id.apiString),
                  url: subscription.url, events: try subscription.events.map { try .init(mirroring: $0) }, description: subscription.description,
                  active: subscription.isActive, failingSince: subscription.failingSince, disabledAt: subscription.disabledAt,
                  disabledReason: subscription.disabledReason, lastDeliveryAt: subscription.lastDeliveryAt, createdAt: subscription.createdAt,
                  updatedAt: subscription.updatedAt, secret: subscription.secret)
    }
}

extension Components.Schemas.WebhookDelivery {
    init(_ delivery: Domain.WebhookDelivery) throws {
        self.init(id: delivery.id.apiString, webhookId: delivery.subscriptionID.apiString, eventId: delivery.eventID.apiString, event: delivery.event,
                  status: try .init(mirroring: delivery.status), attempts: delivery.attempts, responseStatus: delivery.responseStatus,
                  durationMs: delivery.durationMilliseconds, lastError: delivery.lastError, redeliveryOf: delivery.redeliveryOf?.apiString,
                  createdAt: delivery.createdAt, finishedAt: delivery.finishedAt)
    }
}
