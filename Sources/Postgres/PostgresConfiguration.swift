/// How to reach PostgreSQL and how to bound the work sent to it.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection URI, e.g. `postgres://user:secret@localhost:5432/governance`.
    public var url: String
    /// The most connections the pool opens.
    public var poolSize: Int
    /// How long opening a connection may take, in seconds (libpq `connect_timeout`, minimum 2).
    public var connectTimeoutSeconds: Int
    /// How long one statement may run before the server cancels it, in milliseconds (0: no limit).
    public var statementTimeoutMilliseconds: Int
    /// Shown in `pg_stat_activity.application_name`.
    public var applicationName: String

    public init(
        url: String,
        poolSize: Int = 10,
        connectTimeoutSeconds: Int = 5,
        statementTimeoutMilliseconds: Int = 30_000,
        applicationName: String = "governance"
    ) {
        self.url = url
        self.poolSize = poolSize
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.applicationName = applicationName
    }
}
