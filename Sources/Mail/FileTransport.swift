import Foundation
import NIOPosix

/// Writes each message as `<Message-ID>.eml` into a folder: the transport for local use and
/// demonstrations, when no SMTP server is configured. File writes block, so they run on the
/// transport's own thread, as the SMTP transport's deliveries do.
public final class FileTransport: MailTransport {
    public let directory: URL
    private let threads: NIOThreadPool

    public init(directory: URL) {
        self.directory = directory
        threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
    }

    deinit {
        threads.shutdownGracefully { _ in }
    }

    public func send(_ message: MailMessage) async throws {
        let directory = self.directory
        let safeName = message.messageID.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "@" ? $0 : "_" }
        let bytes = MIMEEncoder.encode(message)
        do {
            try await threads.runIfActive {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try bytes.write(to: directory.appendingPathComponent(String(safeName) + ".eml"), options: .atomic)
            }
        } catch {
            throw MailError(isTransient: true, message: "cannot write to \(directory.path): \(error)")
        }
    }
}
