import Foundation
import Mail

/// An e-mail to store and send through the outbox.
public struct OutgoingEmail: Sendable, Equatable {
    public var to: [MailAddress]
    public var subject: String
    public var text: String
    public var html: String?
    /// Stored documents attached in this order (e.g. a rendered PDF).
    public var attachmentIDs: [UUID]
    /// The body holds a secret (a single-use link): it is erased from the database once the
    /// e-mail is sent or failed for good.
    public var isSensitive: Bool

    public init(to: [MailAddress], subject: String, text: String, html: String? = nil, attachmentIDs: [UUID] = [], isSensitive: Bool = false) {
        self.to = to
        self.subject = subject
        self.text = text
        self.html = html
        self.attachmentIDs = attachmentIDs
        self.isSensitive = isSensitive
    }

    /// The e-mail built from a template and its placeholder values.
    public init(to: [MailAddress], template: MailTemplate, values: [String: String], attachmentIDs: [UUID] = [], isSensitive: Bool = false) {
        let rendered = template.render(values)
        self.init(to: to, subject: rendered.subject, text: rendered.text, html: rendered.html, attachmentIDs: attachmentIDs, isSensitive: isSensitive)
    }
}

/// The payload of a `send_email` job.
public struct SendEmailPayload: Codable, Sendable, Equatable {
    public var emailId: UUID
}

extension UnitOfWork {
    /// Stores an e-mail and records the job that sends it after commit.
    @discardableResult
    public func sendEmail(_ email: OutgoingEmail, from sender: MailAddress) async throws -> UUID {
        let id = UUID()
        try await session.query("""
            INSERT INTO emails (id, from_address, from_name, to_addresses, subject, text_body, html_body, attachment_ids, is_sensitive)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8::uuid[], $9)
            """, id, sender.email, sender.name, email.to.map(\.email), email.subject, email.text, email.html, email.attachmentIDs, email.isSensitive)
        try await enqueue(.sendEmail, payload: SendEmailPayload(emailId: id), queue: "mail")
        return id
    }
}
