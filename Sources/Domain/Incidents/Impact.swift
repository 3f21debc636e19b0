import Foundation
import Postgres

/// A qualifying impact of an incident, for some regulations and leaf sectors: ticking one in a
/// report makes the incident significant.
public struct Impact: Sendable, Equatable {
    public let id: UUID
    public let regulatorID: UUID
    public var label: LanguageMap
    public var headline: LanguageMap
    public var regulationIDs: [UUID]
    public var sectorIDs: [UUID]
    public var createdAt: Date
    public var updatedAt: Date

    static let columns = """
        i.id, i.regulator_id, i.label::text AS label, i.headline::text AS headline, i.created_at, i.updated_at,
        ARRAY(SELECT r.regulation_id FROM impact_regulations r WHERE r.impact_id = i.id ORDER BY r.regulation_id) AS regulation_ids,
        ARRAY(SELECT s.sector_id FROM impact_sectors s WHERE s.impact_id = i.id ORDER BY s.sector_id) AS sector_ids
        """

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        regulatorID = try row.decode("regulator_id")
        label = try LanguageMap.parse(try row.decode("label"))
        headline = try LanguageMap.parse(try row.decode("headline"))
        regulationIDs = try row.decode("regulation_ids")
        sectorIDs = try row.decode("sector_ids")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}

/// An impact as written: every field (creation and replacement).
public struct ImpactInput: Sendable {
    public var label: LanguageMap
    public var headline: LanguageMap?
    public var regulationIDs: [UUID]
    public var sectorIDs: [UUID]

    public init(label: LanguageMap, headline: LanguageMap?, regulationIDs: [UUID], sectorIDs: [UUID]) {
        self.label = label
        self.headline = headline
        self.regulationIDs = regulationIDs
        self.sectorIDs = sectorIDs
    }
}

/// A step of the notification form that groups questions.
public struct QuestionCategory: Sendable, Equatable {
    public let id: UUID
    public let regulatorID: UUID
    public var label: LanguageMap
    public var createdAt: Date
    public var updatedAt: Date

    static let columns = "c.id, c.regulator_id, c.label::text AS label, c.created_at, c.updated_at"

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        regulatorID = try row.decode("regulator_id")
        label = try LanguageMap.parse(try row.decode("label"))
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}
