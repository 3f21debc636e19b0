import Foundation
import Logging
import Pooling
import Postgres
import Redis

extension JobKind {
    /// Imports a MONARC export recorded in `risk_analysis_imports` (payload: ``RiskAnalyses/Payload``).
    public static let importRiskAnalysis = JobKind(rawValue: "import_risk_analysis")
}

/// What a regulator sends to import a risk analysis.
public struct RiskAnalysisUpload: Sendable {
    public var operatorID: UUID
    public var sectorIDs: [UUID]
    public var year: Int
    public var fileName: String?
    public var file: Data

    public init(operatorID: UUID, sectorIDs: [UUID], year: Int, fileName: String?, file: Data) {
        self.operatorID = operatorID
        self.sectorIDs = sectorIDs
        self.year = year
        self.fileName = fileName
        self.file = file
    }
}

/// One service of an imported analysis, as the summary shows it.
public struct RiskServiceSummary: Sendable, Equatable, Codable {
    public var serviceUUID: UUID
    public var label: LanguageMap
    public var statistics: ServiceStatistics
}

/// An operator's risk analysis for one sector and year, as its regulator sees it.
public struct RiskAnalysisSummary: Sendable, Equatable, Codable {
    public var id: UUID
    public var operatorID: UUID
    public var operatorName: String
    public var sectorID: UUID
    public var sectorName: LanguageMap
    public var year: Int
    public var monarcVersion: String?
    public var labelsLanguage: Language?
    public var fileName: String?
    public var riskCount: Int
    public var recommendationCount: Int
    public var importedAt: Date?
    public var importedBy: UUID?
    public var services: [RiskServiceSummary]
}

/// The analyses an import wrote, one per sector.
public struct RiskAnalysisImportResult: Sendable, Equatable, Codable {
    public var analyses: [RiskAnalysisSummary]
}

/// What became of a risk analysis sent for import.
public typealias RiskAnalysisImportOutcome = ImportOutcome<RiskAnalysisImportResult>

/// Filters of the analysis list.
public struct RiskAnalysisFilter: Sendable {
    public var operatorID: UUID?
    public var sectorID: UUID?
    public var year: Int?

    public init(operatorID: UUID? = nil, sectorID: UUID? = nil, year: Int? = nil) {
        self.operatorID = operatorID
        self.sectorID = sectorID
        self.year = year
    }
}

/// Risk analyses: MONARC exports a regulator imports for an operator, its sectors and a year.
///
/// The file is checked whole (``MonarcExport/parse(_:limits:)``, on the blocking threads) before
/// anything is written; then each sector gets its own transaction, which replaces the services,
/// risks and recommendations of (regulator, operator, sector, year) and keeps the regulator's
/// comment and observations. Files above `IMPORT_INLINE_BYTES` are imported by the worker, as the
/// token that sent them.
public struct RiskAnalyses: Sendable {
    let postgres: PostgresClient
    let outbox: Outbox
    let auth: AuthService
    let files: BlockingWorkPool
    let logger: Logger
    let inlineBytes: Int
    let now: @Sendable () -> Date
    static let waiting = WorkerImportTable(table: "risk_analysis_imports", outcomeColumn: "result")
    /// The earliest year an analysis may be for.
    static let firstYear = 2000
    static let maximumSectors = 20

    struct Payload: Codable, Sendable {
        var importId: UUID
    }

    // MARK: Import

    /// Whether the caller may import risk analyses at all (regulator staff of a regulator with
    /// the module, with the write scope): asked before a byte of an upload's form is read, since
    /// the operator and sectors it names come with the file. ``importFile(_:_:client:)`` then
    /// checks those before the file is parsed.
    ///
    /// - Throws: 404 outside the module; 403 for a token without the scope.
    public func authoriseImport(_ principal: Principal) async throws {
        _ = try await postgres.withSession { session in try await ReportingGate.caller(principal, write: true, session: session) }
    }

