import Foundation
import Mail
import Postgres

/// Memberships and their rules: the role they derive, the first operator member made
/// administrator, approval, at least one operator administrator, no one changing their own
/// memberships, and the side effects of every change (sessions end; losing the last regulator
/// or observer membership deactivates the account).
public struct MembershipService: Sendable {
    let outbox: Outbox
    let sender: MailAddress

    public init(outbox: Outbox, sender: MailAddress) {
        self.outbox = outbox
        self.sender = sender
    }

    var postgres: PostgresClient { outbox.postgres }

    /// The members of an organisation. Platform administrators manage the administrators of
    /// regulators and observers, so they see only those.
    public func members(_ principal: Principal, of organisation: OrganisationRef) async throws -> [Membership] {
        try principal.requireAccess(.governanceRead)
        let organisation = try MembershipTarget(organisation)
        try principal.affiliations.authorize(organisation.readMembers, at: organisation.ref, object: organisation.noun)
        return try await postgres.withSession { session in
            try await requireOrganisation(organisation, session: session)
            return try await Self.select(organisation, userID: nil, session: session).filter { isVisible($0, to: principal) }
        }
    }

    /// Adds an existing user to an organisation.
    public func add(_ principal: Principal, to organisation: OrganisationRef, userID: UUID, _ input: MembershipInput,
                    client: ClientInfo) async throws -> Membership {
        try principal.requireAccess(.governanceWrite)
        let organisation = try MembershipTarget(organisation)
        return try await outbox.transaction { unit in
            let sectors = try await authorizeAdding(principal, to: organisation, input, session: unit.session)
            return try await add(principal, to: organisation, userID: userID, input, sectors: sectors, client: client, unit: unit)
        }
    }

    /// ``add(_:to:userID:_:client:)`` inside a unit of work, once ``authorizeAdding(_:to:_:session:)``
    /// passed; user creation passes `isNewUser` (the account was just made for this membership,
    /// so it needs no approval).
    func add(_ principal: Principal, to organisation: MembershipTarget, userID: UUID, _ input: MembershipInput, sectors: [UUID]?, client: ClientInfo,
             unit: UnitOfWork, isNewUser: Bool = false) async throws -> Membership {
        let session = unit.session
        try refuseSelf(principal, userID)
        guard let target = try await User.load(userID, in: session, lock: true) else { throw Self.noSuchUser }
        let standing = try await AccountStanding.load(userID, session: session)
        if !isNewUser { try checkReach(principal, target, standing, joining: organisation) }
        try checkExclusive(target.affiliations, joining: organisation)

        switch organisation.ref {
        case .regulator(let id), .observer(let id):
            let isAdministrator = principal.isPlatformAdmin ? true : (input.isAdministrator ?? false)
            if principal.isPlatformAdmin, input.isAdministrator == false {
                throw DomainError.validation([FieldError(field: "is_administrator", code: "administrators_only",
                                                         message: "Platform administrators add administrators; these add their staff.")])
            }
            try await session.query("""
                INSERT INTO \(organisation.table) (user_id, \(organisation.column), is_administrator, can_export_incidents) VALUES ($1, $2, $3, $4)
                """, userID, id, isAdministrator, input.canExportIncidents ?? false)
            if let sectors {
                try await session.query("INSERT INTO regulator_membership_sectors (user_id, sector_id) SELECT $1, unnest($2::uuid[])",
                                        userID, sectors)
            }
            // A regulator or observer membership (re)activates the account, if the caller may.
            if !target.isActive { try standing.checkReactivation(by: principal) }
            try await AccountStanding.recordReactivation(userID, session: session)
        case .operator(let id):
            let isFirst = try await session.query("SELECT 1 FROM operator_memberships WHERE operator_id = $1 LIMIT 1", id).isEmpty
            // An independent user linked by a regulator waits for the operator's approval.
            let needsApproval = !isFirst && !isNewUser && target.role == .independentUser && principal.affiliations.isRegulatorStaff
            let isAdministrator = isFirst || (input.isAdministrator ?? false)
            if isAdministrator, needsApproval {
                throw DomainError.validation([FieldError(field: "is_administrator", code: "not_approved",
                                                         message: "An independent user becomes administrator only after the operator approves the membership.")])
            }
            try await session.query("""
                INSERT INTO operator_memberships (user_id, operator_id, is_administrator, approved_at) VALUES ($1, $2, $3, CASE WHEN $4 THEN now() END)
                """, userID, id, isAdministrator, !needsApproval)
            if needsApproval { try await suggestLink(userID: userID, operatorID: id, unit: unit) }
        case .platform:
            break
        }
        try await BearerToken.revokeSessions(of: userID, in: session)
        let membership = try await Self.membership(organisation, userID, session: session)
        try await AuditLog.record(AuditEvent("membership.created", by: principal, objectType: "user", objectID: userID,
                                             organisation: organisation.ref, client: client, details: Self.details(membership)), in: session)
        return membership
    }

