import Foundation
import Postgres

extension IncidentConfiguration {
    // MARK: E-mail templates

    public func emailTemplates(_ principal: Principal, event: EmailEvent? = nil) async throws -> [EmailTemplate] {
        let regulatorID = try readableRegulator(principal)
        return try await postgres.query("""
            SELECT \(EmailTemplate.columns) FROM incident_email_templates t
            WHERE t.regulator_id = $1 AND ($2::text IS NULL OR t.event = $2) ORDER BY lower(t.name), t.id
            """, regulatorID, event?.rawValue).map(EmailTemplate.init(row:))
    }

    public func emailTemplate(_ principal: Principal, id: UUID) async throws -> EmailTemplate {
        let regulatorID = try readableRegulator(principal, object: "e-mail template")
        return try await postgres.withSession { try await loadTemplate(id, regulatorID: regulatorID, session: $0) }
    }

    /// Creates (`id == nil`) or replaces a template. Its event can change only while no
    /// workflow or report uses it for another event (409).
    public func saveEmailTemplate(_ principal: Principal, id: UUID?, _ input: EmailTemplateInput, client: ClientInfo) async throws -> EmailTemplate {
        let regulatorID = try writableRegulator(principal, object: id == nil ? nil : "e-mail template")
        var validator = Validator()
        let name = validator.text(input.name, "name", required: true, maximumLength: 255)
        validator.check(input.event != nil, "event", "required", "The event is required.")
        let subject = validator.languageMap(input.subject, "subject", required: true, maximumLength: 255)
        let content = validator.languageMap(input.content, "content", required: true, maximumLength: 10_000)
        validator.add(EmailTemplate.placeholderErrors(in: subject, field: "subject"))
        validator.add(EmailTemplate.placeholderErrors(in: content, field: "content"))
        try validator.throwIfInvalid()
        let templateID = id ?? UUID()
        return try await mappingConflicts(duplicate: "A template with this id exists.",
                                          inUse: "The template is used for its current event by a workflow, report type or reminder; keep its event.") {
            try await postgres.withTransaction { session in
                let rows = if id == nil {
                    try await session.query("""
                        INSERT INTO incident_email_templates (id, regulator_id, name, event, subject, content)
                        VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb) RETURNING id
                        """, templateID, regulatorID, name!, input.event!.rawValue, subject.json, content.json)
                } else {
                    try await session.query("""
                        UPDATE incident_email_templates SET name = $3, event = $4, subject = $5::jsonb, content = $6::jsonb, updated_at = now()
                        WHERE id = $1 AND regulator_id = $2 RETURNING id
                        """, templateID, regulatorID, name!, input.event!.rawValue, subject.json, content.json)
                }
                guard rows.count == 1 else { throw DomainError.notFound("No such e-mail template.") }
                try await audit("email_template.\(id == nil ? "created" : "updated")", principal, objectType: "email_template",
                                objectID: templateID, regulatorID: regulatorID, client: client, in: session)
                return try await loadTemplate(templateID, regulatorID: regulatorID, session: session)
            }
        }
    }

    public func deleteEmailTemplate(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await deleteOwned(principal, table: "incident_email_templates", objectType: "email_template", noun: "e-mail template", id: id,
                              inUse: "The template is used by a workflow, report type or reminder; choose another template there first.",
                              client: client)
    }

    /// The template rendered with sample values in `language` (``EmailTemplate/sampleValues(in:)``).
    public func previewEmailTemplate(_ principal: Principal, id: UUID, language: Language) async throws -> RenderedEmail {
        try await emailTemplate(principal, id: id).render(in: language, values: EmailTemplate.sampleValues(in: language))
    }

    private func loadTemplate(_ id: UUID, regulatorID: UUID, session: PostgresSession) async throws -> EmailTemplate {
        guard let row = try await session.query("""
            SELECT \(EmailTemplate.columns) FROM incident_email_templates t WHERE t.id = $1 AND t.regulator_id = $2
            """, id, regulatorID).first else { throw DomainError.notFound("No such e-mail template.") }
        return try EmailTemplate(row: row)
    }
}
