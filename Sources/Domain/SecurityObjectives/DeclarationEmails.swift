import Foundation
import Mail
import Postgres

/// The e-mails of a declaration's submission and verdict, written by the templates its standard
/// names and sent through the outbox of the transaction that made the event (never inside the
/// request, never twice). A standard without a template for the event sends nothing.
///
/// Recipients, each in their own message: the operator's address and its approved members, the
/// regulator's notification address, its administrators, and its staff whose sectors meet the
/// declaration's.
struct DeclarationEmails: Sendable {
    let sender: MailAddress
    let links: FrontendLinks

    func send(_ event: EmailEvent, declarationID: UUID, reviewStatus: DeclarationStatus? = nil, unit: UnitOfWork) async throws {
        let session = unit.session
        guard let facts = try await session.query("""
            SELECT g.reference, d.operator_name, d.year, s.label::text AS standard, r.name::text AS regulator, rg.label::text AS regulation,
                   CASE $2 WHEN 'declarationSubmission' THEN s.submission_template_id ELSE s.review_template_id END AS template_id
            FROM declarations d JOIN declaration_groups g ON g.id = d.group_id JOIN standards s ON s.id = d.standard_id
            JOIN regulators r ON r.id = d.regulator_id JOIN regulations rg ON rg.id = s.regulation_id
            WHERE d.id = $1
            """, declarationID, event.rawValue).first,
              let templateID = try facts.decode("template_id", as: UUID?.self),
              let templateRow = try await session.query("SELECT \(EmailTemplate.columns) FROM incident_email_templates t WHERE t.id = $1",
                                                        templateID).first else { return }
        let template = try EmailTemplate(row: templateRow)
        let standard = try LanguageMap.parse(try facts.decode("standard"))
        let regulator = try LanguageMap.parse(try facts.decode("regulator"))
        let regulation = try LanguageMap.parse(try facts.decode("regulation"))
        let reference: String = try facts.decode("reference"), operatorName: String = try facts.decode("operator_name")
        let year: Int = try facts.decode("year")
        let languages = Language.allCases.filter { $0 == .en || template.content.values[$0.rawValue] != nil }
        let rendered = languages.map { language in
            (language, template.render(in: language, values: [
                "reference": reference, "operator": operatorName,
                "regulator": regulator.text(in: language), "regulation": regulation.text(in: language), "standard": standard.text(in: language),
                "year": String(year), "reviewStatus": reviewStatus.map { Self.label($0, language) } ?? "",
                "link": links.declaration(declarationID),
            ]))
        }
        let html = rendered.count == 1 ? rendered[0].1.html : rendered.map { "<h2>\($0.0.name)</h2>\($0.1.html)" }.joined(separator: "<hr>")
        let text = rendered.count == 1 ? rendered[0].1.text : rendered.map { "[\($0.0.name)]\n\n\($0.1.text)" }.joined(separator: "\n\n---\n\n")
        for recipient in try await recipients(declarationID, session: session) {
            try await unit.sendEmail(OutgoingEmail(to: [MailAddress(recipient)], subject: rendered[0].1.subject, text: text, html: html),
                                     from: sender)
        }
    }

    /// Every distinct, valid address to tell about the declaration.
    func recipients(_ declarationID: UUID, session: PostgresSession) async throws -> [String] {
        let rows = try await session.query("""
            WITH d AS (SELECT * FROM declarations WHERE id = $1)
            SELECT o.email FROM d JOIN operators o ON o.id = d.operator_id
            UNION ALL SELECT u.email FROM d JOIN operator_memberships m ON m.operator_id = d.operator_id AND m.approved_at IS NOT NULL
                      JOIN users u ON u.id = m.user_id AND u.is_active
            UNION ALL SELECT g.notification_email FROM d JOIN regulators g ON g.id = d.regulator_id
            UNION ALL SELECT u.email FROM d JOIN regulator_memberships m ON m.regulator_id = d.regulator_id JOIN users u ON u.id = m.user_id AND u.is_active
                      WHERE m.is_administrator OR EXISTS (SELECT 1 FROM regulator_membership_sectors ms JOIN declaration_sectors s ON s.sector_id = ms.sector_id
                                                          WHERE ms.user_id = m.user_id AND s.declaration_id = d.id)
            """, declarationID)
        var seen = Set<String>()
        return try rows.compactMap { row -> String? in
            guard let email = try row.decode("email", as: String?.self).map({ User.normalize(email: $0) }), TextRules.isEmail(email),
                  seen.insert(email).inserted else { return nil }
            return email
        }
    }

    /// A verdict in the e-mail's language.
    /// The verdict in words of `language`, the same as in review e-mails of incidents and in PDFs.
    static func label(_ status: DeclarationStatus, _ language: Language) -> String {
        (status == .passed || status == .passedPending ? DocumentText.passed : .revisionRequired).text(in: language)
    }
}
