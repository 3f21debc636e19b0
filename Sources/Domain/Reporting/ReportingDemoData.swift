import Foundation
import Postgres

/// The demo regulator's risk analyses — PowerCo's in electricity for last year and this year (the
/// same three services, risks lowered a year later), RailWays' in rail for this year, each a
/// MONARC export built here and imported through the service, as a regulator would — and a
/// report project over them with its rows that have data selected.
enum ReportingDemoData {
    /// Imports the analyses unless the demo regulator has some; returns whether it wrote.
    static func seed(_ platform: Platform) async throws -> Bool {
        guard let row = try await platform.postgres.query("""
            SELECT EXISTS (SELECT 1 FROM risk_analyses a WHERE a.regulator_id = m.regulator_id) AS seeded
            FROM users u JOIN regulator_memberships m ON m.user_id = u.id WHERE u.email = $1
            """, "regulator.admin@\(DemoData.domain)").first, !(try row.decode("seeded", as: Bool.self)) else { return false }
        let administrator = try await DemoData.principal(platform, "regulator.admin")
        let year = Calendar.utc.component(.year, from: Date())
        for (operatorIdentifier, sector, analysisYear, lowered) in [("POWERCO", "ELEC", year - 1, 0), ("POWERCO", "ELEC", year, 4), ("RAILWAYS", "RAIL", year, 2)] {
            let ids = try await platform.postgres.query("""
                SELECT (SELECT id FROM operators WHERE identifier = $1) AS operator_id, (SELECT id FROM sectors WHERE acronym = $2) AS sector_id
                """, operatorIdentifier, sector).required()
            let upload = RiskAnalysisUpload(operatorID: try ids.decode("operator_id"), sectorIDs: [try ids.decode("sector_id")], year: analysisYear,
                                            fileName: "\(operatorIdentifier.lowercased())-\(analysisYear).json",
                                            file: try export(year: analysisYear, lowered: lowered))
            _ = try await platform.reporting.riskAnalyses.importNow(administrator, upload, sectorIDs: upload.sectorIDs, client: .system)
        }
        // A project on the regulator's standard for energy and rail, its rows with data selected.
        let ids = try await platform.postgres.query("""
            SELECT (SELECT s.id FROM standards s JOIN regulator_memberships m ON m.regulator_id = s.regulator_id JOIN users u ON u.id = m.user_id
                    WHERE u.email = $1 ORDER BY s.created_at LIMIT 1) AS standard_id,
                   ARRAY(SELECT id FROM sectors WHERE acronym IN ('ELEC', 'RAIL') ORDER BY acronym) AS sector_ids
            """, "regulator.admin@\(DemoData.domain)").required()
        if let standardID: UUID = try ids.decode("standard_id") {
            let project = try await platform.reporting.projects.create(administrator, ReportingProjectInput(
                name: "Energy and rail \(year)", standardID: standardID, referenceYear: year, comparisonYears: [year - 1],
                sectorIDs: try ids.decode("sector_ids"), topRanking: 5, highRiskThreshold: 20, languages: ["en", "fr"]), client: .system)
            _ = try await platform.reporting.projects.select(administrator, projectID: project.id, selected: true, entries: nil,
                                                             filter: ProjectEntryFilter(), client: .system)
        }
        return true
    }

    /// A MONARC export (list layout, English labels) of three services with six risks each;
    /// `lowered` takes that much off every current and residual risk.
    static func export(year: Int, lowered: Int) throws -> Data {
        let threats = [("Fire", [0, 0, 1]), ("Theft of equipment", [1, 0, 1]), ("Malware", [1, 1, 1]), ("Human error", [0, 1, 1]),
                       ("Eavesdropping", [1, 0, 0]), ("Power failure", [0, 0, 1])]
        let vulnerabilities = ["No backup", "Weak access control", "Unpatched systems", "No awareness training", "Unencrypted links",
                               "No redundant supply"]
        func uuid(_ name: String) -> String { UUID.nameBased("demo:" + name).uuidString.lowercased() }
        var instances: [[String: Any]] = []
        for (index, service) in ["Customer portal", "Billing", "Control centre"].enumerated() {
            var risks: [[String: Any]] = []
            for (n, (threat, flags)) in threats.enumerated() {
                let current = max(1, 12 + 6 * ((n + index) % 5) - lowered)
                var risk: [String: Any] = [
                    "informationRisk": ["uuid": uuid("amv:\(service):\(n)")],
                    "threat": ["uuid": uuid("threat:\(threat)"), "label": threat, "confidentiality": flags[0], "integrity": flags[1],
                               "availability": flags[2]],
                    "vulnerability": ["uuid": uuid("vulnerability:\(vulnerabilities[n])"), "label": vulnerabilities[n]],
                    "threatRate": 1 + (n + index) % 4, "vulnerabilityRate": 1 + n % 5,
                    "cacheMaxRisk": current, "cacheTargetedRisk": max(0, current / 2 - lowered), "kindOfMeasure": [1, 1, 2, 3, 4, 5][(n + index) % 6],
                    "riskConfidentiality": flags[0] == 1 ? current : -1, "riskIntegrity": flags[1] == 1 ? current - 2 : -1,
                    "riskAvailability": flags[2] == 1 ? current - 1 : -1,
                ]
                if n % 2 == 0 {
                    risk["recommendations"] = [["uuid": uuid("recommendation:\(service):\(n)"), "code": "REC-\(index + 1)\(n)",
                                                "description": "Address \(threat.lowercased()) through \(vulnerabilities[n].lowercased())",
                                                "duedate": "\(year)-\(String(format: "%02d", 3 + n))-30", "status": 1]]
                }
                risks.append(risk)
            }
            instances.append([
                "label": service, "level": 1, "position": index + 1,
                "asset": ["uuid": uuid("asset:\(service)")], "object": ["uuid": uuid("object:\(service)")],
                "confidentiality": 3, "integrity": 3, "availability": 3,
                "children": [[
                    "label": "\(service) servers", "level": 2, "position": 1,
                    "asset": ["uuid": uuid("asset:\(service) servers")], "object": ["uuid": uuid("object:\(service) servers")],
                    "confidentiality": 3, "integrity": 2, "availability": 4, "instanceRisks": risks,
                ]],
            ])
        }
        return try JSONSerialization.data(withJSONObject: ["monarc_version": "2.13.3", "languageCode": "en", "instances": instances])
    }
}
