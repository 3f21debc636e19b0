import Foundation

/// How an operator treats a risk (MONARC's `kindOfMeasure`).
public enum RiskTreatment: String, Sendable, Codable, CaseIterable {
    case reduction, denial, acceptance, sharing, untreated

    /// MONARC's codes 1…5; a missing code (`null`) is an untreated risk.
    init?(kindOfMeasure: Int?) {
        switch kindOfMeasure {
        case 1: self = .reduction
        case 2: self = .denial
        case 3: self = .acceptance
        case 4: self = .sharing
        case 5, nil: self = .untreated
        default: return nil
        }
    }
}

/// A MONARC recommendation as the file gives it.
public struct MonarcRecommendation: Sendable, Equatable {
    public var uuid: UUID
    public var code: String
    public var description: String
    /// `YYYY-MM-DD`, the day in the zone the file names.
    public var dueDate: String?
    /// MONARC's recommendation status (its `status` set to 1).
    public var status: Bool
}

/// One information risk of one asset instance, with the identities and figures the reports use.
public struct MonarcRisk: Sendable, Equatable {
    /// Stable across re-imports of the same analysis: derived from the instance's place in the
    /// tree and the information risk.
    public var uuid: UUID
    public var assetUUID: UUID
    public var assetLabel: LanguageMap
    public var threatUUID: UUID
    public var threatLabel: LanguageMap
    public var vulnerabilityUUID: UUID
    public var vulnerabilityLabel: LanguageMap
    public var threatValue: Int
    public var vulnerabilityValue: Int
    /// The current risk (`cacheMaxRisk`); −1 when not evaluated.
    public var maxRisk: Int
    /// The residual risk (`cacheTargetedRisk`); −1 when not evaluated.
    public var residualRisk: Int
    /// Per criterion; −1 where the threat does not affect it.
    public var riskC: Int, riskI: Int, riskA: Int
    public var impactC: Int, impactI: Int, impactA: Int
    public var treatment: RiskTreatment
    /// The uuids of the risk's recommendations, in the file's order.
    public var recommendationUUIDs: [UUID]
}

/// What an import keeps of one service: the counters and averages the reports compare.
public struct ServiceStatistics: Sendable, Equatable, Codable {
    public var totalRisks = 0
    public var untreatedRisks = 0
    public var treatedRisks = 0
    public var reducedRisks = 0
    public var deniedRisks = 0
    public var acceptedRisks = 0
    public var sharedRisks = 0
    /// Mean current risk of the treated risks that have one; nil when none has.
    public var averageCurrentRisk: Double?
    /// Mean residual risk of the treated risks that have one; nil when none has.
    public var averageResidualRisk: Double?

    public init() {}

    /// The statistics of `risks`. The means are plain means over the values present (the
    /// reference weighted them by a count that included risks without a value).
    public init(_ risks: [MonarcRisk]) {
        var current: [Int] = []
        var residual: [Int] = []
        for risk in risks {
            totalRisks += 1
            switch risk.treatment {
            case .untreated: untreatedRisks += 1
            case .reduction: reducedRisks += 1
            case .denial: deniedRisks += 1
            case .acceptance: acceptedRisks += 1
            case .sharing: sharedRisks += 1
            }
            guard risk.treatment != .untreated else { continue }
            treatedRisks += 1
            if risk.maxRisk != -1 { current.append(risk.maxRisk) }
            if risk.residualRisk != -1 { residual.append(risk.residualRisk) }
        }
        averageCurrentRisk = current.isEmpty ? nil : Double(current.reduce(0, +)) / Double(current.count)
        averageResidualRisk = residual.isEmpty ? nil : Double(residual.reduce(0, +)) / Double(residual.count)
    }
}

/// A service: a root instance of the analysis and every risk of its subtree.
public struct MonarcService: Sendable, Equatable {
    public var uuid: UUID
    public var label: LanguageMap
    public var risks: [MonarcRisk]
    public var statistics: ServiceStatistics
}

