import Domain

extension Components.Schemas.PersonalToken {
    init(_ token: PersonalToken) {
        self.init(
            id: token.id.uuidString.lowercased(), name: token.name,
            scopes: token.scopes.compactMap { Components.Schemas.Scope(rawValue: $0.rawValue) },
            createdAt: token.createdAt, expiresAt: token.expiresAt, lastUsedAt: token.lastUsedAt)
    }
}
