import Foundation
import Pooling
import Postgres

/// Operators' yearly declarations against a standard, and their review by the standard's
/// regulator: create, read, answer measure by measure, submit, review objective by objective,
/// send the verdict, start a new version, delete; each change recomputes the objective's score
/// and completion and the declaration's progress in the same transaction.
public struct Declarations: Sendable {
    let postgres: PostgresClient
    let outbox: Outbox
    let emails: DeclarationEmails
    /// Imported workbooks are inflated and parsed on these threads, never on the async ones.
    let files: BlockingWorkPool
    let now: @Sendable () -> Date

    static let maximumText = 10000

    // MARK: Create

    /// Creates a declaration (version 1 of a new group) for one of the caller's operators.
    ///
    /// - Throws: 403 for regulator staff; 422 naming the field for a standard the operator cannot
    ///   declare against, a year outside now−3 … now+1, sectors not the operator's.
    public func create(_ principal: Principal, _ input: DeclarationInput, idempotencyKey: String?,
                       witness: Idempotency.Witness? = nil, language: Language = .en, client: ClientInfo) async throws
        -> DeclarationDetail {
        let sectorIDs = try checkedScope(year: input.year, sectorIDs: input.sectorIDs)
        let fingerprint = SHA256.hex(Data("\(input.standardID)|\(input.operatorID?.uuidString ?? "")|\(input.year)|\(sectorIDs.map(\.uuidString).sorted())".utf8))
        return try await outbox.transaction { unit in
            let session = unit.session
            let caller = try await SecurityObjectivesGate.caller(principal, write: true, session: session)
            guard case .operatorMember(let operatorIDs) = caller else {
                throw DomainError.forbidden("Operators declare; regulator staff review their declarations.")
            }
            if let idempotencyKey, case .replay(let result) = try await Idempotency.claim(idempotencyKey, userID: principal.userID,
                                                                                          scope: "declarations.create", fingerprint: fingerprint,
                                                                                          witness: witness, session: session) {
                guard let id = try JSONDecoder().decode([String: UUID].self, from: Data(result.utf8))["id"] else {
                    throw DomainError.inconsistency("an idempotency record of declarations.create has no id")
                }
                return try await Self.detail(try await DeclarationAccess.reachable(id, caller, lock: false, session: session),
                                             language: language, session: session)
            }
            let operatorID = try Self.actingOperator(input.operatorID, among: operatorIDs)
            let standard: Standard
            do {
                standard = try await StandardCatalogue.visible(input.standardID, caller, session: session)
            } catch DomainError.notFound {
                throw DomainError.validation([FieldError(field: "standard_id", code: "invalid",
                                                         message: "Name a standard you may declare against (GET /api/v1/standards).")])
            }
            try await Self.checkSectors(sectorIDs, of: operatorID, session: session)
            try await Self.refuseDuplicate(operatorID: operatorID, standardID: standard.id, year: input.year, sectorIDs: sectorIDs,
                                           session: session)
            let id = try await Self.insert(groupOf: operatorID, standard: standard, year: input.year, sectorIDs: sectorIDs, principal: principal,
                                           status: .draft, session: session)
            try await DeclarationAccess.record(.created, by: principal, regulatorSide: false, declarationID: id, operatorID: operatorID,
                                               session: session)
            try await Self.audit("declaration.created", principal, id: id, operatorID: operatorID, client: client, session: session)
            if let idempotencyKey {
                try await Idempotency.record(idempotencyKey, userID: principal.userID, result: "{\"id\": \"\(id.postgresText)\"}", session: session)
            }
            return try await Self.detail(try await DeclarationAccess.reload(id, seenByRegulator: false, session: session),
                                         language: language, session: session)
        }
    }

    /// One declaration per operator, standard, year and set of sectors: a second would split the
    /// year's answers and reviews in two. Creations for the operator wait on each other here.
    ///
    /// - Throws: 409 naming the existing declaration (its reference and id) to continue instead.
    static func refuseDuplicate(operatorID: UUID, standardID: UUID, year: Int, sectorIDs: [UUID], session: PostgresSession) async throws {
        try await session.query("SELECT pg_advisory_xact_lock(hashtextextended('declarations:' || $1::text, 0))", operatorID)
        guard let existing = try await session.query("""
            SELECT g.reference, d.id FROM declaration_groups g
            JOIN declarations d ON d.group_id = g.id AND d.version = (SELECT max(version) FROM declarations WHERE group_id = g.id)
            WHERE g.operator_id = $1 AND g.standard_id = $2 AND d.year = $3
              AND ARRAY(SELECT sector_id FROM declaration_sectors s WHERE s.declaration_id = d.id ORDER BY sector_id) = $4::uuid[]
            LIMIT 1
            """, operatorID, standardID, year, sectorIDs.sorted { $0.uuidString.lowercased() < $1.uuidString.lowercased() }).first else { return }
        let reference: String = try existing.decode("reference"), id: UUID = try existing.decode("id")
        throw DomainError.conflict("""
            Declaration \(reference) (\(id.postgresText)) already covers this operator, standard, year and these sectors; \
            continue it (or start its next version once its verdict is sent) rather than making a second one.
            """)
    }