/// A MONARC JSON export reduced to what the reports read (services, risks, recommendations).
///
/// The contract: `monarc_version` ("X.Y.Z") decides the layout — from 2.13.1 on, `instances` is
/// a list of instances with `level`, `label` (in `languageCode`), embedded `asset`, `object`,
/// `instanceRisks` with embedded `threat`, `vulnerability`, `informationRisk` and
/// `recommendations`; before it, `instances` is an object of nodes holding `instance`
/// (`root`, `parent`, `asset`, `object`, `label1`…`label4`, `c`, `i`, `d`), `risks`, `threats`,
/// `vuls`, `amvs` and `recos`. Every root (level 1, or root and parent 0 in the old layout) whose
/// subtree holds risks is a service. Deliberate departures from the reference importer: the
/// confidentiality risk comes from `riskConfidentiality`; an instance is named by its place in
/// the tree (asset, object and parent), so one asset under two parents gives two sets of risks;
/// every recommendation is linked to its risks; an unknown `kindOfMeasure` is refused (a
/// missing one is "untreated"); without `languageCode` the indexed labels are read.
public struct MonarcExport: Sendable, Equatable {
    public var monarcVersion: String
    /// The language of the labels when the file has one language (`languageCode`).
    public var language: Language?
    public var services: [MonarcService]
    public var recommendations: [MonarcRecommendation]

    /// The limits a file must keep: deeper nesting, longer texts or more rows are refused
    /// before anything is stored.
    public struct Limits: Sendable {
        public var maximumDepth = 64
        public var maximumInstances = 100_000
        public var maximumRisks = 200_000
        public var maximumLabelLength = 1_000
        public var maximumDescriptionLength = 20_000
        public init() {}
    }

    /// The first version whose exports use the list layout.
    static let listLayoutVersion = [2, 13, 1]

    /// Parses `data`.
    ///
    /// - Throws: ``DomainError/validation(_:)`` naming the place in the file (`file.instances[2].
    ///   instanceRisks[0].threatRate`) and the reason.
    public static func parse(_ data: Data, limits: Limits = Limits()) throws -> MonarcExport {
        if let depthError = nestingError(data, maximum: limits.maximumDepth) { throw DomainError.validation([depthError]) }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch let error as DecodingError {
            throw DomainError.validation([fieldError(error)])
        } catch {
            throw DomainError.validation([FieldError(field: "file", code: "invalid_json", message: "The file is not JSON: \(error).")])
        }
        guard let version = header.monarc_version, let numbers = versionNumbers(version) else {
            throw DomainError.validation([FieldError(field: "file.monarc_version", code: "required",
                                                     message: "monarc_version must be a version such as \"2.13.3\".")])
        }
        var builder = Builder(limits: limits)
        do {
            if numbers.lexicographicallyPrecedes(listLayoutVersion) {
                let export = try JSONDecoder().decode(OldExport.self, from: data)
                try builder.addOld(export.instances)
            } else {
                let language = header.languageCode.flatMap { Language(rawValue: $0.lowercased()) }
                if let code = header.languageCode, language == nil {
                    throw FieldError(field: "file.languageCode", code: "unsupported", message: "languageCode \"\(code)\" is not one of en, fr, nl, de.")
                }
                builder.language = language
                let export = try JSONDecoder().decode(NewExport.self, from: data)
                try builder.addNew(export.instances)
            }
        } catch let error as DecodingError {
            throw DomainError.validation([fieldError(error)])
        } catch let error as FieldError {
            throw DomainError.validation([error])
        }
        return MonarcExport(monarcVersion: version, language: builder.language, services: builder.services,
                            recommendations: builder.recommendations)
    }

    /// The numbers of "X.Y.Z" (each part digits only).
    static func versionNumbers(_ version: String) -> [Int]? {
        let parts = version.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...4).contains(parts.count), version.count <= 32 else { return nil }
        let numbers = parts.compactMap { $0.allSatisfy(\.isASCII) ? Int($0) : nil }
        return numbers.count == parts.count ? numbers : nil
    }

    /// Refuses nesting deeper than `maximum` before the file is decoded at all (a file of a
    /// million `[` must cost a scan, not a recursion).
    static func nestingError(_ data: Data, maximum: Int) -> FieldError? {
        var depth = 0
        var inString = false
        var escaped = false
        for (offset, byte) in data.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                if depth > maximum {
                    return FieldError(field: "file", code: "too_deep", message: "The file nests deeper than \(maximum) levels (at byte \(offset)).")
                }
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
            default: break
            }
        }
        return nil
    }

    /// A decoding error as the place in the file and what was wrong there.
    static func fieldError(_ error: DecodingError) -> FieldError {
        switch error {
        case .typeMismatch(let type, let context):
            return FieldError(field: path(context.codingPath), code: "invalid_type", message: "Expected \(describe(type)) at \(path(context.codingPath)).")
        case .valueNotFound(let type, let context):
            return FieldError(field: path(context.codingPath), code: "required", message: "Expected \(describe(type)) at \(path(context.codingPath)), found null.")
        case .keyNotFound(let key, let context):
            let place = path(context.codingPath + [key])
            return FieldError(field: place, code: "required", message: "\(place) is missing.")
        case .dataCorrupted(let context):
            let place = path(context.codingPath)
            let reason = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            return FieldError(field: place, code: "invalid", message: context.codingPath.isEmpty ? "The file is not JSON: \(reason)" : "\(place): \(context.debugDescription)")
        @unknown default:
            return FieldError(field: "file", code: "invalid", message: "\(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce("file") { path, key in
            if let index = key.intValue { return path + "[\(index)]" }
            return path + "." + key.stringValue
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is [Any].Type: "a list"
        case is [String: Any].Type: "an object"
        default: "a \(type)"
        }
    }
}

