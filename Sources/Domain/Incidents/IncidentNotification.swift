import Foundation
import Mail
import Postgres

/// A first notification as written by the notifier.
public struct NotificationInput: Sendable, Encodable {
    /// The operator the caller acts for: required from members of operators, refused otherwise.
    public var operatorID: UUID?
    /// The organisation an independent user notifies for (operators and regulators are known).
    public var notifierName: String?
    public var contact: IncidentContact
    /// The technical contact; the contact when left out.
    public var technicalContact: IncidentContact?
    public var internalReference: String?
    public var complaintReference: String?
    public var regulationIDs: [UUID]
    public var regulatorIDs: [UUID]
    public var sectorIDs: [UUID]
    public var detectedAt: Date?
    public var timeZone: String
    public var notificationType: NotificationType
    public var crossBorder: Bool

    public init(operatorID: UUID? = nil, notifierName: String? = nil, contact: IncidentContact, technicalContact: IncidentContact? = nil,
                internalReference: String? = nil, complaintReference: String? = nil, regulationIDs: [UUID], regulatorIDs: [UUID],
                sectorIDs: [UUID] = [], detectedAt: Date? = nil, timeZone: String, notificationType: NotificationType = .incident,
                crossBorder: Bool = false) {
        self.operatorID = operatorID
        self.notifierName = notifierName
        self.contact = contact
        self.technicalContact = technicalContact
        self.internalReference = internalReference
        self.complaintReference = complaintReference
        self.regulationIDs = regulationIDs
        self.regulatorIDs = regulatorIDs
        self.sectorIDs = sectorIDs
        self.detectedAt = detectedAt
        self.timeZone = timeZone
        self.notificationType = notificationType
        self.crossBorder = crossBorder
    }
}

/// First notifications: one incident per matching workflow, numbered, with its reports'
/// deadlines, routed to observers, and announced by the workflow's opening e-mail, all in one
/// transaction.
public struct IncidentNotification: Sendable {
    let postgres: PostgresClient
    let outbox: Outbox
    let sender: MailAddress
    let links: FrontendLinks
    /// Incidents one user may create per day (UTC).
    let dailyLimit: Int
    let now: @Sendable () -> Date

    init(postgres: PostgresClient, outbox: Outbox, sender: MailAddress, links: FrontendLinks, dailyLimit: Int, now: @escaping @Sendable () -> Date) {
        self.postgres = postgres
        self.outbox = outbox
        self.sender = sender
        self.links = links
        self.dailyLimit = dailyLimit
        self.now = now
    }

    /// Who files the notification.
    enum Notifier {
        case `operator`(id: UUID, identifier: String, name: String)
        case regulator(id: UUID, name: String)
        case independent(name: String)

        var displayName: String {
            switch self {
            case .operator(_, _, let name), .regulator(_, let name), .independent(let name): return name
            }
        }

        /// The entity part of references: the operator's identifier, else the name's first ten
        /// letters and digits (independent users' prefixed with `IND`, so they never pass for
        /// an operator).
        var entityCode: String {
            switch self {
            case .operator(_, let identifier, _): return identifier
            case .regulator(_, let name): return Self.code(name)
            case .independent(let name): return "IND" + Self.code(name).prefix(7)
            }
        }

        /// The first ten ASCII letters and digits of `name`, upper-cased (`X` when it has none).
        private static func code(_ name: String) -> String {
            let letters = name.uppercased().unicodeScalars.filter { ("A"..."Z").contains($0) || ("0"..."9").contains($0) }.prefix(10)
            return letters.isEmpty ? "X" : String(String.UnicodeScalarView(letters))
        }
    }

    /// - Throws: 403 for platform administrators and observers, who never notify.
    static func requireNotifierRole(_ principal: Principal) throws {
        if principal.affiliations.isPlatformAdmin || principal.affiliations.observer != nil {
            throw DomainError.forbidden("Operators, independent users and regulators notify incidents; your role (\(principal.role)) does not.")
        }
    }

    /// The caller as notifier, from their approved memberships and the operator they name.
    func notifier(_ principal: Principal, operatorID: UUID?, notifierName: String?, session: PostgresSession) async throws -> Notifier {
        try Self.requireNotifierRole(principal)
        let affiliations = principal.affiliations
        if let regulator = affiliations.regulator {
            guard operatorID == nil else {
                throw DomainError.validation([FieldError(field: "operator_id", code: "not_allowed", message: "Regulator staff notify for their regulator.")])
            }
            let name = try await session.query("SELECT name->>'en' AS name FROM regulators WHERE id = $1", regulator.regulatorID).required()
                .decode("name", as: String.self)
            return .regulator(id: regulator.regulatorID, name: name)
        }
        let approved = affiliations.operators.filter(\.isApproved).map(\.operatorID)
        if approved.isEmpty {
            guard operatorID == nil else {
                throw DomainError.validation([FieldError(field: "operator_id", code: "not_member", message: "You are not an approved member of this operator.")])
            }
            guard let name = notifierName.map(TextRules.trimmed), !name.isEmpty else {
                throw DomainError.validation([FieldError(field: "notifier_name", code: "required",
                                                         message: "Name the organisation you notify for.")])
            }
            return .independent(name: name)
        }
        guard let operatorID else {
            throw DomainError.validation([FieldError(field: "operator_id", code: "required",
                                                     message: "Name the operator you act for (one of your approved memberships).")])
        }
        guard approved.contains(operatorID),
              let row = try await session.query("SELECT identifier, name FROM operators WHERE id = $1", operatorID).first else {
            throw DomainError.validation([FieldError(field: "operator_id", code: "not_member", message: "You are not an approved member of this operator.")])
        }
        return .operator(id: operatorID, identifier: try row.decode("identifier"), name: try row.decode("name"))
    }

