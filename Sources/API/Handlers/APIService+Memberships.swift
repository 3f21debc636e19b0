import Domain
import Foundation

extension APIService {
    private func listMembers(_ organisation: OrganisationRef) async throws -> Components.Schemas.MembershipList {
        .init(items: try await platform.governance.memberships.members(try await principal(),
                                                                       of: organisation).map(Components.Schemas.Membership.init))
    }

    private func addMember(_ organisation: OrganisationRef, userID: String, _ input: MembershipInput) async throws -> Components.Schemas.Membership {
        .init(try await platform.governance.memberships.add(
            try await principal(), to: organisation, userID: try Self.uuid(field: "user_id")(userID), input, client: RequestInfo.current.client))
    }

    private func updateMember(_ organisation: OrganisationRef, _ userID: String,
                              _ input: MembershipInput) async throws -> Components.Schemas.Membership {
        .init(try await platform.governance.memberships.update(
            try await principal(), in: organisation, userID: try Self.pathID(userID, "membership"), input, client: RequestInfo.current.client))
    }

    private func removeMember(_ organisation: OrganisationRef, _ userID: String) async throws {
        try await platform.governance.memberships.remove(try await principal(), from: organisation,
                                                         userID: try Self.pathID(userID, "membership"), client: RequestInfo.current.client)
    }

    // MARK: Regulators

    func listRegulatorMembers(_ input: Operations.ListRegulatorMembers.Input) async throws -> Operations.ListRegulatorMembers.Output {
        .ok(.init(body: .json(try await listMembers(.regulator(try Self.pathID(input.path.regulatorId, "regulator"))))))
    }

    func addRegulatorMember(_ input: Operations.AddRegulatorMember.Input) async throws -> Operations.AddRegulatorMember.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let membership = try MembershipInput(isAdministrator: body.isAdministrator, canExportIncidents: body.canExportIncidents,
                                             sectorIds: body.sectorIds)
        return .created(.init(body: .json(try await addMember(.regulator(try Self.pathID(input.path.regulatorId, "regulator")),
                                                              userID: body.userId, membership))))
    }

    func updateRegulatorMember(_ input: Operations.UpdateRegulatorMember.Input) async throws -> Operations.UpdateRegulatorMember.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let membership = try MembershipInput(isAdministrator: body.isAdministrator, canExportIncidents: body.canExportIncidents,
                                             sectorIds: body.sectorIds)
        return .ok(.init(body: .json(try await updateMember(.regulator(try Self.pathID(input.path.regulatorId, "regulator")),
                                                            input.path.userId, membership))))
    }

    func removeRegulatorMember(_ input: Operations.RemoveRegulatorMember.Input) async throws -> Operations.RemoveRegulatorMember.Output {
        try await removeMember(.regulator(try Self.pathID(input.path.regulatorId, "regulator")), input.path.userId)
        return .noContent(.init())
    }

    // MARK: Observers

    func listObserverMembers(_ input: Operations.ListObserverMembers.Input) async throws -> Operations.ListObserverMembers.Output {
        .ok(.init(body: .json(try await listMembers(.observer(try Self.pathID(input.path.observerId, "observer"))))))
    }

    func addObserverMember(_ input: Operations.AddObserverMember.Input) async throws -> Operations.AddObserverMember.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let membership = MembershipInput(isAdministrator: body.isAdministrator, canExportIncidents: body.canExportIncidents)
        return .created(.init(body: .json(try await addMember(.observer(try Self.pathID(input.path.observerId, "observer")),
                                                              userID: body.userId, membership))))
    }

    func updateObserverMember(_ input: Operations.UpdateObserverMember.Input) async throws -> Operations.UpdateObserverMember.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let membership = MembershipInput(isAdministrator: body.isAdministrator, canExportIncidents: body.canExportIncidents)
        return .ok(.init(body: .json(try await updateMember(.observer(try Self.pathID(input.path.observerId, "observer")),
                                                            input.path.userId, membership))))
    }

    func removeObserverMember(_ input: Operations.RemoveObserverMember.Input) async throws -> Operations.RemoveObserverMember.Output {
        try await removeMember(.observer(try Self.pathID(input.path.observerId, "observer")), input.path.userId)
        return .noContent(.init())
    }

    // MARK: Operators

    func listOperatorMembers(_ input: Operations.ListOperatorMembers.Input) async throws -> Operations.ListOperatorMembers.Output {
        .ok(.init(body: .json(try await listMembers(.operator(try Self.pathID(input.path.operatorId, "operator"))))))
    }

    func addOperatorMember(_ input: Operations.AddOperatorMember.Input) async throws -> Operations.AddOperatorMember.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let membership = MembershipInput(isAdministrator: body.isAdministrator)
        return .created(.init(body: .json(try await addMember(.operator(try Self.pathID(input.path.operatorId, "operator")),
                                                              userID: body.userId, membership))))
    }

    func updateOperatorMember(_ input: Operations.UpdateOperatorMember.Input) async throws -> Operations.UpdateOperatorMember.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let membership = MembershipInput(isAdministrator: body.isAdministrator)
        return .ok(.init(body: .json(try await updateMember(.operator(try Self.pathID(input.path.operatorId, "operator")),
                                                            input.path.userId, membership))))
    }

    func removeOperatorMember(_ input: Operations.RemoveOperatorMember.Input) async throws -> Operations.RemoveOperatorMember.Output {
        try await removeMember(.operator(try Self.pathID(input.path.operatorId, "operator")), input.path.userId)
        return .noContent(.init())
    }

    func approveOperatorMember(_ input: Operations.ApproveOperatorMember.Input) async throws -> Operations.ApproveOperatorMember.Output {
        let membership = try await platform.governance.memberships.approve(
            try await principal(), operatorID: try Self.pathID(input.path.operatorId,
                                                               "operator"), userID: try Self.pathID(input.path.userId, "membership"),
            client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(membership))))
    }
}
