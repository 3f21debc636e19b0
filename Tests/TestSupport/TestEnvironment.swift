import Domain
import Foundation
import Logging
import Postgres
import Redis

/// The services scripts/test started, and fresh, isolated resources on them for each test.
public enum TestEnvironment {
    /// A variable scripts/test exports; a clear failure when a test runs without it.
    public static func variable(_ name: String) -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            fatalError("\(name) is not set: run the tests through scripts/test, which starts PostgreSQL, Redis and SMTP")
        }
        return value
    }

    /// A URL of the test PostgreSQL server for `database`.
    public static func databaseURL(_ database: String) -> String {
        let admin = variable("TEST_DATABASE_URL")
        return String(admin[..<admin.lastIndex(of: "/")!]) + "/" + database
    }

    /// The `SECRET_KEY` of test platforms and the processes they start.
    public static let testSecretKey = "test-secret-key-0123456789-abcdefghijklmnop"

    public static var redisURL: String { variable("TEST_REDIS_URL") }
    public static var smtpPort: Int { Int(variable("TEST_SMTP_PORT"))! }
    /// The listener that requires STARTTLS, then AUTH as mailer / s3cret.
    public static var smtpTLSPort: Int { Int(variable("TEST_SMTP_TLS_PORT"))! }
    public static var smtpCAFile: String { variable("TEST_SMTP_CA_FILE") }
    public static var smtpDirectory: URL { URL(fileURLWithPath: variable("TEST_SMTP_DIR")) }

    public static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }()

    /// The package root (where Package.swift is).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// A unique name fragment.
    public static func uniqueName() -> String { UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12).description }

    /// A configuration pointing at the test services, with a fresh database and a private queue prefix.
    public static func configuration(database: String? = nil, overrides: [String: String] = [:]) async throws -> AppConfiguration {
        let name: String
        if let database {
            name = database
        } else {
            name = try await TestDatabases.shared.create()
        }
        var environment = [
            "DATABASE_URL": databaseURL(name),
            "DATABASE_POOL_SIZE": "6",
            "REDIS_URL": redisURL,
            "QUEUE_PREFIX": "test:\(uniqueName())",
            "SMTP_URL": "smtp://127.0.0.1:\(smtpPort)",
            "MAIL_FROM": "noreply@governance.test",
            "LOG_LEVEL": "warning",
            // Fast hashes in tests; production keeps the 600,000 default.
            "PASSWORD_HASH_ITERATIONS": "1000",
            // Most tests log in with a password only; the second-factor tests turn it back on.
            "REQUIRE_TOTP": "false",
            "SECRET_KEY": testSecretKey,
        ]
        environment.merge(overrides) { $1 }
        return try AppConfiguration.fromEnvironment(environment)
    }

    /// The environment for a child process using `configuration`'s database and queue prefix.
    public static func processEnvironment(_ configuration: AppConfiguration, extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = configuration.postgres.url
        environment["REDIS_URL"] = "redis://\(configuration.redis.host):\(configuration.redis.port)/\(configuration.redis.database)"
        environment["QUEUE_PREFIX"] = configuration.queuePrefix
        environment["SMTP_URL"] = configuration.smtp.map { "smtp://\($0.host):\($0.port)" }
        environment["LOG_LEVEL"] = "info"
        environment["SECRET_KEY"] = configuration.secretKey
        environment.merge(extra) { $1 }
        return environment
    }
}

/// Creates test databases from a template migrated once per test run (`CREATE DATABASE ...
/// TEMPLATE` copies files, far faster than migrating each database).
public actor TestDatabases {
    public static let shared = TestDatabases()
    private var templateReady = false
    private var tail: Task<Void, Never>?

    /// A new database, migrated from the template unless `migrated` is false. Calls are
    /// serialised: PostgreSQL refuses to copy a template that another session is using.
    public func create(migrated: Bool = true) async throws -> String {
        let previous = tail
        let task = Task { () async throws -> String in
            await previous?.value
            return try await self.createNow(migrated: migrated)
        }
        tail = Task { _ = try? await task.value }
        return try await task.value
    }

    private func createNow(migrated: Bool) async throws -> String {
        let admin = PostgresClient(configuration: .init(url: TestEnvironment.variable("TEST_DATABASE_URL"), poolSize: 1), logger: TestEnvironment.logger)
        defer { Task { await admin.shutdown() } }
        if migrated, !templateReady {
            try await admin.query("DROP DATABASE IF EXISTS gp_template WITH (FORCE)")
            try await admin.query("CREATE DATABASE gp_template")
            let template = PostgresClient(configuration: .init(url: TestEnvironment.databaseURL("gp_template"), poolSize: 1), logger: TestEnvironment.logger)
            try await Migrator(client: template, logger: TestEnvironment.logger).migrate(try DomainMigrations.all())
            await template.shutdown()
            templateReady = true
        }
        let name = "gp_test_\(TestEnvironment.uniqueName())"
        try await admin.query(migrated ? "CREATE DATABASE \(name) TEMPLATE gp_template" : "CREATE DATABASE \(name)")
        return name
    }
}
