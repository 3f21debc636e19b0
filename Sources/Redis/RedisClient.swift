import Logging
import Pooling
import Synchronization

/// The application's access to Redis: a pool of hiredis connections on a dedicated thread pool.
public final class RedisClient: Sendable {
    private let pool: ConnectionPool<RedisConnection>
    public let configuration: RedisConfiguration

    public init(configuration: RedisConfiguration, logger: Logger) {
        self.configuration = configuration
        pool = ConnectionPool(maximumConnections: configuration.poolSize, name: "redis", logger: logger) {
            try RedisConnection(configuration: configuration)
        }
    }

    /// Sends one command and returns its reply.
    ///
    /// - Throws: ``RedisError`` of kind `connection` when Redis cannot be reached, of kind
    ///   `reply` when it answers with an error.
    @discardableResult
    public func send(_ arguments: String...) async throws -> RedisValue {
        try await send(arguments)
    }

    /// ``send(_:)-(String...)`` with the arguments as an array.
    @discardableResult
    public func send(_ arguments: [String], blockingSeconds: Double = 0) async throws -> RedisValue {
        let value = try await pool.run { connection in try connection.command(arguments, blockingSeconds: blockingSeconds) }
        if case .error(let message) = value { throw RedisError(kind: .reply, message: message) }
        return value
    }

    /// Sends several commands in one round trip; error replies are returned, not thrown.
    public func pipeline(_ commands: [[String]]) async throws -> [RedisValue] {
        try await pool.run { connection in try connection.pipeline(commands) }
    }

    /// Runs a Lua script by its SHA1 (EVALSHA), loading it first when the server does not know
    /// it (first use, restart, `SCRIPT FLUSH`).
    @discardableResult
    public func run(_ script: RedisScript, keys: [String], arguments: [String]) async throws -> RedisValue {
        try await pool.run { connection in
            let sha = try script.sha(on: connection)
            let evalsha = ["EVALSHA", sha, String(keys.count)] + keys + arguments
            var value = try connection.command(evalsha)
            if case .error(let message) = value, message.hasPrefix("NOSCRIPT") {
                let reloaded = try script.load(on: connection)
                value = try connection.command(["EVALSHA", reloaded, String(keys.count)] + keys + arguments)
            }
            if case .error(let message) = value { throw RedisError(kind: .reply, message: message) }
            return value
        }
    }

    /// Connections currently open.
    public var openConnections: Int { pool.openConnections }

    /// Closes every connection.
    public func shutdown() async {
        await pool.shutdown()
    }
}

/// A Lua script run with EVALSHA; its SHA1 is learnt from `SCRIPT LOAD` and remembered.
public final class RedisScript: Sendable {
    public let source: String
    private let cachedSHA = Mutex<String?>(nil)

    public init(_ source: String) {
        self.source = source
    }

    func sha(on connection: RedisConnection) throws -> String {
        if let sha = cachedSHA.withLock({ $0 }) { return sha }
        return try load(on: connection)
    }

    func load(on connection: RedisConnection) throws -> String {
        let reply = try connection.command(["SCRIPT", "LOAD", source])
        guard let sha = reply.string, case .string = reply else {
            throw RedisError(kind: .reply, message: "SCRIPT LOAD failed: \(reply)")
        }
        cachedSHA.withLock { $0 = sha }
        return sha
    }
}