    /// Imports `upload` for every sector it names: within the request when small, otherwise in
    /// the worker.
    ///
    /// - Throws: 404 outside the module or for an operator or sector the caller does not reach;
    ///   422 naming the field or the place in the file.
    public func importFile(_ principal: Principal, _ upload: RiskAnalysisUpload, client: ClientInfo) async throws -> RiskAnalysisImportOutcome {
        let sectorIDs = try checkedScope(upload)
        guard upload.file.count > inlineBytes else {
            return .done(try await importNow(principal, upload, sectorIDs: sectorIDs, client: client))
        }
        return .queued(try await outbox.transaction { unit in
            let session = unit.session
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            try await Self.checkReach(caller, operatorID: upload.operatorID, sectorIDs: sectorIDs, session: session)
            let id = UUID()
            let jobID = try await unit.enqueue(.importRiskAnalysis, payload: Payload(importId: id))
            try await TrackedJobs.track(jobID, subjectType: "risk_analysis_import", subjectID: id,
                                        resultPath: "/api/v1/risk-analysis-imports/\(id.postgresText)", session: session)
            try await session.query("""
                INSERT INTO risk_analysis_imports (id, requested_by, token_id, client_address, request_id, operator_id, sector_ids, year,
                                                   file_name, job_id, file, size_bytes)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                """, bindings: [id, principal.userID, principal.tokenID, client.address, client.requestID, upload.operatorID, sectorIDs,
                                upload.year, upload.fileName, jobID, upload.file, upload.file.count])
            return try await TrackedJobs.requiredStatus(jobID, session: session)
        })
    }

    /// Parses the file, then writes it for each sector in a transaction of its own.
    func importNow(_ principal: Principal, _ upload: RiskAnalysisUpload, sectorIDs: [UUID], client: ClientInfo) async throws -> RiskAnalysisImportResult {
        // Reach first: a caller outside the module learns nothing about the file.
        let caller = try await postgres.withSession { session in
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            try await Self.checkReach(caller, operatorID: upload.operatorID, sectorIDs: sectorIDs, session: session)
            return caller
        }
        let file = upload.file
        // Decoding, hashing and encoding the rows are CPU work: on the blocking threads.
        let (export, digest) = try await files.run { (try MonarcExport.parse(file), SHA256.hex(file)) }
        var ids: [UUID] = []
        for sectorID in sectorIDs {
            // Fresh row ids for each sector's copy.
            let rows = try await files.run { try Self.rows(export) }
            ids.append(try await postgres.withTransaction { session in
                try await Self.checkReach(caller, operatorID: upload.operatorID, sectorIDs: [sectorID], session: session)
                let id = try await Self.write(export, rows: rows, caller: caller, principal: principal, operatorID: upload.operatorID,
                                              sectorID: sectorID, year: upload.year, fileName: upload.fileName, digest: digest, session: session)
                try await AuditLog.record(AuditEvent("risk_analysis.imported", by: principal, objectType: "risk_analysis", objectID: id,
                                                     organisation: .regulator(caller.regulatorID), client: client,
                                                     details: Self.json(["operator_id": upload.operatorID.postgresText,
                                                                         "sector_id": sectorID.postgresText, "year": "\(upload.year)",
                                                                         "risks": "\(export.services.reduce(0) { $0 + $1.risks.count })"])),
                                          in: session)
                return id
            })
        }
        logger.info("risk analysis imported", metadata: ["operator_id": "\(upload.operatorID)", "sectors": "\(sectorIDs.count)",
                                                          "services": "\(export.services.count)"])
        let summaries = try await postgres.withSession { session in
            try await Self.summaries(where: "a.id = ANY($1::uuid[])", bindings: [ids], session: session)
        }
        // In the order the sectors were named.
        return RiskAnalysisImportResult(analyses: ids.compactMap { id in summaries.first { $0.id == id } })
    }

    /// The distinct sectors and the year, checked.
    func checkedScope(_ upload: RiskAnalysisUpload) throws -> [UUID] {
        let currentYear = Calendar.utc.component(.year, from: now())
        var validator = Validator()
        let sectors = validator.distinct(upload.sectorIDs, "sector_ids")
        validator.check(!sectors.isEmpty, "sector_ids", "required", "Name at least one of the operator's sectors.")
        validator.check(sectors.count <= Self.maximumSectors, "sector_ids", "too_many", "Name at most \(Self.maximumSectors) sectors.")
        validator.check((Self.firstYear...currentYear).contains(upload.year), "year", "out_of_range",
                        "An analysis is for a year from \(Self.firstYear) to \(currentYear).")
        validator.check(!upload.file.isEmpty, "file", "required", "Send the MONARC export as the file part.")
        validator.check((upload.fileName ?? "").count <= 255, "file", "too_long", "The file name has at most 255 characters.")
        try validator.throwIfInvalid()
        return sectors
    }

