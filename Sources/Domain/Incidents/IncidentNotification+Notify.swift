import Foundation
import Mail
import Postgres

extension IncidentNotification {
    /// Files a first notification: one incident per workflow matching the regulations,
    /// regulators and sectors chosen (a workflow without sectors matches whatever the sectors),
    /// each numbered, with its reports' deadlines, routed to observers and announced, in one
    /// transaction. With `idempotencyKey`, a retry of the same request answers with the same
    /// incidents and creates nothing.
    ///
    /// - Throws: 422 naming every faulty field, or when no workflow matches; 429 past the daily
    ///   limit of incidents per user (counted per incident, inside the transaction).
    public func notify(_ principal: Principal, _ input: NotificationInput, idempotencyKey: String? = nil,
                       witness: Idempotency.Witness? = nil, client: ClientInfo) async throws -> [UUID] {
        try principal.requireAccess(.incidentsWrite)
        try Self.requireNotifierRole(principal)
        let cleaned = try Self.validated(input, now: now())
        let fingerprint = SHA256.hex(try Self.fingerprintEncoder.encode(input))
        let notifiedAt = now()
        return try await outbox.transaction { unit in
            let session = unit.session
            if let idempotencyKey {
                let claim = try await Idempotency.claim(idempotencyKey, userID: principal.userID, scope: "incidents.create", fingerprint: fingerprint,
                                                        witness: witness, session: session)
                if case .replay(let result) = claim { return try JSONDecoder().decode([UUID].self, from: Data(result.utf8)) }
            }
            let notifier = try await notifier(principal, operatorID: input.operatorID, notifierName: input.notifierName, session: session)
            if !cleaned.sectorIDs.isEmpty {
                try await IncidentConfiguration.checkSectors(cleaned.sectorIDs, field: "sector_ids", session: session)
            }
            let workflows = try await session.query("""
                SELECT w.id, w.regulator_id, w.regulation_id, w.detection_date_needed,
                       ARRAY(SELECT ws.sector_id FROM notification_workflow_sectors ws WHERE ws.workflow_id = w.id) AS sector_ids
                FROM notification_workflows w
                WHERE w.regulation_id = ANY($1::uuid[]) AND w.regulator_id = ANY($2::uuid[])
                  AND EXISTS (SELECT 1 FROM report_stages s WHERE s.workflow_id = w.id)
                  AND (NOT EXISTS (SELECT 1 FROM notification_workflow_sectors ws WHERE ws.workflow_id = w.id)
                       OR EXISTS (SELECT 1 FROM notification_workflow_sectors ws WHERE ws.workflow_id = w.id AND ws.sector_id = ANY($3::uuid[])))
                ORDER BY w.id
                """, cleaned.regulationIDs, cleaned.regulatorIDs, cleaned.sectorIDs)
            guard !workflows.isEmpty else {
                throw DomainError.validation([FieldError(field: "regulation_ids", code: "no_workflow",
                                                         message: "No notification workflow matches these regulations, regulators and sectors.")])
            }
            if input.detectedAt == nil, try workflows.contains(where: { try $0.decode("detection_date_needed", as: Bool.self) }) {
                throw DomainError.validation([FieldError(field: "detected_at", code: "required",
                                                         message: "The detection time is required by a workflow this notification matches.")])
            }
            try await checkDailyLimit(principal.userID, adding: workflows.count, at: notifiedAt, session: session)
            var created: [UUID] = []
            for workflow in workflows {
                let workflowSectors = Set(try workflow.decode("sector_ids", as: [UUID].self))
                let sectors = workflowSectors.isEmpty ? cleaned.sectorIDs : cleaned.sectorIDs.filter(workflowSectors.contains)
                let incidentID = try await createIncident(
                    workflowID: try workflow.decode("id"), regulatorID: try workflow.decode("regulator_id"),
                    regulationID: try workflow.decode("regulation_id"), sectors: sectors, notifier: notifier, principal: principal,
                    input: cleaned, notifiedAt: notifiedAt, unit: unit, client: client)
                created.append(incidentID)
            }
            if let idempotencyKey {
                try await Idempotency.record(idempotencyKey, userID: principal.userID,
                                             result: String(decoding: try JSONEncoder().encode(created), as: UTF8.self), session: session)
            }
            return created
        }
    }

