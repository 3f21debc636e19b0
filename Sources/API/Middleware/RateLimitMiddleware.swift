import Domain
import Hummingbird
import HTTPTypes
import Logging
import Metrics

/// The API-wide request budget (``RequestRateLimit``): `RateLimit-Limit`, `RateLimit-Remaining`,
/// `RateLimit-Reset` and `RateLimit-Policy` on every answer it counts, 429 with `Retry-After`
/// once a budget is spent. Probes and the API's description are not counted. When Redis does
/// not answer, requests pass on this process's own counts (the API stays up;
/// `rate_limit_unavailable_total` counts the failed syncs).
struct RateLimitMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let limiter: RequestRateLimit

    static let uncounted: Set<String> = ["/health", "/ready", "/metrics", "/openapi.yaml", "/docs"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard limiter.settings.isEnabled, !Self.uncounted.contains(request.uri.path), !request.uri.path.hasPrefix("/docs/") else {
            return try await next(request, context)
        }
        let info = RequestInfo.current
        let decision: RequestRateLimit.Decision
        do {
            decision = try await limiter.count(bearerToken: info.bearerToken, address: info.clientAddress)
        } catch {
            Counter(label: "rate_limit_unavailable_total").increment()
            context.logger.debug("request not counted: the rate limiter is unavailable", metadata: ["error": "\(error)"])
            return try await next(request, context)
        }
        if decision.limit > 0 {
            // Through the request's header bag, so refusals and errors carry them as well.
            info.responseHeaders.add(.rateLimitLimit, String(decision.limit))
            info.responseHeaders.add(.rateLimitRemaining, String(decision.remaining))
            info.responseHeaders.add(.rateLimitReset, String(decision.resetSeconds))
            info.responseHeaders.add(.rateLimitPolicy, "\(decision.limit);w=\(limiter.settings.windowSeconds)")
        }
        if let refusal = decision.refusal {
            Counter(label: "rate_limited_requests_total", dimensions: [("budget", refusal.budget)]).increment()
            let seconds = max(decision.resetSeconds, 1)
            throw DomainError.limitReached(
                "This \(refusal.budget == "token" ? "token" : "client address") made more than \(refusal.limit) requests in "
                    + "\(limiter.settings.windowSeconds) seconds; retry in \(seconds) seconds.", retryAfterSeconds: seconds)
        }
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let rateLimitLimit = Self("RateLimit-Limit")!
    static let rateLimitRemaining = Self("RateLimit-Remaining")!
    static let rateLimitReset = Self("RateLimit-Reset")!
    static let rateLimitPolicy = Self("RateLimit-Policy")!
}
