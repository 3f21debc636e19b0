import NIOCore
import NIOPosix

/// A fixed number of threads for CPU-heavy or blocking calls (password hashing, PDF drawing,
/// file writes), so that neither an event loop nor a task of Swift's cooperative pool ever runs
/// them.
///
/// At most `threads` calls run at once; the others wait in FIFO order without holding any
/// thread, so a burst (a login storm, a batch of PDFs) queues here while every other request
/// keeps its threads.
public final class BlockingWorkPool: Sendable {
    public let name: String
    /// How many calls run at once.
    public let threads: Int
    private let pool: NIOThreadPool

    public init(name: String, threads: Int) {
        precondition(threads > 0, "a work pool needs at least one thread")
        self.name = name
        self.threads = threads
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    /// Runs `body` on one of the pool's threads and returns its result.
    ///
    /// - Throws: whatever `body` throws, or an error once the pool is shut down.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    /// Lets queued calls finish, then stops the threads; later calls fail.
    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    /// The number of cores the process may use: the default size of CPU-bound pools.
    public static var activeProcessors: Int { System.coreCount }
}
