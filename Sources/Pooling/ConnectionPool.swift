import Logging
import NIOPosix
import Synchronization

/// A bounded pool of blocking connections, served by its own thread pool.
///
/// Callers lease a connection with ``withConnection(_:)`` and run blocking work on it with
/// ``Lease/run(_:)``, which executes on the pool's threads so that no event loop and no task of
/// Swift's cooperative pool ever blocks on I/O. When every connection is leased, callers wait in
/// FIFO order. A connection found unhealthy when it is leased, or after a failed call, is closed
/// and replaced, so a killed server-side session never reaches a caller twice.
public final class ConnectionPool<Connection: PooledResource>: Sendable {
    /// Opens one connection; runs on the pool's threads.
    public typealias Factory = @Sendable () throws -> Connection

    private struct Waiter {
        let id: UInt64
        let continuation: CheckedContinuation<Connection?, any Error>
    }

    private struct State {
        var idle: [Connection] = []
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID: UInt64 = 0
        var isShutDown = false
    }

    /// The most connections open at once.
    public let maximumConnections: Int
    private let factory: Factory
    private let threads: NIOThreadPool
    private let state = Mutex(State())
    private let logger: Logger
    private let name: String

    /// Creates a pool that opens at most `maximumConnections` connections, lazily.
    public init(maximumConnections: Int, name: String, logger: Logger, factory: @escaping Factory) {
        precondition(maximumConnections > 0, "a pool needs at least one connection")
        self.maximumConnections = maximumConnections
        self.factory = factory
        self.logger = logger
        self.threads = NIOThreadPool(numberOfThreads: maximumConnections)
        self.threads.start()
        self.name = name
    }

    /// Leases a connection for the duration of `body`.
    ///
    /// - Throws: ``PoolError/shutDown`` once ``shutdown()`` has been called, the factory's error
    ///   when a new connection cannot be opened, or whatever `body` throws.
    public func withConnection<T: Sendable>(_ body: (Lease) async throws -> T) async throws -> T {
        let connection = try await acquire()
        let lease = Lease(connection: connection, threads: threads, factory: factory, pool: name, logger: logger)
        do {
            let result = try await body(lease)
            release(lease.connection)
            return result
        } catch {
            release(lease.connection)
            throw error
        }
    }

    /// Runs one blocking call on a leased connection.
    public func run<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withConnection { lease in try await lease.run(body) }
    }

    /// Closes idle connections and fails waiters; leased connections close when returned.
    public func shutdown() async {
        let (idle, waiters) = state.withLock { state in
            state.isShutDown = true
            defer { state.idle = []; state.waiters = [] }
            state.open -= state.idle.count
            return (state.idle, state.waiters)
        }
        for waiter in waiters { waiter.continuation.resume(throwing: PoolError.shutDown) }
        if !idle.isEmpty {
            _ = try? await threads.runIfActive { for connection in idle { connection.close() } }
        }
        try? await threads.shutdownGracefully()
    }

    /// The connections currently open (leased or idle), for metrics and tests.
    public var openConnections: Int { state.withLock { $0.open } }

    private enum ReleaseOutcome {
        case handOff(Waiter)
        case pooled
        case close
    }

    private enum Acquisition {
        case reuse(Connection)
        case open
        case wait
        case shutDown
    }

    private func acquire() async throws -> Connection {
        let decision: Acquisition = state.withLock { state in
            if state.isShutDown { return .shutDown }
            if let connection = state.idle.popLast() { return .reuse(connection) }
            if state.open < maximumConnections {
                state.open += 1
                return .open
            }
            return .wait
        }
        switch decision {
        case .shutDown:
            throw PoolError.shutDown
        case .reuse(let connection):
            return connection
        case .open:
            return try await openConnection()
        case .wait:
            if let connection = try await waitForRelease() { return connection }
            // A waiter woken with nil was given a free slot: open a connection in it.
            return try await openConnection()
        }
    }

    /// Opens a connection in a slot already counted in `open`; gives the slot back on failure.
    private func openConnection() async throws -> Connection {
        do {
            let factory = self.factory
            return try await threads.runIfActive { try factory() }
        } catch {
            state.withLock { $0.open -= 1 }
            wakeOneWaiterToOpen()
            throw error
        }
    }

    private func waitForRelease() async throws -> Connection? {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let immediate: Result<Connection?, any Error>? = state.withLock { state in
                    if state.isShutDown { return .failure(PoolError.shutDown) }
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if let connection = state.idle.popLast() { return .success(connection) }
                    if state.open < maximumConnections {
                        state.open += 1
                        return .success(nil)
                    }
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> Waiter? in
                guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiters.remove(at: index)
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Gives a freed slot (not a connection) to the first waiter, which then opens its own.
    private func wakeOneWaiterToOpen() {
        let waiter = state.withLock { state -> Waiter? in
            guard !state.waiters.isEmpty, state.open < maximumConnections else { return nil }
            state.open += 1
            return state.waiters.removeFirst()
        }
        waiter?.continuation.resume(returning: nil)
    }

    private func release(_ connection: Connection?) {
        guard let connection else {
            // The lease lost its connection (it was broken and could not be reopened).
            state.withLock { $0.open -= 1 }
            wakeOneWaiterToOpen()
            return
        }
        let outcome: ReleaseOutcome = state.withLock { state in
            if state.isShutDown {
                state.open -= 1
                return .close
            }
            if !state.waiters.isEmpty { return .handOff(state.waiters.removeFirst()) }
            state.idle.append(connection)
            return .pooled
        }
        switch outcome {
        case .handOff(let waiter): waiter.continuation.resume(returning: connection)
        case .pooled: break
        case .close: connection.close()
        }
    }
}

extension ConnectionPool {
    /// One leased connection. Valid only inside the `withConnection` body that produced it.
    public final class Lease: @unchecked Sendable {
        // Invariant: a lease is used by the one task that holds it, and each call runs on one
        // pool thread at a time, so `connection` is never touched concurrently.
        fileprivate var connection: Connection?
        private var checked = false
        private let threads: NIOThreadPool
        private let factory: Factory
        private let pool: String
        private let logger: Logger

        fileprivate init(connection: Connection, threads: NIOThreadPool, factory: @escaping Factory, pool: String, logger: Logger) {
            self.connection = connection
            self.threads = threads
            self.factory = factory
            self.pool = pool
            self.logger = logger
        }

        /// Runs a blocking call on the leased connection, on one of the pool's threads.
        ///
        /// Before the first call of the lease, a connection that is no longer healthy (its server
        /// session was killed, its socket closed) is closed and replaced by a new one. Later calls
        /// never swap the connection: session state (a transaction, a lock) must not vanish
        /// silently, so they fail instead.
        public func run<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
            try await threads.runIfActive { [self] in
                let current = try self.healthyConnection()
                return try body(current)
            }
        }

        private func healthyConnection() throws -> Connection {
            if checked, let connection { return connection }
            checked = true
            if let connection, connection.isHealthy() { return connection }
            if let connection {
                logger.warning("replacing a broken connection", metadata: ["pool": "\(pool)"])
                connection.close()
            }
            connection = nil
            let fresh = try factory()
            connection = fresh
            return fresh
        }
    }
}

/// Errors of the pool itself.
public enum PoolError: Error, Equatable, Sendable {
    /// The pool was shut down.
    case shutDown
}
