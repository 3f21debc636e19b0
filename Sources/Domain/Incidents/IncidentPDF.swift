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

        /// A fixed text of the document, in its language.
        func t(_ key: DocumentText, _ values: [String: String] = [:]) -> String { key.text(in: language, values) }

        var filename: String {
            let day = DateFormatter()
            day.locale = Locale(identifier: "en_US_POSIX")
            day.timeZone = zone
            day.dateFormat = "yyyy-MM-dd"
            if single, let version = versions.first {
                return "\(incident.reference)_\(version.reportName)_v\(version.number)_\(day.string(from: version.submittedAt))_\(language.rawValue).pdf"
            }
            return "Incident_\(incident.reference)_\(day.string(from: versions.map(\.submittedAt).max() ?? incident.notifiedAt))_\(language.rawValue).pdf"
        }

        var document: Document {
            let dates = DocumentDates(zone: zone, language: language)
            func date(_ value: Date?) -> String { value.map(dates.format) ?? "—" }
            var blocks: [Document.Block] = []
            let title = single ? "\(incident.reference) — \(versions.first.map { $0.reportLabel.text(in: language) } ?? "")" : incident.reference
            blocks.append(.heading(level: 1, text: t(.incidentDetails)))
            blocks.append(.keyValues(pairs: [
                KeyValue(t(.reference), incident.reference),
                KeyValue(t(.notifiedBy), incident.shownNotifierName(in: language)),
                KeyValue(t(.incidentStatus), t(incident.isOpen ? .open : .closed)),
                KeyValue(t(.legalBasis), regulation),
                KeyValue(t(.regulator), regulator),
                KeyValue(t(.workflow), incident.workflowName.text(in: language)),
                KeyValue(t(.sectors), sectors.isEmpty ? "—" : sectors.joined(separator: "\n")),
                KeyValue(t(.notificationType), t(incident.notificationType.words)),
                KeyValue(t(.crossBorder), t(incident.crossBorder ? .yes : .no)),
                KeyValue(t(.significantImpact), t(incident.significant ? .yes : .no)),
            ] + [(t(.internalReference), incident.internalReference), (t(.complaintReference), incident.complaintReference)]
                .filter { !$0.1.isEmpty }.map { KeyValue($0.0, $0.1) }))
            let latest = single ? versions.first : versions.max { $0.submittedAt < $1.submittedAt }
            blocks.append(.heading(level: 1, text: t(.timeline)))
            blocks.append(.keyValues(pairs: [
                KeyValue(t(.timeZone), incident.timeZone), KeyValue(t(.notified), date(incident.notifiedAt)),
                KeyValue(t(.detected), date(latest?.detectedAt ?? incident.detectedAt)), KeyValue(t(.started), date(latest?.startedAt)),
                KeyValue(t(.resolved), date(latest?.resolvedAt)),
            ]))
            blocks.append(.heading(level: 1, text: t(.reports)))
            blocks.append(.table(Table(
                columns: [t(.report), t(.due), t(.firstSubmitted), t(.versions), t(.review)],
                rows: incident.reports.map { report in
                    [report.label.text(in: language), date(report.dueAt),
                     report.firstSubmittedAt.map { date($0) + (report.late == true ? " (\(t(.late)))" : "") } ?? t(.notSubmitted),
                     String(report.versions.count), report.reviewStatus.map { t($0.words) } ?? "—"]
                }, widths: [130, 95, 115, 50, 90])))
            blocks.append(.heading(level: 1, text: t(.contacts)))
            for (label, contact) in [(t(.notificationManager), incident.contact), (t(.technicalContact), incident.technicalContact)] {
                blocks.append(.heading(level: 3, text: label))
                blocks.append(.keyValues(pairs: [
                    KeyValue(t(.name), "\(contact.firstName) \(contact.lastName)"), KeyValue(t(.jobTitle), contact.title.isEmpty ? "—" : contact.title),
                    KeyValue(t(.email), contact.email), KeyValue(t(.telephone), contact.phone),
                ]))
            }
            if versions.isEmpty {
                blocks.append(.paragraph(text: t(.noReport)))
            }
            for report in incident.reports {
                let included = versions.filter { $0.stageID == report.stageID }
                guard !included.isEmpty else { continue }
                blocks.append(.pageBreak)
                blocks.append(.heading(level: 1, text: report.label.text(in: language)))
                for version in included { blocks += self.blocks(of: version, date: date) }
            }
            return Document(title: title, author: incident.shownNotifierName(in: language), subject: t(.incidentReport), createdAt: Date(),
                            header: "\(incident.reference) · \(regulator) · TLP:AMBER", pageLabel: t(.pageLabel), blocks: blocks)
        }

        private func blocks(of version: ReportVersion, date: (Date?) -> String) -> [Document.Block] {
            var blocks: [Document.Block] = [
                .heading(level: 2, text: "\(t(.version, ["number": String(version.number)])) — \(date(version.submittedAt))"),
                .keyValues(pairs: [
                    KeyValue(t(.submittedBy), version.submitterName),
                    KeyValue(t(.submitted), date(version.submittedAt) + (version.late ? " (\(t(.afterDueTime)))" : "")),
                    KeyValue(t(.review), t(version.reviewStatus.words)),
                ] + (version.reviewComment.isEmpty ? [] : [KeyValue(t(.comment), version.reviewComment)])),
            ]
            for section in version.questionnaire.sections {
                blocks.append(.heading(level: 3, text: section.label.text(in: language)))
                blocks.append(.table(Table(columns: [t(.question), t(.answer)], rows: section.items.map { item in
                    [item.label.text(in: language), answer(item, version.answer(item.questionID), date: date)]
                }, widths: [200, 280])))
            }
            if !version.impacts.isEmpty {
                blocks.append(.heading(level: 3, text: t(.impacts)))
                blocks.append(.paragraph(text: version.impacts.map { "• " + $0.label.text(in: language) }.joined(separator: "\n")))
            }
            return blocks
        }

        /// An answer as people read it, one part per line; a dash when unanswered.
        func answer(_ item: Questionnaire.Item, _ answer: ReportAnswer?, date: (Date?) -> String) -> String {
            guard let answer, !answer.isEmpty else { return "—" }
            return answer.readable(for: item, language: language, date: { date($0) }).joined(separator: "\n")
        }

    }
}

extension ReviewStatus {
    /// How documents and e-mails name the status.
    var words: DocumentText {
        switch self {
        case .unreviewed: .notReviewed
        case .passed: .passed
        case .revisionRequired: .revisionRequired
        }
    }
}

extension NotificationType {
    /// How documents name the type.
    var words: DocumentText {
        switch self {
        case .incident: .incident
        case .nearMiss: .nearMiss
        case .cyberThreat: .cyberThreat
        }
    }
}