    /// - Throws: 422 on `sector_ids` unless every sector is one of the operator's.
    static func checkSectors(_ sectorIDs: [UUID], of operatorID: UUID, session: PostgresSession) async throws {
        let own = Set(try await session.query("SELECT sector_id FROM operator_sectors WHERE operator_id = $1", operatorID)
            .map { try $0.decode("sector_id", as: UUID.self) })
        guard sectorIDs.allSatisfy(own.contains) else {
            throw DomainError.validation([FieldError(field: "sector_ids", code: "not_operator_sector",
                                                     message: "Declare for the operator's own sectors only.")])
        }
    }

    /// The sectors and year of a new declaration, checked: distinct sectors, at least one, a year
    /// from now−3 to now+1.
    func checkedScope(year: Int, sectorIDs: [UUID]) throws -> [UUID] {
        let currentYear = Calendar.utc.component(.year, from: now())
        var validator = Validator()
        let distinct = validator.distinct(sectorIDs, "sector_ids")
        validator.check(!distinct.isEmpty, "sector_ids", "required", "Name at least one of the operator's sectors.")
        validator.check((currentYear - 3...currentYear + 1).contains(year), "year", "out_of_range",
                        "Declare for a year from \(currentYear - 3) to \(currentYear + 1).")
        try validator.throwIfInvalid()
        return distinct
    }

    /// The operator a member acts for: the one named, or their only one.
    static func actingOperator(_ named: UUID?, among operatorIDs: [UUID]) throws -> UUID {
        if let named {
            guard operatorIDs.contains(named) else {
                throw DomainError.validation([FieldError(field: "operator_id", code: "not_member",
                                                         message: "You are not an approved member of this operator.")])
            }
            return named
        }
        guard operatorIDs.count == 1 else {
            throw DomainError.validation([FieldError(field: "operator_id", code: "required",
                                                     message: "You belong to several operators: name the one you declare for.")])
        }
        return operatorIDs[0]
    }

    /// Inserts a new group with its first version and one assessment per objective.
    static func insert(groupOf operatorID: UUID, standard: Standard, year: Int, sectorIDs: [UUID], principal: Principal,
                       status: DeclarationStatus, session: PostgresSession) async throws -> UUID {
        let groupID = UUID(), id = UUID()
        let reference = try await nextReference(operatorID: operatorID, sectorIDs: sectorIDs, year: year, session: session)
        try await session.query("INSERT INTO declaration_groups (id, reference, operator_id, standard_id) VALUES ($1, $2, $3, $4)",
                                groupID, reference, operatorID, standard.id)
        try await session.query("""
            INSERT INTO declarations (id, group_id, version, standard_id, regulator_id, operator_id, year, status, created_by, creator_name,
                                      operator_name, submitted_at, submitted_by, imported_by)
            SELECT $1, $2, 1, $3, $4, $5, $6, $7, u.id, trim(u.first_name || ' ' || u.last_name), o.name,
                   CASE WHEN $7 = 'draft' THEN NULL ELSE now() END, CASE WHEN $7 = 'draft' THEN NULL ELSE u.id END,
                   CASE WHEN $7 = 'draft' THEN NULL ELSE u.id END
            FROM users u, operators o WHERE u.id = $8 AND o.id = $5
            """, id, groupID, standard.id, standard.regulatorID, operatorID, year, status.rawValue, principal.userID)
        try await session.query("INSERT INTO declaration_sectors (declaration_id, sector_id) SELECT $1, unnest($2::uuid[])", id, sectorIDs)
        try await session.query("""
            INSERT INTO objective_assessments (declaration_id, objective_id, position)
            SELECT $1, o.id, o.position FROM security_objectives o WHERE o.standard_id = $2
            """, id, standard.id)
        return id
    }

    /// `<operator>_SO_<sector>_<subsector>_<NNNN>_<YYYY>`: the operator's identifier, the first
    /// sector (by root acronym, then acronym; `GEN` for a root sector without sub-sectors), a
    /// number from the operator's counter for the declared year (never given twice, whatever is
    /// deleted), and the declared year. The same in every language.
    static func nextReference(operatorID: UUID, sectorIDs: [UUID], year: Int, session: PostgresSession) async throws -> String {
        let sector = try await session.query("""
            SELECT coalesce(p.acronym, s.acronym) AS root, CASE WHEN p.id IS NULL THEN 'GEN' ELSE s.acronym END AS leaf
            FROM sectors s LEFT JOIN sectors p ON p.id = s.parent_id WHERE s.id = ANY($1::uuid[]) ORDER BY 1, 2 LIMIT 1
            """, sectorIDs).first
        let identifier = try await session.query("SELECT identifier FROM operators WHERE id = $1", operatorID).required().decode("identifier",
            as: String.self)
        let number = try await session.query("""
            INSERT INTO declaration_reference_counters (operator_id, year, last_number) VALUES ($1, $2, 1)
            ON CONFLICT (operator_id, year) DO UPDATE SET last_number = declaration_reference_counters.last_number + 1
            RETURNING last_number
            """, operatorID, year).required().decode("last_number", as: Int.self)
        let root = try sector?.decode("root", as: String.self) ?? "GEN", leaf = try sector?.decode("leaf", as: String.self) ?? "GEN"
        return "\(identifier)_SO_\(root)_\(leaf)_\(String(format: "%04d", number))_\(year)"
    }

