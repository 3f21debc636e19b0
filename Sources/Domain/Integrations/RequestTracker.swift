import Foundation
import Logging
import Mail
import Outbound
import Postgres
import Redis

/// An observer's Request Tracker as its administrators see it: never the token, only whether
/// one is set, and the outcome of the latest connection test.
public struct TicketingConfiguration: Sendable, Equatable {
    public struct Check: Sendable, Equatable {
        public var at: Date
        public var ok: Bool
        /// RT's HTTP status, when it answered.
        public var status: Int?
        public var message: String
    }

    public var observerID: UUID
    public var url: String
    public var queue: String
    public var tokenSet: Bool
    public var updatedAt: Date
    public var lastCheck: Check?
}

/// What an administrator writes; the token may be left out to keep the stored one.
public struct TicketingInput: Sendable {
    public var url: String
    public var queue: String
    public var token: String?

    public init(url: String, queue: String, token: String?) {
        self.url = url
        self.queue = queue
        self.token = token
    }
}

/// One incident e-mail an RT observer received as a ticket, a correspondence, or (RT not taking
/// it) an e-mail after all.
public struct TicketingMessage: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case ticket, correspondence, email, dropped
    }

    public var id: UUID
    public var incidentID: UUID
    public var subject: String
    /// `nil` while the job is on its way.
    public var outcome: Outcome?
    public var ticketID: Int?
    public var detail: String?
    public var createdAt: Date
    public var finishedAt: Date?
}

/// Request Tracker for observers (the reference's §9): the openings and submissions of incidents
/// routed to an observer with an RT configuration become a ticket per (incident, observer) and
/// correspondence on it, sent by the worker; when RT refuses, is misconfigured, or stays down
/// through every retry, the observer's addresses get the e-mail instead.
///
/// Calls go through ``OutboundHTTP`` (HTTPS only, addresses checked after resolution at every
/// call). The token is sealed with ``SecretBox`` and only ever opened by the worker.
public struct RequestTracker: Sendable {
    let postgres: PostgresClient
    let outbox: Outbox
    let http: OutboundHTTP
    let box: SecretBox
    let sender: MailAddress
    let retryPolicy: RetryPolicy
    let logger: Logger
    /// How long RT has to answer a call.
    static let timeoutMilliseconds = 10_000

    init(postgres: PostgresClient, outbox: Outbox, http: OutboundHTTP, secretKey: String, sender: MailAddress, retryPolicy: RetryPolicy,
         logger: Logger) {
        self.postgres = postgres
        self.outbox = outbox
        self.http = http
        box = SecretBox(secretKey: secretKey, purpose: "rt-token")
        self.sender = sender
        self.retryPolicy = retryPolicy
        self.logger = logger
    }

    static let queue = "outbound"

    // MARK: Configuration

    public func configuration(_ principal: Principal, observerID: UUID) async throws -> TicketingConfiguration {
        try principal.requireAccess(.governanceRead)
        try principal.affiliations.authorize(.readTicketing, at: .observer(observerID), object: "observer")
        return try await postgres.withSession { session in
            try await Self.requireObserver(observerID, session: session)
            guard let row = try await session.query("SELECT \(Self.columns) FROM observer_ticketing WHERE observer_id = $1", observerID).first else {
                throw DomainError.notFound("This observer has no Request Tracker configured: incidents reach it by e-mail.")
            }
            return try Self.configuration(row)
        }
    }

