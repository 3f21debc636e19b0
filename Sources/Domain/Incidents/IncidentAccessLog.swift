import Foundation
import Postgres

/// What an access log entry records.
public enum IncidentAccessAction: String, Sendable, CaseIterable {
    /// The incident was notified.
    case created
    /// A report version was submitted.
    case submitted
    /// A report version was read.
    case read
    /// A PDF was downloaded.
    case downloaded
    /// A report version was reviewed.
    case reviewed
    /// The incident's status, significance or reference changed.
    case changed
}

/// The side a user acts from on an incident.
public enum IncidentSide: String, Sendable, CaseIterable {
    case notifier, reviewer, observer
}

/// One entry of an incident's access log; names as they were at the time.
public struct IncidentAccessEntry: Sendable, Equatable {
    public var id: UUID
    public var at: Date
    public var versionID: UUID?
    public var userName: String
    public var role: String
    public var side: IncidentSide
    public var organisationName: String
    public var action: IncidentAccessAction
    /// The incident's reference, or the report's name with its version number.
    public var document: String
}

/// Who read, downloaded or changed what of an incident. The notifier's side sees its own
/// entries only (who at the regulator or an observer read a report stays theirs, as in the
/// reference); the regulator's staff and the observers see every entry.
public enum IncidentAccessLog {
    /// The side `principal` acts from on `incident`: filing it comes first, then reviewing.
    static func side(of principal: Principal, on incident: Incident) -> IncidentSide {
        if incident.isNotifier(principal) { return .notifier }
        if principal.affiliations.regulator?.regulatorID == incident.regulatorID { return .reviewer }
        return .observer
    }

    /// Records `action` by `principal` on `incident` (and `versionID`), inside `session`'s
    /// transaction. The user's name, role and organisation are copied, so the entry outlives
    /// the account.
    static func record(_ action: IncidentAccessAction, by principal: Principal, on incident: Incident, versionID: UUID? = nil,
                       session: PostgresSession) async throws {
        try await record(action, by: principal, side: side(of: principal, on: incident), incidentID: incident.id, reference: incident.reference,
                         notifierName: incident.notifierName, operatorID: incident.operatorID, versionID: versionID, session: session)
    }

    /// ``record(_:by:on:versionID:session:)`` with the incident's facts given, for a caller that
    /// knows them without reading the incident (the notification that creates it).
    static func record(_ action: IncidentAccessAction, by principal: Principal, side: IncidentSide, incidentID: UUID, reference: String,
                       notifierName: String, operatorID: UUID?, versionID: UUID? = nil, session: PostgresSession) async throws {
        let affiliations = principal.affiliations
        let role = operatorID.map { affiliations.role(for: $0) } ?? affiliations.role
        try await session.query("""
            INSERT INTO incident_access_log (incident_id, version_id, user_id, user_name, role, side, organisation_name, action, document)
            SELECT $1, $2, u.id, trim(u.first_name || ' ' || u.last_name), $3, $4, coalesce(CASE $4 WHEN 'notifier' THEN $8::text
                                        WHEN 'reviewer' THEN (SELECT name->>'en' FROM regulators WHERE id = $6::uuid)
                                        ELSE (SELECT name->>'en' FROM observers WHERE id = $7::uuid) END, ''), $5,
                   coalesce((SELECT rt.name || ' v' || v.number FROM report_versions v JOIN report_types rt ON rt.id = (
                                 SELECT ir.report_type_id FROM incident_reports ir WHERE ir.incident_id = v.incident_id AND ir.stage_id = v.stage_id)
                             WHERE v.id = $2), $9)
            FROM users u WHERE u.id = $10
            """, bindings: [incidentID, versionID, role.rawValue, side.rawValue, action.rawValue, affiliations.regulator?.regulatorID,
                            affiliations.observer?.observerID, notifierName, reference, principal.userID])
    }

    /// The entries of `incident` `principal` may see, newest first.
    static func entries(_ principal: Principal, incident: Incident, limit: Int, after: (String, UUID)?, session: PostgresSession) async throws
        -> [(item: IncidentAccessEntry, key: String, id: UUID)] {
        let onlyNotifier = side(of: principal, on: incident) == .notifier
        return try await session.query("""
            SELECT id, at, version_id, user_name, role, side, organisation_name, action, document,
                   to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS sort_key
            FROM incident_access_log
            WHERE incident_id = $1 AND (NOT $2 OR side = 'notifier')
              AND ($3::text IS NULL OR (at, id) < (($3 || 'Z')::timestamptz, $4::uuid))
            ORDER BY at DESC, id DESC LIMIT $5
            """, incident.id, onlyNotifier, after?.0, after?.1, limit + 1).map { row in
            let entry = IncidentAccessEntry(
                id: try row.decode("id"), at: try row.decode("at"), versionID: try row.decode("version_id"), userName: try row.decode("user_name"),
                role: try row.decode("role"), side: IncidentSide(rawValue: try row.decode("side")) ?? .notifier,
                organisationName: try row.decode("organisation_name"),
                action: IncidentAccessAction(rawValue: try row.decode("action")) ?? .read, document: try row.decode("document"))
            return (entry, try row.decode("sort_key"), entry.id)
        }
    }
}
