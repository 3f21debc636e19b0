import Domain
import Foundation
import Logging
import Metrics
import Redis
import ServiceLifecycle

/// The scheduler: any number may run, one leads.
///
/// Every tick each beat tries to take or renew the leader lease. The leader promotes due
/// delayed jobs, returns the jobs of dead consumers to their queues, and runs the periodic
/// tasks whose slot has not run yet (a Redis `SET NX` per task and slot, so a new leader never
/// repeats a slot its predecessor ran). On graceful shutdown the leader gives the lease up.
public struct BeatService: Service {
    public struct Options: Sendable {
        public var id: String
        public var leaderTTLMilliseconds: Int
        public var tickMilliseconds: Int

        public init(id: String, leaderTTLMilliseconds: Int, tickMilliseconds: Int) {
            self.id = id
            self.leaderTTLMilliseconds = leaderTTLMilliseconds
            self.tickMilliseconds = tickMilliseconds
        }
    }

    let options: Options
    let queue: ReliableQueue
    let lock: LeaderLock
    let tasks: [PeriodicTask]
    let logger: Logger

    public init(options: Options, queue: ReliableQueue, tasks: [PeriodicTask], logger: Logger) {
        self.options = options
        self.queue = queue
        self.tasks = tasks
        lock = LeaderLock(client: queue.client, key: "\(queue.prefix):beat:leader", holder: options.id,
                          ttlMilliseconds: options.leaderTTLMilliseconds)
        var logger = logger
        logger[metadataKey: "beat"] = "\(options.id)"
        self.logger = logger
    }

    public func run() async throws {
        logger.info("beat started", metadata: ["tasks": "\(tasks.map(\.name).joined(separator: ","))"])
        let leaderGauge = Gauge(label: "beat_leader", dimensions: [("beat", options.id)])
        var leading = false
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let nowLeading = try await lock.acquireOrRenew()
                if nowLeading != leading {
                    logger.notice(nowLeading ? "became beat leader" : "lost beat leadership")
                    leading = nowLeading
                    leaderGauge.record(leading ? 1 : 0)
                }
                if leading { try await lead() }
            } catch {
                logger.warning("beat tick failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: .milliseconds(options.tickMilliseconds))
        }
        if leading {
            try? await lock.release()
            leaderGauge.record(0)
        }
        logger.info("beat stopped")
    }

    private func lead() async throws {
        let promoted = try await queue.promoteDueJobs()
        if promoted > 0 { logger.debug("promoted delayed jobs", metadata: ["jobs": "\(promoted)"]) }
        let reaped = try await queue.reapExpiredConsumers()
        if reaped > 0 { logger.notice("returned jobs of dead consumers to their queues", metadata: ["jobs": "\(reaped)"]) }
        let now = Date()
        for task in tasks {
            let slotKey = "\(queue.prefix):beat:slot:\(task.name):\(task.slot(at: now))"
            let claimed = try await queue.client.send(["SET", slotKey, options.id, "NX", "PX", String(task.intervalMilliseconds * 2)])
            guard claimed.string == "OK" else { continue }
            do {
                try await task.body(logger)
                Counter(label: "beat_task_runs_total", dimensions: [("task", task.name)]).increment()
            } catch {
                logger.error("periodic task failed", metadata: ["task": "\(task.name)", "error": "\(error)"])
                Counter(label: "beat_task_failures_total", dimensions: [("task", task.name)]).increment()
            }
        }
    }
}
