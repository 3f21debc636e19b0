import Domain
import Foundation
import OpenAPIRuntime

/// RFC 3339 timestamps: accepted with or without fractional seconds and with any offset;
/// written in UTC without fractional seconds.
///
/// Every timestamp of every response passes through here, so the common forms are formatted
/// and parsed by hand: `ISO8601DateFormatter` (ICU underneath) cost a tenth of the CPU of a
/// list request. Other forms (offsets, fractions) fall back to it.
struct RFC3339DateTranscoder: DateTranscoder, @unchecked Sendable {
    // ISO8601DateFormatter is thread-safe for reading once configured.
    private let plain: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter
    }()
    private let fractional: ISO8601DateFormatter = {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }()

    func encode(_ date: Date) throws -> String { RFC3339.format(date) }

    func decode(_ text: String) throws -> Date {
        if let date = RFC3339.parseUTC(text) ?? plain.date(from: text) ?? fractional.date(from: text) { return date }
        // Thrown as is through the generated decoding, so the client gets this 400, not a 500.
        throw Problem.malformedBody("Expected an RFC 3339 timestamp such as 2026-11-27T08:00:00Z, got '\(text)'.")
    }

}
