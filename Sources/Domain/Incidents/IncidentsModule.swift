import Foundation
import Logging
import Postgres

/// The incident notification module: the regulators' configuration (templates, impacts,
/// questions, report types, workflows), first notifications, reports and their review, reading
/// incidents and their access log, their PDFs, and the deadline sweeps (overdue reports,
/// reminders).
public struct IncidentsModule: PlatformModule {
    public let configuration: IncidentConfiguration
    public let notification: IncidentNotification
    public let query: IncidentQuery
    public let deadlines: IncidentDeadlines
    public let review: IncidentReview
    public let reports: IncidentReports
    public let documents: IncidentDocuments
    public let retention: IncidentRetention
    public let exports: IncidentExports
    let postgres: PostgresClient
    let sweepSeconds: Int

    init(configuration settings: AppConfiguration, logger: Logger, postgres: PostgresClient, outbox: Outbox, documents store: DocumentStore,
         now: @escaping @Sendable () -> Date = { Date() }) {
        self.postgres = postgres
        sweepSeconds = settings.incidentSweepSeconds
        configuration = IncidentConfiguration(postgres: postgres)
        notification = IncidentNotification(postgres: postgres, outbox: outbox, sender: settings.mailFrom, links: settings.frontend,
                                            dailyLimit: settings.incidentDailyLimit, now: now)
        query = IncidentQuery(postgres: postgres)
        let emails = IncidentEmails(sender: settings.mailFrom, links: settings.frontend)
        deadlines = IncidentDeadlines(postgres: postgres, outbox: outbox, emails: emails, logger: logger)
        review = IncidentReview(outbox: outbox, emails: emails)
        reports = IncidentReports(postgres: postgres, outbox: outbox, emails: emails, now: now)
        documents = IncidentDocuments(postgres: postgres, outbox: outbox, documents: store)
        exports = IncidentExports(postgres: postgres, outbox: outbox, documents: store, sender: settings.mailFrom)
        retention = IncidentRetention(postgres: postgres, logger: logger, retention: settings.incidentRetention)
    }

    public func registerJobs(in registry: inout JobHandlerRegistry) {
        registry.register(.renderIncidentPDF, RenderIncidentPDFHandler(documents: documents))
        registry.register(.exportIncidents, ExportIncidentsHandler(exports: exports))
    }

    public func jobSubjects() -> [String: JobSubjectCheck] {
        [
            "incident": { [documents] principal, id in try await documents.canSee(principal, incidentID: id) },
            "incident_export": { [exports] principal, id in try await exports.canSee(principal, exportID: id) },
        ]
    }

    public func periodicTasks() -> [PeriodicTask] {
        [
            // Every minute by default: a reminder or an overdue notice goes out within a minute of its time.
            PeriodicTask(name: "incident_deadlines", interval: .seconds(sweepSeconds)) { [deadlines] _ in
                try await deadlines.sweep()
            },
            PeriodicTask(name: "purge_idempotency_keys", interval: .seconds(3600)) { [postgres] _ in
                try await Idempotency.purge(postgres)
            },
            PeriodicTask(name: "purge_incidents", interval: .seconds(86_400)) { [retention] _ in
                try await retention.purge()
            },
        ]
    }
}
