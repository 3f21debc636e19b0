import Foundation
import Postgres

/// A year of incidents in figures, over what one view of the caller reaches: counts by sector,
/// regulation, notification type, significance and cross-border effect; how reports met their
/// deadlines; median times from detection to notification and to resolution.
public struct IncidentStatistics: Sendable, Equatable {
    public struct Count: Sendable, Equatable {
        /// The sector's or regulation's id, or the notification type.
        public var key: String
        public var label: LanguageMap
        public var incidents: Int
    }

    public var year: Int
    public var incidents: Int
    public var significant: Int
    public var crossBorder: Int
    public var bySector: [Count]
    public var byRegulation: [Count]
    public var byNotificationType: [Count]
    /// Reports with a deadline, first submitted by it.
    public var reportsOnTime: Int
    /// Reports with a deadline, first submitted after it.
    public var reportsLate: Int
    /// Reports past their deadline, not submitted.
    public var reportsOverdue: Int
    /// `reportsOnTime` over the three, when there is any.
    public var onTimeShare: Double? {
        let total = reportsOnTime + reportsLate + reportsOverdue
        return total == 0 ? nil : Double(reportsOnTime) / Double(total)
    }

    /// Hours from detection to notification, median over incidents with a detection time.
    public var medianHoursToNotification: Double?
    /// Hours from detection to resolution (the latest version's timeline), median over
    /// incidents with both.
    public var medianHoursToResolution: Double?

    /// The figures as CSV rows: `figure, key, label, value`.
    public func csv(_ language: Language) throws -> Data {
        func format(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "" }
        var rows: [[String]] = [
            ["year", "", "", String(year)], ["incidents", "", "", String(incidents)], ["significant", "", "", String(significant)],
            ["cross_border", "", "", String(crossBorder)],
        ]
        for (figure, counts) in [("sector", bySector), ("regulation", byRegulation), ("notification_type", byNotificationType)] {
            rows += counts.map { [figure, $0.key, $0.label.text(in: language), String($0.incidents)] }
        }
        rows += [
            ["reports_on_time", "", "", String(reportsOnTime)], ["reports_late", "", "", String(reportsLate)],
            ["reports_overdue", "", "", String(reportsOverdue)], ["on_time_share", "", "", format(onTimeShare)],
            ["median_hours_to_notification", "", "", format(medianHoursToNotification)],
            ["median_hours_to_resolution", "", "", format(medianHoursToResolution)],
        ]
        return try CSVTable.data(header: ["figure", "key", "label", "value"], rows: rows)
    }
}

extension IncidentQuery {
    /// The statistics of the incidents notified in `year` (UTC) that `view` reaches.
    ///
    /// - Throws: 403 for a view the caller does not have, 422 for a year out of range.
    public func statistics(_ principal: Principal, view: IncidentView, year: Int, now: Date = Date()) async throws -> IncidentStatistics {
        try principal.requireAccess(.incidentsRead)
        guard (2000...2100).contains(year) else {
            throw DomainError.validation([FieldError(field: "year", code: "out_of_range", message: "Give a year between 2000 and 2100.")])
        }
        let (scope, bindings) = try Self.scope(principal, view: view)
        let n = bindings.count
        let scoped = """
            WITH scoped AS (
                SELECT i.* FROM incidents i
                WHERE \(scope) AND i.notified_at >= make_timestamptz($\(n + 1), 1, 1, 0, 0, 0, 'UTC')
                  AND i.notified_at < make_timestamptz($\(n + 1) + 1, 1, 1, 0, 0, 0, 'UTC'))
            """
        let all = bindings + [year]
        return try await postgres.withTransaction { session in
            let totals = try await session.query("""
                \(scoped)
                SELECT count(*)::int AS incidents, count(*) FILTER (WHERE significant)::int AS significant,
                       count(*) FILTER (WHERE cross_border)::int AS cross_border,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM notified_at - detected_at) / 3600)
                           FILTER (WHERE detected_at IS NOT NULL) AS to_notification,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.resolved_at - s.detected_at) / 3600)
                           FILTER (WHERE s.detected_at IS NOT NULL AND r.resolved_at IS NOT NULL) AS to_resolution
                FROM scoped s
                LEFT JOIN LATERAL (SELECT v.resolved_at FROM report_versions v WHERE v.incident_id = s.id AND v.resolved_at IS NOT NULL
                                   ORDER BY v.submitted_at DESC LIMIT 1) r ON true
                """, bindings: all).required()
            let reports = try await session.query("""
                \(scoped)
                SELECT count(*) FILTER (WHERE r.first_submitted_at IS NOT NULL AND NOT r.late)::int AS on_time,
                       count(*) FILTER (WHERE r.first_submitted_at IS NOT NULL AND r.late)::int AS late,
                       count(*) FILTER (WHERE r.first_submitted_at IS NULL AND r.due_at < $\(n + 2))::int AS overdue
                FROM scoped s JOIN incident_reports r ON r.incident_id = s.id WHERE r.due_at IS NOT NULL
                """, bindings: all + [now]).required()
            let sectors = try await session.query("""
                \(scoped)
                SELECT x.sector_id::text AS key, CASE WHEN p.id IS NULL THEN sec.name
                         ELSE (SELECT jsonb_object_agg(k, (p.name->>k) || ' → ' || coalesce(sec.name->>k, sec.name->>'en'))
                               FROM jsonb_object_keys(p.name) k) END::text AS label, count(*)::int AS n
                FROM scoped s JOIN incident_sectors x ON x.incident_id = s.id JOIN sectors sec ON sec.id = x.sector_id
                LEFT JOIN sectors p ON p.id = sec.parent_id
                GROUP BY x.sector_id, sec.name, p.id, p.name ORDER BY n DESC, 2
                """, bindings: all)
            let regulations = try await session.query("""
                \(scoped)
                SELECT s.regulation_id::text AS key, r.label::text AS label, count(*)::int AS n
                FROM scoped s JOIN regulations r ON r.id = s.regulation_id GROUP BY s.regulation_id, r.label ORDER BY n DESC, 2
                """, bindings: all)
            let types = try await session.query("""
                \(scoped)
                SELECT notification_type AS key, count(*)::int AS n FROM scoped GROUP BY notification_type ORDER BY n DESC, 1
                """, bindings: all)
            func counts(_ rows: PostgresRows) throws -> [IncidentStatistics.Count] {
                try rows.map { .init(key: try $0.decode("key"), label: try LanguageMap.parse(try $0.decode("label")), incidents: try $0.decode("n")) }
            }
            let labels: [String: String] = ["incident": "Incident", "nearMiss": "Near miss", "cyberThreat": "Cyber threat"]
            return IncidentStatistics(
                year: year, incidents: try totals.decode("incidents"), significant: try totals.decode("significant"),
                crossBorder: try totals.decode("cross_border"), bySector: try counts(sectors), byRegulation: try counts(regulations),
                byNotificationType: try types.map { row in
                    let key: String = try row.decode("key")
                    return .init(key: key, label: LanguageMap(["en": labels[key] ?? key]), incidents: try row.decode("n"))
                },
                reportsOnTime: try reports.decode("on_time"), reportsLate: try reports.decode("late"), reportsOverdue: try reports.decode("overdue"),
                medianHoursToNotification: try totals.decode("to_notification"), medianHoursToResolution: try totals.decode("to_resolution"))
        }
    }
}
