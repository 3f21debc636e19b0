import Foundation
import Postgres

/// The side from which a caller looks at incidents: every request says it.
public enum IncidentView: Sendable, Equatable {
    /// An operator's incidents, for one of the caller's approved operator memberships.
    case `operator`(UUID)
    /// The incidents notified to the caller's regulator (regulator staff as reviewers).
    case reviewer
    /// The incidents the caller's regulator notified itself.
    case regulatorNotifier
    /// The incidents routed to the caller's observer.
    case observer
    /// The incidents an independent user notified.
    case independent
}

/// Filters of the incident list; `nil` filters nothing.
public struct IncidentFilter: Sendable, Equatable {
    public var isOpen: Bool?
    public var regulationID: UUID?
    public var workflowID: UUID?
    public var sectorID: UUID?
    public var significant: Bool?
    public var crossBorder: Bool?
    public var notificationType: NotificationType?
    public var notifiedFrom: Date?
    public var notifiedBefore: Date?
    /// Text in the reference or the notifier's name.
    public var search: String?

    public init(isOpen: Bool? = nil, regulationID: UUID? = nil, workflowID: UUID? = nil, sectorID: UUID? = nil, significant: Bool? = nil,
                crossBorder: Bool? = nil, notificationType: NotificationType? = nil, notifiedFrom: Date? = nil, notifiedBefore: Date? = nil,
                search: String? = nil) {
        self.isOpen = isOpen
        self.regulationID = regulationID
        self.workflowID = workflowID
        self.sectorID = sectorID
        self.significant = significant
        self.crossBorder = crossBorder
        self.notificationType = notificationType
        self.notifiedFrom = notifiedFrom
        self.notifiedBefore = notifiedBefore
        self.search = search
    }
}

/// Reading incidents: one, or a page of those the caller's view reaches.
public struct IncidentQuery: Sendable {
    let postgres: PostgresClient

    /// An incident the caller reaches from any of their affiliations; 404 otherwise.
    public func incident(_ principal: Principal, id: UUID) async throws -> Incident {
        guard let incident = try await incidents(principal, ids: [id]).first else { throw DomainError.notFound("No such incident.") }
        return incident
    }

    /// The incidents of `ids` the caller reaches, in the order of `ids` (one query).
    public func incidents(_ principal: Principal, ids: [UUID]) async throws -> [Incident] {
        try principal.requireAccess(.incidentsRead)
        let found = try await postgres.query(Self.byIDsStatement(principal, ids: ids)).map(Incident.init(row:))
        return ids.compactMap { id in found.first { $0.id == id } }
    }

    /// The incident, locked for the rest of `session`'s transaction unless `lock` is false, if
    /// the caller reaches it; 404 otherwise.
    static func lockedIncident(_ principal: Principal, id: UUID, lock: Bool = true, session: PostgresSession) async throws -> Incident {
        let (visible, bindings) = visibility(principal, firstBinding: 2)
        guard let row = try await session.query("""
            SELECT \(Incident.columns) FROM incidents i \(Incident.joins) WHERE i.id = $1 AND \(visible) \(lock ? "FOR UPDATE OF i" : "")
            """, bindings: [id] + bindings).first else { throw DomainError.notFound("No such incident.") }
        return try Incident(row: row)
    }

    /// The incident as it is now in `session` (after changes made in its transaction).
    static func reload(_ id: UUID, session: PostgresSession) async throws -> Incident {
        try Incident(row: try await session.query("SELECT \(Incident.columns) FROM incidents i \(Incident.joins) WHERE i.id = $1", id).first!)
    }

    /// The query of ``incidents(_:ids:)``.
    static func byIDsStatement(_ principal: Principal, ids: [UUID]) -> Statement {
        let (condition, bindings) = visibility(principal, firstBinding: 2)
        return Statement(sql: "SELECT \(Incident.columns) FROM incidents i \(Incident.joins) WHERE i.id = ANY($1::uuid[]) AND \(condition)",
                         bindings: [ids] + bindings)
    }

    /// The incidents of `view`, newest notification first.
    public func list(_ principal: Principal, view: IncidentView, filter: IncidentFilter, limit: Int, cursor: String?) async throws -> Page<Incident> {
        try principal.requireAccess(.incidentsRead)
        try PageCursor.check(limit: limit)
        let statement = try Self.listStatement(principal, view: view, filter: filter, limit: limit, after: try PageCursor.decode(cursor))
        let rows = try await postgres.query(statement)
        return Page(fetched: try rows.map { row in
            let incident = try Incident(row: row)
            return (incident, try row.decode("sort_key"), incident.id)
        }, limit: limit)
    }

