import Foundation
import Logging
import Postgres
import Redis

extension JobKind {
    /// Imports a standard sheet recorded in `standard_imports` (payload: ``StandardImports/Payload``).
    public static let importStandardSheet = JobKind(rawValue: "import_standard_sheet")
}

/// What became of a sheet sent for import.
public typealias SheetImportOutcome = ImportOutcome<SheetImportReport>

/// Standard sheet imports: small files within the request; files above `IMPORT_INLINE_BYTES`
/// in the worker, which imports them as the token that sent them (checked again then, with the
/// caller's memberships as they are by then) and keeps the report, or the reason the import was
/// refused, for the caller to read.
public struct StandardImports: Sendable {
    let catalogue: StandardCatalogue
    let postgres: PostgresClient
    let outbox: Outbox
    let auth: AuthService
    let logger: Logger
    /// Files above this many bytes go to the worker.
    let inlineBytes: Int
    /// What a file imported by the worker may hold.
    static let workerLimits = SheetLimits(rows: 50_000)
    static let waiting = WorkerImportTable(table: "standard_imports", outcomeColumn: "report")

    struct Payload: Codable, Sendable {
        var importId: UUID
    }

    /// Imports (or, with `dryRun`, checks) a sheet: at once when small, otherwise in the worker.
    /// The file is read only once the caller is known to administer the standard.
    ///
    /// - Throws: 404/403 before the file is read when the caller does not administer the
    ///   standard; as ``StandardCatalogue`` imports do for a small file; for a queued file,
    ///   whatever the import meets later through ``result(_:id:)``.
    public func importSheet(_ principal: Principal, standardID: UUID, sheet: StandardSheet, language: Language, file upload: Upload,
                            format: SheetFormat, dryRun: Bool, client: ClientInfo) async throws -> SheetImportOutcome {
        _ = try await postgres.withSession { session in
            try await StandardCatalogue.administeredRegulator(principal, id: standardID, session: session)
        }
        let file = try await upload.bytes()
        guard file.count > inlineBytes else {
            return .done(try await catalogue.importSheet(principal, id: standardID, sheet: sheet, language: language, file: file, format: format,
                                                         dryRun: dryRun, client: client))
        }
        return .queued(try await outbox.transaction { unit in
            let session = unit.session
            _ = try await StandardCatalogue.administeredRegulator(principal, id: standardID, session: session)
            let id = UUID()
            let jobID = try await unit.enqueue(.importStandardSheet, payload: Payload(importId: id))
            try await TrackedJobs.track(jobID, subjectType: "standard_import", subjectID: id,
                                        resultPath: "/api/v1/standard-imports/\(id.uuidString.lowercased())", session: session)
            try await session.query("""
                INSERT INTO standard_imports (id, standard_id, requested_by, token_id, client_address, request_id, sheet, language, format,
                                              dry_run, job_id, file, size_bytes)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                """, bindings: [id, standardID, principal.userID, principal.tokenID, client.address, client.requestID, sheet.rawValue,
                                language.rawValue, format.rawValue, dryRun, jobID, file, file.count])
            return try await TrackedJobs.requiredStatus(jobID, session: session)
        })
    }

    /// The report of an import the caller sent to the worker, or its job while it runs.
    ///
    /// - Throws: 404 for another user's import; the problem that refused the import (422 for a
    ///   file that is not a sheet, 409 for a locked standard or a token that ended meanwhile).
    public func result(_ principal: Principal, id: UUID) async throws -> SheetImportOutcome {
        try principal.requireAccess(.securityObjectivesRead)
        return try await postgres.withSession { session in
            try await Self.waiting.outcome(principal, id: id, as: SheetImportReport.self, session: session)
        }
    }

    /// Whether the caller sent the import a job works for.
    func canSee(_ principal: Principal, importID: UUID) async throws -> Bool {
        try await Self.waiting.isSender(principal, id: importID, postgres: postgres)
    }

    // MARK: Worker

    /// Runs import `id` unless it ran already (a redelivered job does nothing twice). A refusal
    /// (bad file, locked standard, token ended, access lost) is recorded as the import's outcome,
    /// not retried; other errors (the database away) are, by the queue.
    @discardableResult
    func run(_ id: UUID) async throws -> Bool {
        try await Self.waiting.run(id, columns: "standard_id, token_id, client_address, request_id, sheet, language, format, dry_run, file",
                                   postgres: postgres, logger: logger) { row in
            let principal = try await auth.principal(tokenID: try row.decode("token_id"))
            return try await catalogue.importSheet(
                principal, id: try row.decode("standard_id"), sheet: StandardSheet(rawValue: try row.decode("sheet")) ?? .objectives,
                language: Language(rawValue: try row.decode("language")) ?? .en, file: try row.decode("file", as: Data?.self) ?? Data(),
                format: SheetFormat(rawValue: try row.decode("format")) ?? .csv, dryRun: try row.decode("dry_run"), limits: Self.workerLimits,
                client: ClientInfo(address: try row.decode("client_address"), requestID: try row.decode("request_id")))
        }
    }

    /// Deletes finished imports older than 30 days.
    @discardableResult
    public func purge(now: Date = Date()) async throws -> Int {
        try await Self.waiting.purge(postgres: postgres, now: now)
    }
}

/// `import_standard_sheet`: imports one large standard sheet.
struct ImportStandardSheetHandler: JobHandler {
    let imports: StandardImports

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        let payload = try JobPayloadCoding.decode(StandardImports.Payload.self, from: job.payload)
        try await imports.run(payload.importId)
    }
}