    /// Changes the flags of a membership.
    public func update(_ principal: Principal, in organisation: OrganisationRef, userID: UUID, _ input: MembershipInput,
                       client: ClientInfo) async throws -> Membership {
        try principal.requireAccess(.governanceWrite)
        let organisation = try MembershipTarget(organisation)
        try principal.affiliations.authorize(organisation.manageMembers, at: organisation.ref, object: organisation.noun)
        try refuseSelf(principal, userID)
        try authorizePrivileges(principal, organisation, input)
        return try await postgres.withTransaction { session in
            try await requireOrganisation(organisation, lock: true, session: session)
            let current = try await existing(principal, organisation, userID, session: session)
            var validator = Validator()
            let sectors = try await checkedSectors(input.sectorIDs, organisation: organisation, session: session, &validator)
            if principal.isPlatformAdmin, input.isAdministrator == false, !organisation.isOperator {
                validator.check(false, "is_administrator", "administrators_only",
                                "Platform administrators manage administrators; the regulator or observer manages its staff.")
            }
            if input.isAdministrator == true, !current.isApproved {
                validator.check(false, "is_administrator", "not_approved", "Approve the membership before making the user an administrator.")
            }
            try validator.throwIfInvalid()
            if input.isAdministrator == false, current.isAdministrator, organisation.isOperator {
                try await requireAnotherAdministrator(organisation, besides: userID, session: session)
            }
            let exportColumn = organisation.isOperator ? "" : ", can_export_incidents = coalesce($4, can_export_incidents)"
            var bindings: [(any PostgresEncodable)?] = [userID, organisation.id, input.isAdministrator]
            if !exportColumn.isEmpty { bindings.append(input.canExportIncidents) }
            try await session.query("""
                UPDATE \(organisation.table) SET is_administrator = coalesce($3, is_administrator)\(exportColumn) WHERE user_id = $1 AND \(organisation.column) = $2
                """, bindings: bindings)
            if let sectors {
                try await session.query("DELETE FROM regulator_membership_sectors WHERE user_id = $1", userID)
                try await session.query("INSERT INTO regulator_membership_sectors (user_id, sector_id) SELECT $1, unnest($2::uuid[])",
                                        userID, sectors)
            }
            try await BearerToken.revokeSessions(of: userID, in: session)
            let membership = try await Self.membership(organisation, userID, session: session)
            try await AuditLog.record(AuditEvent("membership.updated", by: principal, objectType: "user", objectID: userID,
                                                 organisation: organisation.ref, client: client, details: Self.details(membership)), in: session)
            return membership
        }
    }

