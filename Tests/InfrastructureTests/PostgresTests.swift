import Domain
import Foundation
import Postgres
import Testing
import TestSupport

@Suite("PostgreSQL client")
struct PostgresTests {
    func client(poolSize: Int = 4, statementTimeout: Int = 30_000, database: String? = nil) async throws -> PostgresClient {
        let name: String
        if let database { name = database } else { name = try await TestDatabases.shared.create(migrated: false) }
        return PostgresClient(
            configuration: .init(url: TestEnvironment.databaseURL(name), poolSize: poolSize, statementTimeoutMilliseconds: statementTimeout),
            logger: TestEnvironment.logger)
    }

    @Test("decodes text, integers, booleans, UUIDs, timestamps, jsonb, bytea, arrays and NULLs")
    func typedDecoding() async throws {
        let db = try await client()
        let id = UUID()
        let when = Date(timeIntervalSince1970: 1_790_000_000.123456)
        let bytes = Data([0, 1, 2, 254, 255, 92, 120])
        let row = try #require(try await db.query("""
            SELECT $1::text AS text, $2::int8 AS big, $3::bool AS flag, $4::uuid AS id, $5::timestamptz AS at,
                   $6::jsonb AS doc, $7::bytea AS bytes, $8::text[] AS names, $9::int[] AS numbers, NULL::text AS nothing,
                   '2026-03-01 10:00:00+01'::timestamptz AS shifted, ARRAY[NULL, 'a']::text[] AS sparse
            """, "Zoë “quoted”, d'été", Int64.max, true, id, when, #"{"a": [1, 2]}"#, bytes, ["plain", "with, comma", #"quote " and \ back"#, "NULL"],
            [3, -4]).first)
        #expect(try row.decode("text", as: String.self) == "Zoë “quoted”, d'été")
        #expect(try row.decode("big", as: Int64.self) == Int64.max)
        #expect(try row.decode("flag", as: Bool.self))
        #expect(try row.decode("id", as: UUID.self) == id)
        #expect(abs(try row.decode("at", as: Date.self).timeIntervalSince(when)) < 0.000_002)
        #expect(try row.decode("doc", as: String.self) == #"{"a": [1, 2]}"#)
        #expect(try row.decode("bytes", as: Data.self) == bytes)
        #expect(try row.decode("names", as: [String].self) == ["plain", "with, comma", #"quote " and \ back"#, "NULL"])
        #expect(try row.decode("numbers", as: [Int].self) == [3, -4])
        #expect(try row.decode("nothing", as: String?.self) == nil)
        #expect(try row.decode("shifted", as: Date.self) == Date(timeIntervalSince1970: 1_772_355_600))
        #expect(try row.decode("sparse", as: [String?].self) == [nil, "a"])
        #expect(throws: PostgresError.self) { try row.decode("nothing", as: String.self) }
        #expect(throws: PostgresError.self) { try row.decode("text", as: Int.self) }
        await db.shutdown()
    }

    @Test("a pool of 3 serves 40 concurrent queries without opening more connections")
    func poolUnderConcurrency() async throws {
        let db = try await client(poolSize: 3)
        let pids = try await withThrowingTaskGroup(of: Int32.self) { group in
            for _ in 0..<40 {
                group.addTask { try await db.query("SELECT pg_backend_pid() AS pid, pg_sleep(0.02)").first!.decode("pid", as: Int32.self) }
            }
            return try await group.reduce(into: [Int32]()) { $0.append($1) }
        }
        #expect(pids.count == 40)
        #expect(Set(pids).count <= 3)
        #expect(db.openConnections <= 3)
        await db.shutdown()
    }

    @Test("a transaction commits, and rolls back when its body throws")
    func transactions() async throws {
        struct Boom: Error {}
        let db = try await client()
        try await db.query("CREATE TABLE items (name text PRIMARY KEY)")
        _ = try await db.withTransaction { try await $0.query("INSERT INTO items VALUES ('kept')") }
        await #expect(throws: Boom.self) {
            try await db.withTransaction { session in
                try await session.query("INSERT INTO items VALUES ('dropped')")
                throw Boom()
            }
        }
        // A server error inside the transaction rolls back the earlier statements too.
        await #expect(throws: PostgresError.self) {
            try await db.withTransaction { session in
                try await session.query("INSERT INTO items VALUES ('also dropped')")
                try await session.query("INSERT INTO items VALUES ('kept')")
            }
        }
        let names = try await db.query("SELECT name FROM items ORDER BY name").map { try $0.decode("name", as: String.self) }
        #expect(names == ["kept"])
        // The pooled connection is usable afterwards (no transaction left open).
        #expect(try await db.query("SELECT count(*) AS n FROM items").first?.decode("n", as: Int.self) == 1)
        await db.shutdown()
    }

    @Test("SQLSTATEs are reported: unique violation, statement timeout")
    func sqlStates() async throws {
        let db = try await client(statementTimeout: 200)
        try await db.query("CREATE TABLE uniq (id int PRIMARY KEY)")
        try await db.query("INSERT INTO uniq VALUES (1)")
        do {
            try await db.query("INSERT INTO uniq VALUES ($1)", 1)
            Issue.record("duplicate key accepted")
        } catch let error as PostgresError {
            #expect(error.isUniqueViolation)
            #expect(error.constraint == "uniq_pkey")
        }
        do {
            try await db.query("SELECT pg_sleep(2)")
            Issue.record("statement timeout not enforced")
        } catch let error as PostgresError {
            #expect(error.isQueryCanceled)
        }
        await db.shutdown()
    }

    @Test("a killed backend connection is replaced before the next lease")
    func killedConnectionIsReplaced() async throws {
        let name = try await TestDatabases.shared.create(migrated: false)
        let db = try await client(poolSize: 1, database: name)
        let admin = try await client(poolSize: 1, database: name)
        let first = try #require(try await db.query("SELECT pg_backend_pid() AS pid").first?.decode("pid", as: Int32.self))
        try await admin.query("SELECT pg_terminate_backend($1)", first)
        try await Task.sleep(for: .milliseconds(100))
        let second = try #require(try await db.query("SELECT pg_backend_pid() AS pid").first?.decode("pid", as: Int32.self))
        #expect(second != first)
        #expect(db.openConnections == 1)
        await db.shutdown()
        await admin.shutdown()
    }

    @Test("an unreachable server fails fast as a connection error")
    func unreachableServer() async throws {
        let db = PostgresClient(configuration: .init(url: "postgres://nobody@127.0.0.1:1/none", poolSize: 1), logger: TestEnvironment.logger)
        do {
            try await db.query("SELECT 1")
            Issue.record("connected to a closed port")
        } catch let error as PostgresError {
            #expect(error.kind == .connection)
            #expect(error.isConnectionFailure)
        }
        // The failed open released its slot: the pool still tries (and fails) rather than hanging.
        await #expect(throws: PostgresError.self) { try await db.query("SELECT 1") }
        await db.shutdown()
    }

    @Test("statements with parameters are prepared once per connection and survive a table change")
    func preparedStatements() async throws {
        let db = try await client(poolSize: 1)
        try await db.query("CREATE TABLE things (id int)")
        try await db.query("INSERT INTO things VALUES ($1)", 1)
        for _ in 0..<3 { try await db.query("SELECT * FROM things WHERE id = $1", 1) }
        let statements = try await db.query("SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE 'SELECT * FROM things%'")
        #expect(try statements.first?.decode("n", as: Int.self) == 1)
        // A migration changes the row type under the prepared statement: it is prepared again.
        try await db.query("ALTER TABLE things ADD COLUMN label text DEFAULT 'x'")
        let row = try #require(try await db.query("SELECT * FROM things WHERE id = $1", 1).first)
        #expect(try row.decode("label", as: String.self) == "x")
        await db.shutdown()
    }

    @Test("advisory locks exclude other sessions until released")
    func advisoryLocks() async throws {
        let db = try await client(poolSize: 2)
        try await db.withSession { first in
            #expect(try await first.tryAdvisoryLock(42))
            let other = try await db.withSession { second in try await second.tryAdvisoryLock(42) }
            #expect(!other)
            try await first.advisoryUnlock(42)
        }
        let afterRelease = try await db.withSession { session in
            let taken = try await session.tryAdvisoryLock(42)
            if taken { try await session.advisoryUnlock(42) }
            return taken
        }
        #expect(afterRelease)
        await db.shutdown()
    }
}
