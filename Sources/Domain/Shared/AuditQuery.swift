import Foundation
import Postgres

/// A page of the audit log, newest first.
public struct AuditPage: Sendable {
    public struct Entry: Sendable, Equatable {
        public let id: Int64
        public let occurredAt: Date
        public let action: String
        public let actorID: UUID?
        public let actorRole: String?
        public let organisationID: UUID?
        public let objectType: String?
        public let objectID: String?
        public let clientAddress: String?
        public let requestID: String?
        public let details: String
    }

    public let entries: [Entry]
    /// Pass back as `cursor` for the next page; `nil` on the last page.
    public let nextCursor: String?
}

/// Filters of the audit log.
public struct AuditFilter: Sendable {
    public var action: String?
    public var actorID: UUID?
    public var objectType: String?
    public var objectID: String?
    public var since: Date?
    public var until: Date?

    public init(action: String? = nil, actorID: UUID? = nil, objectType: String? = nil, objectID: String? = nil, since: Date? = nil,
                until: Date? = nil) {
        self.action = action
        self.actorID = actorID
        self.objectType = objectType
        self.objectID = objectID
        self.since = since
        self.until = until
    }
}

/// Reading the audit log: platform administrators see all of it; regulator administrators the
/// events about their regulator and its objects, and those its staff made while they belonged
/// to it (a former member of another regulator brings no history along).
public struct AuditQuery: Sendable {
    let postgres: PostgresClient

    public init(postgres: PostgresClient) {
        self.postgres = postgres
    }

    /// - Throws: ``DomainError/forbidden(_:)`` for callers who may not read the log;
    ///   ``DomainError/validation(_:)`` for a bad cursor or page size.
    public func page(_ principal: Principal, filter: AuditFilter, limit: Int, cursor: String?) async throws -> AuditPage {
        try principal.requireAccess(.governanceRead)
        try principal.affiliations.authorize(.readAuditLog, object: "audit log")
        // .all for platform administrators; .own (their regulator) for regulator administrators.
        let regulatorScope = GovernancePolicy.reach(principal.role, .readAuditLog) == .all ? nil : principal.affiliations.regulator?.regulatorID
        try PageCursor.check(limit: limit)
        var before = Int64.max
        if let cursor {
            guard let value = Int64(cursor), value > 0 else {
                throw DomainError.validation([FieldError(field: "cursor", code: "invalid", message: "Use the next_cursor of a previous page.")])
            }
            before = value
        }
        let rows = try await postgres.query(Self.pageStatement(filter: filter, limit: limit, before: before, regulatorScope: regulatorScope))
        let entries = try rows.prefix(limit).map { row in
            AuditPage.Entry(
                id: try row.decode("id"), occurredAt: try row.decode("occurred_at"), action: try row.decode("action"),
                actorID: try row.decode("actor_id"), actorRole: try row.decode("actor_role"), organisationID: try row.decode("organisation_id"),
                objectType: try row.decode("object_type"), objectID: try row.decode("object_id"), clientAddress: try row.decode("client_address"),
                requestID: try row.decode("request_id"), details: try row.decode("details"))
        }
        return AuditPage(entries: entries, nextCursor: rows.count > limit ? entries.last.map { String($0.id) } : nil)
    }

    /// The page query: `limit + 1` entries before the id `before`, newest first, within the
    /// regulator's scope when one is given.
    static func pageStatement(filter: AuditFilter, limit: Int, before: Int64, regulatorScope: UUID?) -> Statement {
        Statement(sql: """
            SELECT id, occurred_at, action, actor_id, actor_role, organisation_id, object_type, object_id, client_address, request_id, details::text AS details
            FROM audit_events
            WHERE id < $1
              AND ($2::text IS NULL OR action = $2) AND ($3::uuid IS NULL OR actor_id = $3)
              AND ($4::text IS NULL OR object_type = $4) AND ($5::text IS NULL OR object_id = $5)
              AND ($6::timestamptz IS NULL OR occurred_at >= $6) AND ($7::timestamptz IS NULL OR occurred_at < $7)
              AND ($9::uuid IS NULL OR organisation_id = $9 OR actor_organisation_id = $9)
            ORDER BY id DESC
            LIMIT $8::int
            """, bindings: [before, filter.action, filter.actorID, filter.objectType, filter.objectID, filter.since, filter.until, limit + 1, regulatorScope])
    }
}
