import Domain
import Foundation
import HTTPTypes
import Yams

/// What `openapi.yaml` says a request may carry, loaded once at start: per operation, the
/// constraints of its query and header parameters and of its JSON body. The generated server
/// checks types only; ``ContractMiddleware`` enforces the rest with this, for every operation,
/// in one place.
struct Contract: Sendable {
    struct Parameter: Sendable {
        let name: String
        let rule: SchemaRule
    }

    struct Operation: Sendable {
        let id: String
        let method: HTTPRequest.Method
        let segments: [Substring]
        var query: [Parameter] = []
        var headers: [Parameter] = []
        /// Path parameters other than ids, by the index of their segment (`{year}`).
        var path: [(segment: Int, parameter: Parameter)] = []
        var body: SchemaRule?
        /// The request body is a file (a sheet, a workbook, a form, an image), never JSON: it
        /// is read by the use case once the caller is authorised, not buffered ahead.
        var acceptsFile = false
    }

    let operations: [Operation]

    /// - Throws: when the document does not parse, or a schema `$ref` or `pattern` is invalid.
    init(yaml: String) throws {
        guard let document = try Yams.load(yaml: yaml) as? [String: Any], let paths = document["paths"] as? [String: Any] else {
            throw ContractError("openapi.yaml has no paths")
        }
        let components = document["components"] as? [String: Any] ?? [:]
        var loader = RuleLoader(schemas: components["schemas"] as? [String: Any] ?? [:],
                                parameters: components["parameters"] as? [String: Any] ?? [:])
        var operations: [Operation] = []
        for (path, item) in paths {
            guard let item = item as? [String: Any] else { continue }
            for (method, value) in item {
                guard let definition = value as? [String: Any], let httpMethod = HTTPRequest.Method(method.uppercased()) else { continue }
                var operation = Operation(id: definition["operationId"] as? String ?? "\(method) \(path)", method: httpMethod,
                                          segments: path.split(separator: "/"))
                // Parameters of the path item apply to each of its operations.
                for parameter in (item["parameters"] as? [Any] ?? []) + (definition["parameters"] as? [Any] ?? []) {
                    let resolved = try loader.parameter(parameter)
                    guard let name = resolved["name"] as? String, let location = resolved["in"] as? String, let schema = resolved["schema"] else { continue }
                    let rule = try loader.rule(schema)
                    switch location {
                    case "query": operation.query.append(Parameter(name: name, rule: rule))
                    case "header": operation.headers.append(Parameter(name: name, rule: rule))
                    // Path ids: anything but a UUID names nothing, so it answers 404. Numbers
                    // in a path (a year) have their bounds checked like a query's.
                    case "path" where rule.minimum != nil || rule.maximum != nil:
                        if let index = operation.segments.firstIndex(of: Substring("{\(name)}")) {
                            operation.path.append((index, Parameter(name: name, rule: rule)))
                        }
                    default: break
                    }
                }
                if let body = definition["requestBody"] as? [String: Any], let content = body["content"] as? [String: Any] {
                    if let json = content["application/json"] as? [String: Any], let schema = json["schema"] {
                        operation.body = try loader.rule(schema)
                    }
                    operation.acceptsFile = !content.isEmpty && !content.keys.contains { $0.contains("json") }
                }
                operations.append(operation)
            }
        }
        self.operations = operations
    }

    /// The operation whose path template matches `path` most specifically (a literal segment
    /// beats a `{parameter}`), for `method`.
    func operation(_ method: HTTPRequest.Method, path: String) -> Operation? {
        let requested = path.split(separator: "/")
        func literals(_ operation: Operation) -> Int { operation.segments.filter { !$0.hasPrefix("{") }.count }
        return operations.filter { operation in
            operation.method == method && operation.segments.count == requested.count
                && zip(operation.segments, requested).allSatisfy { pattern, value in pattern.hasPrefix("{") || pattern == value }
        }.max { literals($0) < literals($1) }
    }
}

struct ContractError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Builds ``SchemaRule``s from the document's schemas, resolving `$ref`s once each.
private struct RuleLoader {
    let schemas: [String: Any]
    let parameters: [String: Any]
    var resolved: [String: SchemaRule] = [:]

    init(schemas: [String: Any], parameters: [String: Any]) {
        self.schemas = schemas
        self.parameters = parameters
    }

    func parameter(_ value: Any) throws -> [String: Any] {
        guard let object = value as? [String: Any] else { throw ContractError("a parameter is not an object") }
        guard let reference = object["$ref"] as? String else { return object }
        guard let name = reference.split(separator: "/").last.map(String.init), let target = parameters[name] as? [String: Any] else {
            throw ContractError("unknown parameter \(reference)")
        }
        return target
    }

    mutating func rule(_ value: Any) throws -> SchemaRule {
        guard let object = value as? [String: Any] else { return SchemaRule() }
        if let reference = object["$ref"] as? String {
            guard let name = reference.split(separator: "/").last.map(String.init), let target = schemas[name] else {
                throw ContractError("unknown schema \(reference)")
            }
            if let rule = resolved[name] { return rule }
            // Registered before its properties load, so a schema that refers to itself ends.
            let rule = SchemaRule()
            resolved[name] = rule
            try fill(rule, from: target as? [String: Any] ?? [:])
            return rule
        }
        let rule = SchemaRule()
        try fill(rule, from: object)
        return rule
    }

    private mutating func fill(_ rule: SchemaRule, from object: [String: Any]) throws {
        rule.minLength = object["minLength"] as? Int
        rule.maxLength = object["maxLength"] as? Int
        rule.minimum = Self.number(object["minimum"])
        rule.maximum = Self.number(object["maximum"])
        rule.minItems = object["minItems"] as? Int
        rule.maxItems = object["maxItems"] as? Int
        rule.format = object["format"] as? String
        let types = (object["type"] as? [Any])?.compactMap { $0 as? String } ?? (object["type"] as? String).map { [$0] }
        if let types { rule.types = Set(types.filter { $0 != "null" }) }
        rule.allowsNull = types?.contains("null") == true || object["nullable"] as? Bool == true
        rule.required = object["required"] as? [String] ?? []
        switch object["additionalProperties"] {
        case let flag as Bool: rule.closed = !flag
        case let schema as [String: Any]: rule.additional = try self.rule(schema)
        default: break
        }
        if let values = object["enum"] as? [Any] {
            let texts = values.compactMap { $0 as? String }
            if texts.count == values.count { rule.allowedTexts = Set(texts) }
            if values.count == 1, let flag = values[0] as? Bool { rule.allowedBoolean = flag }
        }
        if let pattern = object["pattern"] as? String {
            do {
                rule.pattern = try NSRegularExpression(pattern: pattern)
            } catch {
                throw ContractError("invalid pattern \(pattern): \(error)")
            }
            rule.patternSource = pattern
        }
        for (name, property) in object["properties"] as? [String: Any] ?? [:] {
            rule.properties[name] = try self.rule(property)
        }
        if let items = object["items"] { rule.items = try self.rule(items) }
    }

    private static func number(_ value: Any?) -> Double? {
        switch value {
        case let value as Int: Double(value)
        case let value as Double: value
        default: nil
        }
    }
}
