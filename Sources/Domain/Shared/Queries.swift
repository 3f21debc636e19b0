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

    /// Deletes the row `id` of `table`.
    ///
    /// - Throws: ``DomainError/notFound(_:)`` naming `noun` when there is no such row,
    ///   ``DomainError/conflict(_:)`` with `inUse` while other rows still refer to it.
    static func delete(from table: String, id: UUID, noun: String, inUse: String, session: PostgresSession) async throws {
        do {
            guard try await session.query("DELETE FROM \(table) WHERE id = $1 RETURNING id", id).count == 1 else {
                throw DomainError.notFound("No such \(noun).")
            }
        } catch let error as PostgresError where error.isForeignKeyViolation {
            throw DomainError.conflict(inUse)
        }
    }
}