    /// - Throws: 404 for an operator the platform does not know or a sector outside the caller's;
    ///   422 for a sector that is not the operator's.
    static func checkReach(_ caller: ReportingGate.Caller, operatorID: UUID, sectorIDs: [UUID], session: PostgresSession) async throws {
        guard try await session.query("SELECT 1 FROM operators WHERE id = $1", operatorID).count == 1 else {
            throw DomainError.notFound("No such operator.")
        }
        guard sectorIDs.allSatisfy(caller.covers) else { throw DomainError.notFound("No such sector among yours.") }
        let own = Set(try await session.query("SELECT sector_id FROM operator_sectors WHERE operator_id = $1", operatorID)
            .map { try $0.decode("sector_id", as: UUID.self) })
        guard sectorIDs.allSatisfy(own.contains) else {
            throw DomainError.validation([FieldError(field: "sector_ids", code: "not_operator_sector", message: "Name the operator's own sectors only.")])
        }
    }

    /// Replaces the analysis of (caller's regulator, operator, sector, year) with `export`; its id.
    /// The rows an import writes for one analysis, with fresh ids, as JSON arrays of a few
    /// thousand rows each (for `jsonb_to_recordset`).
    struct ImportRows: Sendable {
        var recommendations: [String] = []
        var services: [String] = []
        var risks: [String] = []
        var links: [String] = []
    }

    static func rows(_ export: MonarcExport) throws -> ImportRows {
        var recommendationIDs: [UUID: UUID] = [:]
        let recommendations = export.recommendations.map { recommendation in
            let rowID = UUID()
            recommendationIDs[recommendation.uuid] = rowID
            return RecommendationRow(id: rowID, recommendation_uuid: recommendation.uuid, code: recommendation.code,
                                     description: recommendation.description, due_date: recommendation.dueDate, status: recommendation.status)
        }
        var services: [ServiceRow] = []
        var risks: [RiskRow] = []
        var links: [LinkRow] = []
        for (position, service) in export.services.enumerated() {
            let serviceID = UUID()
            let statistics = service.statistics
            services.append(ServiceRow(
                id: serviceID, service_uuid: service.uuid, label: service.label, position: position, total_risks: statistics.totalRisks,
                untreated_risks: statistics.untreatedRisks, treated_risks: statistics.treatedRisks, reduced_risks: statistics.reducedRisks,
                denied_risks: statistics.deniedRisks, accepted_risks: statistics.acceptedRisks, shared_risks: statistics.sharedRisks,
                average_current_risk: statistics.averageCurrentRisk, average_residual_risk: statistics.averageResidualRisk,
                treated_max_risks: service.risks.filter { $0.treatment != .untreated }.map(\.maxRisk).sorted()))
            for risk in service.risks {
                let riskID = UUID()
                risks.append(RiskRow(risk, id: riskID, serviceID: serviceID))
                links += risk.recommendationUUIDs.compactMap { recommendationIDs[$0].map { LinkRow(risk_id: riskID, recommendation_id: $0) } }
            }
        }
        let encoder = JSONEncoder()
        func chunks<Row: Encodable>(_ rows: [Row]) throws -> [String] {
            try stride(from: 0, to: rows.count, by: 2_000).map { start in
                String(decoding: try encoder.encode(Array(rows[start..<min(start + 2_000, rows.count)])), as: UTF8.self)
            }
        }
        return ImportRows(recommendations: try chunks(recommendations), services: try chunks(services), risks: try chunks(risks),
                          links: try chunks(links))
    }

