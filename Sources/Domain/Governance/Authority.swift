import Foundation
import Postgres

/// What regulators and observers have in common.
public struct AuthorityProfile: Sendable, Equatable {
    public var name: LanguageMap
    public var fullName: LanguageMap
    public var description: LanguageMap
    public var country: String?
    public var address: String
    public var notificationEmail: String?
    public var modules: [Module]

    static let columns = "id, name::text AS name, full_name::text AS full_name, description::text AS description, country, address, notification_email, modules, created_at, updated_at"

    init(row: PostgresRow) throws {
        name = try LanguageMap.parse(try row.decode("name"))
        fullName = try LanguageMap.parse(try row.decode("full_name"))
        description = try LanguageMap.parse(try row.decode("description"))
        country = try row.decode("country")
        address = try row.decode("address")
        notificationEmail = try row.decode("notification_email")
        modules = try row.decode("modules", as: [String].self).compactMap(Module.init(rawValue:))
    }
}

/// A competent authority.
public struct Regulator: Sendable, Equatable {
    public let id: UUID
    public var profile: AuthorityProfile
    public var createdAt: Date
    public var updatedAt: Date

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        profile = try AuthorityProfile(row: row)
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}

/// A CSIRT or single point of contact: a read-only recipient of incidents.
public struct Observer: Sendable, Equatable {
    public let id: UUID
    public var profile: AuthorityProfile
    public var receivesAllIncidents: Bool
    public var createdAt: Date
    public var updatedAt: Date

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        profile = try AuthorityProfile(row: row)
        receivesAllIncidents = try row.decode("receives_all_incidents")
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}

/// Changes to a regulator or observer; `nil` leaves a field as it is, an empty text clears an
/// optional one.
public struct AuthorityInput: Sendable {
    public var name: LanguageMap?
    public var fullName: LanguageMap?
    public var description: LanguageMap?
    public var country: String?
    public var address: String?
    public var notificationEmail: String?
    /// Platform administrators only.
    public var modules: [Module]?
    /// Observers only; platform administrators only.
    public var receivesAllIncidents: Bool?

    public init(name: LanguageMap? = nil, fullName: LanguageMap? = nil, description: LanguageMap? = nil, country: String? = nil,
                address: String? = nil, notificationEmail: String? = nil, modules: [Module]? = nil, receivesAllIncidents: Bool? = nil) {
        self.name = name
        self.fullName = fullName
        self.description = description
        self.country = country
        self.address = address
        self.notificationEmail = notificationEmail
        self.modules = modules
        self.receivesAllIncidents = receivesAllIncidents
    }
}
