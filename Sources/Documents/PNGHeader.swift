import Foundation

/// The dimensions a PNG declares in its header (the `IHDR` chunk that must come first), read
/// without decoding anything: what an image would cost once decoded (4 bytes a pixel) is known
/// before a decoder is asked to allocate it.
public struct PNGHeader: Sendable, Equatable {
    public let width: Int
    public let height: Int

    /// The largest side any image is decoded with here (a 4,096 × 4,096 image takes 64 MiB).
    public static let maximumSide = 4_096

    private static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// - Throws: ``DocumentError/invalidImage`` when `data` does not start as a PNG does.
    public init(_ data: Data) throws {
        let bytes = [UInt8](data.prefix(24))
        // Signature, then the first chunk: length 13, type IHDR, width and height (big-endian).
        guard bytes.count == 24, Array(bytes[0..<8]) == Self.signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw DocumentError.invalidImage
        }
        func number(at offset: Int) -> Int { bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) } }
        width = number(at: 16)
        height = number(at: 20)
        guard width > 0, height > 0 else { throw DocumentError.invalidImage }
    }
}