    /// Replaces the analysis of (caller's regulator, operator, sector, year) with `export`, whose
    /// rows are `rows`; its id.
    static func write(_ export: MonarcExport, rows: ImportRows, caller: ReportingGate.Caller, principal: Principal, operatorID: UUID,
                      sectorID: UUID, year: Int, fileName: String?, digest: String, session: PostgresSession) async throws -> UUID {
        let riskCount = export.services.reduce(0) { $0 + $1.risks.count }
        // The container keeps its id, comment and observations; only the imported part changes.
        let id: UUID = try await session.query("""
            INSERT INTO risk_analyses (id, regulator_id, operator_id, sector_id, year, monarc_version, labels_language, file_name, file_sha256,
                                       risk_count, imported_at, imported_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now(), $11)
            ON CONFLICT (regulator_id, operator_id, sector_id, year) DO UPDATE SET
                monarc_version = EXCLUDED.monarc_version, labels_language = EXCLUDED.labels_language, file_name = EXCLUDED.file_name,
                file_sha256 = EXCLUDED.file_sha256, risk_count = EXCLUDED.risk_count, imported_at = now(), imported_by = EXCLUDED.imported_by,
                updated_at = now()
            RETURNING id
            """, bindings: [UUID(), caller.regulatorID, operatorID, sectorID, year, export.monarcVersion, export.language?.rawValue, fileName,
                            digest, riskCount, principal.userID]).required().decode("id")
        try await session.query("DELETE FROM risk_services WHERE analysis_id = $1", id)
        try await session.query("DELETE FROM risk_recommendations WHERE analysis_id = $1", id)
        // `$1` the analysis, `$2` a JSON array of rows.
        let statements: [(String, [String])] = [
            ("""
            INSERT INTO risk_recommendations (id, analysis_id, recommendation_uuid, code, description, due_date, status)
            SELECT r.id, $1, r.recommendation_uuid, r.code, r.description, r.due_date, r.status
            FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, recommendation_uuid uuid, code text, description text, due_date date, status boolean)
            """, rows.recommendations),
            ("""
            INSERT INTO risk_services (id, analysis_id, service_uuid, label, position, total_risks, untreated_risks, treated_risks, reduced_risks,
                                       denied_risks, accepted_risks, shared_risks, average_current_risk, average_residual_risk, treated_max_risks)
            SELECT s.id, $1, s.service_uuid, s.label, s.position, s.total_risks, s.untreated_risks, s.treated_risks, s.reduced_risks,
                   s.denied_risks, s.accepted_risks, s.shared_risks, s.average_current_risk, s.average_residual_risk, s.treated_max_risks
            FROM jsonb_to_recordset($2::jsonb) AS s(id uuid, service_uuid uuid, label jsonb, position int, total_risks int, untreated_risks int,
                 treated_risks int, reduced_risks int, denied_risks int, accepted_risks int, shared_risks int, average_current_risk float8,
                 average_residual_risk float8, treated_max_risks int[])
            """, rows.services),
            ("""
            INSERT INTO risks (id, service_id, risk_uuid, asset_uuid, asset_label, threat_uuid, threat_label, vulnerability_uuid, vulnerability_label,
                               threat_value, vulnerability_value, max_risk, residual_risk, risk_c, risk_i, risk_a, impact_c, impact_i, impact_a,
                               treatment)
            SELECT r.id, r.service_id, r.risk_uuid, r.asset_uuid, r.asset_label, r.threat_uuid, r.threat_label, r.vulnerability_uuid,
                   r.vulnerability_label, r.threat_value, r.vulnerability_value, r.max_risk, r.residual_risk, r.risk_c, r.risk_i, r.risk_a,
                   r.impact_c, r.impact_i, r.impact_a, r.treatment
            FROM jsonb_to_recordset($2::jsonb) AS r(id uuid, service_id uuid, risk_uuid uuid, asset_uuid uuid, asset_label jsonb, threat_uuid uuid,
                 threat_label jsonb, vulnerability_uuid uuid, vulnerability_label jsonb, threat_value int, vulnerability_value int, max_risk int,
                 residual_risk int, risk_c int, risk_i int, risk_a int, impact_c int, impact_i int, impact_a int, treatment text)
            WHERE $1::uuid IS NOT NULL
            """, rows.risks),
            ("""
            INSERT INTO risk_recommendation_links (risk_id, recommendation_id)
            SELECT l.risk_id, l.recommendation_id FROM jsonb_to_recordset($2::jsonb) AS l(risk_id uuid, recommendation_id uuid)
            WHERE $1::uuid IS NOT NULL
            """, rows.links),
        ]
        for (sql, chunks) in statements {
            for chunk in chunks { try await session.query(sql, id, chunk) }
        }
        return id
    }

