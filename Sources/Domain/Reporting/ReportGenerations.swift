import Documents
import Foundation
import Logging
import Pooling
import Postgres
import Redis
import ZIPFoundation

/// One run of a project's reports: one PDF per selected (operator, sector) and language, each
/// made by its own worker job, then kept as the artefact (the PDF alone, or a ZIP of them with
/// `error_log.txt` when there are several or some were left out).
public struct ReportGeneration: Sendable, Equatable {
    public enum Status: String, Sendable, CaseIterable {
        case queued, running
        /// Every item finished; the ZIP is being made.
        case assembling
        case done
        /// The artefact lacks the items that failed (listed in its `error_log.txt`).
        case doneWithErrors = "done_with_errors"
        /// Nothing could be made.
        case failed
        case cancelled

        var isActive: Bool { self == .queued || self == .running || self == .assembling }
    }

    public struct Item: Sendable, Equatable {
        public enum Status: String, Sendable, CaseIterable {
            case queued, running, done, failed, cancelled
        }

        public var id: UUID
        public var operatorID: UUID
        public var operatorName: String
        public var sectorID: UUID
        public var sectorName: String
        public var language: Language
        public var filename: String
        public var status: Status
        public var error: String?
        public var jobID: UUID
        public var startedAt: Date?
        public var finishedAt: Date?
    }

    /// A selected (operator, sector) left out, and why.
    public struct Skipped: Sendable, Equatable, Codable {
        public enum Reason: String, Sendable, Codable, CaseIterable {
            /// Neither a passed declaration against the project's standard nor a risk analysis in the reference year.
            case noData = "no_data"
            /// No passed declaration against the project's standard in the reference year.
            case noDeclaration = "no_declaration"
            /// No imported risk analysis in the reference year.
            case noRiskAnalysis = "no_risk_analysis"
            /// The sector is outside the caller's sectors.
            case sectorNotYours = "sector_not_yours"
        }

        public var operatorID: UUID
        public var operatorName: String
        public var sectorID: UUID
        public var sectorName: String
        public var year: Int
        public var reason: Reason
        public var message: String

        enum CodingKeys: String, CodingKey {
            case operatorID = "operator_id", operatorName = "operator_name", sectorID = "sector_id", sectorName = "sector_name", year, reason, message
        }
    }

    public struct Artefact: Sendable, Equatable {
        public var filename: String
        public var contentType: String
        public var size: Int
    }

    public var id: UUID
    public var projectID: UUID
    public var status: Status
    public var requestedByName: String
    public var batch: Bool
    public var items: [Item]
    public var skipped: [Skipped]
    public var artefact: Artefact?
    /// The stored artefact (a document), while it is kept.
    var artefactID: UUID?
    /// A newer generation's artefact replaced this one's.
    public var artefactPurged: Bool
    public var error: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    var sortKey: String

    public var progress: (done: Int, failed: Int, total: Int) {
        (items.count { $0.status == .done }, items.count { $0.status == .failed }, items.count)
    }
}

/// Report generations: started, followed and cancelled by whoever sees the project; each item
/// drawn by a worker job (`generate_report`), the batch's ZIP by another
/// (`assemble_report_generation`); a watchdog fails items whose job died or hangs, so no
/// generation stays running.
public struct ReportGenerations: Sendable {
    let postgres: PostgresClient
    let outbox: Outbox
    let renderingThreads: BlockingWorkPool
    let logger: Logger
    let retryPolicy: RetryPolicy
    let now: @Sendable () -> Date
    /// How long an item may run before the watchdog fails it.
    static let itemTimeoutSeconds = 900
    /// How long an item may wait for a consumer before the watchdog fails it.
    static let queuedTimeoutSeconds = 86_400

    // MARK: Requests

