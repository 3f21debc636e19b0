import Domain
import Foundation
import OpenAPIRuntime

extension APIService {
    private var securityObjectives: SecurityObjectivesModule { platform.securityObjectives }

    // MARK: Standards

    func listStandards(_ input: Operations.ListStandards.Input) async throws -> Operations.ListStandards.Output {
        let standards = try await securityObjectives.standards.standards(try await principal())
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: standards.map { .init($0, language) }))))
    }

    func createStandard(_ input: Operations.CreateStandard.Input) async throws -> Operations.CreateStandard.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let standard = try await securityObjectives.standards.save(try await principal(), id: nil, try StandardInput(body),
                                                                   client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(standard, responseLanguage()))))
    }

    func getStandard(_ input: Operations.GetStandard.Input) async throws -> Operations.GetStandard.Output {
        let standard = try await securityObjectives.standards.standard(try await principal(), id: try Self.pathID(input.path.standardId, "standard"))
        return .ok(.init(body: .json(.init(standard, responseLanguage()))))
    }

    func replaceStandard(_ input: Operations.ReplaceStandard.Input) async throws -> Operations.ReplaceStandard.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let standard = try await securityObjectives.standards.save(try await principal(), id: try Self.pathID(input.path.standardId, "standard"),
                                                                   try StandardInput(body), client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(standard, responseLanguage()))))
    }

    func deleteStandard(_ input: Operations.DeleteStandard.Input) async throws -> Operations.DeleteStandard.Output {
        try await securityObjectives.standards.delete(try await principal(), id: try Self.pathID(input.path.standardId, "standard"),
                                                      client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func getStandardTree(_ input: Operations.GetStandardTree.Input) async throws -> Operations.GetStandardTree.Output {
        let tree = try await securityObjectives.standards.tree(try await principal(), id: try Self.pathID(input.path.standardId, "standard"))
        return .ok(.init(body: .json(.init(tree, responseLanguage()))))
    }

    func replaceStandardContent(_ input: Operations.ReplaceStandardContent.Input) async throws -> Operations.ReplaceStandardContent.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let tree = try await securityObjectives.standards.replaceContent(try await principal(),
                                                                         id: try Self.pathID(input.path.standardId, "standard"),
                                                                         StandardContent(body), client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(tree, responseLanguage()))))
    }

    func copyStandard(_ input: Operations.CopyStandard.Input) async throws -> Operations.CopyStandard.Output {
        let standard = try await securityObjectives.standards.copy(try await principal(), id: try Self.pathID(input.path.standardId, "standard"),
                                                                   client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(standard, responseLanguage()))))
    }

    func exportStandardSheet(_ input: Operations.ExportStandardSheet.Input) async throws -> Operations.ExportStandardSheet.Output {
        let sheet = try StandardSheet(mirroring: input.query.sheet)
        let language = input.query.language.flatMap { Language(rawValue: $0.rawValue) } ?? .en
        let format = input.query.format.flatMap { SheetFormat(rawValue: $0.rawValue) } ?? .csv
        let id = try Self.pathID(input.path.standardId, "standard")
        let data = try await securityObjectives.standards.export(try await principal(), id: id, sheet: sheet, language: language, format: format)
        RequestInfo.current.responseHeaders.add(.contentDisposition,
                                                "attachment; filename=\"standard_\(id.apiString)_\(sheet.rawValue)_\(language.rawValue).\(format.rawValue)\"")
        switch format {
        case .csv: return .ok(.init(body: .csv(HTTPBody(data))))
        case .xlsx: return .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(HTTPBody(data))))
        }
    }

    func importStandardSheet(_ input: Operations.ImportStandardSheet.Input) async throws -> Operations.ImportStandardSheet.Output {
        let (body, format): (HTTPBody, SheetFormat) = switch input.body {
        case .csv(let body): (body, .csv)
        case .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(let body): (body, .xlsx)
        }
        let outcome = try await securityObjectives.imports.importSheet(
            try await principal(), standardID: try Self.pathID(input.path.standardId, "standard"),
            sheet: try StandardSheet(mirroring: input.query.sheet),
            language: input.query.language.flatMap { Language(rawValue: $0.rawValue) } ?? .en, file: upload(body), format: format,
            dryRun: input.query.dryRun ?? false, client: RequestInfo.current.client)
        switch outcome {
        case .done(let report): return .ok(.init(body: .json(try .init(report))))
        case .queued(let job): return .accepted(.init(body: .json(try Self.located(job))))
        }
    }

    func getStandardImport(_ input: Operations.GetStandardImport.Input) async throws -> Operations.GetStandardImport.Output {
        switch try await securityObjectives.imports.result(try await principal(), id: try Self.pathID(input.path.importId, "import")) {
        case .done(let report): return .ok(.init(body: .json(try .init(report))))
        case .queued(let job): return .accepted(.init(body: .json(try Self.located(job))))
        }
    }

    // MARK: Declarations

    func listDeclarations(_ input: Operations.ListDeclarations.Input) async throws -> Operations.ListDeclarations.Output {
        let query = input.query
        let limit = query.limit ?? 50
        let filter = DeclarationFilter(
            standardID: try query.standardId.map(Self.uuid(field: "standard_id")), status: query.status.flatMap { DeclarationStatus(rawValue: $0.rawValue) },
            year: query.year, sectorID: try query.sectorId.map(Self.uuid(field: "sector_id")),
            operatorID: try query.operatorId.map(Self.uuid(field: "operator_id")), search: query.q)
        let sort = query.sort.flatMap { DeclarationSort(rawValue: $0.rawValue) } ?? .newest
        let page = try await securityObjectives.query.list(try await principal(), filter: filter, sort: sort, limit: limit, cursor: query.cursor)
        linkNext("/api/v1/declarations", limit: limit, cursor: page.nextCursor, query: [
            ("standard_id", query.standardId), ("status", query.status?.rawValue), ("year", query.year.map(String.init)),
            ("sector_id", query.sectorId), ("operator_id", query.operatorId), ("q", query.q), ("sort", query.sort?.rawValue),
        ])
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: try page.items.map { try .init($0, language) }, nextCursor: page.nextCursor))))
    }

    func createDeclaration(_ input: Operations.CreateDeclaration.Input) async throws -> Operations.CreateDeclaration.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let witness = Idempotency.Witness()
        let detail = try await securityObjectives.declarations.create(
            try await principal(), DeclarationInput(standardID: try Self.uuid(field: "standard_id")(body.standardId),
                                                    operatorID: try body.operatorId.map(Self.uuid(field: "operator_id")), year: body.year,
                                                    sectorIDs: try body.sectorIds.map(Self.uuid(field: "sector_ids"))),
            idempotencyKey: input.headers.idempotencyKey, witness: witness, language: responseLanguage(), client: RequestInfo.current.client)
        Self.stateReplay(witness)
        RequestInfo.current.responseHeaders.add(.eTag, detail.declaration.etag)
        return .created(.init(body: .json(try .init(detail, responseLanguage()))))
    }

    func importDeclaration(_ input: Operations.ImportDeclaration.Input) async throws -> Operations.ImportDeclaration.Output {
        let body: HTTPBody = switch input.body {
        case .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(let body), .binary(let body): body
        }
        let query = input.query
        let (detail, rows) = try await securityObjectives.declarations.importWorkbook(
            try await principal(), standardID: try Self.uuid(field: "standard_id")(query.standardId),
            operatorID: try Self.uuid(field: "operator_id")(query.operatorId), year: query.year,
            sectorIDs: try query.sectorIds.map(Self.uuid(field: "sector_ids")), file: upload(body),
            language: responseLanguage(), client: RequestInfo.current.client)
        RequestInfo.current.responseHeaders.add(.eTag, detail.declaration.etag)
        return .created(.init(body: .json(.init(declaration: try .init(detail, responseLanguage()), rows: try rows.map {
            .init(line: $0.line, key: $0.key, outcome: try .init(mirroring: $0.outcome), reason: $0.reason)
        }))))
    }

    func getDeclaration(_ input: Operations.GetDeclaration.Input) async throws -> Operations.GetDeclaration.Output {
        let detail = try await securityObjectives.declarations.declaration(try await principal(),
                                                                           id: try Self.pathID(input.path.declarationId, "declaration"),
                                                                           language: responseLanguage())
        RequestInfo.current.responseHeaders.add(.eTag, detail.declaration.etag)
        return .ok(.init(body: .json(try .init(detail, responseLanguage()))))
    }

    func deleteDeclaration(_ input: Operations.DeleteDeclaration.Input) async throws -> Operations.DeleteDeclaration.Output {
        try await securityObjectives.declarations.delete(try await principal(), id: try Self.pathID(input.path.declarationId, "declaration"),
                                                         client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func answerMeasure(_ input: Operations.AnswerMeasure.Input) async throws -> Operations.AnswerMeasure.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let state = try await securityObjectives.declarations.answer(
            try await principal(), declarationID: try Self.pathID(input.path.declarationId, "declaration"),
            measureID: try Self.pathID(input.path.measureId, "measure"),
            MeasureAnswerChange(isImplemented: body.isImplemented, justification: body.justification, reviewComment: body.reviewComment),
            client: RequestInfo.current.client)
        RequestInfo.current.responseHeaders.add(.eTag, state.declaration.etag)
        return .ok(.init(body: .json(try .init(state, responseLanguage()))))
    }

    func assessObjective(_ input: Operations.AssessObjective.Input) async throws -> Operations.AssessObjective.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let state = try await securityObjectives.declarations.assess(
            try await principal(), declarationID: try Self.pathID(input.path.declarationId, "declaration"),
            objectiveID: try Self.pathID(input.path.objectiveId, "objective"),
            ObjectiveChange(plannedActions: body.plannedActions,
                            reviewStatus: body.reviewStatus.flatMap { ObjectiveReviewStatus(rawValue: $0.rawValue) }),
            client: RequestInfo.current.client)
        RequestInfo.current.responseHeaders.add(.eTag, state.declaration.etag)
        return .ok(.init(body: .json(try .init(state, responseLanguage()))))
    }

    func submitDeclaration(_ input: Operations.SubmitDeclaration.Input) async throws -> Operations.SubmitDeclaration.Output {
        let declaration = try await securityObjectives.declarations.submit(
            try await principal(), id: try Self.pathID(input.path.declarationId, "declaration"), ifMatch: input.headers.ifMatch,
            client: RequestInfo.current.client)
        RequestInfo.current.responseHeaders.add(.eTag, declaration.etag)
        return .ok(.init(body: .json(try .init(declaration, responseLanguage()))))
    }

    func commentDeclaration(_ input: Operations.CommentDeclaration.Input) async throws -> Operations.CommentDeclaration.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let declaration = try await securityObjectives.declarations.comment(
            try await principal(), id: try Self.pathID(input.path.declarationId, "declaration"), comment: body.reviewComment,
            ifMatch: input.headers.ifMatch, client: RequestInfo.current.client)
        RequestInfo.current.responseHeaders.add(.eTag, declaration.etag)
        return .ok(.init(body: .json(try .init(declaration, responseLanguage()))))
    }

    func sendDeclarationReview(_ input: Operations.SendDeclarationReview.Input) async throws -> Operations.SendDeclarationReview.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let declaration = try await securityObjectives.declarations.sendReview(
            try await principal(), id: try Self.pathID(input.path.declarationId, "declaration"), comment: body.reviewComment,
            ifMatch: input.headers.ifMatch, client: RequestInfo.current.client)
        RequestInfo.current.responseHeaders.add(.eTag, declaration.etag)
        return .ok(.init(body: .json(try .init(declaration, responseLanguage()))))
    }

    func listDeclarationVersions(_ input: Operations.ListDeclarationVersions.Input) async throws -> Operations.ListDeclarationVersions.Output {
        let versions = try await securityObjectives.query.versions(try await principal(),
                                                                   id: try Self.pathID(input.path.declarationId, "declaration"))
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: try versions.map { try .init($0, language) }))))
    }

    func createDeclarationVersion(_ input: Operations.CreateDeclarationVersion.Input) async throws -> Operations.CreateDeclarationVersion.Output {
        let detail = try await securityObjectives.declarations.newVersion(try await principal(),
                                                                          id: try Self.pathID(input.path.declarationId, "declaration"),
                                                                          language: responseLanguage(), client: RequestInfo.current.client)
        RequestInfo.current.responseHeaders.add(.eTag, detail.declaration.etag)
        return .created(.init(body: .json(try .init(detail, responseLanguage()))))
    }

    func copyDeclaration(_ input: Operations.CopyDeclaration.Input) async throws -> Operations.CopyDeclaration.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let detail = try await securityObjectives.declarations.copy(
            try await principal(), id: try Self.pathID(input.path.declarationId, "declaration"), year: body.year,
            sectorIDs: try body.sectorIds.map(Self.uuid(field: "sector_ids")), language: responseLanguage(), client: RequestInfo.current.client)
        RequestInfo.current.responseHeaders.add(.eTag, detail.declaration.etag)
        return .created(.init(body: .json(try .init(detail, responseLanguage()))))
    }

    func getDeclarationAccessLog(_ input: Operations.GetDeclarationAccessLog.Input) async throws -> Operations.GetDeclarationAccessLog.Output {
        let limit = input.query.limit ?? 50
        let page = try await securityObjectives.query.accessLog(try await principal(), id: try Self.pathID(input.path.declarationId, "declaration"),
                                                                limit: limit, cursor: input.query.cursor)
        linkNext("/api/v1/declarations/\(input.path.declarationId)/access-log", limit: limit, cursor: page.nextCursor, query: [])
        return .ok(.init(body: .json(.init(items: try page.items.map(Components.Schemas.DeclarationAccessLogEntry.init),
                                           nextCursor: page.nextCursor))))
    }

    func getDeclarationPDF(_ input: Operations.GetDeclarationPDF.Input) async throws -> Operations.GetDeclarationPDF.Output {
        let outcome = try await securityObjectives.documents.pdf(try await principal(),
                                                                 declarationID: try Self.pathID(input.path.declarationId, "declaration"),
                                                                 language: responseLanguage())
        return try Self.answer(outcome, file: { .ok(.init(body: .pdf(HTTPBody($0.content)))) }, job: { .accepted(.init(body: .json($0))) })
    }
}
