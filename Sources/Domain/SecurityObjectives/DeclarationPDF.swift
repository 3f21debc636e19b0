import Documents
import Foundation
import Postgres

/// The content of a declaration PDF, as a ``Documents/Document``: a cover (operator, sectors,
/// standard, status, dates, progress, the maturity levels in their colours), a table of
/// contents with page numbers, then one landscape page per objective (by domain, in the
/// standard's order) with its score, its measures grouped by level and the answers, and its
/// planned actions. The objectives' review statuses appear only in the regulator's rendering;
/// review comments where the side sees the review. Every page carries a TLP:AMBER marking.
enum DeclarationPDF {
    /// The file name and the document of declaration `declarationID`, for one side.
    static func build(declarationID: UUID, regulatorView: Bool, language: Language, session: PostgresSession) async throws -> (String, Document) {
        let declaration = try await DeclarationAccess.reload(declarationID, seenByRegulator: regulatorView, session: session)
        let detail = try await Declarations.detail(declaration, language: language, session: session)
        let names = try await session.query("""
            SELECT r.name::text AS regulator,
                   ARRAY(SELECT coalesce((p.name->>$2) || ' → ', (p.name->>'en') || ' → ', '') || coalesce(s.name->>$2, s.name->>'en', '')
                         FROM declaration_sectors x JOIN sectors s ON s.id = x.sector_id LEFT JOIN sectors p ON p.id = s.parent_id
                         WHERE x.declaration_id = d.id ORDER BY 1) AS sectors
            FROM declarations d JOIN regulators r ON r.id = d.regulator_id WHERE d.id = $1
            """, declarationID, language.rawValue).required()
        let content = Content(detail: detail, regulator: try LanguageMap.parse(try names.decode("regulator")).text(in: language),
                              sectors: try names.decode("sectors"))
        return (content.filename, content.document)
    }

    struct Content {
        var detail: DeclarationDetail
        var regulator: String
        var sectors: [String]

        var declaration: Declaration { detail.declaration }
        var language: Language { detail.language }

        /// The review comment column: for the regulator, and for the operator's side once it has
        /// comments to read (they are blank while it may not see them).
        var showsComments: Bool {
            declaration.seenByRegulator || detail.objectives.contains { $0.levels.contains { $0.measures.contains { !$0.reviewComment.isEmpty } } }
        }

        /// After the declaration (reference, version, last change), never the day of the download.
        var filename: String {
            "Security_objective_declaration_\(declaration.reference)_v\(declaration.version)_\(Self.day(declaration.updatedAt)).pdf"
        }

        var document: Document {
            let title = "Security objectives declaration"
            var blocks: [Document.Block] = [.heading(level: 1, text: title), .keyValues(pairs: cover), .heading(level: 2, text: "Maturity levels")]
            blocks.append(.table(Table(columns: ["Level", "Label"], rows: detail.levels.map { [String($0.level), $0.label.text(in: language)] },
                                       widths: [1, 5], fills: detail.levels.map { [$0.color, nil] })))
            blocks += [.pageBreak, .tableOfContents(title: "Contents", depth: 2)]
            var domain: UUID?
            let comments = showsComments
            for objective in detail.objectives {
                blocks.append(.orientation(.landscape))
                if objective.domainID != domain {
                    blocks.append(.heading(level: 1, text: objective.domainLabel))
                    domain = objective.domainID
                }
                blocks += self.blocks(of: objective, comments: comments)
            }
            return Document(title: title, author: declaration.operatorName, subject: "\(declaration.reference) (version \(declaration.version))",
                            createdAt: Date(), header: "\(title) · \(declaration.reference) v\(declaration.version) · \(declaration.operatorName)",
                            footerBadge: .tlpAmber, blocks: blocks)
        }

