import Foundation
import Logging
import Pooling
import Postgres

/// The reporting module: risk analyses imported from MONARC and the regulator's observations,
/// for the yearly reports on the operators it supervises. Switched on per regulator; regulator staff only.
public struct ReportingModule: PlatformModule {
    public let riskAnalyses: RiskAnalyses
    public let observations: Observations
    public let projects: ReportingProjects
    public let configurations: ReportConfigurations
    public let generations: ReportGenerations

    init(configuration settings: AppConfiguration, logger: Logger, postgres: PostgresClient, outbox: Outbox, files: BlockingWorkPool,
         auth: AuthService, now: @escaping @Sendable () -> Date = { Date() }) {
        riskAnalyses = RiskAnalyses(postgres: postgres, outbox: outbox, auth: auth, files: files, logger: logger,
                                    inlineBytes: settings.importInlineBytes, now: now)
        observations = Observations(postgres: postgres, files: files)
        projects = ReportingProjects(postgres: postgres, now: now)
        configurations = ReportConfigurations(postgres: postgres, files: files)
        generations = ReportGenerations(postgres: postgres, outbox: outbox, renderingThreads: files, logger: logger,
                                        retryPolicy: settings.retryPolicy, now: now)
    }

    public func registerJobs(in registry: inout JobHandlerRegistry) {
        registry.register(.importRiskAnalysis, ImportRiskAnalysisHandler(analyses: riskAnalyses))
        registry.register(.generateReport, GenerateReportHandler(generations: generations))
        registry.register(.assembleReportGeneration, AssembleReportGenerationHandler(generations: generations))
    }

    public func jobSubjects() -> [String: JobSubjectCheck] {
        ["risk_analysis_import": { [riskAnalyses] principal, id in try await riskAnalyses.canSee(principal, importID: id) },
         "report_generation": { [generations] principal, id in try await generations.canSee(principal, generationID: id) }]
    }

    public func periodicTasks() -> [PeriodicTask] {
        [PeriodicTask(name: "purge_risk_analysis_imports", interval: .seconds(86_400)) { [riskAnalyses] _ in try await riskAnalyses.purge() },
         PeriodicTask(name: "report_generation_watchdog", interval: .seconds(60)) { [generations] _ in try await generations.watch() }]
    }
}
