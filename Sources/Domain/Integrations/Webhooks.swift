import Crypto
import Foundation
import Logging
import Mail
import Outbound
import Postgres
import Redis

/// The events a webhook may subscribe to, and which kinds of organisation may see each.
public enum WebhookEvent: String, Sendable, CaseIterable {
    case incidentCreated = "incident.created"
    case incidentReportSubmitted = "incident.report_submitted"
    case incidentReportOverdue = "incident.report_overdue"
    case incidentReviewStatusChanged = "incident.review_status_changed"
    case incidentClosed = "incident.closed"
    case declarationSubmitted = "declaration.submitted"
    case declarationReviewSent = "declaration.review_sent"
    case reportGenerationFinished = "report_generation.finished"

    /// The kinds of organisation whose members may see the event's object: incidents reach
    /// their regulator, their operator and the observers they are routed to; declarations their
    /// operator and the standard's regulator; report generations their regulator.
    public var audience: Set<WebhookOrganisation.Kind> {
        switch self {
        case .incidentCreated, .incidentReportSubmitted, .incidentReportOverdue, .incidentReviewStatusChanged, .incidentClosed:
            return [.regulator, .observer, .operator]
        case .declarationSubmitted, .declarationReviewSent: return [.regulator, .operator]
        case .reportGenerationFinished: return [.regulator]
        }
    }
}

/// The organisation a subscription belongs to.
public struct WebhookOrganisation: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case regulator, observer, `operator`
    }

    public var kind: Kind
    public var id: UUID

    public init(_ kind: Kind, _ id: UUID) {
        self.kind = kind
        self.id = id
    }
}

public struct WebhookSubscription: Sendable, Equatable {
    public var id: UUID
    public var organisation: WebhookOrganisation
    public var url: String
    public var events: [WebhookEvent]
    public var description: String
    public var isActive: Bool
    public var failingSince: Date?
    public var disabledAt: Date?
    public var disabledReason: String?
    public var lastDeliveryAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// The signing secret: only in the answer that creates it (creation, rotation).
    public var secret: String?
}

public struct WebhookInput: Sendable {
    public var url: String?
    public var events: [String]?
    public var description: String?
    public var isActive: Bool?
    /// Members of operators name the operator the subscription is for.
    public var operatorID: UUID?

    public init(url: String? = nil, events: [String]? = nil, description: String? = nil, isActive: Bool? = nil, operatorID: UUID? = nil) {
        self.url = url
        self.events = events
        self.description = description
        self.isActive = isActive
        self.operatorID = operatorID
    }
}

public struct WebhookDelivery: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case pending, retrying, delivered, failed
    }

    public var id: UUID
    public var subscriptionID: UUID
    public var eventID: UUID
    public var event: String
    public var status: Status
    public var attempts: Int
    public var responseStatus: Int?
    public var durationMilliseconds: Double?
    public var lastError: String?
    public var redeliveryOf: UUID?
    public var createdAt: Date
    public var finishedAt: Date?
}

/// Webhooks: subscriptions managed by an organisation's administrators, one delivery per event
/// and matching subscription recorded in the event's transaction (outbox rows → jobs on the
/// `outbound` queue), sent by the worker as a signed `POST`:
///
/// * `X-Governance-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>`,
///   `X-Governance-Event`, `X-Governance-Delivery` (the delivery's id);
/// * 2xx is success; 5xx, 408, 429, timeouts and connection failures are retried with the
///   queue's backoff; another 4xx (or an address the guard refuses) fails the delivery at once;
/// * a subscription whose deliveries keep failing for `disableAfter` is switched off and its
///   organisation's administrators get an e-mail.
public struct Webhooks: Sendable {
    let postgres: PostgresClient
    let outbox: Outbox
    let http: OutboundHTTP
    let box: SecretBox
    let sender: MailAddress
    let retryPolicy: RetryPolicy
    let disableAfter: Duration
    let logger: Logger
    let now: @Sendable () -> Date
    static let queue = "outbound"
    static let timeoutMilliseconds = 10_000
    /// Subscriptions one organisation may hold.
    static let limitPerOrganisation = 20

