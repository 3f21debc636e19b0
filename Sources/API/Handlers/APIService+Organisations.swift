import Domain
import Foundation

extension APIService {
    // MARK: Regulators

    func listRegulators(_ input: Operations.ListRegulators.Input) async throws -> Operations.ListRegulators.Output {
        let regulators = try await platform.governance.authorities.regulators(try await principal())
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: regulators.map { .init($0, language) }))))
    }

    func createRegulator(_ input: Operations.CreateRegulator.Input) async throws -> Operations.CreateRegulator.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let regulator = try await platform.governance.authorities.saveRegulator(try await principal(), id: nil, AuthorityInput(body),
                                                                                client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(regulator, responseLanguage()))))
    }

    func getRegulator(_ input: Operations.GetRegulator.Input) async throws -> Operations.GetRegulator.Output {
        let regulator = try await platform.governance.authorities.regulator(try await principal(),
                                                                            id: try Self.pathID(input.path.regulatorId, "regulator"))
        return .ok(.init(body: .json(.init(regulator, responseLanguage()))))
    }

    func updateRegulator(_ input: Operations.UpdateRegulator.Input) async throws -> Operations.UpdateRegulator.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let regulator = try await platform.governance.authorities.saveRegulator(
            try await principal(), id: try Self.pathID(input.path.regulatorId, "regulator"), AuthorityInput(body), client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(regulator, responseLanguage()))))
    }

    func deleteRegulator(_ input: Operations.DeleteRegulator.Input) async throws -> Operations.DeleteRegulator.Output {
        try await platform.governance.authorities.deleteRegulator(try await principal(),
                                                                  id: try Self.pathID(input.path.regulatorId,
                                                                                      "regulator"), client: RequestInfo.current.client)
        return .noContent(.init())
    }

    // MARK: Observers

    func listObservers(_ input: Operations.ListObservers.Input) async throws -> Operations.ListObservers.Output {
        let observers = try await platform.governance.authorities.observers(try await principal())
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: observers.map { .init($0, language) }))))
    }

    func createObserver(_ input: Operations.CreateObserver.Input) async throws -> Operations.CreateObserver.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let observer = try await platform.governance.authorities.saveObserver(try await principal(), id: nil, AuthorityInput(body),
                                                                              client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(observer, responseLanguage()))))
    }

    func getObserver(_ input: Operations.GetObserver.Input) async throws -> Operations.GetObserver.Output {
        let observer = try await platform.governance.authorities.observer(try await principal(),
                                                                          id: try Self.pathID(input.path.observerId, "observer"))
        return .ok(.init(body: .json(.init(observer, responseLanguage()))))
    }

    func updateObserver(_ input: Operations.UpdateObserver.Input) async throws -> Operations.UpdateObserver.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let observer = try await platform.governance.authorities.saveObserver(
            try await principal(), id: try Self.pathID(input.path.observerId, "observer"), AuthorityInput(body), client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(observer, responseLanguage()))))
    }

    func deleteObserver(_ input: Operations.DeleteObserver.Input) async throws -> Operations.DeleteObserver.Output {
        try await platform.governance.authorities.deleteObserver(try await principal(),
                                                                 id: try Self.pathID(input.path.observerId,
                                                                                     "observer"), client: RequestInfo.current.client)
        return .noContent(.init())
    }

    // MARK: Routing rules

    func listRoutingRules(_ input: Operations.ListRoutingRules.Input) async throws -> Operations.ListRoutingRules.Output {
        let rules = try await platform.governance.authorities.routingRules(try await principal(),
                                                                           observerID: try Self.pathID(input.path.observerId, "observer"))
        return .ok(.init(body: .json(.init(items: rules.map(Components.Schemas.RoutingRule.init)))))
    }

    func setRoutingRule(_ input: Operations.SetRoutingRule.Input) async throws -> Operations.SetRoutingRule.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let rule = ObserverRoutingRule(
            observerID: try Self.pathID(input.path.observerId, "observer"), regulationID: try Self.pathID(input.path.regulationId, "regulation"),
            conditions: body.conditions.map { .init(include: $0.include ?? [], exclude: $0.exclude ?? []) })
        let saved = try await platform.governance.authorities.setRoutingRule(try await principal(), rule, client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(saved))))
    }

    func deleteRoutingRule(_ input: Operations.DeleteRoutingRule.Input) async throws -> Operations.DeleteRoutingRule.Output {
        try await platform.governance.authorities.deleteRoutingRule(
            try await principal(), observerID: try Self.pathID(input.path.observerId, "observer"),
            regulationID: try Self.pathID(input.path.regulationId, "regulation"), client: RequestInfo.current.client)
        return .noContent(.init())
    }

    // MARK: Operators

    func listOperators(_ input: Operations.ListOperators.Input) async throws -> Operations.ListOperators.Output {
        let query = input.query
        let limit = query.limit ?? 50
        let page = try await platform.governance.operators.list(
            try await principal(), search: query.search, sectorID: try query.sectorId.map(Self.uuid(field: "sector_id")), limit: limit, cursor: query.cursor)
        linkNext("/api/v1/operators", limit: limit, cursor: page.nextCursor, query: [("search", query.search), ("sector_id", query.sectorId)])
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.Operator.init), nextCursor: page.nextCursor))))
    }

    func createOperator(_ input: Operations.CreateOperator.Input) async throws -> Operations.CreateOperator.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let created = try await platform.governance.operators.save(try await principal(), id: nil, try OperatorInput(body),
                                                                   client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(created))))
    }

    func getOperator(_ input: Operations.GetOperator.Input) async throws -> Operations.GetOperator.Output {
        let found = try await platform.governance.operators.get(try await principal(), id: try Self.pathID(input.path.operatorId, "operator"))
        return .ok(.init(body: .json(.init(found))))
    }

    func updateOperator(_ input: Operations.UpdateOperator.Input) async throws -> Operations.UpdateOperator.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let updated = try await platform.governance.operators.save(
            try await principal(), id: try Self.pathID(input.path.operatorId,
                                                       "operator"), try OperatorInput(body), client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(updated))))
    }

    func deleteOperator(_ input: Operations.DeleteOperator.Input) async throws -> Operations.DeleteOperator.Output {
        try await platform.governance.operators.delete(try await principal(), id: try Self.pathID(input.path.operatorId, "operator"),
                                                       client: RequestInfo.current.client)
        return .noContent(.init())
    }
}
