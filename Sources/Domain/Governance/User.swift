import Foundation
import Postgres

/// A person with a login, with the memberships their role derives from.
public struct User: Sendable, Equatable {
    public let id: UUID
    public var email: String
    public var firstName: String
    public var lastName: String
    public var phone: String?
    public var isActive: Bool
    public var emailVerified: Bool
    public var totpEnabled: Bool
    public var termsAcceptedAt: Date?
    public var createdAt: Date
    public var lastLoginAt: Date?
    public var affiliations: Affiliations

    public var isPlatformAdmin: Bool { affiliations.isPlatformAdmin }
    public var role: Role { affiliations.role }

    /// The columns of a user and their affiliations, for `FROM \(User.source)`.
    static let columns = """
        u.id, u.email, u.first_name, u.last_name, u.phone, u.is_active, u.email_verified, u.totp_enabled_at, u.terms_accepted_at,
        u.created_at, u.last_login_at, \(Affiliations.columns)
        """
    /// The tables ``columns`` reads.
    static let source = "users u \(Affiliations.joins)"

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        email = try row.decode("email")
        firstName = try row.decode("first_name")
        lastName = try row.decode("last_name")
        phone = try row.decode("phone")
        isActive = try row.decode("is_active")
        emailVerified = try row.decode("email_verified")
        totpEnabled = try row.decode("totp_enabled_at", as: Date?.self) != nil
        termsAcceptedAt = try row.decode("terms_accepted_at")
        createdAt = try row.decode("created_at")
        lastLoginAt = try row.decode("last_login_at")
        affiliations = try Affiliations(row: row)
    }

    /// The user `id` as stored now; `nil` when there is none.
    static func load(_ id: UUID, in session: PostgresSession, lock: Bool = false) async throws -> User? {
        try await session.query("SELECT \(columns) FROM \(source) WHERE u.id = $1\(lock ? " FOR UPDATE OF u" : "")", id).first.map(User.init(row:))
    }

    /// A user the transaction just wrote or found.
    ///
    /// - Throws: ``DomainError/inconsistency(_:)`` if it is gone after all.
    static func required(_ id: UUID, in session: PostgresSession) async throws -> User {
        try User(row: try await session.query("SELECT \(columns) FROM \(source) WHERE u.id = $1", id).required())
    }

    /// The longest e-mail address accepted anywhere (RFC 5321's path limit).
    public static let maximumEmailLength = 254

    /// E-mail addresses are compared and stored lower-cased, without surrounding spaces.
    public static func normalize(email: String) -> String {
        TextRules.trimmed(email).lowercased()
    }
}