    // MARK: Read

    /// The whole declaration; the read is logged.
    public func declaration(_ principal: Principal, id: UUID, language: Language = .en) async throws -> DeclarationDetail {
        try await postgres.withTransaction { session in
            let caller = try await SecurityObjectivesGate.caller(principal, write: false, session: session)
            let declaration = try await DeclarationAccess.reachable(id, caller, lock: false, session: session)
            try await DeclarationAccess.record(.read, by: principal, regulatorSide: declaration.seenByRegulator, declarationID: id,
                                               operatorID: declaration.operatorID, session: session)
            return try await Self.detail(declaration, language: language, session: session)
        }
    }

    /// Loads the standard's levels, the objectives with their assessments, and the measures with
    /// the answers.
    static func detail(_ declaration: Declaration, language: Language, session: PostgresSession) async throws -> DeclarationDetail {
        let levels = try await session.query("""
            SELECT id, level, label::text AS label, color FROM maturity_levels WHERE standard_id = $1 ORDER BY level
            """, declaration.standardID).map { row in
            StandardTree.Level(id: try row.decode("id"), level: try row.decode("level"), label: try LanguageMap.parse(try row.decode("label")),
                               color: try row.decode("color"))
        }
        let levelInfo = Dictionary(uniqueKeysWithValues: levels.map { ($0.level, $0) })
        // The answers and the measures apart, joined here: each query plans well whatever the
        // statistics say (a join planned on a freshly written standard's "one row" estimate
        // became a nested loop of 800,000 comparisons).
        var answers: [UUID: (isImplemented: Bool, justification: String, reviewComment: String)] = [:]
        for row in try await session.query("""
            SELECT measure_id, is_implemented, justification, review_comment FROM measure_answers WHERE declaration_id = $1
            """, declaration.id) {
            answers[try row.decode("measure_id")] = (try row.decode("is_implemented"), try row.decode("justification"),
                                                     try row.decode("review_comment"))
        }
        let levelNumbers = Dictionary(uniqueKeysWithValues: levels.map { ($0.id, $0.level) })
        var measures: [UUID: [(Int, DeclarationDetail.Answer)]] = [:]
        for row in try await session.query("""
            SELECT id, objective_id, maturity_level_id, position, coalesce(description->>$2, description->>'en', '') AS description,
                   coalesce(evidence->>$2, evidence->>'en', '') AS evidence
            FROM security_measures WHERE standard_id = $1
            """, declaration.standardID, language.rawValue) {
            let id: UUID = try row.decode("id")
            let answer = answers[id]
            measures[try row.decode("objective_id"),
                default: []].append((levelNumbers[try row.decode("maturity_level_id")] ?? 0, DeclarationDetail.Answer(
                measureID: id, position: try row.decode("position"), description: try row.decode("description"), evidence: try row.decode("evidence"),
                isImplemented: answer?.isImplemented ?? false, justification: answer?.justification ?? "",
                reviewComment: declaration.showsReview ? answer?.reviewComment ?? "" : "")))
        }
        for key in measures.keys { measures[key]!.sort { ($0.0, $0.1.position) < ($1.0, $1.1.position) } }
        let objectives = try await session.query("""
            SELECT o.id, o.code, coalesce(o.title->>$2, o.title->>'en', '') AS title,
                   coalesce(o.description->>$2, o.description->>'en', '') AS description, o.domain_id,
                   coalesce(dm.label->>$2, dm.label->>'en', '') AS domain_label,
                   a.score::float8 AS score, a.completion, a.planned_actions, a.review_status
            FROM objective_assessments a JOIN security_objectives o ON o.id = a.objective_id JOIN security_domains dm ON dm.id = o.domain_id
            WHERE a.declaration_id = $1 ORDER BY a.position
            """, declaration.id, language.rawValue).map { row in
            let id: UUID = try row.decode("id")
            let own = measures[id] ?? []
            var groups: [DeclarationDetail.LevelGroup] = []
            for (level, answer) in own {
                if groups.last?.level != level {
                    let info = levelInfo[level]
                    groups.append(DeclarationDetail.LevelGroup(level: level, label: info?.label.text(in: language) ?? "",
                                                               color: info?.color ?? "#FFFFFF", measures: []))
                }
                groups[groups.count - 1].measures.append(answer)
            }
            return DeclarationDetail.Objective(
                objectiveID: id, code: try row.decode("code"), title: try row.decode("title"), description: try row.decode("description"),
                domainID: try row.decode("domain_id"), domainLabel: try row.decode("domain_label"), score: try row.decode("score"),
                completion: ObjectiveCompletion(rawValue: try row.decode("completion")) ?? .notStarted,
                plannedActions: try row.decode("planned_actions"),
                reviewStatus: declaration.showsReview ? ObjectiveReviewStatus(rawValue: try row.decode("review_status")) : nil,
                measureCount: own.count, levels: groups)
        }
        return DeclarationDetail(declaration: declaration, language: language, levels: levels, maximumLevel: levels.map(\.level).max() ?? 0,
                                 objectives: objectives, editable: DeclarationEditability(declaration))
    }

