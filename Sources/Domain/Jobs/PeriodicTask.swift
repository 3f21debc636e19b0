import Foundation
import Logging

/// Work the beat leader runs every `interval`, at most once per time slot across all beats.
public struct PeriodicTask: Sendable {
    public let name: String
    public let interval: Duration
    public let body: @Sendable (Logger) async throws -> Void

    public init(name: String, interval: Duration, body: @escaping @Sendable (Logger) async throws -> Void) {
        self.name = name
        self.interval = interval
        self.body = body
    }

    /// The slot containing `date`: slots are consecutive `interval`s since 1970.
    public func slot(at date: Date) -> Int64 {
        Int64(date.timeIntervalSince1970 * 1000) / intervalMilliseconds
    }

    public var intervalMilliseconds: Int64 {
        max(Int64(interval.components.seconds) * 1000 + interval.components.attoseconds / 1_000_000_000_000_000, 1)
    }
}
