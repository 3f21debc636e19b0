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
        return .accepted(.init(body: .json(Self.located(job))))
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
