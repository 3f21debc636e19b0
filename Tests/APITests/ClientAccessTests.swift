@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

@Suite("Browsers and integrators: CORS and rate limits")
struct ClientAccessTests {
    static let app = "https://app.example.org"

    static func headers(_ fields: [(String, String)]) -> HTTPFields {
        var headers = HTTPFields()
        for (name, value) in fields { headers.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        return headers
    }

    static func acceptTerms(_ fixture: AuthFixture) async throws {
        try await fixture.platform.postgres.query("UPDATE users SET terms_accepted_at = now() WHERE id = $1", fixture.admin.id)
    }

    @Test("CORS: preflights and answers for the configured origins only, errors included, exposed headers on the actual answers")
    func cors() async throws {
        let fixture = try await AuthFixture(overrides: ["CORS_ALLOWED_ORIGINS": "\(Self.app), http://localhost:5173"])
        try await Self.acceptTerms(fixture)
        try await fixture.withClient { client in
            // The preflight of a write with every documented header.
            var response = try await client.execute(uri: "/api/v1/users/me", method: .options, headers: Self.headers([
                ("Origin", Self.app), ("Access-Control-Request-Method", "PATCH"),
                ("Access-Control-Request-Headers", "authorization, content-type, idempotency-key, if-match"),
            ]))
            #expect(response.status == .noContent)
            #expect(response.headers[.accessControlAllowOrigin] == Self.app)
            let methods = Set((response.headers[.accessControlAllowMethods] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(methods.isSuperset(of: ["GET", "POST", "PUT", "PATCH", "DELETE"]))
            let allowed = (response.headers[.accessControlAllowHeaders] ?? "").lowercased()
            for header in ["authorization", "content-type", "idempotency-key", "if-match"] { #expect(allowed.contains(header), "\(header)") }
            #expect(response.headers[.accessControlMaxAge] == "600")
            #expect(response.headers[.accessControlAllowCredentials] == nil, "bearer tokens, no cookies")

            // The actual answers, success and error, readable by the page with the headers it needs.
            let token = try #require(try object(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password))["token"] as? String)
            var headers = bearer(token)
            headers.append(HTTPField(name: .origin, value: "http://localhost:5173"))
            response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: headers)
            #expect(response.status == .ok)
            #expect(response.headers[.accessControlAllowOrigin] == "http://localhost:5173")
            let exposed = response.headers[.accessControlExposeHeaders] ?? ""
            for header in ["ETag", "Link", "Location", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
                #expect(exposed.contains(header), "\(header) in \(exposed)")
            }
            #expect(response.headers[values: .vary].contains("Origin"))
            response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: Self.headers([("Origin", Self.app)]))
            #expect(response.status == .unauthorized)
            #expect(response.headers[.accessControlAllowOrigin] == Self.app)

            // Any other origin: no CORS headers, the preflight refused.
            response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: Self.headers([("Origin", "https://evil.example")]))
            #expect(response.headers[.accessControlAllowOrigin] == nil)
            #expect(response.headers[values: .vary].contains("Origin"))
            response = try await client.execute(uri: "/api/v1/users/me", method: .options, headers: Self.headers([
                ("Origin", "https://app.example.org.evil.example"), ("Access-Control-Request-Method", "GET"),
            ]))
            #expect(response.headers[.accessControlAllowOrigin] == nil)
            #expect(response.status != .noContent)
        }
        await fixture.platform.shutdown()

        // None by default.
        let closed = try await AuthFixture()
        try await closed.withClient { client in
            let response = try await client.execute(uri: "/health", method: .get, headers: Self.headers([("Origin", Self.app)]))
            #expect(response.status == .ok)
            #expect(response.headers[.accessControlAllowOrigin] == nil)
        }
        await closed.platform.shutdown()

        // Origins are checked at start-up: exact scheme, host and port only.
        for bad in ["*", "https://app.example.org/", "https://app.example.org/path", "app.example.org", "ftp://app.example.org", "https://*.example.org"] {
            #expect(throws: ConfigurationError.self, "\(bad)") {
                try AppConfiguration.fromEnvironment(["DATABASE_URL": "postgres://x@127.0.0.1/x", "REDIS_URL": "redis://127.0.0.1:6379/0",
                                                      "SECRET_KEY": String(repeating: "k", count: 40), "CORS_ALLOWED_ORIGINS": bad])
            }
        }
    }

    @Test("rate limits: per token and per client address, RateLimit headers on every counted answer, 429 with Retry-After, probes uncounted")
    func rateLimits() async throws {
        let fixture = try await AuthFixture(overrides: ["RATE_LIMIT_PER_TOKEN": "5", "RATE_LIMIT_PER_ADDRESS": "8", "RATE_LIMIT_WINDOW_SECONDS": "3600",
                                                        "TRUSTED_PROXY_HOPS": "1"])
        try await Self.acceptTerms(fixture)
        try await fixture.withClient { client in
            func from(_ address: String, _ token: String? = nil) -> HTTPFields {
                var headers = token.map(bearer) ?? HTTPFields()
                headers.append(HTTPField(name: .xForwardedFor, value: address))
                return headers
            }
            // Two sessions, logged in from a third address (logins count on that address only).
            var tokens: [String] = []
            for _ in 0..<2 {
                let response = try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password,
                                               headers: from("10.0.0.1"))
                #expect(response.headers[.rateLimitLimit] == "8", "an anonymous request reports the address's budget")
                tokens.append(try #require(try object(response)["token"] as? String))
            }

            // The first token: five requests, then 429 until the window ends.
            for remaining in (0..<5).reversed() {
                let response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: from("10.0.0.2", tokens[0]))
                #expect(response.status == .ok)
                #expect(response.headers[.rateLimitLimit] == "5")
                #expect(response.headers[.rateLimitRemaining] == String(remaining))
                let reset = try #require(response.headers[.rateLimitReset].flatMap(Int.init))
                #expect((1...3600).contains(reset))
                #expect(response.headers[.rateLimitPolicy] == "5;w=3600")
            }
            var response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: from("10.0.0.2", tokens[0]))
            #expect(response.status == .tooManyRequests)
            #expect(try problem(response).type == "urn:governance:problem:limit-reached")
            #expect(try problem(response).detail?.contains("token made more than 5 requests") == true)
            let retryAfter = try #require(response.headers[.retryAfter].flatMap(Int.init))
            #expect((1...3600).contains(retryAfter))
            #expect(response.headers[.rateLimitRemaining] == "0")
            // Probes and the API's description are not counted.
            response = try await client.execute(uri: "/health", method: .get, headers: from("10.0.0.2", tokens[0]))
            #expect(response.status == .ok)
            #expect(response.headers[.rateLimitLimit] == nil)
            response = try await client.execute(uri: "/openapi.yaml", method: .get, headers: from("10.0.0.2", tokens[0]))
            #expect(response.status == .ok)

