import Foundation
import Domain
import Mail
import Testing
import TestSupport

/// The summaries scripts/smtp_sink.py writes for each accepted message.
struct ReceivedMail: Decodable {
    struct Part: Decodable {
        var contentType: String
        var filename: String?
        var size: Int
        var sha256: String
        var text: String?
    }

    var mailFrom: String
    var rcptTos: [String]
    var subject: String
    var from: String
    var to: String
    var messageId: String
    var parts: [Part]

    /// Every message the sink received for `recipient`.
    static func all(to recipient: String) throws -> [ReceivedMail] {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let files = try FileManager.default.contentsOfDirectory(at: TestEnvironment.smtpDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
        return try files.compactMap { file in
            let mail = try decoder.decode(ReceivedMail.self, from: Data(contentsOf: file))
            return mail.rcptTos.contains(recipient) ? mail : nil
        }
    }
}

@Suite("Mail")
struct MailTests {
    let smtp = SMTPConfiguration(host: "127.0.0.1", port: TestEnvironment.smtpPort, connectTimeoutMilliseconds: 2_000, timeoutMilliseconds: 10_000)

    @Test("non-ASCII subjects and names become RFC 2047 encoded words of at most 75 characters")
    func encodedWords() {
        #expect(MIMEEncoder.encodedWords("Plain subject") == "Plain subject")
        let long = String(repeating: "Déclaration d'incident significatif – ", count: 4)
        let encoded = MIMEEncoder.encodedWords(long)
        let words = encoded.components(separatedBy: " ")
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") && $0.count <= 75 })
        let decoded = words.map { word in
            String(decoding: Data(base64Encoded: String(word.dropFirst(10).dropLast(2)))!, as: UTF8.self)
        }.joined()
        #expect(decoded == long)
    }

    @Test("the MIME document has Date, Message-ID, alternatives and CRLF line endings")
    func mimeStructure() {
        let message = MailMessage(
            from: MailAddress("noreply@governance.test", name: "Plateforme Gouvernance"),
            to: [MailAddress("a@example.test")], subject: "Test", text: "text", html: "<p>html</p>", messageID: "fixed@governance.test",
            date: Date(timeIntervalSince1970: 1_795_000_000))
        let text = String(decoding: MIMEEncoder.encode(message), as: UTF8.self)
        #expect(text.contains("Message-ID: <fixed@governance.test>\r\n"))
        #expect(text.contains("Date: Wed, 18 Nov 2026 11:06:40 +0000\r\n"))
        #expect(text.contains("multipart/alternative"))
        #expect(text.contains("Content-Type: text/html; charset=utf-8"))
        #expect(!text.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
    }

