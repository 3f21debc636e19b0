import Domain
import Prometheus

/// The implementation of the generated `APIProtocol`: one extension per spec tag, each a thin
/// translation between generated types and the Domain.
struct APIService: APIProtocol {
    let platform: Platform
    let metrics: PrometheusCollectorRegistry
    /// The API reference page's files, when `DOCS_DIRECTORY` is set.
    var docs: DocsAssets? = nil
}
