/// Where a request came from, for the audit log and rate limits.
public struct ClientInfo: Sendable, Equatable {
    public var address: String?
    public var requestID: String?

    public init(address: String?, requestID: String?) {
        self.address = address
        self.requestID = requestID
    }

    /// A command run on the server (create-admin, beat tasks).
    public static let system = ClientInfo(address: nil, requestID: nil)
}