    @Test("a message with an accented subject, HTML and a PDF attachment arrives intact")
    func deliveredIntact() async throws {
        let recipient = "user-\(TestEnvironment.uniqueName())@example.test"
        let pdf = Data((0..<50_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let subject = "Rapport d'incident – Überprüfung für Zoë (échéance 24 h) ✓"
        let message = MailMessage(
            from: MailAddress("noreply@governance.test", name: "Régulateur Öffentlich"),
            to: [MailAddress(recipient, name: "Zoë Dupré")], subject: subject,
            text: "Bonjour,\nle rapport est joint.\n", html: "<p>Bonjour, le rapport est <b>joint</b>.</p>",
            attachments: [MailAttachment(filename: "rapport-été.pdf", contentType: "application/pdf", data: pdf)])
        try await SMTPTransport(configuration: smtp).send(message)
        let received = try #require(try ReceivedMail.all(to: recipient).first)
        #expect(received.subject == subject)
        #expect(received.from.contains("Régulateur Öffentlich"))
        #expect(received.to.contains("Zoë Dupré"))
        #expect(received.messageId == "<\(message.messageID)>")
        let attachment = try #require(received.parts.first { $0.contentType == "application/pdf" })
        #expect(attachment.filename == "rapport-été.pdf")
        #expect(attachment.size == pdf.count)
        #expect(attachment.sha256 == SHA256.hex(pdf))
        #expect(received.parts.first { $0.contentType == "text/plain" }?.text == "Bonjour,\r\nle rapport est joint.\r\n")
        #expect(received.parts.contains { $0.contentType == "text/html" })
    }

    @Test("an SMTP 5xx rejection is a permanent failure")
    func permanentRejection() async throws {
        let message = MailMessage(from: MailAddress("noreply@governance.test"), to: [MailAddress("reject-me@example.test")], subject: "x", text: "x")
        do {
            try await SMTPTransport(configuration: smtp).send(message)
            Issue.record("a rejected recipient was accepted")
        } catch let error as MailError {
            #expect(!error.isTransient)
            #expect(error.smtpCode == 550)
        }
    }

    @Test("an SMTP 4xx answer is a transient failure")
    func transientRejection() async throws {
        let message = MailMessage(from: MailAddress("noreply@governance.test"), to: [MailAddress("later@example.test")], subject: "x", text: "x")
        do {
            try await SMTPTransport(configuration: smtp).send(message)
            Issue.record("a deferred recipient was accepted")
        } catch let error as MailError {
            #expect(error.isTransient)
            #expect(error.smtpCode == 451)
        }
    }

    @Test("a refused connection is a transient failure")
    func refusedConnection() async throws {
        let closed = SMTPConfiguration(host: "127.0.0.1", port: 1, connectTimeoutMilliseconds: 1_000)
        let message = MailMessage(from: MailAddress("noreply@governance.test"), to: [MailAddress("a@example.test")], subject: "x", text: "x")
        do {
            try await SMTPTransport(configuration: closed).send(message)
            Issue.record("sent to a closed port")
        } catch let error as MailError {
            #expect(error.isTransient)
            #expect(error.smtpCode == nil)
        }
    }

    @Test("STARTTLS with authentication delivers; a wrong password is a permanent failure; no TLS is refused")
    func startTLSAndAuthentication() async throws {
        let recipient = "secure-\(TestEnvironment.uniqueName())@example.test"
        let message = MailMessage(from: MailAddress("noreply@governance.test"), to: [MailAddress(recipient)], subject: "Sécurisé", text: "TLS")
        var secure = try SMTPConfiguration(url: "smtp+starttls://mailer:s3cret@127.0.0.1:\(TestEnvironment.smtpTLSPort)")
        secure.caFile = TestEnvironment.smtpCAFile
        try await SMTPTransport(configuration: secure).send(message)
        #expect(try ReceivedMail.all(to: recipient).first?.subject == "Sécurisé")

        var wrongPassword = secure
        wrongPassword.password = "guess"
        do {
            try await SMTPTransport(configuration: wrongPassword).send(message)
            Issue.record("a wrong password was accepted")
        } catch let error as MailError {
            #expect(!error.isTransient)
        }

        // Without STARTTLS the server refuses to go on: the message is not delivered.
        let plain = SMTPConfiguration(host: "127.0.0.1", port: TestEnvironment.smtpTLSPort, username: "mailer", password: "s3cret")
        await #expect(throws: MailError.self) { try await SMTPTransport(configuration: plain).send(message) }
        #expect(try ReceivedMail.all(to: recipient).count == 1)
    }

    @Test("SMTP_URL schemes choose the security mode and default port")
    func smtpURLs() throws {
        #expect(try SMTPConfiguration(url: "smtp://relay.test").port == 25)
        let starttls = try SMTPConfiguration(url: "smtp+starttls://user:p%40ss@relay.test")
        #expect(starttls.security == .startTLS)
        #expect(starttls.port == 587)
        #expect(starttls.password == "p@ss")
        #expect(try SMTPConfiguration(url: "smtps://relay.test").security == .implicitTLS)
        #expect(throws: MailError.self) { try SMTPConfiguration(url: "http://relay.test") }
    }

    @Test("the file transport writes one .eml per message")
    func fileTransport() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mail-\(TestEnvironment.uniqueName())")
        let message = MailMessage(from: MailAddress("noreply@governance.test"), to: [MailAddress("a@example.test")], subject: "Fichier", text: "corps")
        try await FileTransport(directory: directory).send(message)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        #expect(files == ["\(message.messageID).eml"])
    }

    @Test("templates fill placeholders; only the HTML body escapes them")
    func templates() throws {
        let template = try MailTemplate(
            subject: "Incident {{reference}} <due>", text: "Dear {{name}},\nsee {{link}}", html: "<p>Dear {{name}}</p>")
        let rendered = template.render(["reference": "OP_1", "name": "Tom & <Jerry>", "link": "https://x.test/?a=1&b=2"])
        #expect(rendered.subject == "Incident OP_1 <due>")
        #expect(rendered.text == "Dear Tom & <Jerry>,\nsee https://x.test/?a=1&b=2")
        #expect(rendered.html == "<p>Dear Tom &amp; &lt;Jerry&gt;</p>")
    }
}
