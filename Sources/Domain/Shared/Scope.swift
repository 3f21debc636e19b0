/// What a personal access token may do: read or write, per module.
public enum Scope: String, Sendable, CaseIterable, Codable {
    case governanceRead = "governance:read"
    case governanceWrite = "governance:write"
    case incidentsRead = "incidents:read"
    case incidentsWrite = "incidents:write"
    case securityObjectivesRead = "security_objectives:read"
    case securityObjectivesWrite = "security_objectives:write"
    case reportingRead = "reporting:read"
    case reportingWrite = "reporting:write"
}

extension Principal {
    /// Session tokens carry every scope; personal tokens only those chosen at creation.
    /// A write scope implies the read scope of its module.
    public func allows(_ scope: Scope) -> Bool {
        if tokenKind == .session { return true }
        if scopes.contains(scope.rawValue) { return true }
        if scope.rawValue.hasSuffix(":read") {
            return scopes.contains(scope.rawValue.replacingOccurrences(of: ":read", with: ":write"))
        }
        return false
    }

    /// The gate of every module call: full access (terms accepted, second factor enrolled where
    /// required), then `scope`.
    public func requireAccess(_ scope: Scope) throws {
        try requireFullAccess()
        try require(scope)
    }

    /// - Throws: ``DomainError/missingScope(_:)`` when the token lacks `scope`.
    public func require(_ scope: Scope) throws {
        guard allows(scope) else { throw DomainError.missingScope(scope.rawValue) }
    }
}
