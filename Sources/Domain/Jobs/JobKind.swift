/// A kind of background job; each has one handler. Modules declare their kinds in extensions
/// next to their handlers, so adding a module touches no other module's files.
public struct JobKind: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }
}

extension JobKind {
    /// Delivers one stored e-mail (payload: ``SendEmailPayload``).
    public static let sendEmail = JobKind(rawValue: "send_email")
    /// Renders a ``Documents/Document`` to PDF and stores it (payload: ``RenderPDFPayload``).
    public static let renderPDF = JobKind(rawValue: "render_pdf")
    /// Does nothing, after an optional pause: checks the pipeline end to end and measures it.
    public static let noop = JobKind(rawValue: "noop")
}

/// A job failure that no retry can fix (bad payload, rejected recipient, a document that
/// cannot be drawn...).
public struct PermanentJobError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
