import Documents
import Foundation
import Pooling
import Postgres

/// A part of the yearly report; a configuration draws the ones it lists, in its order.
public enum ReportSection: String, Sendable, CaseIterable, Codable {
    case context
    case maturityLevels = "maturity_levels"
    case domains
    case objectives
    case sectorRanking = "sector_ranking"
    case weakestObjectives = "weakest_objectives"
    case riskLevels = "risk_levels"
    case highestRisks = "highest_risks"
    case riskSummary = "risk_summary"
    case threatsAndVulnerabilities = "threats_vulnerabilities"
    case recommendations
    case observations
}

/// The texts of the report in one language that a regulator chooses instead of the defaults.
public struct ReportTexts: Sendable, Equatable, Codable {
    public struct Section: Sendable, Equatable, Codable {
        public var title: String?
        /// A paragraph drawn under the section's title.
        public var intro: String?

        public init(title: String? = nil, intro: String? = nil) {
            (self.title, self.intro) = (title, intro)
        }
    }

    public var coverTitle: String?
    /// Paragraphs on the cover, under the operator and sector.
    public var coverText: String?
    public var sections: [ReportSection: Section]

    public init(coverTitle: String? = nil, coverText: String? = nil, sections: [ReportSection: Section] = [:]) {
        (self.coverTitle, self.coverText, self.sections) = (coverTitle, coverText, sections)
    }

    enum CodingKeys: String, CodingKey {
        case coverTitle = "cover_title", coverText = "cover_text", sections
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        coverTitle = try container.decodeIfPresent(String.self, forKey: .coverTitle)
        coverText = try container.decodeIfPresent(String.self, forKey: .coverText)
        let raw = try container.decodeIfPresent([String: Section].self, forKey: .sections) ?? [:]
        sections = Dictionary(raw.compactMap { key, value in ReportSection(rawValue: key).map { ($0, value) } }) { first, _ in first }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(coverTitle, forKey: .coverTitle)
        try container.encodeIfPresent(coverText, forKey: .coverText)
        try container.encode(Dictionary(uniqueKeysWithValues: sections.map { ($0.key.rawValue, $0.value) }), forKey: .sections)
    }
}

/// How a regulator's reports on one of its standards look: the chart colours, the logo, the
/// cover and section texts per language and the sections drawn, in order. Without one, the
/// defaults: every section, the default palette, the platform's texts.
public struct ReportConfiguration: Sendable, Equatable {
    public var standardID: UUID
    /// No configuration stored: these are the defaults.
    public var isDefault: Bool
    /// `#RRGGBB`, used first by the charts (then the default palette).
    public var palette: [String]
    public var sections: [ReportSection]
    public var texts: [Language: ReportTexts]
    public var hasLogo: Bool
    public var updatedAt: Date?

    public init(standardID: UUID, isDefault: Bool, palette: [String], sections: [ReportSection], texts: [Language: ReportTexts], hasLogo: Bool,
                updatedAt: Date?) {
        self.standardID = standardID
        self.isDefault = isDefault
        self.palette = palette
        self.sections = sections
        self.texts = texts
        self.hasLogo = hasLogo
        self.updatedAt = updatedAt
    }

    static func defaults(_ standardID: UUID) -> ReportConfiguration {
        ReportConfiguration(standardID: standardID, isDefault: true, palette: [], sections: ReportSection.allCases, texts: [:], hasLogo: false,
                            updatedAt: nil)
    }

    /// The chart colours: the regulator's, then the qualitative Set1 and Set2 palettes the
    /// reference used after them.
    var chartColors: [String] {
        palette + ["#E41A1C", "#377EB8", "#4DAF4A", "#984EA3", "#FF7F00", "#FFFF33", "#A65628", "#F781BF", "#999999",
                   "#66C2A5", "#FC8D62", "#8DA0CB", "#E78AC3", "#A6D854", "#FFD92F", "#E5C494", "#B3B3B3"]
    }
}

/// What a change of configuration gives; nil keeps a setting.
public struct ReportConfigurationInput: Sendable {
    public var palette: [String]?
    public var sections: [String]?
    public var texts: [String: ReportTexts]?

    public init(palette: [String]? = nil, sections: [String]? = nil, texts: [String: ReportTexts]? = nil) {
        (self.palette, self.sections, self.texts) = (palette, sections, texts)
    }
}

/// Report configurations: read by the regulator's staff, written by its administrators.
public struct ReportConfigurations: Sendable {
    let postgres: PostgresClient
    let files: BlockingWorkPool
    static let maximumColors = 20
    static let maximumTitleLength = 200
    static let maximumTextLength = 5_000
    static let maximumLogoBytes = 524_288
    static let maximumLogoPixels = 4_000