        var cover: [KeyValue] {
            let progress = declaration.progress
            var pairs = [
                KeyValue("Operator", declaration.operatorName),
                KeyValue("Reference", "\(declaration.reference) (version \(declaration.version))"),
                KeyValue("Year", String(declaration.year)),
                KeyValue("Sectors", sectors.isEmpty ? "—" : sectors.joined(separator: "\n")),
                KeyValue("Standard", declaration.standardLabel.text(in: language)),
                KeyValue("Regulator", regulator),
                KeyValue("Status", Self.statusLabel(declaration.status)),
                KeyValue("Submitted", declaration.submittedAt.map(Self.time) ?? "not submitted"),
                KeyValue("Last update", Self.time(declaration.updatedAt)),
                KeyValue("Progress", "\(progress.complete) of \(progress.objectives) objectives complete (\(progress.answeredPercentage) %)"),
            ]
            if declaration.seenByRegulator {
                pairs.append(KeyValue("Review",
                                      "\(progress.reviewed) of \(progress.objectives) objectives reviewed (\(progress.reviewedPercentage) %)"))
            }
            // Blank unless the side sees the review.
            if !declaration.reviewComment.isEmpty {
                pairs.append(KeyValue("Review comment", declaration.reviewComment))
            }
            return pairs
        }

        private func blocks(of objective: DeclarationDetail.Objective, comments showsComments: Bool) -> [Document.Block] {
            var heading = "\(objective.code): \(objective.title)"
            if declaration.seenByRegulator, let status = objective.reviewStatus {
                heading += " [\(Self.reviewLabel(status))]"
            }
            var blocks: [Document.Block] = [.heading(level: 2, text: heading)]
            if !objective.description.isEmpty { blocks.append(.paragraph(text: objective.description)) }
            blocks.append(.keyValues(pairs: [
                KeyValue("Score", "\(Self.number(objective.score)) / \(detail.maximumLevel)"),
                KeyValue("Completion", Self.completionLabel(objective.completion)),
            ]))
            if objective.levels.isEmpty {
                blocks.append(.paragraph(text: "This objective has no measures: its planned actions answer it."))
            } else {
                var columns = ["Level", "Measure", "Evidence", "Implemented", "Justification"]
                var widths = [1.3, 3.0, 2.4, 1.4, 2.6]
                if showsComments {
                    columns.append("Review comment")
                    widths.append(2.2)
                }
                var rows: [[String]] = []
                var fills: [[String?]] = []
                for group in objective.levels {
                    for measure in group.measures {
                        var row = ["\(group.level) · \(group.label)", measure.description, measure.evidence.isEmpty ? "—" : measure.evidence,
                                   measure.isImplemented ? "Yes" : "No", measure.justification.isEmpty ? "—" : measure.justification]
                        if showsComments { row.append(measure.reviewComment) }
                        rows.append(row)
                        fills.append([group.color])
                    }
                }
                blocks.append(.table(Table(columns: columns, rows: rows, widths: widths, fills: fills)))
            }
            blocks.append(.heading(level: 3, text: "Planned actions"))
            blocks.append(.paragraph(text: objective.plannedActions.isEmpty ? "—" : objective.plannedActions))
            return blocks
        }

        static func statusLabel(_ status: DeclarationStatus) -> String {
            switch status {
            case .draft: "Draft"
            case .submitted: "Submitted"
            case .passedPending: "Passed (verdict not sent yet)"
            case .revisionRequiredPending: "Revision required (verdict not sent yet)"
            case .passed: "Passed"
            case .revisionRequired: "Revision required"
            }
        }

        static func reviewLabel(_ status: ObjectiveReviewStatus) -> String {
            switch status {
            case .notReviewed: "Not reviewed"
            case .passed: "Passed"
            case .revisionRequired: "Revision required"
            }
        }

        static func completionLabel(_ completion: ObjectiveCompletion) -> String {
            switch completion {
            case .notStarted: "Not started"
            case .partial: "Partial"
            case .complete: "Complete"
            }
        }

        /// `1.5`, `2`, `0.33`: the score as stored, without trailing zeros.
        static func number(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value).replacingOccurrences(of: #"0+$"#, with: "",
                                                                                                                 options: .regularExpression)
        }

        static func day(_ date: Date) -> String {
            String(time(date).prefix(10))
        }

        /// `2026-03-02 14:00 UTC`.
        static func time(_ date: Date) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm 'UTC'"
            return formatter.string(from: date)
        }
    }
}
