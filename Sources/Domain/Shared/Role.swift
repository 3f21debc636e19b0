/// What a user may do, derived from their memberships; never set by hand.
public enum Role: String, Sendable, CaseIterable, Codable {
    case platformAdmin, regulatorAdmin, regulatorUser, observerAdmin, observerUser, operatorAdmin, operatorUser, independentUser

    /// The weight of the role's decisions over accounts: a decision (a deactivation) is undone
    /// only by a role of at least the same rank.
    public var authorityRank: Int {
        switch self {
        case .platformAdmin: 4
        case .regulatorAdmin, .observerAdmin: 3
        case .regulatorUser: 2
        case .operatorAdmin: 1
        case .observerUser, .operatorUser, .independentUser: 0
        }
    }
}
