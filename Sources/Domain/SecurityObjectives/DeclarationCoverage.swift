import Foundation
import Postgres

/// What other modules may learn of standards and declarations (the reporting module asks it):
/// which standards a regulator has and their outline, which operators have a passed declaration
/// for a sector and year, and the scores of those declarations.
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

    /// A standard's levels, domains and objectives in order, with their texts in `language`.
    static func outline(_ standardID: UUID, language: Language, session: PostgresSession) async throws
        -> (levels: [ReportInputs.Level], domains: [ReportInputs.Domain], objectives: [ReportInputs.Objective]) {
        let levels = try await session.query("SELECT level, label::text AS label, color FROM maturity_levels WHERE standard_id = $1 ORDER BY level",
                                             standardID).map {
            ReportInputs.Level(level: try $0.decode("level"), label: try LanguageMap.parse(try $0.decode("label")).text(in: language),
                               color: try $0.decode("color"))
        }
        let domains = try await session.query("SELECT id, label::text AS label FROM security_domains WHERE standard_id = $1 ORDER BY position",
                                              standardID).map {
            ReportInputs.Domain(id: try $0.decode("id"), label: try LanguageMap.parse(try $0.decode("label")).text(in: language))
        }
        let objectives = try await session.query("""
            SELECT o.id, o.code, o.title::text AS title, o.domain_id, o.priority
            FROM security_objectives o JOIN security_domains d ON d.id = o.domain_id
            WHERE o.standard_id = $1 ORDER BY d.position, o.position
            """, standardID).map {
            ReportInputs.Objective(id: try $0.decode("id"), code: try $0.decode("code"),
                                   title: try LanguageMap.parse(try $0.decode("title")).text(in: language), domainID: try $0.decode("domain_id"),
                                   priority: try $0.decode("priority"))
        }
        return (levels, domains, objectives)
    }

    /// The latest passed declaration of each operator of `sectorID` against `standardID` per
    /// year (the last verdict sent), as SQL for `passedScores` and `sectorScoreTotals`.
    private static let latestPassed = """
        SELECT DISTINCT ON (d.operator_id, d.year) d.id, d.operator_id, d.year
        FROM declarations d JOIN declaration_sectors s ON s.declaration_id = d.id
        WHERE d.standard_id = $1 AND d.status = 'passed' AND s.sector_id = $2 AND d.year = ANY($3::integer[])
        ORDER BY d.operator_id, d.year, d.review_sent_at DESC, d.version DESC
        """

    /// Per year, the objective scores of the operator's latest passed declaration against
    /// `standardID` for `sectorID`.
    static func passedScores(standardID: UUID, sectorID: UUID, years: [Int], operatorID: UUID,
                             session: PostgresSession) async throws -> [Int: [UUID: Double]] {
        var result: [Int: [UUID: Double]] = [:]
        for row in try await session.query("""
            WITH latest AS (\(latestPassed))
            SELECT l.year, a.objective_id, a.score::float8 AS score
            FROM latest l JOIN objective_assessments a ON a.declaration_id = l.id WHERE l.operator_id = $4
            """, standardID, sectorID, years, operatorID) {
            result[try row.decode("year"), default: [:]][try row.decode("objective_id")] = try row.decode("score")
        }
        return result
    }

    static func sectorScoresStatement(standardID: UUID, sectorID: UUID, years: [Int]) -> Statement {
        Statement(sql: """
            WITH latest AS (\(latestPassed))
            SELECT l.year, a.objective_id, count(*)::integer AS n, sum(a.score)::float8 AS total
            FROM latest l JOIN objective_assessments a ON a.declaration_id = l.id
            GROUP BY l.year, a.objective_id
            """, bindings: [standardID, sectorID, years])
    }

    /// Per year and objective, how many operators of `sectorID` scored it in their latest passed
    /// declaration against `standardID`, and the sum of their scores (totalled by the database:
    /// a sector's declarations hold tens of thousands of scores).
    static func sectorScoreTotals(standardID: UUID, sectorID: UUID, years: [Int],
                                  session: PostgresSession) async throws -> [Int: [UUID: ReportInputs.SectorTotal]] {
        var result: [Int: [UUID: ReportInputs.SectorTotal]] = [:]
        for row in try await session.query(sectorScoresStatement(standardID: standardID, sectorID: sectorID, years: years)) {
            result[try row.decode("year"), default: [:]][try row.decode("objective_id")] = ReportInputs.SectorTotal(count: try row.decode("n"),
                                                                                                                   total: try row.decode("total"))
        }
        return result
    }
}