    /// Approves a pending operator membership. An independent user's incidents move to the
    /// operator with it, renumbered in the operator's sequence.
    public func approve(_ principal: Principal, operatorID: UUID, userID: UUID, client: ClientInfo) async throws -> Membership {
        try principal.requireAccess(.governanceWrite)
        let organisation = try MembershipTarget(.operator(operatorID))
        try principal.affiliations.authorize(.manageOperatorMembers, at: organisation.ref, object: "operator")
        try refuseSelf(principal, userID)
        return try await postgres.withTransaction { session in
            let current = try await existing(principal, organisation, userID, session: session)
            guard !current.isApproved else { return current }
            let wasIndependent = try await session.query("""
                SELECT 1 FROM users u WHERE u.id = $1 AND \(RetentionService.independentUsers)
                """, userID).count == 1
            try await session.query("UPDATE operator_memberships SET approved_at = now() WHERE user_id = $1 AND operator_id = $2", userID, operatorID)
            if wasIndependent {
                // Their incidents come with them, renumbered in the operator's sequence.
                try await IncidentNotification.adoptIndependentIncidents(of: userID, by: operatorID, principal: principal, client: client,
                                                                         session: session)
            }
            try await BearerToken.revokeSessions(of: userID, in: session)
            let membership = try await Self.membership(organisation, userID, session: session)
            try await AuditLog.record(AuditEvent("membership.approved", by: principal, objectType: "user", objectID: userID,
                                                 organisation: organisation.ref, client: client, details: Self.details(membership)), in: session)
            return membership
        }
    }

    /// Removes a membership. Losing one's regulator or observer membership deactivates the
    /// account; losing the last operator membership makes an independent user again.
    public func remove(_ principal: Principal, from organisation: OrganisationRef, userID: UUID, client: ClientInfo) async throws {
        try principal.requireAccess(.governanceWrite)
        let organisation = try MembershipTarget(organisation)
        try principal.affiliations.authorize(organisation.manageMembers, at: organisation.ref, object: organisation.noun)
        try refuseSelf(principal, userID)
        try await postgres.withTransaction { session in
            try await requireOrganisation(organisation, lock: true, session: session)
            let current = try await existing(principal, organisation, userID, session: session)
            if organisation.isOperator, current.isAdministrator {
                let others = try await session.query("SELECT 1 FROM operator_memberships WHERE operator_id = $1 AND user_id <> $2",
                                                     organisation.id, userID).count
                if others > 0 { try await requireAnotherAdministrator(organisation, besides: userID, session: session) }
            }
            try await session.query("DELETE FROM \(organisation.table) WHERE user_id = $1 AND \(organisation.column) = $2", userID, organisation.id)
            let deactivated = !organisation.isOperator
            if deactivated {
                try await AccountStanding.recordDeactivation(userID, by: principal, leaving: organisation.id, session: session)
            }
            try await BearerToken.revokeSessions(of: userID, in: session)
            try await AuditLog.record(AuditEvent("membership.deleted", by: principal, objectType: "user", objectID: userID,
                                                 organisation: organisation.ref, client: client,
                                                 details: try JobPayloadCoding.encode(["deactivated": deactivated ? "true" : "false"])), in: session)
        }
    }

    // MARK: Rules

    static let noSuchUser = DomainError.validation([FieldError(field: "user_id", code: "not_found", message: "No such user.")])

    /// The checks of adding anyone to `organisation` that do not depend on whom: the caller's
    /// right, the organisation (locked: membership changes of one organisation are serialised),
    /// the privileges and sectors asked. User creation runs them before it inserts the account,
    /// so a refusal never tells whether an e-mail address has an account.
    ///
    /// - Returns: the sectors of a regulator membership, checked.
    func authorizeAdding(_ principal: Principal, to organisation: MembershipTarget, _ input: MembershipInput,
                         session: PostgresSession) async throws -> [UUID]? {
        try principal.affiliations.authorize(organisation.manageMembers, at: organisation.ref, object: organisation.noun)
        try await requireOrganisation(organisation, lock: true, session: session)
        try authorizePrivileges(principal, organisation, input)
        var validator = Validator()
        let sectors = try await checkedSectors(input.sectorIDs, organisation: organisation, session: session, &validator)
        try validator.throwIfInvalid()
        return sectors
    }

