import Foundation
import Postgres

/// A regulator's incident configuration: e-mail templates, impacts, question categories,
/// questions, report types with their questionnaires, and notification workflows.
///
/// Regulator staff read their own regulator's configuration; its administrators change it. Every
/// statement is filtered by the caller's regulator, so another regulator's object is "no such
/// object" (404), and references between objects are checked within the regulator (and again
/// by composite foreign keys).
public struct IncidentConfiguration: Sendable {
    let postgres: PostgresClient

    public init(postgres: PostgresClient) {
        self.postgres = postgres
    }

    /// The caller's regulator, for reading its configuration.
    ///
    /// - Throws: 403 for callers who read no configuration at all, or 404 when the call names
    ///   an `object` (they may not know it exists).
    func readableRegulator(_ principal: Principal, object: String? = nil) throws -> UUID {
        try principal.requireAccess(.incidentsRead)
        return try regulator(principal, object: object)
    }

    /// The caller's regulator, for changing its configuration: read access as
    /// ``readableRegulator(_:object:)``, then 403 for regulator users.
    func writableRegulator(_ principal: Principal, object: String? = nil) throws -> UUID {
        try principal.requireAccess(.incidentsWrite)
        let regulatorID = try regulator(principal, object: object)
        try principal.affiliations.authorize(.manageConfiguration, at: .regulator(regulatorID), object: object ?? "object")
        return regulatorID
    }

    private func regulator(_ principal: Principal, object: String?) throws -> UUID {
        guard let regulatorID = principal.affiliations.regulator?.regulatorID,
              principal.affiliations.allows(.readConfiguration, at: .regulator(regulatorID)) else {
            if let object { throw DomainError.notFound("No such \(object).") }
            throw DomainError.forbidden("Only regulator staff read and change the incident configuration of their regulator.")
        }
        return regulatorID
    }

    /// Records a configuration change in the audit log.
    func audit(_ action: String, _ principal: Principal, objectType: String, objectID: UUID, regulatorID: UUID, client: ClientInfo,
               in session: PostgresSession) async throws {
        try await AuditLog.record(AuditEvent(action, by: principal, objectType: objectType, objectID: objectID,
                                             organisation: .regulator(regulatorID), client: client), in: session)
    }

    /// Deletes one of the regulator's objects, audited; 409 with `inUse` while something refers to it.
    func deleteOwned(_ principal: Principal, table: String, objectType: String, noun: String, id: UUID, inUse: String,
                     client: ClientInfo) async throws {
        let regulatorID = try writableRegulator(principal, object: noun)
        try await postgres.withTransaction { session in
            try await Queries.delete(from: table, id: id, owner: ("regulator_id", regulatorID), noun: noun, inUse: inUse, session: session)
            try await audit("\(objectType).deleted", principal, objectType: objectType, objectID: id, regulatorID: regulatorID,
                            client: client, in: session)
        }
    }

    /// Which of `ids` (distinct) are not rows of `table` owned by the regulator.
    static func foreign(_ ids: [UUID], in table: String, regulatorID: UUID, session: PostgresSession) async throws -> [UUID] {
        guard !ids.isEmpty else { return [] }
        let owned = Set(try await session.query("SELECT id FROM \(table) WHERE id = ANY($1::uuid[]) AND regulator_id = $2", ids, regulatorID)
            .map { try $0.decode("id", as: UUID.self) })
        return ids.filter { !owned.contains($0) }
    }

    /// Runs `body`, turning a unique violation into 409 `duplicate` and a foreign-key violation
    /// into 409 `inUse` (a template changed to another event while a workflow uses it...).
    func mappingConflicts<T: Sendable>(duplicate: String, inUse: String = "Other objects still refer to it.",
                                       _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PostgresError where error.isUniqueViolation {
            throw DomainError.conflict(duplicate)
        } catch let error as PostgresError where error.isForeignKeyViolation {
            throw DomainError.conflict(inUse)
        }
    }
}

