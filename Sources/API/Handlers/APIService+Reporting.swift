import Domain
import Foundation
import OpenAPIRuntime

/// The reporting module's operations.
extension APIService {
    private var reporting: ReportingModule { platform.reporting }

    // MARK: Risk analyses

    func importRiskAnalysis(_ input: Operations.ImportRiskAnalysis.Input) async throws -> Operations.ImportRiskAnalysis.Output {
        guard case .multipartForm(let parts) = input.body else { throw Problem.malformedBody("Send a multipart/form-data body.") }
        let principal = try await principal()
        try await reporting.riskAnalyses.authoriseImport(principal)
        // Read within IMPORT_MAX_BYTES (the body limit middleware checked the declared length only).
        let limit = platform.configuration.importMaxBytes
        var file = Data()
        var fileName: String?
        var operatorID: String?
        var sectorIDs: [String] = []
        var year: String?
        do {
            for try await part in parts {
                switch part {
                case .file(let part):
                    file = try await self.upload(part.payload.body, limit: limit).bytes()
                    fileName = part.filename
                case .operatorId(let part): operatorID = try await Self.text(part.payload.body)
                case .sectorIds(let part): sectorIDs.append(try await Self.text(part.payload.body))
                case .year(let part): year = try await Self.text(part.payload.body)
                case .undocumented(let part):
                    // Parts the form does not name are read past, not kept.
                    _ = try await self.upload(part.body, limit: limit).bytes()
                }
            }
        } catch let error as DomainError {
            throw error
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem.malformedBody("The multipart body could not be read (\(error))")
        }
        guard let yearValue = year.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw DomainError.validation([FieldError(field: "year", code: "invalid", message: "year must be a whole number.")])
        }
        let upload = RiskAnalysisUpload(
            operatorID: try Self.uuid(field: "operator_id")(operatorID ?? ""), sectorIDs: try sectorIDs.map(Self.uuid(field: "sector_ids")),
            year: yearValue, fileName: fileName, file: file)
        switch try await reporting.riskAnalyses.importFile(principal, upload, client: RequestInfo.current.client) {
        case .done(let result): return .created(.init(body: .json(.init(result, responseLanguage()))))
        case .queued(let job): return .accepted(.init(body: .json(try Self.located(job))))
        }
    }

    func getRiskAnalysisImport(_ input: Operations.GetRiskAnalysisImport.Input) async throws -> Operations.GetRiskAnalysisImport.Output {
        switch try await reporting.riskAnalyses.result(try await principal(), id: try Self.pathID(input.path.importId, "import")) {
        case .done(let result): return .ok(.init(body: .json(.init(result, responseLanguage()))))
        case .queued(let job): return .accepted(.init(body: .json(try Self.located(job))))
        }
    }

    func listRiskAnalyses(_ input: Operations.ListRiskAnalyses.Input) async throws -> Operations.ListRiskAnalyses.Output {
        let query = input.query
        let limit = query.limit ?? 50
        let filter = RiskAnalysisFilter(operatorID: try query.operatorId.map(Self.uuid(field: "operator_id")),
                                        sectorID: try query.sectorId.map(Self.uuid(field: "sector_id")), year: query.year)
        let page = try await reporting.riskAnalyses.list(try await principal(), filter: filter, limit: limit, cursor: query.cursor)
        linkNext("/api/v1/risk-analyses", limit: limit, cursor: page.nextCursor, query: [
            ("operator_id", query.operatorId), ("sector_id", query.sectorId), ("year", query.year.map(String.init)),
        ])
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: page.items.map { .init($0, language) }, nextCursor: page.nextCursor))))
    }

    func getRiskAnalysis(_ input: Operations.GetRiskAnalysis.Input) async throws -> Operations.GetRiskAnalysis.Output {
        let analysis = try await reporting.riskAnalyses.find(try await principal(), id: try Self.pathID(input.path.analysisId, "risk analysis"))
        return .ok(.init(body: .json(.init(analysis, responseLanguage()))))
    }

    func deleteRiskAnalysis(_ input: Operations.DeleteRiskAnalysis.Input) async throws -> Operations.DeleteRiskAnalysis.Output {
        try await reporting.riskAnalyses.delete(try await principal(), id: try Self.pathID(input.path.analysisId, "risk analysis"),
                                                client: RequestInfo.current.client)
        return .noContent(.init())
    }

    /// A short text part of a form (an id, a number).
    static func text(_ body: HTTPBody) async throws -> String {
        String(decoding: try await Data(collecting: body, upTo: 1_024), as: UTF8.self)
    }
}

// MARK: Observations

