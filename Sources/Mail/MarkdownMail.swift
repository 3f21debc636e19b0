import Ink

/// E-mail texts written by people in Markdown with `{{name}}` placeholders, rendered to HTML
/// that is safe to send.
///
/// Markdown goes through Ink. Ink passes raw HTML through and copies a link's target into the
/// `href` attribute unescaped, so the renderer closes both doors: `<` and `>` in the source are
/// escaped first (raw HTML shows as text), and every link is rebuilt from its target, kept only
/// for `http`, `https` and `mailto` (or a placeholder allowed as a link), with the attribute
/// escaped. Images are replaced by their alternative text: remote images in e-mail are tracking
/// pixels to most readers and blocked by most clients.
///
/// Placeholders are replaced after rendering, HTML-escaped, in one pass: a value can neither
/// inject markup nor bring in another placeholder.
public enum MarkdownMail {
    /// The names of the `{{...}}` placeholders in `text`, in order of first appearance, as
    /// written (so a caller can reject unknown or malformed ones).
    public static func placeholders(in text: String) -> [String] {
        var names: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            let name = String(rest[open.upperBound..<close.lowerBound])
            if !names.contains(name) { names.append(name) }
            rest = rest[close.upperBound...]
        }
        return names
    }

    /// Whether `name` has the placeholder form: ASCII letters and digits, starting with a letter.
    public static func isPlaceholderName(_ name: String) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    /// `markdown` as sanitised HTML, with `values` substituted. `linkPlaceholders` may stand as a
    /// whole link target (`[Open the incident]({{link}})`); their values must be URLs the caller
    /// built itself.
    public static func html(_ markdown: String, values: [String: String], linkPlaceholders: Set<String> = []) -> String {
        var parser = MarkdownParser()
        parser.addModifier(Modifier(target: .links) { html, _ in
            rebuiltLink(String(html), linkPlaceholders: linkPlaceholders)
        })
        parser.addModifier(Modifier(target: .images) { _, markdown in
            alternativeText(String(markdown))
        })
        var source = markdown.replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        // Ink reads a leading `---` block as metadata and drops it; a leading zero-width space
        // keeps it a horizontal rule as written.
        if source.drop(while: \.isWhitespace).hasPrefix("---") { source = "\u{200B}\n" + source }
        return substitute(parser.html(from: source), values) { escapeHTML($0) }
    }

    /// `text` with `values` substituted, for subjects and plain-text bodies; line breaks in values
    /// become spaces when `singleLine` (a subject is one header line).
    public static func text(_ text: String, values: [String: String], singleLine: Bool = false) -> String {
        let result = substitute(text, values) { value in
            singleLine ? value.split(whereSeparator: \.isNewline).joined(separator: " ") : value
        }
        return singleLine ? result.split(whereSeparator: \.isNewline).joined(separator: " ") : result
    }

    // MARK: Internals

    /// One pass over `text`: each `{{name}}` with a value becomes `transform(value)`; unknown ones stay.
    private static func substitute(_ text: String, _ values: [String: String], _ transform: (String) -> String) -> String {
        var result = ""
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { break }
            result += rest[..<open.lowerBound]
            let name = String(rest[open.upperBound..<close.lowerBound])
            if let value = values[name] { result += transform(value) } else { result += rest[open.lowerBound..<close.upperBound] }
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    /// Ink renders a link as `<a href="TARGET">INNER</a>`, TARGET copied verbatim (a title
    /// included). The source has no `>` left, so the first `>` closes the tag.
    private static func rebuiltLink(_ html: String, linkPlaceholders: Set<String>) -> String {
        let prefix = "<a href=\""
        guard html.hasPrefix(prefix), html.hasSuffix("</a>"), let close = html.firstIndex(of: ">") else { return escapeHTML(html) }
        var target = html[html.index(html.startIndex, offsetBy: prefix.count)..<close]
        if target.hasSuffix("\"") { target = target.dropLast() }
        let url = String(target.prefix { !$0.isWhitespace && $0 != "\"" })
        let inner = html[html.index(after: close)..<html.index(html.endIndex, offsetBy: -4)]
        guard isAllowedTarget(url, linkPlaceholders: linkPlaceholders) else { return String(inner) }
        return "<a href=\"\(escapeHTML(url))\">\(inner)</a>"
    }

    private static func isAllowedTarget(_ url: String, linkPlaceholders: Set<String>) -> Bool {
        if url.hasPrefix("{{"), url.hasSuffix("}}"), linkPlaceholders.contains(String(url.dropFirst(2).dropLast(2))) { return true }
        let lowered = url.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://") || lowered.hasPrefix("mailto:") else { return false }
        return !url.contains("{{")
    }

    /// `![alt](src)` → `alt`; the source is already escaped.
    private static func alternativeText(_ markdown: String) -> String {
        guard markdown.hasPrefix("!["), let end = markdown.range(of: "](") else { return "" }
        return String(markdown[markdown.index(markdown.startIndex, offsetBy: 2)..<end.lowerBound])
    }

    static func escapeHTML(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }
}
