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
        subcommands: [Serve.self, Migrate.self, CreateAdmin.self, SeedDemo.self],
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
            await warnAboutDemoAccounts(platform)
            let app = try buildApplication(platform: platform, metrics: registry)
            try await runApplication(app, platform: platform)
        }

        /// Demo accounts share a published password: on an installation set up for production
        /// (second factor required), their presence is a mistake worth shouting about.
        private func warnAboutDemoAccounts(_ platform: Platform) async {
            guard platform.configuration.auth.requireSecondFactor, let count = try? await DemoData.activeAccounts(platform), count > 0 else { return }
            platform.logger.critical(
                "\(count) demo account(s) with the published demo password can log in on this installation; deactivate them or use a fresh database",
                metadata: ["domain": "\(DemoData.domain)"])
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

    struct CreateAdmin: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-admin",
            abstract: "Create a platform administrator (the first one, or another).",
            discussion: "Prompts for the password twice, or reads one line from standard input with --password-stdin.")

        @Option(help: "E-mail address, the login.") var email: String
        @Option(help: "First name.") var firstName: String
        @Option(help: "Last name.") var lastName: String
        @Flag(help: "Read the password from standard input instead of prompting.") var passwordStdin = false

        func run() async throws {
            let (configuration, logger) = startUp()
            let password: String
            if passwordStdin {
                password = readLine(strippingNewline: true) ?? ""
            } else {
                let first = String(cString: getpass("Password: "))
                let second = String(cString: getpass("Password again: "))
                guard first == second else {
                    FileHandle.standardError.write(Data("create-admin: the passwords differ\n".utf8))
                    throw ExitCode(65)
                }
                password = first
            }
            let platform = Platform(configuration: configuration, logger: logger)
            let outcome: Result<User, any Error>
            do {
                outcome = .success(try await platform.governance.users.createPlatformAdministrator(
                    email: email, firstName: firstName, lastName: lastName, password: password, client: .system))
            } catch {
                outcome = .failure(error)
            }
            await platform.shutdown()
            switch outcome {
            case .success(let user):
                print("created platform administrator \(user.email) (\(user.id.uuidString.lowercased()))")
            case .failure(DomainError.validation(let errors)):
                FileHandle.standardError.write(Data(("create-admin: " + errors.map { "\($0.field): \($0.message)" }.joined(separator: "\n  ") + "\n").utf8))
                throw ExitCode(65)  // EX_DATAERR
            case .failure(DomainError.conflict(let message)):
                FileHandle.standardError.write(Data("create-admin: \(message)\n".utf8))
                throw ExitCode(65)
            case .failure(let error):
                logger.critical("create-admin failed", metadata: ["error": "\(error)"])
                throw ExitCode.failure
            }
        }
    }

    struct SeedDemo: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "seed-demo",
            abstract: "Write the demo data set (once) and print its accounts.",
            discussion: "A regulator with staff, an observer, two operators with members, sectors, regulations and entity categories. For local trials only: every demo account shares one published password.")

        func run() async throws {
            let (configuration, logger) = startUp()
            let platform = Platform(configuration: configuration, logger: logger)
            let outcome: Result<Bool, any Error>
            do {
                outcome = .success(try await DemoData.seed(platform))
            } catch {
                outcome = .failure(error)
            }
            await platform.shutdown()
            switch outcome {
            case .success(let wrote):
                print(wrote ? "demo data written; accounts:" : "demo data already present; accounts:")
                for account in DemoData.accounts {
                    let email = account.email.padding(toLength: 40, withPad: " ", startingAt: 0)
                    print("  \(email) \(account.role.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) \(account.organisation)")
                }
                print("  password of every demo account: \(DemoData.password)")
            case .failure(let error as DemoDataError):
                FileHandle.standardError.write(Data("seed-demo: \(error)\n".utf8))
                throw ExitCode(65)
            case .failure(let error):
                logger.critical("seed-demo failed", metadata: ["error": "\(error)"])
                throw ExitCode.failure
            }
        }
    }
}
