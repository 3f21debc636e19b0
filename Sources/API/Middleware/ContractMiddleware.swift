import Domain
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Enforces at runtime what `openapi.yaml` states, before the generated decoding reads the
/// request: the constraints of query parameters, path values other than ids and headers, and
/// the whole schema of a JSON body (types, required and unknown fields, null, lengths,
/// patterns, formats, ranges, item counts). A request breaking any of them answers one 422
/// naming every fault, before authentication and before its handler runs; a body that is not
/// JSON (a trailing comma included) answers 400 with the line and column;
/// a NUL (`%00`) in the path or query answers 400 (PostgreSQL text cannot hold it, and C
/// strings would silently cut the value there).
struct ContractMiddleware<Context: RequestContext>: RouterMiddleware {
    let contract: Contract

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.uri.path.range(of: "%00") != nil || request.uri.query?.range(of: "%00") != nil {
            throw Problem(status: .badRequest, slug: "nul-in-target", title: "NUL character in the request target",
                          detail: "Paths and query parameters must not contain the NUL character (%00).")
        }
        // HEAD is its GET without the body: the same parameters are checked.
        guard let operation = contract.operation(request.method == .head ? .get : request.method, path: request.uri.path) else {
            return try await next(request, context)
        }
        var errors: [FieldError] = []
        if !operation.path.isEmpty {
            let segments = request.uri.path.split(separator: "/")
            for (index, parameter) in operation.path where index < segments.count {
                let value = String(segments[index]).removingPercentEncoding ?? String(segments[index])
                parameter.rule.check(parameter: value, field: parameter.name, into: &errors)
            }
        }
        if !operation.query.isEmpty, let query = request.uri.query {
            let values = Self.queryItems(query)
            for parameter in operation.query {
                let given = values.filter { $0.name == parameter.name }.map(\.value)
                if parameter.rule.items != nil {
                    // An exploded array (`ids=a&ids=b`): its count and each item.
                    parameter.rule.check(parameters: given, field: parameter.name, into: &errors)
                } else {
                    for value in given { parameter.rule.check(parameter: value, field: parameter.name, into: &errors) }
                }
            }
        }
        for parameter in operation.headers {
            guard let name = HTTPField.Name(parameter.name), let value = request.headers[name] else { continue }
            parameter.rule.check(parameter: value, field: parameter.name, into: &errors)
        }
        var request = request
        if let rule = operation.body, request.headers[.contentType]?.lowercased().contains("json") == true {
            // BodyLimitMiddleware collected the body already: this reads the same buffer.
            let body = try await request.collectBody(upTo: .max)
            rule.check(try StrictJSON.parse(Data(buffer: body)), field: "", into: &errors)
        }
        guard errors.isEmpty else { throw DomainError.validation(errors) }
        return try await next(request, context)
    }

    /// `name=value` pairs of a query string, percent-decoded (pairs that do not decode are left
    /// to the generated decoding).
    static func queryItems(_ query: String) -> [(name: String, value: String)] {
        query.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first.flatMap({ String($0).removingPercentEncoding }),
                  let value = (parts.count > 1 ? String(parts[1]) : "").removingPercentEncoding
            else { return nil }
            return (name, value)
        }
    }
}
