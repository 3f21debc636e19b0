import Foundation
import Logging
import Postgres

/// Deletes closed incidents notified more than the retention period ago (`INCIDENT_RETENTION_DAYS`),
/// with their reports, versions, access log and PDFs, in batches, leaving a system audit entry
/// with the count. Open incidents stay whatever their age: a regulator closes them first.
public struct IncidentRetention: Sendable {
    let postgres: PostgresClient
    let logger: Logger
    let retention: Duration
    static let batchSize = 1000

    /// Returns how many incidents went.
    @discardableResult
    public func purge(now: Date = Date()) async throws -> Int {
        try await BatchedPurge.run(postgres, logger: logger, action: "retention.incidents_deleted",
                                   cutoff: now.addingTimeInterval(-retention.seconds), batchSize: Self.batchSize, """
            WITH doomed AS (SELECT id FROM incidents WHERE status = 'closed' AND notified_at < $1 ORDER BY notified_at LIMIT $2
                            FOR UPDATE SKIP LOCKED),
                 documents_gone AS (DELETE FROM documents WHERE id IN (SELECT d.id FROM incident_documents d JOIN doomed ON d.incident_id = doomed.id))
            DELETE FROM incidents WHERE id IN (SELECT id FROM doomed) RETURNING id
            """)
    }
}
