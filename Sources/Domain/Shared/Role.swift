/// What a user may do, derived from their memberships; never set by hand.
public enum Role: String, Sendable, CaseIterable, Codable {
    case platformAdmin, regulatorAdmin, regulatorUser, observerAdmin, observerUser, operatorAdmin, operatorUser, independentUser
}
