import Domain

extension Components.Schemas.User {
    init(_ user: User) {
        self.init(
            id: user.id.apiString, email: user.email, firstName: user.firstName, lastName: user.lastName,
            isActive: user.isActive, emailVerified: user.emailVerified, totpEnabled: user.totpEnabled, phone: user.phone,
            role: Components.Schemas.Role(rawValue: user.role.rawValue) ?? .independentUser, affiliations: .init(user.affiliations),
            createdAt: user.createdAt, lastLoginAt: user.lastLoginAt)
    }
}
