import CLibPQ
import Foundation
import Pooling

/// One blocking libpq connection. Used only through ``PostgresClient``, on its thread pool.
public final class PostgresConnection: PooledResource, @unchecked Sendable {
    // Invariant: the pool leases a connection to one task at a time and runs each call on one
    // thread, so `handle` is never used concurrently.
    private let handle: OpaquePointer

    /// Opens a connection; blocking.
    public init(configuration: PostgresConfiguration) throws {
        var options = "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601"
        options += " -c statement_timeout=\(configuration.statementTimeoutMilliseconds)"
        let pairs: [(String, String)] = [
            ("dbname", configuration.url),
            ("connect_timeout", String(max(2, configuration.connectTimeoutSeconds))),
            ("application_name", configuration.applicationName),
            ("client_encoding", "UTF8"),
            ("options", options),
        ]
        let connection = Self.connect(pairs)
        guard let connection else { throw PostgresError(kind: .connection, message: "out of memory opening a connection") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.message(of: connection)
            PQfinish(connection)
            throw PostgresError(kind: .connection, message: message)
        }
        handle = connection
        // Server notices (e.g. "relation already exists, skipping") are not errors: keep them off stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
    }

    private static func connect(_ pairs: [(String, String)]) -> OpaquePointer? {
        var keys = pairs.map { strdup($0.0) }
        var values = pairs.map { strdup($0.1) }
        defer {
            keys.forEach { free($0) }
            values.forEach { free($0) }
        }
        keys.append(nil)
        values.append(nil)
        return keys.withUnsafeBufferPointer { keyPointers in
            values.withUnsafeBufferPointer { valuePointers in
                keyPointers.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: keys.count) { k in
                    valuePointers.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: values.count) { v in
                        PQconnectdbParams(k, v, 1)
                    }
                }
            }
        }
    }

    private static func message(of connection: OpaquePointer) -> String {
        guard let text = PQerrorMessage(connection) else { return "unknown libpq error" }
        return String(cString: text).trimmingWhitespace()
    }

    /// The backend's process id (`pg_backend_pid()`), for diagnostics and tests.
    public var backendPID: Int32 { PQbackendPID(handle) }

    public func isHealthy() -> Bool {
        guard PQstatus(handle) == CONNECTION_OK, PQtransactionStatus(handle) == PQTRANS_IDLE else { return false }
        // An idle connection has nothing to read unless the server spoke on its own: a terminated
        // backend sends a FATAL error and closes the socket. The pool never LISTENs, so anything
        // readable here means the session is gone.
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    public func close() {
        PQfinish(handle)
    }

    /// Runs one statement with text-format parameters and returns its rows; blocking.
    public func execute(_ sql: String, _ parameters: [String?]) throws -> PostgresRows {
        let result: OpaquePointer? = withCStrings(parameters) { values in
            PQexecParams(handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard let result else {
            throw PostgresError(kind: .connection, message: Self.message(of: handle))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(result: result)
        default:
            throw error(from: result)
        }
    }

    /// Runs a script of one or more statements without parameters (e.g. a migration); blocking.
    public func executeScript(_ sql: String) throws {
        guard let result = PQexec(handle, sql) else {
            throw PostgresError(kind: .connection, message: Self.message(of: handle))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY: return
        default: throw error(from: result)
        }
    }

    private func error(from result: OpaquePointer) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            guard let value = PQresultErrorField(result, Int32(code)) else { return nil }
            return String(cString: value)
        }
        let sqlState = field(UInt8(ascii: "C"))
        let message = field(UInt8(ascii: "M")) ?? Self.message(of: handle)
        let lost = PQstatus(handle) != CONNECTION_OK
        return PostgresError(
            kind: lost ? .connection : .server,
            message: message,
            sqlState: sqlState,
            detail: field(UInt8(ascii: "D")),
            constraint: field(UInt8(ascii: "n"))
        )
    }
}

private func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { $0.map { strdup($0) } ?? nil }
    defer { copies.forEach { free($0) } }
    return body(copies.map { $0.map { UnsafePointer($0) } })
}

extension String {
    func trimmingWhitespace() -> String {
        var view = Substring(self)
        while let first = view.first, first.isWhitespace { view.removeFirst() }
        while let last = view.last, last.isWhitespace { view.removeLast() }
        return String(view)
    }
}
