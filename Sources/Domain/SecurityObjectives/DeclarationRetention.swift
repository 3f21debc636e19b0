import Foundation
import Logging
import Postgres

/// Deletes whole declarations (every version of a group, with answers, assessments and access
/// log) whose latest version was created more than the retention period ago
/// (`SECURITY_OBJECTIVE_RETENTION_DAYS`), in batches, leaving a system audit entry with the
/// count. A group never loses its old versions one by one.
public struct DeclarationRetention: Sendable {
    let postgres: PostgresClient
    let logger: Logger
    let retention: Duration
    static let batchSize = 500

    /// Returns how many declarations (groups) went.
    @discardableResult
    public func purge(now: Date = Date()) async throws -> Int {
        let cutoff = now.addingTimeInterval(-retention.seconds)
        var deleted = 0
        while true {
            let count = try await postgres.withTransaction { session in
                try await session.query("""
                    WITH doomed AS (SELECT g.id FROM declaration_groups g
                                    WHERE NOT EXISTS (SELECT 1 FROM declarations d WHERE d.group_id = g.id AND d.created_at >= $1)
                                    LIMIT $2 FOR UPDATE SKIP LOCKED)
                    DELETE FROM declaration_groups WHERE id IN (SELECT id FROM doomed) RETURNING id
                    """, cutoff, Self.batchSize).count
            }
            deleted += count
            if count < Self.batchSize { break }
        }
        try await postgres.withTransaction { session in
            try await AuditLog.record(AuditEvent(action: "retention.declarations_deleted", actorRole: "system", client: .system,
                                                 details: "{\"deleted\": \(deleted)}"), in: session)
        }
        logger.info("retention task done", metadata: ["action": "retention.declarations_deleted", "deleted": "\(deleted)"])
        return deleted
    }
}
