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
    /// An independent user who has not logged in for this long (and has no incident) is deleted.
    public let idleIndependentUserLifetime: Duration

    public init(postgres: PostgresClient, logger: Logger, unactivatedRegistrationLifetime: Duration, auditRetention: Duration,
                idleIndependentUserLifetime: Duration) {
        self.postgres = postgres
        self.logger = logger
        self.unactivatedRegistrationLifetime = unactivatedRegistrationLifetime
        self.auditRetention = auditRetention
        self.idleIndependentUserLifetime = idleIndependentUserLifetime
    }

    /// Active accounts that are independent users: no platform role, no regulator or observer
    /// membership, no approved operator membership (pending ones go with the account).
    static let independentUsers = """
        NOT u.is_platform_admin AND u.is_active
        AND NOT EXISTS (SELECT 1 FROM regulator_memberships m WHERE m.user_id = u.id)
        AND NOT EXISTS (SELECT 1 FROM observer_memberships m WHERE m.user_id = u.id)
        AND NOT EXISTS (SELECT 1 FROM operator_memberships m WHERE m.user_id = u.id AND m.approved_at IS NOT NULL)
        """

    /// Deletes self-registered accounts whose activation link was never used in time (invited
    /// users, who have a membership or the platform role, are not touched).
    @discardableResult
    public func purgeUnactivatedRegistrations(now: Date = Date()) async throws -> Int {
        try await purge("retention.unactivated_registrations_deleted", before: now.addingTimeInterval(-unactivatedRegistrationLifetime.seconds), """
            DELETE FROM users u
            WHERE u.password_hash IS NULL AND NOT u.email_verified AND u.last_login_at IS NULL AND u.created_at < $1
              AND \(Self.independentUsers)
              AND NOT EXISTS (SELECT 1 FROM operator_memberships m WHERE m.user_id = u.id)
            RETURNING id
            """)
    }

    /// Deletes independent users idle for the configured period: last login before it, or never
    /// logged in and created before it, unless they notified incidents (their only way back to
    /// them).
    @discardableResult
    public func purgeIdleIndependentUsers(now: Date = Date()) async throws -> Int {
        try await purge("retention.idle_independent_users_deleted", before: now.addingTimeInterval(-idleIndependentUserLifetime.seconds), """
            DELETE FROM users u WHERE coalesce(u.last_login_at, u.created_at) < $1 AND \(Self.independentUsers)
              AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.notifier_user_id = u.id) RETURNING id
            """)
    }

    /// Deletes audit entries older than the retention period.
    @discardableResult
    public func purgeAuditEvents(now: Date = Date()) async throws -> Int {
        // The append-only trigger lets deletes through only with this setting, for this transaction.
        try await purge("retention.audit_events_deleted", before: now.addingTimeInterval(-auditRetention.seconds),
                        "DELETE FROM audit_events WHERE occurred_at < $1 RETURNING id", setting: "governance.audit_purge")
    }

    /// Runs `delete` (which returns the deleted ids, with `$1` = `cutoff`) in one transaction,
    /// with the session `setting` on for it when given, and audits how many rows went.
    private func purge(_ action: String, before cutoff: Date, _ delete: String, setting: String? = nil) async throws -> Int {
        try await postgres.withTransaction { session in
            if let setting { try await session.query("SELECT set_config($1, 'on', true)", setting) }
            let deleted = try await session.query(delete, cutoff).count
            if let setting { try await session.query("SELECT set_config($1, 'off', true)", setting) }
            logger.info("retention task done", metadata: ["action": "\(action)", "deleted": "\(deleted)"])
            try await AuditLog.record(AuditEvent(action: action, actorRole: "system", client: .system,
                                                 details: "{\"deleted\": \(deleted)}"), in: session)
            return deleted
        }
    }
}
