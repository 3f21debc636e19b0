import Mustache

/// An e-mail's subject, text body and optional HTML body as Mustache templates.
///
/// Subject and text render without escaping; the HTML body escapes every `{{value}}`.
public struct MailTemplate: Sendable {
    private let subject: MustacheTemplate
    private let text: MustacheTemplate
    private let html: MustacheTemplate?

    /// - Throws: when a template does not parse.
    public init(subject: String, text: String, html: String? = nil) throws {
        self.subject = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + subject)
        self.text = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
        self.html = try html.map { try MustacheTemplate(string: $0) }
    }

    /// The rendered parts, with `values` substituted for the placeholders.
    public func render(_ values: [String: String]) -> (subject: String, text: String, html: String?) {
        let subject = self.subject.render(values).split(whereSeparator: \.isNewline).joined(separator: " ")
        return (subject, text.render(values), html?.render(values))
    }
}
