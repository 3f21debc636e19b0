import Foundation

/// Writes each message as `<Message-ID>.eml` into a folder: the transport for local use and
/// demonstrations, when no SMTP server is configured.
public struct FileTransport: MailTransport {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public func send(_ message: MailMessage) async throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let safeName = message.messageID.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "@" ? $0 : "_" }
            let file = directory.appendingPathComponent(String(safeName) + ".eml")
            try MIMEEncoder.encode(message).write(to: file, options: .atomic)
        } catch {
            throw MailError(isTransient: true, message: "cannot write to \(directory.path): \(error)")
        }
    }
}
