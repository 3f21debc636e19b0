/// A failure reported by libpq or by the server, with the server's SQLSTATE when there is one.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, broadly.
    public enum Kind: Sendable, Equatable {
        /// The connection could not be opened or was lost.
        case connection
        /// The server rejected or failed the statement (see ``PostgresError/sqlState``).
        case server
        /// A value could not be decoded into the requested Swift type.
        case decoding
    }

    public let kind: Kind
    /// The five-character SQLSTATE code, e.g. `23505` for a unique violation.
    public let sqlState: String?
    /// The primary message.
    public let message: String
    /// The server's detail line, if any (may contain data: keep it out of client responses).
    public let detail: String?
    /// The violated constraint, for integrity errors.
    public let constraint: String?

    public init(kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil, constraint: String? = nil) {
        self.kind = kind
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.constraint = constraint
    }

    /// `23505`: a unique constraint was violated.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// `23503`: a foreign key was violated.
    public var isForeignKeyViolation: Bool { sqlState == "23503" }
    /// `57014`: the statement was cancelled, typically by `statement_timeout`.
    public var isQueryCanceled: Bool { sqlState == "57014" }
    /// `40001` or `40P01`: the transaction can be retried.
    public var isSerializationFailure: Bool { sqlState == "40001" || sqlState == "40P01" }
    /// Connection-class failures (SQLSTATE class 08, or libpq reporting a lost connection).
    public var isConnectionFailure: Bool { kind == .connection || (sqlState?.hasPrefix("08") ?? false) || sqlState == "57P01" }

    public var description: String {
        var text = "PostgreSQL \(kind)"
        if let sqlState { text += " [\(sqlState)]" }
        text += ": \(message)"
        if let constraint { text += " (constraint \(constraint))" }
        return text
    }
}