    // MARK: Answers

    /// Changes one measure's answer: the operator's `isImplemented` and `justification` in a
    /// draft, the regulator's `reviewComment` under review. Recomputes the objective's score and
    /// completion; an operator's change sets a carried-over verdict on the objective back to
    /// "not reviewed". An answer left empty is removed.
    public func answer(_ principal: Principal, declarationID: UUID, measureID: UUID, _ change: MeasureAnswerChange, client: ClientInfo) async throws
        -> ObjectiveState {
        var validator = Validator()
        validator.check(change.isImplemented != nil || change.justification != nil || change.reviewComment != nil, "body", "empty",
                        "Give is_implemented, justification or review_comment.")
        let justification = change.justification.map(TextRules.trimmed)
        let reviewComment = change.reviewComment.map(TextRules.trimmed)
        validator.check((justification?.count ?? 0) <= Self.maximumText, "justification", "too_long", "At most \(Self.maximumText) characters.")
        validator.check((reviewComment?.count ?? 0) <= Self.maximumText, "review_comment", "too_long", "At most \(Self.maximumText) characters.")
        try validator.throwIfInvalid()
        return try await postgres.withTransaction { session in
            let caller = try await SecurityObjectivesGate.caller(principal, write: true, session: session)
            let declaration = try await DeclarationAccess.reachable(declarationID, caller, lock: true, session: session)
            let operatorChange = change.isImplemented != nil || change.justification != nil
            if operatorChange { try Self.requireAnswers(declaration) }
            if change.reviewComment != nil { try Self.requireReview(declaration) }
            guard let objectiveID = try await session.query("SELECT objective_id FROM security_measures WHERE id = $1 AND standard_id = $2",
                                                            measureID, declaration.standardID).first?.decode("objective_id", as: UUID.self) else {
                throw DomainError.notFound("No such measure in this declaration's standard.")
            }
            try await session.query("""
                INSERT INTO measure_answers (declaration_id, measure_id, is_implemented, justification, review_comment)
                VALUES ($1, $2, coalesce($3, false), coalesce($4, ''), coalesce($5, ''))
                ON CONFLICT (declaration_id, measure_id) DO UPDATE SET is_implemented = coalesce($3, measure_answers.is_implemented),
                    justification = coalesce($4, measure_answers.justification), review_comment = coalesce($5, measure_answers.review_comment),
                    updated_at = now()
                """, declarationID, measureID, change.isImplemented, justification, reviewComment)
            try await session.query("""
                DELETE FROM measure_answers WHERE declaration_id = $1 AND measure_id = $2 AND NOT is_implemented AND justification = '' AND review_comment = ''
                """, declarationID, measureID)
            return try await Self.recompute(declaration, objectiveID: objectiveID, resetReview: operatorChange, session: session)
        }
    }

    /// Changes one objective's assessment: the operator's planned actions in a draft (which sets
    /// a carried-over verdict back to "not reviewed"), the regulator's review status under review
    /// (which derives the declaration's status).
    public func assess(_ principal: Principal, declarationID: UUID, objectiveID: UUID, _ change: ObjectiveChange, client: ClientInfo) async throws
        -> ObjectiveState {
        var validator = Validator()
        validator.check(change.plannedActions != nil || change.reviewStatus != nil, "body", "empty", "Give planned_actions or review_status.")
        let actions = change.plannedActions.map(TextRules.trimmed)
        validator.check((actions?.count ?? 0) <= Self.maximumText, "planned_actions", "too_long", "At most \(Self.maximumText) characters.")
        try validator.throwIfInvalid()
        return try await postgres.withTransaction { session in
            let caller = try await SecurityObjectivesGate.caller(principal, write: true, session: session)
            let declaration = try await DeclarationAccess.reachable(declarationID, caller, lock: true, session: session)
            if actions != nil { try Self.requireAnswers(declaration) }
            if change.reviewStatus != nil { try Self.requireReview(declaration) }
            guard try await session.query("""
                UPDATE objective_assessments SET planned_actions = coalesce($3, planned_actions), review_status = coalesce($4, review_status)
                WHERE declaration_id = $1 AND objective_id = $2 RETURNING objective_id
                """, declarationID, objectiveID, actions, change.reviewStatus?.rawValue).count == 1 else {
                throw DomainError.notFound("No such objective in this declaration.")
            }
            if change.reviewStatus != nil {
                let reviews = try await session.query("SELECT review_status FROM objective_assessments WHERE declaration_id = $1", declarationID)
                    .map { ObjectiveReviewStatus(rawValue: try $0.decode("review_status")) ?? .notReviewed }
                try await session.query("UPDATE declarations SET status = $2 WHERE id = $1", declarationID,
                                        DeclarationRules.reviewedStatus(reviews).rawValue)
            }
            return try await Self.recompute(declaration, objectiveID: objectiveID, resetReview: actions != nil, session: session)
        }
    }

