import Domain
import Foundation
import OpenAPIRuntime

extension APIService {
    private func jobOperator() async throws -> JobOperator {
        .user(try await principal(), RequestInfo.current.client)
    }

    func listAdminJobs(_ input: Operations.ListAdminJobs.Input) async throws -> Operations.ListAdminJobs.Output {
        let query = input.query
        let filter = JobFilter(kind: query.kind, queue: query.queue, state: query.state.flatMap { .init(rawValue: $0.rawValue) },
                               createdFrom: query.createdFrom, createdBefore: query.createdBefore)
        let limit = query.limit ?? 50
        let page = try await platform.jobAdministration.list(try await jobOperator(), filter: filter, limit: limit, cursor: query.cursor)
        linkNext("/api/v1/admin/jobs", limit: limit, cursor: page.nextCursor,
                 query: [("kind", query.kind), ("queue", query.queue), ("state", query.state?.rawValue)])
        return .ok(.init(body: .json(.init(items: try page.items.map { try .init($0, payload: false) }, nextCursor: page.nextCursor))))
    }

    func getAdminJob(_ input: Operations.GetAdminJob.Input) async throws -> Operations.GetAdminJob.Output {
        let job = try await platform.jobAdministration.job(try await jobOperator(), id: try Self.pathID(input.path.jobId, "job"))
        return .ok(.init(body: .json(try .init(job, payload: true))))
    }

    func retryAdminJob(_ input: Operations.RetryAdminJob.Input) async throws -> Operations.RetryAdminJob.Output {
        let job = try await platform.jobAdministration.retry(try await jobOperator(), id: try Self.pathID(input.path.jobId, "job"))
        return .accepted(.init(body: .json(try .init(job, payload: true))))
    }

    func discardAdminJob(_ input: Operations.DiscardAdminJob.Input) async throws -> Operations.DiscardAdminJob.Output {
        try await platform.jobAdministration.discard(try await jobOperator(), id: try Self.pathID(input.path.jobId, "job"))
        return .noContent(.init())
    }

    func getQueueOverview(_ input: Operations.GetQueueOverview.Input) async throws -> Operations.GetQueueOverview.Output {
        let overview = try await platform.jobAdministration.overview(try await jobOperator())
        return .ok(.init(body: .json(.init(
            queues: overview.queues.map { .init(name: $0.name, waiting: $0.waiting, running: $0.running, retrying: $0.retrying, dead: $0.dead) },
            delayed: overview.delayed, deadLetter: overview.deadLetter,
            consumers: overview.consumers.map {
                .init(id: $0.id, queues: $0.queues, alive: $0.isAlive, concurrency: $0.concurrency, running: .init(additionalProperties: $0.running))
            }))))
    }
}

extension Components.Schemas.AdminJob {
    init(_ job: AdministeredJob, payload: Bool) throws {
        self.init(
            id: job.id.apiString, kind: job.kind, queue: job.queue, state: try .init(mirroring: job.state), attempts: job.attempts,
            lastError: job.lastError, consumer: job.consumer, createdAt: job.createdAt, dispatchedAt: job.dispatchedAt, startedAt: job.startedAt,
            retryAt: job.retryAt, finishedAt: job.finishedAt, retriedAt: job.retriedAt, discardedAt: job.discardedAt,
            subjectType: job.subjectType, subjectId: job.subjectID?.apiString,
            payload: payload ? .init(additionalProperties: try JSONDecoder().decode(OpenAPIObjectContainer.self, from: Data(job.payload.utf8))) : nil)
    }
}
