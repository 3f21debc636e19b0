import Foundation
import Logging

/// One schema change: a numbered SQL file such as `0001_foundation.sql`.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Reads every `NNNN_name.sql` file of `directory`, sorted by number.
    ///
    /// - Throws: when a file name does not start with a number, or two files share one.
    public static func load(from directory: URL) throws -> [Migration] {
        let files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "sql" }
        let migrations = try files.map { file -> Migration in
            let base = file.deletingPathExtension().lastPathComponent
            guard let separator = base.firstIndex(of: "_"), let version = Int(base[..<separator]) else {
                throw MigrationError.badFileName(file.lastPathComponent)
            }
            return Migration(version: version, name: String(base[base.index(after: separator)...]),
                             sql: try String(contentsOf: file, encoding: .utf8))
        }.sorted { $0.version < $1.version }
        for (previous, next) in zip(migrations, migrations.dropFirst()) where previous.version == next.version {
            throw MigrationError.duplicateVersion(next.version)
        }
        return migrations
    }
}

/// Problems with the set of migrations.
public enum MigrationError: Error, Equatable, CustomStringConvertible {
    case badFileName(String)
    case duplicateVersion(Int)

    public var description: String {
        switch self {
        case .badFileName(let name): "migration file \(name) must be named NNNN_name.sql"
        case .duplicateVersion(let version): "two migration files have number \(version)"
        }
    }
}

/// Applies migrations in order, each in its own transaction, recorded in `schema_migrations`,
/// then analyzes the database so the planner starts from real statistics.
///
/// A session-level advisory lock serialises concurrent runs, so any number of replicas may
/// start together: the first applies the pending migrations, the others then find none.
public struct Migrator: Sendable {
    /// The advisory lock key guarding migrations.
    public static let lockKey: Int64 = 0x6776_6D69_6772  // "gvmigr"

    let client: PostgresClient
    let logger: Logger

    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Applies the migrations not yet recorded and returns their versions.
    @discardableResult
    public func migrate(_ migrations: [Migration]) async throws -> [Int] {
        try await client.withSession { session in
            try await session.withAdvisoryLock(Self.lockKey) {
                try await session.query("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """)
                let applied = Set(try await session.query("SELECT version FROM schema_migrations").map { try $0.decode("version", as: Int.self) })
                var done: [Int] = []
                for migration in migrations where !applied.contains(migration.version) {
                    try await session.transaction { transaction in
                        try await transaction.runScript(migration.sql)
                        try await transaction.query(
                            "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", migration.version, migration.name)
                    }
                    logger.info("applied migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                    done.append(migration.version)
                }
                // Fresh statistics for the planner: tables no one analyzed yet make it guess.
                if !done.isEmpty { try await session.query("ANALYZE") }
                return done
            }
        }
    }
}
