/// The kinds of background job the worker knows; each has one handler.
public enum JobKind: String, Sendable, CaseIterable, Codable {
    /// Delivers one stored e-mail (payload: ``SendEmailPayload``).
    case sendEmail = "send_email"
    /// Renders a ``Documents/Document`` to PDF and stores it (payload: ``RenderPDFPayload``).
    case renderPDF = "render_pdf"
    /// Does nothing, after an optional pause: checks the pipeline end to end and measures it.
    case noop
}

/// A job failure that no retry can fix (bad payload, rejected recipient...).
public struct PermanentJobError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
