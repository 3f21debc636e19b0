@testable import API
@testable import Domain
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport
import Yams

/// Every constraint `openapi.yaml` states holds at runtime: the test walks the document and,
/// for every constrained query parameter, header and body property of every operation, sends
/// one value breaking each constraint, expecting a problem that names the field.
@Suite("The contract at runtime")
struct ContractTests {
    @Test("every operation has a request example (JSON bodies) and a response example (JSON answers), each valid against its schema")
    func examples() async throws {
        let python = try #require(ProcessInfo.processInfo.environment["TEST_PYTHON"], "scripts/test sets TEST_PYTHON (with jsonschema)")
        let root = TestEnvironment.packageRoot
        let check = try ChildProcess(python, [root.appendingPathComponent("scripts/check_examples.py").path, root.appendingPathComponent("openapi.yaml").path],
                                     environment: ProcessInfo.processInfo.environment, executablePath: true)
        #expect(await check.wait(timeout: .seconds(120)) == 0, "\(check.output)")
        let checked = try #require(check.output.firstMatch(of: /([0-9]+) examples checked, 0 problems/).map { Int($0.1) ?? 0 }, "\(check.output)")
        #expect(checked >= 250)
    }

    /// One request breaking one constraint.
    struct Violation: CustomStringConvertible {
        let method: HTTPRequest.Method
        let path: String
        var query: String?
        var headers: HTTPFields = [:]
        var body: Any?
        /// The field the answer must name (`nil`: a NUL, refused as a malformed request).
        let field: String?
        let constraint: String

        var description: String { "\(method) \(path)\(query.map { "?\($0)" } ?? "") [\(field ?? "NUL")] \(constraint)" }
    }

    // Read-only once loaded.
    nonisolated(unsafe) static let document: [String: Any] = {
        let text = try! String(contentsOf: TestEnvironment.packageRoot.appendingPathComponent("openapi.yaml"), encoding: .utf8)
        return try! Yams.load(yaml: text) as! [String: Any]
    }()

    static var schemas: [String: Any] { (document["components"] as! [String: Any])["schemas"] as! [String: Any] }
    static var parameters: [String: Any] { (document["components"] as! [String: Any])["parameters"] as! [String: Any] }

    static func resolve(_ value: Any, in table: [String: Any]) -> [String: Any] {
        guard var object = value as? [String: Any] else { return [:] }
        while let reference = object["$ref"] as? String, let target = table[String(reference.split(separator: "/").last!)] as? [String: Any] {
            object = target
        }
        return object
    }

    /// Values breaking each constraint of `schema`: (the value, the constraint broken). A value
    /// holding NUL stands for patterns that forbid only NUL.
    static func breaking(_ schema: [String: Any]) -> [(Any, String)] {
        var values: [(Any, String)] = []
        if let maximum = schema["maxLength"] as? Int { values.append((String(repeating: "a", count: maximum + 1), "maxLength \(maximum)")) }
        if let minimum = schema["minLength"] as? Int, minimum > 0 { values.append(("", "minLength \(minimum)")) }
        if let pattern = schema["pattern"] as? String {
            let expression = try! NSRegularExpression(pattern: pattern)
            let candidates = ["", " ", "\t", "!", "a b", "A_B-1", "é", "12345678901234567890123", "+0", "x@", "@x.y", "a..b"]
            if let candidate = candidates.first(where: { expression.firstMatch(in: $0, range: NSRange($0.startIndex..., in: $0)) == nil }) {
                values.append((candidate, "pattern \(pattern)"))
            } else {
                values.append(("a\u{0}b", "pattern \(pattern), with NUL"))
            }
        }
        if let minimum = schema["minimum"] as? Int { values.append((minimum - 1, "minimum \(minimum)")) }
        if let maximum = schema["maximum"] as? Int { values.append((maximum + 1, "maximum \(maximum)")) }
        if schema["format"] as? String == "uuid" { values.append(("not-a-uuid", "format uuid")) }
        if let allowed = schema["enum"] as? [Any] {
            if allowed.allSatisfy({ $0 is String }) { values.append(("not-an-allowed-value", "enum")) }
            if allowed.count == 1, let flag = allowed[0] as? Bool { values.append((!flag, "enum")) }
        }
        if let maximum = schema["maxItems"] as? Int { values.append((Array(repeating: "a", count: maximum + 1), "maxItems \(maximum)")) }
        if let minimum = schema["minItems"] as? Int, minimum > 0 { values.append(([String](), "minItems \(minimum)")) }
        return values
    }

    /// Bodies breaking each constraint of the properties of `schema`, nested where they belong:
    /// (the body, the field path, the constraint).
    static func bodies(_ value: Any, path: String = "", depth: Int = 0) -> [(Any, String, String)] {
        let schema = resolve(value, in: schemas)
        guard depth < 6 else { return [] }
        var found = breaking(schema).map { ($0.0, path, $0.1) }
        for (name, property) in (schema["properties"] as? [String: Any] ?? [:]).sorted(by: { $0.key < $1.key }) {
            let field = path.isEmpty ? name : "\(path).\(name)"
            found += bodies(property, path: field, depth: depth + 1).map { (body, innerField, constraint) in
                (["\(name)": body] as [String: Any], innerField, constraint)
            }
        }
        if let items = schema["items"] {
            found += bodies(items, path: "\(path)[0]", depth: depth + 1).map { (body, innerField, constraint) in ([body] as [Any], innerField, constraint) }
        }
        return found.filter { !$0.1.isEmpty || !(schema["properties"] != nil) }
    }

