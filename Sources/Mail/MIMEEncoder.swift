import Foundation

/// Renders a ``MailMessage`` as an RFC 5322 / MIME document with CRLF line endings.
///
/// Non-ASCII header text (subject, display names, file names) is encoded as RFC 2047 encoded
/// words; bodies are UTF-8 in base64; an HTML body makes a `multipart/alternative`, attachments
/// a `multipart/mixed`.
public enum MIMEEncoder {
    /// The message as bytes ready for SMTP `DATA` or an `.eml` file.
    public static func encode(_ message: MailMessage) -> Data {
        var lines: [String] = []
        lines.append("Date: \(rfc5322Date(message.date))")
        lines.append("From: \(address(message.from))")
        lines.append(folded("To", message.to.map(address).joined(separator: ", ")))
        if !message.cc.isEmpty { lines.append(folded("Cc", message.cc.map(address).joined(separator: ", "))) }
        if let replyTo = message.replyTo { lines.append("Reply-To: \(address(replyTo))") }
        lines.append(header("Subject", message.subject))
        lines.append("Message-ID: <\(message.messageID)>")
        lines.append("MIME-Version: 1.0")
        let body = bodyPart(message)
        var parts = body
        if !message.attachments.isEmpty {
            let boundary = Self.boundary("mixed")
            var mixed = ["Content-Type: multipart/mixed; boundary=\"\(boundary)\"", ""]
            mixed.append("--\(boundary)")
            mixed += body
            for attachment in message.attachments {
                mixed.append("--\(boundary)")
                let name = parameter(attachment.filename)
                mixed.append("Content-Type: \(attachment.contentType); name=\(name)")
                mixed.append("Content-Disposition: attachment; filename=\(name)")
                mixed.append("Content-Transfer-Encoding: base64")
                mixed.append("")
                mixed += base64Lines(attachment.data)
            }
            mixed.append("--\(boundary)--")
            parts = mixed
        }
        lines += parts
        return Data((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    private static func bodyPart(_ message: MailMessage) -> [String] {
        let text = textPart("text/plain", message.text)
        guard let html = message.html else { return text }
        let boundary = Self.boundary("alt")
        return ["Content-Type: multipart/alternative; boundary=\"\(boundary)\"", "", "--\(boundary)"] + text
            + ["--\(boundary)"] + textPart("text/html", html) + ["--\(boundary)--"]
    }

    private static func textPart(_ type: String, _ content: String) -> [String] {
        let normalized = content.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
        return ["Content-Type: \(type); charset=utf-8", "Content-Transfer-Encoding: base64", ""] + base64Lines(Data(normalized.utf8))
    }

    private static func boundary(_ kind: String) -> String {
        // "=_" cannot occur in base64 text, so the boundary never collides with a body line.
        "=_\(kind)_\(UUID().uuidString)"
    }

    private static func base64Lines(_ data: Data) -> [String] {
        let encoded = data.base64EncodedString()
        var lines: [String] = []
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines.append(String(encoded[index..<end]))
            index = end
        }
        return lines
    }

    /// `Name <email>`, the name quoted or encoded as needed.
    static func address(_ mailbox: MailAddress) -> String {
        guard let name = mailbox.name, !name.isEmpty else { return "<\(mailbox.email)>" }
        if name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == " ") }) {
            return "\(name) <\(mailbox.email)>"
        }
        if name.allSatisfy({ $0.isASCII && !$0.isNewline }) {
            let escaped = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "\"\(escaped)\" <\(mailbox.email)>"
        }
        return "\(encodedWords(name)) <\(mailbox.email)>"
    }

    /// A MIME parameter value: quoted ASCII, or an RFC 2047 encoded word.
    private static func parameter(_ value: String) -> String {
        if value.allSatisfy({ $0.isASCII && $0 != "\"" && $0 != "\\" && !$0.isNewline }) { return "\"\(value)\"" }
        return "\"\(encodedWords(value))\""
    }

    /// RFC 2047 `=?UTF-8?B?...?=` words of at most 75 characters, split on character
    /// boundaries; plain ASCII without line breaks is returned unchanged.
    public static func encodedWords(_ text: String) -> String {
        if text.allSatisfy({ $0.isASCII && !$0.isNewline }) { return text }
        // 75 - "=?UTF-8?B?" - "?=" leaves 63 base64 characters: 45 bytes of UTF-8.
        var words: [String] = []
        var chunk = Data()
        for character in text {
            let bytes = Data(String(character).utf8)
            if chunk.count + bytes.count > 45 {
                words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=")
                chunk = Data()
            }
            chunk += bytes
        }
        if !chunk.isEmpty { words.append("=?UTF-8?B?\(chunk.base64EncodedString())?=") }
        // Separated by spaces, which a decoder drops between encoded words; header folding breaks there.
        return words.joined(separator: " ")
    }

    /// An unstructured header: encoded words for non-ASCII text, folded.
    private static func header(_ name: String, _ value: String) -> String {
        folded(name, encodedWords(value))
    }

    /// A header line folded before 78 columns at spaces between words.
    private static func folded(_ name: String, _ value: String) -> String {
        var lines: [String] = []
        var current = "\(name):"
        for word in value.split(separator: " ", omittingEmptySubsequences: false) {
            if current.count + 1 + word.count > 78, current != "\(name):" {
                lines.append(current)
                current = ""
            }
            current += " " + word
        }
        lines.append(current)
        return lines.joined(separator: "\r\n")
    }

    /// `Fri, 27 Nov 2026 07:55:15 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(days[(c.weekday ?? 1) - 1]), \(c.day ?? 1) \(months[(c.month ?? 1) - 1]) \(c.year ?? 1970) "
            + "\(two(c.hour)):\(two(c.minute)):\(two(c.second)) +0000"
    }
}