    init(postgres: PostgresClient, outbox: Outbox, http: OutboundHTTP, secretKey: String, sender: MailAddress, retryPolicy: RetryPolicy,
         disableAfter: Duration, logger: Logger, now: @escaping @Sendable () -> Date = { Date() }) {
        self.postgres = postgres
        self.outbox = outbox
        self.http = http
        box = SecretBox(secretKey: secretKey, purpose: "webhook-secret")
        self.sender = sender
        self.retryPolicy = retryPolicy
        self.disableAfter = disableAfter
        self.logger = logger
        self.now = now
    }

    // MARK: Who manages what

    /// The organisations whose subscriptions the caller manages: those they administer.
    static func administered(_ principal: Principal) -> [WebhookOrganisation] {
        let affiliations = principal.affiliations
        var organisations: [WebhookOrganisation] = []
        if let regulator = affiliations.regulator, regulator.isAdministrator { organisations.append(.init(.regulator, regulator.regulatorID)) }
        if let observer = affiliations.observer, observer.isAdministrator { organisations.append(.init(.observer, observer.observerID)) }
        organisations += affiliations.operators.filter { $0.isApproved && $0.isAdministrator }.map { .init(.operator, $0.operatorID) }
        return organisations
    }

    /// Whether the caller belongs to the organisation (then a refusal is 403 rather than 404).
    static func belongs(_ principal: Principal, to organisation: WebhookOrganisation) -> Bool {
        switch organisation.kind {
        case .regulator: return principal.affiliations.belongs(to: .regulator(organisation.id))
        case .observer: return principal.affiliations.belongs(to: .observer(organisation.id))
        case .operator: return principal.affiliations.belongs(to: .operator(organisation.id))
        }
    }

    /// The subscription `id` if the caller administers its organisation.
    ///
    /// - Throws: 404 when they do not belong to it, 403 when they belong without administering it.
    private func reach(_ principal: Principal, _ id: UUID, lock: Bool = false, session: PostgresSession) async throws -> PostgresRow {
        guard let row = try await session.query("SELECT \(Self.columns) FROM webhook_subscriptions WHERE id = $1\(lock ? " FOR UPDATE" : "")", id).first else {
            throw DomainError.notFound("No such webhook.")
        }
        let organisation = WebhookOrganisation(try WebhookOrganisation.Kind(stored: try row.decode("organisation_kind")),
                                               try row.decode("organisation_id"))
        guard Self.administered(principal).contains(organisation) else {
            if Self.belongs(principal, to: organisation) { throw DomainError.forbidden("Only the organisation's administrators manage its webhooks.") }
            throw DomainError.notFound("No such webhook.")
        }
        return row
    }

    // MARK: Subscriptions

    /// The subscriptions of every organisation the caller administers.
    public func list(_ principal: Principal) async throws -> [WebhookSubscription] {
        try principal.requireAccess(.governanceRead)
        let organisations = Self.administered(principal)
        guard !organisations.isEmpty else { throw DomainError.forbidden("Only the administrators of an organisation manage its webhooks.") }
        return try await postgres.query("""
            SELECT \(Self.columns) FROM webhook_subscriptions
            WHERE (organisation_kind, organisation_id) IN (SELECT * FROM unnest($1::text[], $2::uuid[]))
            ORDER BY created_at, id
            """, organisations.map(\.kind.rawValue), organisations.map(\.id)).map(Self.subscription)
    }

    public func find(_ principal: Principal, id: UUID) async throws -> WebhookSubscription {
        try principal.requireAccess(.governanceRead)
        return try await postgres.withSession { try Self.subscription(try await reach(principal, id, session: $0)) }
    }