    // MARK: Options

    /// What a notification wizard offers: the regulations with at least one workflow that has
    /// reports; with `regulationIDs`, the regulators of such workflows; with both, their sectors
    /// grouped by root sector and whether sectors and the detection time are needed.
    public func options(_ principal: Principal, regulationIDs: [UUID], regulatorIDs: [UUID]) async throws -> NotificationOptions {
        try principal.requireAccess(.incidentsRead)
        try Self.requireNotifierRole(principal)
        return try await postgres.withSession { session in
            let usable = "EXISTS (SELECT 1 FROM report_stages s WHERE s.workflow_id = w.id)"
            let regulations = try await session.query("""
                SELECT r.id, r.label::text AS label FROM regulations r
                WHERE EXISTS (SELECT 1 FROM notification_workflows w WHERE w.regulation_id = r.id AND \(usable))
                ORDER BY lower(r.label->>'en'), r.id
                """).map { NotificationOptions.Choice(id: try $0.decode("id"), label: try LanguageMap.parse(try $0.decode("label"))) }
            var regulators: [NotificationOptions.Choice] = []
            if !regulationIDs.isEmpty {
                regulators = try await session.query("""
                    SELECT g.id, g.name::text AS label FROM regulators g
                    WHERE EXISTS (SELECT 1 FROM notification_workflows w WHERE w.regulator_id = g.id AND w.regulation_id = ANY($1::uuid[]) AND \(usable))
                    ORDER BY lower(g.name->>'en'), g.id
                    """, regulationIDs).map { NotificationOptions.Choice(id: try $0.decode("id"), label: try LanguageMap.parse(try $0.decode("label"))) }
            }
            var groups: [NotificationOptions.SectorGroup] = []
            // Unknown (nil) until regulations and regulators are chosen.
            var sectorsNeeded: Bool?, detectionNeeded: Bool?
            if !regulationIDs.isEmpty, !regulatorIDs.isEmpty {
                let matching = "w.regulation_id = ANY($1::uuid[]) AND w.regulator_id = ANY($2::uuid[]) AND \(usable)"
                let flags = try await session.query("""
                    SELECT coalesce(bool_or(EXISTS (SELECT 1 FROM notification_workflow_sectors ws WHERE ws.workflow_id = w.id)), false) AS sectors,
                           coalesce(bool_or(w.detection_date_needed), false) AS detection
                    FROM notification_workflows w WHERE \(matching)
                    """, regulationIDs, regulatorIDs).required()
                sectorsNeeded = try flags.decode("sectors")
                detectionNeeded = try flags.decode("detection")
                let rows = try await session.query("""
                    SELECT DISTINCT s.id, s.name::text AS name, coalesce(p.id, s.id) AS root_id, coalesce(p.name, s.name)::text AS root_name
                    FROM notification_workflows w JOIN notification_workflow_sectors ws ON ws.workflow_id = w.id
                    JOIN sectors s ON s.id = ws.sector_id LEFT JOIN sectors p ON p.id = s.parent_id
                    WHERE \(matching)
                    """, regulationIDs, regulatorIDs)
                for row in rows {
                    let rootID = try row.decode("root_id", as: UUID.self)
                    let choice = NotificationOptions.Choice(id: try row.decode("id"), label: try LanguageMap.parse(try row.decode("name")))
                    if let index = groups.firstIndex(where: { $0.root.id == rootID }) {
                        groups[index].sectors.append(choice)
                    } else {
                        groups.append(.init(root: .init(id: rootID, label: try LanguageMap.parse(try row.decode("root_name"))), sectors: [choice]))
                    }
                }
                groups.sort { $0.root.label.text(in: .en).lowercased() < $1.root.label.text(in: .en).lowercased() }
                for index in groups.indices { groups[index].sectors.sort { $0.label.text(in: .en).lowercased() < $1.label.text(in: .en).lowercased() } }
            }
            return NotificationOptions(regulations: regulations, regulators: regulators, sectorGroups: groups, sectorsNeeded: sectorsNeeded,
                                       detectionTimeNeeded: detectionNeeded)
        }
    }
}

/// What the notification wizard offers, step by step.
public struct NotificationOptions: Sendable, Equatable {
    public struct Choice: Sendable, Equatable {
        public var id: UUID
        public var label: LanguageMap
    }

    public struct SectorGroup: Sendable, Equatable {
        public var root: Choice
        public var sectors: [Choice]
    }

    public var regulations: [Choice]
    public var regulators: [Choice]
    public var sectorGroups: [SectorGroup]
    /// Whether the sector step is needed; nil until regulations and regulators are chosen.
    public var sectorsNeeded: Bool?
    /// Whether the detection time is needed; nil until regulations and regulators are chosen.
    public var detectionTimeNeeded: Bool?
}