    /// - Throws: 403 for the regulator's side, 409 once the draft was submitted.
    static func requireAnswers(_ declaration: Declaration) throws {
        guard !declaration.seenByRegulator else { throw DomainError.forbidden("The operator answers; regulator staff review.") }
        guard declaration.storedStatus == .draft else {
            let versions = "POST /api/v1/declarations/\(declaration.id.postgresText)/versions"
            throw DomainError.conflict(declaration.storedStatus.isFinal
                ? "The verdict on this version was sent, so it is read-only: start its next version (\(versions)) and make the changes there."
                : "This version was submitted and is read-only while it is reviewed: once the verdict is sent, start its next version (\(versions)).")
        }
    }

    /// - Throws: 403 for the operator's side, 409 unless the declaration is under review.
    static func requireReview(_ declaration: Declaration) throws {
        guard declaration.seenByRegulator else { throw DomainError.forbidden("Only the standard's regulator reviews a declaration.") }
        guard declaration.storedStatus.isUnderReview else {
            throw DomainError.conflict("The verdict on this version was sent, so it is read-only; the operator's next version is reviewed when it is submitted.")
        }
    }

    /// Recomputes the score and completion of one objective and bumps the declaration's revision.
    static func recompute(_ declaration: Declaration, objectiveID: UUID, resetReview: Bool, session: PostgresSession) async throws -> ObjectiveState {
        let measures = try await session.query("""
            SELECT l.level, coalesce(a.is_implemented, false) AS is_implemented, coalesce(a.justification, '') AS justification
            FROM security_measures m JOIN maturity_levels l ON l.id = m.maturity_level_id
            LEFT JOIN measure_answers a ON a.declaration_id = $1 AND a.measure_id = m.id
            WHERE m.objective_id = $2
            """, declaration.id, objectiveID).map { row in
            DeclarationRules.MeasureState(level: try row.decode("level"), isImplemented: try row.decode("is_implemented"),
                                          justification: try row.decode("justification"))
        }
        let actions = try await session.query("SELECT planned_actions FROM objective_assessments WHERE declaration_id = $1 AND objective_id = $2",
                                              declaration.id, objectiveID).required().decode("planned_actions", as: String.self)
        let score = DeclarationRules.score(measures)
        let completion = DeclarationRules.completion(measures, plannedActions: actions)
        let row = try await session.query("""
            UPDATE objective_assessments SET score = $3, completion = $4,
                review_status = CASE WHEN $5 THEN 'notReviewed' ELSE review_status END
            WHERE declaration_id = $1 AND objective_id = $2 RETURNING review_status
            """, declaration.id, objectiveID, score, completion.rawValue, resetReview).required()
        try await session.query("UPDATE declarations SET revision = revision + 1, updated_at = now() WHERE id = $1", declaration.id)
        let reloaded = try await DeclarationAccess.reload(declaration.id, seenByRegulator: declaration.seenByRegulator, session: session)
        return ObjectiveState(objectiveID: objectiveID, score: score, completion: completion, plannedActions: actions,
                              reviewStatus: reloaded.showsReview ? ObjectiveReviewStatus(rawValue: try row.decode("review_status")) : nil,
                              declaration: reloaded)
    }

    // MARK: Submit and review

