import Foundation
import Postgres

extension IncidentConfiguration {
    // MARK: Notification workflows

    public func workflows(_ principal: Principal, regulationID: UUID? = nil) async throws -> [NotificationWorkflow] {
        let regulatorID = try readableRegulator(principal)
        return try await postgres.query("""
            SELECT \(NotificationWorkflow.columns) FROM notification_workflows w
            WHERE w.regulator_id = $1 AND ($2::uuid IS NULL OR w.regulation_id = $2) ORDER BY lower(w.name->>'en'), w.id
            """, regulatorID, regulationID).map(NotificationWorkflow.init(row:))
    }

    public func workflow(_ principal: Principal, id: UUID) async throws -> NotificationWorkflow {
        let regulatorID = try readableRegulator(principal, object: "notification workflow")
        return try await postgres.withSession { try await loadWorkflow(id, regulatorID: regulatorID, session: $0) }
    }

    /// Creates (`id == nil`) or replaces a workflow (not its reports): a regulation the regulator
    /// is competent for, leaf sectors (none: asectorial), templates of the matching events.
    public func saveWorkflow(_ principal: Principal, id: UUID?, _ input: NotificationWorkflowInput,
                             client: ClientInfo) async throws -> NotificationWorkflow {
        let regulatorID = try writableRegulator(principal, object: id == nil ? nil : "notification workflow")
        var validator = Validator()
        let name = validator.languageMap(input.name, "name", required: true, maximumLength: 255)
        let sectorIDs = validator.distinct(input.sectorIDs, "sector_ids")
        try validator.throwIfInvalid()
        let workflowID = id ?? UUID()
        return try await postgres.withTransaction { session in
            try await Self.checkRegulations([input.regulationID], regulatorID: regulatorID, field: "regulation_id", session: session)
            try await Self.checkSectors(sectorIDs, field: "sector_ids", session: session)
            let templates: [(UUID?, EmailEvent, String)] = [
                (input.openingTemplateID, .opening, "opening_template_id"), (input.closingTemplateID, .closing, "closing_template_id"),
                (input.reviewStatusTemplateID, .reviewStatus, "review_status_template_id"), (input.overdueTemplateID, .overdue,
                                                                                             "overdue_template_id"),
            ]
            for case let (templateID?, event, field) in templates {
                try await Self.checkTemplate(templateID, event: event, field: field, regulatorID: regulatorID, session: session)
            }
            let bindings: [(any PostgresEncodable)?] = [workflowID, regulatorID, input.regulationID, name.json, input.detectionDateNeeded,
                                                         input.openingTemplateID, input.closingTemplateID, input.reviewStatusTemplateID,
                                                         input.overdueTemplateID]
            if id == nil {
                try await session.query("""
                    INSERT INTO notification_workflows (id, regulator_id, regulation_id, name, detection_date_needed, opening_template_id,
                        closing_template_id, review_status_template_id, overdue_template_id)
                    VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9)
                    """, bindings: bindings)
            } else {
                guard try await session.query("""
                    UPDATE notification_workflows SET regulation_id = $3, name = $4::jsonb, detection_date_needed = $5, opening_template_id = $6,
                        closing_template_id = $7, review_status_template_id = $8, overdue_template_id = $9, updated_at = now()
                    WHERE id = $1 AND regulator_id = $2 RETURNING id
                    """, bindings: bindings).count == 1 else { throw DomainError.notFound("No such notification workflow.") }
                try await session.query("DELETE FROM notification_workflow_sectors WHERE workflow_id = $1", workflowID)
            }
            try await session.query("INSERT INTO notification_workflow_sectors (workflow_id, sector_id) SELECT $1, unnest($2::uuid[])",
                                    workflowID, sectorIDs)
            try await audit("notification_workflow.\(id == nil ? "created" : "updated")", principal, objectType: "notification_workflow",
                            objectID: workflowID, regulatorID: regulatorID, client: client, in: session)
            return try await loadWorkflow(workflowID, regulatorID: regulatorID, session: session)
        }
    }

