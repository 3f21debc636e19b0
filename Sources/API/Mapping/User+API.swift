import Domain

extension Components.Schemas.User {
    init(_ user: User) {
        self.init(
            id: user.id.uuidString.lowercased(), email: user.email, firstName: user.firstName, lastName: user.lastName,
            isActive: user.isActive, emailVerified: user.emailVerified, totpEnabled: user.totpEnabled,
            role: user.isPlatformAdmin ? .platformAdmin : .independentUser,
            createdAt: user.createdAt, lastLoginAt: user.lastLoginAt)
    }
}
