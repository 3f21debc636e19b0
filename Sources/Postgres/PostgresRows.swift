import CLibPQ

/// The rows of one statement, copied out of libpq's result so they outlive it.
public struct PostgresRows: Sendable, Sequence {
    /// Column names, in order.
    public let columns: [String]
    /// Rows affected by an INSERT, UPDATE or DELETE (0 for other statements).
    public let affectedRows: Int
    private let values: [String?]

    init(result: OpaquePointer) {
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var values: [String?] = []
        values.reserveCapacity(columnCount * rowCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, row, column)))
                }
            }
        }
        self.values = values
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// The number of rows.
    public var count: Int { columns.isEmpty ? 0 : values.count / columns.count }

    /// Whether the statement returned no row.
    public var isEmpty: Bool { count == 0 }

    /// The first row, if any.
    public var first: PostgresRow? { count > 0 ? self[0] : nil }

    /// The row at `index`.
    public subscript(index: Int) -> PostgresRow {
        let width = columns.count
        return PostgresRow(columns: columns, values: values[(index * width)..<((index + 1) * width)])
    }

    public func makeIterator() -> AnyIterator<PostgresRow> {
        var index = 0
        return AnyIterator {
            guard index < count else { return nil }
            defer { index += 1 }
            return self[index]
        }
    }
}

/// One row; decode its columns by name or position into ``PostgresDecodable`` types.
public struct PostgresRow: Sendable {
    public let columns: [String]
    let values: ArraySlice<String?>

    /// Decodes the column named `column`.
    ///
    /// - Throws: ``PostgresError`` of kind `decoding` when there is no such column, the value is
    ///   NULL and `T` is not optional, or the text is not a valid `T`.
    public func decode<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let index = columns.firstIndex(of: column) else {
            throw PostgresError(kind: .decoding, message: "no column \(column) in the result")
        }
        return try decode(at: index, as: type)
    }

    /// Decodes the column at `index`.
    public func decode<T: PostgresDecodable>(at index: Int, as type: T.Type = T.self) throws -> T {
        guard index >= 0, index < columns.count else {
            throw PostgresError(kind: .decoding, message: "no column at index \(index)")
        }
        guard let text = values[values.startIndex + index] else {
            do {
                return try T.decodeNull()
            } catch {
                throw PostgresError(kind: .decoding, message: "column \(columns[index]) is NULL")
            }
        }
        do {
            return try T(postgresText: text)
        } catch {
            throw PostgresError(kind: .decoding, message: "column \(columns[index]) is not a valid \(T.self)")
        }
    }
}