    /// Submits a draft whose every objective is complete and none still marked "revision
    /// required"; the standard's submission e-mail goes out.
    public func submit(_ principal: Principal, id: UUID, ifMatch: String?, client: ClientInfo) async throws -> Declaration {
        try await outbox.transaction { unit in
            let session = unit.session
            let caller = try await SecurityObjectivesGate.caller(principal, write: true, session: session)
            let declaration = try await DeclarationAccess.reachable(id, caller, lock: true, session: session)
            guard !declaration.seenByRegulator else { throw DomainError.forbidden("The operator submits its declaration.") }
            try Self.check(ifMatch, declaration)
            guard declaration.storedStatus == .draft else { throw DomainError.conflict("This version was already submitted.") }
            guard declaration.progress.isReadyToSubmit(declaration.storedStatus) else {
                let open = try await session.query("""
                    SELECT o.code, a.completion, a.review_status FROM objective_assessments a JOIN security_objectives o ON o.id = a.objective_id
                    WHERE a.declaration_id = $1 AND (a.completion <> 'complete' OR a.review_status = 'revisionRequired') ORDER BY a.position
                    """, id).map { row in
                    try row.decode("review_status", as: String.self) == "revisionRequired" && row.decode("completion", as: String.self) == "complete"
                        ? "\(try row.decode("code", as: String.self)) (still marked revision required: change it)" : try row.decode("code",
                            as: String.self)
                }
                throw DomainError.conflict("Not ready to submit: complete every objective first. Open: \(open.prefix(20).joined(separator: ", ")).")
            }
            try await session.query("""
                UPDATE declarations SET status = 'submitted', submitted_at = now(), submitted_by = $2, revision = revision + 1, updated_at = now()
                WHERE id = $1
                """, id, principal.userID)
            try await DeclarationAccess.record(.submitted, by: principal, regulatorSide: false, declarationID: id, operatorID: declaration.operatorID,
                                               session: session)
            try await Self.audit("declaration.submitted", principal, id: id, operatorID: declaration.operatorID, client: client, session: session)
            try await emails.send(.declarationSubmission, declarationID: id, unit: unit)
            try await Webhooks.publishDeclaration(.declarationSubmitted, declarationID: id, unit: unit)
            return try await DeclarationAccess.reload(id, seenByRegulator: false, session: session)
        }
    }

    /// Stores the regulator's overall comment without sending anything.
    public func comment(_ principal: Principal, id: UUID, comment: String, ifMatch: String?, client: ClientInfo) async throws -> Declaration {
        let text = TextRules.trimmed(comment)
        guard text.count <= Self.maximumText else {
            throw DomainError.validation([FieldError(field: "review_comment", code: "too_long", message: "At most \(Self.maximumText) characters.")])
        }
        return try await postgres.withTransaction { session in
            let caller = try await SecurityObjectivesGate.caller(principal, write: true, session: session)
            let declaration = try await DeclarationAccess.reachable(id, caller, lock: true, session: session)
            try Self.requireReview(declaration)
            try Self.check(ifMatch, declaration)
            try await session.query("UPDATE declarations SET review_comment = $2, revision = revision + 1, updated_at = now() WHERE id = $1", id, text)
            try await DeclarationAccess.record(.commented, by: principal, regulatorSide: true, declarationID: id, operatorID: declaration.operatorID,
                                               session: session)
            return try await DeclarationAccess.reload(id, seenByRegulator: true, session: session)
        }
    }

    /// Sends the verdict once every objective is reviewed: `passed` or `revisionRequired`, final
    /// for this version, with the overall comment (required) and the standard's review e-mail.
    public func sendReview(_ principal: Principal, id: UUID, comment: String, ifMatch: String?, client: ClientInfo) async throws -> Declaration {
        let text = TextRules.trimmed(comment)
        var validator = Validator()
        validator.check(!text.isEmpty, "review_comment", "required", "Write the overall comment the operator receives with the verdict.")
        validator.check(text.count <= Self.maximumText, "review_comment", "too_long", "At most \(Self.maximumText) characters.")
        try validator.throwIfInvalid()
        return try await outbox.transaction { unit in
            let session = unit.session
            let caller = try await SecurityObjectivesGate.caller(principal, write: true, session: session)
            let declaration = try await DeclarationAccess.reachable(id, caller, lock: true, session: session)
            try Self.requireReview(declaration)
            try Self.check(ifMatch, declaration)
            let verdict: DeclarationStatus
            switch declaration.storedStatus {
            case .passedPending: verdict = .passed
            case .revisionRequiredPending: verdict = .revisionRequired
            default:
                throw DomainError.conflict("Review every objective before sending the verdict "
                                           + "(\(declaration.progress.objectives - declaration.progress.reviewed) not reviewed yet).")
            }
            try await session.query("""
                UPDATE declarations SET status = $2, review_comment = $3, review_sent_at = now(), review_sent_by = $4, revision = revision + 1,
                    updated_at = now() WHERE id = $1
                """, id, verdict.rawValue, text, principal.userID)
            try await DeclarationAccess.record(.commented, by: principal, regulatorSide: true, declarationID: id, operatorID: declaration.operatorID,
                                               session: session)
            try await DeclarationAccess.record(.reviewSent, by: principal, regulatorSide: true, declarationID: id, operatorID: declaration.operatorID,
                                               session: session)
            try await Self.audit("declaration.review_sent", principal, id: id, operatorID: declaration.operatorID, client: client, session: session,
                                 details: "{\"status\": \"\(verdict.rawValue)\"}")
            try await emails.send(.declarationReview, declarationID: id, reviewStatus: verdict, unit: unit)
            try await Webhooks.publishDeclaration(.declarationReviewSent, declarationID: id, unit: unit)
            return try await DeclarationAccess.reload(id, seenByRegulator: true, session: session)
        }
    }

