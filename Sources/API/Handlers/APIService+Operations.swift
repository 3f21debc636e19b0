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
        guard platform.configuration.metricsAccess.allows(bearerToken: RequestInfo.current.bearerToken) else {
            throw DomainError.unauthenticated(platform.configuration.metricsToken == nil
                ? "Metrics are closed: set METRICS_TOKEN (and send it as Authorization: Bearer), or METRICS_PUBLIC=true."
                : "Metrics need Authorization: Bearer <METRICS_TOKEN>.")
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

extension APIService {
    private func installedDocs() throws -> DocsAssets {
        guard let docs else {
            throw DomainError.notFound("The API reference page is not installed on this server (DOCS_DIRECTORY); the description is at /openapi.yaml.")
        }
        return docs
    }

    func getDocsPage(_ input: Operations.GetDocsPage.Input) async throws -> Operations.GetDocsPage.Output {
        _ = try installedDocs()
        RequestInfo.current.responseHeaders.add(.contentSecurityPolicy, DocsAssets.policy)
        RequestInfo.current.responseHeaders.add(.cacheControl, "no-cache")
        return .ok(.init(body: .html(HTTPBody(DocsAssets.page))))
    }

    func getDocsAsset(_ input: Operations.GetDocsAsset.Input) async throws -> Operations.GetDocsAsset.Output {
        let docs = try installedDocs()
        RequestInfo.current.responseHeaders.add(.cacheControl, "public, max-age=86400")
        switch input.path.asset {
        case .swaggerUiBundle_js: return .ok(.init(body: .textJavascript(HTTPBody(docs.bundle))))
        case .swaggerUi_css: return .ok(.init(body: .textCss(HTTPBody(docs.stylesheet))))
        case .swaggerInitializer_js: return .ok(.init(body: .textJavascript(HTTPBody(DocsAssets.initializer))))
        case .favicon32x32_png:
            guard let favicon = docs.favicon else { throw DomainError.notFound("No such file.") }
            return .ok(.init(body: .png(HTTPBody(favicon))))
        }
    }
}