    public func find(_ principal: Principal, standardID: UUID) async throws -> ReportConfiguration {
        try await postgres.withSession { session in
            let caller = try await Self.reach(principal, standardID: standardID, write: false, session: session)
            return try await Self.load(regulatorID: caller.regulatorID, standardID: standardID, session: session).configuration
        }
    }

    /// Replaces the settings given, checked whole.
    public func save(_ principal: Principal, standardID: UUID, _ input: ReportConfigurationInput, client: ClientInfo) async throws
        -> ReportConfiguration {
        var validator = Validator()
        let palette = input.palette ?? []
        validator.check(palette.count <= Self.maximumColors, "palette", "too_many", "Give at most \(Self.maximumColors) colours.")
        for (index, color) in palette.enumerated() {
            validator.check(color.count == 7 && color.first == "#" && color.dropFirst().allSatisfy(\.isHexDigit), "palette[\(index)]", "invalid",
                            "A colour is written #RRGGBB.")
        }
        let names = input.sections ?? ReportSection.allCases.map(\.rawValue)
        let sections = names.compactMap(ReportSection.init)
        validator.check(sections.count == names.count, "sections", "unknown", "Name sections among \(ReportSection.allCases.map(\.rawValue)).")
        validator.check(!names.isEmpty, "sections", "required", "Draw at least one section.")
        validator.check(Set(names).count == names.count, "sections", "duplicate", "Name each section once.")
        var texts: [Language: ReportTexts] = [:]
        for (code, value) in input.texts ?? [:] {
            guard let language = Language(rawValue: code) else {
                validator.check(false, "texts.\(code)", "unknown", "Texts are given for en, fr, nl or de.")
                continue
            }
            func clean(_ text: String?, _ field: String, _ limit: Int) -> String? {
                guard let text = text.map(TextRules.trimmed), !text.isEmpty else { return nil }
                validator.check(text.count <= limit, "texts.\(code).\(field)", "too_long", "At most \(limit) characters.")
                return text
            }
            var cleaned = ReportTexts(coverTitle: clean(value.coverTitle, "cover_title", Self.maximumTitleLength),
                                      coverText: clean(value.coverText, "cover_text", Self.maximumTextLength))
            for (section, text) in value.sections {
                let entry = ReportTexts.Section(title: clean(text.title, "sections.\(section.rawValue).title", Self.maximumTitleLength),
                                                intro: clean(text.intro, "sections.\(section.rawValue).intro", Self.maximumTextLength))
                if entry.title != nil || entry.intro != nil { cleaned.sections[section] = entry }
            }
            texts[language] = cleaned
        }
        try validator.throwIfInvalid()
        let encodedTexts = String(decoding: try JSONEncoder().encode(Dictionary(uniqueKeysWithValues: texts.map { ($0.key.rawValue, $0.value) })),
                                  as: UTF8.self)
        return try await postgres.withTransaction { session in
            let caller = try await Self.reach(principal, standardID: standardID, write: true, session: session)
            try await session.query("""
                INSERT INTO report_configurations (regulator_id, standard_id, palette, sections, texts) VALUES ($1, $2, $3, $4, $5::jsonb)
                ON CONFLICT (regulator_id, standard_id) DO UPDATE SET palette = $3, sections = $4, texts = $5::jsonb, updated_at = now()
                """, caller.regulatorID, standardID, palette.map { $0.uppercased() }, sections.map(\.rawValue), encodedTexts)
            try await Self.audit("report_configuration.saved", principal, caller, standardID, client, session)
            return try await Self.load(regulatorID: caller.regulatorID, standardID: standardID, session: session).configuration
        }
    }

    /// Back to the defaults (the logo goes too).
    public func reset(_ principal: Principal, standardID: UUID, client: ClientInfo) async throws {
        try await postgres.withTransaction { session in
            let caller = try await Self.reach(principal, standardID: standardID, write: true, session: session)
            try await session.query("DELETE FROM report_configurations WHERE regulator_id = $1 AND standard_id = $2", caller.regulatorID, standardID)
            try await Self.audit("report_configuration.reset", principal, caller, standardID, client, session)
        }
    }