    // MARK: Reading

    /// The caller's analyses (their regulator's, in their sectors), newest year first.
    public func list(_ principal: Principal, filter: RiskAnalysisFilter, limit: Int, cursor: String?) async throws -> Page<RiskAnalysisSummary> {
        try PageCursor.check(limit: limit)
        let position = try PageCursor.decode(cursor)
        return try await postgres.withSession { session in
            let caller = try await ReportingGate.caller(principal, write: false, session: session)
            var conditions = ["a.regulator_id = $1", "a.imported_at IS NOT NULL"]
            var bindings: [any PostgresEncodable] = [caller.regulatorID]
            let sectors = caller.sectorCondition("a.sector_id", parameter: bindings.count + 1)
            conditions.append(sectors.sql)
            bindings += sectors.bindings
            if let operatorID = filter.operatorID {
                bindings.append(operatorID)
                conditions.append("a.operator_id = $\(bindings.count)")
            }
            if let sectorID = filter.sectorID {
                bindings.append(sectorID)
                conditions.append("a.sector_id = $\(bindings.count)")
            }
            if let year = filter.year {
                bindings.append(year)
                conditions.append("a.year = $\(bindings.count)")
            }
            if let (key, id) = position {
                bindings.append(Int(key) ?? 0)
                bindings.append(id)
                conditions.append("(a.year, a.id) < ($\(bindings.count - 1), $\(bindings.count))")
            }
            bindings.append(limit + 1)
            let items = try await Self.summaries(where: conditions.joined(separator: " AND "), bindings: bindings,
                                                 limit: "$\(bindings.count)", session: session)
            return Page(fetched: items.map { ($0, String($0.year), $0.id) }, limit: limit)
        }
    }

    /// One analysis of the caller's regulator in the caller's sectors.
    public func find(_ principal: Principal, id: UUID) async throws -> RiskAnalysisSummary {
        try await postgres.withSession { session in
            let caller = try await ReportingGate.caller(principal, write: false, session: session)
            let sectors = caller.sectorCondition("a.sector_id", parameter: 3)
            guard let summary = try await Self.summaries(where: "a.id = $1 AND a.regulator_id = $2 AND a.imported_at IS NOT NULL AND \(sectors.sql)",
                                                          bindings: [id, caller.regulatorID] + sectors.bindings, session: session).first
            else { throw DomainError.notFound("No such risk analysis.") }
            return summary
        }
    }

    /// Removes the imported part of an analysis (services, risks, recommendations); the
    /// regulator's comment and observations for that operator, sector and year stay.
    public func delete(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await postgres.withTransaction { session in
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            let sectors = caller.sectorCondition("sector_id", parameter: 3)
            guard try await session.query("""
                UPDATE risk_analyses SET monarc_version = NULL, labels_language = NULL, file_name = NULL, file_sha256 = NULL, risk_count = 0,
                                         imported_at = NULL, imported_by = NULL, updated_at = now()
                WHERE id = $1 AND regulator_id = $2 AND imported_at IS NOT NULL AND \(sectors.sql)
                """, bindings: [id, caller.regulatorID] + sectors.bindings).affectedRows == 1
            else { throw DomainError.notFound("No such risk analysis.") }
            try await session.query("DELETE FROM risk_services WHERE analysis_id = $1", id)
            try await session.query("DELETE FROM risk_recommendations WHERE analysis_id = $1", id)
            try await AuditLog.record(AuditEvent("risk_analysis.deleted", by: principal, objectType: "risk_analysis", objectID: id,
                                                 organisation: .regulator(caller.regulatorID), client: client), in: session)
        }
    }

    /// Summaries of the analyses matching `condition` (over `risk_analyses a`), newest year first.
    /// The columns a service summary is read from.
    static let serviceColumns = """
        service_uuid, total_risks, untreated_risks, treated_risks, reduced_risks, denied_risks, accepted_risks, shared_risks, average_current_risk,
        average_residual_risk
        """

