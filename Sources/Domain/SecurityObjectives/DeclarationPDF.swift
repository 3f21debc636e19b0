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
    /// The file name and the document of declaration `declarationID`, for one side, its dates in `zone`.
    static func build(declarationID: UUID, regulatorView: Bool, language: Language, zone: TimeZone,
                      session: PostgresSession) async throws -> (String, Document) {
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
                              sectors: try names.decode("sectors"), zone: zone)
        return (content.filename, content.document)
    }

    struct Content {
        var detail: DeclarationDetail
        var regulator: String
        var sectors: [String]
        var zone: TimeZone = TimeZone(identifier: "UTC") ?? .current

        var declaration: Declaration { detail.declaration }
        var language: Language { detail.language }

        /// A fixed text of the document, in its language.
        func t(_ key: DocumentText, _ values: [String: String] = [:]) -> String { key.text(in: language, values) }

        /// The review comment column: for the regulator, and for the operator's side once it has
        /// comments to read (they are blank while it may not see them).
        var showsComments: Bool {
            declaration.seenByRegulator || detail.objectives.contains { $0.levels.contains { $0.measures.contains { !$0.reviewComment.isEmpty } } }
        }

        /// After the declaration (reference, version, last change), never the day of the download; with the language.
        var filename: String {
            "Security_objective_declaration_\(declaration.reference)_v\(declaration.version)_\(Self.day(declaration.updatedAt, zone))_\(language.rawValue).pdf"
        }

        var document: Document {
            let title = t(.declarationTitle)
            let dates = DocumentDates(zone: zone, language: language)
            var blocks: [Document.Block] = [.heading(level: 1, text: title), .keyValues(pairs: cover(dates)),
                                            .heading(level: 2, text: t(.maturityLevels))]
            blocks.append(.table(Table(columns: [t(.level), t(.label)], rows: detail.levels.map { [String($0.level), $0.label.text(in: language)] },
                                       widths: [1, 5], fills: detail.levels.map { [$0.color, nil] })))
            blocks += [.pageBreak, .tableOfContents(title: t(.contents), depth: 2)]
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
            let version = t(.versionOf, ["reference": declaration.reference, "number": String(declaration.version)])
            return Document(title: title, author: declaration.operatorName, subject: version,
                            createdAt: Date(), header: "\(title) · \(version) · \(declaration.operatorName)",
                            pageLabel: t(.pageLabel), footerBadge: .tlpAmber, blocks: blocks)
        }

        func cover(_ dates: DocumentDates) -> [KeyValue] {
            let progress = declaration.progress
            var pairs = [
                KeyValue(t(.operatorName), declaration.operatorName),
                KeyValue(t(.reference), t(.versionOf, ["reference": declaration.reference, "number": String(declaration.version)])),
                KeyValue(t(.year), String(declaration.year)),
                KeyValue(t(.sectors), sectors.isEmpty ? "—" : sectors.joined(separator: "\n")),
                KeyValue(t(.standard), declaration.standardLabel.text(in: language)),
                KeyValue(t(.regulator), regulator),
                KeyValue(t(.status), t(Self.statusText(declaration.status))),
                KeyValue(t(.submitted), declaration.submittedAt.map(dates.format) ?? t(.notSubmitted)),
                KeyValue(t(.lastUpdate), dates.format(declaration.updatedAt)),
                KeyValue(t(.progressLabel), t(.progress, ["complete": String(progress.complete), "total": String(progress.objectives),
                                                      "percent": String(progress.answeredPercentage)])),
            ]
            if declaration.seenByRegulator {
                pairs.append(KeyValue(t(.review), t(.reviewProgress, ["reviewed": String(progress.reviewed), "total": String(progress.objectives),
                                                                       "percent": String(progress.reviewedPercentage)])))
            }
            // Blank unless the side sees the review.
            if !declaration.reviewComment.isEmpty {
                pairs.append(KeyValue(t(.reviewComment), declaration.reviewComment))
            }
            return pairs
        }

        private func blocks(of objective: DeclarationDetail.Objective, comments showsComments: Bool) -> [Document.Block] {
            var heading = "\(objective.code): \(objective.title)"
            if declaration.seenByRegulator, let status = objective.reviewStatus {
                heading += " [\(t(Self.reviewText(status)))]"
            }
            var blocks: [Document.Block] = [.heading(level: 2, text: heading)]
            if !objective.description.isEmpty { blocks.append(.paragraph(text: objective.description)) }
            blocks.append(.keyValues(pairs: [
                KeyValue(t(.score), "\(Self.number(objective.score)) / \(detail.maximumLevel)"),
                KeyValue(t(.completion), t(Self.completionText(objective.completion))),
            ]))
            if objective.levels.isEmpty {
                blocks.append(.paragraph(text: t(.noMeasures)))
            } else {
                var columns = [t(.level), t(.measure), t(.evidence), t(.implemented), t(.justification)]
                var widths = [1.3, 3.0, 2.4, 1.4, 2.6]
                if showsComments {
                    columns.append(t(.reviewComment))
                    widths.append(2.2)
                }
                var rows: [[String]] = []
                var fills: [[String?]] = []
                for group in objective.levels {
                    for measure in group.measures {
                        var row = ["\(group.level) · \(group.label)", measure.description, measure.evidence.isEmpty ? "—" : measure.evidence,
                                   t(measure.isImplemented ? .yes : .no), measure.justification.isEmpty ? "—" : measure.justification]
                        if showsComments { row.append(measure.reviewComment) }
                        rows.append(row)
                        fills.append([group.color])
                    }
                }
                blocks.append(.table(Table(columns: columns, rows: rows, widths: widths, fills: fills)))
            }
            blocks.append(.heading(level: 3, text: t(.plannedActions)))
            blocks.append(.paragraph(text: objective.plannedActions.isEmpty ? "—" : objective.plannedActions))
            return blocks
        }

        static func statusText(_ status: DeclarationStatus) -> DocumentText {
            switch status {
            case .draft: .draft
            case .submitted: .submitted
            case .passedPending: .passedPending
            case .revisionRequiredPending: .revisionRequiredPending
            case .passed: .passed
            case .revisionRequired: .revisionRequired
            }
        }

        static func reviewText(_ status: ObjectiveReviewStatus) -> DocumentText {
            switch status {
            case .notReviewed: .notReviewed
            case .passed: .passed
            case .revisionRequired: .revisionRequired
            }
        }

        static func completionText(_ completion: ObjectiveCompletion) -> DocumentText {
            switch completion {
            case .notStarted: .notStarted
            case .partial: .partial
            case .complete: .complete
            }
        }

        /// `1.5`, `2`, `0.33`: the score as stored, without trailing zeros.
        static func number(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value).replacingOccurrences(of: #"0+$"#, with: "",
                                                                                                                 options: .regularExpression)
        }

        /// The day, `2026-03-02`, in `zone`.
        static func day(_ date: Date, _ zone: TimeZone) -> String {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = zone
            formatter.dateFormat = "yyyy-MM-dd"
            return formatter.string(from: date)
        }
    }
}
