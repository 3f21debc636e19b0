@testable import API
import Consumer
@testable import Domain
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Redis
import ServiceLifecycle
import Synchronization
import Testing
import TestSupport

/// Always fails with a permanent error.
struct PermanentlyFailingHandler: JobHandler {
    func run(_ job: JobEnvelope, logger: Logger) async throws {
        throw PermanentJobError("the payload names nothing that exists")
    }
}

/// A switch shared by a test and a handler.
final class Switch: Sendable {
    private let state = Mutex(true)
    var isOn: Bool { state.withLock { $0 } }
    func turnOff() { state.withLock { $0 = false } }
}

/// Fails, with an error worth retrying, while `failing` is on.
struct FlakyHandler: JobHandler {
    let failing: Switch

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        if failing.isOn { throw UpstreamFailure() }
    }

    struct UpstreamFailure: Error, CustomStringConvertible {
        var description: String { "upstream answered 503" }
    }
}

extension JobKind {
    static let testPermanent = JobKind(rawValue: "test_permanent")
    static let testFlaky = JobKind(rawValue: "test_flaky")
}

/// A real consumer in this process, serving `default` with the platform's handlers and the two
/// failing kinds, two attempts each; retries wait for ``promote()`` (no beat runs).
final class TestConsumer: Sendable {
    let id = "ops-consumer-\(TestEnvironment.uniqueName())"
    let group: ServiceGroup
    let task: Task<Void, any Error>

    init(_ platform: Platform, flaky: Switch) {
        var handlers = platform.jobHandlers()
        handlers.register(.testPermanent, PermanentlyFailingHandler())
        handlers.register(.testFlaky, FlakyHandler(failing: flaky))
        let consumer = JobConsumer(
            options: .init(id: id, queues: ["default"], concurrency: 2, heartbeatTTLMilliseconds: 10_000,
                           retryPolicy: RetryPolicy(maximumAttempts: 2, baseDelayMilliseconds: 10, maximumDelayMilliseconds: 10),
                           popTimeoutSeconds: 0.2),
            queue: platform.queue, ledger: platform.ledger, handlers: handlers, logger: platform.logger)
        let group = ServiceGroup(services: [consumer], logger: platform.logger)
        self.group = group
        task = Task { try await group.run() }
    }

    func stop() async throws {
        await group.triggerGracefulShutdown()
        try await task.value
    }
}

@Suite("Job administration")
struct JobAdministrationTests {
    static func state(_ w: GovernanceWorld, _ id: UUID) async throws -> AdministeredJob.State {
        try await JobAdministration.job(id, on: w.platform.postgres).state
    }

    /// Waits until the job `id` is in `state`, promoting due retries meanwhile.
    static func reach(_ w: GovernanceWorld, _ id: UUID, _ state: AdministeredJob.State) async throws -> Bool {
        try await eventually(timeout: .seconds(20)) {
            _ = try await w.platform.queue.promoteDueJobs()
            return try await Self.state(w, id) == state
        }
    }

