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
        // JIT compilation costs ~15 ms per statement once a plan's estimate passes jit_above_cost,
        // far more than the platform's short statements ever run: it is off for every session.
        var options = "-c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601 -c jit=off"
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

    /// Statement names of this session's prepared statements, by SQL text.
    private var prepared: [String: String] = [:]
    /// The most statements kept prepared per connection; past it the cache starts over.
    static let preparedLimit = 512

    /// Runs one statement with text-format parameters and returns its rows; blocking.
    ///
    /// Statements with parameters are prepared once per connection and then executed by name,
    /// so the server parses and plans each distinct statement once, not on every call.
    public func execute(_ sql: String, _ parameters: [String?]) throws -> PostgresRows {
        if parameters.isEmpty { return try executeSimple(sql) }
        do {
            return try executePrepared(sql, parameters)
        } catch let error as PostgresError where error.sqlState == "0A000" && PQtransactionStatus(handle) == PQTRANS_IDLE {
            // "cached plan must not change result type": a migration changed a table under a
            // prepared statement. Forget them all and prepare again, once.
            _ = try executeSimple("DEALLOCATE ALL")
            prepared.removeAll()
            return try executePrepared(sql, parameters)
        }
    }

    private func executePrepared(_ sql: String, _ parameters: [String?]) throws -> PostgresRows {
        let name = try statementName(for: sql, parameterCount: parameters.count)
        let result: OpaquePointer? = withCStrings(parameters) { values in
            PQexecPrepared(handle, name, Int32(parameters.count), values, nil, nil, 0)
        }
        return try rows(from: result)
    }

    private func statementName(for sql: String, parameterCount: Int) throws -> String {
        if let name = prepared[sql] { return name }
        if prepared.count >= Self.preparedLimit {
            _ = try executeSimple("DEALLOCATE ALL")
            prepared.removeAll()
        }
        let name = "gp\(prepared.count)"
        guard let result = PQprepare(handle, name, sql, Int32(parameterCount), nil) else {
            throw PostgresError(kind: .connection, message: Self.message(of: handle))
        }
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else { throw error(from: result) }
        prepared[sql] = name
        return name
    }

    /// A statement without parameters, through the simple query protocol (one round trip).
    private func executeSimple(_ sql: String) throws -> PostgresRows {
        try rows(from: PQexec(handle, sql))
    }

    private func rows(from result: OpaquePointer?) throws -> PostgresRows {
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
