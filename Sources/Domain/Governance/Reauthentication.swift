import Foundation
import Postgres

/// The password (and the second factor, when enrolled) asked again before an account-security
/// change: a stolen session token alone cannot add a credential or weaken the account. Failures
/// are throttled and audited as failed logins are.
public struct Reauthentication: Sendable {
    let postgres: PostgresClient
    let hashing: PasswordHashing
    let throttle: LoginThrottle
    let secondFactor: SecondFactor

    /// The stored credentials a check found, for callers that change them next.
    struct Checked: Sendable {
        /// The password hash the check matched; a change commits only if it is still current.
        let passwordHash: String
        let hasSecondFactor: Bool
    }

    /// Checks `password` and, when the user enrolled a second factor, `totpCode` (or a recovery code).
    ///
    /// - Parameter passwordField: the request field named in a "wrong password" error.
    /// - Throws: ``DomainError/validation(_:)`` naming the wrong or missing field,
    ///   ``DomainError/rateLimited(retryAfterSeconds:)`` after too many failures.
    @discardableResult
    func verify(_ principal: Principal, password: String, totpCode: String?, passwordField: String = "password", client: ClientInfo,
                now: Date = Date()) async throws -> Checked {
        let attempt = try await throttle.begin(email: principal.email, client: client)
        guard let row = try await postgres.query(
            "SELECT password_hash, totp_secret, totp_enabled_at IS NOT NULL AS enrolled FROM users WHERE id = $1", principal.userID).first,
            let hash = try row.decode("password_hash", as: String?.self)
        else { throw DomainError.unauthenticated("The account has no password yet.") }
        guard try await hashing.verify(password, against: hash) else {
            try await fail(attempt, principal, reason: "password", client: client)
            throw DomainError.validation([FieldError(field: passwordField, code: "wrong", message: "The password is wrong.")])
        }
        let enrolled: Bool = try row.decode("enrolled")
        if enrolled, let secret = try row.decode("totp_secret", as: Data?.self) {
            guard let totpCode, !totpCode.isEmpty else {
                throw DomainError.validation([FieldError(field: "totp_code", code: "required",
                                                         message: "Enter the code of your authenticator app (or a recovery code).")])
            }
            guard try await secondFactor.accept(totpCode, userID: principal.userID, storedSecret: secret, at: now, client: client,
                                                using: postgres) != nil else {
                try await fail(attempt, principal, reason: "totp", client: client)
                throw DomainError.validation([FieldError(field: "totp_code", code: "wrong", message: "The code is wrong or was already used.")])
            }
        }
        try await throttle.succeeded(attempt)
        return Checked(passwordHash: hash, hasSecondFactor: enrolled)
    }

    private func fail(_ attempt: LoginThrottle.Attempt, _ principal: Principal, reason: String, client: ClientInfo) async throws {
        try await throttle.failed(attempt)
        try await AuditLog.record(AuditEvent(action: "auth.reauthentication_failed", actorID: principal.userID, objectType: "user",
                                             objectID: principal.userID.postgresText, client: client,
                                             details: try JobPayloadCoding.encode(["reason": reason])), using: postgres)
    }
}
