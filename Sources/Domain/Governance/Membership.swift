import Foundation

/// A user's link to a regulator, observer or operator, with its flags.
public struct Membership: Sendable, Equatable {
    public let organisation: OrganisationRef
    public let userID: UUID
    public var email: String
    public var firstName: String
    public var lastName: String
    public var isActive: Bool
    public var isAdministrator: Bool
    /// Operator memberships grant nothing until approved; the others always are.
    public var isApproved: Bool
    /// Regulator and observer memberships: the right to export incidents (regulators: with the administrator flag).
    public var canExportIncidents: Bool
    /// Regulator users: the sectors they are limited to.
    public var sectorIDs: [UUID]
    public var createdAt: Date
}

/// Changes to a membership; `nil` leaves a flag as it is (or takes its default when adding).
public struct MembershipInput: Sendable {
    public var isAdministrator: Bool?
    public var canExportIncidents: Bool?
    public var sectorIDs: [UUID]?

    public init(isAdministrator: Bool? = nil, canExportIncidents: Bool? = nil, sectorIDs: [UUID]? = nil) {
        self.isAdministrator = isAdministrator
        self.canExportIncidents = canExportIncidents
        self.sectorIDs = sectorIDs
    }
}

/// An organisation that has members (a regulator, an observer or an operator), with where its
/// memberships are stored. Made from an ``OrganisationRef``; the platform itself has no members.
struct MembershipTarget: Sendable {
    let ref: OrganisationRef
    let id: UUID
    /// The membership table and its organisation column.
    let table: String
    let column: String
    /// The organisations' table and their name for messages.
    let organisations: String
    let noun: String

    /// - Throws: ``DomainError/notFound(_:)`` for `.platform`, which has no members.
    init(_ organisation: OrganisationRef) throws {
        ref = organisation
        switch organisation {
        case .regulator(let id): (self.id, table, column, organisations, noun) = (id, "regulator_memberships", "regulator_id", "regulators",
                                                                                  "regulator")
        case .observer(let id): (self.id, table, column, organisations, noun) = (id, "observer_memberships", "observer_id", "observers", "observer")
        case .operator(let id): (self.id, table, column, organisations, noun) = (id, "operator_memberships", "operator_id", "operators", "operator")
        case .platform: throw DomainError.notFound("No such organisation.")
        }
    }

    var isOperator: Bool { table == "operator_memberships" }
    var isRegulator: Bool { table == "regulator_memberships" }

    var readMembers: GovernanceAction {
        switch ref {
        case .regulator: .readRegulatorMembers
        case .observer: .readObserverMembers
        default: .readOperatorMembers
        }
    }

    var manageMembers: GovernanceAction {
        switch ref {
        case .regulator: .manageRegulatorMembers
        case .observer: .manageObserverMembers
        default: .manageOperatorMembers
        }
    }
}
