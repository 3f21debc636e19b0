import Pooling
import Postgres
import Redis

/// Failures that mean PostgreSQL or Redis cannot be reached right now (refused, lost, restarting,
/// pools shut down), as opposed to bugs: the API answers them 503 with `Retry-After`, and they
/// pass once the dependency is back (the pools reconnect by themselves).
public enum DependencyFailure {
    public static func isUnavailable(_ error: any Error) -> Bool {
        switch error {
        case let error as PostgresError: error.isConnectionFailure
        case let error as RedisError: error.kind == .connection || error.message.hasPrefix("LOADING")
        case let error as PoolError: error == .shutDown
        default: false
        }
    }
}
