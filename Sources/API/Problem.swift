import Domain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An RFC 9457 problem: the one shape of every error response.
struct Problem: Error, Sendable {
    var status: HTTPResponse.Status
    /// The last part of the `type` URI, e.g. `not-found`.
    var slug: String
    var title: String
    var detail: String?
    var errors: [FieldError]?
    var headers: HTTPFields = [:]

    static func notFound(_ detail: String) -> Problem {
        Problem(status: .notFound, slug: "not-found", title: "Not Found", detail: detail)
    }

    static func methodNotAllowed(_ method: HTTPRequest.Method, path: String, allowed: [HTTPRequest.Method]) -> Problem {
        var problem = Problem(
            status: .methodNotAllowed, slug: "method-not-allowed", title: "Method Not Allowed",
            detail: "\(path) does not accept \(method.rawValue); it accepts \(allowed.map(\.rawValue).joined(separator: ", ")).")
        problem.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
        return problem
    }

    static func bodyTooLarge(limit: Int) -> Problem {
        Problem(status: .contentTooLarge, slug: "body-too-large", title: "Request body too large",
                detail: "The request body exceeds the limit of \(limit) bytes.")
    }

    static func malformedBody(_ detail: String) -> Problem {
        Problem(status: .badRequest, slug: "malformed-body", title: "Malformed request body", detail: detail)
    }

    static func internalError() -> Problem {
        Problem(status: .internalServerError, slug: "internal-error", title: "Internal Server Error",
                detail: "The server failed to handle the request; quote the request id when reporting it.")
    }

    /// PostgreSQL or Redis cannot be reached: the request may succeed once they are back.
    static func serviceUnavailable() -> Problem {
        var problem = Problem(status: .serviceUnavailable, slug: "service-unavailable", title: "Service Unavailable",
                              detail: "A service the platform depends on is unavailable; retry in a few seconds.")
        problem.headers[.retryAfter] = "5"
        return problem
    }

    static func notReady(_ detail: String) -> Problem {
        Problem(status: .serviceUnavailable, slug: "not-ready", title: "Service not ready", detail: detail)
    }

    /// The answer to a Domain failure.
    static func from(_ error: DomainError) -> Problem {
        switch error {
        case .notFound(let detail):
            return .notFound(detail)
        case .forbidden(let detail):
            return Problem(status: .forbidden, slug: "forbidden", title: "Forbidden", detail: detail)
        case .missingScope(let scope):
            // RFC 6750 §3.1, and the scope named the way GitHub's API does.
            let message = "This token lacks the \(scope) scope; use a token made with it (POST /api/v1/users/me/tokens)."
            var problem = Problem(status: .forbidden, slug: "insufficient-scope", title: "Insufficient scope", detail: message)
            problem.errors = [FieldError(field: "scope", code: "missing_scope", message: message)]
            problem.headers[.wwwAuthenticate] = #"Bearer error="insufficient_scope", scope="\#(scope)""#
            problem.headers[.xAcceptedScopes] = scope
            return problem
        case .totpCodeRequired:
            var problem = Problem(status: .unauthorized, slug: "totp-required", title: "One-time code required",
                                  detail: "This account uses a second factor: send totp_code with the e-mail and password.")
            problem.headers[.wwwAuthenticate] = "Bearer"
            return problem
        case .sessionExpired:
            var problem = Problem(status: .unauthorized, slug: "session-expired", title: "Session expired",
                                  detail: "The session ended after inactivity or at the end of its lifetime; log in again with POST /api/v1/auth/login.")
            problem.headers[.wwwAuthenticate] = #"Bearer error="invalid_token", error_description="session expired""#
            return problem
        case .unauthenticated(let detail):
            var problem = Problem(status: .unauthorized, slug: "unauthenticated", title: "Unauthorized", detail: detail)
            problem.headers[.wwwAuthenticate] = "Bearer"
            return problem
        case .validation(let errors):
            // Each message once: fifty measures on an unknown level say so once in the detail
            // (and fifty times, by place, in `errors`).
            var seen = Set<String>()
            let messages = errors.map(\.message).filter { seen.insert($0).inserted }
            var problem = Problem(status: .unprocessableContent, slug: "validation", title: "Invalid input",
                                  detail: messages.joined(separator: " "))
            problem.errors = errors
            return problem
        case .conflict(let detail):
            return Problem(status: .conflict, slug: "conflict", title: "Conflict", detail: detail)
        case .termsNotAccepted:
            return Problem(status: .forbidden, slug: "terms-not-accepted", title: "Terms of use not accepted",
                           detail: "Accept the terms of use with POST /api/v1/users/me/terms before using the platform.")
        case .secondFactorRequired:
            return Problem(status: .forbidden, slug: "totp-enrolment-required", title: "Second factor required",
                           detail: "This session has not passed a second factor: enrol one (POST /api/v1/users/me/totp, then "
                               + "/api/v1/users/me/totp/confirm), or, if the account has one, log in again with its code.")
        case .rateLimited(let seconds):
            var problem = Problem(status: .tooManyRequests, slug: "rate-limited", title: "Too many attempts",
                                  detail: "Too many failed attempts; retry in \(seconds) seconds.")
            problem.headers[.retryAfter] = String(seconds)
            return problem
        case .limitReached(let detail, let seconds):
            var problem = Problem(status: .tooManyRequests, slug: "limit-reached", title: "Limit reached", detail: detail)
            problem.headers[.retryAfter] = String(seconds)
            return problem
        case .preconditionFailed(let detail):
            return Problem(status: .preconditionFailed, slug: "precondition-failed", title: "Precondition failed", detail: detail)
        case .malformedIfMatch:
            return Problem(status: .badRequest, slug: "malformed-if-match", title: "Malformed If-Match",
                           detail: "If-Match takes * or entity tags in double quotes, as the ETag header gives them (\"…\"), separated by commas.")
        case .preconditionRequired(let detail):
            return Problem(status: .preconditionRequired, slug: "precondition-required", title: "Precondition required", detail: detail)
        case .inconsistency:
            return .internalError()
        }
    }

    var type: String { "urn:governance:problem:\(slug)" }

    struct Body: Encodable {
        var type: String
        var title: String
        var status: Int
        var detail: String?
        var instance: String
        var requestId: String
        var errors: [FieldError]?

        enum CodingKeys: String, CodingKey {
            case type, title, status, detail, instance, errors
            case requestId = "request_id"
        }
    }

    func body(instance: String, requestID: String) -> Body {
        Body(type: type, title: title, status: Int(status.code), detail: detail, instance: instance, requestId: requestID, errors: errors)
    }

    /// The `application/problem+json` response.
    func response(instance: String, requestID: String) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(body(instance: instance, requestID: requestID))) ?? Data("{}".utf8)
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
