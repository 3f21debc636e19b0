import Foundation
import Postgres

/// Every governance operation the permission matrix decides.
public enum GovernanceAction: String, Sendable, CaseIterable {
    /// Sectors, regulations, entity categories and regulators: reference data every role reads.
    case readReferenceData
    case manageRegulations, manageEntityCategories
    case createSector
    /// Update or delete: a regulator administrator changes the sectors their regulator created.
    case changeSector
    case createRegulator, updateRegulator, deleteRegulator
    /// Modules of regulators and observers, and an observer's "receives all incidents" flag.
    case setPrivileges
    case readObserver, createObserver, updateObserver, deleteObserver
    case readRoutingRules, manageRoutingRules
    /// An observer's Request Tracker configuration (never its token) and its delivery log.
    case readTicketing, manageTicketing
    case readOperator, createOperator, updateOperator
    /// An operator's identifier, sectors and entity categories: set by regulators.
    case classifyOperator
    case deleteOperator
    case readRegulatorMembers, manageRegulatorMembers
    case readObserverMembers, manageObserverMembers
    case readOperatorMembers, manageOperatorMembers
    /// The export right on regulator and observer memberships (checked after the membership
    /// management right, so refusals are 403).
    case grantExportRight
    case listUsers, createUser, updateUser, deactivateUser, deleteUser, resetUserTOTP, revokeUserSessions
    case readAuditLog
    /// Make every user accept the terms of use again (after a change of the terms).
    case resetTermsAcceptance
    /// Background jobs and queues: list, retry, discard (platform operations).
    case administerJobs

    /// The action that decides whether the caller may know the object exists: without it an
    /// object answers 404, with it 403.
    var visibility: GovernanceAction {
        switch self {
        case .manageRegulations, .manageEntityCategories, .createSector, .changeSector, .createRegulator, .updateRegulator, .deleteRegulator:
            return .readReferenceData
        case .setPrivileges, .createObserver, .updateObserver, .deleteObserver, .readTicketing, .manageTicketing: return .readObserver
        case .manageRoutingRules: return .readRoutingRules
        case .createOperator, .updateOperator, .classifyOperator, .deleteOperator: return .readOperator
        case .manageRegulatorMembers: return .readRegulatorMembers
        case .manageObserverMembers: return .readObserverMembers
        case .manageOperatorMembers: return .readOperatorMembers
        case .createUser, .updateUser, .deactivateUser, .deleteUser, .resetUserTOTP, .revokeUserSessions: return .listUsers
        default: return self
        }
    }
}

/// The role × action matrix of the governance module, in one place. Object scoping ("own") is
/// decided by ``Affiliations/authorize(_:at:)``; user targets by ``Affiliations/mayAct(_:onUser:_:callerID:)``.
public enum GovernancePolicy {
    private static let everyone: [Role: Reach] = Dictionary(uniqueKeysWithValues: Role.allCases.map { ($0, .all) })

