import Foundation
import Logging
import Postgres

/// Periodic clean-ups, idempotent (each deletes what is due, then nothing until more is due),
/// each leaving an audit entry with what it removed.
public struct RetentionService: Sendable {
    let postgres: PostgresClient
    let logger: Logger
    /// A registration never activated is deleted this long after it was made.
    public let unactivatedRegistrationLifetime: Duration
    /// Audit entries are kept this long.
    public let auditRetention: Duration

    public init(postgres: PostgresClient, logger: Logger, unactivatedRegistrationLifetime: Duration, auditRetention: Duration) {
        self.postgres = postgres
        self.logger = logger
        self.unactivatedRegistrationLifetime = unactivatedRegistrationLifetime
        self.auditRetention = auditRetention
    }

    /// Deletes self-registered accounts whose activation link was never used in time.
    @discardableResult
    public func purgeUnactivatedRegistrations(now: Date = Date()) async throws -> Int {
        try await postgres.withTransaction { session in
            let deleted = try await session.query("""
                DELETE FROM users
                WHERE password_hash IS NULL AND NOT email_verified AND last_login_at IS NULL AND NOT is_platform_admin
                  AND created_at < $1
                RETURNING id
                """, now.addingTimeInterval(-unactivatedRegistrationLifetime.seconds)).count
            try await record("retention.unactivated_registrations_deleted", count: deleted, session: session)
            return deleted
        }
    }

    /// Deletes audit entries older than the retention period.
    @discardableResult
    public func purgeAuditEvents(now: Date = Date()) async throws -> Int {
        try await postgres.withTransaction { session in
            // The append-only trigger lets deletes through only with this setting, for this transaction.
            try await session.query("SELECT set_config('governance.audit_purge', 'on', true)")
            let deleted = try await session.query(
                "DELETE FROM audit_events WHERE occurred_at < $1 RETURNING id", now.addingTimeInterval(-auditRetention.seconds)).count
            try await session.query("SELECT set_config('governance.audit_purge', 'off', true)")
            try await record("retention.audit_events_deleted", count: deleted, session: session)
            return deleted
        }
    }

    private func record(_ action: String, count: Int, session: PostgresSession) async throws {
        logger.info("retention task done", metadata: ["action": "\(action)", "deleted": "\(count)"])
        try await AuditLog.record(AuditEvent(action: action, actorRole: "system", client: .system, details: "{\"deleted\": \(count)}"), in: session)
    }
}
