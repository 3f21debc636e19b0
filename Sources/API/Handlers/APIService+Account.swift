import Domain
import Foundation

extension APIService {
    func acceptTerms(_ input: Operations.AcceptTerms.Input) async throws -> Operations.AcceptTerms.Output {
        try await platform.governance.accounts.acceptTerms(try await principal(), client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func resetTermsAcceptance(_ input: Operations.ResetTermsAcceptance.Input) async throws -> Operations.ResetTermsAcceptance.Output {
        let reset = try await platform.governance.accounts.resetTermsAcceptance(try await principal(), client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(users: reset))))
    }

    func listPersonalTokens(_ input: Operations.ListPersonalTokens.Input) async throws -> Operations.ListPersonalTokens.Output {
        let tokens = try await platform.governance.accounts.tokens(try await principal())
        return .ok(.init(body: .json(.init(items: tokens.map(Components.Schemas.PersonalToken.init)))))
    }

    func createPersonalToken(_ input: Operations.CreatePersonalToken.Input) async throws -> Operations.CreatePersonalToken.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let (token, details) = try await platform.governance.accounts.createToken(
            try await principal(), name: body.name, scopes: body.scopes.compactMap { Scope(rawValue: $0.rawValue) },
            expiresAt: body.expiresAt, password: body.password, totpCode: body.totpCode, client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(token: token, details: .init(details)))))
    }

    func revokePersonalToken(_ input: Operations.RevokePersonalToken.Input) async throws -> Operations.RevokePersonalToken.Output {
        guard let id = UUID(uuidString: input.path.tokenId) else { throw DomainError.notFound("No such token.") }
        try await platform.governance.accounts.revokeToken(try await principal(), id: id, client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func beginTOTPEnrolment(_ input: Operations.BeginTOTPEnrolment.Input) async throws -> Operations.BeginTOTPEnrolment.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let enrolment = try await platform.governance.accounts.beginTOTPEnrolment(try await principal(), password: body.password,
                                                                                  client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(secret: enrolment.secret, otpauthUri: enrolment.uri))))
    }

    func confirmTOTP(_ input: Operations.ConfirmTOTP.Input) async throws -> Operations.ConfirmTOTP.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let codes = try await platform.governance.accounts.confirmTOTP(try await principal(), code: body.code, client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(recoveryCodes: codes))))
    }

    func regenerateRecoveryCodes(_ input: Operations.RegenerateRecoveryCodes.Input) async throws -> Operations.RegenerateRecoveryCodes.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let codes = try await platform.governance.accounts.regenerateRecoveryCodes(
            try await principal(), password: body.password, totpCode: body.totpCode, client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(recoveryCodes: codes))))
    }

    func disableTOTP(_ input: Operations.DisableTOTP.Input) async throws -> Operations.DisableTOTP.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        try await platform.governance.accounts.disableTOTP(
            try await principal(), password: body.password, totpCode: body.totpCode, client: RequestInfo.current.client)
        return .noContent(.init())
    }
}