    /// Creates or replaces the configuration. The URL is checked (form, and the addresses its
    /// host resolves to now); the token is required the first time and kept when left out later,
    /// unless the URL now names another server (scheme, host or port).
    ///
    /// - Throws: 422 naming each faulty field (`rt_url` refused or unresolvable, `queue`, `token`).
    public func save(_ principal: Principal, observerID: UUID, _ input: TicketingInput, client: ClientInfo) async throws -> TicketingConfiguration {
        try principal.requireAccess(.governanceWrite)
        try principal.affiliations.authorize(.manageTicketing, at: .observer(observerID), object: "observer")
        var validator = Validator()
        var url = TextRules.trimmed(input.url)
        while url.hasSuffix("/") { url.removeLast() }
        validator.check(!url.isEmpty, "rt_url", "required", "The address of the Request Tracker is required.")
        validator.check(url.count <= 2048, "rt_url", "too_long", "At most 2048 characters.")
        if let components = URLComponents(string: url), !url.isEmpty {
            validator.check(components.query == nil && components.fragment == nil, "rt_url", "invalid",
                            "The address of the Request Tracker takes no query or fragment (e.g. https://rt.example.org).")
        }
        let queue = validator.text(input.queue, "queue", required: true, maximumLength: 200) ?? ""
        validator.check(!queue.contains("/"), "queue", "invalid", "A queue name has no slash.")
        let token = input.token.map(TextRules.trimmed)
        if let token {
            validator.check(!token.isEmpty && token.count <= 512, "token", "invalid", "The token has 1 to 512 characters.")
            validator.check(!token.contains(where: { $0.isNewline }), "token", "invalid", "The token is one line.")
        }
        try validator.throwIfInvalid()
        try await http.validate(url: url, field: "rt_url")
        return try await postgres.withTransaction { session in
            try await Self.requireObserver(observerID, session: session)
            let sealed = try token.map { try box.seal(Data($0.utf8), owner: observerID) }
            let current = try await session.query("SELECT rt_url FROM observer_ticketing WHERE observer_id = $1 FOR UPDATE", observerID).first
            let existing = current != nil
            guard existing || sealed != nil else {
                throw DomainError.validation([FieldError(field: "token", code: "required", message: "The RT token is required the first time.")])
            }
            // The sealed token goes only where it was given for: another server needs it again.
            if let current, sealed == nil, !Self.sameOrigin(try current.decode("rt_url", as: String.self), url) {
                throw DomainError.validation([FieldError(field: "token", code: "required",
                                                         message: "The address points to another server than before: send the RT token again.")])
            }
            // A new address or token makes the last test meaningless.
            let row = try await session.query(existing ? """
                UPDATE observer_ticketing SET rt_url = $2, queue = $3, token = coalesce($4, token), updated_at = now(),
                    checked_at = NULL, check_ok = NULL, check_status = NULL, check_message = NULL
                WHERE observer_id = $1 RETURNING \(Self.columns)
                """ : """
                INSERT INTO observer_ticketing (observer_id, rt_url, queue, token) VALUES ($1, $2, $3, $4) RETURNING \(Self.columns)
                """, observerID, url, queue, sealed).required()
            try await AuditLog.record(AuditEvent("observer.ticketing_set", by: principal, objectType: "observer", objectID: observerID,
                                                 organisation: .observer(observerID), client: client,
                                                 details: try JobPayloadCoding.encode(["rt_url": url, "queue": queue,
                                                                                       "token": sealed == nil ? "kept" : "set"])), in: session)
            return try Self.configuration(row)
        }
    }