    public static let matrix: [GovernanceAction: [Role: Reach]] = [
        .readReferenceData: everyone,
        .manageRegulations: [.platformAdmin: .all],
        .manageEntityCategories: [.platformAdmin: .all],
        .createSector: [.platformAdmin: .all, .regulatorAdmin: .all],
        .changeSector: [.platformAdmin: .all, .regulatorAdmin: .own],
        .createRegulator: [.platformAdmin: .all],
        .updateRegulator: [.platformAdmin: .all, .regulatorAdmin: .own],
        .deleteRegulator: [.platformAdmin: .all],
        .setPrivileges: [.platformAdmin: .all],
        .readObserver: [.platformAdmin: .all, .regulatorAdmin: .all, .observerAdmin: .own, .observerUser: .own],
        .createObserver: [.platformAdmin: .all],
        .updateObserver: [.platformAdmin: .all, .observerAdmin: .own],
        .deleteObserver: [.platformAdmin: .all],
        .readRoutingRules: [.platformAdmin: .all, .observerAdmin: .own, .observerUser: .own],
        .manageRoutingRules: [.platformAdmin: .all],
        .readTicketing: [.platformAdmin: .all, .observerAdmin: .own],
        .manageTicketing: [.platformAdmin: .all, .observerAdmin: .own],
        .readOperator: [.regulatorAdmin: .all, .regulatorUser: .all, .operatorAdmin: .own, .operatorUser: .own],
        .createOperator: [.regulatorAdmin: .all, .regulatorUser: .all],
        .updateOperator: [.regulatorAdmin: .all, .regulatorUser: .all, .operatorAdmin: .own],
        .classifyOperator: [.regulatorAdmin: .all, .regulatorUser: .all],
        .deleteOperator: [.regulatorAdmin: .all],
        .readRegulatorMembers: [.platformAdmin: .all, .regulatorAdmin: .own, .regulatorUser: .own],
        .manageRegulatorMembers: [.platformAdmin: .all, .regulatorAdmin: .own],
        .readObserverMembers: [.platformAdmin: .all, .observerAdmin: .own, .observerUser: .own],
        .manageObserverMembers: [.platformAdmin: .all, .observerAdmin: .own],
        .readOperatorMembers: [.regulatorAdmin: .all, .regulatorUser: .all, .operatorAdmin: .own, .operatorUser: .own],
        .manageOperatorMembers: [.regulatorAdmin: .all, .regulatorUser: .all, .operatorAdmin: .own],
        .grantExportRight: [.platformAdmin: .all],
        .listUsers: [.platformAdmin: .own, .regulatorAdmin: .own, .regulatorUser: .own, .observerAdmin: .own, .operatorAdmin: .own],
        .createUser: [.platformAdmin: .own, .regulatorAdmin: .own, .regulatorUser: .own, .observerAdmin: .own, .operatorAdmin: .own],
        .updateUser: [.platformAdmin: .own, .regulatorAdmin: .own, .regulatorUser: .own, .observerAdmin: .own, .operatorAdmin: .own],
        .deactivateUser: [.platformAdmin: .own, .regulatorAdmin: .own, .regulatorUser: .own],
        .deleteUser: [.platformAdmin: .own, .regulatorAdmin: .own, .observerAdmin: .own],
        .resetUserTOTP: [.platformAdmin: .own, .regulatorAdmin: .own, .regulatorUser: .own, .observerAdmin: .own, .operatorAdmin: .own],
        .revokeUserSessions: [.platformAdmin: .own, .regulatorAdmin: .own, .regulatorUser: .own, .observerAdmin: .own, .operatorAdmin: .own],
        .readAuditLog: [.platformAdmin: .all, .regulatorAdmin: .own],
        .resetTermsAcceptance: [.platformAdmin: .all],
        .administerJobs: [.platformAdmin: .all],
    ]

    public static func reach(_ role: Role, _ action: GovernanceAction) -> Reach {
        matrix[action]?[role] ?? .none
    }
}

extension Affiliations {
    /// Whether the matrix lets the user do `action` to an object of `organisation`; with no
    /// organisation, whether it lets them do it anywhere (for lists and creation).
    public func allows(_ action: GovernanceAction, at organisation: OrganisationRef? = nil) -> Bool {
        allows(at: organisation) { GovernancePolicy.reach($0, action) }
    }

    /// - Throws: ``DomainError/notFound(_:)`` when the user may not even see the object,
    ///   ``DomainError/forbidden(_:)`` when they see it but may not do this, or when the action
    ///   aims at no particular object (lists, creation).
    public func authorize(_ action: GovernanceAction, at organisation: OrganisationRef? = nil, object: String = "object") throws {
        try authorize(action.rawValue, at: organisation, object: object, allowed: allows(action, at: organisation),
                      visible: action.visibility != action && allows(action.visibility, at: organisation))
    }

    /// The decision of every module's matrix: `reach` gives a role's reach for the action.
    func allows(at organisation: OrganisationRef?, reach: (Role) -> Reach) -> Bool {
        guard let organisation else {
            if reach(role) != .none { return true }
            // An operator user's reach can come from another membership than the general role's.
            return operators.contains { $0.isApproved && reach(role(for: $0.operatorID)) != .none }
        }
        switch reach(role(at: organisation)) {
        case .all: return true
        case .own: return belongs(to: organisation)
        case .none: return false
        }
    }

