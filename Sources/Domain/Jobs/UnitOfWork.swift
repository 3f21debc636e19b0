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

    /// Records one job per payload, in one statement (a fan-out); returns their ids in order.
    @discardableResult
    public func enqueue<Payload: Encodable>(_ kind: JobKind, payloads: [Payload], queue: String = "default") async throws -> [UUID] {
        guard !payloads.isEmpty else { return [] }
        let batch = try payloads.map { OutboxMessage(id: UUID(), kind: kind.rawValue, queue: queue, payload: try JobPayloadCoding.encode($0)) }
        try await session.query("""
            INSERT INTO outbox (id, kind, queue, payload) SELECT id, $2, $3, payload::jsonb FROM unnest($1::uuid[], $4::text[]) AS t (id, payload)
            """, batch.map(\.id), kind.rawValue, queue, batch.map(\.payload))
        messages += batch
        return batch.map(\.id)
    }
}
