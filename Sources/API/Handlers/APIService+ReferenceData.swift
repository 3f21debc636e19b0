import Domain
import Foundation

extension APIService {
    // MARK: Helpers shared by the governance handlers

    /// A path id; anything but a UUID names nothing, so it answers 404.
    static func pathID(_ text: String, _ noun: String) throws -> UUID {
        guard let id = UUID(uuidString: text) else { throw DomainError.notFound("No such \(noun).") }
        return id
    }

    /// The language of translated texts in this response; announced in `Content-Language`.
    func responseLanguage() -> Language {
        let language = RequestInfo.current.language
        RequestInfo.current.responseHeaders.add(.contentLanguage, language.rawValue)
        return language
    }

    /// Says `Idempotent-Replayed: true` when the call answered with an earlier call's result.
    static func stateReplay(_ witness: Idempotency.Witness) {
        if witness.replayed { RequestInfo.current.responseHeaders.add(.idempotentReplayed, "true") }
    }

    /// Adds the `Link: <...>; rel="next"` header of a page.
    func linkNext(_ path: String, limit: Int, cursor: String?, query: [(String, String?)]) {
        guard let cursor else { return }
        var components = URLComponents()
        components.path = path
        components.queryItems = [URLQueryItem(name: "limit", value: String(limit)), URLQueryItem(name: "cursor", value: cursor)]
            + query.compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        RequestInfo.current.responseHeaders.add(.link, "<\(components.string ?? "")>; rel=\"next\"")
    }

    // MARK: Sectors

    func listSectors(_ input: Operations.ListSectors.Input) async throws -> Operations.ListSectors.Output {
        let sectors = try await platform.governance.referenceData.sectors(try await principal(), selectableOnly: input.query.selectable ?? false)
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: sectors.map { .init($0, language) }))))
    }

    func createSector(_ input: Operations.CreateSector.Input) async throws -> Operations.CreateSector.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let parentID = try body.parentId.map(Self.uuid(field: "parent_id"))
        let sector = try await platform.governance.referenceData.createSector(
            try await principal(), SectorInput(name: body.name.languageMap, acronym: body.acronym,
                                               parentID: parentID), client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(sector, responseLanguage()))))
    }

    func getSector(_ input: Operations.GetSector.Input) async throws -> Operations.GetSector.Output {
        let sector = try await platform.governance.referenceData.sector(try await principal(), id: try Self.pathID(input.path.sectorId, "sector"))
        return .ok(.init(body: .json(.init(sector, responseLanguage()))))
    }

    func updateSector(_ input: Operations.UpdateSector.Input) async throws -> Operations.UpdateSector.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let sector = try await platform.governance.referenceData.updateSector(
            try await principal(), id: try Self.pathID(input.path.sectorId, "sector"),
            SectorInput(name: body.name?.languageMap, acronym: body.acronym), client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(sector, responseLanguage()))))
    }

    func deleteSector(_ input: Operations.DeleteSector.Input) async throws -> Operations.DeleteSector.Output {
        try await platform.governance.referenceData.deleteSector(try await principal(), id: try Self.pathID(input.path.sectorId, "sector"),
                                                                 client: RequestInfo.current.client)
        return .noContent(.init())
    }

    // MARK: Regulations

    func listRegulations(_ input: Operations.ListRegulations.Input) async throws -> Operations.ListRegulations.Output {
        let regulations = try await platform.governance.referenceData.regulations(try await principal())
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: regulations.map { .init($0, language) }))))
    }

    func createRegulation(_ input: Operations.CreateRegulation.Input) async throws -> Operations.CreateRegulation.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let regulation = try await platform.governance.referenceData.saveRegulation(
            try await principal(), id: nil, label: body.label.languageMap,
            regulatorIDs: try body.regulatorIds.map { try $0.map(Self.uuid(field: "regulator_ids")) }, client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(regulation, responseLanguage()))))
    }

    func getRegulation(_ input: Operations.GetRegulation.Input) async throws -> Operations.GetRegulation.Output {
        let regulation = try await platform.governance.referenceData.regulation(try await principal(),
                                                                                id: try Self.pathID(input.path.regulationId, "regulation"))
        return .ok(.init(body: .json(.init(regulation, responseLanguage()))))
    }

    func updateRegulation(_ input: Operations.UpdateRegulation.Input) async throws -> Operations.UpdateRegulation.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let regulation = try await platform.governance.referenceData.saveRegulation(
            try await principal(), id: try Self.pathID(input.path.regulationId, "regulation"), label: body.label?.languageMap,
            regulatorIDs: try body.regulatorIds.map { try $0.map(Self.uuid(field: "regulator_ids")) }, client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(regulation, responseLanguage()))))
    }

    func deleteRegulation(_ input: Operations.DeleteRegulation.Input) async throws -> Operations.DeleteRegulation.Output {
        try await platform.governance.referenceData.deleteRegulation(
            try await principal(), id: try Self.pathID(input.path.regulationId, "regulation"), client: RequestInfo.current.client)
        return .noContent(.init())
    }

    // MARK: Entity categories

    func listEntityCategories(_ input: Operations.ListEntityCategories.Input) async throws -> Operations.ListEntityCategories.Output {
        let categories = try await platform.governance.referenceData.entityCategories(try await principal())
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: categories.map { .init($0, language) }))))
    }

    func createEntityCategory(_ input: Operations.CreateEntityCategory.Input) async throws -> Operations.CreateEntityCategory.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let category = try await platform.governance.referenceData.saveEntityCategory(
            try await principal(), id: nil, code: body.code, label: body.label.languageMap, client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(category, responseLanguage()))))
    }

    func getEntityCategory(_ input: Operations.GetEntityCategory.Input) async throws -> Operations.GetEntityCategory.Output {
        let category = try await platform.governance.referenceData.entityCategory(try await principal(),
                                                                                  id: try Self.pathID(input.path.categoryId, "entity category"))
        return .ok(.init(body: .json(.init(category, responseLanguage()))))
    }

    func updateEntityCategory(_ input: Operations.UpdateEntityCategory.Input) async throws -> Operations.UpdateEntityCategory.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let category = try await platform.governance.referenceData.saveEntityCategory(
            try await principal(), id: try Self.pathID(input.path.categoryId, "entity category"), code: body.code,
            label: body.label?.languageMap, client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(category, responseLanguage()))))
    }

    func deleteEntityCategory(_ input: Operations.DeleteEntityCategory.Input) async throws -> Operations.DeleteEntityCategory.Output {
        try await platform.governance.referenceData.deleteEntityCategory(
            try await principal(), id: try Self.pathID(input.path.categoryId, "entity category"), client: RequestInfo.current.client)
        return .noContent(.init())
    }
}
