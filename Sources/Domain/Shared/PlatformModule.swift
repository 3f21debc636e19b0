/// What a module of the platform (the job pipeline, governance, incidents...) brings to the
/// worker: its job handlers and its periodic tasks. The API reaches a module's services through
/// the module's own property on ``Platform``; a new module adds one property there and one
/// entry to ``Platform/modules``, and touches no other module's files.
public protocol PlatformModule: Sendable {
    /// Adds the module's job kinds with their handlers.
    func registerJobs(in registry: inout JobHandlerRegistry)

    /// The module's periodic tasks, run by the beat leader once per slot.
    func periodicTasks() -> [PeriodicTask]

    /// Per kind of object the module's tracked jobs work for, who may follow such a job.
    func jobSubjects() -> [String: JobSubjectCheck]
}

extension PlatformModule {
    public func jobSubjects() -> [String: JobSubjectCheck] { [:] }
}
