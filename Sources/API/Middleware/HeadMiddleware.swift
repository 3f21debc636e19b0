import HTTPTypes
import Hummingbird

/// `HEAD` wherever `GET` works (RFC 9110 §9.3.2): the router answers it with the `GET` route
/// (`autoGenerateHeadEndpoints`); this keeps the size the body would have in `Content-Length`
/// and sends no body, for problems (an unknown path, a 405) as well.
struct HeadMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .head else { return try await next(request, context) }
        var response = try await next(request, context)
        let length = response.headers[.contentLength] ?? response.body.contentLength.map(String.init)
        // Setting the body sets its own length: the GET's is put back after.
        response.body = ResponseBody()
        response.headers[.contentLength] = length
        return response
    }
}
