import Foundation
import Postgres

/// A category of operators (public, private, critical infrastructure...), used by observer routing.
public struct EntityCategory: Sendable, Equatable {
    public let id: UUID
    public var code: String
    public var label: LanguageMap
    public var createdAt: Date
    public var updatedAt: Date

    static let columns = "id, code, label::text AS label, created_at, updated_at"

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        code = try row.decode("code")
        label = try LanguageMap.parse(try row.decode("label"))
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}
