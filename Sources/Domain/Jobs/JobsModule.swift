/// The job pipeline's own part of the platform: e-mail delivery, PDF rendering, the no-op
/// pipeline check, and the outbox sweep that pushes jobs whose push failed or got lost.
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
        return [
            PeriodicTask(name: "outbox_sweep", interval: .seconds(max(grace, 1))) { [outbox] _ in
                _ = try await outbox.sweep(graceSeconds: grace, redispatchAfterSeconds: redispatchAfter)
            },
        ]
    }
}
