import Domain
import Hummingbird
import Logging
import OpenAPIHummingbird
import OpenAPIRuntime
import Prometheus
import ServiceLifecycle

/// The contract's constraints, read once per process from the embedded `openapi.yaml`.
let embeddedContract = Result { try Contract(yaml: String(decoding: PackageResources.openapi_yaml, as: UTF8.self)) }

/// Builds the router: middleware in order (request id, metrics, access log, CORS, HEAD as GET, problems,
/// rate limits, body limit, the contract's constraints), then the routes generated from `openapi.yaml`.
func buildRouter(platform: Platform, metrics: PrometheusCollectorRegistry) throws -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self, options: .autoGenerateHeadEndpoints)
    let routes = RouteTable(maxBodyBytes: platform.configuration.maxBodyBytes)
    router.middlewares.add(RequestInfoMiddleware(trustedProxyHops: platform.configuration.trustedProxyHops))
    router.middlewares.add(MetricsMiddleware())
    router.middlewares.add(LogRequestsMiddleware(.info))
    if !platform.configuration.corsAllowedOrigins.isEmpty {
        // Outside the problem middleware: errors get CORS headers too, so pages can read them.
        router.middlewares.add(AllowedOriginsMiddleware(origins: platform.configuration.corsAllowedOrigins))
    }
    router.middlewares.add(HeadMiddleware())
    router.middlewares.add(ProblemMiddleware(routes: routes))
    router.middlewares.add(RateLimitMiddleware(limiter: platform.makeRequestRateLimit()))
    let contract = try embeddedContract.get()
    router.middlewares.add(BodyLimitMiddleware(limit: platform.configuration.maxBodyBytes, importLimit: platform.configuration.importMaxBytes,
                                               contract: contract))
    router.middlewares.add(ContractMiddleware(contract: contract))
    // Compact JSON in property order: sorting keys cost CPU on every response for no client benefit.
    let coding = Configuration(dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [.withoutEscapingSlashes])
    try APIService(platform: platform, metrics: metrics, docs: try platform.configuration.docsDirectory.map(DocsAssets.init(directory:)))
        .registerHandlers(on: RecordingTransport(router: router, table: routes), configuration: coding)
    return router
}

/// Builds the HTTP application around the router; the platform's pools close after the server stops.
func buildApplication(platform: Platform, metrics: PrometheusCollectorRegistry) throws -> some ApplicationProtocol {
    let configuration = platform.configuration
    let router = try buildRouter(platform: platform, metrics: metrics)
    var app = Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
        logger: platform.logger)
    app.addServices(PlatformService(platform: platform))
    return app
}

/// Runs the application until SIGTERM or SIGINT, then gives in-flight requests
/// `SHUTDOWN_GRACE_SECONDS` to finish.
func runApplication(_ app: some ApplicationProtocol, platform: Platform) async throws {
    var configuration = ServiceGroupConfiguration(services: [.init(service: app)], gracefulShutdownSignals: [.sigterm, .sigint],
                                                  logger: platform.logger)
    configuration.maximumGracefulShutdownDuration = .seconds(platform.configuration.shutdownGraceSeconds)
    try await ServiceGroup(configuration: configuration).run()
}

/// Keeps the platform's pools open while the server runs, and closes them after it stops.
struct PlatformService: Service {
    let platform: Platform

    func run() async throws {
        try? await gracefulShutdown()
        await platform.shutdown()
    }
}
