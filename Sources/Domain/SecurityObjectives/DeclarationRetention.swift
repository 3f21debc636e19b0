import Foundation
import Logging
import Postgres

/// Deletes whole declarations (every version of a group, with answers, assessments and access
/// log and PDFs) whose latest version was created more than the retention period ago
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
        try await BatchedPurge.run(postgres, logger: logger, action: "retention.declarations_deleted",
                                   cutoff: now.addingTimeInterval(-retention.seconds), batchSize: Self.batchSize, """
            WITH doomed AS (SELECT g.id FROM declaration_groups g
                            WHERE NOT EXISTS (SELECT 1 FROM declarations d WHERE d.group_id = g.id AND d.created_at >= $1)
                            LIMIT $2 FOR UPDATE SKIP LOCKED),
                 documents_gone AS (DELETE FROM documents WHERE id IN (
                     SELECT x.id FROM declaration_documents x JOIN declarations d ON d.id = x.declaration_id
                     WHERE d.group_id IN (SELECT id FROM doomed)))
            DELETE FROM declaration_groups WHERE id IN (SELECT id FROM doomed) RETURNING id
            """)
    }
}
