import Foundation
import Logging
import Mail
import Postgres

/// The deadline sweeps, run by the beat: reports past their due time become overdue (a stored
/// state) with the workflow's overdue e-mail, and reminders go out at their offset from the due
/// time. Each e-mail is sent once per (incident, report, reminder or overdue, due time): the
/// sweep records it in the transaction that enqueues it, so repeated or concurrent sweeps send
/// nothing twice, a sweep after downtime catches up, and a changed due time re-arms them.
/// Reminders before a deadline that already passed are skipped; closed incidents get nothing.
public struct IncidentDeadlines: Sendable {
    let postgres: PostgresClient
    let outbox: Outbox
    let emails: IncidentEmails
    let logger: Logger
    /// Notices handled per transaction.
    static let batchSize = 500

    /// One sweep at `now`; returns the overdue reports marked and the reminders sent.
    @discardableResult
    public func sweep(now: Date = Date()) async throws -> (overdue: Int, reminders: Int) {
        var overdue = 0, reminders = 0
        while true {
            let count = try await outbox.transaction { unit in
                let due = try await unit.session.query("""
                    WITH due AS (
                        SELECT r.incident_id, r.stage_id, r.due_at FROM incident_reports r JOIN incidents i ON i.id = r.incident_id
                        WHERE i.status = 'open' AND r.first_submitted_at IS NULL AND r.due_at IS NOT NULL AND r.due_at < $1
                          AND NOT EXISTS (SELECT 1 FROM incident_deadline_notices n WHERE n.incident_id = r.incident_id AND n.stage_id = r.stage_id
                                          AND n.notice = 'overdue' AND n.due_at = r.due_at)
                        ORDER BY r.due_at LIMIT $2),
                    noticed AS (
                        INSERT INTO incident_deadline_notices (incident_id, stage_id, notice, due_at) SELECT incident_id, stage_id, 'overdue', due_at FROM due
                        ON CONFLICT DO NOTHING RETURNING incident_id, stage_id)
                    UPDATE incident_reports r SET overdue_at = $1 FROM noticed n WHERE r.incident_id = n.incident_id AND r.stage_id = n.stage_id
                    RETURNING r.incident_id, r.stage_id
                    """, now, Self.batchSize)
                for row in due {
                    try await emails.send(.overdue, incidentID: try row.decode("incident_id"), stageID: try row.decode("stage_id"), unit: unit)
                    try await Webhooks.publishIncident(.incidentReportOverdue, incidentID: try row.decode("incident_id"),
                                                       extra: ["stage_id": try row.decode("stage_id", as: UUID.self)], unit: unit)
                }
                return due.count
            }
            overdue += count
            if count < Self.batchSize { break }
        }
        while true {
            let count = try await outbox.transaction { unit in
                let due = try await unit.session.query("""
                    WITH due AS (
                        SELECT r.incident_id, r.stage_id, sr.id AS reminder_id, sr.template_id, r.due_at
                        FROM incident_reports r JOIN incidents i ON i.id = r.incident_id JOIN stage_reminders sr ON sr.stage_id = r.stage_id
                        WHERE i.status = 'open' AND r.first_submitted_at IS NULL AND r.due_at IS NOT NULL
                          AND r.due_at + make_interval(hours => sr.offset_hours) <= $1 AND (sr.offset_hours >= 0 OR r.due_at > $1)
                          AND NOT EXISTS (SELECT 1 FROM incident_deadline_notices n WHERE n.incident_id = r.incident_id AND n.stage_id = r.stage_id
                                          AND n.notice = sr.id::text AND n.due_at = r.due_at)
                        ORDER BY r.due_at LIMIT $2),
                    noticed AS (
                        INSERT INTO incident_deadline_notices (incident_id, stage_id, notice, due_at)
                        SELECT incident_id, stage_id, reminder_id::text, due_at FROM due ON CONFLICT DO NOTHING RETURNING incident_id, stage_id, notice)
                    SELECT d.incident_id, d.stage_id, d.template_id FROM due d JOIN noticed n
                        ON n.incident_id = d.incident_id AND n.stage_id = d.stage_id AND n.notice = d.reminder_id::text
                    """, now, Self.batchSize)
                for row in due {
                    try await emails.send(.reminder, incidentID: try row.decode("incident_id"), stageID: try row.decode("stage_id"),
                                          template: try row.decode("template_id"), unit: unit)
                }
                return due.count
            }
            reminders += count
            if count < Self.batchSize { break }
        }
        if overdue + reminders > 0 {
            logger.info("deadline sweep", metadata: ["overdue": "\(overdue)", "reminders": "\(reminders)"])
        }
        return (overdue, reminders)
    }
}