    /// Creates a subscription for the caller's organisation (regulator, observer, or the
    /// operator named); the answer holds the signing secret, which is never shown again.
    public func create(_ principal: Principal, _ input: WebhookInput, client: ClientInfo) async throws -> WebhookSubscription {
        try principal.requireAccess(.governanceWrite)
        let organisations = Self.administered(principal)
        let organisation: WebhookOrganisation
        if let operatorID = input.operatorID {
            organisation = WebhookOrganisation(.operator, operatorID)
            guard organisations.contains(organisation) else {
                if principal.affiliations.belongs(to: .operator(operatorID)) {
                    throw DomainError.forbidden("Only the operator's administrators manage its webhooks.")
                }
                throw DomainError.validation([FieldError(field: "operator_id", code: "not_administrator",
                                                         message: "Name an operator you administer.")])
            }
        } else if let own = organisations.first(where: { $0.kind != .operator }) {
            organisation = own
        } else if organisations.isEmpty {
            throw DomainError.forbidden("Only the administrators of an organisation manage its webhooks.")
        } else {
            throw DomainError.validation([FieldError(field: "operator_id", code: "required", message: "Name the operator the webhook is for.")])
        }
        let (url, events, description) = try await validated(input, organisation: organisation, creating: true)
        let id = UUID()
        let secret = Self.newSecret()
        return try await postgres.withTransaction { session in
            try await session.query("SELECT pg_advisory_xact_lock(hashtext('webhooks:' || $1::text))", organisation.id)
            let count = try await session.query("""
                SELECT count(*)::integer AS n FROM webhook_subscriptions WHERE organisation_kind = $1 AND organisation_id = $2
                """, organisation.kind.rawValue, organisation.id).required().decode("n", as: Int.self)
            guard count < Self.limitPerOrganisation else {
                throw DomainError.conflict("An organisation holds at most \(Self.limitPerOrganisation) webhooks; remove one first.")
            }
            let row = try await session.query("""
                INSERT INTO webhook_subscriptions (id, organisation_kind, organisation_id, url, events, description, secret, created_by)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING \(Self.columns)
                """, id, organisation.kind.rawValue, organisation.id, url ?? "", (events ?? []).map(\.rawValue), description ?? "",
                                              try box.seal(Data(secret.utf8), owner: id), principal.userID).required()
            try await audit("webhook.created", principal, id, organisation, client, session, details: ["url": url ?? ""])
            var subscription = try Self.subscription(row)
            subscription.secret = secret
            return subscription
        }
    }

    /// Changes the address, events, description or active flag; switching a subscription back
    /// on forgets its failures.
    public func update(_ principal: Principal, id: UUID, _ input: WebhookInput, client: ClientInfo) async throws -> WebhookSubscription {
        try principal.requireAccess(.governanceWrite)
        guard input.operatorID == nil else {
            throw DomainError.validation([FieldError(field: "operator_id", code: "not_allowed", message: "A webhook stays with its organisation.")])
        }
        let organisation = try await postgres.withSession { session in
            let row = try await reach(principal, id, session: session)
            return WebhookOrganisation(try WebhookOrganisation.Kind(stored: try row.decode("organisation_kind")), try row.decode("organisation_id"))
        }
        let (url, events, description) = try await validated(input, organisation: organisation, creating: false)
        return try await postgres.withTransaction { session in
            _ = try await reach(principal, id, lock: true, session: session)
            let row = try await session.query("""
                UPDATE webhook_subscriptions SET url = coalesce($2, url), events = coalesce($3, events), description = coalesce($4, description),
                    is_active = coalesce($5, is_active),
                    failing_since = CASE WHEN $5 THEN NULL ELSE failing_since END,
                    disabled_at = CASE WHEN $5 THEN NULL WHEN $5 = false AND is_active THEN now() ELSE disabled_at END,
                    disabled_reason = CASE WHEN $5 THEN NULL WHEN $5 = false AND is_active THEN 'switched off by an administrator' ELSE disabled_reason END,
                    updated_at = now()
                WHERE id = $1 RETURNING \(Self.columns)
                """, id, url, events?.map(\.rawValue), description, input.isActive).required()
            try await audit("webhook.updated", principal, id, organisation, client, session,
                            details: ["url": url ?? "", "active": input.isActive.map(String.init) ?? ""])
            return try Self.subscription(row)
        }
    }

    public func delete(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try principal.requireAccess(.governanceWrite)
        try await postgres.withTransaction { session in
            let row = try await reach(principal, id, lock: true, session: session)
            try await session.query("DELETE FROM webhook_subscriptions WHERE id = $1", id)
            try await audit("webhook.deleted", principal, id, try Self.subscription(row).organisation, client, session, details: [:])
        }
    }

