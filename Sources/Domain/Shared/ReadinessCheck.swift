import Foundation

/// Whether the platform's dependencies answer: PostgreSQL (`SELECT 1`) and Redis (`PING`),
/// checked concurrently, each within a timeout.
public struct ReadinessCheck: Sendable {
    public let platform: Platform
    public let timeout: Duration

    public init(platform: Platform, timeout: Duration = .seconds(2)) {
        self.platform = platform
        self.timeout = timeout
    }

    public struct Report: Sendable {
        public var database: String
        public var redis: String
        public var isReady: Bool { database == "ok" && redis == "ok" }
        public var failures: [String] {
            [("database", database), ("redis", redis)].filter { $0.1 != "ok" }.map { "\($0.0): \($0.1)" }
        }
    }

    public func run() async -> Report {
        async let database = probe { _ = try await platform.postgres.query("SELECT 1") }
        async let redis = probe { _ = try await platform.redis.send("PING") }
        return Report(database: await database, redis: await redis)
    }

    private func probe(_ check: @escaping @Sendable () async throws -> Void) async -> String {
        await withTaskGroup(of: String?.self) { group in
            group.addTask {
                do {
                    try await check()
                    return "ok"
                } catch {
                    return Self.summary(of: error)
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return Task.isCancelled ? nil : "no answer within \(timeout)"
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? "unknown"
        }
    }

    /// The first line of an error, without connection details (hosts, users) that clients need not see.
    static func summary(of error: any Error) -> String {
        let text = String(describing: error)
        let firstLine = text.split(separator: "\n").first.map(String.init) ?? text
        if firstLine.localizedCaseInsensitiveContains("refused") { return "connection refused" }
        if firstLine.localizedCaseInsensitiveContains("timeout") || firstLine.localizedCaseInsensitiveContains("timed out") { return "timed out" }
        return "unavailable"
    }
}
