import Foundation
import Postgres

extension IncidentConfiguration {
    // MARK: Report types

    public func reportTypes(_ principal: Principal) async throws -> [ReportType] {
        let regulatorID = try readableRegulator(principal)
        return try await postgres.query("SELECT \(ReportType.columns) FROM report_types rt WHERE rt.regulator_id = $1 ORDER BY lower(rt.name), rt.id",
                                        regulatorID).map(ReportType.init(row:))
    }

    public func reportType(_ principal: Principal, id: UUID) async throws -> ReportType {
        let regulatorID = try readableRegulator(principal, object: "report type")
        return try await postgres.withSession { try await loadReportType(id, regulatorID: regulatorID, session: $0) }
    }

    /// Creates (`id == nil`) or replaces a report type (not its questionnaire).
    public func saveReportType(_ principal: Principal, id: UUID?, _ input: ReportTypeInput, client: ClientInfo) async throws -> ReportType {
        let regulatorID = try writableRegulator(principal, object: id == nil ? nil : "report type")
        var validator = Validator()
        let name = validator.text(input.name, "name", required: true, maximumLength: 255)
        let label = validator.languageMap(input.label, "label", required: true, maximumLength: 255)
        let description = validator.languageMap(input.description, "description", required: false, maximumLength: 10_000)
        try validator.throwIfInvalid()
        let reportTypeID = id ?? UUID()
        return try await mappingConflicts(duplicate: "Another report type is already named \(name!).") {
            try await postgres.withTransaction { session in
                if let templateID = input.submissionTemplateID {
                    try await Self.checkTemplate(templateID, event: .submission, field: "submission_template_id", regulatorID: regulatorID,
                                                 session: session)
                }
                let rows = if id == nil {
                    try await session.query("""
                        INSERT INTO report_types (id, regulator_id, name, label, description, impacts_needed, submission_template_id)
                        VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7) RETURNING id
                        """, reportTypeID, regulatorID, name!, label.json, description.json, input.impactsNeeded, input.submissionTemplateID)
                } else {
                    try await session.query("""
                        UPDATE report_types SET name = $3, label = $4::jsonb, description = $5::jsonb, impacts_needed = $6,
                            submission_template_id = $7, updated_at = now()
                        WHERE id = $1 AND regulator_id = $2 RETURNING id
                        """, reportTypeID, regulatorID, name!, label.json, description.json, input.impactsNeeded, input.submissionTemplateID)
                }
                guard rows.count == 1 else { throw DomainError.notFound("No such report type.") }
                try await audit("report_type.\(id == nil ? "created" : "updated")", principal, objectType: "report_type",
                                objectID: reportTypeID, regulatorID: regulatorID, client: client, in: session)
                return try await loadReportType(reportTypeID, regulatorID: regulatorID, session: session)
            }
        }
    }

    public func deleteReportType(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await deleteOwned(principal, table: "report_types", objectType: "report_type", noun: "report type", id: id,
                              inUse: "The report type is a report of a notification workflow; take it out there first.", client: client)
    }

    private func loadReportType(_ id: UUID, regulatorID: UUID, session: PostgresSession) async throws -> ReportType {
        guard let row = try await session.query("SELECT \(ReportType.columns) FROM report_types rt WHERE rt.id = $1 AND rt.regulator_id = $2",
                                                id, regulatorID).first else { throw DomainError.notFound("No such report type.") }
        return try ReportType(row: row)
    }

    // MARK: Questionnaires

    public func questionnaire(_ principal: Principal, reportTypeID: UUID) async throws -> Questionnaire {
        let regulatorID = try readableRegulator(principal, object: "report type")
        return try await postgres.withSession { session in
            _ = try await loadReportType(reportTypeID, regulatorID: regulatorID, session: session)
            return try await Self.currentQuestionnaire(reportTypeID, session: session)
        }
    }