// MARK: - Building the services

extension MonarcExport {
    /// Walks the instance trees into services, checking every limit and text on the way.
    struct Builder {
        let limits: Limits
        var language: Language?
        var services: [MonarcService] = []
        var recommendations: [MonarcRecommendation] = []
        var recommendationIndex: [UUID: Int] = [:]
        var instanceCount = 0
        var riskCount = 0

        init(limits: Limits) {
            self.limits = limits
        }

        /// An instance as both layouts describe it.
        struct Instance {
            var path: String
            var assetUUID: String
            var objectUUID: String
            var label: LanguageMap
            var impact: (c: Int, i: Int, a: Int)
            var risks: [Risk]
        }

        struct Risk {
            var path: String
            var informationRiskID: String?
            var threatUUID: String
            var threatLabel: LanguageMap
            var threatFlags: (c: Bool, i: Bool, a: Bool)
            var vulnerabilityUUID: String
            var vulnerabilityLabel: LanguageMap
            var threatRate: Int
            var vulnerabilityRate: Int
            var maxRisk: Int
            var residualRisk: Int
            var kindOfMeasure: Int?
            /// From the file (list layout) or nil (computed from the impacts, old layout).
            var perCriterion: (c: Int?, i: Int?, a: Int?)?
            var recommendations: [(path: String, value: Recommendation)]
        }

        // MARK: List layout (2.13.1 and later)

        mutating func addNew(_ instances: [NewInstance]) throws {
            for (index, instance) in instances.enumerated() where instance.level == 1 {
                var risks: [MonarcRisk] = []
                var seen: Set<UUID> = []
                let root = try newInstance(instance, path: "file.instances[\(index)]")
                let uuid = try walkNew(instance, as: root, parentUUID: nil, into: &risks, seen: &seen)
                addService(root, uuid: uuid, risks: risks)
            }
        }

        /// Collects the risks of `instance` and its subtree; the instance's derived uuid.
        @discardableResult
        mutating func walkNew(_ node: NewInstance, as instance: Instance, parentUUID: UUID?, into risks: inout [MonarcRisk], seen: inout Set<UUID>) throws -> UUID {
            let uuid = unique(UUID.nameBased(instance.assetUUID + instance.objectUUID + (parentUUID?.uuidString.lowercased() ?? "")), in: &seen)
            try collect(instance, uuid: uuid, into: &risks, seen: &seen)
            for (index, child) in (node.children ?? []).enumerated() {
                try walkNew(child, as: try newInstance(child, path: "\(instance.path).children[\(index)]"), parentUUID: uuid, into: &risks, seen: &seen)
            }
            return uuid
        }

