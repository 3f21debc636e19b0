import Crypto
import Foundation

extension UUID {
    /// The DNS namespace of RFC 9562 (`6ba7b810-9dad-11d1-80b4-00c04fd430c8`).
    static let dnsNamespace = UUID(uuid: (0x6B, 0xA7, 0xB8, 0x10, 0x9D, 0xAD, 0x11, 0xD1, 0x80, 0xB4, 0x00, 0xC0, 0x4F, 0xD4, 0x30, 0xC8))

    /// The name-based UUID, version 3 (MD5), of `name` in `namespace` (RFC 9562 §5.3): the same
    /// name always gives the same UUID, which is how imported files name their rows stably.
    static func nameBased(_ name: String, namespace: UUID = dnsNamespace) -> UUID {
        var input = withUnsafeBytes(of: namespace.uuid) { Data($0) }
        input.append(contentsOf: Array(name.utf8))
        var digest = Array(Insecure.MD5.hash(data: input))
        digest[6] = digest[6] & 0x0F | 0x30
        digest[8] = digest[8] & 0x3F | 0x80
        return UUID(uuid: (digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7],
                           digest[8], digest[9], digest[10], digest[11], digest[12], digest[13], digest[14], digest[15]))
    }
}
