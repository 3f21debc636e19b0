/// When a failed job runs again: exponential backoff with equal jitter, then the dead letter.
public struct RetryPolicy: Sendable, Equatable {
    /// Deliveries in all, the first included; a job failing its last one goes to the dead letter.
    public var maximumAttempts: Int
    /// The delay before the second attempt, before jitter, in milliseconds.
    public var baseDelayMilliseconds: Int64
    /// The longest delay, in milliseconds.
    public var maximumDelayMilliseconds: Int64

    public init(maximumAttempts: Int = 8, baseDelayMilliseconds: Int64 = 2_000, maximumDelayMilliseconds: Int64 = 3_600_000) {
        self.maximumAttempts = maximumAttempts
        self.baseDelayMilliseconds = baseDelayMilliseconds
        self.maximumDelayMilliseconds = maximumDelayMilliseconds
    }

    /// Whether a job whose attempt `attempt` failed may be tried again.
    public func allowsRetry(afterAttempt attempt: Int) -> Bool { attempt < maximumAttempts }

    /// The backoff ceiling after attempt `attempt`: `base × 2^(attempt-1)`, capped.
    public func ceiling(afterAttempt attempt: Int) -> Int64 {
        let exponent = min(max(attempt - 1, 0), 40)
        let (product, overflow) = baseDelayMilliseconds.multipliedReportingOverflow(by: Int64(1) << exponent)
        return overflow ? maximumDelayMilliseconds : min(product, maximumDelayMilliseconds)
    }

    /// The delay after attempt `attempt`: between half the ceiling and the ceiling ("equal
    /// jitter"), so retries of many jobs that failed together spread out.
    ///
    /// - Parameter unit: a number in `0..<1`; the production caller passes a random one.
    public func delay(afterAttempt attempt: Int, unit: Double) -> Int64 {
        let ceiling = ceiling(afterAttempt: attempt)
        let half = ceiling / 2
        return half + Int64(Double(ceiling - half) * min(max(unit, 0), 0.999_999))
    }
}
