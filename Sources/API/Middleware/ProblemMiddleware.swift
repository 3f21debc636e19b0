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
            // The contract's check finds these first; what reaches the decoding still answers
            // in the same shape, a 422 naming the field.
            guard let fault = Self.fault(decoding) else { return .malformedBody("The body is not valid JSON.") }
            return Problem.from(DomainError.validation([fault]))
        }
        if (400..<500).contains(error.httpStatus.code) {
            return Problem(status: error.httpStatus, slug: "invalid-request", title: error.httpStatus.reasonPhrase, detail: error.causeDescription)
        }
        logger.error("operation failed", metadata: ["operation": "\(error.operationID)", "error": "\(String(reflecting: error.underlyingError))"])
        return .internalError()
    }

    /// The field a JSON decoding failure names, and what it expected; nil when the bytes are
    /// not JSON at all.
    static func fault(_ error: DecodingError) -> FieldError? {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.reduce("") { path, key in
                key.intValue.map { "\(path)[\($0)]" } ?? (path.isEmpty ? key.stringValue : "\(path).\(key.stringValue)")
            }
        }
        func name(_ path: String) -> String { path.isEmpty ? "The body" : path }
        switch error {
        case .dataCorrupted(let context):
            guard !context.codingPath.isEmpty else { return nil }
            let field = path(context.codingPath)
            return FieldError(field: field, code: "invalid", message: "\(name(field)) does not hold a value this field takes.")
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return FieldError(field: field, code: "required", message: "\(field) is required: give it a value.")
        case .typeMismatch(_, let context):
            let field = path(context.codingPath)
            return FieldError(field: field, code: "type", message: "\(name(field)) has the wrong type; the API reference gives the one it takes.")
        case .valueNotFound(_, let context):
            let field = path(context.codingPath)
            return FieldError(field: field, code: "null", message: "\(name(field)) is required: give it a value; null is not a value here.")
        @unknown default:
            return FieldError(field: "", code: "invalid", message: "The body could not be read.")
        }
    }
}
