/// A reply from Redis.
public enum RedisValue: Sendable, Equatable {
    case null
    case string(String)
    case bytes([UInt8])
    case integer(Int)
    case array([RedisValue])
    case status(String)
    case error(String)

    /// The reply as text, for bulk strings and status replies.
    public var string: String? {
        switch self {
        case .string(let value), .status(let value): value
        case .bytes(let bytes): String(decoding: bytes, as: UTF8.self)
        default: nil
        }
    }

    /// The reply as an integer, for integer replies and numeric strings.
    public var integer: Int? {
        switch self {
        case .integer(let value): value
        case .string(let value): Int(value)
        default: nil
        }
    }

    /// The elements of an array reply; empty for a null reply.
    public var array: [RedisValue]? {
        switch self {
        case .array(let values): values
        case .null: []
        default: nil
        }
    }

    public var isNull: Bool { self == .null }
}

/// A failure of the connection or an error reply.
public struct RedisError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// Could not connect, or the connection broke (I/O error, timeout, server gone).
        case connection
        /// The server answered with an error reply (e.g. `NOSCRIPT`, `WRONGTYPE`).
        case reply
        /// The reply did not have the expected shape.
        case protocolMismatch
    }

    public let kind: Kind
    public let message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "Redis \(kind): \(message)" }
}