    /// Starts a generation of the project's selection: every selected (operator, sector) with a
    /// passed declaration against the project's standard and a risk analysis in the reference
    /// year, in each of the project's languages; the others are listed as skipped with their reason.
    ///
    /// - Throws: 409 while another generation of the project runs; 422 when nothing is selected
    ///   or nothing selected can be reported on.
    public func start(_ principal: Principal, projectID: UUID, idempotencyKey: String? = nil, witness: Idempotency.Witness? = nil,
                      client: ClientInfo) async throws -> ReportGeneration {
        try await outbox.transaction { unit in
            let session = unit.session
            let caller = try await ReportingGate.caller(principal, write: true, session: session)
            let project = try await ReportingProjects.visible(projectID, caller, lock: true, session: session)
            // A second click with the key answers the generation the first one started.
            if let idempotencyKey, case .replay(let result) = try await Idempotency.claim(
                idempotencyKey, userID: principal.userID, scope: "reporting.generate", fingerprint: projectID.postgresText, witness: witness,
                session: session) {
                return try await Self.generation(try JSONDecoder().decode(UUID.self, from: Data(result.utf8)), session: session)
            }
            guard try await !Self.isRunning(projectID: projectID, session: session) else {
                throw DomainError.conflict("A generation of this project is under way: wait for it or cancel it.")
            }
            let pairs = try await session.query("""
                SELECT DISTINCT r.operator_id, o.name AS operator_name, r.sector_id, s.name::text AS sector_name
                FROM reporting_project_selections r JOIN operators o ON o.id = r.operator_id JOIN sectors s ON s.id = r.sector_id
                WHERE r.project_id = $1
                """, projectID).map { row in
                (operatorID: try row.decode("operator_id", as: UUID.self), operatorName: try row.decode("operator_name", as: String.self),
                 sectorID: try row.decode("sector_id", as: UUID.self), sectorName: try LanguageMap.parse(try row.decode("sector_name")))
            }.sorted { ($0.operatorName.lowercased(), $0.sectorName.text(in: .en)) < ($1.operatorName.lowercased(), $1.sectorName.text(in: .en)) }
            guard !pairs.isEmpty else {
                throw DomainError.validation([FieldError(field: "selection", code: "empty", message: "Select the operators to report on first.")])
            }
            let year = project.referenceYear
            let sectors = Array(Set(pairs.map(\.sectorID)))
            let declared = try await DeclarationCoverage.passed(standardID: project.standardID, sectorIDs: sectors, years: [year], session: session)
            let analysed = try await RiskAnalyses.analysed(regulatorID: caller.regulatorID, sectorIDs: sectors, years: [year], session: session)
            let language = project.languages.first ?? .en
            var kept: [(operatorID: UUID, operatorName: String, sectorID: UUID, sectorName: LanguageMap)] = []
            var skipped: [ReportGeneration.Skipped] = []
            for pair in pairs {
                func skip(_ reason: ReportGeneration.Skipped.Reason, _ message: String) {
                    skipped.append(.init(operatorID: pair.operatorID, operatorName: pair.operatorName, sectorID: pair.sectorID,
                                         sectorName: pair.sectorName.text(in: language), year: year, reason: reason, message: message))
                }
                let key = DeclarationCoverage.Key(operatorID: pair.operatorID, sectorID: pair.sectorID, year: year)
                let (hasDeclaration, hasAnalysis) = (declared.contains(key), analysed.contains(key))
                if !caller.covers(pair.sectorID) {
                    skip(.sectorNotYours, "The sector is outside yours.")
                } else if !hasDeclaration, !hasAnalysis {
                    skip(.noData, "Neither a passed declaration against the project's standard nor a risk analysis for \(year).")
                } else if !hasDeclaration {
                    skip(.noDeclaration, "No passed declaration against the project's standard for \(year).")
                } else if !hasAnalysis {
                    skip(.noRiskAnalysis, "No risk analysis imported for \(year).")
                } else {
                    kept.append(pair)
                }
            }
            guard !kept.isEmpty else {
                throw DomainError.validation(skipped.enumerated().map { index, item in
                    FieldError(field: "selection[\(index)]", code: item.reason.rawValue, message: "\(item.operatorName) — \(item.sectorName): \(item.message)")
                })
            }
            let id = UUID()
            let itemCount = kept.count * project.languages.count
            try await session.query("""
                INSERT INTO report_generations (id, project_id, regulator_id, requested_by, requested_by_name, status, skipped, batch)
                VALUES ($1, $2, $3, $4, coalesce((SELECT trim(first_name || ' ' || last_name) FROM users WHERE id = $4), ''), 'queued', $5::jsonb, $6)
                """, bindings: [id, projectID, caller.regulatorID, principal.userID, String(decoding: try JSONEncoder().encode(skipped), as: UTF8.self),
                                itemCount > 1 || !skipped.isEmpty])
            var position = 0
            for pair in kept {
                for language in project.languages {
                    let itemID = UUID()
                    let sectorName = pair.sectorName.text(in: language)
                    let job = try await unit.enqueue(.generateReport, payload: ItemPayload(itemId: itemID))
                    try await TrackedJobs.track(job, subjectType: "report_generation", subjectID: id,
                                                resultPath: "/api/v1/reporting-generations/\(id.postgresText)", session: session)
                    try await session.query("""
                        INSERT INTO report_generation_items (id, generation_id, position, operator_id, operator_name, sector_id, sector_name, language,
                                                             filename, status, job_id)
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10)
                        """, bindings: [itemID, id, position, pair.operatorID, pair.operatorName, pair.sectorID, sectorName, language.rawValue,
                                        AnnualReport.filename(language: language, prefixed: project.languages.count > 1, year: year,
                                                              operatorName: pair.operatorName, sectorName: sectorName),
                                        job])
                    position += 1
                }
            }
            try await session.query("UPDATE report_generations SET scope_key = report_generation_scope($1) WHERE id = $1", id)
            try await ReportingProjects.audit("reporting_project.generation_started", principal, caller, projectID, client, session,
                                              details: "{\"generation_id\": \"\(id.postgresText)\", \"items\": \(itemCount), \"skipped\": \(skipped.count)}")
            if let idempotencyKey {
                try await Idempotency.record(idempotencyKey, userID: principal.userID,
                                             result: String(decoding: try JSONEncoder().encode(id), as: UTF8.self), session: session)
            }
            return try await Self.generation(id, session: session)
        }
    }

