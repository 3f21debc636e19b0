import Domain
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// Turns every error into an RFC 9457 `application/problem+json` response: unknown routes
/// (404), known paths with another method (405 with `Allow`), malformed bodies (400), oversized
/// bodies (413), PostgreSQL or Redis out of reach (503 with `Retry-After`), and anything
/// unexpected (a generic 500 whose details go only to the log).
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let problem = problem(for: error, request: request, logger: context.logger)
            return problem.response(instance: request.uri.path, requestID: RequestInfo.current.id)
        }
    }

    func problem(for error: any Error, request: Request, logger: Logger) -> Problem {
        switch error {
        case let problem as Problem:
            return problem
        case DomainError.inconsistency(let detail):
            logger.error("a row the request relies on is missing", metadata: ["detail": "\(detail)"])
            return .internalError()
        case let error as DomainError:
            return Problem.from(error)
        case let error as HTTPError where error.status == .notFound:
            let allowed = routes.methods(forPath: request.uri.path)
            if !allowed.isEmpty, !allowed.contains(request.method) {
                return .methodNotAllowed(request.method, path: request.uri.path, allowed: allowed)
            }
            return .notFound("No route matches \(request.method.rawValue) \(request.uri.path).")
        case let error as HTTPError where error.status == .contentTooLarge:
            return .bodyTooLarge(limit: routes.maxBodyBytes)
        case let error as HTTPError where (400..<500).contains(error.status.code):
            return Problem(status: error.status, slug: "http-\(error.status.code)", title: error.status.reasonPhrase, detail: error.body)
        case let error as ServerError:
            return problem(for: error, request: request, logger: logger)
        case let error where DependencyFailure.isUnavailable(error):
            logger.warning("dependency unavailable", metadata: ["error": "\(error)"])
            return .serviceUnavailable()
        default:
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return .internalError()
        }
    }

    private func problem(for error: ServerError, request: Request, logger: Logger) -> Problem {
        if let problem = error.underlyingError as? Problem { return problem }
        if case DomainError.inconsistency(let detail) = error.underlyingError {
            logger.error("a row the operation relies on is missing", metadata: ["operation": "\(error.operationID)", "detail": "\(detail)"])
            return .internalError()
        }
        if let domain = error.underlyingError as? DomainError { return Problem.from(domain) }
        if DependencyFailure.isUnavailable(error.underlyingError) {
            logger.warning("dependency unavailable", metadata: ["operation": "\(error.operationID)", "error": "\(error.underlyingError)"])
            return .serviceUnavailable()
        }
        if let decoding = error.underlyingError as? DecodingError {
            return .malformedBody(Self.describe(decoding))
        }
        if (400..<500).contains(error.httpStatus.code) {
            return Problem(status: error.httpStatus, slug: "invalid-request", title: error.httpStatus.reasonPhrase, detail: error.causeDescription)
        }
        logger.error("operation failed", metadata: ["operation": "\(error.operationID)", "error": "\(String(reflecting: error.underlyingError))"])
        return .internalError()
    }

    /// A client-facing account of a JSON decoding failure: where, and what was expected.
    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "the body" : "'\(path)'"
        }
        switch error {
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "The body is not valid JSON." : "Invalid value at \(path(context))."
        case .keyNotFound(let key, let context):
            return "Missing required field '\(key.stringValue)' in \(path(context))."
        case .typeMismatch(let type, let context):
            return "Wrong type at \(path(context)): expected \(type)."
        case .valueNotFound(let type, let context):
            return "Missing value at \(path(context)): expected \(type)."
        @unknown default:
            return "The body could not be decoded."
        }
    }
}