    /// Replaces a workflow's reports, in order, with their deadline rules and reminders. A
    /// report type keeps its stage id while it stays in the workflow.
    public func setStages(_ principal: Principal, workflowID: UUID, _ stages: [StageInput], client: ClientInfo) async throws -> NotificationWorkflow {
        let regulatorID = try writableRegulator(principal, object: "notification workflow")
        var validator = Validator()
        validator.check(stages.count <= 20, "reports", "too_many", "A workflow has at most 20 reports.")
        let reportTypeIDs = stages.map(\.reportTypeID)
        validator.check(Set(reportTypeIDs).count == reportTypeIDs.count, "reports", "duplicate", "A report type appears once in a workflow.")
        for (index, stage) in stages.enumerated() {
            let field = "reports[\(index)]"
            validator.check(index > 0 || stage.trigger != .previousReportSubmitted, "\(field).trigger", "no_previous_report",
                            "The first report has no previous report to follow.")
            if stage.trigger == .none {
                validator.check(stage.delayHours == 0, "\(field).delay_hours", "no_deadline",
                                "A report without a trigger has no deadline: leave the delay at 0.")
                validator.check(stage.reminders.isEmpty, "\(field).reminders", "no_deadline", "Reminders need a deadline: choose a trigger.")
            } else {
                // The reference took a delay of 0 as "due at the trigger", which made every report late.
                validator.check((1...87_600).contains(stage.delayHours), "\(field).delay_hours", "out_of_range",
                                "A deadline is 1 to 87,600 hours after its trigger.")
            }
            let offsets = stage.reminders.map(\.offsetHours)
            validator.check(stage.reminders.count <= 10, "\(field).reminders", "too_many", "A report has at most 10 reminders.")
            validator.check(Set(offsets).count == offsets.count, "\(field).reminders", "duplicate", "Two reminders of a report have the same offset.")
            for (position, offset) in offsets.enumerated() {
                validator.check((-8_760...8_760).contains(offset), "\(field).reminders[\(position)].offset_hours", "out_of_range",
                                "A reminder is at most 8,760 hours before or after the deadline.")
            }
        }
        try validator.throwIfInvalid()
        // A report incidents already have cannot leave the workflow (their deadlines are copied, so
        // other changes only concern incidents notified afterwards).
        return try await mappingConflicts(duplicate: "A report type appears once in a workflow.",
                                          inUse: "Incidents have a report you removed; keep it, or duplicate the workflow and change the copy.") {
            try await setStages(principal, regulatorID: regulatorID, workflowID: workflowID, stages, client: client)
        }
    }

    private func setStages(_ principal: Principal, regulatorID: UUID, workflowID: UUID, _ stages: [StageInput],
                           client: ClientInfo) async throws -> NotificationWorkflow {
        let reportTypeIDs = stages.map(\.reportTypeID)
        return try await postgres.withTransaction { session in
            guard try await session.query("SELECT 1 FROM notification_workflows WHERE id = $1 AND regulator_id = $2 FOR UPDATE",
                                          workflowID, regulatorID).count == 1 else { throw DomainError.notFound("No such notification workflow.") }
            var errors: [FieldError] = []
            let foreignTypes = Set(try await Self.foreign(reportTypeIDs, in: "report_types", regulatorID: regulatorID, session: session))
            let reminderTemplates = Array(Set(stages.flatMap { $0.reminders.map(\.templateID) }))
            let reminderEvents = Dictionary(uniqueKeysWithValues: try await session.query("""
                SELECT id, event FROM incident_email_templates WHERE id = ANY($1::uuid[]) AND regulator_id = $2
                """, reminderTemplates, regulatorID).map { (try $0.decode("id", as: UUID.self), try $0.decode("event", as: String.self)) })
            for (index, stage) in stages.enumerated() {
                if foreignTypes.contains(stage.reportTypeID) {
                    errors.append(FieldError(field: "reports[\(index)].report_type_id", code: "not_found", message: "No such report type."))
                }
                for (position, reminder) in stage.reminders.enumerated() where reminderEvents[reminder.templateID] != EmailEvent.reminder.rawValue {
                    errors.append(FieldError(field: "reports[\(index)].reminders[\(position)].template_id",
                                             code: reminderEvents[reminder.templateID] == nil ? "not_found" : "wrong_event",
                                             message: "Choose one of your reminder templates."))
                }
            }
            guard errors.isEmpty else { throw DomainError.validation(errors) }
            try await session.query("DELETE FROM report_stages WHERE workflow_id = $1 AND NOT (report_type_id = ANY($2::uuid[]))",
                                    workflowID, reportTypeIDs)
            for (position, stage) in stages.enumerated() {
                let stageID = try await session.query("""
                    INSERT INTO report_stages (id, workflow_id, regulator_id, report_type_id, position, trigger, delay_hours)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)
                    ON CONFLICT (workflow_id, report_type_id) DO UPDATE SET position = excluded.position, trigger = excluded.trigger,
                        delay_hours = excluded.delay_hours
                    RETURNING id
                    """, UUID(), workflowID, regulatorID, stage.reportTypeID, position, stage.trigger.rawValue, stage.delayHours)
                    .required().decode("id", as: UUID.self)
                try await session.query("DELETE FROM stage_reminders WHERE stage_id = $1", stageID)
                for reminder in stage.reminders {
                    try await session.query("""
                        INSERT INTO stage_reminders (id, stage_id, regulator_id, template_id, offset_hours) VALUES ($1, $2, $3, $4, $5)
                        """, UUID(), stageID, regulatorID, reminder.templateID, reminder.offsetHours)
                }
            }
            try await session.query("UPDATE notification_workflows SET updated_at = now() WHERE id = $1", workflowID)
            try await audit("notification_workflow.reports_set", principal, objectType: "notification_workflow", objectID: workflowID,
                            regulatorID: regulatorID, client: client, in: session)
            return try await loadWorkflow(workflowID, regulatorID: regulatorID, session: session)
        }
    }

