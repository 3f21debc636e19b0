import Foundation
import Postgres

/// What an account's past decides about it: the regulator or observer it last left (only that
/// organisation's administrators may take it back) and the role that deactivated it (only a role
/// of at least that rank may reactivate it).
struct AccountStanding: Sendable {
    let formerOrganisationID: UUID?
    let deactivatedBy: Role?

    static func load(_ userID: UUID, session: PostgresSession) async throws -> AccountStanding {
        let row = try await session.query("SELECT former_organisation_id, deactivated_by_role FROM users WHERE id = $1", userID).first
        return AccountStanding(formerOrganisationID: try row?.decode("former_organisation_id"),
                               deactivatedBy: try row?.decode("deactivated_by_role", as: String?.self).flatMap(Role.init(rawValue:)))
    }

    /// - Throws: ``DomainError/forbidden(_:)`` when `principal`'s role ranks below the one that
    ///   deactivated the account.
    func checkReactivation(by principal: Principal) throws {
        guard let deactivatedBy, principal.role.authorityRank < deactivatedBy.authorityRank else { return }
        throw DomainError.forbidden("The account was deactivated by a \(UserAdministration.roleNames[deactivatedBy] ?? deactivatedBy.rawValue); "
                                    + "only that role or a higher one reactivates it.")
    }

    /// Records who deactivated `userID` (and, when they left a regulator or observer, which).
    static func recordDeactivation(_ userID: UUID, by principal: Principal, leaving organisation: UUID? = nil,
                                   session: PostgresSession) async throws {
        try await session.query("""
            UPDATE users SET is_active = false, deactivated_by_role = $2, former_organisation_id = coalesce($3, former_organisation_id) WHERE id = $1
            """, userID, principal.role.rawValue, organisation)
    }

    /// Reactivates `userID` and forgets the past decisions.
    static func recordReactivation(_ userID: UUID, session: PostgresSession) async throws {
        try await session.query("UPDATE users SET is_active = true, deactivated_by_role = NULL WHERE id = $1", userID)
    }
}
