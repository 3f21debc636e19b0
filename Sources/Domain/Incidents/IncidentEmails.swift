import Foundation
import Mail
import Postgres

/// The e-mails of an incident's events, written by the regulator's templates and sent through
/// the outbox of the transaction that made the event.
///
/// Recipients: the account that notified, the contact and technical contact typed in the
/// notification, the operator's address and its approved administrators, the regulator's
/// notification address, its administrators and its staff whose sectors meet the incident's,
/// and, for openings and submissions, the observers the incident is routed to (their address and
/// their members). Each recipient gets their own message, so no one learns who else was told.
/// The body holds every language the template is written in, English first.
struct IncidentEmails {
    let sender: MailAddress
    let links: FrontendLinks

    /// Sends the `event` e-mail of the incident if its workflow (or report type, for
    /// submissions) has a template for it; `stageID` names the report concerned, `template` a
    /// reminder's own template; `review` the outcome and comment a review status e-mail tells.
    func send(_ event: EmailEvent, incidentID: UUID, stageID: UUID? = nil, template reminderTemplate: UUID? = nil,
              review: (status: ReviewStatus, comment: String)? = nil, unit: UnitOfWork) async throws {
        let session = unit.session
        guard let facts = try await session.query("""
            SELECT i.reference, i.notifier_name, i.operator_id IS NULL AND i.notifier_regulator_id IS NULL AS independent, i.time_zone,
                   i.detected_at, i.notified_at, i.cross_border,
                   g.name::text AS regulator, r.label::text AS regulation, w.name::text AS workflow,
                   rt.label::text AS report, ir.due_at,
                   CASE $2 WHEN 'opening' THEN w.opening_template_id WHEN 'closing' THEN w.closing_template_id
                           WHEN 'reviewStatus' THEN w.review_status_template_id WHEN 'overdue' THEN w.overdue_template_id
                           WHEN 'submission' THEN rt.submission_template_id WHEN 'reminder' THEN $4 END AS template_id
            FROM incidents i
            JOIN regulators g ON g.id = i.regulator_id JOIN regulations r ON r.id = i.regulation_id
            JOIN notification_workflows w ON w.id = i.workflow_id
            LEFT JOIN LATERAL (SELECT * FROM incident_reports x WHERE x.incident_id = i.id
                               AND (x.stage_id = $3 OR ($3::uuid IS NULL AND x.first_submitted_at IS NULL))
                               ORDER BY x.position LIMIT 1) ir ON true
            LEFT JOIN report_types rt ON rt.id = ir.report_type_id
            WHERE i.id = $1
            """, incidentID, event.rawValue, stageID, reminderTemplate).first,
              let templateID = try facts.decode("template_id", as: UUID?.self),
              let templateRow = try await session.query("SELECT \(EmailTemplate.columns) FROM incident_email_templates t WHERE t.id = $1",
                                                        templateID).first else { return }
        let template = try EmailTemplate(row: templateRow)
        let zone = TimeZone(identifier: try facts.decode("time_zone")) ?? .gmt
        let names = (regulator: try LanguageMap.parse(try facts.decode("regulator")), regulation: try LanguageMap.parse(try facts.decode("regulation")),
                     workflow: try LanguageMap.parse(try facts.decode("workflow")),
                     report: try facts.decode("report", as: String?.self).map(LanguageMap.parse) ?? LanguageMap([:]))
        let crossBorder: Bool = try facts.decode("cross_border")
        let dueAt: Date? = try facts.decode("due_at")
        let detectedAt: Date? = try facts.decode("detected_at")
        let notifiedAt: Date = try facts.decode("notified_at")
        let reference: String = try facts.decode("reference")
        let notifierName: String = try facts.decode("notifier_name")
        let independent: Bool = try facts.decode("independent")
        let languages = Language.allCases.filter { $0 == .en || template.content.values[$0.rawValue] != nil }
        let rendered = languages.map { language in
            let dates = DocumentDates(zone: zone, language: language)
            return (language, template.render(in: language, values: [
                "reference": reference, "operator": Incident.shownNotifierName(notifierName, isIndependent: independent, in: language),
                "regulator": names.regulator.text(in: language), "regulation": names.regulation.text(in: language),
                "workflow": names.workflow.text(in: language), "report": names.report.text(in: language),
                "deadline": dueAt.map(dates.format) ?? "", "notificationDate": dates.format(notifiedAt),
                "detectionDate": detectedAt.map(dates.format) ?? "", "timeZone": zone.identifier,
                "crossBorder": Self.yesNo(crossBorder, language),
                "reviewStatus": review.map { $0.status.words.text(in: language) } ?? "",
                "reviewComment": review?.comment ?? "",
                "link": links.incident(incidentID),
            ]))
        }
        let html = rendered.count == 1 ? rendered[0].1.html : rendered.map { "<h2>\($0.0.name)</h2>\($0.1.html)" }.joined(separator: "<hr>")
        let text = rendered.count == 1 ? rendered[0].1.text : rendered.map { "[\($0.0.name)]\n\n\($0.1.text)" }.joined(separator: "\n\n---\n\n")
        let includingObservers = event == .opening || event == .submission
        let addresses = try await recipients(incidentID, includingObservers: includingObservers, session: session)
        for recipient in addresses {
            try await unit.sendEmail(OutgoingEmail(to: [MailAddress(recipient)], subject: rendered[0].1.subject, text: text, html: html), from: sender)
        }
        guard includingObservers else { return }
        // Observers with a Request Tracker get a ticket (or correspondence on it) instead; their
        // addresses get the e-mail only if RT does not take it.
        let told = Set(addresses)
        for (observerID, fallback) in try await ticketingObservers(incidentID, session: session) {
            try await RequestTracker.enqueue(incidentID: incidentID, observerID: observerID, subject: rendered[0].1.subject, html: html, text: text,
                                             fallback: fallback.filter { !told.contains($0) }, unit: unit)
        }
    }