    @Test("the API: states through a real consumer, filters and pages, one job, the queues, retry and discard, audited, administrators only")
    func api() async throws {
        let w = try await GovernanceWorld()
        let flaky = Switch()
        let consumer = TestConsumer(w.platform, flaky: flaky)
        let (permanent, flakyJob, fine) = try await w.platform.outbox.transaction { unit in
            (try await unit.enqueue(.testPermanent, payload: ["object_id": "0"]),
             try await unit.enqueue(.testFlaky, payload: ["attempt": "any"]),
             try await unit.enqueue(.noop, payload: ["sleep_ms": 0]))
        }
        // A first failure waits for its retry (no beat promotes it here).
        #expect(try await eventually { try await Self.state(w, flakyJob) == .retrying })
        #expect(try await Self.reach(w, permanent, .failed))
        #expect(try await Self.reach(w, flakyJob, .dead))
        #expect(try await Self.reach(w, fine, .done))

        try await w.fixture.withClient { client in
            let tokens = try await w.sessions(client)
            let admin = tokens["pa"]!

            // The list, newest first, and its filters.
            var response = try await call(client, .get, "/api/v1/admin/jobs", admin)
            #expect(response.status == .ok)
            let ids = try array(response).compactMap { $0["id"] as? String }
            #expect(Set([permanent.text, flakyJob.text, fine.text]).isSubset(of: Set(ids)))
            response = try await call(client, .get, "/api/v1/admin/jobs?state=dead", admin)
            let dead = try array(response)
            #expect(dead.map { $0["id"] as? String } == [flakyJob.text])
            #expect(dead.first?["attempts"] as? Int == 2)
            #expect((dead.first?["last_error"] as? String)?.contains("upstream answered 503") == true)
            #expect(dead.first?["consumer"] as? String == consumer.id)
            #expect(dead.first?["payload"] == nil, "lists leave payloads out")
            response = try await call(client, .get, "/api/v1/admin/jobs?state=failed&queue=default", admin)
            #expect(try array(response).map { $0["id"] as? String } == [permanent.text])
            response = try await call(client, .get, "/api/v1/admin/jobs?kind=noop", admin)
            #expect(try array(response).map { $0["id"] as? String } == [fine.text])
            response = try await call(client, .get, "/api/v1/admin/jobs?kind=noop&created_before=2000-01-01T00:00:00Z", admin)
            #expect(try array(response).isEmpty)
            response = try await call(client, .get, "/api/v1/admin/jobs?state=sleeping", admin)
            #expect(response.status == .badRequest || response.status == .unprocessableContent)

            // Pages of one, through next_cursor and the Link header: every job once.
            var seen: [String] = []
            var next: String? = "/api/v1/admin/jobs?limit=1"
            while let uri = next, seen.count < 50 {
                response = try await call(client, .get, uri, admin)
                #expect(response.status == .ok)
                seen += try array(response).compactMap { $0["id"] as? String }
                next = response.headers[.link].flatMap { link in
                    link.firstMatch(of: /<[^>]*(\/api\/v1\/admin\/jobs\?[^>]*)>/).map { String($0.1) }
                }
            }
            #expect(seen == ids)
            response = try await call(client, .get, "/api/v1/admin/jobs?cursor=bm90LWEtY3Vyc29y", admin)
            #expect(response.status == .unprocessableContent)

            // One job, with its payload.
            response = try await call(client, .get, "/api/v1/admin/jobs/\(flakyJob.text)", admin)
            var job = try object(response)
            #expect(job["state"] as? String == "dead")
            #expect((job["payload"] as? [String: Any])?["attempt"] as? String == "any")
            #expect(job["finished_at"] != nil)
            response = try await call(client, .get, "/api/v1/admin/jobs/\(UUID().text)", admin)
            #expect(response.status == .notFound)

            // The queues: two jobs failed for good on default, both in Redis's dead letter; the consumer alive with its slots.
            response = try await call(client, .get, "/api/v1/admin/queues", admin)
            var overview = try object(response)
            var queues = try #require(overview["queues"] as? [[String: Any]])
            #expect(Set(queues.compactMap { $0["name"] as? String }).isSuperset(of: ["default", "mail", "outbound"]))
            #expect(queues.first { $0["name"] as? String == "default" }?["dead"] as? Int == 2)
            #expect(overview["dead_letter"] as? Int == 2)
            let consumers = try #require(overview["consumers"] as? [[String: Any]])
            let ours = try #require(consumers.first { $0["id"] as? String == consumer.id })
            #expect(ours["alive"] as? Bool == true)
            #expect(ours["concurrency"] as? Int == 2)
            #expect(ours["queues"] as? [String] == ["default"])

            // Retry: back in the queue with fresh attempts, out of the dead letter, then done.
            flaky.turnOff()
            response = try await call(client, .post, "/api/v1/admin/jobs/\(flakyJob.text)/retry", admin)
            #expect(response.status == .accepted, "\(String(buffer: response.body))")
            job = try object(response)
            #expect(job["retried_at"] != nil)
            #expect(["queued", "running", "done"].contains(job["state"] as? String ?? ""))
            #expect(try await Self.reach(w, flakyJob, .done))
            #expect(try await w.platform.redis.send("LLEN", w.platform.queue.deadKey).integer == 1)
            let record = try await JobAdministration.job(flakyJob, on: w.platform.postgres)
            #expect(record.attempts == 3)
            // Idempotent: asked again, it answers the job as it stands.
            response = try await call(client, .post, "/api/v1/admin/jobs/\(flakyJob.text)/retry", admin)
            #expect(response.status == .accepted)
            #expect(try object(response)["state"] as? String == "done")
            // A job that never failed cannot be retried, nor discarded.
            response = try await call(client, .post, "/api/v1/admin/jobs/\(fine.text)/retry", admin)
            #expect(response.status == .conflict)
            response = try await call(client, .delete, "/api/v1/admin/jobs/\(fine.text)", admin)
            #expect(response.status == .conflict)

            // Discard: on record as discarded, out of the dead letter; again changes nothing; then no retry.
            response = try await call(client, .delete, "/api/v1/admin/jobs/\(permanent.text)", admin)
            #expect(response.status == .noContent)
            #expect(try await Self.state(w, permanent) == .discarded)
            #expect(try await w.platform.redis.send("LLEN", w.platform.queue.deadKey).integer == 0)
            response = try await call(client, .delete, "/api/v1/admin/jobs/\(permanent.text)", admin)
            #expect(response.status == .noContent)
            response = try await call(client, .post, "/api/v1/admin/jobs/\(permanent.text)/retry", admin)
            #expect(response.status == .conflict)
            response = try await call(client, .get, "/api/v1/admin/queues", admin)
            overview = try object(response)
            queues = try #require(overview["queues"] as? [[String: Any]])
            #expect(queues.first { $0["name"] as? String == "default" }?["dead"] as? Int == 0)

            // Audited, with who and what.
            let events = try await w.platform.postgres.query("""
                SELECT action, actor_id, object_id, details->>'kind' AS kind FROM audit_events WHERE object_type = 'job' ORDER BY id
                """).map { (try $0.decode("action", as: String.self), try $0.decode("actor_id", as: UUID?.self), try $0.decode("object_id", as: String.self),
                            try $0.decode("kind", as: String.self)) }
            #expect(events.map(\.0) == ["job.retried", "job.discarded"])
            #expect(events.map(\.2) == [flakyJob.text, permanent.text])
            #expect(events.map(\.3) == ["test_flaky", "test_permanent"])
            #expect(events.allSatisfy { $0.1 != nil })

            // Platform administrators only: 403 for every other role, 401 without a token.
            for actor in ["ra", "ru", "oa", "opa", "iu"] {
                for (method, uri) in [(HTTPRequest.Method.get, "/api/v1/admin/jobs"), (.get, "/api/v1/admin/jobs/\(flakyJob.text)"),
                                      (.post, "/api/v1/admin/jobs/\(flakyJob.text)/retry"), (.delete, "/api/v1/admin/jobs/\(flakyJob.text)"),
                                      (.get, "/api/v1/admin/queues")] {
                    response = try await call(client, method, uri, tokens[actor]!)
                    #expect(response.status == .forbidden, "\(actor) \(method) \(uri)")
                }
            }
            response = try await client.execute(uri: "/api/v1/admin/queues", method: .get)
            #expect(response.status == .unauthorized)
            // A personal token reading governance cannot retry.
            let expiry = ISO8601DateFormatter().string(from: Date().addingTimeInterval(86_400))
            response = try await call(client, .post, "/api/v1/users/me/tokens", admin,
                                      ["name": "ops", "scopes": ["governance:read"], "expires_at": expiry, "password": AuthFixture.password])
            let readOnly = try #require(try object(response)["token"] as? String)
            response = try await call(client, .get, "/api/v1/admin/jobs?state=done", readOnly)
            #expect(response.status == .ok)
            response = try await call(client, .post, "/api/v1/admin/jobs/\(flakyJob.text)/retry", readOnly)
            #expect(response.status == .forbidden)
        }
        try await consumer.stop()
    }

