import Domain
import Foundation
import Postgres
import Testing
import TestSupport

@Suite("Migrations")
struct MigrationTests {
    @Test("applied once, in order; a second run applies nothing")
    func appliedTwice() async throws {
        let name = try await TestDatabases.shared.create(migrated: false)
        let db = PostgresClient(configuration: .init(url: TestEnvironment.databaseURL(name), poolSize: 2), logger: TestEnvironment.logger)
        let migrations = try DomainMigrations.all()
        #expect(!migrations.isEmpty)
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
        let migrator = Migrator(client: db, logger: TestEnvironment.logger)
        #expect(try await migrator.migrate(migrations) == migrations.map(\.version))
        #expect(try await migrator.migrate(migrations) == [])
        let recorded = try await db.query("SELECT version FROM schema_migrations ORDER BY version").map { try $0.decode("version", as: Int.self) }
        #expect(recorded == migrations.map(\.version))
        await db.shutdown()
    }

    @Test("a failing migration rolls back entirely and is not recorded")
    func failingMigration() async throws {
        let name = try await TestDatabases.shared.create(migrated: false)
        let db = PostgresClient(configuration: .init(url: TestEnvironment.databaseURL(name), poolSize: 1), logger: TestEnvironment.logger)
        let migrator = Migrator(client: db, logger: TestEnvironment.logger)
        let good = Migration(version: 1, name: "good", sql: "CREATE TABLE a (id int);")
        let bad = Migration(version: 2, name: "bad", sql: "CREATE TABLE b (id int); SELECT * FROM missing_table;")
        await #expect(throws: PostgresError.self) { try await migrator.migrate([good, bad]) }
        let versions = try await db.query("SELECT version FROM schema_migrations").map { try $0.decode("version", as: Int.self) }
        #expect(versions == [1])
        #expect(try await db.query("SELECT to_regclass('b') IS NULL AS missing").first?.decode("missing", as: Bool.self) == true)
        await db.shutdown()
    }

    @Test("two governance-api migrate processes started together both succeed and apply each migration once")
    func twoProcessesAtOnce() async throws {
        let name = try await TestDatabases.shared.create(migrated: false)
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = TestEnvironment.databaseURL(name)
        environment["LOG_LEVEL"] = "info"
        environment["SECRET_KEY"] = TestEnvironment.testSecretKey
        let first = try ChildProcess("governance-api", ["migrate"], environment: environment)
        let second = try ChildProcess("governance-api", ["migrate"], environment: environment)
        #expect(await first.wait() == 0, "\(first.output)")
        #expect(await second.wait() == 0, "\(second.output)")
        let db = PostgresClient(configuration: .init(url: TestEnvironment.databaseURL(name), poolSize: 1), logger: TestEnvironment.logger)
        let counts = try await db.query("SELECT version, count(*) AS n FROM schema_migrations GROUP BY version")
        #expect(counts.count == (try DomainMigrations.all()).count)
        #expect(try counts.allSatisfy { try $0.decode("n", as: Int.self) == 1 })
        // Exactly one of the two logged that it applied the first migration.
        let applied = [first.output, second.output].filter { $0.contains("applied migration") }
        #expect(applied.count == 1)
        await db.shutdown()
    }
}
