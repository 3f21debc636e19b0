/// Delivers messages.
public protocol MailTransport: Sendable {
    /// Sends `message` to all of its recipients.
    ///
    /// - Throws: ``MailError``; its ``MailError/isTransient`` tells whether a retry may succeed.
    func send(_ message: MailMessage) async throws
}

/// A delivery failure, classified for retries.
public struct MailError: Error, Sendable, CustomStringConvertible {
    /// `true` for failures that may pass later: connection refused or lost, timeouts, SMTP 4xx.
    /// `false` for rejections: SMTP 5xx, authentication refused, malformed addresses.
    public let isTransient: Bool
    /// The last SMTP reply code, when the server answered.
    public let smtpCode: Int?
    public let message: String

    public init(isTransient: Bool, smtpCode: Int? = nil, message: String) {
        self.isTransient = isTransient
        self.smtpCode = smtpCode
        self.message = message
    }

    public var description: String {
        "\(isTransient ? "transient" : "permanent") mail failure\(smtpCode.map { " (SMTP \($0))" } ?? ""): \(message)"
    }
}
