import Foundation

/// A job as it travels through Redis: what to run, for which queue, and how often it was tried.
public struct JobEnvelope: Codable, Sendable, Equatable {
    /// Unique id; for jobs produced through the outbox, the outbox row id.
    public var id: String
    /// The handler that runs it, e.g. `send_email`.
    public var kind: String
    /// The queue it belongs to.
    public var queue: String
    /// Handler-specific JSON text.
    public var payload: String
    /// 1 for the first delivery, incremented by each retry.
    public var attempt: Int
    /// When it was first enqueued, in milliseconds since 1970.
    public var enqueuedAt: Int64
    /// The last failure, set on retries and in the dead letter.
    public var lastError: String?
    /// Whether a database row records this job's progress (jobs from the outbox); untracked
    /// jobs (benchmarks, pipeline checks) exist only in Redis.
    public var tracked: Bool

    public init(id: String, kind: String, queue: String = "default", payload: String = "{}", attempt: Int = 1, enqueuedAt: Date = Date(),
                lastError: String? = nil, tracked: Bool = false) {
        self.id = id
        self.kind = kind
        self.queue = queue
        self.payload = payload
        self.attempt = attempt
        self.enqueuedAt = Int64(enqueuedAt.timeIntervalSince1970 * 1000)
        self.lastError = lastError
        self.tracked = tracked
    }

    enum CodingKeys: String, CodingKey {
        case id, kind, queue, payload, attempt, tracked
        case enqueuedAt = "enqueued_at"
        case lastError = "last_error"
    }

    /// The JSON text pushed onto the queue.
    public func encoded() throws -> String {
        String(decoding: try JSONEncoder().encode(self), as: UTF8.self)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        kind = try container.decode(String.self, forKey: .kind)
        queue = try container.decodeIfPresent(String.self, forKey: .queue) ?? "default"
        payload = try container.decodeIfPresent(String.self, forKey: .payload) ?? "{}"
        attempt = try container.decodeIfPresent(Int.self, forKey: .attempt) ?? 1
        enqueuedAt = try container.decodeIfPresent(Int64.self, forKey: .enqueuedAt) ?? 0
        lastError = try container.decodeIfPresent(String.self, forKey: .lastError)
        tracked = try container.decodeIfPresent(Bool.self, forKey: .tracked) ?? false
    }

    /// Parses the JSON text of a queued job.
    public static func decode(_ text: String) throws -> JobEnvelope {
        try JSONDecoder().decode(JobEnvelope.self, from: Data(text.utf8))
    }
}