        mutating func newInstance(_ node: NewInstance, path: String) throws -> Instance {
            instanceCount += 1
            if instanceCount > limits.maximumInstances {
                throw FieldError(field: path, code: "too_many", message: "The file has more than \(limits.maximumInstances) instances.")
            }
            let label = try labels(single: node.label, indexed: node.indexedLabels, path: path)
            var risks: [Risk] = []
            for (index, risk) in (node.instanceRisks ?? []).enumerated() {
                let riskPath = "\(path).instanceRisks[\(index)]"
                risks.append(Risk(
                    path: riskPath, informationRiskID: risk.informationRisk?.uuid,
                    threatUUID: risk.threat.uuid,
                    threatLabel: try labels(single: risk.threat.label, indexed: risk.threat.indexedLabels, path: "\(riskPath).threat"),
                    threatFlags: risk.threat.flags,
                    vulnerabilityUUID: risk.vulnerability.uuid,
                    vulnerabilityLabel: try labels(single: risk.vulnerability.label, indexed: risk.vulnerability.indexedLabels, path: "\(riskPath).vulnerability"),
                    threatRate: risk.threatRate ?? -1, vulnerabilityRate: risk.vulnerabilityRate ?? -1,
                    maxRisk: risk.cacheMaxRisk ?? -1, residualRisk: risk.cacheTargetedRisk ?? -1, kindOfMeasure: risk.kindOfMeasure,
                    perCriterion: (risk.riskConfidentiality, risk.riskIntegrity, risk.riskAvailability),
                    recommendations: (risk.recommendations ?? []).enumerated().map { ("\(riskPath).recommendations[\($0.offset)]", $0.element) }))
            }
            return Instance(path: path, assetUUID: node.asset.uuid, objectUUID: node.object.uuid, label: label,
                            impact: (node.confidentiality ?? -1, node.integrity ?? -1, node.availability ?? -1), risks: risks)
        }

        // MARK: Object layout (before 2.13.1)

        mutating func addOld(_ nodes: KeyedList<OldNode>) throws {
            for (key, node) in nodes.entries where node.instance.root?.value == 0 && node.instance.parent?.value == 0 {
                var risks: [MonarcRisk] = []
                var seen: Set<UUID> = []
                let root = try oldInstance(node, path: "file.instances.\(key)")
                let uuid = try walkOld(node, as: root, parentUUID: nil, into: &risks, seen: &seen)
                addService(root, uuid: uuid, risks: risks)
            }
        }

        /// Collects the risks of `instance` and its subtree; the instance's derived uuid.
        @discardableResult
        mutating func walkOld(_ node: OldNode, as instance: Instance, parentUUID: UUID?, into risks: inout [MonarcRisk], seen: inout Set<UUID>) throws -> UUID {
            let uuid = unique(UUID.nameBased(instance.assetUUID + instance.objectUUID + (parentUUID?.uuidString.lowercased() ?? "")), in: &seen)
            try collect(instance, uuid: uuid, into: &risks, seen: &seen)
            for (key, child) in node.children?.entries ?? [] {
                try walkOld(child, as: try oldInstance(child, path: "\(instance.path).children.\(key)"), parentUUID: uuid, into: &risks, seen: &seen)
            }
            return uuid
        }

        mutating func oldInstance(_ node: OldNode, path: String) throws -> Instance {
            instanceCount += 1
            if instanceCount > limits.maximumInstances {
                throw FieldError(field: path, code: "too_many", message: "The file has more than \(limits.maximumInstances) instances.")
            }
            let fields = node.instance
            guard let asset = fields.asset?.text, let object = fields.object?.text else {
                throw FieldError(field: "\(path).instance.\(fields.asset == nil ? "asset" : "object")", code: "required",
                                 message: "\(path).instance needs its asset and object.")
            }
            let label = try labels(single: nil, indexed: fields.indexedLabels, path: "\(path).instance")
            let impact = (fields.c ?? -1, fields.i ?? -1, fields.d ?? -1)
            var risks: [Risk] = []
            for (key, risk) in node.risks?.entries ?? [] {
                let riskPath = "\(path).risks.\(key)"
                guard let threat = node.threats?[risk.threat.text] else {
                    throw FieldError(field: "\(riskPath).threat", code: "unknown", message: "Threat \(risk.threat.text) is not in \(path).threats.")
                }
                guard let vulnerability = node.vuls?[risk.vulnerability.text] else {
                    throw FieldError(field: "\(riskPath).vulnerability", code: "unknown",
                                     message: "Vulnerability \(risk.vulnerability.text) is not in \(path).vuls.")
                }
                let recommendations = (node.recos?[risk.id?.text ?? key]?.entries ?? []).map { ("\(path).recos.\(risk.id?.text ?? key).\($0.key)", $0.value) }
                risks.append(Risk(
                    path: riskPath, informationRiskID: risk.amv.flatMap { node.amvs?[$0.text]?.uuid },
                    threatUUID: threat.uuid, threatLabel: try labels(single: nil, indexed: threat.indexedLabels, path: "\(path).threats.\(risk.threat.text)"),
                    threatFlags: threat.flags,
                    vulnerabilityUUID: vulnerability.uuid,
                    vulnerabilityLabel: try labels(single: nil, indexed: vulnerability.indexedLabels, path: "\(path).vuls.\(risk.vulnerability.text)"),
                    threatRate: risk.threatRate ?? -1, vulnerabilityRate: risk.vulnerabilityRate ?? -1,
                    maxRisk: risk.cacheMaxRisk ?? -1, residualRisk: risk.cacheTargetedRisk ?? -1, kindOfMeasure: risk.kindOfMeasure,
                    perCriterion: nil, recommendations: recommendations))
            }
            return Instance(path: path, assetUUID: asset, objectUUID: object, label: label, impact: impact, risks: risks)
        }

