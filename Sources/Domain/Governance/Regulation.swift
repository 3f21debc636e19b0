import Foundation
import Postgres

/// A legal basis (NIS2, GDPR, CER...) and the regulators competent for it.
public struct Regulation: Sendable, Equatable {
    public let id: UUID
    public var label: LanguageMap
    public var regulatorIDs: [UUID]
    public var createdAt: Date
    public var updatedAt: Date

    static let columns = """
        r.id, r.label::text AS label, r.created_at, r.updated_at,
        ARRAY(SELECT rr.regulator_id FROM regulation_regulators rr WHERE rr.regulation_id = r.id ORDER BY rr.regulator_id) AS regulator_ids
        """

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        label = try LanguageMap.parse(try row.decode("label"))
        regulatorIDs = try row.decode("regulator_ids")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}
