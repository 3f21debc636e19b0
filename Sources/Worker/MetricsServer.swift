import Domain
import Hummingbird
import Logging
import NIOCore
import Prometheus

/// A small HTTP listener for Prometheus: `GET /metrics` (job counts and durations, retries,
/// dead jobs, beat leadership) and `GET /health`, on `WORKER_METRICS_PORT`.
func buildMetricsServer(port: Int, registry: PrometheusCollectorRegistry, access: MetricsAccess, logger: Logger) -> some ApplicationProtocol {
    let router = Router()
    router.get("/health") { _,
        _ in Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok"}"#))) }
    router.get("/metrics") { request, _ in
        let authorization = request.headers[.authorization]
        let token = authorization.flatMap { $0.lowercased().hasPrefix("bearer ") ? String($0.dropFirst(7)) : nil }
        guard access.allows(bearerToken: token) else {
            return Response(status: .unauthorized, headers: [.wwwAuthenticate: "Bearer"])
        }
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
    return Application(router: router, configuration: .init(address: .hostname("0.0.0.0", port: port), serverName: nil), logger: logger)
}
