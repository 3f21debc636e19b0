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
        let scores = try await DeclarationCoverage.passedScores(standardID: project.standardID, sectorID: sectorID, years: years, session: session)
        let analyses = try await loadAnalyses(regulatorID: regulatorID, sectorID: sectorID, years: years, language: language, fullFor: operatorID,
                                              session: session)
        var operatorAnalyses: [Int: Analysis] = [:]
        var sectorServices: [Int: [[RiskServiceSummary]]] = [:]
        for (key, analysis) in analyses {
            if key.operatorID == operatorID { operatorAnalyses[key.year] = analysis }
            sectorServices[key.year, default: []].append(analysis.services)
        }
        let sectorHighRisks = try await loadSectorHighRisks(regulatorID: regulatorID, sectorID: sectorID, years: years,
                                                            threshold: project.highRiskThreshold, session: session)
        return ReportInputs(
            levels: outline.levels, domains: outline.domains, objectives: outline.objectives, referenceYear: project.referenceYear, years: years,
            highRiskThreshold: project.highRiskThreshold, topRanking: project.topRanking, language: language,
            operatorScores: scores.compactMapValues { $0[operatorID] }, sectorScores: scores.mapValues { Array($0.values) },
            operatorAnalyses: operatorAnalyses, sectorServices: sectorServices, sectorHighRisks: sectorHighRisks)
    }

    /// The sector's high risks per year and service, counted and summed in the database (a
    /// sector's analyses hold hundreds of thousands of risks; a report needs these totals only).
    static func loadSectorHighRisks(regulatorID: UUID, sectorID: UUID, years: [Int], threshold: Int,
                                    session: PostgresSession) async throws -> [Int: [UUID: HighRiskTotal]] {
        var result: [Int: [UUID: HighRiskTotal]] = [:]
        for row in try await session.query("""
            SELECT a.year, v.service_uuid, count(*)::integer AS n, sum(r.max_risk)::integer AS total
            FROM risk_analyses a JOIN risk_services v ON v.analysis_id = a.id JOIN risks r ON r.service_id = v.id
            WHERE a.regulator_id = $1 AND a.sector_id = $2 AND a.year = ANY($3::integer[]) AND a.imported_at IS NOT NULL
              AND r.treatment <> 'untreated' AND r.max_risk > $4
            GROUP BY a.year, v.service_uuid
            """, regulatorID, sectorID, years, threshold) {
            result[try row.decode("year"), default: [:]][try row.decode("service_uuid")] = HighRiskTotal(count: try row.decode("n"),
                                                                                                         total: try row.decode("total"))
        }
        return result
    }

    /// Every imported analysis of the regulator in the sector for `years`, by (year, operator):
    /// the services of each, and the risks and recommendations of `operatorID`'s.
    static func loadAnalyses(regulatorID: UUID, sectorID: UUID, years: [Int], language: Language, fullFor operatorID: UUID,
                             session: PostgresSession) async throws -> [Key: Analysis] {
        let rows = try await session.query("""
            SELECT id, operator_id, year FROM risk_analyses
            WHERE regulator_id = $1 AND sector_id = $2 AND year = ANY($3::integer[]) AND imported_at IS NOT NULL
            """, regulatorID, sectorID, years)
        var owners: [UUID: Key] = [:]
        for row in rows { owners[try row.decode("id")] = Key(year: try row.decode("year"), operatorID: try row.decode("operator_id")) }
        guard !owners.isEmpty else { return [:] }
        let summaries = try await RiskAnalyses.summaries(where: "a.id = ANY($1::uuid[])", bindings: [Array(owners.keys)], session: session)
        var result: [Key: Analysis] = [:]
        for summary in summaries {
            result[owners[summary.id]!] = Analysis(services: summary.services, risks: [], recommendations: [])
        }
        let ids = owners.filter { $0.value.operatorID == operatorID }.map(\.key)
        func text(_ json: String) throws -> String { try LanguageMap.parse(json).anyText(preferring: language) }
        for row in try await session.query("""
            SELECT v.analysis_id, v.service_uuid, r.risk_uuid, r.asset_label::text AS asset_label, r.threat_uuid, r.threat_label::text AS threat_label,
                   r.vulnerability_uuid, r.vulnerability_label::text AS vulnerability_label, r.threat_value, r.vulnerability_value, r.max_risk,
                   r.residual_risk, r.risk_c, r.risk_i, r.risk_a, r.impact_c, r.impact_i, r.impact_a, r.treatment
            FROM risks r JOIN risk_services v ON v.id = r.service_id
            WHERE v.analysis_id = ANY($1::uuid[]) ORDER BY v.position, r.risk_uuid
            """, ids) {
            let key = owners[try row.decode("analysis_id")]!
            result[key]?.risks.append(Risk(
                uuid: try row.decode("risk_uuid"), serviceUUID: try row.decode("service_uuid"), assetLabel: try text(try row.decode("asset_label")),
                threatUUID: try row.decode("threat_uuid"), threatLabel: try text(try row.decode("threat_label")),
                vulnerabilityUUID: try row.decode("vulnerability_uuid"), vulnerabilityLabel: try text(try row.decode("vulnerability_label")),
                threatValue: try row.decode("threat_value"), vulnerabilityValue: try row.decode("vulnerability_value"), maxRisk: try row.decode("max_risk"),
                residualRisk: try row.decode("residual_risk"), riskC: try row.decode("risk_c"), riskI: try row.decode("risk_i"),
                riskA: try row.decode("risk_a"), impactC: try row.decode("impact_c"), impactI: try row.decode("impact_i"),
                impactA: try row.decode("impact_a"), treatment: RiskTreatment(rawValue: try row.decode("treatment")) ?? .untreated))
        }
        for row in try await session.query("""
            SELECT analysis_id, code, description, to_char(due_date, 'YYYY-MM-DD') AS due_date FROM risk_recommendations
            WHERE analysis_id = ANY($1::uuid[]) ORDER BY code, recommendation_uuid
            """, ids) {
            let key = owners[try row.decode("analysis_id")]!
            result[key]?.recommendations.append(Recommendation(code: try row.decode("code"), description: try row.decode("description"),
                                                               dueDate: try row.decode("due_date")))
        }
        return result
    }

    struct Key: Hashable {
        var year: Int
        var operatorID: UUID
    }
}
