import Foundation
import Postgres

/// An optional module of the platform, enabled per regulator and observer.
public enum Module: String, Sendable, CaseIterable, Codable {
    case securityObjectives, reporting

    /// Whether regulator `regulatorID` has this module switched on.
    func isOn(for regulatorID: UUID, session: PostgresSession) async throws -> Bool {
        try await session.query("SELECT 1 FROM regulators WHERE id = $1 AND $2 = ANY(modules)", regulatorID, rawValue).count == 1
    }
}
