import Postgres

/// A parameterised SQL statement with its bindings, built apart from where it runs, so that the
/// tests can plan a service's hot queries exactly as the service sends them.
struct Statement: Sendable {
    let sql: String
    let bindings: [(any PostgresEncodable)?]
}

extension PostgresClient {
    func query(_ statement: Statement) async throws -> PostgresRows {
        try await query(statement.sql, bindings: statement.bindings)
    }
}

extension PostgresSession {
    func query(_ statement: Statement) async throws -> PostgresRows {
        try await query(statement.sql, bindings: statement.bindings)
    }
}
