/// How far a role reaches for an action: nowhere, its own organisation (or its own users), or
/// everything.
public enum Reach: Sendable, Equatable {
    case none, own, all
}