    /// A service summary from a row holding ``serviceColumns``.
    static func serviceSummary(_ row: PostgresRow, label: LanguageMap) throws -> RiskServiceSummary {
        var statistics = ServiceStatistics()
        statistics.totalRisks = try row.decode("total_risks")
        statistics.untreatedRisks = try row.decode("untreated_risks")
        statistics.treatedRisks = try row.decode("treated_risks")
        statistics.reducedRisks = try row.decode("reduced_risks")
        statistics.deniedRisks = try row.decode("denied_risks")
        statistics.acceptedRisks = try row.decode("accepted_risks")
        statistics.sharedRisks = try row.decode("shared_risks")
        statistics.averageCurrentRisk = try row.decode("average_current_risk")
        statistics.averageResidualRisk = try row.decode("average_residual_risk")
        return RiskServiceSummary(serviceUUID: try row.decode("service_uuid"), label: label, statistics: statistics)
    }

    /// The (operator, sector, year) of the regulator's imported analyses that hold services, in
    /// `sectorIDs` and `years`: what a report can read.
    static func analysed(regulatorID: UUID, sectorIDs: [UUID], years: [Int], session: PostgresSession) async throws -> Set<DeclarationCoverage.Key> {
        Set(try await session.query("""
            SELECT a.operator_id, a.sector_id, a.year FROM risk_analyses a
            WHERE a.regulator_id = $1 AND a.imported_at IS NOT NULL AND a.sector_id = ANY($2::uuid[]) AND a.year = ANY($3::integer[])
              AND EXISTS (SELECT 1 FROM risk_services v WHERE v.analysis_id = a.id)
            """, regulatorID, sectorIDs, years).map {
            DeclarationCoverage.Key(operatorID: try $0.decode("operator_id"), sectorID: try $0.decode("sector_id"), year: try $0.decode("year"))
        })
    }

    static func summaries(where condition: String, bindings: [any PostgresEncodable], limit: String? = nil,
                          session: PostgresSession) async throws -> [RiskAnalysisSummary] {
        let rows = try await session.query("""
            SELECT a.id, a.operator_id, o.name AS operator_name, a.sector_id, s.name::text AS sector_name, a.year, a.monarc_version,
                   a.labels_language, a.file_name, a.risk_count, a.imported_at, a.imported_by,
                   (SELECT count(*) FROM risk_recommendations r WHERE r.analysis_id = a.id) AS recommendation_count
            FROM risk_analyses a JOIN operators o ON o.id = a.operator_id JOIN sectors s ON s.id = a.sector_id
            WHERE \(condition)
            ORDER BY a.year DESC, a.id DESC
            \(limit.map { "LIMIT \($0)" } ?? "")
            """, bindings: bindings)
        var summaries = try rows.map { row in
            RiskAnalysisSummary(
                id: try row.decode("id"), operatorID: try row.decode("operator_id"), operatorName: try row.decode("operator_name"),
                sectorID: try row.decode("sector_id"), sectorName: try LanguageMap.parse(try row.decode("sector_name")), year: try row.decode("year"),
                monarcVersion: try row.decode("monarc_version"), labelsLanguage: (try row.decode("labels_language", as: String?.self)).flatMap(Language.init),
                fileName: try row.decode("file_name"), riskCount: try row.decode("risk_count"), recommendationCount: try row.decode("recommendation_count"),
                importedAt: try row.decode("imported_at"), importedBy: try row.decode("imported_by"), services: [])
        }
        guard !summaries.isEmpty else { return [] }
        let services = try await session.query("""
            SELECT analysis_id, label::text AS label, \(serviceColumns)
            FROM risk_services WHERE analysis_id = ANY($1::uuid[]) ORDER BY analysis_id, position
            """, summaries.map(\.id))
        var byAnalysis: [UUID: [RiskServiceSummary]] = [:]
        for row in services {
            byAnalysis[try row.decode("analysis_id"), default: []].append(try serviceSummary(row, label: try LanguageMap.parse(try row.decode("label"))))
        }
        for index in summaries.indices { summaries[index].services = byAnalysis[summaries[index].id] ?? [] }
        return summaries
    }

    // MARK: Worker imports

    /// The outcome of an import the caller sent to the worker, or its job while it runs.
    ///
    /// - Throws: 404 for another user's import; the problem that refused the import.
    public func result(_ principal: Principal, id: UUID) async throws -> RiskAnalysisImportOutcome {
        try principal.requireAccess(.reportingRead)
        return try await postgres.withSession { session in
            try await Self.waiting.outcome(principal, id: id, as: RiskAnalysisImportResult.self, session: session)
        }
    }