    /// The incident's observers with a Request Tracker, each with its valid addresses.
    func ticketingObservers(_ incidentID: UUID, session: PostgresSession) async throws -> [(UUID, [String])] {
        let rows = try await session.query("""
            SELECT io.observer_id, array_remove(array_cat(ARRAY[b.notification_email],
                       ARRAY(SELECT u.email FROM observer_memberships m JOIN users u ON u.id = m.user_id AND u.is_active
                             WHERE m.observer_id = io.observer_id ORDER BY u.email)), NULL) AS emails
            FROM incident_observers io JOIN observers b ON b.id = io.observer_id
            JOIN observer_ticketing t ON t.observer_id = io.observer_id
            WHERE io.incident_id = $1 ORDER BY io.observer_id
            """, incidentID)
        return try rows.map { row in
            var seen = Set<String>()
            let emails = try row.decode("emails", as: [String].self).map(User.normalize(email:))
                .filter { TextRules.isEmail($0) && seen.insert($0).inserted }
            return (try row.decode("observer_id", as: UUID.self), emails)
        }
    }

    /// Observers with a Request Tracker are told through it (``RequestTracker``), not by e-mail.
    static let withoutTicketing = "NOT EXISTS (SELECT 1 FROM observer_ticketing t WHERE t.observer_id = io.observer_id)"

    /// Every distinct, valid address to tell about the incident by e-mail.
    func recipients(_ incidentID: UUID, includingObservers: Bool, session: PostgresSession) async throws -> [String] {
        let rows = try await session.query("""
            WITH i AS (SELECT * FROM incidents WHERE id = $1)
            SELECT u.email FROM i JOIN users u ON u.id = i.notifier_user_id AND u.is_active
            UNION ALL SELECT i.contact->>'email' FROM i
            UNION ALL SELECT i.technical_contact->>'email' FROM i
            UNION ALL SELECT o.email FROM i JOIN operators o ON o.id = i.operator_id
            UNION ALL SELECT u.email FROM i JOIN operator_memberships m ON m.operator_id = i.operator_id AND m.is_administrator AND m.approved_at IS NOT NULL
                      JOIN users u ON u.id = m.user_id AND u.is_active
            UNION ALL SELECT g.notification_email FROM i JOIN regulators g ON g.id = i.regulator_id
            UNION ALL SELECT u.email FROM i JOIN regulator_memberships m ON m.regulator_id = i.regulator_id JOIN users u ON u.id = m.user_id AND u.is_active
                      WHERE m.is_administrator OR EXISTS (SELECT 1 FROM regulator_membership_sectors ms JOIN incident_sectors s ON s.sector_id = ms.sector_id
                                                          WHERE ms.user_id = m.user_id AND s.incident_id = i.id)
            UNION ALL SELECT b.notification_email FROM i JOIN incident_observers io ON io.incident_id = i.id JOIN observers b ON b.id = io.observer_id
                      WHERE $2 AND \(Self.withoutTicketing)
            UNION ALL SELECT u.email FROM i JOIN incident_observers io ON io.incident_id = i.id JOIN observer_memberships m ON m.observer_id = io.observer_id
                      JOIN users u ON u.id = m.user_id AND u.is_active WHERE $2 AND \(Self.withoutTicketing)
            """, incidentID, includingObservers)
        var seen = Set<String>()
        return try rows.compactMap { row -> String? in
            guard let email = try row.decode("email", as: String?.self).map({ User.normalize(email: $0) }), TextRules.isEmail(email),
                  seen.insert(email).inserted else { return nil }
            return email
        }
    }

    /// "yes" or "no" in `language`, from the documents' catalogue.
    static func yesNo(_ value: Bool, _ language: Language) -> String {
        (value ? DocumentText.yes : .no).text(in: language).lowercased()
    }
}

extension Language {
    /// The language's own name.
    var name: String {
        switch self {
        case .en: return "English"
        case .fr: return "Français"
        case .nl: return "Nederlands"
        case .de: return "Deutsch"
        }
    }
}