    /// Stores the logo drawn at the top of every page: a PNG Cairo reads, at most 512 KiB and
    /// 4,000 pixels a side. The image is read only once the caller is known to configure the
    /// standard's reports, and decoded only once its header declares a size within the limit.
    public func setLogo(_ principal: Principal, standardID: UUID, png upload: Upload, client: ClientInfo) async throws -> ReportConfiguration {
        _ = try await postgres.withSession { session in try await Self.reach(principal, standardID: standardID, write: true, session: session) }
        let png = try await upload.bytes()
        guard png.count <= Self.maximumLogoBytes else {
            throw DomainError.validation([FieldError(field: "body", code: "too_large", message: "A logo has at most \(Self.maximumLogoBytes) bytes.")])
        }
        let pixels = "Send a PNG image of at most \(Self.maximumLogoPixels) pixels a side."
        guard let header = try? PNGHeader(png) else {
            throw DomainError.validation([FieldError(field: "body", code: "invalid_image", message: pixels)])
        }
        guard header.width <= Self.maximumLogoPixels, header.height <= Self.maximumLogoPixels else {
            throw DomainError.validation([FieldError(field: "body", code: "image_too_large",
                                                     message: "The image declares \(header.width) × \(header.height) pixels. " + pixels)])
        }
        guard (try? await files.run({ try PDFRenderer.pngSize(png) })) != nil else {
            throw DomainError.validation([FieldError(field: "body", code: "invalid_image", message: pixels)])
        }
        return try await postgres.withTransaction { session in
            let caller = try await Self.reach(principal, standardID: standardID, write: true, session: session)
            try await session.query("""
                INSERT INTO report_configurations (regulator_id, standard_id, sections, logo) VALUES ($1, $2, $3, $4)
                ON CONFLICT (regulator_id, standard_id) DO UPDATE SET logo = $4, updated_at = now()
                """, caller.regulatorID, standardID, ReportSection.allCases.map(\.rawValue), png)
            try await Self.audit("report_configuration.logo_saved", principal, caller, standardID, client, session)
            return try await Self.load(regulatorID: caller.regulatorID, standardID: standardID, session: session).configuration
        }
    }

    /// The logo as stored.
    public func logo(_ principal: Principal, standardID: UUID) async throws -> Data {
        try await postgres.withSession { session in
            let caller = try await Self.reach(principal, standardID: standardID, write: false, session: session)
            guard let logo = try await Self.load(regulatorID: caller.regulatorID, standardID: standardID, session: session).logo else {
                throw DomainError.notFound("This configuration has no logo.")
            }
            return logo
        }
    }

    public func deleteLogo(_ principal: Principal, standardID: UUID, client: ClientInfo) async throws {
        try await postgres.withTransaction { session in
            let caller = try await Self.reach(principal, standardID: standardID, write: true, session: session)
            let rows = try await session.query("""
                UPDATE report_configurations SET logo = NULL, updated_at = now() WHERE regulator_id = $1 AND standard_id = $2 AND logo IS NOT NULL
                """, caller.regulatorID, standardID)
            guard rows.affectedRows == 1 else { throw DomainError.notFound("This configuration has no logo.") }
            try await Self.audit("report_configuration.logo_deleted", principal, caller, standardID, client, session)
        }
    }

    /// The caller, once the standard is known to be its regulator's (404 otherwise); writing
    /// takes an administrator (403).
    static func reach(_ principal: Principal, standardID: UUID, write: Bool, session: PostgresSession) async throws -> ReportingGate.Caller {
        let caller = try await ReportingGate.caller(principal, write: write, session: session)
        guard try await DeclarationCoverage.isStandard(standardID, of: caller.regulatorID, session: session) else {
            throw DomainError.notFound("No such standard.")
        }
        if write, !caller.isAdministrator {
            throw DomainError.forbidden("Your regulator's administrators configure its reports.")
        }
        return caller
    }

    /// The configuration of the regulator's reports on the standard (the defaults without one),
    /// and its logo.
    static func load(regulatorID: UUID, standardID: UUID, session: PostgresSession) async throws -> (configuration: ReportConfiguration, logo: Data?) {
        guard let row = try await session.query("""
            SELECT palette, sections, texts::text AS texts, logo, updated_at FROM report_configurations WHERE regulator_id = $1 AND standard_id = $2
            """, regulatorID, standardID).first else { return (.defaults(standardID), nil) }
        let raw = try JSONDecoder().decode([String: ReportTexts].self, from: Data(try row.decode("texts", as: String.self).utf8))
        let logo: Data? = try row.decode("logo")
        let configuration = ReportConfiguration(
            standardID: standardID, isDefault: false, palette: try row.decode("palette"),
            sections: try row.decode("sections", as: [String].self).compactMap(ReportSection.init),
            texts: Dictionary(raw.compactMap { key, value in Language(rawValue: key).map { ($0, value) } }) { first, _ in first },
            hasLogo: logo != nil, updatedAt: try row.decode("updated_at"))
        return (configuration, logo)
    }

    static func audit(_ action: String, _ principal: Principal, _ caller: ReportingGate.Caller, _ standardID: UUID, _ client: ClientInfo,
                      _ session: PostgresSession) async throws {
        try await AuditLog.record(AuditEvent(action, by: principal, objectType: "standard", objectID: standardID,
                                             organisation: .regulator(caller.regulatorID), client: client), in: session)
    }
}