extension APIService {
    private var observations: Observations { platform.reporting.observations }

    func listCatalogueObservations(_ input: Operations.ListCatalogueObservations.Input) async throws -> Operations.ListCatalogueObservations.Output {
        let query = input.query
        let limit = query.limit ?? 50
        let page = try await observations.catalogue(try await principal(), sectorID: try query.sectorId.map(Self.uuid(field: "sector_id")),
                                                    search: query.q, limit: limit, cursor: query.cursor)
        linkNext("/api/v1/observation-catalogue", limit: limit, cursor: page.nextCursor, query: [("sector_id", query.sectorId), ("q", query.q)])
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: page.items.map { .init($0, language) }, nextCursor: page.nextCursor))))
    }

    func createCatalogueObservation(_ input: Operations.CreateCatalogueObservation.Input) async throws
        -> Operations.CreateCatalogueObservation.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let entry = try await observations.save(try await principal(), id: nil, try CatalogueObservationInput(body), client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(entry, responseLanguage()))))
    }

    func exportObservationCatalogue(_ input: Operations.ExportObservationCatalogue.Input) async throws
        -> Operations.ExportObservationCatalogue.Output {
        let data = try await observations.export(try await principal())
        RequestInfo.current.responseHeaders.add(.contentDisposition, "attachment; filename=\"observation-catalogue.csv\"")
        return .ok(.init(body: .csv(HTTPBody(data))))
    }

    func importObservationCatalogue(_ input: Operations.ImportObservationCatalogue.Input) async throws
        -> Operations.ImportObservationCatalogue.Output {
        guard case .csv(let body) = input.body else { throw Problem.malformedBody("Send a text/csv body.") }
        let report = try await observations.importCSV(try await principal(), file: upload(body), dryRun: input.query.dryRun ?? false,
                                                      client: RequestInfo.current.client)
        return .ok(.init(body: .json(try .init(report))))
    }

    func getCatalogueObservation(_ input: Operations.GetCatalogueObservation.Input) async throws -> Operations.GetCatalogueObservation.Output {
        let entry = try await observations.entry(try await principal(), id: try Self.pathID(input.path.observationId, "observation"))
        return .ok(.init(body: .json(.init(entry, responseLanguage()))))
    }

    func replaceCatalogueObservation(_ input: Operations.ReplaceCatalogueObservation.Input) async throws
        -> Operations.ReplaceCatalogueObservation.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let entry = try await observations.save(try await principal(), id: try Self.pathID(input.path.observationId, "observation"),
                                                try CatalogueObservationInput(body), client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(entry, responseLanguage()))))
    }

    func deleteCatalogueObservation(_ input: Operations.DeleteCatalogueObservation.Input) async throws
        -> Operations.DeleteCatalogueObservation.Output {
        try await observations.delete(try await principal(), id: try Self.pathID(input.path.observationId, "observation"),
                                      client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func getOperatorObservations(_ input: Operations.GetOperatorObservations.Input) async throws -> Operations.GetOperatorObservations.Output {
        let path = input.path
        let result = try await observations.forOperator(try await principal(), operatorID: try Self.pathID(path.operatorId, "operator"),
                                                        sectorID: try Self.pathID(path.sectorId, "sector"), year: path.year)
        return .ok(.init(body: .json(.init(result, responseLanguage()))))
    }

    func replaceOperatorObservations(_ input: Operations.ReplaceOperatorObservations.Input) async throws
        -> Operations.ReplaceOperatorObservations.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let path = input.path
        let result = try await observations.replace(
            try await principal(), operatorID: try Self.pathID(path.operatorId, "operator"), sectorID: try Self.pathID(path.sectorId, "sector"),
            year: path.year, comment: body.comment ?? "", observationIDs: try body.observationIds.map(Self.uuid(field: "observation_ids")),
            client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(result, responseLanguage()))))
    }

    func copyPreviousYearObservations(_ input: Operations.CopyPreviousYearObservations.Input) async throws
        -> Operations.CopyPreviousYearObservations.Output {
        let path = input.path
        let result = try await observations.copyPreviousYear(
            try await principal(), operatorID: try Self.pathID(path.operatorId, "operator"), sectorID: try Self.pathID(path.sectorId, "sector"),
            year: path.year, client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(result, responseLanguage()))))
    }
}

// MARK: Projects

extension APIService {
    private var projects: ReportingProjects { platform.reporting.projects }

