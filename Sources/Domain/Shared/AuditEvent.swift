import Foundation
import Postgres

/// Who did what, to which object, from where: one row of the append-only audit log.
public struct AuditEvent: Sendable, Equatable {
    public var action: String
    public var actorID: UUID?
    public var actorRole: String?
    public var organisationID: UUID?
    public var objectType: String?
    public var objectID: String?
    public var client: ClientInfo
    /// Extra facts as a JSON object text (never secrets).
    public var details: String

    public init(action: String, actorID: UUID? = nil, actorRole: String? = nil, organisationID: UUID? = nil,
                objectType: String? = nil, objectID: String? = nil, client: ClientInfo, details: String = "{}") {
        self.action = action
        self.actorID = actorID
        self.actorRole = actorRole
        self.organisationID = organisationID
        self.objectType = objectType
        self.objectID = objectID
        self.client = client
        self.details = details
    }
}

extension AuditEvent {
    /// An event of a change `principal` made to an object, attributed to the organisation the
    /// object belongs to (or, for platform-wide objects, the caller's own regulator or observer).
    init(_ action: String, by principal: Principal, objectType: String, objectID: UUID, organisation: OrganisationRef = .platform,
         client: ClientInfo, details: String = "{}") {
        let organisationID: UUID?
        switch organisation {
        case .regulator(let id), .observer(let id), .operator(let id): organisationID = id
        case .platform: organisationID = principal.affiliations.regulator?.regulatorID ?? principal.affiliations.observer?.observerID
        }
        self.init(action: action, actorID: principal.userID, actorRole: principal.role.rawValue, organisationID: organisationID,
                  objectType: objectType, objectID: objectID.postgresText, client: client, details: details)
    }
}
