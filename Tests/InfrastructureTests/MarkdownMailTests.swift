import Mail
import Testing

/// Markdown e-mails written by people: what reaches a mail client is safe HTML whatever the
/// Markdown or the values hold.
@Suite("Markdown e-mails")
struct MarkdownMailTests {
    @Test("Markdown becomes HTML; raw HTML in the source shows as text")
    func rendering() {
        let html = MarkdownMail.html("# Notice\n\nA **bold** word and a list:\n\n* one\n* two\n\n<img src=x onerror=alert(1)> <b>raw</b>",
                                     values: [:])
        #expect(html.hasPrefix("<h1>Notice</h1><p>A <strong>bold</strong> word and a list:</p><ul><li>one</li><li>two</li></ul>"))
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt; &lt;b&gt;raw&lt;/b&gt;"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("<b>"))
    }

    @Test("links: only http, https and mailto; a target cannot break out of its attribute; images become their text")
    func links() {
        let html = MarkdownMail.html("""
            [ok](https://example.org/a?b=1&c=2) [mail](mailto:csirt@example.org) [js](javascript:alert(1)) [data](data:text/html,x)
            [inject](https://x.org" onmouseover="alert(1)) [ref][1] ![logo](https://tracker.example/p.png)

            [1]: javascript:alert(2)
            """, values: [:])
        #expect(html.contains("<a href=\"https://example.org/a?b=1&amp;c=2\">ok</a>"))
        #expect(html.contains("<a href=\"mailto:csirt@example.org\">mail</a>"))
        #expect(!html.contains("javascript"))
        #expect(!html.contains("data:"))
        #expect(html.contains(" js ") && html.contains(" data"))
        #expect(html.contains("<a href=\"https://x.org\">inject</a>"))
        #expect(!html.contains("onmouseover"))
        #expect(html.contains(" ref "))
        #expect(html.contains(" logo"))
        #expect(!html.contains("tracker.example"))
    }

    @Test("placeholders: values are escaped, substituted once, and allowed as a whole link target only where declared")
    func placeholders() {
        let values = ["operator": "<b>Evil</b> & {{reference}}", "reference": "REF_1", "link": "https://platform.example/incidents/1?a=1&b=\"2\""]
        let html = MarkdownMail.html("Dear {{operator}}, see *{{reference}}*: [open]({{link}}) [nope]({{operator}}) {{unknown}}", values: values,
                                     linkPlaceholders: ["link"])
        #expect(html.contains("Dear &lt;b&gt;Evil&lt;/b&gt; &amp; {{reference}},"))
        #expect(html.contains("<em>REF_1</em>"))
        #expect(html.contains("<a href=\"https://platform.example/incidents/1?a=1&amp;b=&quot;2&quot;\">open</a>"))
        #expect(html.contains(" nope "))
        #expect(html.contains("{{unknown}}"))
        #expect(MarkdownMail.placeholders(in: "{{a}} {{ b }} {{a}} {{c") == ["a", " b "])
        #expect(MarkdownMail.text("Incident {{reference}}\nline", values: ["reference": "R\r\nBcc: x@y"],
                                  singleLine: true) == "Incident R Bcc: x@y line")
    }

    @Test("a leading horizontal rule stays in the text instead of being read as metadata")
    func leadingRule() {
        let html = MarkdownMail.html("---\nsubject: x\n---\nBody", values: [:])
        #expect(html.contains("subject: x"))
        #expect(html.contains("Body"))
    }
}