    /// Throws the refusal of an action the matrix does not allow: 403 when the object is
    /// `visible` (or there is none), 404 otherwise.
    func authorize(_ action: String, at organisation: OrganisationRef?, object: String, allowed: Bool, visible: Bool) throws {
        guard !allowed else { return }
        if organisation == nil || visible {
            throw DomainError.forbidden("Your role (\(organisation.map { role(at: $0) } ?? role)) may not do this (\(action)).")
        }
        throw DomainError.notFound("No such \(object).")
    }

    // MARK: Users as targets

    /// Whether the caller may do the user `action` to `target` (who is `targetID`), a user already
    /// found within the caller's reach (``administeredUsersCondition()``). Users always see
    /// themselves; the administrative actions never apply to oneself (the account endpoints under
    /// /users/me do).
    func mayAct(_ action: GovernanceAction, onUser target: Affiliations, _ targetID: UUID, callerID: UUID) -> Bool {
        if targetID == callerID { return action == .listUsers || action == .updateUser }
        guard GovernancePolicy.reach(role, action) != .none else { return false }
        let isOperatorSide = !target.isPlatformAdmin && target.regulator == nil && target.observer == nil
        switch (action, role) {
        case (.updateUser, .regulatorUser), (.revokeUserSessions, .regulatorUser):
            return isOperatorSide
        case (.deactivateUser, .platformAdmin):
            return target.isPlatformAdmin || target.regulator?.isAdministrator == true
        case (.deactivateUser, _):
            return !target.isPlatformAdmin
        case (.resetUserTOTP, .regulatorAdmin):
            return target.regulator != nil
        case (.resetUserTOTP, .regulatorUser):
            return isOperatorSide
        default:
            return true
        }
    }
}

extension Affiliations {
    /// Whether the caller reaches every organisation `target` belongs to (their regulator or
    /// observer, and every operator, approved or pending): the condition of security actions on
    /// another user. Platform administrators reach everything; regulator staff every operator;
    /// operator administrators only the operators they administer.
    func reachesEveryOrganisation(of target: Affiliations) -> Bool {
        if isPlatformAdmin { return true }
        if let other = target.regulator, regulator?.regulatorID != other.regulatorID { return false }
        if let other = target.observer, observer?.observerID != other.observerID { return false }
        if isRegulatorStaff { return true }
        let administered = Set(administeredOperatorIDs)
        return target.operators.allSatisfy { administered.contains($0.operatorID) }
    }

    /// The users the caller administers — the "own" of the user actions — as a condition over
    /// `users u` joined as in ``Affiliations/joins``, for lists and single lookups alike: platform
    /// administrators reach platform administrators, regulator and observer administrators and
    /// users without memberships; regulator administrators their regulator's staff and everyone
    /// outside regulators and observers; regulator users the same without regulator
    /// administrators; observer administrators their observer's members; operator administrators
    /// the members of the operators they administer. `$1` is the caller's id and always matches
    /// (users see themselves). Returns the condition and its bindings after `$1`, from `$2`.
    func administeredUsersCondition() -> (sql: String, bindings: [(any PostgresEncodable)?]) {
        let outsider = "(NOT u.is_platform_admin AND rm.user_id IS NULL AND om.user_id IS NULL)"
        let condition: String
        var bindings: [(any PostgresEncodable)?] = []
        switch role {
        case .platformAdmin:
            condition = """
                u.is_platform_admin OR rm.is_administrator OR om.is_administrator
                OR (\(outsider) AND NOT EXISTS (SELECT 1 FROM operator_memberships x WHERE x.user_id = u.id))
                """
        case .regulatorAdmin:
            condition = "\(outsider) OR rm.regulator_id = $2"
            bindings = [regulator?.regulatorID]
        case .regulatorUser:
            condition = "\(outsider) OR (rm.regulator_id = $2 AND NOT rm.is_administrator)"
            bindings = [regulator?.regulatorID]
        case .observerAdmin:
            condition = "om.observer_id = $2"
            bindings = [observer?.observerID]
        case .operatorAdmin:
            condition = "EXISTS (SELECT 1 FROM operator_memberships x WHERE x.user_id = u.id AND x.operator_id = ANY($2::uuid[]))"
            bindings = [administeredOperatorIDs]
        case .observerUser, .operatorUser, .independentUser:
            condition = "false"
        }
        return ("(u.id = $1 OR \(condition))", bindings)
    }
}