    /// The project's generations, newest first.
    public func list(_ principal: Principal, projectID: UUID, limit: Int, cursor: String?) async throws -> Page<ReportGeneration> {
        try PageCursor.check(limit: limit)
        let position = try PageCursor.decode(cursor)
        return try await postgres.withSession { session in
            let caller = try await ReportingGate.caller(principal, write: false, session: session)
            _ = try await ReportingProjects.visible(projectID, caller, session: session)
            let covered = Self.coversEveryItem(caller, parameter: 2)
            var bindings: [any PostgresEncodable] = [projectID] + covered.bindings
            var condition = "g.project_id = $1 AND \(covered.sql)"
            if let (key, id) = position {
                bindings += [key, id]
                condition += " AND (g.created_at, g.id) < (($\(bindings.count - 1) || 'Z')::timestamptz, $\(bindings.count))"
            }
            bindings.append(limit + 1)
            let generations = try await Self.generations(where: condition, bindings: bindings, limit: "$\(bindings.count)", session: session)
            return Page(fetched: generations.map { ($0, $0.sortKey, $0.id) }, limit: limit)
        }
    }

    public func find(_ principal: Principal, id: UUID) async throws -> ReportGeneration {
        try await postgres.withSession { session in
            _ = try await Self.reach(principal, id, write: false, session: session)
            return try await Self.generation(id, session: session)
        }
    }

    /// Stops the generation: items not made yet are never made, a running one's PDF is thrown
    /// away, and nothing is kept.
    ///
    /// - Throws: 409 when the generation is over.
    public func cancel(_ principal: Principal, id: UUID, client: ClientInfo) async throws -> ReportGeneration {
        try await outbox.transaction { unit in
            let session = unit.session
            let (caller, projectID) = try await Self.reach(principal, id, write: true, session: session)
            let status = try await session.query("SELECT status FROM report_generations WHERE id = $1 FOR UPDATE", id).required()
                .decode("status", as: String.self)
            guard ReportGeneration.Status(rawValue: status)?.isActive == true else { throw DomainError.conflict("This generation is over.") }
            try await session.query("UPDATE report_generations SET status = 'cancelled', finished_at = now() WHERE id = $1", id)
            try await Webhooks.publishReportGeneration(id, unit: unit)
            try await session.query("""
                UPDATE report_generation_items SET status = 'cancelled', finished_at = now() WHERE generation_id = $1 AND status IN ('queued', 'running')
                """, id)
            try await session.query("""
                DELETE FROM documents WHERE id IN (SELECT id FROM report_generation_items WHERE generation_id = $1)
                """, id)
            try await ReportingProjects.audit("reporting_project.generation_cancelled", principal, caller, projectID, client, session,
                                              details: "{\"generation_id\": \"\(id.postgresText)\"}")
            return try await Self.generation(id, session: session)
        }
    }

    /// The generation's artefact, for download (logged).
    ///
    /// - Throws: 409 while it is being made or when there is none (failed, cancelled); 404 once
    ///   a newer generation's artefact replaced it.
    public func artefact(_ principal: Principal, id: UUID, client: ClientInfo) async throws -> StoredDocument {
        try await postgres.withTransaction { session in
            let (caller, projectID) = try await Self.reach(principal, id, write: false, session: session)
            let generation = try await Self.generation(id, session: session)
            if generation.artefactPurged {
                throw DomainError.notFound("A newer generation of the same reports, asked for by the same person, replaced this artefact.")
            }
            guard let artefactID = generation.artefactID, let document = try await DocumentStore.find(artefactID, session: session) else {
                throw DomainError.conflict(generation.status.isActive ? "The reports are still being made." : "This generation made nothing to download.")
            }
            try await ReportingProjects.audit("reporting_project.artefact_downloaded", principal, caller, projectID, client, session,
                                              details: "{\"generation_id\": \"\(id.postgresText)\"}")
            let filename = generation.artefact?.filename ?? document.filename
            return StoredDocument(id: document.id, filename: filename, contentType: document.contentType, content: document.content,
                                  sha256: document.sha256, createdAt: document.createdAt)
        }
    }

