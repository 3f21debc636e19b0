import Domain
import Foundation
import OpenAPIRuntime

extension APIService {
    /// A file body the use case reads once it has authorised the caller: until then the body
    /// stays unread in the connection (``BodyLimitMiddleware`` buffers JSON only). It is read
    /// within `limit` bytes, `IMPORT_MAX_BYTES` unless named (413 past it).
    func upload(_ body: HTTPBody, limit: Int? = nil) -> Upload {
        let limit = limit ?? platform.configuration.importMaxBytes
        return Upload {
            var data = Data()
            for try await chunk in body {
                guard data.count + chunk.count <= limit else { throw Problem.bodyTooLarge(limit: limit) }
                data.append(contentsOf: chunk)
            }
            return data
        }
    }
}
