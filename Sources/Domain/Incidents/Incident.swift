import Foundation
import Postgres

/// What an incident notification is about (NIS2 Art. 23 and 30).
public enum NotificationType: String, Sendable, CaseIterable, Codable {
    case incident, nearMiss, cyberThreat
}

/// A person to contact about an incident.
public struct IncidentContact: Sendable, Equatable, Codable {
    public var firstName: String
    public var lastName: String
    public var title: String
    public var email: String
    public var phone: String

    public init(firstName: String, lastName: String, title: String = "", email: String, phone: String) {
        self.firstName = firstName
        self.lastName = lastName
        self.title = title
        self.email = email
        self.phone = phone
    }

    enum CodingKeys: String, CodingKey {
        case firstName = "first_name", lastName = "last_name", title, email, phone
    }
}

/// An incident: one notification through one workflow, with its reports and their deadlines.
public struct Incident: Sendable, Equatable {
    /// Who notified it.
    public enum Notifier: Sendable, Equatable {
        case `operator`(UUID), regulator(UUID), independentUser
    }

    /// The notifier's name as e-mails, PDFs and exports show it. An independent user writes the
    /// name themselves (nothing vouches for it), so it says so: "PowerCo SA (independent
    /// notifier)" can never pass for the operator.
    public func shownNotifierName(in language: Language = .en) -> String {
        Self.shownNotifierName(notifierName, isIndependent: notifier == .independentUser, in: language)
    }

    static func shownNotifierName(_ name: String, isIndependent: Bool, in language: Language) -> String {
        guard isIndependent else { return name }
        let mark = switch language {
        case .en: "independent notifier"
        case .fr: "notifiant indépendant"
        case .de: "unabhängiger Melder"
        case .nl: "onafhankelijke melder"
        }
        return "\(name) (\(mark))"
    }

    /// One report of the incident, with its deadline as data.
    public struct Report: Sendable, Equatable, Codable {
        public var stageID: UUID
        public var reportTypeID: UUID
        public var name: String
        public var label: LanguageMap
        public var position: Int
        public var trigger: DeadlineTrigger
        public var delayHours: Int
        public var triggeredAt: Date?
        public var dueAt: Date?
        public var firstSubmittedAt: Date?
        public var late: Bool?
        public var overdueAt: Date?
        /// Its submitted versions, oldest first.
        public var versions: [VersionSummary]

        /// The review status of the latest version, if one was submitted.
        public var reviewStatus: ReviewStatus? { versions.last?.reviewStatus }

        enum CodingKeys: String, CodingKey {
            case stageID = "stage_id", reportTypeID = "report_type_id", name, label, position, trigger, delayHours = "delay_hours",
                 triggeredAt = "triggered_at", dueAt = "due_at", firstSubmittedAt = "first_submitted_at", late, overdueAt = "overdue_at", versions
        }
    }

    /// A submitted version of a report, as incidents list it.
    public struct VersionSummary: Sendable, Equatable, Codable {
        public var id: UUID
        public var number: Int
        public var submittedAt: Date
        public var late: Bool
        public var reviewStatus: ReviewStatus

        enum CodingKeys: String, CodingKey {
            case id, number, submittedAt = "submitted_at", late, reviewStatus = "review_status"
        }
    }

    public let id: UUID
    public var reference: String
    public var workflowID: UUID
    public var workflowName: LanguageMap
    public var regulatorID: UUID
    public var regulationID: UUID
    public var notifier: Notifier
    public var notifierUserID: UUID?
    public var notifierName: String
    public var contact: IncidentContact
    public var technicalContact: IncidentContact
    public var internalReference: String
    public var complaintReference: String
    public var notificationType: NotificationType
    public var crossBorder: Bool
    public var timeZone: String
    public var detectedAt: Date?
    public var notifiedAt: Date
    public var isOpen: Bool
    public var significant: Bool
    public var sectorIDs: [UUID]
    public var reports: [Report]
    public var revision: Int
    public var updatedAt: Date

    /// The operator, when an operator notified it.
    public var operatorID: UUID? {
        if case .operator(let id) = notifier { return id }
        return nil
    }

    /// The due time of the first report not submitted yet, if it has one.
    public var nextDeadline: Date? {
        reports.first { $0.firstSubmittedAt == nil }?.dueAt
    }

    /// Whether the report of `stageID` may be submitted now: the incident is open and the report
    /// is the frontier (the first, or the previous one was submitted) with no later report
    /// submitted yet. Earlier reports are frozen once a later one exists.
    public func isSubmittable(_ stageID: UUID) -> Bool {
        guard isOpen, let index = reports.firstIndex(where: { $0.stageID == stageID }) else { return false }
        return (index == 0 || reports[index - 1].firstSubmittedAt != nil) && reports[(index + 1)...].allSatisfy { $0.firstSubmittedAt == nil }
    }

    /// Whether the caller files its reports: an approved member of its operator, a member of the
    /// regulator that notified it, or the independent user who did.
    public func isNotifier(_ principal: Principal) -> Bool {
        let affiliations = principal.affiliations
        switch notifier {
        case .operator(let operatorID):
            return affiliations.operators.contains { $0.operatorID == operatorID && $0.isApproved }
        case .regulator(let regulatorID):
            return affiliations.regulator?.regulatorID == regulatorID
        case .independentUser:
            return notifierUserID == principal.userID && affiliations.role == .independentUser
        }
    }

