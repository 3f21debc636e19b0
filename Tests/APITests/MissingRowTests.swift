@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Postgres
import Testing

/// Rows that used to be taken for granted: a job purged under a PDF or an export still asked
/// for, a statement expected to return a row that returns none.
@Suite("Missing rows")
struct MissingRowTests {
    @Test("a PDF whose job is gone: asking again makes a new job; the retention keeps the jobs rows still wait on")
    func purgedDocumentJob() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            try await w.insertIncidentConfiguration()
            let tokens = try await w.sessions(client)
            let path = "/api/v1/incidents/\(w.incident1.text)/pdf"
            let asked = try await call(client, .get, path, tokens["opa"]!)
            #expect(asked.status == .accepted, "\(String(buffer: asked.body))")
            let first = try object(asked)
            let firstID = try #require(first["id"] as? String)
            let firstJob = try #require(UUID(uuidString: firstID))
            // Discarded a year ago: the retention leaves it, a row still waits on it.
            try await w.platform.postgres.query("""
                UPDATE outbox SET discarded_at = now(), failed_at = now(), created_at = now() - interval '1 year' WHERE id = $1
                """, firstJob)
            try await JobsModule.purgeFinishedJobs(w.platform.postgres, logger: w.platform.logger, before: Date())
            #expect(try await w.platform.postgres.query("SELECT 1 FROM outbox WHERE id = $1", firstJob).count == 1)
            // Gone all the same (an earlier retention took it): a new job, not a crash.
            try await w.platform.postgres.query("DELETE FROM outbox WHERE id = $1", firstJob)
            let again = try await call(client, .get, path, tokens["opa"]!)
            #expect(again.status == .accepted, "\(String(buffer: again.body))")
            let secondJob = try #require(try object(again)["id"] as? String)
            #expect(secondJob != firstJob.text)
            #expect(try object(try await call(client, .get, "/api/v1/jobs/\(secondJob)", tokens["opa"]!))["state"] as? String == "queued")
            // Made: its job may go now.
            #expect(try await IncidentReportTests.renderPending(w) == 1)
            try await w.platform.postgres.query("UPDATE outbox SET created_at = now() - interval '1 year' WHERE id = $1", UUID(uuidString: secondJob)!)
            try await JobsModule.purgeFinishedJobs(w.platform.postgres, logger: w.platform.logger, before: Date())
            #expect(try await w.platform.postgres.query("SELECT 1 FROM outbox WHERE id = $1", UUID(uuidString: secondJob)!).isEmpty)
            #expect(try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(tokens["opa"]!)"]).status == .ok)
        }
        await w.platform.shutdown()
    }

    @Test("an export whose job is gone: asking for its file makes a new job")
    func purgedExportJob() async throws {
        let w = try await GovernanceWorld()
        try await w.fixture.withClient { client in
            try await w.insertIncidentConfiguration()
            let tokens = try await w.sessions(client)
            let id = UUID()
            try await w.platform.postgres.query("""
                INSERT INTO incident_exports (id, requested_by, regulator_id, regulation_id, workflow_id, report_type_id, notified_from, notified_to,
                                              format, job_id)
                VALUES ($1, $2, $3, $4, $5, $6, now() - interval '1 day', now(), 'csv', $7)
                """, id, w.regulatorAdmin1, w.regulator1, w.regulation, w.incidentWorkflow, w.reportType1, UUID())
            let answer = try await call(client, .get, "/api/v1/incident-exports/\(id.text)/file", tokens["ra"]!)
            #expect(answer.status == .accepted, "\(String(buffer: answer.body))")
            #expect(try object(answer)["kind"] as? String == "export_incidents")
            #expect(try await call(client, .get, "/api/v1/incident-exports/\(id.text)/file", tokens["ru"]!).status == .notFound)
        }
        await w.platform.shutdown()
    }

    @Test("a statement expected to return a row and returning none: a 500 with the request id, logged, not a trap")
    func requiredRow() async throws {
        let w = try await GovernanceWorld()
        let rows = try await w.platform.postgres.query("SELECT 1 WHERE false")
        #expect(throws: DomainError.self) { try rows.required() }
        let middleware = ProblemMiddleware<AppRequestContext>(routes: RouteTable(maxBodyBytes: 1))
        let problem = middleware.problem(for: DomainError.inconsistency("no row"), request: Request(
            head: .init(method: .get, scheme: "http", authority: "x", path: "/api/v1/x"), body: .init(buffer: .init())), logger: w.platform.logger)
        #expect(problem.status == .internalServerError && problem.slug == "internal-error")
        #expect(problem.detail?.contains("no row") == false)
        await w.platform.shutdown()
    }
}
