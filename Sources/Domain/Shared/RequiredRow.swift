import Postgres

extension PostgresRows {
    /// The first row of a statement that always returns one (an aggregate, `RETURNING`, a row
    /// read back in the transaction that wrote it, a parent the foreign keys guarantee).
    ///
    /// - Throws: ``DomainError/inconsistency(_:)`` naming the call site when there is none
    ///   after all: a 500 with the request id, never a trap.
    public func required(file: StaticString = #fileID, line: UInt = #line) throws -> PostgresRow {
        guard let first else { throw DomainError.inconsistency("no row where \(file):\(line) expects one") }
        return first
    }
}

extension RawRepresentable where RawValue == String {
    /// The case stored as `raw` (a column whose values the schema constrains).
    ///
    /// - Throws: ``DomainError/inconsistency(_:)`` when there is no such case.
    init(stored raw: String) throws {
        guard let value = Self(rawValue: raw) else { throw DomainError.inconsistency("\(Self.self) has no case \"\(raw)\"") }
        self = value
    }
}
