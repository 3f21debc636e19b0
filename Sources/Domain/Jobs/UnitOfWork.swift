import Foundation
import Postgres

/// A database transaction that can also record jobs; they are pushed to Redis only after commit.
public final class UnitOfWork {
    /// The transaction's session, for the domain's own statements.
    public let session: PostgresSession
    private(set) var messages: [OutboxMessage] = []

    init(session: PostgresSession) {
        self.session = session
    }

    /// Records a job to run once the transaction commits.
    @discardableResult
    public func enqueue<Payload: Encodable>(_ kind: JobKind, payload: Payload, queue: String = "default") async throws -> UUID {
        let text = try JobPayloadCoding.encode(payload)
        let message = OutboxMessage(id: UUID(), kind: kind.rawValue, queue: queue, payload: text)
        try await session.query(
            "INSERT INTO outbox (id, kind, queue, payload) VALUES ($1, $2, $3, $4::jsonb)",
            message.id, message.kind, message.queue, message.payload)
        messages.append(message)
        return message.id
    }
}
