/// A generated enum and its domain counterpart share their raw values; `EnumMirrorTests` walks
/// every case of each pair both ways. A value without its counterpart (a contract and a domain
/// that drifted apart) fails the request with a 500 naming the request id, never a trap.
struct EnumMirrorError: Error, CustomStringConvertible {
    let value: String
    let type: String

    var description: String { "\(type) has no case \"\(value)\"" }
}

extension RawRepresentable where RawValue == String {
    /// The case with the raw value of `source`.
    ///
    /// - Throws: ``EnumMirrorError`` when there is none.
    init(mirroring source: some RawRepresentable<String>) throws {
        try self.init(mirroringRaw: source.rawValue)
    }

    /// The case with raw value `raw`.
    ///
    /// - Throws: ``EnumMirrorError`` when there is none.
    init(mirroringRaw raw: String) throws {
        guard let value = Self(rawValue: raw) else { throw EnumMirrorError(value: raw, type: "\(Self.self)") }
        self = value
    }
}
