import Documents
import Foundation
import Postgres

/// The content of incident PDFs, as a ``Documents/Document``: the incident's details, timeline,
/// reports and contacts, then every version included (all of them for the whole incident, in
/// workflow order; one for a version PDF), each with its questionnaire as answered, its impacts
/// and its review. Dates are written in the incident's time zone; each report and version is a
/// bookmark.
enum IncidentPDF {
    /// The file name and the document of the incident `incidentID`, or of its version `versionID`.
    static func build(incidentID: UUID, versionID: UUID?, language: Language, session: PostgresSession) async throws -> (String, Document) {
        let incident = try await IncidentQuery.reload(incidentID, session: session)
        let names = try await session.query("""
            SELECT g.name::text AS regulator, r.label::text AS regulation,
                   ARRAY(SELECT CASE WHEN p.id IS NULL THEN s.name->>$2 ELSE (p.name->>$2) || ' → ' || (s.name->>$2) END
                         FROM incident_sectors x JOIN sectors s ON s.id = x.sector_id LEFT JOIN sectors p ON p.id = s.parent_id
                         WHERE x.incident_id = i.id ORDER BY 1) AS sectors,
                   ARRAY(SELECT CASE WHEN p.id IS NULL THEN s.name->>'en' ELSE (p.name->>'en') || ' → ' || (s.name->>'en') END
                         FROM incident_sectors x JOIN sectors s ON s.id = x.sector_id LEFT JOIN sectors p ON p.id = s.parent_id
                         WHERE x.incident_id = i.id ORDER BY 1) AS sectors_en
            FROM incidents i JOIN regulators g ON g.id = i.regulator_id JOIN regulations r ON r.id = i.regulation_id WHERE i.id = $1
            """, incidentID, language.rawValue).required()
        let versionIDs: [UUID]
        if let versionID {
            versionIDs = [versionID]
        } else {
            versionIDs = incident.reports.flatMap { $0.versions.map(\.id) }
        }
        let versions = try await IncidentReports.load(versionIDs, session: session)
        let localized = try names.decode("sectors", as: [String?].self)
        let english = try names.decode("sectors_en", as: [String?].self)
        let content = Content(
            incident: incident, language: language, regulator: try LanguageMap.parse(try names.decode("regulator")).text(in: language),
            regulation: try LanguageMap.parse(try names.decode("regulation")).text(in: language),
            sectors: zip(localized, english).map { $0 ?? $1 ?? "" }, versions: versions, single: versionID != nil)
        return (content.filename, content.document)
    }

    struct Content {
        var incident: Incident
        var language: Language
        var regulator: String
        var regulation: String
        var sectors: [String]
        var versions: [ReportVersion]
        /// A version PDF rather than the whole incident's.
        var single: Bool

        var zone: TimeZone { TimeZone(identifier: incident.timeZone) ?? TimeZone(identifier: "UTC")! }

        func date(_ value: Date?) -> String { value.map { IncidentEmails.format($0, zone) } ?? "—" }

        var filename: String {
            let day = DateFormatter()
            day.locale = Locale(identifier: "en_US_POSIX")
            day.timeZone = zone
            day.dateFormat = "yyyy-MM-dd"
            if single, let version = versions.first {
                return "\(incident.reference)_\(version.reportName)_v\(version.number)_\(day.string(from: version.submittedAt)).pdf"
            }
            return "Incident_\(incident.reference)_\(day.string(from: versions.map(\.submittedAt).max() ?? incident.notifiedAt)).pdf"
        }