    private static let fingerprintEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .secondsSince1970
        return encoder
    }()

    /// The input with texts trimmed and every rule checked at once.
    static func validated(_ input: NotificationInput, now: Date) throws -> NotificationInput {
        var validator = Validator()
        var cleaned = input
        cleaned.contact = contact(input.contact, "contact", &validator)
        cleaned.technicalContact = contact(input.technicalContact ?? input.contact, "technical_contact", &validator)
        cleaned.internalReference = validator.text(input.internalReference, "internal_reference", required: false, maximumLength: 255) ?? ""
        cleaned.complaintReference = validator.text(input.complaintReference, "complaint_reference", required: false, maximumLength: 255) ?? ""
        cleaned.notifierName = validator.text(input.notifierName, "notifier_name", required: false, maximumLength: 100)
        cleaned.regulationIDs = validator.distinct(input.regulationIDs, "regulation_ids")
        cleaned.regulatorIDs = validator.distinct(input.regulatorIDs, "regulator_ids")
        cleaned.sectorIDs = validator.distinct(input.sectorIDs, "sector_ids")
        validator.check(!input.regulationIDs.isEmpty, "regulation_ids", "required", "Choose at least one regulation.")
        validator.check(!input.regulatorIDs.isEmpty, "regulator_ids", "required", "Choose at least one regulator.")
        validator.check(TimeZone(identifier: input.timeZone) != nil && TimeZone.knownTimeZoneIdentifiers.contains(input.timeZone), "time_zone",
                        "invalid", "Use an IANA time zone such as Europe/Luxembourg.")
        if let detectedAt = input.detectedAt {
            validator.check(detectedAt <= now.addingTimeInterval(300), "detected_at", "in_future", "The detection time cannot be in the future.")
            validator.check(detectedAt >= Date(timeIntervalSince1970: 946_684_800), "detected_at", "too_early", "The detection time is after 2000.")
        }
        try validator.throwIfInvalid()
        return cleaned
    }

    private static func contact(_ contact: IncidentContact, _ field: String, _ validator: inout Validator) -> IncidentContact {
        let email = validator.email(contact.email, "\(field).email")
        validator.check(email != nil, "\(field).email", "required", "The e-mail address is required.")
        let phone = validator.phone(contact.phone, "\(field).phone")
        validator.check(phone != nil, "\(field).phone", "required", "The phone number is required.")
        return IncidentContact(
            firstName: validator.text(contact.firstName, "\(field).first_name", required: true, maximumLength: 100) ?? "",
            lastName: validator.text(contact.lastName, "\(field).last_name", required: true, maximumLength: 100) ?? "",
            title: validator.text(contact.title, "\(field).title", required: false, maximumLength: 100) ?? "",
            email: email ?? "", phone: phone ?? "")
    }

    /// - Throws: 429 when `adding` incidents would take the user past the daily limit. The user's
    ///   advisory lock serialises concurrent notifications, so none overshoots.
    private func checkDailyLimit(_ userID: UUID, adding count: Int, at time: Date, session: PostgresSession) async throws {
        try await session.query("SELECT pg_advisory_xact_lock(hashtext('incident-daily-limit:' || $1::text))", userID)
        let today = try await session.query("""
            SELECT count(*)::integer AS n FROM incidents WHERE notifier_user_id = $1 AND notified_at >= date_trunc('day', $2::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
            """, userID, time).required().decode("n", as: Int.self)
        guard today + count <= dailyLimit else {
            let midnight = Calendar.utc.startOfDay(for: time).addingTimeInterval(86_400)
            throw DomainError.limitReached("You may notify \(dailyLimit) incidents a day (each incident of a notification counts); "
                                               + "\(today) today so far, this notification makes \(count).",
                                           retryAfterSeconds: max(1, Int(midnight.timeIntervalSince(time).rounded(.up))))
        }
    }

    private func createIncident(workflowID: UUID, regulatorID: UUID, regulationID: UUID, sectors: [UUID], notifier: Notifier, principal: Principal,
                                input: NotificationInput, notifiedAt: Date, unit: UnitOfWork, client: ClientInfo) async throws -> UUID {
        let session = unit.session
        let id = UUID()
        let reference = try await Self.nextReference(entity: notifier.entityCode, sectors: sectors, at: notifiedAt,
                                                     session: session)
        var operatorID: UUID?, notifierRegulatorID: UUID?
        switch notifier {
        case .operator(let id, _, _): operatorID = id
        case .regulator(let id, _): notifierRegulatorID = id
        case .independent: break
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try await session.query("""
            INSERT INTO incidents (id, reference, workflow_id, regulator_id, regulation_id, operator_id, notifier_regulator_id, notifier_user_id,
                notifier_name, contact, technical_contact, internal_reference, complaint_reference, notification_type, cross_border, time_zone,
                detected_at, notified_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13, $14, $15, $16, $17, $18)
            """, bindings: [
                id, reference, workflowID, regulatorID, regulationID, operatorID, notifierRegulatorID, principal.userID, notifier.displayName,
                String(decoding: try encoder.encode(input.contact), as: UTF8.self),
                String(decoding: try encoder.encode(input.technicalContact ?? input.contact), as: UTF8.self),
                input.internalReference ?? "", input.complaintReference ?? "", input.notificationType.rawValue, input.crossBorder, input.timeZone,
                input.detectedAt, notifiedAt,
            ])
        try await session.query("INSERT INTO incident_sectors (incident_id, sector_id) SELECT $1, unnest($2::uuid[])", id, sectors)
        // Deadlines as data: the clock of a report starts at the notification, at the detection,
        // or (set at submission) when the previous report is first submitted.
        try await session.query("""
            INSERT INTO incident_reports (incident_id, stage_id, report_type_id, position, trigger, delay_hours, triggered_at, due_at)
            SELECT $1, s.id, s.report_type_id, s.position, s.trigger, s.delay_hours, t.at,
                   CASE WHEN s.trigger = 'none' THEN NULL ELSE t.at + make_interval(hours => s.delay_hours) END
            FROM report_stages s
            CROSS JOIN LATERAL (SELECT CASE s.trigger WHEN 'notification' THEN $2::timestamptz WHEN 'detection' THEN $3::timestamptz END AS at) t
            WHERE s.workflow_id = $4
            """, id, notifiedAt, input.detectedAt, workflowID)
        try await Self.routeToObservers(id, regulationID: regulationID, operatorID: operatorID, session: session)
        try await AuditLog.record(AuditEvent("incident.created", by: principal, objectType: "incident", objectID: id,
                                             organisation: .regulator(regulatorID), client: client,
                                             details: try JobPayloadCoding.encode(["reference": reference])), in: session)
        try await IncidentAccessLog.record(.created, by: principal, side: .notifier, incidentID: id, reference: reference,
                                           notifierName: notifier.displayName, operatorID: operatorID, session: session)
        try await IncidentEmails(sender: sender, links: links).send(.opening, incidentID: id, unit: unit)
        try await Webhooks.publishIncident(.incidentCreated, incidentID: id, extra: ["notified_at": notifiedAt], unit: unit)
        return id
    }

    /// `<entity>_<sector>_<subsector>_<NNNN>_<YYYY>`: the first of the incident's sectors (by
    /// root acronym, then acronym) gives its root's acronym and its own (`GEN` for a root sector
    /// without sub-sectors; `GEN_GEN` without sectors); the number comes from the entity's yearly
    /// counter, which never gives a number twice; the year is the notification's (UTC).
    static func nextReference(entity: String, sectors: [UUID], at time: Date, session: PostgresSession) async throws -> String {
        let sector = try await session.query("""
            SELECT coalesce(p.acronym, s.acronym) AS root, CASE WHEN p.id IS NULL THEN 'GEN' ELSE s.acronym END AS leaf
            FROM sectors s LEFT JOIN sectors p ON p.id = s.parent_id WHERE s.id = ANY($1::uuid[])
            ORDER BY 1, 2 LIMIT 1
            """, sectors).first
        let root = try sector?.decode("root", as: String.self) ?? "GEN"
        let leaf = try sector?.decode("leaf", as: String.self) ?? "GEN"
        let year = Calendar.utc.component(.year, from: time)
        let number = try await session.query("""
            INSERT INTO incident_reference_counters (entity, year, last_number) VALUES ($1, $2, 1)
            ON CONFLICT (entity, year) DO UPDATE SET last_number = incident_reference_counters.last_number + 1
            RETURNING last_number
            """, entity, year).required().decode("last_number", as: Int.self)
        return "\(entity)_\(root)_\(leaf)_\(String(format: "%04d", number))_\(year)"
    }

    /// Records the observers the incident reaches: those receiving every incident, and those
    /// whose routing rule for the regulation matches the operator's entity categories.
    static func routeToObservers(_ incidentID: UUID, regulationID: UUID, operatorID: UUID?, session: PostgresSession) async throws {
        let codes = Set(try await session.query("""
            SELECT c.code FROM operator_entity_categories oc JOIN entity_categories c ON c.id = oc.entity_category_id WHERE oc.operator_id = $1
            """, operatorID).map { try $0.decode("code", as: String.self) })
        let rules = try await session.query("""
            SELECT observer_id, regulation_id, conditions::text AS conditions, updated_at FROM observer_routing_rules WHERE regulation_id = $1
            """, regulationID).map(ObserverRoutingRule.init(row:))
        let routed = rules.filter { $0.matches(operatorCategoryCodes: codes) }.map(\.observerID)
        try await session.query("""
            INSERT INTO incident_observers (incident_id, observer_id)
            SELECT $1, o.id FROM observers o WHERE o.receives_all_incidents OR o.id = ANY($2::uuid[]) ON CONFLICT DO NOTHING
            """, incidentID, routed)
    }
}