    /// Whether the existing account `target` is within the caller's reach for `organisation`:
    /// platform administrators add anyone without memberships to a regulator or observer;
    /// regulator and observer administrators take back only their own former members; regulator
    /// staff link operator-side users (independent or of operators); operator administrators
    /// add people who already work with one of their operators. Anyone else answers as an
    /// unknown account does, so the refusal reveals nothing.
    private func checkReach(_ principal: Principal, _ target: User, _ standing: AccountStanding, joining organisation: MembershipTarget) throws {
        let reachable: Bool
        let affiliations = target.affiliations
        let isOperatorSide = !affiliations.isPlatformAdmin && affiliations.regulator == nil && affiliations.observer == nil
        if !organisation.isOperator {
            reachable = principal.isPlatformAdmin ? !affiliations.isPlatformAdmin : standing.formerOrganisationID == organisation.id && !affiliations.hasMemberships
        } else if principal.affiliations.isRegulatorStaff {
            reachable = isOperatorSide
        } else {
            reachable = affiliations.operators.contains { principal.affiliations.administeredOperatorIDs.contains($0.operatorID) }
        }
        guard reachable else { throw Self.noSuchUser }
    }

    private func isVisible(_ membership: Membership, to principal: Principal) -> Bool {
        !(principal.isPlatformAdmin && !membership.isAdministrator)
    }

    private func refuseSelf(_ principal: Principal, _ userID: UUID) throws {
        guard principal.userID != userID else { throw DomainError.forbidden("Nobody changes their own memberships; ask another administrator.") }
    }

    /// The export right is the platform administrator's to give (the caller already may manage
    /// these memberships, so a refusal is 403).
    private func authorizePrivileges(_ principal: Principal, _ organisation: MembershipTarget, _ input: MembershipInput) throws {
        if input.canExportIncidents != nil {
            if organisation.isOperator {
                throw DomainError.validation([FieldError(field: "can_export_incidents", code: "not_applicable",
                                                         message: "Operator memberships have no export right.")])
            }
            guard principal.affiliations.allows(.grantExportRight, at: organisation.ref) else {
                throw DomainError.forbidden("Only platform administrators grant the export right.")
            }
        }
        if input.sectorIDs != nil, !organisation.isRegulator {
            throw DomainError.validation([FieldError(field: "sector_ids", code: "not_applicable",
                                                     message: "Only regulator memberships have sectors.")])
        }
    }

    /// Regulators, observers and operators are separate worlds: one regulator or one observer,
    /// or any number of operators; platform administrators have no memberships.
    private func checkExclusive(_ target: Affiliations, joining organisation: MembershipTarget) throws {
        if target.isPlatformAdmin { throw DomainError.conflict("Platform administrators do not join organisations.") }
        let alreadyMember = switch organisation.ref {
        case .regulator(let id): target.regulator?.regulatorID == id
        case .observer(let id): target.observer?.observerID == id
        case .operator(let id): target.operators.contains { $0.operatorID == id }
        case .platform: false
        }
        if alreadyMember { throw DomainError.conflict("The user is already a member.") }
        if organisation.isOperator {
            if target.regulator != nil || target.observer != nil { throw DomainError.conflict("Regulator and observer staff cannot join operators.") }
        } else if target.hasMemberships {
            throw DomainError.conflict("The user already belongs to another organisation.")
        }
    }

    private func checkedSectors(_ sectorIDs: [UUID]?, organisation: MembershipTarget, session: PostgresSession,
                                _ validator: inout Validator) async throws -> [UUID]? {
        guard let sectorIDs else { return nil }
        let unique = Array(Set(sectorIDs))
        validator.check(try await Sector.areSelectable(unique, session: session), "sector_ids", "not_selectable", Sector.notSelectableMessage)
        return unique
    }

    private func requireAnotherAdministrator(_ organisation: MembershipTarget, besides userID: UUID, session: PostgresSession) async throws {
        let admins = try await session.query("""
            SELECT 1 FROM operator_memberships WHERE operator_id = $1 AND user_id <> $2 AND is_administrator
            """, organisation.id, userID).count
        guard admins > 0 else { throw DomainError.conflict("An operator keeps at least one administrator; appoint another one first.") }
    }

    /// The membership, which the caller must be able to see (404 otherwise).
    private func existing(_ principal: Principal, _ organisation: MembershipTarget, _ userID: UUID,
                          session: PostgresSession) async throws -> Membership {
        guard let membership = try await Self.select(organisation, userID: userID, session: session).first, isVisible(membership,
            to: principal) else {
            throw DomainError.notFound("No such membership.")
        }
        return membership
    }

