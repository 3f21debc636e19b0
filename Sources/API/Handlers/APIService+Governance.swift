import Domain
import Foundation
import OpenAPIRuntime

extension APIService {
    func listAuditEvents(_ input: Operations.ListAuditEvents.Input) async throws -> Operations.ListAuditEvents.Output {
        let query = input.query
        let filter = AuditFilter(
            action: query.action, actorID: try query.actorId.map(Self.uuid(field: "actor_id")), since: query.since, until: query.until)
        let limit = query.limit ?? 50
        let page = try await platform.governance.audit.page(try await principal(), filter: filter, limit: limit, cursor: query.cursor)
        let items = try page.entries.map(Components.Schemas.AuditEvent.init)
        linkNext("/api/v1/audit-events", limit: limit, cursor: page.nextCursor, query: [("action", query.action), ("actor_id", query.actorId)])
        return .ok(.init(body: .json(.init(items: items, nextCursor: page.nextCursor))))
    }

    static func uuid(field: String) -> (String) throws -> UUID {
        { text in
            guard let id = UUID(uuidString: text) else {
                throw DomainError.validation([FieldError(field: field, code: "invalid", message: "\(field) must be a UUID.")])
            }
            return id
        }
    }
}
