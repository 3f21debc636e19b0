import Domain
import Foundation
import Logging
import Metrics
import Mail
import Redis
import ServiceLifecycle

/// Takes jobs from Redis and runs them, `concurrency` at a time, until graceful shutdown.
///
/// Each slot takes a job from the first served queue that has one, moving it atomically onto
/// this consumer's processing list (it blocks only when every queue is empty), runs the job's
/// handler, then acknowledges it; failures are retried with backoff or, out of attempts or permanent, moved
/// to the dead letter and recorded. A heartbeat key tells the beat leader this consumer lives;
/// if the process dies, its jobs go back to their queue when the heartbeat expires.
public struct JobConsumer: Service {
    public struct Options: Sendable {
        public var id: String
        public var queues: [String]
        public var concurrency: Int
        public var heartbeatTTLMilliseconds: Int
        public var retryPolicy: RetryPolicy
        /// How long a pop waits for a job before checking for shutdown.
        public var popTimeoutSeconds: Double

        public init(id: String, queues: [String], concurrency: Int, heartbeatTTLMilliseconds: Int, retryPolicy: RetryPolicy,
                    popTimeoutSeconds: Double = 1) {
            self.id = id
            self.queues = queues
            self.concurrency = concurrency
            self.heartbeatTTLMilliseconds = heartbeatTTLMilliseconds
            self.retryPolicy = retryPolicy
            self.popTimeoutSeconds = popTimeoutSeconds
        }
    }

    let options: Options
    let queue: ReliableQueue
    let ledger: JobLedger
    let handlers: JobHandlerRegistry
    let logger: Logger

    public init(options: Options, queue: ReliableQueue, ledger: JobLedger, handlers: JobHandlerRegistry, logger: Logger) {
        self.options = options
        self.queue = queue
        self.ledger = ledger
        self.handlers = handlers
        var logger = logger
        logger[metadataKey: "consumer"] = "\(options.id)"
        self.logger = logger
    }

    public func run() async throws {
        logger.info("consumer started", metadata: ["queues": "\(options.queues.joined(separator: ","))", "concurrency": "\(options.concurrency)"])
        try? await queue.heartbeat(consumer: options.id, queues: options.queues, concurrency: options.concurrency,
                                      ttlMilliseconds: options.heartbeatTTLMilliseconds)
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await heartbeatLoop() }
            for slot in 0..<options.concurrency {
                // Every slot takes from the first served queue that has a job; when all are empty
                // the slots wait on different queues, so a job on any of them is taken at once.
                let home = options.queues[slot % options.queues.count]
                group.addTask { await slotLoop(waitingOn: home) }
            }
            // The slots return on graceful shutdown once their job is done; then stop the heartbeat.
            for _ in 0..<options.concurrency { await group.next() }
            group.cancelAll()
        }
        do {
            try await queue.deregister(consumer: options.id)
        } catch {
            logger.warning("could not deregister; the beat leader will reap this consumer", metadata: ["error": "\(error)"])
        }
        logger.info("consumer stopped")
    }

    private func heartbeatLoop() async {
        let interval = Duration.milliseconds(max(options.heartbeatTTLMilliseconds / 3, 100))
        while !Task.isCancelled {
            do {
                try await queue.heartbeat(consumer: options.id, queues: options.queues, concurrency: options.concurrency,
                                          ttlMilliseconds: options.heartbeatTTLMilliseconds)
            } catch {
                logger.warning("heartbeat failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    private func slotLoop(waitingOn home: String) async {
        var failures = 0
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                guard let delivery = try await queue.take(
                    from: options.queues, consumer: options.id, waitingOn: home, timeoutSeconds: options.popTimeoutSeconds)
                else { continue }
                failures = 0
                await process(delivery)
            } catch {
                failures += 1
                logger.warning("cannot take jobs", metadata: ["error": "\(error)", "queues": "\(options.queues.joined(separator: ","))"])
                try? await Task.sleep(for: .milliseconds(min(100 * (1 << min(failures, 6)), 5_000)))
            }
        }
    }

    func process(_ delivery: ReliableQueue.Delivery) async {
        let job = delivery.envelope
        var logger = logger
        logger[metadataKey: "job_id"] = "\(job.id)"
        logger[metadataKey: "job_kind"] = "\(job.kind)"
        let started = DispatchTime.now()
        let jobID = job.tracked ? UUID(uuidString: job.id) : nil
        do {
            guard let handler = handlers.handler(for: job.kind) else {
                throw PermanentJobError("no handler for job kind \(job.kind)")
            }
            if let jobID, try await ledger.begin(jobID: jobID, consumer: options.id) == .alreadyFinished {
                try await queue.acknowledge(delivery, consumer: options.id)
                logger.debug("duplicate delivery of a finished job acknowledged")
                return
            }
            try await handler.run(job, logger: logger)
            if let jobID { try await ledger.complete(jobID: jobID, consumer: options.id) }
            try await queue.acknowledge(delivery, consumer: options.id)
            Counter(label: "jobs_completed_total", dimensions: [("kind", job.kind)]).increment()
            Timer(label: "job_duration_seconds", dimensions: [("kind", job.kind)]).recordInterval(since: started)
        } catch {
            await fail(delivery, jobID: jobID, error: error, logger: logger)
        }
    }

    private func fail(_ delivery: ReliableQueue.Delivery, jobID: UUID?, error: any Error, logger: Logger) async {
        let job = delivery.envelope
        let message = String(describing: error)
        let permanent = Self.isPermanent(error)
        let retry = !permanent && options.retryPolicy.allowsRetry(afterAttempt: job.attempt)
        do {
            if retry {
                let delay = options.retryPolicy.delay(afterAttempt: job.attempt, unit: Double.random(in: 0..<1))
                let runAt = Date().addingTimeInterval(Double(delay) / 1000)
                if let jobID { try await ledger.scheduleRetry(jobID: jobID, error: message, runAt: runAt) }
                try await queue.retry(delivery, consumer: options.id, error: message, runAt: runAt)
                logger.warning("job failed, retry scheduled", metadata: ["attempt": "\(job.attempt)", "delay_ms": "\(delay)", "error": "\(message)"])
                Counter(label: "jobs_retried_total", dimensions: [("kind", job.kind)]).increment()
            } else {
                if let jobID { try await ledger.fail(jobID: jobID, error: message, permanent: permanent) }
                try await queue.bury(delivery, consumer: options.id, error: message)
                logger.error("job failed for good", metadata: ["attempt": "\(job.attempt)", "error": "\(message)"])
                Counter(label: "jobs_dead_total", dimensions: [("kind", job.kind)]).increment()
            }
        } catch {
            // The job stays on the processing list; it returns to its queue if this consumer dies,
            // and the outbox sweep re-dispatches tracked jobs in any case.
            logger.error("could not record a job failure", metadata: ["error": "\(error)"])
        }
    }

    static func isPermanent(_ error: any Error) -> Bool {
        switch error {
        case is PermanentJobError: true
        case let mail as MailError: !mail.isTransient
        default: false
        }
    }
}
