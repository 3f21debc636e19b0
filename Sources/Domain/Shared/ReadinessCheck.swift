import Foundation
import Synchronization

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

    /// The outcome of `check`, or "no answer" once `timeout` has passed, whichever comes first.
    ///
    /// A dependency that accepts the connection and never answers holds a blocking C call on a
    /// pool thread, which no cancellation reaches; so the check runs in a task of its own that
    /// this call never waits for (unstructured on purpose: a task group would wait for it).
    private func probe(_ check: @escaping @Sendable () async throws -> Void) async -> String {
        let outcome = FirstOutcome()
        return await withCheckedContinuation { continuation in
            outcome.install(continuation)
            let timer = Task { [timeout] in
                try? await Task.sleep(for: timeout)
                if !Task.isCancelled { outcome.resolve("no answer within \(timeout)") }
            }
            Task {
                do {
                    try await check()
                    outcome.resolve("ok")
                } catch {
                    outcome.resolve(Self.summary(of: error))
                }
                timer.cancel()
            }
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

/// Resumes a continuation with the first of several outcomes and ignores the later ones.
private final class FirstOutcome: Sendable {
    private let continuation = Mutex<CheckedContinuation<String, Never>?>(nil)

    func install(_ continuation: CheckedContinuation<String, Never>) {
        self.continuation.withLock { $0 = continuation }
    }

    func resolve(_ value: String) {
        continuation.withLock { pending in
            pending?.resume(returning: value)
            pending = nil
        }
    }
}
