import Foundation

/// A mailbox: an address and an optional display name.
public struct MailAddress: Sendable, Equatable, Codable {
    public var email: String
    public var name: String?

    public init(_ email: String, name: String? = nil) {
        self.email = email
        self.name = name
    }
}

/// A file attached to a message.
public struct MailAttachment: Sendable, Equatable {
    public var filename: String
    public var contentType: String
    public var data: Data

    public init(filename: String, contentType: String, data: Data) {
        self.filename = filename
        self.contentType = contentType
        self.data = data
    }
}

/// An e-mail to send: headers, a text body, an optional HTML alternative, attachments.
public struct MailMessage: Sendable, Equatable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var cc: [MailAddress]
    public var replyTo: MailAddress?
    public var subject: String
    public var text: String
    public var html: String?
    public var attachments: [MailAttachment]
    /// Without angle brackets, e.g. `3f1c...@governance.example`. Stable across retries when
    /// the caller sets it from the stored e-mail's id.
    public var messageID: String
    public var date: Date

    public init(
        from: MailAddress, to: [MailAddress], cc: [MailAddress] = [], replyTo: MailAddress? = nil, subject: String,
        text: String, html: String? = nil, attachments: [MailAttachment] = [], messageID: String? = nil, date: Date = Date()
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.replyTo = replyTo
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        let domain = from.email.split(separator: "@").last.map(String.init) ?? "localhost"
        self.messageID = messageID ?? "\(UUID().uuidString.lowercased())@\(domain)"
        self.date = date
    }

    /// Every envelope recipient (To and Cc).
    public var recipients: [MailAddress] { to + cc }
}
