import Domain
import Foundation
import OpenAPIRuntime

extension APIService {
    func getHealth(_ input: Operations.GetHealth.Input) async throws -> Operations.GetHealth.Output {
        .ok(.init(body: .json(.init(status: .ok))))
    }

    func getReady(_ input: Operations.GetReady.Input) async throws -> Operations.GetReady.Output {
        let report = await ReadinessCheck(platform: platform).run()
        guard report.isReady else {
            let problem = Problem.notReady(report.failures.joined(separator: "; "))
            let body = problem.body(instance: "/ready", requestID: RequestInfo.current.id)
            return .serviceUnavailable(.init(body: .applicationProblemJson(.init(
                _type: body.type, title: body.title, status: body.status, detail: body.detail, instance: body.instance,
                requestId: body.requestId))))
        }
        return .ok(.init(body: .json(.init(status: .ready, checks: .init(database: report.database, redis: report.redis)))))
    }

    func getMetrics(_ input: Operations.GetMetrics.Input) async throws -> Operations.GetMetrics.Output {
        guard MetricsAccess(token: platform.configuration.metricsToken).allows(bearerToken: RequestInfo.current.bearerToken) else {
            throw DomainError.unauthenticated("Metrics need Authorization: Bearer <METRICS_TOKEN>.")
        }
        await QueueStatistics(queue: platform.queue).record()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(16_384)
        metrics.emit(into: &buffer)
        return .ok(.init(body: .plainText(HTTPBody(buffer))))
    }

    func getOpenAPIDocument(_ input: Operations.GetOpenAPIDocument.Input) async throws -> Operations.GetOpenAPIDocument.Output {
        .ok(.init(body: .yaml(HTTPBody(PackageResources.openapi_yaml))))
    }
}
