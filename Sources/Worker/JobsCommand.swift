import ArgumentParser
import Domain
import Foundation
import Logging
import Redis

/// `governance-worker jobs …` and `governance-worker queues`: the operations view of the jobs
/// API from the worker's own environment (its database and Redis), for whoever runs the worker.
extension GovernanceWorker {
    struct JobsCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "jobs", abstract: "Find, retry and discard background jobs.",
            discussion: "Exit status: 0 done, 64 bad arguments, 65 the job is not in a state that allows it, 66 no such job.",
            subcommands: [List.self, Show.self, Retry.self, Discard.self])
    }

    struct QueuesCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "queues", abstract: "Jobs waiting, running, retrying and dead per queue, and the consumers.")
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let overview = try await withJobAdministration { try await $0.overview($1) }
            if output.json { return try printJSON(overview.json) }
            print(TextTable(["QUEUE", "WAITING", "RUNNING", "RETRYING", "DEAD"],
                            overview.queues.map { [$0.name, "\($0.waiting)", "\($0.running)", "\($0.retrying)", "\($0.dead)"] }).text)
            print("\nRedis: \(overview.delayed) delayed, \(overview.deadLetter) in the dead letter\n")
            print(TextTable(["CONSUMER", "ALIVE", "SLOTS", "QUEUES", "RUNNING"], overview.consumers.map { consumer in
                [consumer.id, consumer.isAlive ? "yes" : "no", consumer.concurrency.map(String.init) ?? "-", consumer.queues.joined(separator: ","),
                 "\(consumer.running.values.reduce(0, +))"]
            }).text)
        }
    }
}

struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON (the API's field names) instead of a table.")
    var json = false
}

extension GovernanceWorker.JobsCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Jobs, newest first.")
        @Option(help: "Only this kind, e.g. send_email.") var kind: String?
        @Option(help: "Only this queue.") var queue: String?
        @Option(help: "Only this state: \(AdministeredJob.State.allCases.map(\.rawValue).joined(separator: ", ")).") var state: String?
        @Option(help: "Created at or after this instant (ISO 8601).") var since: String?
        @Option(help: "Created before this instant (ISO 8601).") var until: String?
        @Option(help: "Jobs per page, 1 to 200.") var limit = 50
        @Option(help: "The next_cursor of a previous page.") var cursor: String?
        @OptionGroup var output: OutputOptions

        func validate() throws {
            if let state, AdministeredJob.State(rawValue: state) == nil { throw ValidationError("unknown --state \(state)") }
            for (name, value) in [("--since", since), ("--until", until)] {
                if let value, instant(value) == nil { throw ValidationError("\(name) must be an ISO 8601 instant, e.g. 2026-12-01T09:00:00Z") }
            }
        }

        func run() async throws {
            let filter = JobFilter(kind: kind, queue: queue, state: state.flatMap(AdministeredJob.State.init(rawValue:)),
                                   createdFrom: since.flatMap(instant), createdBefore: until.flatMap(instant))
            let page = try await withJobAdministration { try await $0.list($1, filter: filter, limit: limit, cursor: cursor) }
            if output.json {
                var object: [String: Any] = ["items": page.items.map { $0.json(payload: false) }]
                object["next_cursor"] = page.nextCursor
                return try printJSON(object)
            }
            print(TextTable(["ID", "KIND", "QUEUE", "STATE", "ATTEMPTS", "CREATED", "LAST ERROR"], page.items.map { job in
                [job.id.uuidString.lowercased(), job.kind, job.queue, job.state.rawValue, "\(job.attempts)", RFC3339.format(job.createdAt),
                 String((job.lastError ?? "").prefix(60))]
            }).text)
            if let next = page.nextCursor { print("\nmore: --cursor \(next)") }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One job, with its payload.")
        @Argument(help: "The job's id.") var id: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let jobID = try parsedID(id)
            let job = try await withJobAdministration { try await $0.job($1, id: jobID) }
            try printJob(job, json: output.json)
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a failed or dead job back to its queue (idempotent; audited).")
        @Argument(help: "The job's id.") var id: String
        @OptionGroup var output: OutputOptions

        func run() async throws {
            let jobID = try parsedID(id)
            let job = try await withJobAdministration { try await $0.retry($1, id: jobID) }
            try printJob(job, json: output.json)
        }
    }

    struct Discard: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Discard a failed or dead job (idempotent; audited).")
        @Argument(help: "The job's id.") var id: String

        func run() async throws {
            let jobID = try parsedID(id)
            try await withJobAdministration { try await $0.discard($1, id: jobID) }
            print("discarded \(jobID.uuidString.lowercased())")
        }
    }
}