    func listReportingProjects(_ input: Operations.ListReportingProjects.Input) async throws -> Operations.ListReportingProjects.Output {
        let query = input.query
        let limit = query.limit ?? 50
        let page = try await projects.list(try await principal(), referenceYear: query.referenceYear,
                                           sectorID: try query.sectorId.map(Self.uuid(field: "sector_id")),
                                           standardID: try query.standardId.map(Self.uuid(field: "standard_id")), search: query.q, limit: limit,
                                           cursor: query.cursor)
        linkNext("/api/v1/reporting-projects", limit: limit, cursor: page.nextCursor, query: [
            ("reference_year", query.referenceYear.map(String.init)), ("sector_id", query.sectorId), ("standard_id", query.standardId), ("q", query.q),
        ])
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: page.items.map { .init($0, language) }, nextCursor: page.nextCursor))))
    }

    func createReportingProject(_ input: Operations.CreateReportingProject.Input) async throws -> Operations.CreateReportingProject.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let project = try await projects.create(try await principal(), try ReportingProjectInput(body), client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(project, responseLanguage()))))
    }

    func getReportingProject(_ input: Operations.GetReportingProject.Input) async throws -> Operations.GetReportingProject.Output {
        let project = try await projects.project(try await principal(), id: try Self.pathID(input.path.projectId, "project"))
        return .ok(.init(body: .json(.init(project, responseLanguage()))))
    }

    func updateReportingProject(_ input: Operations.UpdateReportingProject.Input) async throws -> Operations.UpdateReportingProject.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let project = try await projects.update(try await principal(), id: try Self.pathID(input.path.projectId, "project"),
                                                try ReportingProjectInput(body), client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(project, responseLanguage()))))
    }

    func deleteReportingProject(_ input: Operations.DeleteReportingProject.Input) async throws -> Operations.DeleteReportingProject.Output {
        try await projects.delete(try await principal(), id: try Self.pathID(input.path.projectId, "project"), client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func copyReportingProject(_ input: Operations.CopyReportingProject.Input) async throws -> Operations.CopyReportingProject.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let project = try await projects.copy(try await principal(), id: try Self.pathID(input.path.projectId, "project"), name: body.name,
                                              client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(project, responseLanguage()))))
    }

    func listReportingProjectEntries(_ input: Operations.ListReportingProjectEntries.Input) async throws
        -> Operations.ListReportingProjectEntries.Output {
        let query = input.query
        let limit = query.limit ?? 50
        let filter = ProjectEntryFilter(sectorID: try query.sectorId.map(Self.uuid(field: "sector_id")), year: query.year, search: query.q,
                                        selected: query.selected)
        let path = "/api/v1/reporting-projects/\(input.path.projectId)/entries"
        let page = try await projects.entries(try await principal(), projectID: try Self.pathID(input.path.projectId, "project"), filter: filter,
                                              limit: limit, cursor: query.cursor)
        linkNext(path, limit: limit, cursor: page.nextCursor, query: [
            ("sector_id", query.sectorId), ("year", query.year.map(String.init)), ("q", query.q), ("selected", query.selected.map(String.init)),
        ])
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(
            items: page.items.map {
                .init(operatorId: $0.operatorID.apiString, operatorName: $0.operatorName, sectorId: $0.sectorID.apiString,
                      sectorName: $0.sectorName.text(in: language), year: $0.year, selected: $0.selected,
                      hasSecurityObjectives: $0.hasSecurityObjectives, hasRiskAnalysis: $0.hasRiskAnalysis)
            }, allSelected: page.allSelected, total: page.total, nextCursor: page.nextCursor))))
    }

    func selectReportingProjectEntries(_ input: Operations.SelectReportingProjectEntries.Input) async throws
        -> Operations.SelectReportingProjectEntries.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let entries = try body.entries.map { entries in
            try entries.map {
                DeclarationCoverage.Key(operatorID: try Self.uuid(field: "entries.operator_id")($0.operatorId),
                                        sectorID: try Self.uuid(field: "entries.sector_id")($0.sectorId), year: $0.year)
            }
        }
        let filter = try body.filter.map {
            ProjectEntryFilter(sectorID: try $0.sectorId.map(Self.uuid(field: "filter.sector_id")), year: $0.year, search: $0.q, selected: $0.selected)
        }
        let changed = try await projects.select(try await principal(), projectID: try Self.pathID(input.path.projectId, "project"),
                                                selected: body.selected, entries: entries, filter: filter, client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(changed: changed))))
    }
}

// MARK: Report configuration and generation

extension APIService {
    private var configurations: ReportConfigurations { platform.reporting.configurations }
    private var generations: ReportGenerations { platform.reporting.generations }

