import Foundation
import HTTPTypes
import Hummingbird

/// The id of the request being handled, for problem bodies and logs.
enum RequestID {
    @TaskLocal static var current: String = "-"

    /// A client-supplied id is kept when it is short and plain; otherwise a new one is made.
    static func accept(_ candidate: String?) -> String {
        if let candidate, (1...128).contains(candidate.utf8.count),
            candidate.utf8.allSatisfy({ $0 < 128 && (Character(Unicode.Scalar($0)).isLetter || Character(Unicode.Scalar($0)).isNumber || "-_.:".utf8.contains($0)) })
        {
            return candidate
        }
        return UUID().uuidString.lowercased()
    }
}

/// Gives each request an id (the client's `X-Request-Id`, or a new one), echoes it in the
/// response and adds it to the request's logger.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let id = RequestID.accept(request.headers[.xRequestID])
        var context = context
        context.logger[metadataKey: "request_id"] = "\(id)"
        var response = try await RequestID.$current.withValue(id) {
            try await next(request, context)
        }
        response.headers[.xRequestID] = id
        return response
    }
}

extension HTTPField.Name {
    static let xRequestID = Self("X-Request-Id")!
}
