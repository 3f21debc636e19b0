import Foundation

/// Who may read `GET /metrics`: anyone when no `METRICS_TOKEN` is configured, otherwise only a
/// request bearing that token (compared through digests, so timing reveals nothing of it).
public struct MetricsAccess: Sendable {
    let tokenDigest: String?

    public init(token: String?) {
        tokenDigest = token.map { SHA256.hex(Data($0.utf8)) }
    }

    /// Whether a request with this bearer token (from `Authorization: Bearer …`) may read metrics.
    public func allows(bearerToken: String?) -> Bool {
        guard let tokenDigest else { return true }
        guard let bearerToken else { return false }
        return SHA256.hex(Data(bearerToken.utf8)) == tokenDigest
    }
}
