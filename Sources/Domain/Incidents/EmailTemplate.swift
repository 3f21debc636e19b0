import Foundation
import Mail
import Postgres

/// The events a regulator's e-mail templates are written for: an incident's, and a
/// security-objectives declaration's submission and verdict.
public enum EmailEvent: String, Sendable, CaseIterable, Codable {
    case opening, submission, reviewStatus, closing, reminder, overdue, declarationSubmission, declarationReview
}

/// An e-mail a regulator writes for an incident event: a subject and a Markdown body per
/// language, with `{{placeholder}}`s (``EmailTemplate/placeholders``).
public struct EmailTemplate: Sendable, Equatable {
    public let id: UUID
    public let regulatorID: UUID
    public var name: String
    public var event: EmailEvent
    public var subject: LanguageMap
    public var content: LanguageMap
    public var createdAt: Date
    public var updatedAt: Date

    /// The placeholders every template may use, with what they stand for.
    public static let placeholders: KeyValuePairs<String, String> = [
        "reference": "The incident's reference, e.g. OPONE_ENER_ELEC_0001_2026 (or the declaration's, e.g. OPONE_SO_ENER_ELEC_0001_2026).",
        "operator": "The notifying operator's name (or the notifier's, for independent users).",
        "regulator": "The regulator's name.",
        "regulation": "The regulation (legal basis) of the workflow.",
        "workflow": "The notification workflow's name.",
        "report": "The report concerned (submission, review status, reminder and overdue e-mails).",
        "deadline": "The report's due time (reminder and overdue e-mails; otherwise the next deadline), in the incident's time zone.",
        "notificationDate": "When the incident was notified, in the incident's time zone.",
        "detectionDate": "When the incident was detected, in the incident's time zone (empty when unknown).",
        "timeZone": "The incident's IANA time zone, e.g. Europe/Luxembourg.",
        "crossBorder": "\"yes\" or \"no\" in the e-mail's language: whether the incident has cross-border effects.",
        "reviewStatus": "The review outcome of the report (review status e-mails) or of the declaration (declaration review e-mails), in the e-mail's language: \"Passed\", \"Revision required\".",
        "reviewComment": "The reviewer's comment on the report (review status e-mails; empty without one).",
        "standard": "The standard a declaration answers (declaration e-mails).",
        "year": "The year a declaration is for (declaration e-mails).",
        "link": "The incident's (or declaration's) address in the platform; may stand as a whole link target: [Open]({{link}}).",
    ]

    /// Placeholders allowed as a whole link target.
    static let linkPlaceholders: Set<String> = ["link"]

    /// Values for a preview in `language`: a plausible incident, its words and dates as an
    /// e-mail in that language would have them.
    public static func sampleValues(in language: Language) -> [String: String] {
        let zone = TimeZone(identifier: "Europe/Luxembourg") ?? TimeZone(identifier: "UTC") ?? .current
        let dates = DocumentDates(zone: zone, language: language)
        let words: [Language: (report: String, workflow: String, comment: String)] = [
            .en: ("Early warning", "NIS2 energy", "Add the number of customers affected."),
            .fr: ("Alerte précoce", "NIS2 énergie", "Ajoutez le nombre de clients touchés."),
            .de: ("Frühwarnung", "NIS2 Energie", "Ergänzen Sie die Zahl der betroffenen Kunden."),
            .nl: ("Vroegtijdige waarschuwing", "NIS2 energie", "Vul het aantal getroffen klanten aan."),
        ]
        let local = words[language] ?? (report: "Early warning", workflow: "NIS2 energy", comment: "Add the number of customers affected.")
        return [
            "reference": "OPONE_ENER_ELEC_0001_2026", "operator": "Operator One S.A.", "regulator": "National Regulator",
            "regulation": "NIS2", "workflow": local.workflow, "report": local.report,
            "deadline": dates.format(Date(timeIntervalSince1970: 1_772_456_400)), "notificationDate": dates.format(Date(timeIntervalSince1970: 1_772_374_200)),
            "detectionDate": dates.format(Date(timeIntervalSince1970: 1_772_370_000)), "timeZone": zone.identifier,
            "crossBorder": IncidentEmails.yesNo(false, language), "reviewStatus": ReviewStatus.revisionRequired.words.text(in: language),
            "reviewComment": local.comment, "standard": "ENISA security objectives", "year": "2026",
            "link": "https://governance.example/incidents/0b7f8a52-8c40-4f63-9d0c-0e1b3a2c4d5e",
        ]
    }

    static let columns = """
        t.id, t.regulator_id, t.name, t.event, t.subject::text AS subject, t.content::text AS content, t.created_at, t.updated_at
        """

    init(row: PostgresRow) throws {
        id = try row.decode("id")
        regulatorID = try row.decode("regulator_id")
        name = try row.decode("name")
        event = EmailEvent(rawValue: try row.decode("event")) ?? .opening
        subject = try LanguageMap.parse(try row.decode("subject"))
        content = try LanguageMap.parse(try row.decode("content"))
        createdAt = try row.decode("created_at")
        updatedAt = try row.decode("updated_at")
    }

    /// The e-mail in `language` (else English) with `values` substituted.
    public func render(in language: Language, values: [String: String]) -> RenderedEmail {
        let markdown = content.text(in: language)
        return RenderedEmail(language: content.values[language.rawValue] != nil ? language : .en,
                             subject: MarkdownMail.text(subject.text(in: language), values: values, singleLine: true),
                             html: MarkdownMail.html(markdown, values: values, linkPlaceholders: Self.linkPlaceholders),
                             text: MarkdownMail.text(markdown, values: values))
    }

    /// The problems of the placeholders in a subject or content map: unknown names, and
    /// placeholders in a subject that only make sense as a link.
    static func placeholderErrors(in map: LanguageMap, field: String) -> [FieldError] {
        let known = Set(placeholders.map(\.key))
        return map.values.sorted { $0.key < $1.key }.compactMap { language, text in
            let unknown = MarkdownMail.placeholders(in: text).filter { !known.contains($0) }
            guard !unknown.isEmpty else { return nil }
            return FieldError(field: "\(field).\(language)", code: "unknown_placeholder",
                              message: "Unknown placeholders: \(unknown.map { "{{\($0)}}" }.joined(separator: ", ")). "
                                + "Known: \(placeholders.map { "{{\($0.key)}}" }.joined(separator: ", ")).")
        }
    }
}

/// An e-mail ready to send or show.
public struct RenderedEmail: Sendable, Equatable {
    /// The language the body was written in (English when the requested one is missing).
    public var language: Language
    public var subject: String
    public var html: String
    public var text: String
}

/// Changes to a template; `nil` leaves a field as it is.
public struct EmailTemplateInput: Sendable {
    public var name: String?
    public var event: EmailEvent?
    public var subject: LanguageMap?
    public var content: LanguageMap?

    public init(name: String? = nil, event: EmailEvent? = nil, subject: LanguageMap? = nil, content: LanguageMap? = nil) {
        self.name = name
        self.event = event
        self.subject = subject
        self.content = content
    }
}
