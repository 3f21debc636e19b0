import Foundation
import Postgres

/// The filters of the declaration list; `nil` does not filter.
public struct DeclarationFilter: Sendable {
    public var standardID: UUID?
    public var status: DeclarationStatus?
    public var year: Int?
    public var sectorID: UUID?
    public var operatorID: UUID?
    /// In the reference, the operator's name or the creator's name.
    public var search: String?

    public init(standardID: UUID? = nil, status: DeclarationStatus? = nil, year: Int? = nil, sectorID: UUID? = nil, operatorID: UUID? = nil,
                search: String? = nil) {
        self.standardID = standardID
        self.status = status
        self.year = year
        self.sectorID = sectorID
        self.operatorID = operatorID
        self.search = search
    }
}

/// The orders of the declaration list.
public enum DeclarationSort: String, Sendable, CaseIterable {
    /// Last changed first (the default).
    case newest
    case oldest
    case reference
    case referenceDescending
    /// Latest year first.
    case year

    var column: String {
        switch self {
        case .newest, .oldest: "d.updated_at"
        case .reference, .referenceDescending: "g.reference"
        case .year: "d.year"
        }
    }

    var descending: Bool { self == .newest || self == .referenceDescending || self == .year }

    /// The key as text for the cursor, and the key read back from it.
    var key: String {
        switch self {
        case .newest, .oldest: "to_char(d.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US')"
        case .reference, .referenceDescending: "g.reference"
        case .year: "d.year::text"
        }
    }

    func cursorValue(_ placeholder: String) -> String {
        switch self {
        case .newest, .oldest: "(\(placeholder) || 'Z')::timestamptz"
        case .reference, .referenceDescending: placeholder
        case .year: "\(placeholder)::int"
        }
    }
}

/// Reading declarations: the caller's list (the latest version of each group they see), the
/// versions of one, and its access log.
public struct DeclarationQuery: Sendable {
    let postgres: PostgresClient

    public func list(_ principal: Principal, filter: DeclarationFilter, sort: DeclarationSort = .newest, limit: Int, cursor: String?) async throws
        -> Page<Declaration> {
        try PageCursor.check(limit: limit)
        let after = try PageCursor.decode(cursor)
        return try await postgres.withSession { session in
            let caller = try await SecurityObjectivesGate.caller(principal, write: false, session: session)
            let statement = Self.listStatement(caller, filter: filter, sort: sort, limit: limit, after: after)
            let regulator = DeclarationAccess.isRegulator(caller)
            return Page(fetched: try await session.query(statement).map { row in
                let declaration = try Declaration(row: row, seenByRegulator: regulator)
                return (declaration, try row.decode("sort_key"), declaration.id)
            }, limit: limit)
        }
    }

