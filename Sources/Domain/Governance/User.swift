import Foundation
import Postgres

/// A person with a login.
public struct User: Sendable, Equatable {
    public let id: UUID
    public var email: String
    public var firstName: String
    public var lastName: String
    public var isActive: Bool
    public var isPlatformAdmin: Bool
    public var emailVerified: Bool
    public var totpEnabled: Bool
    public var termsAcceptedAt: Date?
    public var createdAt: Date
    public var lastLoginAt: Date?

    static let columns = "id, email, first_name, last_name, is_active, is_platform_admin, email_verified, totp_enabled_at, terms_accepted_at, created_at, last_login_at"

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        email = try row.decode("email")
        firstName = try row.decode("first_name")
        lastName = try row.decode("last_name")
        isActive = try row.decode("is_active")
        isPlatformAdmin = try row.decode("is_platform_admin")
        emailVerified = try row.decode("email_verified")
        totpEnabled = try row.decode("totp_enabled_at", as: Date?.self) != nil
        termsAcceptedAt = try row.decode("terms_accepted_at")
        createdAt = try row.decode("created_at")
        lastLoginAt = try row.decode("last_login_at")
    }

    /// E-mail addresses are compared and stored lower-cased, without surrounding spaces.
    public static func normalize(email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}