    /// Whether a generation of the project is under way (queued, running or assembling).
    static func isRunning(projectID: UUID, session: PostgresSession) async throws -> Bool {
        try await !session.query("SELECT 1 FROM report_generations WHERE project_id = $1 AND status = ANY($2::text[])", projectID,
                                 ReportGeneration.Status.allCases.filter(\.isActive).map(\.rawValue)).isEmpty
    }

    func canSee(_ principal: Principal, generationID: UUID) async throws -> Bool {
        try await postgres.withSession { session in
            (try? await Self.reach(principal, generationID, write: false, session: session)) != nil
        }
    }

    /// The caller and the generation's project, when the caller sees that project and every
    /// item's sector is the caller's (404 otherwise): a project spanning two sectors does not
    /// open a generation over both to a regulator user of one.
    static func reach(_ principal: Principal, _ id: UUID, write: Bool, session: PostgresSession) async throws -> (ReportingGate.Caller, UUID) {
        let caller = try await ReportingGate.caller(principal, write: write, session: session)
        let covered = coversEveryItem(caller, parameter: 3)
        guard let projectID = try await session.query("""
            SELECT g.project_id FROM report_generations g WHERE g.id = $1 AND g.regulator_id = $2 AND \(covered.sql)
            """, bindings: [id, caller.regulatorID] + covered.bindings).first?.decode("project_id", as: UUID.self),
              (try? await ReportingProjects.visible(projectID, caller, session: session)) != nil
        else { throw DomainError.notFound("No such generation.") }
        return (caller, projectID)
    }

    /// The condition (over `report_generations g`) that every item of the generation is in one
    /// of the caller's sectors, with those bound as `$n` (none for administrators).
    static func coversEveryItem(_ caller: ReportingGate.Caller, parameter n: Int) -> (sql: String, bindings: [any PostgresEncodable]) {
        let (inSectors, bindings) = caller.sectorCondition("i.sector_id", parameter: n)
        guard !caller.isAdministrator else { return ("TRUE", []) }
        return ("NOT EXISTS (SELECT 1 FROM report_generation_items i WHERE i.generation_id = g.id AND NOT (\(inSectors)))", bindings)
    }

    // MARK: Jobs

    struct ItemPayload: Codable, Sendable {
        var itemId: UUID
    }

    struct AssemblyPayload: Codable, Sendable {
        var generationId: UUID
    }

    /// Draws one item's report and keeps it, unless its generation was cancelled meanwhile.
    func generate(itemID: UUID, attempt: Int) async throws {
        guard let claim = try await claim(itemID) else { return }
        let pdf: Data
        do {
            let (content, inputs) = try await postgres.withSession { session in try await Self.content(claim, session: session) }
            pdf = try await renderingThreads.run {
                try PDFRenderer.render(AnnualReport.document(content, inputs: inputs, dataset: ReportDataset(inputs)))
            }
        } catch {
            let permanent = error is DocumentError || error is DomainError || error is DecodingError || error is PermanentJobError
            guard permanent || !retryPolicy.allowsRetry(afterAttempt: attempt) else { throw error }
            try await fail(itemID, generationID: claim.generationID, reason: "The report could not be drawn: \(error)")
            throw PermanentJobError("report \(itemID) could not be drawn: \(error)")
        }
        try await outbox.transaction { unit in
            let session = unit.session
            let status = try await session.query("""
                SELECT i.status, g.status AS generation_status FROM report_generation_items i JOIN report_generations g ON g.id = i.generation_id
                WHERE i.id = $1 FOR UPDATE OF i, g
                """, itemID).first
            guard let status, try status.decode("status", as: String.self) == "running",
                  try status.decode("generation_status", as: String.self) == "running" else { return }
            _ = try await DocumentStore.store(id: itemID, filename: claim.filename, contentType: "application/pdf", content: pdf, session: session)
            try await session.query("UPDATE report_generation_items SET status = 'done', error = NULL, finished_at = now() WHERE id = $1", itemID)
            try await Self.settle(claim.generationID, unit: unit)
        }
    }

