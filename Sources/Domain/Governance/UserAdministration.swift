import Foundation
import Postgres

/// Creating and changing user accounts.
public struct UserAdministration: Sendable {
    let postgres: PostgresClient
    let hasher: PasswordHasher
    let policy = PasswordPolicy()

    public init(postgres: PostgresClient, settings: AuthSettings) {
        self.postgres = postgres
        hasher = PasswordHasher(iterations: settings.passwordHashIterations)
    }

    /// Creates the first (or another) platform administrator, as `governance-api create-admin` does.
    ///
    /// - Throws: ``DomainError/validation(_:)`` for a bad e-mail, missing names or a weak
    ///   password; ``DomainError/conflict(_:)`` when the e-mail is taken.
    public func createPlatformAdministrator(email rawEmail: String, firstName: String, lastName: String, password: String, client: ClientInfo) async throws -> User {
        let email = User.normalize(email: rawEmail)
        var errors: [FieldError] = []
        if !Self.isPlausibleEmail(email) { errors.append(FieldError(field: "email", code: "invalid", message: "Enter a valid e-mail address.")) }
        errors += Self.nameErrors(firstName: firstName, lastName: lastName)
        errors += policy.violations(of: password, personal: [email, firstName, lastName], isReused: false)
        guard errors.isEmpty else { throw DomainError.validation(errors) }
        let hash = hasher.hash(password)
        do {
            return try await postgres.withTransaction { session in
                let row = try await session.query("""
                    INSERT INTO users (id, email, first_name, last_name, password_hash, is_platform_admin, email_verified)
                    VALUES ($1, $2, $3, $4, $5, true, true) RETURNING \(User.columns)
                    """, UUID(), email, firstName.trimmingCharacters(in: .whitespaces), lastName.trimmingCharacters(in: .whitespaces), hash).first!
                let user = try User(row: row)
                try await AuditLog.record(AuditEvent(action: "user.created", actorRole: "system", objectType: "user", objectID: user.id.postgresText,
                                                     client: client, details: #"{"role":"platformAdmin"}"#), in: session)
                return user
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw DomainError.conflict("An account with this e-mail address already exists.")
        }
    }

    /// Names are required (not only spaces) and at most 150 characters.
    static func nameErrors(firstName: String, lastName: String) -> [FieldError] {
        [("first_name", "first name", firstName), ("last_name", "last name", lastName)].compactMap { field, label, value in
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { return FieldError(field: field, code: "required", message: "The \(label) is required.") }
            if trimmed.count > 150 { return FieldError(field: field, code: "too_long", message: "The \(label) has at most 150 characters.") }
            return nil
        }
    }

    /// `local@domain.tld` without spaces: a sanity check, not RFC 5322; the invitation e-mail proves the rest.
    static func isPlausibleEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else { return false }
        return email.count <= 254 && !email.contains { $0.isWhitespace || $0 == "," || $0 == ";" || $0 == "<" || $0 == ">" }
    }
}