        // MARK: Shared

        /// Adds the risks of `instance` (named `uuid`) to `risks`.
        mutating func collect(_ instance: Instance, uuid: UUID, into risks: inout [MonarcRisk], seen: inout Set<UUID>) throws {
            for risk in instance.risks {
                riskCount += 1
                if riskCount > limits.maximumRisks {
                    throw FieldError(field: risk.path, code: "too_many", message: "The file has more than \(limits.maximumRisks) risks.")
                }
                guard let treatment = RiskTreatment(kindOfMeasure: risk.kindOfMeasure) else {
                    throw FieldError(field: "\(risk.path).kindOfMeasure", code: "invalid",
                                     message: "kindOfMeasure \(risk.kindOfMeasure ?? 0) is none of 1 (reduction), 2 (denial), 3 (acceptance), 4 (sharing), 5 (untreated).")
                }
                let threatUUID = try Self.uuid(risk.threatUUID, path: "\(risk.path).threat.uuid")
                let vulnerabilityUUID = try Self.uuid(risk.vulnerabilityUUID, path: "\(risk.path).vulnerability.uuid")
                let informationRisk = risk.informationRiskID ?? (risk.threatUUID + risk.vulnerabilityUUID)
                let criterion = { (flag: Bool, fromFile: Int?, impact: Int) -> Int in
                    guard flag else { return -1 }
                    return max(-1, fromFile ?? impact * risk.threatRate * risk.vulnerabilityRate)
                }
                let file = risk.perCriterion
                var recommendationUUIDs: [UUID] = []
                for (path, recommendation) in risk.recommendations {
                    let id = try addRecommendation(recommendation, path: path)
                    if !recommendationUUIDs.contains(id) { recommendationUUIDs.append(id) }
                }
                let riskUUID = unique(UUID.nameBased(uuid.uuidString.lowercased() + informationRisk), in: &seen)
                risks.append(MonarcRisk(
                    uuid: riskUUID, assetUUID: uuid, assetLabel: instance.label, threatUUID: threatUUID, threatLabel: risk.threatLabel,
                    vulnerabilityUUID: vulnerabilityUUID, vulnerabilityLabel: risk.vulnerabilityLabel,
                    threatValue: risk.threatRate, vulnerabilityValue: risk.vulnerabilityRate, maxRisk: max(-1, risk.maxRisk),
                    residualRisk: max(-1, risk.residualRisk),
                    riskC: criterion(risk.threatFlags.c, file.map { $0.c ?? -1 }, instance.impact.c),
                    riskI: criterion(risk.threatFlags.i, file.map { $0.i ?? -1 }, instance.impact.i),
                    riskA: criterion(risk.threatFlags.a, file.map { $0.a ?? -1 }, instance.impact.a),
                    impactC: max(-1, instance.impact.c), impactI: max(-1, instance.impact.i), impactA: max(-1, instance.impact.a),
                    treatment: treatment, recommendationUUIDs: recommendationUUIDs))
            }
        }

        /// Records a recommendation once per file (the first occurrence names it); its uuid.
        mutating func addRecommendation(_ recommendation: Recommendation, path: String) throws -> UUID {
            let uuid = try Self.uuid(recommendation.uuid, path: "\(path).uuid")
            if recommendationIndex[uuid] != nil { return uuid }
            let code = try text(recommendation.code ?? "", path: "\(path).code", maximum: limits.maximumLabelLength)
            let description = try text(recommendation.description ?? "", path: "\(path).description", maximum: limits.maximumDescriptionLength)
            let dueDate = try Self.day(recommendation.duedate, path: "\(path).duedate")
            recommendationIndex[uuid] = recommendations.count
            recommendations.append(MonarcRecommendation(uuid: uuid, code: code, description: description, dueDate: dueDate,
                                                        status: recommendation.status?.value ?? false))
            return uuid
        }