    @Test("the command line: list, show and queues as tables and JSON, retry and discard audited as the operating-system user, exit statuses")
    func commandLine() async throws {
        let w = try await GovernanceWorld()
        let flaky = Switch()
        let consumer = TestConsumer(w.platform, flaky: flaky)
        let (permanent, flakyJob) = try await w.platform.outbox.transaction { unit in
            (try await unit.enqueue(.testPermanent, payload: ["object_id": "1"]), try await unit.enqueue(.testFlaky, payload: ["attempt": "cli"]))
        }
        #expect(try await Self.reach(w, permanent, .failed))
        #expect(try await Self.reach(w, flakyJob, .dead))
        let environment = TestEnvironment.processEnvironment(w.platform.configuration, extra: ["LOG_LEVEL": "error"])
        func worker(_ arguments: [String]) async throws -> (status: Int32?, output: String) {
            let process = try ChildProcess("governance-worker", arguments, environment: environment)
            let status = await process.wait()
            return (status, process.output)
        }

        var result = try await worker(["jobs", "list", "--state", "dead", "--json"])
        #expect(result.status == 0, "\(result.output)")
        let listed = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        #expect((listed["items"] as? [[String: Any]])?.map { $0["id"] as? String } == [flakyJob.text])
        result = try await worker(["jobs", "list"])
        #expect(result.output.hasPrefix("ID"), "\(result.output)")
        #expect(result.output.contains(permanent.text) && result.output.contains("failed"))
        result = try await worker(["jobs", "show", flakyJob.text])
        #expect(result.output.contains("state") && result.output.contains("dead") && result.output.contains(#"payload: {"attempt": "cli"}"#), "\(result.output)")
        result = try await worker(["queues", "--json"])
        let overview = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], "\(result.output)")
        #expect((overview["consumers"] as? [[String: Any]])?.contains { $0["id"] as? String == consumer.id && $0["alive"] as? Bool == true } == true)
        result = try await worker(["queues"])
        #expect(result.output.contains("QUEUE") && result.output.contains(consumer.id), "\(result.output)")

        flaky.turnOff()
        result = try await worker(["jobs", "retry", flakyJob.text, "--json"])
        #expect(result.status == 0, "\(result.output)")
        #expect(try await Self.reach(w, flakyJob, .done))
        result = try await worker(["jobs", "discard", permanent.text])
        #expect(result.status == 0 && result.output.contains("discarded"), "\(result.output)")
        #expect(try await Self.state(w, permanent) == .discarded)
        // Refusals: a done job (65), an unknown job (66), a bad state (64).
        result = try await worker(["jobs", "discard", flakyJob.text])
        #expect(result.status == 65, "\(result.output)")
        #expect(result.output.contains("Only failed or dead jobs"))
        result = try await worker(["jobs", "show", UUID().text])
        #expect(result.status == 66, "\(result.output)")
        result = try await worker(["jobs", "list", "--state", "sleeping"])
        #expect(result.status == 64, "\(result.output)")

        let events = try await w.platform.postgres.query("""
            SELECT action, actor_id, actor_role, details->>'by' AS by FROM audit_events WHERE object_type = 'job' ORDER BY id
            """)
        #expect(events.count == 2)
        for event in events {
            #expect(try event.decode("actor_id", as: UUID?.self) == nil)
            #expect(try event.decode("actor_role", as: String.self) == "command_line")
            #expect(try event.decode("by", as: String.self) == "\(NSUserName())@\(ProcessInfo.processInfo.hostName)")
        }
        try await consumer.stop()
    }

    @Test("retention: done and discarded jobs older than the period go with what they worked for; failed and dead ones stay")
    func retention() async throws {
        let w = try await GovernanceWorld()
        let postgres = w.platform.postgres
        let ids = (0..<4).map { _ in UUID() }
        let subject = UUID()
        try await postgres.query("""
            INSERT INTO outbox (id, kind, payload, created_at, completed_at, failed_at, failure, discarded_at) VALUES
            ($1, 'noop', '{}', now() - interval '40 days', now() - interval '40 days', NULL, NULL, NULL),
            ($2, 'noop', '{}', now() - interval '40 days', NULL, now() - interval '40 days', 'permanent', now() - interval '39 days'),
            ($3, 'noop', '{}', now() - interval '40 days', NULL, now() - interval '40 days', 'exhausted', NULL),
            ($4, 'noop', '{}', now() - interval '2 days', now() - interval '2 days', NULL, NULL, NULL)
            """, ids[0], ids[1], ids[2], ids[3])
        try await postgres.withSession { session in
            try await TrackedJobs.track(ids[0], subjectType: "incident_pdf", subjectID: subject, resultPath: nil, session: session)
        }
        let deleted = try await JobsModule.purgeFinishedJobs(postgres, logger: w.platform.logger,
                                                              before: Date().addingTimeInterval(-w.platform.configuration.jobRetention.seconds),
                                                              batchSize: 1)
        #expect(deleted == 2)
        let left = Set(try await postgres.query("SELECT id FROM outbox").map { try $0.decode("id", as: UUID.self) })
        #expect(left == [ids[2], ids[3]])
        #expect(try await postgres.query("SELECT 1 FROM job_subjects WHERE job_id = $1", ids[0]).isEmpty)
        #expect(try await postgres.query("SELECT 1 FROM audit_events WHERE action = 'retention.finished_jobs_deleted' AND details->>'deleted' = '2'").count == 1)
    }

    @Test("a periodic task run by hand: its progress as log lines, or redrawn in place on a terminal, then the total; unknown tasks refused")
    func runTask() async throws {
        let w = try await GovernanceWorld()
        let insertOld = """
            INSERT INTO outbox (id, kind, payload, created_at, completed_at)
            SELECT gen_random_uuid(), 'noop', '{}', now() - interval '40 days', now() - interval '40 days' FROM generate_series(1, $1::int)
            """
        try await w.platform.postgres.query(insertOld, 2500)
        let environment = TestEnvironment.processEnvironment(w.platform.configuration, extra: ["LOG_LEVEL": "notice"])

        // Not a terminal (the output goes to a file): log lines.
        let plain = try ChildProcess("governance-worker", ["run-task", "purge_finished_jobs"], environment: environment)
        #expect(await plain.wait() == 0, "\(plain.output)")
        #expect(plain.output.contains("purge_finished_jobs: 2,500 done in"), "\(plain.output)")
        #expect(!plain.output.contains("\u{1B}[2K"))
        #expect(try await w.platform.postgres.query("SELECT count(*) AS n FROM outbox").first?.decode("n", as: Int64.self) == 0)

        // On a terminal (util-linux `script` gives the command a pseudo-terminal): redrawn lines, then the total.
        try await w.platform.postgres.query(insertOld, 2500)
        let binary = TestEnvironment.packageRoot.appendingPathComponent(".build/debug/governance-worker").path
        let terminal = try ChildProcess("/usr/bin/script", ["-qec", "\(binary) run-task purge_finished_jobs", "/dev/null"], environment: environment,
                                        executablePath: true)
        #expect(await terminal.wait() == 0, "\(terminal.output)")
        #expect(terminal.output.contains("\r\u{1B}[2Kpurge_finished_jobs: 1,000"), "\(terminal.output.debugDescription)")
        #expect(terminal.output.contains("\r\u{1B}[2Kpurge_finished_jobs: 2,500 done in"), "\(terminal.output.debugDescription)")

        let listed = try ChildProcess("governance-worker", ["run-task", "--list"], environment: environment)
        #expect(await listed.wait() == 0)
        for task in ["outbox_sweep", "purge_finished_jobs", "purge_audit_events", "incident_deadlines"] {
            #expect(listed.output.contains(task), "\(task)")
        }
        let unknown = try ChildProcess("governance-worker", ["run-task", "purge_everything"], environment: environment)
        #expect(await unknown.wait() == 64)
        #expect(unknown.output.contains("no task purge_everything"))
    }
}
