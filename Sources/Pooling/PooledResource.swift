/// A blocking connection that a ``ConnectionPool`` can hold.
///
/// Every method is called on one of the pool's threads, never on an event loop, and never by
/// two threads at once: the pool leases a connection to one task at a time.
public protocol PooledResource: AnyObject, Sendable {
    /// Whether the connection can serve another lease. Called before each lease; a connection
    /// that answers `false` is closed and replaced by a new one.
    func isHealthy() -> Bool

    /// Releases the underlying handle. Called once, when the pool drops the connection.
    func close()
}
