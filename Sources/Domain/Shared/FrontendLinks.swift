import Foundation

/// Where links in e-mails lead: pages of the frontend users work in (`FRONTEND_URL`, by default
/// `PUBLIC_URL`), one path template per kind of object, never an API path. Each template holds
/// its placeholder (`{id}`, `{token}`), replaced by the object's id or the link's token.
public struct FrontendLinks: Sendable, Equatable {
    public var base: String
    public var incidentPath = "/incidents/{id}"
    public var declarationPath = "/declarations/{id}"
    public var passwordResetPath = "/reset-password?token={token}"
    public var activationPath = "/activate?token={token}"

    public init(base: String) {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
    }

    public func incident(_ id: UUID) -> String { base + incidentPath.replacingOccurrences(of: "{id}", with: id.uuidString.lowercased()) }
    public func declaration(_ id: UUID) -> String { base + declarationPath.replacingOccurrences(of: "{id}", with: id.uuidString.lowercased()) }
    public func passwordReset(token: String) -> String { base + passwordResetPath.replacingOccurrences(of: "{token}", with: token) }
    public func activation(token: String) -> String { base + activationPath.replacingOccurrences(of: "{token}", with: token) }
}