extension Calendar {
    /// The Gregorian calendar in UTC.
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}

extension IncidentNotification {
    /// Moves the incidents an independent user notified to the operator that approved them as
    /// a member: each gets the operator as notifier and a new reference in the operator's
    /// sequence (of its notification year), and the observers the operator's routing reaches.
    /// Called by the approval, in its transaction; each move is audited with both references.
    static func adoptIndependentIncidents(of userID: UUID, by operatorID: UUID, principal: Principal, client: ClientInfo,
                                          session: PostgresSession) async throws {
        let incidents = try await session.query("""
            SELECT i.id, i.reference, i.regulation_id, i.regulator_id, i.notified_at,
                   ARRAY(SELECT s.sector_id FROM incident_sectors s WHERE s.incident_id = i.id) AS sector_ids
            FROM incidents i WHERE i.notifier_user_id = $1 AND i.operator_id IS NULL AND i.notifier_regulator_id IS NULL
            ORDER BY i.notified_at, i.id FOR UPDATE
            """, userID)
        guard !incidents.isEmpty else { return }
        let company = try await session.query("SELECT identifier, name FROM operators WHERE id = $1", operatorID).required()
        let identifier: String = try company.decode("identifier")
        for row in incidents {
            let id: UUID = try row.decode("id")
            let old: String = try row.decode("reference")
            let reference = try await nextReference(entity: identifier, sectors: try row.decode("sector_ids"), at: try row.decode("notified_at"),
                                                    session: session)
            try await session.query("""
                UPDATE incidents SET operator_id = $2, notifier_name = $3, reference = $4, revision = revision + 1, updated_at = now() WHERE id = $1
                """, id, operatorID, try company.decode("name", as: String.self), reference)
            try await routeToObservers(id, regulationID: try row.decode("regulation_id"), operatorID: operatorID, session: session)
            try await AuditLog.record(AuditEvent("incident.adopted", by: principal, objectType: "incident", objectID: id,
                                                 organisation: .regulator(try row.decode("regulator_id")), client: client,
                                                 details: try JobPayloadCoding.encode(["from": old, "to": reference,
                                                                                       "operator_id": operatorID.uuidString.lowercased()])),
                                      in: session)
        }
    }
}
