import Foundation

/// How to reach Redis.
public struct RedisConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var password: String?
    public var database: Int
    /// The most connections the pool opens. Blocking pops hold one each while they wait.
    public var poolSize: Int
    /// How long connecting may take.
    public var connectTimeoutSeconds: Double
    /// How long a command may wait for its reply (blocking commands add their own timeout).
    public var commandTimeoutSeconds: Double

    public init(
        host: String = "127.0.0.1", port: Int = 6379, password: String? = nil, database: Int = 0,
        poolSize: Int = 8, connectTimeoutSeconds: Double = 2, commandTimeoutSeconds: Double = 5
    ) {
        self.host = host
        self.port = port
        self.password = password
        self.database = database
        self.poolSize = poolSize
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.commandTimeoutSeconds = commandTimeoutSeconds
    }

    /// Parses `redis://[:password@]host[:port][/database]`.
    public init(url: String, poolSize: Int = 8) throws {
        guard let components = URLComponents(string: url), components.scheme == "redis", let host = components.host, !host.isEmpty else {
            throw RedisError(kind: .connection, message: "REDIS_URL must look like redis://[:password@]host[:port][/db]")
        }
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard path.isEmpty || Int(path) != nil else {
            throw RedisError(kind: .connection, message: "REDIS_URL database must be a number")
        }
        self.init(
            host: host, port: components.port ?? 6379,
            password: components.password.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding },
            database: Int(path) ?? 0, poolSize: poolSize)
    }
}
