import Foundation
import Postgres

/// Which declarations a caller reaches, and the access log of what they did with them.
///
/// The operator's side: approved members of the declaring operator, for standards of regulators
/// with the module. The regulator's side: staff of the standard's regulator, never on drafts;
/// administrators for every sector, other staff where their sectors meet the declaration's.
enum DeclarationAccess {
    /// The condition over `declarations d` and its bindings, numbered from `firstBinding`.
    static func visibility(_ caller: SecurityObjectivesGate.Caller, firstBinding: Int) -> (String, [(any PostgresEncodable)?]) {
        let n = firstBinding
        switch caller {
        case .regulator(let id, true, _):
            return ("d.regulator_id = $\(n) AND d.status <> 'draft'", [id])
        case .regulator(let id, false, let sectorIDs):
            // The sector scope only when it applies: `$admin OR EXISTS (...)` was planned as a
            // hashed subplan reading every declaration's sectors.
            return ("""
                d.regulator_id = $\(n) AND d.status <> 'draft' AND EXISTS (
                    SELECT 1 FROM declaration_sectors x WHERE x.declaration_id = d.id AND x.sector_id = ANY($\(n + 1)::uuid[]))
                """, [id, sectorIDs])
        case .operatorMember(let operatorIDs):
            return ("""
                d.operator_id = ANY($\(n)::uuid[])
                AND EXISTS (SELECT 1 FROM regulators r WHERE r.id = d.regulator_id AND 'securityObjectives' = ANY(r.modules))
                """, [operatorIDs])
        }
    }

    static func isRegulator(_ caller: SecurityObjectivesGate.Caller) -> Bool {
        if case .regulator = caller { return true }
        return false
    }

    /// Declaration `id` as `caller` sees it; with `lock`, its row stays locked until the
    /// transaction ends.
    ///
    /// - Throws: 404 when the caller does not reach it.
    static func reachable(_ id: UUID, _ caller: SecurityObjectivesGate.Caller, lock: Bool, session: PostgresSession) async throws -> Declaration {
        let (condition, bindings) = visibility(caller, firstBinding: 2)
        if lock {
            guard try await session.query("SELECT 1 FROM declarations d WHERE d.id = $1 AND \(condition) FOR UPDATE",
                                          bindings: [id] + bindings).count == 1 else { throw DomainError.notFound("No such declaration.") }
        }
        guard let row = try await session.query("SELECT \(Declaration.columns) FROM declarations d \(Declaration.joins) WHERE d.id = $1 AND \(condition)",
                                                bindings: [id] + bindings).first else { throw DomainError.notFound("No such declaration.") }
        return try Declaration(row: row, seenByRegulator: isRegulator(caller))
    }

    /// Reloads a declaration the caller reached (after a change).
    static func reload(_ id: UUID, seenByRegulator: Bool, session: PostgresSession) async throws -> Declaration {
        guard let row = try await session.query("SELECT \(Declaration.columns) FROM declarations d \(Declaration.joins) WHERE d.id = $1",
                                                id).first else {
            throw DomainError.notFound("No such declaration.")
        }
        return try Declaration(row: row, seenByRegulator: seenByRegulator)
    }

    /// Records `action` by `principal` on declaration `id`, inside the transaction; the names are
    /// copied so the entry outlives the account.
    static func record(_ action: DeclarationAccessAction, by principal: Principal, regulatorSide: Bool, declarationID: UUID, operatorID: UUID,
                       session: PostgresSession) async throws {
        let role = regulatorSide ? principal.role : principal.affiliations.role(for: operatorID)
        try await session.query("""
            INSERT INTO declaration_access_log (declaration_id, user_id, user_name, role, side, organisation_name, action)
            SELECT $1, u.id, trim(u.first_name || ' ' || u.last_name), $2, $3,
                   coalesce(CASE WHEN $3 = 'regulator' THEN (SELECT name->>'en' FROM regulators WHERE id = $4::uuid)
                                 ELSE (SELECT name FROM operators WHERE id = $5::uuid) END, ''), $6
            FROM users u WHERE u.id = $7
            """, bindings: [declarationID, role.rawValue, regulatorSide ? "regulator" : "operator", principal.affiliations.regulator?.regulatorID,
                            operatorID, action.rawValue, principal.userID])
    }
}

/// What an access log entry of a declaration records.
public enum DeclarationAccessAction: String, Sendable, CaseIterable {
    case created, read, copied, submitted, commented, reviewSent, downloaded, imported
}

/// One entry of a declaration's access log; names as they were at the time.
public struct DeclarationAccessEntry: Sendable, Equatable {
    public var id: UUID
    public var at: Date
    public var userName: String
    public var role: String
    /// `operator` or `regulator`.
    public var side: String
    public var organisationName: String
    public var action: DeclarationAccessAction
}
