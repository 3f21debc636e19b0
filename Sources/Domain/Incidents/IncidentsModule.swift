import Logging
import Postgres

/// The incident notification module: configuration so far (templates, impacts, questions,
/// report types, workflows).
public struct IncidentsModule: PlatformModule {
    public let configuration: IncidentConfiguration

    init(postgres: PostgresClient) {
        configuration = IncidentConfiguration(postgres: postgres)
    }

    public func registerJobs(in registry: inout JobHandlerRegistry) {}

    public func periodicTasks() -> [PeriodicTask] { [] }
}