    struct Claim: Sendable {
        var generationID: UUID
        var projectID: UUID
        var regulatorID: UUID
        var operatorID: UUID
        var operatorName: String
        var sectorID: UUID
        var sectorName: String
        var language: Language
        var filename: String
    }

    /// Marks the item running, unless it (or its generation) is finished or cancelled.
    private func claim(_ itemID: UUID) async throws -> Claim? {
        try await postgres.withTransaction { session in
            guard let row = try await session.query("""
                SELECT i.generation_id, g.project_id, g.regulator_id, i.operator_id, i.operator_name, i.sector_id, i.sector_name, i.language, i.filename,
                       i.status, g.status AS generation_status
                FROM report_generation_items i JOIN report_generations g ON g.id = i.generation_id
                WHERE i.id = $1 FOR UPDATE OF i, g
                """, itemID).first,
                  ["queued", "running"].contains(try row.decode("status", as: String.self)),
                  ["queued", "running"].contains(try row.decode("generation_status", as: String.self)) else { return nil }
            let generationID: UUID = try row.decode("generation_id")
            try await session.query("UPDATE report_generation_items SET status = 'running', started_at = now() WHERE id = $1", itemID)
            try await session.query("""
                UPDATE report_generations SET status = 'running', started_at = coalesce(started_at, now()) WHERE id = $1
                """, generationID)
            return Claim(generationID: generationID, projectID: try row.decode("project_id"), regulatorID: try row.decode("regulator_id"),
                         operatorID: try row.decode("operator_id"), operatorName: try row.decode("operator_name"), sectorID: try row.decode("sector_id"),
                         sectorName: try row.decode("sector_name"), language: Language(rawValue: try row.decode("language")) ?? .en,
                         filename: try row.decode("filename"))
        }
    }

    /// What the project's report on the operator's sector shows, read as a generation's job
    /// reads it (the benchmark times this). No access check: for the worker and the benchmark,
    /// never for a request.
    public func report(projectID: UUID, operatorID: UUID, sectorID: UUID, language: Language) async throws
        -> (content: AnnualReportContent, inputs: ReportInputs) {
        try await postgres.withSession { session in
            guard let row = try await session.query("""
                SELECT p.regulator_id, (SELECT name FROM operators WHERE id = $2) AS operator_name,
                       (SELECT name::text FROM sectors WHERE id = $3) AS sector_name
                FROM reporting_projects p WHERE p.id = $1
                """, projectID, operatorID, sectorID).first,
                  let operatorName: String = try row.decode("operator_name"), let sectorName: String = try row.decode("sector_name")
            else { throw DomainError.notFound("No such project, operator or sector.") }
            let claim = Claim(generationID: UUID(), projectID: projectID, regulatorID: try row.decode("regulator_id"), operatorID: operatorID,
                              operatorName: operatorName, sectorID: sectorID, sectorName: try LanguageMap.parse(sectorName).text(in: language),
                              language: language, filename: "")
            return try await Self.content(claim, session: session)
        }
    }

    /// What the item's report shows: the project's figures for its operator and sector, the
    /// observations in the report's language, the regulator's configuration.
    static func content(_ claim: Claim, session: PostgresSession) async throws -> (AnnualReportContent, ReportInputs) {
        guard let project = try await ReportingProjects.projects(where: "p.id = $1", bindings: [claim.projectID], session: session).first else {
            throw PermanentJobError("the project is gone")
        }
        let inputs = try await ReportInputs.load(project, regulatorID: claim.regulatorID, operatorID: claim.operatorID, sectorID: claim.sectorID,
                                                 language: claim.language, session: session)
        let observations = try await Observations.observations(regulatorID: claim.regulatorID, operatorID: claim.operatorID, sectorID: claim.sectorID,
                                                               year: project.referenceYear, session: session)
        let (configuration, logo) = try await ReportConfigurations.load(regulatorID: claim.regulatorID, standardID: project.standardID, session: session)
        let content = AnnualReportContent(
            operatorName: claim.operatorName, sectorName: claim.sectorName, standardName: project.standardLabel.text(in: claim.language),
            language: claim.language, publishedOn: Date(), observations: observations.items.map { $0.description.text(in: claim.language) },
            comment: observations.comment, configuration: configuration, logo: logo)
        return (content, inputs)
    }

    /// Records an item's failure and settles its generation.
    func fail(_ itemID: UUID, generationID: UUID, reason: String) async throws {
        try await outbox.transaction { unit in
            _ = try await unit.session.query("SELECT 1 FROM report_generations WHERE id = $1 FOR UPDATE", generationID)
            let rows = try await unit.session.query("""
                UPDATE report_generation_items SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status IN ('queued', 'running')
                """, itemID, String(reason.prefix(1_000)))
            if rows.affectedRows == 1 { try await Self.settle(generationID, unit: unit) }
        }
    }