        /// Adds a root as a service when its subtree has risks.
        mutating func addService(_ root: Instance, uuid: UUID, risks: [MonarcRisk]) {
            guard !risks.isEmpty else { return }
            // The same object twice at the root: the second is a service of its own.
            var seen = Set(services.map(\.uuid))
            services.append(MonarcService(uuid: unique(uuid, in: &seen), label: root.label, risks: risks, statistics: ServiceStatistics(risks)))
        }

        /// The labels of an object: `label` in the file's language, else `label1`…`label4`
        /// (fr, en, de, nl).
        func labels(single: String?, indexed: [String?], path: String) throws -> LanguageMap {
            var values: [String: String] = [:]
            if let single, let language {
                values[language.rawValue] = try text(single, path: "\(path).label", maximum: limits.maximumLabelLength)
            } else {
                for (index, language) in [Language.fr, .en, .de, .nl].enumerated() {
                    guard let label = indexed[index] else { continue }
                    let value = try text(label, path: "\(path).label\(index + 1)", maximum: limits.maximumLabelLength)
                    if !value.isEmpty { values[language.rawValue] = value }
                }
                if values.isEmpty, single != nil {
                    throw FieldError(field: "file.languageCode", code: "required",
                                     message: "Labels without indexed translations (label1…label4) need the file's languageCode.")
                }
            }
            guard !values.isEmpty else {
                throw FieldError(field: "\(path).label", code: "required", message: "\(path) has no label.")
            }
            return LanguageMap(values)
        }

        func text(_ value: String, path: String, maximum: Int) throws -> String {
            let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
            guard trimmed.count <= maximum else {
                throw FieldError(field: path, code: "too_long", message: "\(path) has more than \(maximum) characters.")
            }
            guard !trimmed.contains("\u{0}") else {
                throw FieldError(field: path, code: "invalid", message: "\(path) holds a NUL character.")
            }
            return trimmed
        }

        static func uuid(_ text: String, path: String) throws -> UUID {
            guard let uuid = UUID(uuidString: text) else {
                throw FieldError(field: path, code: "invalid", message: "\(path) is not a UUID.")
            }
            return uuid
        }

        /// `YYYY-MM-DD` from a day, a day and time, or `{date, timezone}`; nil for none.
        static func day(_ value: DueDate?, path: String) throws -> String? {
            let text: String
            switch value {
            case nil, .none?: return nil
            case .text(let value)?: text = value
            case .zoned(let value)?: text = value
            }
            if text.isEmpty { return nil }
            let day = String(text.prefix(10))
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd"
            guard day.count == 10, let date = formatter.date(from: day), formatter.string(from: date) == day,
                text.count == 10 || text.dropFirst(10).first == " " || text.dropFirst(10).first == "T"
            else {
                throw FieldError(field: path, code: "invalid", message: "\(path) must be a day (YYYY-MM-DD) or {\"date\": ..., \"timezone\": ...}.")
            }
            return day
        }

        /// `uuid`, or `uuid#2`, `#3`... when the tree repeats it (the same object twice under one
        /// parent), so that no risk silently replaces another.
        func unique(_ uuid: UUID, in seen: inout Set<UUID>) -> UUID {
            var candidate = uuid
            var occurrence = 1
            while !seen.insert(candidate).inserted {
                occurrence += 1
                candidate = UUID.nameBased(uuid.uuidString.lowercased() + "#\(occurrence)")
            }
            return candidate
        }
    }
}

// MARK: - The file's shapes

extension MonarcExport {
    struct Header: Decodable {
        var monarc_version: String?
        var languageCode: String?
    }

    struct Reference: Decodable {
        var uuid: String
    }

    struct NewExport: Decodable {
        var instances: [NewInstance]
    }

    struct NewInstance: Decodable {
        var level: Int?
        var label: String?
        var label1: String?, label2: String?, label3: String?, label4: String?
        var asset: Reference
        var object: Reference
        var confidentiality: Int?, integrity: Int?, availability: Int?
        var children: [NewInstance]?
        var instanceRisks: [NewRisk]?
        var indexedLabels: [String?] { [label1, label2, label3, label4] }
    }

