import Foundation
import Postgres

/// A user's place in the organisations: the platform flag and their memberships.
public struct Affiliations: Sendable, Equatable {
    public struct RegulatorLink: Sendable, Equatable {
        public var regulatorID: UUID
        public var isAdministrator: Bool
        public var canExportIncidents: Bool
        public var sectorIDs: [UUID]
    }

    public struct ObserverLink: Sendable, Equatable {
        public var observerID: UUID
        public var isAdministrator: Bool
        public var canExportIncidents: Bool
    }

    public struct OperatorLink: Sendable, Equatable {
        public var operatorID: UUID
        public var isAdministrator: Bool
        public var isApproved: Bool
    }

    public var isPlatformAdmin: Bool
    public var regulator: RegulatorLink?
    public var observer: ObserverLink?
    public var operators: [OperatorLink]

    public init(isPlatformAdmin: Bool = false, regulator: RegulatorLink? = nil, observer: ObserverLink? = nil, operators: [OperatorLink] = []) {
        self.isPlatformAdmin = isPlatformAdmin
        self.regulator = regulator
        self.observer = observer
        self.operators = operators
    }

    /// The user's role: an operator role once any operator membership is approved (administrator
    /// if they administer one), otherwise independent user.
    public var role: Role {
        if isPlatformAdmin { return .platformAdmin }
        if let regulator { return regulator.isAdministrator ? .regulatorAdmin : .regulatorUser }
        if let observer { return observer.isAdministrator ? .observerAdmin : .observerUser }
        let approved = operators.filter(\.isApproved)
        if approved.isEmpty { return .independentUser }
        return approved.contains(where: \.isAdministrator) ? .operatorAdmin : .operatorUser
    }

    /// The role in `operatorID`'s affairs: from that membership when approved, otherwise the
    /// general role (which grants nothing there unless it is a regulator's).
    public func role(for operatorID: UUID) -> Role {
        if let link = operators.first(where: { $0.operatorID == operatorID && $0.isApproved }) {
            return link.isAdministrator ? .operatorAdmin : .operatorUser
        }
        return role
    }

    /// Whether the user has any membership at all.
    public var hasMemberships: Bool { regulator != nil || observer != nil || !operators.isEmpty }

    /// Whether the user is regulator staff, administrator or not.
    public var isRegulatorStaff: Bool { regulator != nil }

    /// The operators the user administers (approved memberships).
    public var administeredOperatorIDs: [UUID] { operators.filter { $0.isApproved && $0.isAdministrator }.map(\.operatorID) }

    /// The columns that load a user's affiliations, for a query over `users u`; decode them with
    /// ``init(row:)``.
    static let columns = """
        u.is_platform_admin,
        rm.regulator_id AS m_regulator_id, rm.is_administrator AS m_regulator_admin, rm.can_export_incidents AS m_regulator_export,
        ARRAY(SELECT s.sector_id FROM regulator_membership_sectors s WHERE s.user_id = u.id ORDER BY s.sector_id) AS m_regulator_sectors,
        om.observer_id AS m_observer_id, om.is_administrator AS m_observer_admin, om.can_export_incidents AS m_observer_export,
        ARRAY(SELECT o.operator_id::text || ':' || o.is_administrator::text || ':' || (o.approved_at IS NOT NULL)::text
              FROM operator_memberships o WHERE o.user_id = u.id ORDER BY o.created_at, o.operator_id) AS m_operators
        """

    /// ``role`` as an SQL expression over the same joins, for filtering lists by role.
    static let roleExpression = """
        CASE WHEN u.is_platform_admin THEN 'platformAdmin'
             WHEN rm.user_id IS NOT NULL THEN CASE WHEN rm.is_administrator THEN 'regulatorAdmin' ELSE 'regulatorUser' END
             WHEN om.user_id IS NOT NULL THEN CASE WHEN om.is_administrator THEN 'observerAdmin' ELSE 'observerUser' END
             WHEN EXISTS (SELECT 1 FROM operator_memberships x WHERE x.user_id = u.id AND x.approved_at IS NOT NULL AND x.is_administrator) THEN 'operatorAdmin'
             WHEN EXISTS (SELECT 1 FROM operator_memberships x WHERE x.user_id = u.id AND x.approved_at IS NOT NULL) THEN 'operatorUser'
             ELSE 'independentUser' END
        """

    /// The joins ``columns`` needs.
    static let joins = """
        LEFT JOIN regulator_memberships rm ON rm.user_id = u.id
        LEFT JOIN observer_memberships om ON om.user_id = u.id
        """

    init(row: PostgresRow) throws {
        isPlatformAdmin = try row.decode("is_platform_admin")
        if let id = try row.decode("m_regulator_id", as: UUID?.self) {
            regulator = RegulatorLink(regulatorID: id, isAdministrator: try row.decode("m_regulator_admin"),
                                      canExportIncidents: try row.decode("m_regulator_export"), sectorIDs: try row.decode("m_regulator_sectors"))
        }
        if let id = try row.decode("m_observer_id", as: UUID?.self) {
            observer = ObserverLink(observerID: id, isAdministrator: try row.decode("m_observer_admin"),
                                    canExportIncidents: try row.decode("m_observer_export"))
        }
        operators = try row.decode("m_operators", as: [String].self).compactMap { text in
            let parts = text.split(separator: ":")
            guard parts.count == 3, let id = UUID(uuidString: String(parts[0])) else { return nil }
            return OperatorLink(operatorID: id, isAdministrator: parts[1] == "true", isApproved: parts[2] == "true")
        }
    }

    /// The affiliations of `userID`; `nil` when there is no such user.
    static func load(_ userID: UUID, in session: PostgresSession) async throws -> Affiliations? {
        try await session.query("SELECT \(columns) FROM users u \(joins) WHERE u.id = $1", userID).first.map(Affiliations.init(row:))
    }

    /// The affiliations of a user who must exist (a demo account just written).
    ///
    /// - Throws: ``DomainError/inconsistency(_:)`` otherwise.
    static func required(_ userID: UUID, in session: PostgresSession) async throws -> Affiliations {
        try Affiliations(row: try await session.query("SELECT \(columns) FROM users u \(joins) WHERE u.id = $1", userID).required())
    }
}

extension Affiliations {
    /// The role that counts for an object of `organisation` (per operator for operators).
    public func role(at organisation: OrganisationRef) -> Role {
        if case .operator(let id) = organisation { return role(for: id) }
        return role
    }

    /// Whether the user belongs to `organisation` (approved, for operators).
    public func belongs(to organisation: OrganisationRef) -> Bool {
        switch organisation {
        case .platform: return false
        case .regulator(let id): return regulator?.regulatorID == id
        case .observer(let id): return observer?.observerID == id
        case .operator(let id): return operators.contains { $0.operatorID == id && $0.isApproved }
        }
    }
}
