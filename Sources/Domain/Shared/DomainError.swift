/// A field that failed validation: which, a stable code, and a message for people.
public struct FieldError: Error, Sendable, Equatable, Codable {
    public var field: String
    public var code: String
    public var message: String

    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }
}

/// The failures a Domain service reports; the API maps each to one problem+json answer.
public enum DomainError: Error, Sendable, Equatable {
    /// No such object, or one the caller may not see (both answer 404).
    case notFound(String)
    /// The caller may see the object but not do this to it.
    case forbidden(String)
    /// The token was not given the scope (`incidents:write`) the operation needs (403).
    case missingScope(String)
    /// No valid credentials (401).
    case unauthenticated(String)
    /// The password was right; the account's one-time code is missing (401).
    case totpCodeRequired
    /// The session ended (idle timeout or lifetime): log in again (401).
    case sessionExpired
    /// The input breaks rules; one entry per field.
    case validation([FieldError])
    /// The change collides with the current state (duplicate, wrong state).
    case conflict(String)
    /// Too many attempts; retry after this many seconds.
    case rateLimited(retryAfterSeconds: Int)
    /// A daily allowance is used up; retry after this many seconds.
    case limitReached(String, retryAfterSeconds: Int)
    /// The update named a version (`If-Match`) that is no longer the current one (412).
    case preconditionFailed(String)
    /// The update must name the version it changes (`If-Match`) and did not (428).
    case preconditionRequired(String)
    /// `If-Match` is neither `*` nor entity tags (400).
    case malformedIfMatch
    /// The user must accept the terms of use (again) before anything else.
    case termsNotAccepted
    /// The platform requires a second factor and the user has not enrolled one yet.
    case secondFactorRequired
    /// What the database holds contradicts what the operation relies on (a row that must exist
    /// is missing, a stored value has no case): answered as a 500 with the request id, the
    /// detail only in the log.
    case inconsistency(String)
}
