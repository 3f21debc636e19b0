import Foundation

/// The caller behind a bearer token.
public struct Principal: Sendable, Equatable {
    public let userID: UUID
    public let email: String
    public let tokenID: UUID
    public let tokenKind: BearerToken.Kind
    public let scopes: [String]
    /// Whether the user accepted the terms of use within their validity.
    public let hasAcceptedTerms: Bool
    /// Whether this session passed the second factor (at login, or by enrolling it), or this
    /// personal token was made by such a session: a property of the token, not of the account.
    public let hasSecondFactor: Bool
    /// The second factor is required and the user has not enrolled yet: until they do, only
    /// the account set-up calls work.
    public let isSecondFactorPending: Bool
    /// The memberships the caller's role derives from, as of this request.
    public let affiliations: Affiliations

    public init(userID: UUID, email: String, tokenID: UUID, tokenKind: BearerToken.Kind, scopes: [String], hasAcceptedTerms: Bool,
                hasSecondFactor: Bool = false, isSecondFactorPending: Bool = false, affiliations: Affiliations = Affiliations()) {
        self.userID = userID
        self.email = email
        self.tokenID = tokenID
        self.tokenKind = tokenKind
        self.scopes = scopes
        self.hasAcceptedTerms = hasAcceptedTerms
        self.hasSecondFactor = hasSecondFactor
        self.isSecondFactorPending = isSecondFactorPending
        self.affiliations = affiliations
    }

    public var isPlatformAdmin: Bool { affiliations.isPlatformAdmin }
    public var role: Role { affiliations.role }

    /// For the account set-up calls (profile, terms, second-factor enrolment).
    ///
    /// - Throws: ``DomainError/termsNotAccepted`` until the user accepts the terms of use.
    public func requireAcceptedTerms() throws {
        guard hasAcceptedTerms else { throw DomainError.termsNotAccepted }
    }

    /// For account-security calls (second factor, password, tokens, sessions, terms): a login
    /// session, never a personal access token, whatever its scopes.
    ///
    /// - Throws: ``DomainError/forbidden(_:)`` for a personal access token.
    public func requireSession() throws {
        guard tokenKind == .session else {
            throw DomainError.forbidden("Account-security calls need a login session; personal access tokens cannot make them.")
        }
    }

    /// For every other call: the terms are accepted and, where required, the second factor enrolled.
    ///
    /// - Throws: ``DomainError/termsNotAccepted``, then ``DomainError/secondFactorRequired``.
    public func requireFullAccess() throws {
        try requireAcceptedTerms()
        guard !isSecondFactorPending else { throw DomainError.secondFactorRequired }
    }
}
