import Foundation
import Postgres

/// A regulated entity (company).
public struct Operator: Sendable, Equatable {
    public let id: UUID
    /// Unique, upper-case, at most 10 characters: the prefix of incident references.
    public var identifier: String
    public var name: String
    public var country: String?
    public var address: String?
    public var email: String?
    public var phone: String?
    public var sectorIDs: [UUID]
    public var entityCategoryIDs: [UUID]
    public var createdAt: Date
    public var updatedAt: Date

    static let columns = """
        o.id, o.identifier, o.name, o.country, o.address, o.email, o.phone, o.created_at, o.updated_at,
        ARRAY(SELECT x.sector_id FROM operator_sectors x WHERE x.operator_id = o.id ORDER BY x.sector_id) AS sector_ids,
        ARRAY(SELECT x.entity_category_id FROM operator_entity_categories x WHERE x.operator_id = o.id ORDER BY x.entity_category_id) AS entity_category_ids
        """

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        identifier = try row.decode("identifier")
        name = try row.decode("name")
        country = try row.decode("country")
        address = try row.decode("address")
        email = try row.decode("email")
        phone = try row.decode("phone")
        sectorIDs = try row.decode("sector_ids")
        entityCategoryIDs = try row.decode("entity_category_ids")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}

/// Changes to an operator; `nil` leaves a field as it is, an empty text clears an optional one.
public struct OperatorInput: Sendable {
    public var identifier: String?
    public var name: String?
    public var country: String?
    public var address: String?
    public var email: String?
    public var phone: String?
    public var sectorIDs: [UUID]?
    public var entityCategoryIDs: [UUID]?

    public init(identifier: String? = nil, name: String? = nil, country: String? = nil, address: String? = nil, email: String? = nil,
                phone: String? = nil, sectorIDs: [UUID]? = nil, entityCategoryIDs: [UUID]? = nil) {
        self.identifier = identifier
        self.name = name
        self.country = country
        self.address = address
        self.email = email
        self.phone = phone
        self.sectorIDs = sectorIDs
        self.entityCategoryIDs = entityCategoryIDs
    }
}
