import Foundation

/// Every incident-module operation the permission matrix decides.
public enum IncidentAction: String, Sendable, CaseIterable {
    /// Templates, impacts, questions, report types and workflows of a regulator.
    case readConfiguration, manageConfiguration

    /// The action that decides whether the caller may know the object exists (404 without it,
    /// 403 with it).
    var visibility: IncidentAction {
        switch self {
        case .manageConfiguration: return .readConfiguration
        default: return self
        }
    }
}

/// The role × action matrix of the incident module.
public enum IncidentPolicy {
    public static let matrix: [IncidentAction: [Role: Reach]] = [
        // A regulator's configuration is its own: other regulators, the platform administrator,
        // observers and operators never see it (operators meet it through their incidents).
        .readConfiguration: [.regulatorAdmin: .own, .regulatorUser: .own],
        .manageConfiguration: [.regulatorAdmin: .own],
    ]

    public static func reach(_ role: Role, _ action: IncidentAction) -> Reach {
        matrix[action]?[role] ?? .none
    }
}

extension Affiliations {
    public func allows(_ action: IncidentAction, at organisation: OrganisationRef? = nil) -> Bool {
        allows(at: organisation) { IncidentPolicy.reach($0, action) }
    }

    public func authorize(_ action: IncidentAction, at organisation: OrganisationRef? = nil, object: String = "object") throws {
        try authorize(action.rawValue, at: organisation, object: object, allowed: allows(action, at: organisation),
                      visible: action.visibility != action && allows(action.visibility, at: organisation))
    }
}