    /// Replaces a report type's questionnaire: categories in order, questions in order within
    /// each, a question at most once. Versions already submitted keep the snapshot they answered.
    public func setQuestionnaire(_ principal: Principal, reportTypeID: UUID, _ sections: [QuestionnaireSectionInput],
                                 client: ClientInfo) async throws -> Questionnaire {
        let regulatorID = try writableRegulator(principal, object: "report type")
        var validator = Validator()
        let categoryIDs = sections.map(\.categoryID)
        let questionIDs = sections.flatMap { $0.questions.map(\.questionID) }
        validator.check(Set(categoryIDs).count == categoryIDs.count, "sections", "duplicate", "A category appears once in a questionnaire.")
        validator.check(Set(questionIDs).count == questionIDs.count, "sections", "duplicate", "A question appears once in a questionnaire.")
        validator.check(sections.count <= 50, "sections", "too_many", "A questionnaire has at most 50 categories.")
        validator.check(questionIDs.count <= 500, "sections", "too_many", "A questionnaire has at most 500 questions.")
        for (index, section) in sections.enumerated() {
            validator.check(!section.questions.isEmpty, "sections[\(index)].questions", "required", "A category of a questionnaire has questions.")
        }
        try validator.throwIfInvalid()
        return try await postgres.withTransaction { session in
            guard try await session.query("SELECT 1 FROM report_types WHERE id = $1 AND regulator_id = $2 FOR UPDATE",
                                          reportTypeID, regulatorID).count == 1 else { throw DomainError.notFound("No such report type.") }
            var errors: [FieldError] = []
            let foreignCategories = Set(try await Self.foreign(Array(Set(categoryIDs)), in: "question_categories", regulatorID: regulatorID,
                                                               session: session))
            let foreignQuestions = Set(try await Self.foreign(Array(Set(questionIDs)), in: "questions", regulatorID: regulatorID, session: session))
            for (index, section) in sections.enumerated() {
                if foreignCategories.contains(section.categoryID) {
                    errors.append(FieldError(field: "sections[\(index)].category_id", code: "not_found", message: "No such question category."))
                }
                for (position, item) in section.questions.enumerated() where foreignQuestions.contains(item.questionID) {
                    errors.append(FieldError(field: "sections[\(index)].questions[\(position)].question_id", code: "not_found",
                                             message: "No such question."))
                }
            }
            guard errors.isEmpty else { throw DomainError.validation(errors) }
            try await session.query("DELETE FROM questionnaire_items WHERE report_type_id = $1", reportTypeID)
            for (categoryPosition, section) in sections.enumerated() {
                for (position, item) in section.questions.enumerated() {
                    try await session.query("""
                        INSERT INTO questionnaire_items (report_type_id, regulator_id, question_id, category_id, category_position, position, mandatory)
                        VALUES ($1, $2, $3, $4, $5, $6, $7)
                        """, reportTypeID, regulatorID, item.questionID, section.categoryID, categoryPosition, position, item.mandatory)
                }
            }
            try await session.query("UPDATE report_types SET updated_at = now() WHERE id = $1", reportTypeID)
            try await audit("report_type.questionnaire_set", principal, objectType: "report_type", objectID: reportTypeID,
                            regulatorID: regulatorID, client: client, in: session)
            return try await Self.currentQuestionnaire(reportTypeID, session: session)
        }
    }

    /// The report type's questionnaire as it stands.
    static func currentQuestionnaire(_ reportTypeID: UUID, session: PostgresSession) async throws -> Questionnaire {
        let rows = try await session.query("""
            SELECT qi.category_id, c.label::text AS category_label, qi.mandatory, \(Question.columns)
            FROM questionnaire_items qi
            JOIN question_categories c ON c.id = qi.category_id
            JOIN questions q ON q.id = qi.question_id
            WHERE qi.report_type_id = $1 ORDER BY qi.category_position, qi.position
            """, reportTypeID)
        var sections: [Questionnaire.Section] = []
        for row in rows {
            let categoryID = try row.decode("category_id", as: UUID.self)
            let question = try Question(row: row)
            let item = Questionnaire.Item(questionID: question.id, reference: question.reference, kind: question.kind, label: question.label,
                                          tooltip: question.tooltip, options: question.options, mandatory: try row.decode("mandatory"))
            if sections.last?.categoryID == categoryID {
                sections[sections.count - 1].items.append(item)
            } else {
                sections.append(Questionnaire.Section(categoryID: categoryID, label: try LanguageMap.parse(try row.decode("category_label")),
                                                      items: [item]))
            }
        }
        return Questionnaire(sections: sections)
    }

    /// The snapshot of the report type's current questionnaire, made once per distinct content:
    /// what a report version records when it is submitted.
    static func snapshotQuestionnaire(_ reportTypeID: UUID, session: PostgresSession) async throws -> (id: UUID, questionnaire: Questionnaire) {
        let questionnaire = try await currentQuestionnaire(reportTypeID, session: session)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let content = try encoder.encode(questionnaire)
        let hash = SHA256.hex(content)
        // DO UPDATE (of nothing) rather than DO NOTHING: the existing row is returned, also when a
        // concurrent transaction made it meanwhile.
        let row = try await session.query("""
            INSERT INTO questionnaire_snapshots (id, report_type_id, content_hash, content) VALUES ($1, $2, $3, $4::jsonb)
            ON CONFLICT (report_type_id, content_hash) DO UPDATE SET content_hash = excluded.content_hash RETURNING id
            """, UUID(), reportTypeID, hash, String(decoding: content, as: UTF8.self)).required()
        return (try row.decode("id"), questionnaire)
    }

    /// A stored snapshot, exactly as it was made.
    static func questionnaireSnapshot(_ id: UUID, session: PostgresSession) async throws -> Questionnaire {
        guard let row = try await session.query("SELECT content::text AS content FROM questionnaire_snapshots WHERE id = $1", id).first else {
            throw DomainError.notFound("No such questionnaire snapshot.")
        }
        return try JSONDecoder().decode(Questionnaire.self, from: Data(try row.decode("content", as: String.self).utf8))
    }

    /// - Throws: 422 on `field` unless the template is the regulator's and written for `event`.
    static func checkTemplate(_ id: UUID, event: EmailEvent, field: String, regulatorID: UUID, session: PostgresSession) async throws {
        guard let row = try await session.query("SELECT event FROM incident_email_templates WHERE id = $1 AND regulator_id = $2",
                                                id, regulatorID).first else {
            throw DomainError.validation([FieldError(field: field, code: "not_found", message: "No such e-mail template.")])
        }
        let actual = try row.decode("event", as: String.self)
        guard actual == event.rawValue else {
            throw DomainError.validation([FieldError(field: field, code: "wrong_event",
                                                     message: "This template is written for \(actual) e-mails; choose a \(event.rawValue) template.")])
        }
    }
}
