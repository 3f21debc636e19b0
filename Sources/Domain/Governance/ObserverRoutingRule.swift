import Foundation
import Postgres

/// Which incidents of a regulation an observer receives.
public struct ObserverRoutingRule: Sendable, Equatable {
    /// Matches an operator holding every `include` code and none of the `exclude` codes.
    public struct Condition: Sendable, Equatable, Codable {
        public var include: [String]
        public var exclude: [String]

        public init(include: [String] = [], exclude: [String] = []) {
            self.include = include
            self.exclude = exclude
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            include = try container.decodeIfPresent([String].self, forKey: .include) ?? []
            exclude = try container.decodeIfPresent([String].self, forKey: .exclude) ?? []
        }

        func matches(_ codes: Set<String>) -> Bool {
            include.allSatisfy(codes.contains) && !exclude.contains(where: codes.contains)
        }
    }

    public let observerID: UUID
    public let regulationID: UUID
    /// OR between conditions; no condition means every incident of the regulation.
    public var conditions: [Condition]
    public var updatedAt: Date

    public init(observerID: UUID, regulationID: UUID, conditions: [Condition], updatedAt: Date = Date()) {
        self.observerID = observerID
        self.regulationID = regulationID
        self.conditions = conditions
        self.updatedAt = updatedAt
    }

    /// Whether an incident of an operator with these entity-category codes (none for an incident
    /// without operator) reaches the observer under this rule.
    public func matches(operatorCategoryCodes codes: Set<String>) -> Bool {
        conditions.isEmpty || conditions.contains { $0.matches(codes) }
    }

    init(row: PostgresRow) throws {
        observerID = try row.decode("observer_id")
        regulationID = try row.decode("regulation_id")
        conditions = try JSONDecoder().decode([Condition].self, from: Data(try row.decode("conditions", as: String.self).utf8))
        updatedAt = try row.decode("updated_at")
    }
}