    func getReportConfiguration(_ input: Operations.GetReportConfiguration.Input) async throws -> Operations.GetReportConfiguration.Output {
        let configuration = try await configurations.find(try await principal(), standardID: try Self.pathID(input.path.standardId, "standard"))
        return .ok(.init(body: .json(try .init(configuration))))
    }

    func saveReportConfiguration(_ input: Operations.SaveReportConfiguration.Input) async throws -> Operations.SaveReportConfiguration.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let configuration = try await configurations.save(try await principal(), standardID: try Self.pathID(input.path.standardId, "standard"),
                                                          try ReportConfigurationInput(body), client: RequestInfo.current.client)
        return .ok(.init(body: .json(try .init(configuration))))
    }

    func resetReportConfiguration(_ input: Operations.ResetReportConfiguration.Input) async throws -> Operations.ResetReportConfiguration.Output {
        try await configurations.reset(try await principal(), standardID: try Self.pathID(input.path.standardId, "standard"),
                                       client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func getReportLogo(_ input: Operations.GetReportLogo.Input) async throws -> Operations.GetReportLogo.Output {
        let logo = try await configurations.logo(try await principal(), standardID: try Self.pathID(input.path.standardId, "standard"))
        return .ok(.init(body: .png(HTTPBody(logo))))
    }

    func setReportLogo(_ input: Operations.SetReportLogo.Input) async throws -> Operations.SetReportLogo.Output {
        guard case .png(let body) = input.body else { throw Problem.malformedBody("Send an image/png body.") }
        // Read within the body limit; the domain refuses a logo over its own size with a 422.
        let configuration = try await configurations.setLogo(try await principal(), standardID: try Self.pathID(input.path.standardId, "standard"),
                                                             png: upload(body, limit: platform.configuration.maxBodyBytes),
                                                             client: RequestInfo.current.client)
        return .ok(.init(body: .json(try .init(configuration))))
    }

    func deleteReportLogo(_ input: Operations.DeleteReportLogo.Input) async throws -> Operations.DeleteReportLogo.Output {
        try await configurations.deleteLogo(try await principal(), standardID: try Self.pathID(input.path.standardId, "standard"),
                                            client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func startReportGeneration(_ input: Operations.StartReportGeneration.Input) async throws -> Operations.StartReportGeneration.Output {
        let witness = Idempotency.Witness()
        let generation = try await generations.start(try await principal(), projectID: try Self.pathID(input.path.projectId, "project"),
                                                     idempotencyKey: input.headers.idempotencyKey, witness: witness,
                                                     client: RequestInfo.current.client)
        Self.stateReplay(witness)
        // Set here rather than through the generated headers, which percent-encode values.
        RequestInfo.current.responseHeaders.add(.location, "/api/v1/reporting-generations/\(generation.id.apiString)")
        return .accepted(.init(body: .json(try .init(generation))))
    }

    func listReportGenerations(_ input: Operations.ListReportGenerations.Input) async throws -> Operations.ListReportGenerations.Output {
        let limit = input.query.limit ?? 50
        let page = try await generations.list(try await principal(), projectID: try Self.pathID(input.path.projectId, "project"), limit: limit,
                                              cursor: input.query.cursor)
        linkNext("/api/v1/reporting-projects/\(input.path.projectId)/generations", limit: limit, cursor: page.nextCursor, query: [])
        return .ok(.init(body: .json(.init(items: try page.items.map(Components.Schemas.ReportGeneration.init), nextCursor: page.nextCursor))))
    }

    func getReportGeneration(_ input: Operations.GetReportGeneration.Input) async throws -> Operations.GetReportGeneration.Output {
        let generation = try await generations.find(try await principal(), id: try Self.pathID(input.path.generationId, "generation"))
        return .ok(.init(body: .json(try .init(generation))))
    }

    func cancelReportGeneration(_ input: Operations.CancelReportGeneration.Input) async throws -> Operations.CancelReportGeneration.Output {
        let generation = try await generations.cancel(try await principal(), id: try Self.pathID(input.path.generationId, "generation"),
                                                      client: RequestInfo.current.client)
        return .ok(.init(body: .json(try .init(generation))))
    }

    func downloadReportArtefact(_ input: Operations.DownloadReportArtefact.Input) async throws -> Operations.DownloadReportArtefact.Output {
        let document = try await generations.artefact(try await principal(), id: try Self.pathID(input.path.generationId, "generation"),
                                                      client: RequestInfo.current.client)
        Self.attachment(document.filename)
        return .ok(.init(body: document.contentType == "application/zip" ? .applicationZip(HTTPBody(document.content)) : .pdf(HTTPBody(document.content))))
    }
}
