import Foundation
import Postgres

/// Who reaches the reporting module: regulator staff of a regulator that has it switched on.
/// Everyone else (operators, observers, independent users, the platform administrator) finds no
/// module at all (404). Regulator users who are not administrators work within their sectors.
enum ReportingGate {
    /// A regulator's staff member as the module sees them.
    struct Caller: Sendable, Equatable {
        var regulatorID: UUID
        var isAdministrator: Bool
        var sectorIDs: [UUID]

        /// Whether the caller works in `sectorID`.
        func covers(_ sectorID: UUID) -> Bool {
            isAdministrator || sectorIDs.contains(sectorID)
        }

        /// The sector condition of a query on column `column`, with the caller's sectors bound
        /// as parameter `$n` (no condition for administrators).
        func sectorCondition(_ column: String, parameter n: Int) -> (sql: String, bindings: [any PostgresEncodable]) {
            isAdministrator ? ("TRUE", []) : ("\(column) = ANY($\(n)::uuid[])", [sectorIDs])
        }
    }

    static let unavailable = "The reporting module is not available to you."

    /// - Throws: 404 for callers outside the module; 403 for a token without the scope.
    static func caller(_ principal: Principal, write: Bool, session: PostgresSession) async throws -> Caller {
        try principal.requireAccess(write ? .reportingWrite : .reportingRead)
        guard let link = principal.affiliations.regulator, !principal.affiliations.isPlatformAdmin,
              try await Module.reporting.isOn(for: link.regulatorID, session: session)
        else { throw DomainError.notFound(unavailable) }
        return Caller(regulatorID: link.regulatorID, isAdministrator: link.isAdministrator, sectorIDs: link.sectorIDs)
    }
}