    /// A copy of the workflow with its sectors, templates, reports and reminders; its name is
    /// suffixed " (copy)". The way to change a workflow whose reports are locked by incidents.
    public func duplicateWorkflow(_ principal: Principal, id: UUID, client: ClientInfo) async throws -> NotificationWorkflow {
        let regulatorID = try writableRegulator(principal, object: "notification workflow")
        return try await postgres.withTransaction { session in
            let original = try await loadWorkflow(id, regulatorID: regulatorID, session: session)
            let copyID = UUID()
            let name = LanguageMap(original.name.values.mapValues { String($0.prefix(255 - 7)) + " (copy)" })
            try await session.query("""
                INSERT INTO notification_workflows (id, regulator_id, regulation_id, name, detection_date_needed, opening_template_id,
                    closing_template_id, review_status_template_id, overdue_template_id)
                SELECT $2, regulator_id, regulation_id, $3::jsonb, detection_date_needed, opening_template_id, closing_template_id,
                    review_status_template_id, overdue_template_id
                FROM notification_workflows WHERE id = $1
                """, id, copyID, name.json)
            try await session.query("""
                INSERT INTO notification_workflow_sectors (workflow_id, sector_id) SELECT $2, sector_id FROM notification_workflow_sectors WHERE workflow_id = $1
                """, id, copyID)
            for stage in original.stages {
                let stageID = UUID()
                try await session.query("""
                    INSERT INTO report_stages (id, workflow_id, regulator_id, report_type_id, position, trigger, delay_hours)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)
                    """, stageID, copyID, regulatorID, stage.reportTypeID, stage.position, stage.trigger.rawValue, stage.delayHours)
                try await session.query("""
                    INSERT INTO stage_reminders (id, stage_id, regulator_id, template_id, offset_hours)
                    SELECT gen_random_uuid(), $2, regulator_id, template_id, offset_hours FROM stage_reminders WHERE stage_id = $1
                    """, stage.id, stageID)
            }
            try await audit("notification_workflow.created", principal, objectType: "notification_workflow", objectID: copyID,
                            regulatorID: regulatorID, client: client, in: session)
            return try await loadWorkflow(copyID, regulatorID: regulatorID, session: session)
        }
    }

    public func deleteWorkflow(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await deleteOwned(principal, table: "notification_workflows", objectType: "notification_workflow", noun: "notification workflow",
                              id: id, inUse: "Incidents were notified through this workflow; it stays for them.", client: client)
    }

    private func loadWorkflow(_ id: UUID, regulatorID: UUID, session: PostgresSession) async throws -> NotificationWorkflow {
        guard let row = try await session.query("""
            SELECT \(NotificationWorkflow.columns) FROM notification_workflows w WHERE w.id = $1 AND w.regulator_id = $2
            """, id, regulatorID).first else { throw DomainError.notFound("No such notification workflow.") }
        return try NotificationWorkflow(row: row)
    }
}
