import Foundation

/// Limits and lifetimes of authentication.
public struct AuthSettings: Sendable, Equatable {
    /// A session not used for this long ends (sliding).
    public var sessionIdleTimeout: Duration = .seconds(15 * 60)
    /// A session ends this long after login, however active.
    public var sessionLifetime: Duration = .seconds(12 * 3600)
    /// Failed logins per account, then per client address, within ``failureWindow``.
    public var maximumFailuresPerAccount = 5
    public var maximumFailuresPerAddress = 30
    public var failureWindow: Duration = .seconds(15 * 60)
    public var passwordHashIterations = 600_000
    /// An acceptance of the terms of use counts this long; then they must be accepted again.
    public var termsValidity: Duration = .seconds(365 * 86_400)
    /// A self-registration never activated is deleted after this long.
    public var unactivatedRegistrationLifetime: Duration = .seconds(7 * 86_400)
    /// Every user must enrol a second factor (TOTP) before using anything but the account set-up calls.
    public var requireSecondFactor = true
    /// An independent user with no incident who has not logged in for this long is deleted.
    public var idleIndependentUserLifetime: Duration = .seconds(90 * 86_400)
    /// Personal access tokens live at most this long.
    public var maximumPersonalTokenLifetime: Duration = .seconds(366 * 86_400)

    public init() {}
}
