import Foundation
import Postgres

/// What starts a report's deadline clock.
public enum DeadlineTrigger: String, Sendable, CaseIterable, Codable {
    /// No deadline.
    case none
    /// The incident's notification (its creation).
    case notification
    /// The incident's detection.
    case detection
    /// The first submission of the previous report of the workflow.
    case previousReportSubmitted
}

/// For one regulation and regulator (and some leaf sectors, or none for "asectorial"), the
/// reports an operator files, in order, with their deadlines and reminders.
public struct NotificationWorkflow: Sendable, Equatable {
    public struct Reminder: Sendable, Equatable, Codable {
        public let id: UUID
        public var templateID: UUID
        /// Hours after (positive) or before (negative) the report's due time.
        public var offsetHours: Int

        enum CodingKeys: String, CodingKey {
            case id, templateID = "template_id", offsetHours = "offset_hours"
        }
    }

    public struct Stage: Sendable, Equatable, Codable {
        public let id: UUID
        public var reportTypeID: UUID
        public var position: Int
        public var trigger: DeadlineTrigger
        public var delayHours: Int
        public var reminders: [Reminder]

        enum CodingKeys: String, CodingKey {
            case id, reportTypeID = "report_type_id", position, trigger, delayHours = "delay_hours", reminders
        }
    }

    public let id: UUID
    public let regulatorID: UUID
    public var regulationID: UUID
    public var name: LanguageMap
    public var detectionDateNeeded: Bool
    public var sectorIDs: [UUID]
    public var openingTemplateID: UUID?
    public var closingTemplateID: UUID?
    public var reviewStatusTemplateID: UUID?
    public var overdueTemplateID: UUID?
    public var stages: [Stage]
    public var createdAt: Date
    public var updatedAt: Date

    static let columns = """
        w.id, w.regulator_id, w.regulation_id, w.name::text AS name, w.detection_date_needed, w.opening_template_id, w.closing_template_id,
        w.review_status_template_id, w.overdue_template_id, w.created_at, w.updated_at,
        ARRAY(SELECT ws.sector_id FROM notification_workflow_sectors ws WHERE ws.workflow_id = w.id ORDER BY ws.sector_id) AS sector_ids,
        coalesce((SELECT json_agg(json_build_object(
                    'id', s.id, 'report_type_id', s.report_type_id, 'position', s.position, 'trigger', s.trigger, 'delay_hours', s.delay_hours,
                    'reminders', coalesce((SELECT json_agg(json_build_object('id', r.id, 'template_id', r.template_id, 'offset_hours', r.offset_hours)
                                                           ORDER BY r.offset_hours)
                                           FROM stage_reminders r WHERE r.stage_id = s.id), '[]')) ORDER BY s.position)
                  FROM report_stages s WHERE s.workflow_id = w.id), '[]')::text AS stages
        """

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        regulatorID = try row.decode("regulator_id")
        regulationID = try row.decode("regulation_id")
        name = try LanguageMap.parse(try row.decode("name"))
        detectionDateNeeded = try row.decode("detection_date_needed")
        sectorIDs = try row.decode("sector_ids")
        openingTemplateID = try row.decode("opening_template_id")
        closingTemplateID = try row.decode("closing_template_id")
        reviewStatusTemplateID = try row.decode("review_status_template_id")
        overdueTemplateID = try row.decode("overdue_template_id")
        stages = try JSONDecoder().decode([Stage].self, from: Data(try row.decode("stages", as: String.self).utf8))
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }
}

/// A workflow as written: every field but its reports (creation and replacement).
public struct NotificationWorkflowInput: Sendable {
    public var name: LanguageMap
    public var regulationID: UUID
    public var sectorIDs: [UUID]
    public var detectionDateNeeded: Bool
    public var openingTemplateID: UUID?
    public var closingTemplateID: UUID?
    public var reviewStatusTemplateID: UUID?
    public var overdueTemplateID: UUID?

    public init(name: LanguageMap, regulationID: UUID, sectorIDs: [UUID] = [], detectionDateNeeded: Bool = false, openingTemplateID: UUID? = nil,
                closingTemplateID: UUID? = nil, reviewStatusTemplateID: UUID? = nil, overdueTemplateID: UUID? = nil) {
        self.name = name
        self.regulationID = regulationID
        self.sectorIDs = sectorIDs
        self.detectionDateNeeded = detectionDateNeeded
        self.openingTemplateID = openingTemplateID
        self.closingTemplateID = closingTemplateID
        self.reviewStatusTemplateID = reviewStatusTemplateID
        self.overdueTemplateID = overdueTemplateID
    }
}

/// A report of a workflow as written, in order.
public struct StageInput: Sendable {
    public var reportTypeID: UUID
    public var trigger: DeadlineTrigger
    public var delayHours: Int
    public var reminders: [(templateID: UUID, offsetHours: Int)]

    public init(reportTypeID: UUID, trigger: DeadlineTrigger, delayHours: Int = 0, reminders: [(templateID: UUID, offsetHours: Int)] = []) {
        self.reportTypeID = reportTypeID
        self.trigger = trigger
        self.delayHours = delayHours
        self.reminders = reminders
    }
}