    /// - Throws: 428 without `If-Match`, 412 when it is not the declaration's current `ETag`.
    static func check(_ ifMatch: String?, _ declaration: Declaration) throws {
        try EntityTag.require(ifMatch, current: declaration.etag,
                              missing: "Send If-Match with the declaration's ETag, so a change made meanwhile is not overwritten.",
                              changed: "The declaration changed since you read it; read it again.")
    }

    // MARK: Versions and deletion

    /// Starts a new draft version of a declaration whose verdict was sent, carrying everything
    /// over: sectors, answers, planned actions, scores, completion, the verdicts per objective
    /// and the review comments (an objective still marked "revision required" blocks submission
    /// until the operator changes it).
    public func newVersion(_ principal: Principal, id: UUID, language: Language = .en, client: ClientInfo) async throws -> DeclarationDetail {
        try await postgres.withTransaction { session in
            let caller = try await SecurityObjectivesGate.caller(principal, write: true, session: session)
            let declaration = try await DeclarationAccess.reachable(id, caller, lock: true, session: session)
            guard !declaration.seenByRegulator else { throw DomainError.forbidden("The operator starts new versions of its declaration.") }
            guard declaration.storedStatus.isFinal else {
                throw DomainError.conflict("A new version starts from a version whose review was sent.")
            }
            let latest = try await session.query("SELECT max(version) AS version FROM declarations WHERE group_id = $1", declaration.groupID)
                .required().decode("version", as: Int.self)
            guard latest == declaration.version else {
                throw DomainError.conflict("Version \(latest) of this declaration exists already; continue from it.")
            }
            let newID = UUID()
            try await session.query("""
                INSERT INTO declarations (id, group_id, version, standard_id, regulator_id, operator_id, year, status, review_comment, created_by,
                                          creator_name, operator_name)
                SELECT $2, d.group_id, d.version + 1, d.standard_id, d.regulator_id, d.operator_id, d.year, 'draft', d.review_comment, u.id,
                       trim(u.first_name || ' ' || u.last_name), d.operator_name
                FROM declarations d, users u WHERE d.id = $1 AND u.id = $3
                """, id, newID, principal.userID)
            try await session.query("INSERT INTO declaration_sectors (declaration_id, sector_id) SELECT $2, sector_id FROM declaration_sectors WHERE declaration_id = $1",
                                    id, newID)
            try await session.query("""
                INSERT INTO objective_assessments (declaration_id, objective_id, position, score, completion, planned_actions, review_status)
                SELECT $2, objective_id, position, score, completion, planned_actions, review_status FROM objective_assessments WHERE declaration_id = $1
                """, id, newID)
            try await session.query("""
                INSERT INTO measure_answers (declaration_id, measure_id, is_implemented, justification, review_comment)
                SELECT $2, measure_id, is_implemented, justification, review_comment FROM measure_answers WHERE declaration_id = $1
                """, id, newID)
            try await DeclarationAccess.record(.created, by: principal, regulatorSide: false, declarationID: newID,
                                               operatorID: declaration.operatorID, session: session)
            try await Self.audit("declaration.version_created", principal, id: newID, operatorID: declaration.operatorID, client: client,
                                 session: session, details: "{\"from\": \"\(id.postgresText)\"}")
            return try await Self.detail(try await DeclarationAccess.reload(newID, seenByRegulator: false, session: session),
                                         language: language, session: session)
        }
    }

