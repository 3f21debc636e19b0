import Foundation

/// Who may read `GET /metrics`: with a `METRICS_TOKEN`, only a request bearing it (compared
/// through digests, so timing reveals nothing of it); without one, nobody, unless
/// `METRICS_PUBLIC=true` opens it to anyone (for a listener only the scraper reaches).
public struct MetricsAccess: Sendable {
    let tokenDigest: String?
    let isPublic: Bool

    public init(token: String?, isPublic: Bool = false) {
        tokenDigest = token.map { SHA256.hex(Data($0.utf8)) }
        self.isPublic = isPublic
    }

    /// Whether a request with this bearer token (from `Authorization: Bearer …`) may read metrics.
    public func allows(bearerToken: String?) -> Bool {
        guard let tokenDigest else { return isPublic }
        guard let bearerToken else { return false }
        return SHA256.hex(Data(bearerToken.utf8)) == tokenDigest
    }
}
