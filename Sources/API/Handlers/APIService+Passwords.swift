import Domain

extension APIService {
    func register(_ input: Operations.Register.Input) async throws -> Operations.Register.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        try await platform.governance.passwords.register(
            email: body.email, firstName: body.firstName, lastName: body.lastName, acceptsTerms: body.acceptTerms, client: RequestInfo.current.client)
        return .accepted(.init())
    }

    func requestPasswordReset(_ input: Operations.RequestPasswordReset.Input) async throws -> Operations.RequestPasswordReset.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        try await platform.governance.passwords.requestReset(email: body.email, client: RequestInfo.current.client)
        return .accepted(.init())
    }

    func setPasswordWithLink(_ input: Operations.SetPasswordWithLink.Input) async throws -> Operations.SetPasswordWithLink.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        try await platform.governance.passwords.completeWithLink(token: body.token, newPassword: body.newPassword, client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func changePassword(_ input: Operations.ChangePassword.Input) async throws -> Operations.ChangePassword.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        try await platform.governance.passwords.change(
            try await principal(), currentPassword: body.currentPassword, newPassword: body.newPassword, totpCode: body.totpCode,
            client: RequestInfo.current.client)
        return .noContent(.init())
    }
}