    /// Whether the caller sent the import a job works for.
    func canSee(_ principal: Principal, importID: UUID) async throws -> Bool {
        try await Self.waiting.isSender(principal, id: importID, postgres: postgres)
    }

    /// Runs import `id` unless it ran already, as the token that sent it.
    @discardableResult
    func run(_ id: UUID) async throws -> Bool {
        try await Self.waiting.run(id, columns: "token_id, client_address, request_id, operator_id, sector_ids, year, file_name, file",
                                   postgres: postgres, logger: logger) { row in
            let principal = try await auth.principal(tokenID: try row.decode("token_id"))
            let upload = RiskAnalysisUpload(operatorID: try row.decode("operator_id"), sectorIDs: try row.decode("sector_ids"),
                                            year: try row.decode("year"), fileName: try row.decode("file_name"),
                                            file: try row.decode("file", as: Data?.self) ?? Data())
            return try await importNow(principal, upload, sectorIDs: upload.sectorIDs,
                                       client: ClientInfo(address: try row.decode("client_address"), requestID: try row.decode("request_id")))
        }
    }

    /// Deletes finished worker imports older than 30 days.
    @discardableResult
    public func purge(now: Date = Date()) async throws -> Int {
        try await Self.waiting.purge(postgres: postgres, now: now)
    }

    static func json(_ values: [String: String]) -> String {
        String(decoding: (try? JSONEncoder().encode(values)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

// MARK: - Rows written through jsonb_to_recordset

extension RiskAnalyses {
    struct RecommendationRow: Encodable, Sendable {
        var id: UUID
        var recommendation_uuid: UUID
        var code: String
        var description: String
        var due_date: String?
        var status: Bool
    }

    struct ServiceRow: Encodable, Sendable {
        var id: UUID
        var service_uuid: UUID
        var label: LanguageMap
        var position: Int
        var total_risks: Int, untreated_risks: Int, treated_risks: Int, reduced_risks: Int, denied_risks: Int, accepted_risks: Int, shared_risks: Int
        var average_current_risk: Double?
        var average_residual_risk: Double?
        /// The current risks of the treated risks, ascending.
        var treated_max_risks: [Int]
    }

    struct RiskRow: Encodable, Sendable {
        var id: UUID, service_id: UUID, risk_uuid: UUID
        var asset_uuid: UUID, asset_label: LanguageMap
        var threat_uuid: UUID, threat_label: LanguageMap
        var vulnerability_uuid: UUID, vulnerability_label: LanguageMap
        var threat_value: Int, vulnerability_value: Int, max_risk: Int, residual_risk: Int
        var risk_c: Int, risk_i: Int, risk_a: Int, impact_c: Int, impact_i: Int, impact_a: Int
        var treatment: String

        init(_ risk: MonarcRisk, id: UUID, serviceID: UUID) {
            self.id = id
            service_id = serviceID
            risk_uuid = risk.uuid
            asset_uuid = risk.assetUUID
            asset_label = risk.assetLabel
            threat_uuid = risk.threatUUID
            threat_label = risk.threatLabel
            vulnerability_uuid = risk.vulnerabilityUUID
            vulnerability_label = risk.vulnerabilityLabel
            threat_value = risk.threatValue
            vulnerability_value = risk.vulnerabilityValue
            max_risk = risk.maxRisk
            residual_risk = risk.residualRisk
            risk_c = risk.riskC
            risk_i = risk.riskI
            risk_a = risk.riskA
            impact_c = risk.impactC
            impact_i = risk.impactI
            impact_a = risk.impactA
            treatment = risk.treatment.rawValue
        }
    }

    struct LinkRow: Encodable, Sendable {
        var risk_id: UUID
        var recommendation_id: UUID
    }
}

/// `import_risk_analysis`: imports one large MONARC export.
struct ImportRiskAnalysisHandler: JobHandler {
    let analyses: RiskAnalyses

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        let payload = try JobPayloadCoding.decode(RiskAnalyses.Payload.self, from: job.payload)
        try await analyses.run(payload.importId)
    }
}
