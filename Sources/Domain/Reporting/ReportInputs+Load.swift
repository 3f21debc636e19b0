import Foundation
import Postgres

extension ReportInputs {
    /// The inputs of `project`'s report on `operatorID` in `sectorID`, texts in `language`: the
    /// report's years are the reference year and the earlier years selected for that operator and
    /// sector; the sector's figures cover every operator of the sector.
    static func load(_ project: ReportingProject, regulatorID: UUID, operatorID: UUID, sectorID: UUID, language: Language,
                     session: PostgresSession) async throws -> ReportInputs {
        let selected: [Int] = try await session.query("""
            SELECT year FROM reporting_project_selections WHERE project_id = $1 AND operator_id = $2 AND sector_id = $3 AND year < $4
            """, project.id, operatorID, sectorID, project.referenceYear).map { try $0.decode("year") }
        let years = Array(Set(selected + [project.referenceYear])).sorted()
        let outline = try await DeclarationCoverage.outline(project.standardID, language: language, session: session)
        let operatorScores = try await DeclarationCoverage.passedScores(standardID: project.standardID, sectorID: sectorID, years: years,
                                                                        operatorID: operatorID, session: session)
        let sectorScores = try await DeclarationCoverage.sectorScoreTotals(standardID: project.standardID, sectorID: sectorID, years: years,
                                                                           session: session)
        let analyses = try await loadAnalyses(regulatorID: regulatorID, sectorID: sectorID, years: years, language: language, operatorID: operatorID,
                                              session: session)
        let sector = try await loadSectorRisks(regulatorID: regulatorID, sectorID: sectorID, years: years, threshold: project.highRiskThreshold,
                                               session: session)
        return ReportInputs(
            levels: outline.levels, domains: outline.domains, objectives: outline.objectives, referenceYear: project.referenceYear, years: years,
            highRiskThreshold: project.highRiskThreshold, topRanking: project.topRanking, language: language,
            operatorScores: operatorScores, sectorScores: sectorScores,
            operatorAnalyses: analyses, sectorServiceRisks: sector.services, sectorHighRisks: sector.highRisks)
    }

    /// Per year and service of the sector's analyses, the services' mean current risks and the
    /// high risks, totalled by the database (the high risks from each service's treated current
    /// risks, kept sorted on the service at import: a sector's analyses hold hundreds of
    /// thousands of risks).
    static func loadSectorRisks(regulatorID: UUID, sectorID: UUID, years: [Int], threshold: Int,
                                session: PostgresSession) async throws -> (services: [Int: [UUID: SectorTotal]], highRisks: [Int: [UUID: SectorTotal]]) {
        var services: [Int: [UUID: SectorTotal]] = [:], highRisks: [Int: [UUID: SectorTotal]] = [:]
        for row in try await session.query(sectorRisksStatement(regulatorID: regulatorID, sectorID: sectorID, years: years, threshold: threshold)) {
            let year: Int = try row.decode("year"), service: UUID = try row.decode("service_uuid")
            let (count, high): (Int, Int) = (try row.decode("services"), try row.decode("high"))
            if count > 0 { services[year, default: [:]][service] = SectorTotal(count: count, total: try row.decode("risk")) }
            if high > 0 { highRisks[year, default: [:]][service] = SectorTotal(count: high, total: try row.decode("high_total")) }
        }
        return (services, highRisks)
    }

    static func sectorRisksStatement(regulatorID: UUID, sectorID: UUID, years: [Int], threshold: Int) -> Statement {
        Statement(sql: """
            SELECT a.year, v.service_uuid, count(v.average_current_risk)::integer AS services, coalesce(sum(v.average_current_risk), 0)::float8 AS risk,
                   sum(h.n)::integer AS high, sum(h.total)::float8 AS high_total
            FROM risk_analyses a JOIN risk_services v ON v.analysis_id = a.id
            CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(m), 0) AS total FROM unnest(v.treated_max_risks) m WHERE m > $4) h
            WHERE a.regulator_id = $1 AND a.sector_id = $2 AND a.year = ANY($3::integer[]) AND a.imported_at IS NOT NULL
            GROUP BY a.year, v.service_uuid
            """, bindings: [regulatorID, sectorID, years, threshold])
    }