    /// Copies a declaration to another year or other sectors of the same operator: a new
    /// reference whose draft starts from the source's implemented measures (with their
    /// justifications) and planned actions, scores and completion recomputed, nothing reviewed.
    public func copy(_ principal: Principal, id: UUID, year: Int, sectorIDs: [UUID], language: Language = .en, client: ClientInfo) async throws
        -> DeclarationDetail {
        let sectorIDs = try checkedScope(year: year, sectorIDs: sectorIDs)
        return try await postgres.withTransaction { session in
            let caller = try await SecurityObjectivesGate.caller(principal, write: true, session: session)
            let source = try await DeclarationAccess.reachable(id, caller, lock: false, session: session)
            guard !source.seenByRegulator else { throw DomainError.forbidden("The operator copies its declarations.") }
            try await Self.checkSectors(sectorIDs, of: source.operatorID, session: session)
            let standard = try await StandardCatalogue.visible(source.standardID, caller, session: session)
            try await Self.refuseDuplicate(operatorID: source.operatorID, standardID: standard.id, year: year, sectorIDs: sectorIDs,
                                           session: session)
            let newID = try await Self.insert(groupOf: source.operatorID, standard: standard, year: year, sectorIDs: sectorIDs, principal: principal,
                                              status: .draft, session: session)
            try await session.query("""
                INSERT INTO measure_answers (declaration_id, measure_id, is_implemented, justification)
                SELECT $2, measure_id, true, justification FROM measure_answers WHERE declaration_id = $1 AND is_implemented
                """, id, newID)
            try await session.query("""
                UPDATE objective_assessments n SET planned_actions = o.planned_actions FROM objective_assessments o
                WHERE n.declaration_id = $2 AND o.declaration_id = $1 AND o.objective_id = n.objective_id
                """, id, newID)
            try await Self.recomputeAll(newID, standardID: source.standardID, session: session)
            try await DeclarationAccess.record(.copied, by: principal, regulatorSide: false, declarationID: id, operatorID: source.operatorID,
                                               session: session)
            try await DeclarationAccess.record(.created, by: principal, regulatorSide: false, declarationID: newID, operatorID: source.operatorID,
                                               session: session)
            try await Self.audit("declaration.copied", principal, id: newID, operatorID: source.operatorID, client: client, session: session,
                                 details: "{\"from\": \"\(id.postgresText)\"}")
            return try await Self.detail(try await DeclarationAccess.reload(newID, seenByRegulator: false, session: session), language: language,
                                         session: session)
        }
    }

    /// Recomputes the score and completion of every objective of a declaration at once (after a
    /// copy or an import).
    static func recomputeAll(_ declarationID: UUID, standardID: UUID, session: PostgresSession) async throws {
        var measures: [UUID: [DeclarationRules.MeasureState]] = [:]
        for row in try await session.query("""
            SELECT m.objective_id, l.level, coalesce(a.is_implemented, false) AS is_implemented, coalesce(a.justification, '') AS justification
            FROM security_measures m JOIN maturity_levels l ON l.id = m.maturity_level_id
            LEFT JOIN measure_answers a ON a.declaration_id = $1 AND a.measure_id = m.id
            WHERE m.standard_id = $2
            """, declarationID, standardID) {
            measures[try row.decode("objective_id"), default: []].append(DeclarationRules.MeasureState(
                level: try row.decode("level"), isImplemented: try row.decode("is_implemented"), justification: try row.decode("justification")))
        }
        var ids: [UUID] = [], scores: [Double] = [], completions: [String] = []
        for row in try await session.query("SELECT objective_id, planned_actions FROM objective_assessments WHERE declaration_id = $1",
                                           declarationID) {
            let objectiveID: UUID = try row.decode("objective_id")
            let own = measures[objectiveID] ?? []
            ids.append(objectiveID)
            scores.append(DeclarationRules.score(own))
            completions.append(DeclarationRules.completion(own, plannedActions: try row.decode("planned_actions")).rawValue)
        }
        try await session.query("""
            UPDATE objective_assessments a SET score = x.score, completion = x.completion
            FROM unnest($2::uuid[], $3::numeric[], $4::text[]) AS x(objective_id, score, completion)
            WHERE a.declaration_id = $1 AND a.objective_id = x.objective_id
            """, declarationID, ids, scores, completions)
    }

    /// Deletes one version: the operator's side a draft, the regulator's administrators any
    /// version they see. The group goes with its last version.
    public func delete(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await postgres.withTransaction { session in
            let caller = try await SecurityObjectivesGate.caller(principal, write: true, session: session)
            let declaration = try await DeclarationAccess.reachable(id, caller, lock: true, session: session)
            switch caller {
            case .operatorMember:
                guard declaration.storedStatus == .draft else {
                    throw DomainError.conflict("A submitted version stays; only drafts are deleted by the operator.")
                }
            case .regulator(_, let isAdministrator, _):
                guard isAdministrator else { throw DomainError.forbidden("Only the regulator's administrators delete declarations.") }
            }
            try await session.query("DELETE FROM documents WHERE id IN (SELECT id FROM declaration_documents WHERE declaration_id = $1)", id)
            try await session.query("DELETE FROM declarations WHERE id = $1", id)
            try await session.query("DELETE FROM declaration_groups g WHERE g.id = $1 AND NOT EXISTS (SELECT 1 FROM declarations d WHERE d.group_id = g.id)",
                                    declaration.groupID)
            try await Self.audit("declaration.deleted", principal, id: id, operatorID: declaration.operatorID, client: client, session: session,
                                 details: "{\"reference\": \(AuditLog.jsonString(declaration.reference)), \"version\": \(declaration.version)}")
        }
    }

    static func audit(_ action: String, _ principal: Principal, id: UUID, operatorID: UUID, client: ClientInfo, session: PostgresSession,
                      details: String = "{}") async throws {
        try await AuditLog.record(AuditEvent(action, by: principal, objectType: "declaration", objectID: id, organisation: .operator(operatorID),
                                             client: client, details: details), in: session)
    }
}