    /// A new signing secret, shown once; the old one stops signing at once.
    public func rotateSecret(_ principal: Principal, id: UUID, client: ClientInfo) async throws -> WebhookSubscription {
        try principal.requireAccess(.governanceWrite)
        let secret = Self.newSecret()
        return try await postgres.withTransaction { session in
            _ = try await reach(principal, id, lock: true, session: session)
            let row = try await session.query("UPDATE webhook_subscriptions SET secret = $2, updated_at = now() WHERE id = $1 RETURNING \(Self.columns)",
                                              id, try box.seal(Data(secret.utf8), owner: id)).required()
            var subscription = try Self.subscription(row)
            try await audit("webhook.secret_rotated", principal, id, subscription.organisation, client, session, details: [:])
            subscription.secret = secret
            return subscription
        }
    }

    /// `whsec_` and 32 random bytes in base64url.
    static func newSecret() -> String {
        "whsec_" + Data(SecureRandom.bytes(32)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The subscription's deliveries, newest first.
    public func deliveries(_ principal: Principal, id: UUID, limit: Int) async throws -> [WebhookDelivery] {
        try principal.requireAccess(.governanceRead)
        return try await postgres.withSession { session in
            _ = try await reach(principal, id, session: session)
            return try await session.query("""
                SELECT \(Self.deliveryColumns) FROM webhook_deliveries WHERE subscription_id = $1 ORDER BY created_at DESC, id LIMIT $2
                """, id, limit).map(Self.delivery)
        }
    }

    /// Sends a delivery's event again, as a new delivery with the same body and event id.
    ///
    /// - Throws: 409 while the subscription is switched off.
    public func redeliver(_ principal: Principal, deliveryID: UUID, client: ClientInfo) async throws -> WebhookDelivery {
        try principal.requireAccess(.governanceWrite)
        return try await outbox.transaction { unit in
            let session = unit.session
            guard let original = try await session.query("SELECT subscription_id FROM webhook_deliveries WHERE id = $1", deliveryID).first else {
                throw DomainError.notFound("No such delivery.")
            }
            let subscriptionID: UUID = try original.decode("subscription_id")
            let subscription = try Self.subscription(try await reach(principal, subscriptionID, session: session))
            guard subscription.isActive else { throw DomainError.conflict("The webhook is switched off; switch it on before redelivering.") }
            let id = UUID()
            let row = try await session.query("""
                INSERT INTO webhook_deliveries (id, subscription_id, event_id, event, body, redelivery_of)
                SELECT $1, subscription_id, event_id, event, body, id FROM webhook_deliveries WHERE id = $2
                RETURNING \(Self.deliveryColumns)
                """, id, deliveryID).required()
            try await unit.enqueue(.deliverWebhook, payload: DeliveryPayload(deliveryId: id), queue: Self.queue)
            try await audit("webhook.redelivered", principal, subscriptionID, subscription.organisation, client, session,
                            details: ["delivery_id": deliveryID.postgresText])
            return try Self.delivery(row)
        }
    }

    private func validated(_ input: WebhookInput, organisation: WebhookOrganisation,
                           creating: Bool) async throws -> (url: String?, events: [WebhookEvent]?, description: String?) {
        var validator = Validator()
        let url = input.url.map(TextRules.trimmed)
        if creating { validator.check(url?.isEmpty == false, "url", "required", "The endpoint's address is required.") }
        if let url { validator.check(url.count <= 2048, "url", "too_long", "At most 2048 characters.") }
        var events: [WebhookEvent]?
        if let names = input.events {
            validator.check(!names.isEmpty, "events", "required", "Subscribe to at least one event.")
            validator.check(Set(names).count == names.count, "events", "duplicate", "Name each event once.")
            let unknown = names.filter { WebhookEvent(rawValue: $0) == nil }
            validator.check(unknown.isEmpty, "events", "unknown", "Unknown events: \(unknown.joined(separator: ", ")).")
            let known = names.compactMap(WebhookEvent.init(rawValue:))
            let unseen = known.filter { !$0.audience.contains(organisation.kind) }
            validator.check(unseen.isEmpty, "events", "not_allowed",
                            "A \(organisation.kind.rawValue)'s webhook cannot receive \(unseen.map(\.rawValue).joined(separator: ", ")).")
            events = known
        } else if creating {
            validator.check(false, "events", "required", "Subscribe to at least one event.")
        }
        let description = validator.text(input.description, "description", required: false, maximumLength: 200)
        try validator.throwIfInvalid()
        if let url, !url.isEmpty { try await http.validate(url: url, field: "url") }
        return (url, events, input.description == nil ? nil : description ?? "")
    }

    private func audit(_ action: String, _ principal: Principal, _ id: UUID, _ organisation: WebhookOrganisation, _ client: ClientInfo,
                       _ session: PostgresSession, details: [String: String]) async throws {
        let ref: OrganisationRef = switch organisation.kind {
        case .regulator: .regulator(organisation.id)
        case .observer: .observer(organisation.id)
        case .operator: .operator(organisation.id)
        }
        try await AuditLog.record(AuditEvent(action, by: principal, objectType: "webhook", objectID: id, organisation: ref, client: client,
                                             details: try JobPayloadCoding.encode(details)), in: session)
    }

    static let columns = """
        id, organisation_kind, organisation_id, url, events, description, is_active, failing_since, disabled_at, disabled_reason,
        last_delivery_at, created_at, updated_at
        """

    static func subscription(_ row: PostgresRow) throws -> WebhookSubscription {
        WebhookSubscription(
            id: try row.decode("id"),
            organisation: WebhookOrganisation(try WebhookOrganisation.Kind(stored: try row.decode("organisation_kind")),
                                              try row.decode("organisation_id")),
            url: try row.decode("url"), events: try row.decode("events", as: [String].self).compactMap(WebhookEvent.init(rawValue:)),
            description: try row.decode("description"), isActive: try row.decode("is_active"), failingSince: try row.decode("failing_since"),
            disabledAt: try row.decode("disabled_at"), disabledReason: try row.decode("disabled_reason"), lastDeliveryAt: try row.decode("last_delivery_at"),
            createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"), secret: nil)
    }

    static let deliveryColumns = """
        id, subscription_id, event_id, event, status, attempts, response_status, duration_ms, last_error, redelivery_of, created_at, finished_at
        """

    static func delivery(_ row: PostgresRow) throws -> WebhookDelivery {
        WebhookDelivery(id: try row.decode("id"), subscriptionID: try row.decode("subscription_id"), eventID: try row.decode("event_id"),
                        event: try row.decode("event"), status: try WebhookDelivery.Status(stored: try row.decode("status")),
                        attempts: try row.decode("attempts"), responseStatus: try row.decode("response_status"),
                        durationMilliseconds: try row.decode("duration_ms"), lastError: try row.decode("last_error"),
                        redeliveryOf: try row.decode("redelivery_of"), createdAt: try row.decode("created_at"), finishedAt: try row.decode("finished_at"))
    }

    // MARK: Events

    /// Records `event` for every active subscription of the `audience` that asked for it: one
    /// delivery each and the job sending it, in the transaction that made the event. `data`
    /// holds ids and the minimum a receiver needs; every organisation of the audience may read it.
    ///
    /// - Returns: how many deliveries were recorded.
    @discardableResult
    public static func publish(_ event: WebhookEvent, data: [String: (any Sendable)?], audience: [WebhookOrganisation], at time: Date = Date(),
                        unit: UnitOfWork) async throws -> Int {
        let audience = audience.filter { event.audience.contains($0.kind) }
        guard !audience.isEmpty else { return 0 }
        // One statement finds the subscriptions and records their deliveries, one more their jobs.
        let eventID = UUID()
        let deliveries = try await unit.session.query("""
            INSERT INTO webhook_deliveries (id, subscription_id, event_id, event, body)
            SELECT gen_random_uuid(), id, $4, $1, $5 FROM webhook_subscriptions
            WHERE is_active AND $1 = ANY(events) AND (organisation_kind, organisation_id) IN (SELECT * FROM unnest($2::text[], $3::uuid[]))
            RETURNING id
            """, event.rawValue, audience.map(\.kind.rawValue), audience.map(\.id), eventID, try body(event, id: eventID, data: data, at: time))
        try await unit.enqueue(.deliverWebhook, payloads: try deliveries.map { DeliveryPayload(deliveryId: try $0.decode("id")) }, queue: queue)
        return deliveries.count
    }

    /// `{"id", "type", "created_at", "data"}` with sorted keys: the body every subscription of
    /// the event receives.
    static func body(_ event: WebhookEvent, id: UUID, data: [String: (any Sendable)?], at time: Date) throws -> String {
        var object: [String: Any] = [:]
        for (key, value) in data {
            switch value {
            case let uuid as UUID: object[key] = uuid.postgresText
            case let date as Date: object[key] = RFC3339.format(date)
            case .some(let value): object[key] = value
            case .none: object[key] = NSNull()
            }
        }
        let envelope: [String: Any] = ["id": id.postgresText, "type": event.rawValue, "created_at": RFC3339.format(time), "data": object]
        return String(decoding: try JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }

    /// Publishes an incident's event to its regulator, its operator and the observers it is routed to.
    static func publishIncident(_ event: WebhookEvent, incidentID: UUID, extra: [String: (any Sendable)?] = [:], unit: UnitOfWork) async throws {
        guard let row = try await unit.session.query("""
            SELECT i.reference, i.regulator_id, i.operator_id, i.status,
                   ARRAY(SELECT observer_id FROM incident_observers WHERE incident_id = i.id) AS observers
            FROM incidents i WHERE i.id = $1
            """, incidentID).first else { return }
        let operatorID: UUID? = try row.decode("operator_id")
        var audience = [WebhookOrganisation(.regulator, try row.decode("regulator_id"))]
        if let operatorID { audience.append(.init(.operator, operatorID)) }
        audience += try row.decode("observers", as: [UUID].self).map { .init(.observer, $0) }
        var data: [String: (any Sendable)?] = ["incident_id": incidentID, "reference": try row.decode("reference", as: String.self),
                                               "regulator_id": try row.decode("regulator_id", as: UUID.self), "operator_id": operatorID,
                                               "status": try row.decode("status", as: String.self)]
        data.merge(extra) { _, new in new }
        try await publish(event, data: data, audience: audience, unit: unit)
    }

    /// Publishes a declaration's event to its operator and the standard's regulator.
    static func publishDeclaration(_ event: WebhookEvent, declarationID: UUID, unit: UnitOfWork) async throws {
        guard let row = try await unit.session.query("""
            SELECT operator_id, regulator_id, standard_id, year, version, status FROM declarations WHERE id = $1
            """, declarationID).first else { return }
        let operatorID: UUID = try row.decode("operator_id"), regulatorID: UUID = try row.decode("regulator_id")
        try await publish(event, data: ["declaration_id": declarationID, "operator_id": operatorID, "regulator_id": regulatorID,
                                        "standard_id": try row.decode("standard_id", as: UUID.self), "year": try row.decode("year", as: Int.self),
                                        "version": try row.decode("version", as: Int.self), "status": try row.decode("status", as: String.self)],
                          audience: [.init(.regulator, regulatorID), .init(.operator, operatorID)], unit: unit)
    }

    /// Publishes the end of a report generation (done, with errors, failed or cancelled) to its regulator.
    static func publishReportGeneration(_ generationID: UUID, unit: UnitOfWork) async throws {
        guard let row = try await unit.session.query("""
            SELECT project_id, regulator_id, status, artefact_id IS NOT NULL AS downloadable FROM report_generations WHERE id = $1
            """, generationID).first else { return }
        let regulatorID: UUID = try row.decode("regulator_id")
        try await publish(.reportGenerationFinished, data: [
            "generation_id": generationID, "project_id": try row.decode("project_id", as: UUID.self), "regulator_id": regulatorID,
            "status": try row.decode("status", as: String.self),
            "artefact_path": try row.decode("downloadable", as: Bool.self) ? "/api/v1/reporting-generations/\(generationID.postgresText)/artefact" : nil,
        ], audience: [.init(.regulator, regulatorID)], unit: unit)
    }

    /// Deletes finished deliveries older than `retention` (the delivery log's memory), and the
    /// RT messages of the same age; returns how many deliveries went.
    @discardableResult
    public func purge(retention: Duration, now: Date = Date()) async throws -> Int {
        let cutoff = now.addingTimeInterval(-Double(retention.components.seconds))
        try await postgres.query("DELETE FROM rt_messages WHERE finished_at < $1", cutoff)
        return try await BatchedPurge.run(postgres, logger: logger, action: "retention.webhook_deliveries_deleted", cutoff: cutoff, batchSize: 5000, """
            DELETE FROM webhook_deliveries WHERE id IN (
                SELECT id FROM webhook_deliveries WHERE finished_at < $1 ORDER BY finished_at LIMIT $2 FOR UPDATE SKIP LOCKED)
            RETURNING id
            """)
    }

    // MARK: Worker

    struct DeliveryPayload: Codable {
        var deliveryId: UUID
    }

    /// `t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
    public static func signature(secret: String, timestamp: Int, body: String) -> String {
        let mac = HMAC<Crypto.SHA256>.authenticationCode(for: Data("\(timestamp).\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        return "t=\(timestamp),v1=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    private enum Outcome {
        case delivered, retry(String), failed(String)
    }

    /// Sends one delivery. The delivery's row stays locked while it is sent: a duplicate of the
    /// job waits, then finds it finished (and does nothing) or due for a retry (and makes it).
    func deliver(deliveryID: UUID, attempt: Int) async throws {
        let outcome: Outcome? = try await outbox.transaction { unit -> Outcome? in
            let session = unit.session
            guard let row = try await session.query("""
                SELECT d.body, d.event, d.status, s.id AS subscription_id, s.url, s.secret, s.is_active
                FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id
                WHERE d.id = $1 FOR UPDATE OF d
                """, deliveryID).first,
                ["pending", "retrying"].contains(try row.decode("status", as: String.self)) else { return nil }
            let subscriptionID: UUID = try row.decode("subscription_id")
            guard try row.decode("is_active", as: Bool.self) else {
                try await Self.record(deliveryID, .failed("the webhook is switched off"), status: nil, milliseconds: nil, session: session)
                return nil
            }
            guard let secret = try? box.open(try row.decode("secret"), owner: subscriptionID) else {
                let outcome = Outcome.failed("the signing secret cannot be read (SECRET_KEY changed?): rotate it")
                try await settle(deliveryID, subscriptionID: subscriptionID, outcome, status: nil, milliseconds: nil, unit: unit)
                return outcome
            }
            let body: String = try row.decode("body")
            let timestamp = Int(now().timeIntervalSince1970)
            let request = OutboundRequest(url: try row.decode("url"), headers: [
                ("Content-Type", "application/json"), ("User-Agent", "governance-platform-webhooks"),
                ("X-Governance-Event", try row.decode("event", as: String.self)), ("X-Governance-Delivery", deliveryID.postgresText),
                ("X-Governance-Signature", Self.signature(secret: String(decoding: secret, as: UTF8.self), timestamp: timestamp, body: body)),
            ], body: Data(body.utf8), timeoutMilliseconds: Self.timeoutMilliseconds)
            var outcome: Outcome
            var status: Int?, milliseconds: Double?
            do {
                let response = try await http.send(request)
                status = response.status
                milliseconds = response.milliseconds
                switch response.verdict {
                case .accepted: outcome = .delivered
                case .transient: outcome = .retry("HTTP \(response.status)")
                case .refused: outcome = .failed("HTTP \(response.status)")
                }
            } catch OutboundError.refused(let reason) {
                outcome = .failed("refused: \(reason)")
            } catch OutboundError.unreachable(let reason) {
                outcome = .retry(reason)
            }
            if case .retry(let reason) = outcome, !retryPolicy.allowsRetry(afterAttempt: attempt) {
                outcome = .failed("\(reason), at the last attempt")
            }
            try await settle(deliveryID, subscriptionID: subscriptionID, outcome, status: status, milliseconds: milliseconds, unit: unit)
            return outcome
        }
        if case .retry(let reason) = outcome { throw WebhookRetry(reason: reason) }
    }

    private struct WebhookRetry: Error, CustomStringConvertible {
        var reason: String
        var description: String { "webhook delivery failed (\(reason)); will retry" }
    }

    private static func record(_ id: UUID, _ outcome: Outcome, status: Int?, milliseconds: Double?, session: PostgresSession) async throws {
        let (state, error): (String, String?) = switch outcome {
        case .delivered: ("delivered", nil)
        case .retry(let reason): ("retrying", reason)
        case .failed(let reason): ("failed", reason)
        }
        try await session.query("""
            UPDATE webhook_deliveries SET status = $2, last_error = $3, response_status = $4, duration_ms = $5, attempts = attempts + 1,
                last_attempt_at = now(), finished_at = CASE WHEN $2 IN ('delivered', 'failed') THEN now() END
            WHERE id = $1
            """, id, state, error, status, milliseconds)
    }

    /// Records the attempt on the delivery and its subscription; a subscription failing since
    /// longer than `disableAfter` is switched off and its administrators told.
    private func settle(_ id: UUID, subscriptionID: UUID, _ outcome: Outcome, status: Int?, milliseconds: Double?, unit: UnitOfWork) async throws {
        let session = unit.session
        try await Self.record(id, outcome, status: status, milliseconds: milliseconds, session: session)
        if case .delivered = outcome {
            // Only when it changes something: deliveries of one busy webhook would otherwise
            // queue on its row, one transaction after the other.
            try await session.query("""
                UPDATE webhook_subscriptions SET failing_since = NULL, last_delivery_at = now()
                WHERE id = $1 AND (failing_since IS NOT NULL OR last_delivery_at IS NULL OR last_delivery_at < now() - interval '10 seconds')
                """, subscriptionID)
            return
        }
        let row = try await session.query("""
            UPDATE webhook_subscriptions SET failing_since = coalesce(failing_since, now()), last_delivery_at = now() WHERE id = $1
            RETURNING is_active, failing_since, organisation_kind, organisation_id, url
            """, subscriptionID).required()
        let failingSince: Date = try row.decode("failing_since")
        guard case .failed = outcome, try row.decode("is_active", as: Bool.self),
              failingSince.addingTimeInterval(Double(disableAfter.components.seconds)) <= now() else { return }
        let hours = disableAfter.components.seconds / 3600
        let reason = hours == 0 ? "a delivery failed for good" : "deliveries have failed for more than \(hours) hours"
        try await session.query("""
            UPDATE webhook_subscriptions SET is_active = false, disabled_at = now(), disabled_reason = $2 WHERE id = $1
            """, subscriptionID, reason)
        let (table, column, condition) = switch try WebhookOrganisation.Kind(stored: try row.decode("organisation_kind")) {
        case .regulator: ("regulator_memberships", "regulator_id", "")
        case .observer: ("observer_memberships", "observer_id", "")
        case .operator: ("operator_memberships", "operator_id", " AND m.approved_at IS NOT NULL")
        }
        let url: String = try row.decode("url")
        for admin in try await session.query("""
            SELECT u.email FROM \(table) m JOIN users u ON u.id = m.user_id AND u.is_active
            WHERE m.\(column) = $1 AND m.is_administrator\(condition) ORDER BY u.email
            """, try row.decode("organisation_id", as: UUID.self)) {
            try await unit.sendEmail(OutgoingEmail(
                to: [MailAddress(try admin.decode("email"))], subject: "Webhook switched off: \(url)",
                text: """
                    The webhook \(url) (\(subscriptionID.postgresText)) was switched off: \(reason).
                    Its delivery log shows the answers received. Switch it back on once the endpoint works again
                    (PATCH /api/v1/webhooks/\(subscriptionID.postgresText) with {"active": true}), then redeliver what it missed.
                    """), from: sender)
        }
        logger.warning("webhook switched off", metadata: ["webhook": "\(subscriptionID)", "url": "\(url)"])
    }
}

extension JobKind {
    /// Sends one webhook delivery (payload: the delivery's id).
    public static let deliverWebhook = JobKind(rawValue: "deliver_webhook")
}

struct DeliverWebhookHandler: JobHandler {
    let webhooks: Webhooks

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        let payload = try JobPayloadCoding.decode(Webhooks.DeliveryPayload.self, from: job.payload)
        try await webhooks.deliver(deliveryID: payload.deliveryId, attempt: job.attempt)
    }
}
