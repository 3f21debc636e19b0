import Logging
import Pooling

/// The application's access to PostgreSQL: a pool of libpq connections on a dedicated thread
/// pool, with parameterized statements, transactions and advisory locks.
public final class PostgresClient: Sendable {
    private let pool: ConnectionPool<PostgresConnection>
    public let configuration: PostgresConfiguration

    public init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        pool = ConnectionPool(maximumConnections: configuration.poolSize, name: "postgres", logger: logger) {
            try PostgresConnection(configuration: configuration)
        }
    }

    /// Runs one statement on any pooled connection and returns its rows.
    ///
    /// - Parameters:
    ///   - sql: the statement, with `$1`, `$2`... placeholders.
    ///   - bindings: the parameter values, in order; `nil` binds SQL NULL.
    @discardableResult
    public func query(_ sql: String, _ bindings: (any PostgresEncodable)?...) async throws -> PostgresRows {
        try await query(sql, bindings: bindings)
    }

    /// ``query(_:_:)`` with the bindings as an array.
    @discardableResult
    public func query(_ sql: String, bindings: [(any PostgresEncodable)?]) async throws -> PostgresRows {
        try await withSession { session in try await session.query(sql, bindings: bindings) }
    }

    /// Leases one connection for several statements (no transaction).
    public func withSession<T: Sendable>(_ body: (PostgresSession) async throws -> T) async throws -> T {
        try await pool.withConnection { lease in try await body(PostgresSession(lease: lease)) }
    }

    /// Runs `body` inside `BEGIN` / `COMMIT`; rolls back and rethrows when `body` throws.
    public func withTransaction<T: Sendable>(_ body: (PostgresSession) async throws -> T) async throws -> T {
        try await withSession { session in try await session.transaction(body) }
    }

    /// Connections currently open, for metrics and tests.
    public var openConnections: Int { pool.openConnections }

    /// Closes every connection; later calls fail.
    public func shutdown() async {
        await pool.shutdown()
    }
}

/// One leased connection. Statements run in order on the same server session, so session
/// state (transactions, advisory locks, `SET`) carries from one call to the next.
public struct PostgresSession: Sendable {
    let lease: ConnectionPool<PostgresConnection>.Lease

    /// Runs one statement and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ bindings: (any PostgresEncodable)?...) async throws -> PostgresRows {
        try await query(sql, bindings: bindings)
    }

    /// ``query(_:_:)`` with the bindings as an array.
    @discardableResult
    public func query(_ sql: String, bindings: [(any PostgresEncodable)?]) async throws -> PostgresRows {
        let parameters = bindings.map { $0?.postgresText }
        return try await lease.run { connection in try connection.execute(sql, parameters) }
    }

    /// Runs a script of several statements without parameters, such as a migration file.
    public func runScript(_ sql: String) async throws {
        try await lease.run { connection in try connection.executeScript(sql) }
    }

    /// The server process serving this session.
    public func backendPID() async throws -> Int32 {
        try await lease.run { $0.backendPID }
    }

    /// Runs `body` inside a transaction on this session.
    public func transaction<T: Sendable>(_ body: (PostgresSession) async throws -> T) async throws -> T {
        try await query("BEGIN")
        let result: T
        do {
            result = try await body(self)
        } catch {
            // A failed ROLLBACK means the connection is gone; the pool replaces it.
            _ = try? await query("ROLLBACK")
            throw error
        }
        try await query("COMMIT")
        return result
    }

    /// Holds the session-level advisory lock `key` while `body` runs, waiting for it if another
    /// session holds it.
    public func withAdvisoryLock<T: Sendable>(_ key: Int64, _ body: () async throws -> T) async throws -> T {
        try await query("SELECT pg_advisory_lock($1)", key)
        do {
            let result = try await body()
            try await query("SELECT pg_advisory_unlock($1)", key)
            return result
        } catch {
            _ = try? await query("SELECT pg_advisory_unlock($1)", key)
            throw error
        }
    }

    /// Takes the session-level advisory lock `key` if it is free; `false` when another session holds it.
    public func tryAdvisoryLock(_ key: Int64) async throws -> Bool {
        try await query("SELECT pg_try_advisory_lock($1) AS locked", key).first?.decode("locked") ?? false
    }

    /// Releases a lock taken with ``tryAdvisoryLock(_:)``.
    public func advisoryUnlock(_ key: Int64) async throws {
        try await query("SELECT pg_advisory_unlock($1)", key)
    }
}
