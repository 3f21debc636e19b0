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
    /// The second factor is required and the user has not enrolled yet: until they do, only
    /// the account set-up calls work.
    public let isSecondFactorPending: Bool
    /// The memberships the caller's role derives from, as of this request.
    public let affiliations: Affiliations

    public init(userID: UUID, email: String, tokenID: UUID, tokenKind: BearerToken.Kind, scopes: [String], hasAcceptedTerms: Bool,
                isSecondFactorPending: Bool = false, affiliations: Affiliations = Affiliations()) {
        self.userID = userID
        self.email = email
        self.tokenID = tokenID
        self.tokenKind = tokenKind
        self.scopes = scopes
        self.hasAcceptedTerms = hasAcceptedTerms
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

    /// For every other call: the terms are accepted and, where required, the second factor enrolled.
    ///
    /// - Throws: ``DomainError/termsNotAccepted``, then ``DomainError/secondFactorRequired``.
    public func requireFullAccess() throws {
        try requireAcceptedTerms()
        guard !isSecondFactorPending else { throw DomainError.secondFactorRequired }
    }
}
