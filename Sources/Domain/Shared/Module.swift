/// An optional module of the platform, enabled per regulator and observer.
public enum Module: String, Sendable, CaseIterable, Codable {
    case securityObjectives, reporting
}
