import Foundation
import Logging
import Postgres

/// The job pipeline's own part of the platform: e-mail delivery, PDF rendering, the no-op
/// pipeline check, the outbox sweep that pushes jobs whose push failed or got lost, and the
/// retention of finished jobs.
public struct JobsModule: PlatformModule {
    let configuration: AppConfiguration
    let outbox: Outbox
    let emailDelivery: EmailDelivery
    let documents: DocumentStore

    public func registerJobs(in registry: inout JobHandlerRegistry) {
        registry.register(.sendEmail, SendEmailHandler(delivery: emailDelivery))
        registry.register(.renderPDF, RenderPDFHandler(documents: documents))
        registry.register(.noop, NoopHandler())
    }

    public func periodicTasks() -> [PeriodicTask] {
        let grace = configuration.outboxDispatchGraceSeconds
        let redispatchAfter = configuration.outboxRedispatchAfterSeconds
        let retention = configuration.jobRetention
        return [
            PeriodicTask(name: "outbox_sweep", interval: .seconds(max(grace, 1))) { [outbox] _ in
                _ = try await outbox.sweep(graceSeconds: grace, redispatchAfterSeconds: redispatchAfter)
            },
            PeriodicTask(name: "purge_finished_jobs", interval: .seconds(86_400)) { [outbox] logger in
                try await Self.purgeFinishedJobs(outbox.postgres, logger: logger, before: Date().addingTimeInterval(-retention.seconds))
            },
        ]
    }

    /// Deletes the records of jobs created before `cutoff` that are done or discarded (failed
    /// and dead jobs wait for an operator, whatever their age), with what they worked for;
    /// jobs a row still waits on (`waiting_jobs`: a file not stored, an import without its
    /// outcome) stay.
    @discardableResult
    public static func purgeFinishedJobs(_ postgres: PostgresClient, logger: Logger, before cutoff: Date, batchSize: Int = 1000) async throws -> Int {
        try await BatchedPurge.run(postgres, logger: logger, action: "retention.finished_jobs_deleted", cutoff: cutoff, batchSize: batchSize, """
            WITH gone AS (
                DELETE FROM outbox WHERE id IN (
                    SELECT id FROM outbox WHERE created_at < $1 AND (completed_at IS NOT NULL OR discarded_at IS NOT NULL)
                    AND id NOT IN (SELECT job_id FROM waiting_jobs) LIMIT $2)
                RETURNING id),
            subjects AS (DELETE FROM job_subjects WHERE job_id IN (SELECT id FROM gone))
            SELECT id FROM gone
            """)
    }
}
