import Foundation
import Logging
import Mail
import Postgres

/// Sends stored e-mails, at most once each: the row is locked while sending and marked sent in
/// the same transaction, so a redelivered job finds it sent and does nothing.
public struct EmailDelivery: Sendable {
    public let postgres: PostgresClient
    public let transport: any MailTransport
    let logger: Logger

    public init(postgres: PostgresClient, transport: any MailTransport, logger: Logger) {
        self.postgres = postgres
        self.transport = transport
        self.logger = logger
    }

    public enum Outcome: Sendable, Equatable {
        case sent
        case alreadySent
    }

    /// Sends the e-mail `id`.
    ///
    /// - Throws: ``MailError`` (transient ones are retried by the worker), ``PermanentJobError``
    ///   when the e-mail does not exist, or an error meaning another consumer holds it right now.
    public func deliver(_ id: UUID) async throws -> Outcome {
        let result: Result<Outcome, MailError> = try await postgres.withTransaction { session in
            guard let row = try await session.query("""
                SELECT from_address, from_name, to_addresses, subject, text_body, html_body, attachment_ids, sent_at
                FROM emails WHERE id = $1 FOR UPDATE SKIP LOCKED
                """, id).first
            else {
                let exists = try await session.query("SELECT 1 FROM emails WHERE id = $1", id).count == 1
                if exists { throw EmailBusy() }
                throw PermanentJobError("e-mail \(id) does not exist")
            }
            if try row.decode("sent_at", as: Date?.self) != nil { return .success(.alreadySent) }
            let attachments = try await loadAttachments(try row.decode("attachment_ids", as: [UUID].self), session: session)
            let message = MailMessage(
                from: MailAddress(try row.decode("from_address"), name: try row.decode("from_name", as: String?.self)),
                to: try row.decode("to_addresses", as: [String].self).map { MailAddress($0) },
                subject: try row.decode("subject"), text: try row.decode("text_body"), html: try row.decode("html_body", as: String?.self),
                attachments: attachments,
                messageID: "\(id.postgresText)@\(Self.domain(of: try row.decode("from_address")))")
            do {
                try await transport.send(message)
                try await session.query("UPDATE emails SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1", id)
                try await session.query(Self.redactSensitive, id)
                return .success(.sent)
            } catch let error as MailError {
                try await session.query("""
                    UPDATE emails SET attempts = attempts + 1, last_error = $2,
                        failed_at = CASE WHEN $3 THEN NULL ELSE now() END
                    WHERE id = $1
                    """, id, error.description, error.isTransient)
                if !error.isTransient { try await session.query(Self.redactSensitive, id) }
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Erases the body of a sent (or finally failed) e-mail that carried a secret such as a
    /// single-use link: the database keeps who got what and when, not the link.
    static let redactSensitive = """
        UPDATE emails SET text_body = '', html_body = NULL, redacted_at = now() WHERE id = $1 AND is_sensitive AND redacted_at IS NULL
        """

    private func loadAttachments(_ ids: [UUID], session: PostgresSession) async throws -> [MailAttachment] {
        guard !ids.isEmpty else { return [] }
        let rows = try await session.query(
            "SELECT id, filename, content_type, content FROM documents WHERE id = ANY($1::uuid[])", ids)
        var byID: [UUID: MailAttachment] = [:]
        for row in rows {
            byID[try row.decode("id")] = MailAttachment(
                filename: try row.decode("filename"), contentType: try row.decode("content_type"), data: try row.decode("content"))
        }
        // An attachment still being rendered makes the send wait for a retry.
        return try ids.map { id in
            guard let attachment = byID[id] else { throw AttachmentNotReady(id: id) }
            return attachment
        }
    }

    private static func domain(of address: String) -> String {
        address.split(separator: "@").last.map(String.init) ?? "localhost"
    }
}

/// Another consumer is sending this e-mail right now; retry later.
struct EmailBusy: Error, CustomStringConvertible {
    var description: String { "e-mail is being sent by another consumer" }
}

/// An attached document does not exist yet; retry later.
struct AttachmentNotReady: Error, CustomStringConvertible {
    let id: UUID
    var description: String { "attachment \(id) is not stored yet" }
}
