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

/// Where a request came from, for the audit log and rate limits.
public struct ClientInfo: Sendable, Equatable {
    public var address: String?
    public var requestID: String?

    public init(address: String?, requestID: String?) {
        self.address = address
        self.requestID = requestID
    }

    /// A command run on the server (create-admin, beat tasks).
    public static let system = ClientInfo(address: nil, requestID: nil)
}

/// Writes audit events, inside the caller's transaction when it has one.
public enum AuditLog {
    static let insert = """
        INSERT INTO audit_events (action, actor_id, actor_role, organisation_id, object_type, object_id, client_address, request_id, details)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)
        """

    static func bindings(_ event: AuditEvent) -> [(any PostgresEncodable)?] {
        [event.action, event.actorID, event.actorRole, event.organisationID, event.objectType, event.objectID,
         event.client.address, event.client.requestID, event.details]
    }

    public static func record(_ event: AuditEvent, in session: PostgresSession) async throws {
        try await session.query(insert, bindings: bindings(event))
    }

    public static func record(_ event: AuditEvent, using postgres: PostgresClient) async throws {
        try await postgres.query(insert, bindings: bindings(event))
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
