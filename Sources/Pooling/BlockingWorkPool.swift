#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

/// A fixed number of threads for CPU-heavy or blocking calls (password hashing, PDF drawing,
/// file writes), so that neither an event loop nor a task of Swift's cooperative pool ever runs
/// them.
///
/// At most `threads` calls run at once; the others wait in FIFO order without holding any
/// thread, so a burst (a login storm, a batch of PDFs) queues here while every other request
/// keeps its threads. The pool's threads can also run at a lower scheduling priority (a higher
/// nice value), so that on a busy machine the event loops and the async threads get the cores
/// first and the heavy work takes what is left.
public final class BlockingWorkPool: Sendable {
    public let name: String
    /// How many calls run at once.
    public let threads: Int
    /// The nice value of the pool's threads (0: the process's own priority).
    public let niceness: Int32
    private let pool: NIOThreadPool

    public init(name: String, threads: Int, niceness: Int32 = 0) {
        precondition(threads > 0, "a work pool needs at least one thread")
        self.name = name
        self.threads = threads
        self.niceness = niceness
        pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
    }

    /// Runs `body` on one of the pool's threads and returns its result.
    ///
    /// - Throws: whatever `body` throws, or an error once the pool is shut down.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let niceness = self.niceness
        return try await pool.runIfActive {
            if niceness != 0 { Self.lowerPriority(to: niceness) }
            return try body()
        }
    }

    /// Gives the calling thread the nice value `niceness`. On Linux the nice value belongs to a
    /// thread (`setpriority` with `who` 0 changes the caller only); raising it needs no
    /// privilege, and a failure only leaves the thread at its priority. Elsewhere the call would
    /// change the whole process, so it is not made.
    private static func lowerPriority(to niceness: Int32) {
        #if os(Linux)
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        #endif
    }

    /// Lets queued calls finish, then stops the threads; later calls fail.
    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }

    /// The number of cores the process may use: the default size of CPU-bound pools.
    public static var activeProcessors: Int { System.coreCount }
}