    /// The operator's imported analyses of the sector for `years`, by year: services, risks and
    /// recommendations, texts in `language` (or whichever the file had).
    static func loadAnalyses(regulatorID: UUID, sectorID: UUID, years: [Int], language: Language, operatorID: UUID,
                             session: PostgresSession) async throws -> [Int: Analysis] {
        var result: [Int: Analysis] = [:]
        var owners: [UUID: Int] = [:]
        for row in try await session.query("""
            SELECT a.id AS analysis_id, a.year, v.label::text AS label, \(RiskAnalyses.serviceColumns)
            FROM risk_analyses a JOIN risk_services v ON v.analysis_id = a.id
            WHERE a.regulator_id = $1 AND a.sector_id = $2 AND a.year = ANY($3::integer[]) AND a.imported_at IS NOT NULL AND a.operator_id = $4
            ORDER BY a.id, v.position
            """, regulatorID, sectorID, years, operatorID) {
            let year: Int = try row.decode("year")
            owners[try row.decode("analysis_id")] = year
            result[year, default: Analysis(services: [], risks: [], recommendations: [])].services.append(
                try RiskAnalyses.serviceSummary(row, label: try LanguageMap.parse(try row.decode("label"))))
        }
        guard !owners.isEmpty else { return result }
        // Labels picked in SQL, as `LanguageMap.anyText(preferring:)` picks them.
        func text(_ column: String) -> String {
            "coalesce(nullif(\(column)->>$2, ''), nullif(\(column)->>'en', ''), \(column)->>'de', \(column)->>'fr', \(column)->>'nl', '')"
        }
        for row in try await session.query("""
            SELECT v.analysis_id, v.service_uuid, r.risk_uuid, \(text("r.asset_label")) AS asset_label, r.threat_uuid,
                   \(text("r.threat_label")) AS threat_label, r.vulnerability_uuid, \(text("r.vulnerability_label")) AS vulnerability_label,
                   r.threat_value, r.vulnerability_value, r.max_risk, r.residual_risk, r.risk_c, r.risk_i, r.risk_a, r.impact_c, r.impact_i,
                   r.impact_a, r.treatment
            FROM risks r JOIN risk_services v ON v.id = r.service_id
            WHERE v.analysis_id = ANY($1::uuid[]) ORDER BY v.position, r.risk_uuid
            """, Array(owners.keys), language.rawValue) {
            guard let key = owners[try row.decode("analysis_id")] else { continue }
            result[key]?.risks.append(Risk(
                uuid: try row.decode("risk_uuid"), serviceUUID: try row.decode("service_uuid"), assetLabel: try row.decode("asset_label"),
                threatUUID: try row.decode("threat_uuid"), threatLabel: try row.decode("threat_label"),
                vulnerabilityUUID: try row.decode("vulnerability_uuid"), vulnerabilityLabel: try row.decode("vulnerability_label"),
                threatValue: try row.decode("threat_value"), vulnerabilityValue: try row.decode("vulnerability_value"), maxRisk: try row.decode("max_risk"),
                residualRisk: try row.decode("residual_risk"), riskC: try row.decode("risk_c"), riskI: try row.decode("risk_i"),
                riskA: try row.decode("risk_a"), impactC: try row.decode("impact_c"), impactI: try row.decode("impact_i"),
                impactA: try row.decode("impact_a"), treatment: RiskTreatment(rawValue: try row.decode("treatment")) ?? .untreated))
        }
        for row in try await session.query("""
            SELECT analysis_id, code, description, to_char(due_date, 'YYYY-MM-DD') AS due_date FROM risk_recommendations
            WHERE analysis_id = ANY($1::uuid[]) ORDER BY code, recommendation_uuid
            """, Array(owners.keys)) {
            guard let key = owners[try row.decode("analysis_id")] else { continue }
            result[key]?.recommendations.append(Recommendation(code: try row.decode("code"), description: try row.decode("description"),
                                                               dueDate: try row.decode("due_date")))
        }
        return result
    }

}