    /// Once every item is finished: nothing made fails the generation; a single report is the
    /// artefact itself; a batch waits for its ZIP.
    static func settle(_ generationID: UUID, unit: UnitOfWork) async throws {
        let session = unit.session
        guard let row = try await session.query("""
            SELECT g.status, g.batch, g.project_id,
                   count(*) FILTER (WHERE i.status IN ('queued', 'running'))::integer AS open,
                   count(*) FILTER (WHERE i.status = 'done')::integer AS done
            FROM report_generations g JOIN report_generation_items i ON i.generation_id = g.id
            WHERE g.id = $1 GROUP BY g.id
            """, generationID).first,
              try row.decode("open", as: Int.self) == 0,
              ["queued", "running"].contains(try row.decode("status", as: String.self)) else { return }
        if try row.decode("done", as: Int.self) == 0 {
            try await session.query("""
                UPDATE report_generations SET status = 'failed', error = 'No report could be made.', finished_at = now() WHERE id = $1
                """, generationID)
            try await Webhooks.publishReportGeneration(generationID, unit: unit)
        } else if try row.decode("batch", as: Bool.self) {
            let job = try await unit.enqueue(.assembleReportGeneration, payload: AssemblyPayload(generationId: generationID))
            try await TrackedJobs.track(job, subjectType: "report_generation", subjectID: generationID,
                                        resultPath: "/api/v1/reporting-generations/\(generationID.postgresText)", session: session)
            try await session.query("UPDATE report_generations SET status = 'assembling', assembly_job_id = $2 WHERE id = $1", generationID, job)
        } else {
            try await session.query("""
                UPDATE report_generations g SET status = 'done', finished_at = now(), artefact_id = i.id, artefact_filename = i.filename
                FROM report_generation_items i WHERE g.id = $1 AND i.generation_id = g.id AND i.status = 'done'
                """, generationID)
            try await purgeSuperseded(projectID: try row.decode("project_id"), keeping: generationID, session: session)
            try await Webhooks.publishReportGeneration(generationID, unit: unit)
        }
    }

    /// Makes a batch's ZIP: every report made, and `error_log.txt` listing the pairs left out
    /// and the reports that failed.
    func assemble(generationID: UUID) async throws {
        let state = try await postgres.withSession { session -> (items: [(filename: String, content: Data)], log: [String], name: String)? in
            guard let row = try await session.query("""
                SELECT g.status, g.skipped::text AS skipped, p.name, g.created_at FROM report_generations g JOIN reporting_projects p ON p.id = g.project_id
                WHERE g.id = $1
                """, generationID).first, try row.decode("status", as: String.self) == "assembling" else { return nil }
            let skipped = try JSONDecoder().decode([ReportGeneration.Skipped].self, from: Data(try row.decode("skipped", as: String.self).utf8))
            var log = skipped.map { "[\($0.operatorName)][\($0.sectorName)][\($0.year)] \($0.message)" }
            var items: [(String, Data)] = []
            for item in try await session.query("""
                SELECT i.filename, i.status, i.error, d.content FROM report_generation_items i LEFT JOIN documents d ON d.id = i.id
                WHERE i.generation_id = $1 ORDER BY i.position
                """, generationID) {
                let filename: String = try item.decode("filename")
                if let content: Data = try item.decode("content"), try item.decode("status", as: String.self) == "done" {
                    items.append((filename, content))
                } else {
                    log.append("[\(filename)] \(try item.decode("error", as: String?.self) ?? "Not made.")")
                }
            }
            let stamp = Self.stamp(try row.decode("created_at"))
            return (items, log, "reports_\(AnnualReport.cleanName(try row.decode("name")))_\(stamp).zip")
        }
        guard let state else { return }
        let zip = try await renderingThreads.run { try Self.zip(state.items, log: state.log) }
        try await outbox.transaction { unit in
            let session = unit.session
            guard let row = try await session.query("""
                SELECT status, project_id,
                       EXISTS (SELECT 1 FROM report_generation_items WHERE generation_id = $1 AND status = 'failed') AS failures
                FROM report_generations WHERE id = $1 FOR UPDATE
                """, generationID).first, try row.decode("status", as: String.self) == "assembling" else { return }
            let artefactID = UUID()
            _ = try await DocumentStore.store(id: artefactID, filename: state.name, contentType: "application/zip", content: zip, session: session)
            try await session.query("""
                UPDATE report_generations SET status = $2, artefact_id = $3, artefact_filename = $4, finished_at = now() WHERE id = $1
                """, generationID, try row.decode("failures", as: Bool.self) ? "done_with_errors" : "done", artefactID, state.name)
            // The reports live on in the ZIP.
            try await session.query("DELETE FROM documents WHERE id IN (SELECT id FROM report_generation_items WHERE generation_id = $1)", generationID)
            try await Self.purgeSuperseded(projectID: try row.decode("project_id"), keeping: generationID, session: session)
            try await Webhooks.publishReportGeneration(generationID, unit: unit)
        }
    }

