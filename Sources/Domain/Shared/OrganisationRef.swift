import Foundation

/// An organisation an action is aimed at; `platform` for platform-wide objects.
public enum OrganisationRef: Sendable, Equatable {
    case platform, regulator(UUID), observer(UUID), `operator`(UUID)
}