    /// The page query of ``list(_:view:filter:limit:cursor:)``.
    static func listStatement(_ principal: Principal, view: IncidentView, filter: IncidentFilter, limit: Int, after: (String, UUID)?) throws -> Statement {
        let (scope, scopeBindings) = try Self.scope(principal, view: view)
        var bindings = scopeBindings
        let first = bindings.count
        func p(_ offset: Int) -> String { "$\(first + offset)" }
        bindings += [filter.isOpen.map { $0 ? "open" : "closed" }, filter.regulationID, filter.workflowID, filter.sectorID, filter.significant,
                     filter.crossBorder, filter.notificationType?.rawValue, filter.notifiedFrom, filter.notifiedBefore, Queries.containing(filter.search),
                     after?.0, after?.1, limit + 1]
        return Statement(sql: """
            SELECT \(Incident.columns), to_char(i.notified_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS sort_key
            FROM incidents i \(Incident.joins)
            WHERE \(scope)
              AND (\(p(1))::text IS NULL OR i.status = \(p(1)))
              AND (\(p(2))::uuid IS NULL OR i.regulation_id = \(p(2)))
              AND (\(p(3))::uuid IS NULL OR i.workflow_id = \(p(3)))
              AND (\(p(4))::uuid IS NULL OR EXISTS (SELECT 1 FROM incident_sectors x WHERE x.incident_id = i.id AND x.sector_id = \(p(4))))
              AND (\(p(5))::boolean IS NULL OR i.significant = \(p(5)))
              AND (\(p(6))::boolean IS NULL OR i.cross_border = \(p(6)))
              AND (\(p(7))::text IS NULL OR i.notification_type = \(p(7)))
              AND (\(p(8))::timestamptz IS NULL OR i.notified_at >= \(p(8)))
              AND (\(p(9))::timestamptz IS NULL OR i.notified_at < \(p(9)))
              AND (\(p(10))::text IS NULL OR i.reference ILIKE \(p(10)) OR i.notifier_name ILIKE \(p(10)))
              AND (\(p(11))::text IS NULL OR (i.notified_at, i.id) < ((\(p(11)) || 'Z')::timestamptz, \(p(12))::uuid))
            ORDER BY i.notified_at DESC, i.id DESC
            LIMIT \(p(13))::int
            """, bindings: bindings)
    }

    /// The incidents of `view` as SQL over `incidents i`, with bindings from `$1`.
    ///
    /// - Throws: 403 for a view the caller does not have.
    static func scope(_ principal: Principal, view: IncidentView) throws -> (String, [(any PostgresEncodable)?]) {
        let scope: String
        let bindings: [(any PostgresEncodable)?]
        let affiliations = principal.affiliations
        switch view {
        case .operator(let operatorID):
            guard affiliations.operators.contains(where: { $0.operatorID == operatorID && $0.isApproved }) else {
                throw DomainError.forbidden("You are not an approved member of this operator.")
            }
            scope = "i.operator_id = $1"
            bindings = [operatorID]
        case .reviewer:
            guard let regulator = affiliations.regulator else { throw Self.wrongView("reviewer", principal) }
            scope = "i.regulator_id = $1 AND \(sectorCondition(administrator: "$2", sectors: "$3"))"
            bindings = [regulator.regulatorID, regulator.isAdministrator, regulator.sectorIDs]
        case .regulatorNotifier:
            guard let regulator = affiliations.regulator else { throw Self.wrongView("notifier", principal) }
            scope = "i.notifier_regulator_id = $1"
            bindings = [regulator.regulatorID]
        case .observer:
            guard let observer = affiliations.observer else { throw Self.wrongView("observer", principal) }
            scope = "EXISTS (SELECT 1 FROM incident_observers io WHERE io.incident_id = i.id AND io.observer_id = $1)"
            bindings = [observer.observerID]
        case .independent:
            guard affiliations.role == .independentUser else { throw Self.wrongView("independent", principal) }
            scope = "i.operator_id IS NULL AND i.notifier_regulator_id IS NULL AND i.notifier_user_id = $1"
            bindings = [principal.userID]
        }
        return (scope, bindings)
    }

    /// Regulator staff see their regulator's incidents in their sectors; administrators all of
    /// them; incidents without sectors are seen by all the regulator's staff.
    private static func sectorCondition(administrator: String, sectors: String) -> String {
        """
        (\(administrator)::boolean OR NOT EXISTS (SELECT 1 FROM incident_sectors x WHERE x.incident_id = i.id)
         OR EXISTS (SELECT 1 FROM incident_sectors x WHERE x.incident_id = i.id AND x.sector_id = ANY(\(sectors)::uuid[])))
        """
    }

    /// Whether the caller reaches an incident from any affiliation, as SQL over `incidents i`
    /// with bindings from `$firstBinding`.
    static func visibility(_ principal: Principal, firstBinding: Int) -> (String, [(any PostgresEncodable)?]) {
        let affiliations = principal.affiliations
        let n = firstBinding
        let condition = """
            (i.operator_id = ANY($\(n)::uuid[])
             OR (i.operator_id IS NULL AND i.notifier_regulator_id IS NULL AND i.notifier_user_id = $\(n + 1))
             OR i.notifier_regulator_id = $\(n + 2)
             OR (i.regulator_id = $\(n + 2) AND \(sectorCondition(administrator: "$\(n + 3)", sectors: "$\(n + 4)")))
             OR EXISTS (SELECT 1 FROM incident_observers io WHERE io.incident_id = i.id AND io.observer_id = $\(n + 5)))
            """
        return (condition, [
            affiliations.operators.filter(\.isApproved).map(\.operatorID), principal.userID, affiliations.regulator?.regulatorID,
            affiliations.regulator?.isAdministrator ?? false, affiliations.regulator?.sectorIDs ?? [], affiliations.observer?.observerID,
        ])
    }

    private static func wrongView(_ view: String, _ principal: Principal) -> DomainError {
        DomainError.forbidden("Your role (\(principal.role)) has no \(view) view of incidents.")
    }
}