    /// The page query of ``list(_:filter:sort:limit:cursor:)``.
    static func listStatement(_ caller: SecurityObjectivesGate.Caller, filter: DeclarationFilter, sort: DeclarationSort, limit: Int,
                              after: (String, UUID)?) -> Statement {
        let (scope, scopeBindings) = DeclarationAccess.visibility(caller, firstBinding: 1)
        var bindings = scopeBindings
        // The latest version of each group the caller sees (regulators never see drafts).
        var conditions = [scope, """
            NOT EXISTS (SELECT 1 FROM declarations n WHERE n.group_id = d.group_id AND n.version > d.version
                        \(DeclarationAccess.isRegulator(caller) ? "AND n.status <> 'draft'" : ""))
            """]
        func add(_ value: any PostgresEncodable, _ condition: (String) -> String) {
            bindings.append(value)
            conditions.append(condition("$\(bindings.count)"))
        }
        if let standardID = filter.standardID { add(standardID) { "d.standard_id = \($0)" } }
        if let status = filter.status {
            // The operator's side asks for what it sees: `submitted` covers the interim verdicts.
            if !DeclarationAccess.isRegulator(caller), status == .submitted {
                add(["submitted", "passedPending", "revisionRequiredPending"]) { "d.status = ANY(\($0)::text[])" }
            } else {
                add(status.rawValue) { "d.status = \($0)" }
            }
        }
        if let year = filter.year { add(year) { "d.year = \($0)" } }
        if let sectorID = filter.sectorID {
            add(sectorID) { "EXISTS (SELECT 1 FROM declaration_sectors x WHERE x.declaration_id = d.id AND x.sector_id = \($0))" }
        }
        if let operatorID = filter.operatorID { add(operatorID) { "d.operator_id = \($0)" } }
        if let search = Queries.containing(filter.search) {
            add(search) { "(g.reference ILIKE \($0) OR d.operator_name ILIKE \($0) OR d.creator_name ILIKE \($0))" }
        }
        let direction = sort.descending ? "DESC" : "ASC"
        if let (value, id) = after {
            bindings.append(value)
            bindings.append(id)
            conditions.append("(\(sort.column), d.id) \(sort.descending ? "<" : ">") (\(sort.cursorValue("$\(bindings.count - 1)")), $\(bindings.count)::uuid)")
        }
        bindings.append(limit + 1)
        return Statement(sql: """
            SELECT \(Declaration.columns), \(sort.key) AS sort_key
            FROM declarations d \(Declaration.joins)
            WHERE \(conditions.joined(separator: "\n  AND "))
            ORDER BY \(sort.column) \(direction), d.id \(direction)
            LIMIT $\(bindings.count)::int
            """, bindings: bindings)
    }

    /// Every version of the declaration's group the caller sees, newest first.
    public func versions(_ principal: Principal, id: UUID) async throws -> [Declaration] {
        try await postgres.withSession { session in
            let caller = try await SecurityObjectivesGate.caller(principal, write: false, session: session)
            let declaration = try await DeclarationAccess.reachable(id, caller, lock: false, session: session)
            let (condition, bindings) = DeclarationAccess.visibility(caller, firstBinding: 2)
            return try await session.query("""
                SELECT \(Declaration.columns) FROM declarations d \(Declaration.joins) WHERE d.group_id = $1 AND \(condition) ORDER BY d.version DESC
                """, bindings: [declaration.groupID] + bindings).map { try Declaration(row: $0, seenByRegulator: declaration.seenByRegulator) }
        }
    }

    /// The access log of a declaration, newest first. The operator's side sees its own entries
    /// only; the regulator's staff see every entry.
    public func accessLog(_ principal: Principal, id: UUID, limit: Int, cursor: String?) async throws -> Page<DeclarationAccessEntry> {
        try PageCursor.check(limit: limit)
        let after = try PageCursor.decode(cursor)
        return try await postgres.withSession { session in
            let caller = try await SecurityObjectivesGate.caller(principal, write: false, session: session)
            let declaration = try await DeclarationAccess.reachable(id, caller, lock: false, session: session)
            return Page(fetched: try await session.query("""
                SELECT id, at, user_name, role, side, organisation_name, action,
                       to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS sort_key
                FROM declaration_access_log
                WHERE declaration_id = $1 AND ($2 OR side = 'operator')
                  AND ($3::text IS NULL OR (at, id) < (($3 || 'Z')::timestamptz, $4::uuid))
                ORDER BY at DESC, id DESC LIMIT $5
                """, id, declaration.seenByRegulator, after?.0, after?.1, limit + 1).map { row in
                let entry = DeclarationAccessEntry(
                    id: try row.decode("id"), at: try row.decode("at"), userName: try row.decode("user_name"), role: try row.decode("role"),
                    side: try row.decode("side"), organisationName: try row.decode("organisation_name"),
                    action: DeclarationAccessAction(rawValue: try row.decode("action")) ?? .read)
                return (entry, try row.decode("sort_key"), entry.id)
            }, limit: limit)
        }
    }
}