    struct Labelled: Decodable {
        var uuid: String
        var label: String?
        var label1: String?, label2: String?, label3: String?, label4: String?
        var confidentiality: Flag?, integrity: Flag?, availability: Flag?
        /// The old layout's names of the three flags.
        var c: Flag?, i: Flag?, a: Flag?
        var indexedLabels: [String?] { [label1, label2, label3, label4] }
        var flags: (c: Bool, i: Bool, a: Bool) {
            ((confidentiality ?? c)?.value ?? false, (integrity ?? i)?.value ?? false, (availability ?? a)?.value ?? false)
        }
    }

    struct NewRisk: Decodable {
        var informationRisk: Reference?
        var threat: Labelled
        var vulnerability: Labelled
        var threatRate: Int?, vulnerabilityRate: Int?
        var cacheMaxRisk: Int?, cacheTargetedRisk: Int?
        var kindOfMeasure: Int?
        var riskConfidentiality: Int?, riskIntegrity: Int?, riskAvailability: Int?
        var recommendations: [Recommendation]?
    }

    struct Recommendation: Decodable {
        var uuid: String
        var code: String?
        var description: String?
        var duedate: DueDate?
        var status: Flag?
    }

    /// A due date: a string, `{date, timezone}`, or null.
    enum DueDate: Decodable {
        case none
        case text(String)
        case zoned(String)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .none
            } else if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                struct Zoned: Decodable {
                    var date: String
                    var timezone: String?
                }
                self = .zoned(try container.decode(Zoned.self).date)
            }
        }
    }

    /// A C/I/A flag or a status: 0/1 or false/true.
    struct Flag: Decodable {
        var value: Bool

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) {
                value = flag
            } else {
                value = try container.decode(Int.self) != 0
            }
        }
    }

    /// An id the old layout writes as a number or a string.
    struct LooseID: Decodable {
        var text: String
        var value: Int? { Int(text) }

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) {
                text = String(number)
            } else {
                text = try container.decode(String.self)
            }
        }
    }

    /// The old layout's collections: an object keyed by id (in the file's order) or a list.
    struct KeyedList<Element: Decodable>: Decodable {
        var entries: [(key: String, value: Element)]

        subscript(key: String) -> Element? { entries.first { $0.key == key }?.value }

        init(from decoder: any Decoder) throws {
            if let keyed = try? decoder.container(keyedBy: DynamicKey.self) {
                // JSONDecoder keeps no key order: sort numeric ids numerically, others as text.
                let keys = keyed.allKeys.sorted { lhs, rhs in
                    switch (Int(lhs.stringValue), Int(rhs.stringValue)) {
                    case let (l?, r?): l < r
                    default: lhs.stringValue < rhs.stringValue
                    }
                }
                entries = try keys.map { ($0.stringValue, try keyed.decode(Element.self, forKey: $0)) }
            } else {
                var list = try decoder.unkeyedContainer()
                var entries: [(key: String, value: Element)] = []
                while !list.isAtEnd { entries.append(("\(entries.count)", try list.decode(Element.self))) }
                self.entries = entries
            }
        }
    }

    struct OldExport: Decodable {
        var instances: KeyedList<OldNode>
    }

    struct OldNode: Decodable {
        var instance: OldInstance
        var children: KeyedList<OldNode>?
        var risks: KeyedList<OldRisk>?
        var threats: KeyedList<Labelled>?
        var vuls: KeyedList<Labelled>?
        var amvs: KeyedList<Reference>?
        var recos: KeyedList<KeyedList<Recommendation>>?
    }

    struct OldInstance: Decodable {
        var root: LooseID?, parent: LooseID?
        var asset: LooseID?, object: LooseID?
        var label1: String?, label2: String?, label3: String?, label4: String?
        var c: Int?, i: Int?, d: Int?
        var indexedLabels: [String?] { [label1, label2, label3, label4] }
    }

    struct OldRisk: Decodable {
        var id: LooseID?
        var threat: LooseID
        var vulnerability: LooseID
        var amv: LooseID?
        var threatRate: Int?, vulnerabilityRate: Int?
        var cacheMaxRisk: Int?, cacheTargetedRisk: Int?
        var kindOfMeasure: Int?
    }

    struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
