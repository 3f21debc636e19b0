@testable import API
import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TestSupport

/// How the API behaves when PostgreSQL or Redis is slow, down or restarted, and under CPU-heavy load.
@Suite("Dependencies and load")
struct DependencyTests {
    @Test("GET /ready answers 503 within its 2 s budget when a dependency accepts connections and never answers",
          arguments: ["database", "redis"])
    func readyWithinBudget(dependency: String) async throws {
        let silent = try SilentListener()
        let database = try await TestDatabases.shared.create()
        let overrides = dependency == "database"
            ? ["DATABASE_URL": "postgres://governance@127.0.0.1:\(silent.port)/\(database)", "DATABASE_CONNECT_TIMEOUT_SECONDS": "5"]
            : ["REDIS_URL": "redis://127.0.0.1:\(silent.port)/0"]
        try await withApp(overrides: overrides) { client in
            let started = ContinuousClock.now
            let response = try await client.execute(uri: "/ready", method: .get)
            let elapsed = ContinuousClock.now - started
            #expect(response.status == .serviceUnavailable)
            #expect(try problem(response).detail == "\(dependency): no answer within 2.0 seconds")
            // The budget is 2 s; the silent dependency would hold a blocking call for 5 to 10 s.
            #expect(elapsed < .milliseconds(3_500), "answered after \(elapsed)")
        }
    }

    @Test("a request that cannot reach PostgreSQL answers 503 service-unavailable with Retry-After, not 500")
    func databaseDown() async throws {
        let fixture = try await AuthFixture()
        let session = try await fixture.platform.governance.auth.login(
            email: fixture.admin.email, password: AuthFixture.password, totpCode: nil, client: .system)
        // The same platform code and Redis, with a database that refuses connections.
        var configuration = fixture.platform.configuration
        configuration.postgres.url = "postgres://governance@127.0.0.1:1/nowhere"
        let unreachable = Platform(configuration: configuration, logger: TestEnvironment.logger)
        try await Application(router: try buildRouter(platform: unreachable, metrics: testMetrics)).test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: bearer(session.token))
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "5")
            #expect(try problem(response).type == "urn:governance:problem:service-unavailable")
        }
        await unreachable.shutdown()
        await fixture.platform.shutdown()
    }

    @Test("with Redis stopped, login answers 503 with Retry-After; after a restart it works at once, on revalidated connections")
    func redisDownAndBack() async throws {
        let redis = try PrivateRedis()
        let fixture = try await AuthFixture(overrides: ["REDIS_URL": redis.url, "REDIS_POOL_SIZE": "2"])
        try await fixture.withClient { client in
            // Both pooled connections are used once, then sit idle.
            async let first = login(client, email: fixture.admin.email, password: AuthFixture.password)
            async let second = login(client, email: fixture.admin.email, password: AuthFixture.password)
            #expect(try await first.status == .ok)
            #expect(try await second.status == .ok)
            redis.stop()
            let down = try await login(client, email: fixture.admin.email, password: AuthFixture.password)
            #expect(down.status == .serviceUnavailable)
            #expect(down.headers[.retryAfter] == "5")
            #expect(try problem(down).type == "urn:governance:problem:service-unavailable")
            try redis.start()
            // No first failure on a connection the restart closed: each is checked when leased.
            for attempt in 1...4 {
                let response = try await login(client, email: fixture.admin.email, password: AuthFixture.password)
                #expect(response.status == .ok, "login \(attempt) after the restart: \(String(buffer: response.body))")
            }
        }
        await fixture.platform.shutdown()
    }

    @Test("password hashing runs on its own bounded threads: a login storm does not hold up other requests")
    func hashingOffTheAsyncThreads() async throws {
        // One hashing thread and a slow hash (about a second each): two logins queue one behind
        // the other there, while the event loops and Swift's cooperative pool stay free.
        let fixture = try await AuthFixture(overrides: ["PASSWORD_HASH_ITERATIONS": "3000000", "PASSWORD_HASH_THREADS": "1"])
        try await fixture.withClient { client in
            let order = OrderRecorder()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        let response = try await login(client, email: fixture.admin.email, password: "Wrong-Password-123")
                        #expect(response.status == .unauthorized)
                        await order.record("login")
                    }
                }
                group.addTask {
                    // Let both logins reach their hash first.
                    try await Task.sleep(for: .milliseconds(200))
                    for _ in 0..<20 {
                        #expect(try await client.execute(uri: "/health", method: .get).status == .ok)
                    }
                    await order.record("health")
                }
                try await group.waitForAll()
            }
            #expect(await order.events == ["health", "login", "login"])
        }
        await fixture.platform.shutdown()
    }
}

actor OrderRecorder {
    private(set) var events: [String] = []
    func record(_ event: String) { events.append(event) }
}
