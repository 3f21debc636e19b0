import Foundation
import Logging
import Postgres

/// A retention purge of many rows: `delete` (with `$1` the cutoff and `$2` the batch size,
/// returning the rows it deleted) runs in its own transaction per batch until a batch comes
/// back short, so no transaction holds a day's worth of locks; then the total is audited as a
/// system event and logged. A command running it by hand shows its progress (``ProgressReporter``).
enum BatchedPurge {
    static func run(_ postgres: PostgresClient, logger: Logger, action: String, cutoff: Date, batchSize: Int, _ delete: String) async throws -> Int {
        var deleted = 0
        while true {
            let count = try await postgres.withTransaction { session in try await session.query(delete, cutoff, batchSize).count }
            deleted += count
            ProgressReporter.current?.advance(by: count)
            if count < batchSize { break }
        }
        try await AuditLog.record(AuditEvent(action: action, actorRole: "system", client: .system, details: "{\"deleted\": \(deleted)}"),
                                  using: postgres)
        logger.info("retention task done", metadata: ["action": "\(action)", "deleted": "\(deleted)"])
        return deleted
    }
}
