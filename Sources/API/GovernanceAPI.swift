import ArgumentParser
import Domain
import Foundation
import Hummingbird
import Logging
import Metrics
import Prometheus

@main
struct GovernanceAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "governance-api",
        abstract: "The Governance Platform JSON API.",
        discussion: "Configured through environment variables; see README.md.",
        subcommands: [Serve.self, Migrate.self],
        defaultSubcommand: Serve.self)
}

/// Reads the configuration (or exits with its problems) and sets up logging.
func startUp() -> (AppConfiguration, Logger) {
    (AppConfiguration.loadForStartUp(program: "governance-api"), Logger(label: "governance-api"))
}

extension GovernanceAPI {
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve the API until SIGTERM or SIGINT.")

        func run() async throws {
            let (configuration, logger) = startUp()
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            let platform = Platform(configuration: configuration, logger: logger)
            let app = try buildApplication(platform: platform, metrics: registry)
            try await runApplication(app, platform: platform)
        }
    }

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending database migrations, then exit.")

        func run() async throws {
            let (configuration, logger) = startUp()
            let platform = Platform(configuration: configuration, logger: logger)
            do {
                let applied = try await platform.migrate()
                logger.info("migrations done", metadata: ["applied": "\(applied)"])
                await platform.shutdown()
            } catch {
                await platform.shutdown()
                logger.critical("migration failed", metadata: ["error": "\(error)"])
                throw ExitCode.failure
            }
        }
    }
}
