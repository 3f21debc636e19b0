import Foundation
import Postgres

/// Writes audit events, inside the caller's transaction when it has one.
public enum AuditLog {
    /// Also records the regulator or observer the actor belongs to now, as the event happens:
    /// audit reads are scoped by it, whatever memberships the actor holds later.
    static let insert = """
        INSERT INTO audit_events (action, actor_id, actor_role, organisation_id, object_type, object_id, client_address, request_id, details,
                                  actor_organisation_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb,
                coalesce((SELECT regulator_id FROM regulator_memberships WHERE user_id = $2),
                         (SELECT observer_id FROM observer_memberships WHERE user_id = $2)))
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

extension AuditLog {
    /// `text` as a JSON string literal, for the `details` of an event.
    static func jsonString(_ text: String) -> String {
        String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
    }
}
