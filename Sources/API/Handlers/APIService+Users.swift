import Domain
import Foundation

extension APIService {
    func listUsers(_ input: Operations.ListUsers.Input) async throws -> Operations.ListUsers.Output {
        let query = input.query
        let limit = query.limit ?? 50
        let filter = UserFilter(
            search: query.search, role: query.role.flatMap { Role(rawValue: $0.rawValue) },
            regulatorID: try query.regulatorId.map(Self.uuid(field: "regulator_id")), observerID: try query.observerId.map(Self.uuid(field: "observer_id")),
            operatorID: try query.operatorId.map(Self.uuid(field: "operator_id")), isActive: query.isActive)
        let page = try await platform.governance.users.list(try await principal(), filter: filter, limit: limit, cursor: query.cursor)
        linkNext("/api/v1/users", limit: limit, cursor: page.nextCursor, query: [
            ("search", query.search), ("role", query.role?.rawValue), ("regulator_id", query.regulatorId), ("observer_id", query.observerId),
            ("operator_id", query.operatorId), ("is_active", query.isActive.map(String.init)),
        ])
        return .ok(.init(body: .json(.init(items: page.items.map(Components.Schemas.User.init), nextCursor: page.nextCursor))))
    }

    func createUser(_ input: Operations.CreateUser.Input) async throws -> Operations.CreateUser.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        var membership: (organisation: OrganisationRef, input: MembershipInput)?
        if let requested = body.membership {
            let id = try Self.uuid(field: "membership.organisation_id")(requested.organisationId)
            let organisation: OrganisationRef = switch requested.organisationType {
            case .regulator: .regulator(id)
            case .observer: .observer(id)
            case ._operator: .operator(id)
            }
            membership = (organisation, try MembershipInput(
                isAdministrator: requested.isAdministrator, canExportIncidents: requested.canExportIncidents, sectorIds: requested.sectorIds))
        }
        let user = try await platform.governance.users.create(
            try await principal(), NewUser(email: body.email, firstName: body.firstName, lastName: body.lastName, phone: body.phone,
                                           membership: membership),
            client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(user))))
    }

    func getUser(_ input: Operations.GetUser.Input) async throws -> Operations.GetUser.Output {
        .ok(.init(body: .json(.init(try await platform.governance.users.get(try await principal(), id: try Self.pathID(input.path.userId, "user"))))))
    }

    func updateUser(_ input: Operations.UpdateUser.Input) async throws -> Operations.UpdateUser.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let user = try await platform.governance.users.update(
            try await principal(), id: try Self.pathID(input.path.userId,
                                                       "user"), firstName: body.firstName, lastName: body.lastName, phone: body.phone,
            client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(user))))
    }

    func updateCurrentUser(_ input: Operations.UpdateCurrentUser.Input) async throws -> Operations.UpdateCurrentUser.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let principal = try await principal()
        let user = try await platform.governance.users.update(
            principal, id: principal.userID, firstName: body.firstName, lastName: body.lastName, phone: body.phone, client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(user))))
    }

    func deleteUser(_ input: Operations.DeleteUser.Input) async throws -> Operations.DeleteUser.Output {
        try await platform.governance.users.delete(try await principal(), id: try Self.pathID(input.path.userId, "user"),
                                                   client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func deactivateUser(_ input: Operations.DeactivateUser.Input) async throws -> Operations.DeactivateUser.Output {
        let user = try await platform.governance.users.setActive(try await principal(), id: try Self.pathID(input.path.userId, "user"),
                                                                 active: false, client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(user))))
    }

    func reactivateUser(_ input: Operations.ReactivateUser.Input) async throws -> Operations.ReactivateUser.Output {
        let user = try await platform.governance.users.setActive(try await principal(), id: try Self.pathID(input.path.userId, "user"),
                                                                 active: true, client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(user))))
    }

    func resetUserTOTP(_ input: Operations.ResetUserTOTP.Input) async throws -> Operations.ResetUserTOTP.Output {
        try await platform.governance.users.resetTOTP(try await principal(), id: try Self.pathID(input.path.userId, "user"),
                                                      client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func revokeUserCredentials(_ input: Operations.RevokeUserCredentials.Input) async throws -> Operations.RevokeUserCredentials.Output {
        let revoked = try await platform.governance.users.revokeCredentials(try await principal(),
                                                                            id: try Self.pathID(input.path.userId,
                                                                                                "user"), client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(revoked: revoked))))
    }
}
