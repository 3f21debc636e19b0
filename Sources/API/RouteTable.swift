import HTTPTypes
import Hummingbird
import OpenAPIRuntime
import Synchronization

/// The routes generated from `openapi.yaml`, recorded as they are registered, so that a request
/// for a known path with another method can answer 405 with `Allow` instead of 404.
final class RouteTable: Sendable {
    let maxBodyBytes: Int
    private let routes = Mutex<[(segments: [Substring], method: HTTPRequest.Method)]>([])

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    func record(path: String, method: HTTPRequest.Method) {
        let segments = path.split(separator: "/")
        routes.withLock { $0.append((segments, method)) }
    }

    /// The methods of the path template that matches `path` most specifically (`{parameter}`
    /// segments match anything; a literal segment beats a parameter, so `/users/me` does not
    /// advertise the methods of `/users/{user_id}`).
    func methods(forPath path: String) -> [HTTPRequest.Method] {
        let requested = path.split(separator: "/")
        return routes.withLock { routes in
            let matching = routes.filter { route in
                route.segments.count == requested.count
                    && zip(route.segments, requested).allSatisfy { pattern, value in pattern.hasPrefix("{") || pattern == value }
            }
            func literals(_ segments: [Substring]) -> Int { segments.filter { !$0.hasPrefix("{") }.count }
            guard let best = matching.map({ literals($0.segments) }).max() else { return [] }
            var methods: [HTTPRequest.Method] = []
            for route in matching where literals(route.segments) == best && !methods.contains(route.method) {
                methods.append(route.method)
            }
            // HEAD is answered wherever GET is (HeadMiddleware).
            if let get = methods.firstIndex(of: .get) { methods.insert(.head, at: get + 1) }
            return methods
        }
    }
}

/// A server transport that records each route in a ``RouteTable`` and registers it on the router.
struct RecordingTransport<Context: RequestContext>: ServerTransport {
    let router: Router<Context>
    let table: RouteTable

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        table.record(path: path, method: method)
        router.register(handler, method: method, path: path)
    }
}
