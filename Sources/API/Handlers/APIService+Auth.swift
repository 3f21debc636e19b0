import Domain
import Foundation

extension APIService {
    /// The caller of the current request.
    func principal() async throws -> Principal {
        guard let token = RequestInfo.current.bearerToken else {
            throw DomainError.unauthenticated("Send Authorization: Bearer <token>.")
        }
        return try await platform.governance.auth.authenticate(token: token)
    }

    func login(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let session = try await platform.governance.auth.login(
            email: body.email, password: body.password, totpCode: body.totpCode, client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(
            token: session.token, tokenType: .bearer, expiresAt: session.expiresAt, idleExpiresAt: session.idleExpiresAt,
            user: .init(session.user)))))
    }

    func logout(_ input: Operations.Logout.Input) async throws -> Operations.Logout.Output {
        try await platform.governance.auth.logout(try await principal(), client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func logoutEverywhere(_ input: Operations.LogoutEverywhere.Input) async throws -> Operations.LogoutEverywhere.Output {
        try await platform.governance.auth.logoutEverywhere(try await principal(), client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func getCurrentUser(_ input: Operations.GetCurrentUser.Input) async throws -> Operations.GetCurrentUser.Output {
        let principal = try await principal()
        try principal.requireAcceptedTerms()
        let user = try await platform.governance.auth.user(principal)
        return .ok(.init(body: .json(.init(user))))
    }
}