    /// Whether two addresses name the same server: scheme, host (any case) and port (the
    /// scheme's default when none is written).
    static func sameOrigin(_ first: String, _ second: String) -> Bool {
        func origin(_ url: String) -> String? {
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
                  let host = components.host?.lowercased(), !host.isEmpty else { return nil }
            let port = components.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : -1)
            return "\(scheme)://\(host):\(port)"
        }
        guard let a = origin(first), let b = origin(second) else { return false }
        return a == b
    }

    /// Removes the configuration: the observer's incidents go back to e-mail; its tickets are
    /// forgotten. Idempotent: an observer without one answers as if it had just been removed.
    public func delete(_ principal: Principal, observerID: UUID, client: ClientInfo) async throws {
        try principal.requireAccess(.governanceWrite)
        try principal.affiliations.authorize(.manageTicketing, at: .observer(observerID), object: "observer")
        try await postgres.withTransaction { session in
            try await Self.requireObserver(observerID, session: session)
            guard try await session.query("DELETE FROM observer_ticketing WHERE observer_id = $1 RETURNING observer_id", observerID).count == 1 else {
                return
            }
            try await AuditLog.record(AuditEvent("observer.ticketing_removed", by: principal, objectType: "observer", objectID: observerID,
                                                 organisation: .observer(observerID), client: client), in: session)
        }
    }

    /// Queues a connection test (`GET /REST/2.0/queue/{queue}` from the worker); its job is
    /// tracked, done when RT answers 200, failed otherwise, and the outcome is kept on the
    /// configuration.
    public func test(_ principal: Principal, observerID: UUID, client: ClientInfo) async throws -> JobStatus {
        try principal.requireAccess(.governanceWrite)
        try principal.affiliations.authorize(.manageTicketing, at: .observer(observerID), object: "observer")
        let jobID = try await outbox.transaction { unit in
            guard try await unit.session.query("SELECT 1 FROM observer_ticketing WHERE observer_id = $1", observerID).count == 1 else {
                throw DomainError.notFound("This observer has no Request Tracker configured.")
            }
            let jobID = try await unit.enqueue(.testTicketing, payload: ObserverPayload(observerId: observerID), queue: Self.queue)
            try await TrackedJobs.track(jobID, subjectType: "observer_ticketing", subjectID: observerID,
                                        resultPath: "/api/v1/observers/\(observerID.postgresText)/ticketing", session: unit.session)
            try await AuditLog.record(AuditEvent("observer.ticketing_tested", by: principal, objectType: "observer", objectID: observerID,
                                                 organisation: .observer(observerID), client: client), in: unit.session)
            return jobID
        }
        return try await postgres.withSession { try await TrackedJobs.requiredStatus(jobID, session: $0) }
    }

    /// The latest incident e-mails sent to the observer through RT, newest first.
    public func messages(_ principal: Principal, observerID: UUID, limit: Int) async throws -> [TicketingMessage] {
        try principal.requireAccess(.governanceRead)
        try principal.affiliations.authorize(.readTicketing, at: .observer(observerID), object: "observer")
        return try await postgres.withSession { session in
            try await Self.requireObserver(observerID, session: session)
            return try await session.query("""
                SELECT id, incident_id, subject, outcome, ticket_id, detail, created_at, finished_at FROM rt_messages
                WHERE observer_id = $1 ORDER BY created_at DESC, id LIMIT $2
                """, observerID, limit).map { row in
                TicketingMessage(id: try row.decode("id"), incidentID: try row.decode("incident_id"), subject: try row.decode("subject"),
                                 outcome: try row.decode("outcome", as: String?.self).flatMap(TicketingMessage.Outcome.init(rawValue:)),
                                 ticketID: try row.decode("ticket_id", as: Int?.self), detail: try row.decode("detail"),
                                 createdAt: try row.decode("created_at"), finishedAt: try row.decode("finished_at"))
            }
        }
    }

    /// Whether the caller may follow a connection test of this observer.
    func canSee(_ principal: Principal, observerID: UUID) -> Bool {
        principal.affiliations.allows(.readTicketing, at: .observer(observerID))
    }

    static let columns = "observer_id, rt_url, queue, updated_at, checked_at, check_ok, check_status, check_message"

    private static func configuration(_ row: PostgresRow) throws -> TicketingConfiguration {
        let checkedAt: Date? = try row.decode("checked_at")
        return TicketingConfiguration(
            observerID: try row.decode("observer_id"), url: try row.decode("rt_url"), queue: try row.decode("queue"), tokenSet: true,
            updatedAt: try row.decode("updated_at"),
            lastCheck: try checkedAt.map { TicketingConfiguration.Check(at: $0, ok: try row.decode("check_ok"), status: try row.decode("check_status"),
                                                                         message: try row.decode("check_message")) })
    }

    private static func requireObserver(_ observerID: UUID, session: PostgresSession) async throws {
        guard try await session.query("SELECT 1 FROM observers WHERE id = $1", observerID).count == 1 else {
            throw DomainError.notFound("No such observer.")
        }
    }

    // MARK: Events

    /// Records, in the event's transaction, the e-mail `observerID` gets as RT ticket or
    /// correspondence, and the job that sends it. `fallback` are the addresses that get it by
    /// e-mail if RT does not take it.
    static func enqueue(incidentID: UUID, observerID: UUID, subject: String, html: String, text: String, fallback: [String],
                        unit: UnitOfWork) async throws {
        let id = UUID()
        try await unit.session.query("""
            INSERT INTO rt_messages (id, incident_id, observer_id, subject, html, text_body, fallback_recipients) VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, id, incidentID, observerID, subject, html, text, fallback)
        try await unit.enqueue(.sendTicket, payload: MessagePayload(messageId: id), queue: queue)
    }

    struct ObserverPayload: Codable {
        var observerId: UUID
    }

    struct MessagePayload: Codable {
        var messageId: UUID
    }

    // MARK: Worker

    private struct Connection {
        var url: String
        var queue: String
        var token: String
    }

    /// The observer's RT with its token opened, or why it cannot be used.
    private func connection(_ observerID: UUID, session: PostgresSession) async throws -> Result<Connection, Unusable> {
        guard let row = try await session.query("SELECT rt_url, queue, token FROM observer_ticketing WHERE observer_id = $1", observerID).first else {
            return .failure(Unusable("no Request Tracker is configured any more"))
        }
        guard let token = try? box.open(try row.decode("token"), owner: observerID) else {
            return .failure(Unusable("the stored RT token cannot be read (SECRET_KEY changed?): write it again"))
        }
        return .success(Connection(url: try row.decode("rt_url"), queue: try row.decode("queue"), token: String(decoding: token, as: UTF8.self)))
    }

    private struct Unusable: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    private func call(_ connection: Connection, method: String, path: String, body: [String: String]? = nil) async throws -> OutboundResponse {
        var headers = [(name: "Authorization", value: "token \(connection.token)"), (name: "Accept", value: "application/json")]
        if body != nil { headers.append((name: "Content-Type", value: "application/json")) }
        let request = OutboundRequest(method: method, url: connection.url + path, headers: headers,
                                      body: try body.map { try JSONSerialization.data(withJSONObject: $0, options: [.sortedKeys]) },
                                      timeoutMilliseconds: Self.timeoutMilliseconds)
        return try await http.send(request)
    }

    /// The connection test: GET the queue, keep the outcome; throws a permanent error (no
    /// retry: the administrator is waiting) when RT does not answer 200.
    func check(observerID: UUID) async throws {
        let outcome: (ok: Bool, status: Int?, message: String)
        let resolved = try await postgres.withSession { try await connection(observerID, session: $0) }
        switch resolved {
        case .failure(let unusable):
            outcome = (false, nil, unusable.reason)
        case .success(let connection):
            do {
                let response = try await call(connection, method: "GET", path: "/REST/2.0/queue/\(Self.pathSegment(connection.queue))")
                switch response.status {
                case 200: outcome = (true, 200, "The queue \(connection.queue) answered.")
                case 401, 403: outcome = (false, response.status, "RT refused the token (HTTP \(response.status)).")
                case 404: outcome = (false, 404, "RT has no queue \(connection.queue) this token can see (HTTP 404).")
                default: outcome = (false, response.status, "RT answered HTTP \(response.status).")
                }
            } catch let error as OutboundError {
                outcome = (false, nil, error.description)
            }
        }
        try await postgres.query("""
            UPDATE observer_ticketing SET checked_at = now(), check_ok = $2, check_status = $3, check_message = $4 WHERE observer_id = $1
            """, observerID, outcome.ok, outcome.status, outcome.message)
        guard outcome.ok else { throw PermanentJobError("RT connection test failed: \(outcome.message)") }
    }

    /// Sends one recorded message: a new ticket for the first of the (incident, observer), a
    /// correspondence on it afterwards. A transient failure (RT down, 5xx, 429) is retried with
    /// the queue's backoff; a refusal (4xx), an unusable configuration or the last attempt's
    /// failure sends the e-mail instead. The (incident, observer) lock keeps two consumers from
    /// opening two tickets, and a finished message is never sent again.
    func send(messageID: UUID, attempt: Int) async throws {
        let fallbackReason: String? = try await outbox.transaction { unit -> String? in
            let session = unit.session
            guard let message = try await session.query("""
                SELECT incident_id, observer_id, subject, html, outcome FROM rt_messages WHERE id = $1
                """, messageID).first else { return nil }
            let incidentID: UUID = try message.decode("incident_id")
            let observerID: UUID = try message.decode("observer_id")
            try await session.query("SELECT pg_advisory_xact_lock(hashtext('rt-ticket:' || $1::text || ':' || $2::text))", incidentID, observerID)
            // Read again under the lock: another delivery of this job may have finished it.
            guard try await session.query("SELECT 1 FROM rt_messages WHERE id = $1 AND outcome IS NULL", messageID).count == 1 else { return nil }
            let connection: Connection
            switch try await self.connection(observerID, session: session) {
            case .failure(let unusable): return unusable.reason
            case .success(let resolved): connection = resolved
            }
            let subject: String = try message.decode("subject")
            let html: String = try message.decode("html")
            let ticket = try await session.query("SELECT ticket_id FROM rt_tickets WHERE incident_id = $1 AND observer_id = $2 AND rt_url = $3",
                                                 incidentID, observerID, connection.url).first.map { try $0.decode("ticket_id", as: Int.self) }
            let response: OutboundResponse
            do {
                if let ticket {
                    response = try await call(connection, method: "POST", path: "/REST/2.0/ticket/\(ticket)/correspond",
                                              body: ["Content": html, "ContentType": "text/html"])
                } else {
                    response = try await call(connection, method: "POST", path: "/REST/2.0/ticket",
                                              body: ["Requestor": sender.email, "Queue": connection.queue, "Subject": subject,
                                                     "Content": html, "ContentType": "text/html"])
                }
            } catch OutboundError.refused(let reason) {
                return "the platform does not call this address: \(reason)"
            } catch OutboundError.unreachable(let reason) {
                if retryPolicy.allowsRetry(afterAttempt: attempt) { throw OutboundError.unreachable(reason) }
                return "RT unreachable at the last attempt: \(reason)"
            }
            switch response.verdict {
            case .accepted:
                if let ticket {
                    try await Self.finish(messageID, outcome: .correspondence, ticketID: ticket, detail: nil, session: session)
                } else {
                    guard let created = Self.ticketID(response.body) else {
                        return "RT answered \(response.status) without a ticket id"
                    }
                    try await session.query("""
                        INSERT INTO rt_tickets (incident_id, observer_id, ticket_id, rt_url) VALUES ($1, $2, $3, $4)
                        ON CONFLICT (incident_id, observer_id) DO UPDATE SET ticket_id = excluded.ticket_id, rt_url = excluded.rt_url, created_at = now()
                        """, incidentID, observerID, created, connection.url)
                    try await Self.finish(messageID, outcome: .ticket, ticketID: created, detail: nil, session: session)
                }
                return nil
            case .transient:
                if retryPolicy.allowsRetry(afterAttempt: attempt) { throw TransientRTError(status: response.status) }
                return "RT answered HTTP \(response.status) at the last attempt"
            case .refused:
                return "RT answered HTTP \(response.status)"
            }
        }
        if let fallbackReason { try await fallBack(messageID, reason: fallbackReason) }
    }

    private struct TransientRTError: Error, CustomStringConvertible {
        var status: Int
        var description: String { "RT answered HTTP \(status); will retry" }
    }

    /// E-mails the message to its fallback addresses instead, once.
    private func fallBack(_ messageID: UUID, reason: String) async throws {
        try await outbox.transaction { unit in
            guard let message = try await unit.session.query("""
                SELECT subject, html, text_body, fallback_recipients, observer_id FROM rt_messages WHERE id = $1 AND outcome IS NULL FOR UPDATE
                """, messageID).first else { return }
            let recipients: [String] = try message.decode("fallback_recipients")
            for recipient in recipients {
                try await unit.sendEmail(OutgoingEmail(to: [MailAddress(recipient)], subject: try message.decode("subject"),
                                                       text: try message.decode("text_body"), html: try message.decode("html")), from: sender)
            }
            try await Self.finish(messageID, outcome: recipients.isEmpty ? .dropped : .email, ticketID: nil,
                                  detail: recipients.isEmpty ? "\(reason); the observer has no e-mail address" : reason, session: unit.session)
            let observerID: UUID = try message.decode("observer_id")
            logger.warning("RT message sent by e-mail instead", metadata: ["message": "\(messageID)", "reason": "\(reason)", "observer": "\(observerID)"])
        }
    }

    private static func finish(_ id: UUID, outcome: TicketingMessage.Outcome, ticketID: Int?, detail: String?, session: PostgresSession) async throws {
        try await session.query("UPDATE rt_messages SET outcome = $2, ticket_id = $3, detail = $4, finished_at = now() WHERE id = $1",
                                id, outcome.rawValue, ticketID, detail)
    }

    /// The `id` of RT's answer to a ticket creation (`{"id": 42, ...}`; RT sends it as a number
    /// or, in some versions, a string).
    static func ticketID(_ body: Data) -> Int? {
        guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return nil }
        if let number = object["id"] as? Int, number > 0 { return number }
        if let text = object["id"] as? String, let number = Int(text), number > 0 { return number }
        return nil
    }

    /// A queue name as one URL path segment.
    static func pathSegment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

extension JobKind {
    /// Tests an observer's RT configuration (payload: the observer's id).
    public static let testTicketing = JobKind(rawValue: "test_ticketing")
    /// Sends one incident e-mail to an observer's RT, or by e-mail when RT does not take it.
    public static let sendTicket = JobKind(rawValue: "send_ticket")
}

struct TestTicketingHandler: JobHandler {
    let tracker: RequestTracker

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        let payload = try JobPayloadCoding.decode(RequestTracker.ObserverPayload.self, from: job.payload)
        try await tracker.check(observerID: payload.observerId)
    }
}

struct SendTicketHandler: JobHandler {
    let tracker: RequestTracker

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        let payload = try JobPayloadCoding.decode(RequestTracker.MessagePayload.self, from: job.payload)
        try await tracker.send(messageID: payload.messageId, attempt: job.attempt)
    }
}
