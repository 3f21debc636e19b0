import Foundation
import Mail
import Postgres

/// What a regulator changes on an incident; `nil` leaves a field as it is.
public struct IncidentChange: Sendable, Equatable {
    public var isOpen: Bool?
    /// The regulator's decision on significance: recorded as an override, which later
    /// submissions do not overwrite.
    public var significant: Bool?
    public var reference: String?

    public init(isOpen: Bool? = nil, significant: Bool? = nil, reference: String? = nil) {
        self.isOpen = isOpen
        self.significant = significant
        self.reference = reference
    }
}

/// The regulator's side of an incident: status, significance and reference.
public struct IncidentReview: Sendable {
    let outbox: Outbox
    let emails: IncidentEmails

    /// Applies `change` to the incident, whose current `ETag` the caller names in `ifMatch`.
    /// Reviewers only: the incident regulator's administrators, and its users for incidents of
    /// their sectors or without sectors. Closing sends the workflow's closing e-mail on the
    /// transition only; reopening sends nothing. Every change is audited.
    ///
    /// - Throws: 404 outside the caller's reach, 403 for those who only read it, 428 without
    ///   `ifMatch`, 412 when it is not the current `ETag`, 409 for a reference already taken.
    public func update(_ principal: Principal, id: UUID, ifMatch: String?, _ change: IncidentChange, client: ClientInfo) async throws -> Incident {
        try principal.requireAccess(.incidentsWrite)
        var reference: String?
        if let value = change.reference {
            let trimmed = TextRules.trimmed(value)
            guard (1...64).contains(trimmed.count), trimmed.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
                throw DomainError.validation([FieldError(field: "reference", code: "invalid",
                                                         message: "A reference has 1 to 64 letters, digits, underscores or dashes.")])
            }
            reference = trimmed
        }
        return try await outbox.transaction { unit in
            let session = unit.session
            let incident = try await IncidentQuery.reachableIncident(principal, id: id, lock: true, session: session)
            guard incident.isReviewer(principal) else {
                throw DomainError.forbidden("Only the staff of the incident's regulator (for its sectors) change its status, significance or reference.")
            }
            try EntityTag.require(ifMatch, current: incident.etag,
                                  missing: "Send If-Match with the incident's ETag (from GET /api/v1/incidents/{id}).",
                                  changed: "The incident changed since you read it; read it again and retry with its new ETag.")
            var events: [(String, [String: String])] = []
            if let isOpen = change.isOpen, isOpen != incident.isOpen {
                try await session.query("UPDATE incidents SET status = $2 WHERE id = $1", id, isOpen ? "open" : "closed")
                events.append((isOpen ? "incident.reopened" : "incident.closed", [:]))
                if !isOpen {
                    try await emails.send(.closing, incidentID: id, unit: unit)
                    try await Webhooks.publishIncident(.incidentClosed, incidentID: id, unit: unit)
                }
            }
            if let significant = change.significant {
                try await session.query("UPDATE incidents SET significant = $2, significance_overridden = true WHERE id = $1", id, significant)
                events.append(("incident.significance_set", ["significant": String(significant)]))
            }
            if let reference, reference != incident.reference {
                do {
                    try await session.query("UPDATE incidents SET reference = $2 WHERE id = $1", id, reference)
                } catch let error as PostgresError where error.isUniqueViolation {
                    throw DomainError.conflict("Another incident has the reference \(reference).")
                }
                events.append(("incident.reference_changed", ["from": incident.reference, "to": reference]))
            }
            if !events.isEmpty {
                try await session.query("UPDATE incidents SET revision = revision + 1, updated_at = now() WHERE id = $1", id)
                try await IncidentAccessLog.record(.changed, by: principal, on: incident, session: session)
            }
            for (action, details) in events {
                try await AuditLog.record(AuditEvent(action, by: principal, objectType: "incident", objectID: id,
                                                     organisation: .regulator(incident.regulatorID), client: client,
                                                     details: try JobPayloadCoding.encode(details)), in: session)
            }
            return try await IncidentQuery.reload(id, session: session)
        }
    }
}
