import Logging
import Redis

/// Runs one kind of job. Handlers are idempotent: a job may be delivered more than once.
public protocol JobHandler: Sendable {
    /// Runs the job; throwing schedules a retry, unless the error is a ``PermanentJobError``
    /// (or another failure no retry can fix).
    func run(_ job: JobEnvelope, logger: Logger) async throws
}

/// The handler of each job kind: the one place where kinds meet their code. Each module adds
/// its own through ``PlatformModule/registerJobs(in:)``.
public struct JobHandlerRegistry: Sendable {
    private var handlers: [String: any JobHandler] = [:]

    public init() {}

    public mutating func register(_ kind: JobKind, _ handler: any JobHandler) {
        precondition(handlers[kind.rawValue] == nil, "job kind \(kind) registered twice")
        handlers[kind.rawValue] = handler
    }

    public func handler(for kind: String) -> (any JobHandler)? { handlers[kind] }

    public var kinds: [String] { handlers.keys.sorted() }
}