    static func violations() -> [Violation] {
        var result: [Violation] = []
        for (path, item) in document["paths"] as! [String: Any] {
            let concretePath = path.split(separator: "/").map { $0.hasPrefix("{") ? UUID().uuidString.lowercased() : String($0) }.joined(separator: "/")
            let shared = (item as! [String: Any])["parameters"] as? [Any] ?? []
            for (method, value) in item as! [String: Any] {
                guard let operation = value as? [String: Any], let httpMethod = HTTPRequest.Method(method.uppercased()) else { continue }
                // The path item's parameters apply to each of its operations.
                for parameter in shared + (operation["parameters"] as? [Any] ?? []) {
                    let definition = resolve(parameter, in: parameters)
                    let name = definition["name"] as! String
                    let schema = resolve(definition["schema"] as Any, in: schemas)
                    // An array parameter: its own constraints, and each of its items' (as a one-item array).
                    var cases = breaking(schema).map { (broken: $0.0, constraint: $0.1, field: name) }
                    if let items = schema["items"] {
                        cases += breaking(resolve(items, in: schemas)).map { (broken: [$0.0] as Any, constraint: $0.1, field: "\(name)[0]") }
                    }
                    for (broken, constraint, field) in cases {
                        let text = "\(broken)"
                        switch definition["in"] as! String {
                        case "query":
                            // Arrays go exploded, as the document's `style: form` says: `name=a&name=b`.
                            let values = (broken as? [Any])?.map { "\($0)" } ?? [text]
                            let query = values.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" }.joined(separator: "&")
                            result.append(Violation(method: httpMethod, path: "/" + concretePath, query: query,
                                                    field: constraint.hasSuffix("with NUL") ? nil : field, constraint: constraint))
                        case "header":
                            guard !constraint.hasSuffix("with NUL") else { continue }
                            result.append(Violation(method: httpMethod, path: "/" + concretePath, headers: [HTTPField.Name(name)!: text],
                                                    field: name, constraint: constraint))
                        case "path" where schema["minimum"] != nil || schema["maximum"] != nil:
                            // A number in the path (a year): the template with the broken value in its place.
                            let brokenPath = path.split(separator: "/").map {
                                $0 == "{\(name)}" ? text : $0.hasPrefix("{") ? UUID().uuidString.lowercased() : String($0)
                            }.joined(separator: "/")
                            result.append(Violation(method: httpMethod, path: "/" + brokenPath, field: name, constraint: constraint))
                        default:
                            continue
                        }
                    }
                }
                if let body = operation["requestBody"] as? [String: Any], let content = body["content"] as? [String: Any],
                   let json = content["application/json"] as? [String: Any], let schema = json["schema"] {
                    for (broken, field, constraint) in bodies(schema) {
                        let holdsNUL = constraint.hasSuffix("with NUL")
                        result.append(Violation(method: httpMethod, path: "/" + concretePath, headers: [.contentType: "application/json"],
                                                body: broken, field: holdsNUL ? nil : field, constraint: constraint))
                    }
                }
            }
        }
        return result
    }

    @Test("one value breaking each constraint of each parameter and property of each operation: a problem naming the field")
    func everyConstraintHolds() async throws {
        // The document states many constraints; the walk must find them.
        #expect(Self.violations().count > 150, "only \(Self.violations().count) constraints found")
        try await withApp { client in
            for violation in Self.violations() {
                let body = violation.body.map { ByteBuffer(data: try! JSONSerialization.data(withJSONObject: $0, options: [.fragmentsAllowed])) }
                let uri = violation.path + (violation.query.map { "?\($0)" } ?? "")
                let response = try await client.execute(uri: uri, method: violation.method, headers: violation.headers, body: body)
                guard let field = violation.field else {
                    #expect(response.status == .badRequest, "\(violation): \(response.status)")
                    continue
                }
                #expect(response.status == .unprocessableContent, "\(violation): \(response.status) \(String(buffer: response.body).prefix(200))")
                let named = try? problem(response).errors?.map(\.field)
                #expect(named?.contains(field) == true, "\(violation): named \(named ?? [])")
            }
        }
    }

    @Test("a %00 in a query string is refused, not cut short")
    func nulInQuery() async throws {
        try await withApp { client in
            for uri in ["/api/v1/operators?search=ab%00cd", "/api/v1/users?search=%00", "/api/v1/sectors%00"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(try problem(response).type == "urn:governance:problem:nul-in-target")
            }
        }
    }

    @Test("the contract's country codes are the ones the Domain accepts")
    func countryCodes() {
        let schema = Self.schemas["CountryCode"] as! [String: Any]
        let codes = Set((schema["enum"] as! [String]).filter { !$0.isEmpty })
        #expect(codes == Validator.countries)
    }
}