    /// Whether the caller reviews it: the staff of its regulator, users for incidents of their
    /// sectors or without sectors.
    public func isReviewer(_ principal: Principal) -> Bool {
        guard let regulator = principal.affiliations.regulator, regulator.regulatorID == regulatorID else { return false }
        return regulator.isAdministrator || sectorIDs.isEmpty || !Set(sectorIDs).isDisjoint(with: regulator.sectorIDs)
    }

    /// The ETag of the incident's current state.
    public var etag: String { "\"\(id.uuidString.lowercased())-\(revision)\"" }

    static let columns = """
        i.id, i.reference, i.workflow_id, w.name::text AS workflow_name, i.regulator_id, i.regulation_id, i.operator_id, i.notifier_regulator_id,
        i.notifier_user_id, i.notifier_name, i.contact::text AS contact, i.technical_contact::text AS technical_contact, i.internal_reference,
        i.complaint_reference, i.notification_type, i.cross_border, i.time_zone, i.detected_at, i.notified_at, i.status, i.significant,
        i.revision, i.updated_at,
        ARRAY(SELECT s.sector_id FROM incident_sectors s WHERE s.incident_id = i.id ORDER BY s.sector_id) AS sector_ids,
        (SELECT json_agg(json_build_object(
                    'stage_id', r.stage_id, 'report_type_id', r.report_type_id, 'name', rt.name, 'label', rt.label, 'position', r.position,
                    'trigger', r.trigger, 'delay_hours', r.delay_hours, 'triggered_at', extract(epoch FROM r.triggered_at),
                    'due_at', extract(epoch FROM r.due_at), 'first_submitted_at', extract(epoch FROM r.first_submitted_at), 'late', r.late,
                    'overdue_at', extract(epoch FROM r.overdue_at),
                    'versions', coalesce((SELECT json_agg(json_build_object('id', v.id, 'number', v.number, 'submitted_at', extract(epoch FROM v.submitted_at),
                                                                            'late', v.late, 'review_status', v.review_status) ORDER BY v.number)
                                          FROM report_versions v WHERE v.incident_id = r.incident_id AND v.stage_id = r.stage_id), '[]'))
                    ORDER BY r.position)
         FROM incident_reports r JOIN report_types rt ON rt.id = r.report_type_id WHERE r.incident_id = i.id)::text AS reports
        """

    /// The joins ``columns`` needs, after `FROM incidents i`.
    static let joins = "JOIN notification_workflows w ON w.id = i.workflow_id"

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        reference = try row.decode("reference")
        workflowID = try row.decode("workflow_id")
        workflowName = try LanguageMap.parse(try row.decode("workflow_name"))
        regulatorID = try row.decode("regulator_id")
        regulationID = try row.decode("regulation_id")
        if let operatorID = try row.decode("operator_id", as: UUID?.self) {
            notifier = .operator(operatorID)
        } else if let regulatorID = try row.decode("notifier_regulator_id", as: UUID?.self) {
            notifier = .regulator(regulatorID)
        } else {
            notifier = .independentUser
        }
        notifierUserID = try row.decode("notifier_user_id")
        notifierName = try row.decode("notifier_name")
        // Report times come as seconds since 1970 (exact to the microsecond, no text format to parse).
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        contact = try decoder.decode(IncidentContact.self, from: Data(try row.decode("contact", as: String.self).utf8))
        technicalContact = try decoder.decode(IncidentContact.self, from: Data(try row.decode("technical_contact", as: String.self).utf8))
        internalReference = try row.decode("internal_reference")
        complaintReference = try row.decode("complaint_reference")
        notificationType = NotificationType(rawValue: try row.decode("notification_type")) ?? .incident
        crossBorder = try row.decode("cross_border")
        timeZone = try row.decode("time_zone")
        detectedAt = try row.decode("detected_at")
        notifiedAt = try row.decode("notified_at")
        isOpen = try row.decode("status", as: String.self) == "open"
        significant = try row.decode("significant")
        sectorIDs = try row.decode("sector_ids")
        reports = try decoder.decode([Report]?.self, from: Data((try row.decode("reports", as: String?.self) ?? "null").utf8)) ?? []
        revision = try row.decode("revision")
        updatedAt = try row.decode("updated_at")
    }
}

/// The display status of one report of an incident, for lists and clients.
public enum ReportDisplayStatus: String, Sendable, CaseIterable {
    /// Not submitted, not due yet (or without deadline).
    case notSubmitted
    /// Not submitted and past its due time.
    case overdue
    /// Submitted by its due time (or without deadline).
    case submitted
    /// First submitted after its due time.
    case submittedLate
}

extension Incident.Report {
    /// The report's status at `now`.
    public func displayStatus(at now: Date) -> ReportDisplayStatus {
        if firstSubmittedAt != nil { return late == true ? .submittedLate : .submitted }
        // From the due time, not from `overdueAt`: the sweep's mark lags by up to a minute and a
        // due time moved later must read as not overdue at once.
        if let dueAt, now > dueAt { return .overdue }
        return .notSubmitted
    }
}
