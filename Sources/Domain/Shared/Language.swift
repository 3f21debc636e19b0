import Foundation

/// The languages of translated texts; English is the fallback and always present.
public enum Language: String, Sendable, CaseIterable, Codable {
    case en, fr, nl, de

    /// The best supported language of an `Accept-Language` header (RFC 9110 §12.5.4): highest
    /// q first, then the order given; English when nothing matches.
    public static func preferred(acceptLanguage header: String?) -> Language {
        guard let header else { return .en }
        var candidates: [(language: Language, q: Double, index: Int)] = []
        for (index, item) in header.split(separator: ",").enumerated() {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased(), !tag.isEmpty else { continue }
            var q = 1.0
            for parameter in parts.dropFirst() where parameter.lowercased().hasPrefix("q=") {
                q = Double(parameter.dropFirst(2)) ?? 0
            }
            let primary = tag.split(separator: "-").first.map(String.init) ?? tag
            if q > 0, let language = Language(rawValue: primary) { candidates.append((language, q, index)) }
        }
        return candidates.sorted { $0.q != $1.q ? $0.q > $1.q : $0.index < $1.index }.first?.language ?? .en
    }
}
