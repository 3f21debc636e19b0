import Foundation
import Postgres

/// Small statements several services share.
enum Queries {
    /// An `ILIKE` pattern matching text that contains `search` literally (`%`, `_` and `\` escaped).
    static func containing(_ search: String?) -> String? {
        search.map { "%" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%",
                                                                                                with: "\\%").replacingOccurrences(of: "_",
            with: "\\_") + "%" }
    }

    /// Deletes the row `id` of `table`; with `owner`, only if that column holds that value (a
    /// row of another organisation is "no such row").
    ///
    /// - Throws: ``DomainError/notFound(_:)`` naming `noun` when there is no such row,
    ///   ``DomainError/conflict(_:)`` with `inUse` while other rows still refer to it.
    static func delete(from table: String, id: UUID, owner: (column: String, id: UUID)? = nil, noun: String, inUse: String,
                       session: PostgresSession) async throws {
        do {
            let deleted = if let owner {
                try await session.query("DELETE FROM \(table) WHERE id = $1 AND \(owner.column) = $2 RETURNING id", id, owner.id)
            } else {
                try await session.query("DELETE FROM \(table) WHERE id = $1 RETURNING id", id)
            }
            guard deleted.count == 1 else {
                throw DomainError.notFound("No such \(noun).")
            }
        } catch let error as PostgresError where error.isForeignKeyViolation {
            throw DomainError.conflict(inUse)
        }
    }
}
