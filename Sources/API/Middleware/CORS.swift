import Hummingbird
import HTTPTypes

/// Cross-origin requests from the browser applications at `CORS_ALLOWED_ORIGINS`, answered by
/// Hummingbird's CORS middleware (preflights, allowed and exposed headers); requests from any
/// other origin pass through without CORS headers, so browsers keep them from the page.
///
/// Hummingbird's own exact-list option takes its origins as variadic arguments; a list read
/// from the configuration is checked here, then handed to the middleware answering with the
/// request's origin. Hummingbird names the exposed headers on preflight answers only, where
/// browsers do not look for them: they are added to the actual answers here.
struct AllowedOriginsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let origins: Set<String>
    let cors: CORSMiddleware<Context>
    static let exposedHeaders = ["ETag", "Link", "Location", "Retry-After", "Content-Disposition", "Content-Language", "X-Request-Id",
                                 "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "RateLimit-Policy",
                                 "Idempotent-Replayed", "X-Accepted-Scopes"]

    init(origins: [String]) {
        self.origins = Set(origins)
        cors = CORSMiddleware(
            allowOrigin: .originBased,
            allowHeaders: [.accept, .acceptLanguage, .authorization, .contentType, .ifMatch, .idempotencyKey, .xRequestID],
            allowMethods: [.get, .head, .post, .put, .patch, .delete, .options],
            allowCredentials: false,
            exposedHeaders: Self.exposedHeaders,
            maxAge: .seconds(600))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], origins.contains(origin) else {
            var response = try await next(request, context)
            // The answer differs by origin: caches must not hand this one to an allowed origin.
            if request.headers[.origin] != nil { response.headers[values: .vary].append("Origin") }
            return response
        }
        var response = try await cors.handle(request, context: context, next: next)
        if request.method != .options { response.headers[.accessControlExposeHeaders] = Self.exposedHeaders.joined(separator: ", ") }
        return response
    }
}

extension HTTPField.Name {
    static let idempotencyKey = Self("Idempotency-Key")!
    static let idempotentReplayed = Self("Idempotent-Replayed")!
    static let xAcceptedScopes = Self("X-Accepted-Scopes")!
}