        var document: Document {
            var blocks: [Document.Block] = []
            let title = single ? "\(incident.reference) — \(versions.first.map { $0.reportLabel.text(in: language) } ?? "")" : incident.reference
            blocks.append(.heading(level: 1, text: "Incident details"))
            blocks.append(.keyValues(pairs: [
                KeyValue("Reference", incident.reference),
                KeyValue("Notified by", incident.shownNotifierName(in: language)),
                KeyValue("Incident status", incident.isOpen ? "Open" : "Closed"),
                KeyValue("Legal basis", regulation),
                KeyValue("Regulator", regulator),
                KeyValue("Workflow", incident.workflowName.text(in: language)),
                KeyValue("Sectors", sectors.isEmpty ? "—" : sectors.joined(separator: "\n")),
                KeyValue("Notification type", Self.notificationTypes[incident.notificationType] ?? ""),
                KeyValue("Cross-border", incident.crossBorder ? "Yes" : "No"),
                KeyValue("Significant impact", incident.significant ? "Yes" : "No"),
            ] + [("Internal reference", incident.internalReference), ("Complaint reference", incident.complaintReference)]
                .filter { !$0.1.isEmpty }.map { KeyValue($0.0, $0.1) }))
            let latest = single ? versions.first : versions.max { $0.submittedAt < $1.submittedAt }
            blocks.append(.heading(level: 1, text: "Timeline"))
            blocks.append(.keyValues(pairs: [
                KeyValue("Time zone", incident.timeZone), KeyValue("Notified", date(incident.notifiedAt)),
                KeyValue("Detected", date(latest?.detectedAt ?? incident.detectedAt)), KeyValue("Started", date(latest?.startedAt)),
                KeyValue("Resolved", date(latest?.resolvedAt)),
            ]))
            blocks.append(.heading(level: 1, text: "Reports"))
            blocks.append(.table(Table(
                columns: ["Report", "Due", "First submitted", "Versions", "Review"],
                rows: incident.reports.map { report in
                    [report.label.text(in: language), date(report.dueAt),
                     report.firstSubmittedAt.map { date($0) + (report.late == true ? " (late)" : "") } ?? "not submitted",
                     String(report.versions.count), report.reviewStatus.map(Self.reviewLabel) ?? "—"]
                }, widths: [130, 95, 115, 50, 90])))
            blocks.append(.heading(level: 1, text: "Contacts"))
            for (label, contact) in [("Incident notification manager", incident.contact), ("Technical contact", incident.technicalContact)] {
                blocks.append(.heading(level: 3, text: label))
                blocks.append(.keyValues(pairs: [
                    KeyValue("Name", "\(contact.firstName) \(contact.lastName)"), KeyValue("Job title", contact.title.isEmpty ? "—" : contact.title),
                    KeyValue("E-mail", contact.email), KeyValue("Telephone", contact.phone),
                ]))
            }
            if versions.isEmpty {
                blocks.append(.paragraph(text: "No report has been submitted."))
            }
            for report in incident.reports {
                let included = versions.filter { $0.stageID == report.stageID }
                guard !included.isEmpty else { continue }
                blocks.append(.pageBreak)
                blocks.append(.heading(level: 1, text: report.label.text(in: language)))
                for version in included { blocks += self.blocks(of: version) }
            }
            return Document(title: title, author: incident.shownNotifierName(in: language), subject: "Incident report", createdAt: Date(),
                            header: "\(incident.reference) · \(regulator) · TLP:AMBER", blocks: blocks)
        }

        private func blocks(of version: ReportVersion) -> [Document.Block] {
            var blocks: [Document.Block] = [
                .heading(level: 2, text: "Version \(version.number) — \(date(version.submittedAt))"),
                .keyValues(pairs: [
                    KeyValue("Submitted by", version.submitterName),
                    KeyValue("Submitted", date(version.submittedAt) + (version.late ? " (after the due time)" : "")),
                    KeyValue("Review", Self.reviewLabel(version.reviewStatus)),
                ] + (version.reviewComment.isEmpty ? [] : [KeyValue("Comment", version.reviewComment)])),
            ]
            for section in version.questionnaire.sections {
                blocks.append(.heading(level: 3, text: section.label.text(in: language)))
                blocks.append(.table(Table(columns: ["Question", "Answer"], rows: section.items.map { item in
                    [item.label.text(in: language), answer(item, version.answer(item.questionID))]
                }, widths: [200, 280])))
            }
            if !version.impacts.isEmpty {
                blocks.append(.heading(level: 3, text: "Impacts"))
                blocks.append(.paragraph(text: version.impacts.map { "• " + $0.label.text(in: language) }.joined(separator: "\n")))
            }
            return blocks
        }

        /// An answer as people read it, one part per line; a dash when unanswered.
        func answer(_ item: Questionnaire.Item, _ answer: ReportAnswer?) -> String {
            guard let answer, !answer.isEmpty else { return "—" }
            return answer.readable(for: item, language: language, date: { date($0) }).joined(separator: "\n")
        }

        static func reviewLabel(_ status: ReviewStatus) -> String {
            switch status {
            case .unreviewed: "Not reviewed yet"
            case .passed: "Passed"
            case .revisionRequired: "Revision required"
            }
        }

        static let notificationTypes: [NotificationType: String] = [.incident: "Incident", .nearMiss: "Near miss", .cyberThreat: "Cyber threat"]
    }
}
