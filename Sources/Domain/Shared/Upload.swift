import Foundation

/// The bytes of an uploaded file, read only when a use case asks for them: it does so once the
/// caller is known to be allowed, so nothing of an upload is read, let alone parsed, for a
/// caller who may not send it. The reader bounds what it takes (413 past the route's limit).
public struct Upload: Sendable {
    private let read: @Sendable () async throws -> Data

    public init(_ read: @escaping @Sendable () async throws -> Data) {
        self.read = read
    }

    /// A file already in memory (the worker's stored uploads, tests).
    public static func bytes(_ data: Data) -> Upload {
        Upload { data }
    }

    /// Reads the file; call it once, after the caller's authorisation.
    public func bytes() async throws -> Data {
        try await read()
    }
}