    /// - Throws: ``DomainError/notFound(_:)`` when the organisation does not exist. With `lock`,
    ///   membership changes of one organisation are serialised (the administrator count stays true).
    private func requireOrganisation(_ organisation: MembershipTarget, lock: Bool = false, session: PostgresSession) async throws {
        guard try await session.query("SELECT 1 FROM \(organisation.organisations) WHERE id = $1\(lock ? " FOR UPDATE" : "")",
                                      organisation.id).count == 1 else {
            throw DomainError.notFound("No such \(organisation.noun).")
        }
    }

    /// E-mails the operator and its administrators that a regulator linked a user to it.
    private func suggestLink(userID: UUID, operatorID: UUID, unit: UnitOfWork) async throws {
        let row = try await unit.session.query("""
            SELECT o.name, o.email, u.email AS user_email, u.first_name, u.last_name,
                   ARRAY(SELECT a.email FROM operator_memberships m JOIN users a ON a.id = m.user_id
                         WHERE m.operator_id = o.id AND m.is_administrator AND a.is_active ORDER BY a.email) AS admins
            FROM operators o, users u WHERE o.id = $1 AND u.id = $2
            """, operatorID, userID).required()
        let recipients = ([try row.decode("email", as: String?.self)].compactMap { $0 } + (try row.decode("admins", as: [String].self)))
        guard !recipients.isEmpty else { return }
        let values = ["operator": try row.decode("name", as: String.self), "user_email": try row.decode("user_email", as: String.self),
                      "user_name": "\(try row.decode("first_name", as: String.self)) \(try row.decode("last_name", as: String.self))"]
        try await unit.sendEmail(OutgoingEmail(to: Array(Set(recipients)).sorted().map { MailAddress($0) },
                                               template: AccountEmails.linkSuggestion, values: values),
                                 from: sender)
    }

    static func details(_ membership: Membership) -> String {
        (try? JobPayloadCoding.encode([
            "is_administrator": String(membership.isAdministrator), "is_approved": String(membership.isApproved),
            "can_export_incidents": String(membership.canExportIncidents),
        ])) ?? "{}"
    }

    /// The membership of `userID` as stored now.
    static func membership(_ organisation: MembershipTarget, _ userID: UUID, session: PostgresSession) async throws -> Membership {
        guard let membership = try await select(organisation, userID: userID, session: session).first else {
            throw DomainError.notFound("No such membership.")
        }
        return membership
    }

    static func select(_ organisation: MembershipTarget, userID: UUID?, session: PostgresSession) async throws -> [Membership] {
        let export = organisation.isOperator ? "false" : "m.can_export_incidents"
        let approved = organisation.isOperator ? "m.approved_at IS NOT NULL" : "true"
        let sectors = organisation.isRegulator
            ? "ARRAY(SELECT s.sector_id FROM regulator_membership_sectors s WHERE s.user_id = m.user_id ORDER BY s.sector_id)" : "'{}'::uuid[]"
        return try await session.query("""
            SELECT m.user_id, u.email, u.first_name, u.last_name, u.is_active, m.is_administrator, m.created_at,
                   \(export) AS can_export_incidents, \(approved) AS is_approved, \(sectors) AS sector_ids
            FROM \(organisation.table) m JOIN users u ON u.id = m.user_id
            WHERE m.\(organisation.column) = $1 AND ($2::uuid IS NULL OR m.user_id = $2)
            ORDER BY u.email
            """, organisation.id, userID).map { row in
            Membership(organisation: organisation.ref, userID: try row.decode("user_id"), email: try row.decode("email"),
                       firstName: try row.decode("first_name"),
                       lastName: try row.decode("last_name"), isActive: try row.decode("is_active"), isAdministrator: try row.decode("is_administrator"),
                       isApproved: try row.decode("is_approved"), canExportIncidents: try row.decode("can_export_incidents"),
                       sectorIDs: try row.decode("sector_ids"), createdAt: try row.decode("created_at"))
        }
    }
}
