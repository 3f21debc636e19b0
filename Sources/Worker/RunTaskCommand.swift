import ArgumentParser
import Domain
import Foundation
import Logging

extension GovernanceWorker {
    /// Runs one periodic task now, outside the beat's schedule: a retention purge after its
    /// period was shortened, the outbox sweep after an outage. The tasks are idempotent, so one
    /// run by hand beside the beat's own does no harm.
    struct RunTaskCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run-task", abstract: "Run one periodic task now (a retention purge...), showing its progress.",
            discussion: "On a terminal a progress line is redrawn in place; otherwise log lines every few seconds. Exit status 64 for an unknown task.")

        @Argument(help: "The task, e.g. purge_audit_events (see --list).")
        var name: String?

        @Flag(help: "List the periodic tasks and their intervals.")
        var list = false

        func validate() throws {
            if !list, name == nil { throw ValidationError("name a task, or --list") }
        }

        func run() async throws {
            let configuration = AppConfiguration.loadForStartUp(program: "governance-worker")
            let logger = Logger(label: "governance-worker")
            let platform = Platform(configuration: configuration, logger: logger)
            let tasks = platform.periodicTasks()
            if list {
                await platform.shutdown()
                print(TextTable(["TASK", "EVERY"], tasks.map { [$0.name, Self.interval($0.interval)] }).text)
                return
            }
            guard let task = tasks.first(where: { $0.name == name }) else {
                await platform.shutdown()
                FileHandle.standardError.write(Data("governance-worker: no task \(name ?? ""); known: \(tasks.map(\.name).joined(separator: ", "))\n".utf8))
                throw ExitCode(64)  // EX_USAGE
            }
            let progress = ProgressReporter(label: task.name, logger: logger)
            let outcome: Result<Void, any Error>
            do {
                try await ProgressReporter.$current.withValue(progress) { try await task.body(logger) }
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            progress.finish()
            await platform.shutdown()
            try outcome.get()
        }

        static func interval(_ duration: Duration) -> String {
            let seconds = duration.components.seconds
            switch seconds {
            case let s where s % 86_400 == 0: return "\(s / 86_400) d"
            case let s where s % 3600 == 0: return "\(s / 3600) h"
            case let s where s % 60 == 0: return "\(s / 60) min"
            default: return "\(seconds) s"
            }
        }
    }
}
