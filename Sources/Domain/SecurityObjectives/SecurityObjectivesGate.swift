import Foundation
import Postgres

/// Who reaches the security objectives module: regulator staff of a regulator that has it
/// switched on, and operators' approved members (for standards of such regulators). Observers,
/// independent users and the platform administrator do not: for them the module does not exist
/// (404).
enum SecurityObjectivesGate {
    /// The caller as the module sees them.
    enum Caller: Sendable, Equatable {
        case regulator(id: UUID, isAdministrator: Bool, sectorIDs: [UUID])
        case operatorMember(operatorIDs: [UUID])
    }

    static let unavailable = "The security objectives module is not available to you."

    /// The caller's standing in the module, after the scope check.
    ///
    /// - Throws: 404 for callers outside the module (their regulator lacks it, or they are no
    ///   regulator staff nor operator member).
    static func caller(_ principal: Principal, write: Bool, session: PostgresSession) async throws -> Caller {
        try principal.requireAccess(write ? .securityObjectivesWrite : .securityObjectivesRead)
        let affiliations = principal.affiliations
        if affiliations.isPlatformAdmin { throw DomainError.notFound(unavailable) }
        if let link = affiliations.regulator {
            guard try await Module.securityObjectives.isOn(for: link.regulatorID, session: session) else { throw DomainError.notFound(unavailable) }
            return .regulator(id: link.regulatorID, isAdministrator: link.isAdministrator, sectorIDs: link.sectorIDs)
        }
        let operators = affiliations.operators.filter(\.isApproved).map(\.operatorID)
        guard affiliations.observer == nil, !operators.isEmpty else { throw DomainError.notFound(unavailable) }
        return .operatorMember(operatorIDs: operators)
    }
}
