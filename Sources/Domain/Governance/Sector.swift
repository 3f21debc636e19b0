import Foundation
import Postgres

/// A sector or sub-sector (two levels at most).
public struct Sector: Sendable, Equatable {
    public let id: UUID
    public var parentID: UUID?
    public var name: LanguageMap
    public var acronym: String
    /// The regulator whose administrators may change it; `nil` for platform-wide sectors.
    public var createdByRegulatorID: UUID?
    /// Whether operators and regulator users may be assigned to it (leaves and childless roots).
    public var isSelectable: Bool
    public var createdAt: Date
    public var updatedAt: Date

    static let columns = """
        s.id, s.parent_id, s.name::text AS name, s.acronym, s.created_by_regulator_id, s.created_at, s.updated_at,
        NOT EXISTS (SELECT 1 FROM sectors c WHERE c.parent_id = s.id) AS is_selectable
        """

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        parentID = try row.decode("parent_id")
        name = try LanguageMap.parse(try row.decode("name"))
        acronym = try row.decode("acronym")
        createdByRegulatorID = try row.decode("created_by_regulator_id")
        isSelectable = try row.decode("is_selectable")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }

    var organisation: OrganisationRef { createdByRegulatorID.map(OrganisationRef.regulator) ?? .platform }

    static let notSelectableMessage = "Choose existing sub-sectors (or root sectors without sub-sectors)."

    /// Whether every sector of `ids` (distinct) exists and can be assigned (has no sub-sectors).
    static func areSelectable(_ ids: [UUID], session: PostgresSession) async throws -> Bool {
        try await session.query("""
            SELECT s.id FROM sectors s WHERE s.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM sectors c WHERE c.parent_id = s.id)
            """, ids).count == ids.count
    }
}

/// Changes to a sector; `nil` leaves a field as it is.
public struct SectorInput: Sendable {
    public var name: LanguageMap?
    public var acronym: String?
    /// Only at creation: the root sector this one belongs to.
    public var parentID: UUID?

    public init(name: LanguageMap? = nil, acronym: String? = nil, parentID: UUID? = nil) {
        self.name = name
        self.acronym = acronym
        self.parentID = parentID
    }
}
