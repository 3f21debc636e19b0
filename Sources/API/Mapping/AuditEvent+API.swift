import Domain
import Foundation
import OpenAPIRuntime

extension Components.Schemas.AuditEvent {
    init(_ entry: AuditPage.Entry) throws {
        // Most entries carry no details: skip the decoder for them.
        let details = entry.details == "{}" ? OpenAPIObjectContainer() : try JSONDecoder().decode(OpenAPIObjectContainer.self,
                                                                                                  from: Data(entry.details.utf8))
        self.init(
            id: String(entry.id), occurredAt: entry.occurredAt, action: entry.action, actorId: entry.actorID?.uuidString.lowercased(),
            actorRole: entry.actorRole, organisationId: entry.organisationID?.uuidString.lowercased(), objectType: entry.objectType,
            objectId: entry.objectID, clientAddress: entry.clientAddress, requestId: entry.requestID,
            details: .init(additionalProperties: details))
    }
}
