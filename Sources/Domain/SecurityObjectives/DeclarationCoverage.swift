import Foundation
import Postgres

/// What other modules may learn of declarations (the reporting module asks it): which standards a
/// regulator has, and which operators have a passed declaration for a sector and year.
public enum DeclarationCoverage {
    /// One operator's sector in one year.
    public struct Key: Hashable, Sendable {
        public var operatorID: UUID
        public var sectorID: UUID
        public var year: Int

        public init(operatorID: UUID, sectorID: UUID, year: Int) {
            self.operatorID = operatorID
            self.sectorID = sectorID
            self.year = year
        }
    }

    /// Whether `standardID` is a standard of `regulatorID`.
    static func isStandard(_ standardID: UUID, of regulatorID: UUID, session: PostgresSession) async throws -> Bool {
        try await session.query("SELECT 1 FROM standards WHERE id = $1 AND regulator_id = $2", standardID, regulatorID).count == 1
    }

    /// The (operator, sector, year) among `sectorIDs` and `years` with a passed declaration (its
    /// verdict sent) against `standardID`.
    static func passed(standardID: UUID, sectorIDs: [UUID], years: [Int], session: PostgresSession) async throws -> Set<Key> {
        Set(try await session.query("""
            SELECT DISTINCT d.operator_id, s.sector_id, d.year
            FROM declarations d JOIN declaration_sectors s ON s.declaration_id = d.id
            WHERE d.standard_id = $1 AND d.status = 'passed' AND s.sector_id = ANY($2::uuid[]) AND d.year = ANY($3::integer[])
            """, standardID, sectorIDs, years).map {
            Key(operatorID: try $0.decode("operator_id"), sectorID: try $0.decode("sector_id"), year: try $0.decode("year"))
        })
    }
}
