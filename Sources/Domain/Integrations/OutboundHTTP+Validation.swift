import Outbound

extension OutboundHTTP {
    /// Checks an address a user saves (its form, and what its host resolves to now).
    ///
    /// - Throws: 422 on `field`: `refused` when the guard refuses it, `unresolvable` when it
    ///   cannot be used (its host does not resolve).
    func validate(url: String, field: String) async throws {
        do {
            try await check(url: url)
        } catch OutboundError.refused(let reason) {
            throw DomainError.validation([FieldError(field: field, code: "refused", message: "The platform does not call this address: \(reason).")])
        } catch OutboundError.unreachable(let reason) {
            throw DomainError.validation([FieldError(field: field, code: "unresolvable", message: "The address cannot be used: \(reason).")])
        }
    }
}