// MARK: Helpers

private func instant(_ text: String) -> Date? {
    let formatter = ISO8601DateFormatter()
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    return formatter.date(from: text)
}

private func parsedID(_ text: String) throws -> UUID {
    guard let id = UUID(uuidString: text) else { throw ValidationError("\(text) is not a job id (a UUID)") }
    return id
}

/// Runs `body` with the platform's job administration, acting as the operating-system user on
/// this host (recorded in the audit log), then closes the pools. Domain refusals become a
/// message on standard error and the exit status the `jobs` help lists.
@discardableResult
private func withJobAdministration<T: Sendable>(_ body: (JobAdministration, JobOperator) async throws -> T) async throws -> T {
    let configuration = AppConfiguration.loadForStartUp(program: "governance-worker")
    let platform = Platform(configuration: configuration, logger: Logger(label: "governance-worker"))
    let actor = JobOperator.commandLine("\(NSUserName())@\(ProcessInfo.processInfo.hostName)")
    let outcome: Result<T, any Error>
    do {
        outcome = .success(try await body(platform.jobAdministration, actor))
    } catch {
        outcome = .failure(error)
    }
    await platform.shutdown()
    switch outcome {
    case .success(let value):
        return value
    case .failure(DomainError.notFound(let message)):
        FileHandle.standardError.write(Data("governance-worker: \(message)\n".utf8))
        throw ExitCode(66)  // EX_NOINPUT
    case .failure(DomainError.conflict(let message)):
        FileHandle.standardError.write(Data("governance-worker: \(message)\n".utf8))
        throw ExitCode(65)  // EX_DATAERR
    case .failure(DomainError.validation(let errors)):
        FileHandle.standardError.write(Data(("governance-worker: " + errors.map { "\($0.field): \($0.message)" }.joined(separator: "; ") + "\n").utf8))
        throw ExitCode(64)  // EX_USAGE
    case .failure(let error):
        throw error
    }
}

private func printJob(_ job: AdministeredJob, json: Bool) throws {
    if json { return try printJSON(job.json(payload: true)) }
    let fields = job.json(payload: false)
    let order = ["id", "kind", "queue", "state", "attempts", "consumer", "last_error", "created_at", "dispatched_at", "started_at", "retry_at",
                 "finished_at", "retried_at", "discarded_at", "subject_type", "subject_id"]
    print(TextTable(["FIELD", "VALUE"], order.compactMap { key in fields[key].map { [key, "\($0)"] } }).text)
    print("payload: \(job.payload)")
}

private func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}

extension AdministeredJob {
    /// The job as the API answers it.
    func json(payload: Bool) -> [String: Any] {
        var object: [String: Any] = [
            "id": id.uuidString.lowercased(), "kind": kind, "queue": queue, "state": state.rawValue, "attempts": attempts,
            "created_at": RFC3339.format(createdAt),
        ]
        object["last_error"] = lastError
        object["consumer"] = consumer
        for (key, date) in [("dispatched_at", dispatchedAt), ("started_at", startedAt), ("retry_at", retryAt), ("finished_at", finishedAt),
                            ("retried_at", retriedAt), ("discarded_at", discardedAt)] {
            object[key] = date.map(RFC3339.format)
        }
        object["subject_type"] = subjectType
        object["subject_id"] = subjectID?.uuidString.lowercased()
        if payload { object["payload"] = try? JSONSerialization.jsonObject(with: Data(self.payload.utf8)) }
        return object
    }
}

extension QueueOverview {
    /// The overview as the API answers it.
    var json: [String: Any] {
        [
            "queues": queues.map { ["name": $0.name, "waiting": $0.waiting, "running": $0.running, "retrying": $0.retrying, "dead": $0.dead] },
            "delayed": delayed, "dead_letter": deadLetter,
            "consumers": consumers.map { consumer -> [String: Any] in
                var object: [String: Any] = ["id": consumer.id, "queues": consumer.queues, "alive": consumer.isAlive, "running": consumer.running]
                object["concurrency"] = consumer.concurrency
                return object
            },
        ]
    }
}

/// Left-aligned columns separated by two spaces, for terminals and `column`-like reading.
struct TextTable {
    let header: [String]
    let rows: [[String]]

    init(_ header: [String], _ rows: [[String]]) {
        self.header = header
        self.rows = rows
    }

    var text: String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