    static func zip(_ items: [(filename: String, content: Data)], log: [String]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        var names = Set<String>()
        func add(_ name: String, _ data: Data) throws {
            var unique = name
            var counter = 2
            while !names.insert(unique).inserted {
                unique = name.replacingOccurrences(of: ".pdf", with: "_\(counter).pdf")
                counter += 1
            }
            try archive.addEntry(with: unique, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        for item in items { try add(item.filename, item.content) }
        if !log.isEmpty { try add("error_log.txt", Data((log.joined(separator: "\n") + "\n").utf8)) }
        guard let data = archive.data else { throw PermanentJobError("the archive could not be written") }
        return data
    }

    static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd_HHmmss"
        return formatter.string(from: date)
    }

    /// Only the newest artefact is kept of the generations one person asked for over one scope
    /// (the same operator and sector pairs) in a project: the older ones' files go. Another
    /// person's artefacts, or the same person's over another scope, stay.
    static func purgeSuperseded(projectID: UUID, keeping generationID: UUID, session: PostgresSession) async throws {
        let superseded = """
            SELECT g.id FROM report_generations g JOIN report_generations k ON k.id = $2
            WHERE g.project_id = $1 AND g.id <> k.id AND g.requested_by = k.requested_by AND g.scope_key = k.scope_key
            """
        try await session.query("""
            DELETE FROM documents WHERE id IN (
                SELECT g.artefact_id FROM report_generations g WHERE g.id IN (\(superseded)) AND g.artefact_id IS NOT NULL
                UNION ALL
                SELECT i.id FROM report_generation_items i WHERE i.generation_id IN (\(superseded)))
            """, projectID, generationID)
        try await session.query("""
            UPDATE report_generations SET artefact_purged_at = now(), artefact_id = NULL WHERE id IN (\(superseded)) AND artefact_id IS NOT NULL
            """, projectID, generationID)
    }

    /// Every file of a project's generations, when the project goes.
    static func deleteFiles(projectID: UUID, session: PostgresSession) async throws {
        try await session.query("""
            DELETE FROM documents WHERE id IN (
                SELECT g.artefact_id FROM report_generations g WHERE g.project_id = $1 AND g.artefact_id IS NOT NULL
                UNION ALL
                SELECT i.id FROM report_generation_items i JOIN report_generations g ON g.id = i.generation_id WHERE g.project_id = $1)
            """, projectID)
    }

    /// Fails the items whose job failed for good, ran too long or never started, and the
    /// batches whose ZIP could not be made; settles their generations.
    ///
    /// - Returns: how many items and generations it failed.
    @discardableResult
    public func watch() async throws -> Int {
        try await outbox.transaction { unit in
            let session = unit.session
            let items = try await session.query("""
                UPDATE report_generation_items i
                SET status = 'failed', finished_at = now(),
                    error = CASE WHEN o.failed_at IS NOT NULL THEN 'The job failed: ' || coalesce(o.last_error, 'no reason given')
                                 WHEN i.status = 'running' THEN 'The report took longer than \(Self.itemTimeoutSeconds) seconds.'
                                 ELSE 'No worker took the report in time.' END
                FROM outbox o
                WHERE o.id = i.job_id AND i.status IN ('queued', 'running')
                  AND (o.failed_at IS NOT NULL
                       OR (i.status = 'running' AND i.started_at < now() - make_interval(secs => \(Self.itemTimeoutSeconds)))
                       OR (i.status = 'queued' AND o.created_at < now() - make_interval(secs => \(Self.queuedTimeoutSeconds))))
                RETURNING i.generation_id
                """)
            for generationID in Set(try items.map { try $0.decode("generation_id", as: UUID.self) }) {
                _ = try await session.query("SELECT 1 FROM report_generations WHERE id = $1 FOR UPDATE", generationID)
                try await Self.settle(generationID, unit: unit)
            }
            let batches = try await session.query("""
                UPDATE report_generations g SET status = 'failed', finished_at = now(),
                       error = 'The archive could not be made: ' || coalesce(o.last_error, 'it took too long.')
                FROM outbox o
                WHERE o.id = g.assembly_job_id AND g.status = 'assembling'
                  AND (o.failed_at IS NOT NULL OR o.created_at < now() - make_interval(secs => \(Self.itemTimeoutSeconds)))
                RETURNING g.id
                """)
            for batch in batches { try await Webhooks.publishReportGeneration(try batch.decode("id"), unit: unit) }
            return items.count + batches.count
        }
    }

    // MARK: Reading

    static func generation(_ id: UUID, session: PostgresSession) async throws -> ReportGeneration {
        guard let generation = try await generations(where: "g.id = $1", bindings: [id], session: session).first else {
            throw DomainError.notFound("No such generation.")
        }
        return generation
    }

    static func generations(where condition: String, bindings: [any PostgresEncodable], limit: String? = nil,
                            session: PostgresSession) async throws -> [ReportGeneration] {
        var generations = try await session.query("""
            SELECT g.id, g.project_id, g.status, g.requested_by_name, g.batch, g.skipped::text AS skipped, g.artefact_id, g.artefact_filename,
                   g.artefact_purged_at IS NOT NULL AS purged, g.error, g.created_at, g.started_at, g.finished_at, d.content_type, d.size_bytes,
                   to_char(g.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') AS sort_key
            FROM report_generations g LEFT JOIN documents d ON d.id = g.artefact_id
            WHERE \(condition)
            ORDER BY g.created_at DESC, g.id DESC \(limit.map { "LIMIT \($0)" } ?? "")
            """, bindings: bindings).map { row in
            let filename: String? = try row.decode("artefact_filename")
            let contentType: String? = try row.decode("content_type")
            let size: Int? = try row.decode("size_bytes")
            return ReportGeneration(
                id: try row.decode("id"), projectID: try row.decode("project_id"),
                status: ReportGeneration.Status(rawValue: try row.decode("status")) ?? .failed, requestedByName: try row.decode("requested_by_name"),
                batch: try row.decode("batch"), items: [],
                skipped: try JSONDecoder().decode([ReportGeneration.Skipped].self, from: Data(try row.decode("skipped", as: String.self).utf8)),
                artefact: filename.flatMap { name in contentType.map { ReportGeneration.Artefact(filename: name, contentType: $0, size: size ?? 0) } },
                artefactID: try row.decode("artefact_id"),
                artefactPurged: try row.decode("purged"), error: try row.decode("error"), createdAt: try row.decode("created_at"),
                startedAt: try row.decode("started_at"), finishedAt: try row.decode("finished_at"), sortKey: try row.decode("sort_key"))
        }
        guard !generations.isEmpty else { return [] }
        var items: [UUID: [ReportGeneration.Item]] = [:]
        for row in try await session.query("""
            SELECT id, generation_id, operator_id, operator_name, sector_id, sector_name, language, filename, status, error, job_id, started_at, finished_at
            FROM report_generation_items WHERE generation_id = ANY($1::uuid[]) ORDER BY position
            """, generations.map(\.id)) {
            items[try row.decode("generation_id"), default: []].append(ReportGeneration.Item(
                id: try row.decode("id"), operatorID: try row.decode("operator_id"), operatorName: try row.decode("operator_name"),
                sectorID: try row.decode("sector_id"), sectorName: try row.decode("sector_name"),
                language: Language(rawValue: try row.decode("language")) ?? .en, filename: try row.decode("filename"),
                status: ReportGeneration.Item.Status(rawValue: try row.decode("status")) ?? .failed, error: try row.decode("error"),
                jobID: try row.decode("job_id"), startedAt: try row.decode("started_at"), finishedAt: try row.decode("finished_at")))
        }
        for index in generations.indices { generations[index].items = items[generations[index].id] ?? [] }
        return generations
    }
}

extension JobKind {
    /// Draws one report of a generation (payload: the item's id).
    public static let generateReport = JobKind(rawValue: "generate_report")
    /// Makes a batch generation's ZIP (payload: the generation's id).
    public static let assembleReportGeneration = JobKind(rawValue: "assemble_report_generation")
}

struct GenerateReportHandler: JobHandler {
    let generations: ReportGenerations

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        let payload = try JobPayloadCoding.decode(ReportGenerations.ItemPayload.self, from: job.payload)
        try await generations.generate(itemID: payload.itemId, attempt: job.attempt)
    }
}

struct AssembleReportGenerationHandler: JobHandler {
    let generations: ReportGenerations

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        let payload = try JobPayloadCoding.decode(ReportGenerations.AssemblyPayload.self, from: job.payload)
        try await generations.assemble(generationID: payload.generationId)
    }
}
