import Metrics
import Redis

/// Queue lengths published as gauges when metrics are scraped.
public struct QueueStatistics: Sendable {
    public let queue: ReliableQueue
    public let queues: [String]

    public init(queue: ReliableQueue, queues: [String] = ["default", "mail"]) {
        self.queue = queue
        self.queues = queues
    }

    /// Reads the lengths in one round trip and records them; Redis being down is reported as -1.
    public func record() async {
        let commands = queues.map { ["LLEN", queue.queueKey($0)] } + [["ZCARD", queue.delayedKey], ["LLEN", queue.deadKey]]
        let replies = (try? await queue.client.pipeline(commands)) ?? []
        func value(_ index: Int) -> Int { index < replies.count ? replies[index].integer ?? -1 : -1 }
        for (index, name) in queues.enumerated() {
            Gauge(label: "queue_jobs_waiting", dimensions: [("queue", name)]).record(value(index))
        }
        Gauge(label: "queue_jobs_delayed").record(value(queues.count))
        Gauge(label: "queue_jobs_dead").record(value(queues.count + 1))
    }
}