            // The second token from the same address: the address has used 6 of its 8.
            response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: from("10.0.0.2", tokens[1]))
            #expect(response.status == .ok)
            #expect(response.headers[.rateLimitRemaining] == "4")
            response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: from("10.0.0.2", tokens[1]))
            #expect(response.status == .ok)
            response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: from("10.0.0.2", tokens[1]))
            #expect(response.status == .tooManyRequests)
            #expect(try problem(response).detail?.contains("client address made more than 8 requests") == true)
            // From another address the second token still has budget; made-up tokens spend the address's.
            response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: from("10.0.0.3", tokens[1]))
            #expect(response.status == .ok)
            for attempt in 0..<8 {
                response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: from("10.0.0.4", "made-up-\(attempt)"))
                #expect(response.status == .unauthorized)
            }
            response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: from("10.0.0.4", "made-up-9"))
            #expect(response.status == .tooManyRequests)
        }
        await fixture.platform.shutdown()
    }

    @Test("rate-limit counts: batched into Redis far from the limit, one by one near it, shared by processes, synced within a second")
    func batchedCounts() async throws {
        let fixture = try await AuthFixture()
        let platform = fixture.platform
        let t0 = Date()
        let key = "\(platform.configuration.queuePrefix):ratelimit:token:\(SHA256.hex(Data("gpp_batch".utf8)).prefix(32)):\(Int64(t0.timeIntervalSince1970) / 3600)"
        let settings = RequestRateLimit.Settings(perToken: 1600, perAddress: 0, windowSeconds: 3600)
        let first = RequestRateLimit(redis: platform.redis, keyPrefix: platform.configuration.queuePrefix, settings: settings)
        var decision: RequestRateLimit.Decision?
        for _ in 0..<150 { decision = try await first.count(bearerToken: "gpp_batch", address: nil, now: t0) }
        // Far from the limit: Redis was told at the first request, then after a batch of 99 (a sixteenth of what remained).
        #expect(try await platform.redis.send("GET", key).string == "100")
        #expect(decision?.remaining == 1450, "this process counts every request itself")
        // Another process sees what Redis knows; a second later the first one's pending requests reach Redis too.
        let second = RequestRateLimit(redis: platform.redis, keyPrefix: platform.configuration.queuePrefix, settings: settings)
        #expect(try await second.count(bearerToken: "gpp_batch", address: nil, now: t0).remaining == 1499)
        _ = try await first.count(bearerToken: "gpp_batch", address: nil, now: t0.addingTimeInterval(1.5))
        #expect(try await platform.redis.send("GET", key).string == "152")

        // Near the limit every request reaches Redis: one process spends the budget, the other is refused at once.
        let small = RequestRateLimit.Settings(perToken: 40, perAddress: 0, windowSeconds: 3600)
        let a = RequestRateLimit(redis: platform.redis, keyPrefix: platform.configuration.queuePrefix, settings: small)
        let b = RequestRateLimit(redis: platform.redis, keyPrefix: platform.configuration.queuePrefix, settings: small)
        for _ in 0..<40 { #expect(try await a.count(bearerToken: "gpp_small", address: nil, now: t0).isRefused == false) }
        #expect(try await b.count(bearerToken: "gpp_small", address: nil, now: t0).refusal == .init(budget: "token", limit: 40))
        #expect(try await a.count(bearerToken: "gpp_small", address: nil, now: t0).isRefused)
        await platform.shutdown()
    }

    @Test("rate limits without Redis: requests pass uncounted, without RateLimit headers")
    func rateLimitsWithoutRedis() async throws {
        let fixture = try await AuthFixture()
        try await Self.acceptTerms(fixture)
        let token = try await fixture.withClientResult { client in
            try #require(try object(try await login(client, email: "ada.admin@regulator.example", password: AuthFixture.password))["token"] as? String)
        }
        var configuration = fixture.platform.configuration
        configuration.redis = try AppConfiguration.fromEnvironment([
            "DATABASE_URL": configuration.postgres.url, "REDIS_URL": "redis://127.0.0.1:1/0", "SECRET_KEY": configuration.secretKey,
        ]).redis
        let offline = Platform(configuration: configuration, logger: TestEnvironment.logger)
        try await Application(router: try buildRouter(platform: offline, metrics: testMetrics)).test(.router) { client in
            let response = try await client.execute(uri: "/api/v1/users/me", method: .get, headers: bearer(token))
            #expect(response.status == .ok)
            #expect(response.headers[.rateLimitLimit] == nil)
        }
        await offline.shutdown()
        await fixture.platform.shutdown()
    }
}
