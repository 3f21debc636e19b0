import Foundation
import Mail
import Postgres

/// Filters of the user list.
public struct UserFilter: Sendable {
    /// Part of the name, e-mail or phone number.
    public var search: String?
    public var role: Role?
    public var regulatorID: UUID?
    public var observerID: UUID?
    public var operatorID: UUID?
    public var isActive: Bool?

    public init(search: String? = nil, role: Role? = nil, regulatorID: UUID? = nil, observerID: UUID? = nil, operatorID: UUID? = nil,
                isActive: Bool? = nil) {
        self.search = search
        self.role = role
        self.regulatorID = regulatorID
        self.observerID = observerID
        self.operatorID = operatorID
        self.isActive = isActive
    }
}

/// A user to create; the creator's role decides the membership when none is named.
public struct NewUser: Sendable {
    public var email: String
    public var firstName: String
    public var lastName: String
    public var phone: String?
    public var membership: (organisation: OrganisationRef, input: MembershipInput)?

    public init(email: String, firstName: String, lastName: String, phone: String? = nil,
                membership: (organisation: OrganisationRef, input: MembershipInput)? = nil) {
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.phone = phone
        self.membership = membership
    }
}

/// Creating, finding and changing user accounts, within the caller's reach.
public struct UserAdministration: Sendable {
    let outbox: Outbox
    let memberships: MembershipService
    let passwords: PasswordService
    let hashing: PasswordHashing
    let policy = PasswordPolicy()

    /// How long an invitation link works.
    public static let invitationLifetime: TimeInterval = 72 * 3600

    public init(outbox: Outbox, memberships: MembershipService, passwords: PasswordService, hashing: PasswordHashing) {
        self.outbox = outbox
        self.memberships = memberships
        self.passwords = passwords
        self.hashing = hashing
    }

    var postgres: PostgresClient { outbox.postgres }

    // MARK: Reading

    /// A page of the users the caller administers (and themselves), by e-mail.
    public func list(_ principal: Principal, filter: UserFilter, limit: Int, cursor: String?) async throws -> Page<User> {
        try principal.requireAccess(.governanceRead)
        try principal.affiliations.authorize(.listUsers, object: "user")
        try PageCursor.check(limit: limit)
        let rows = try await postgres.query(Self.listStatement(principal, filter: filter, limit: limit, after: try PageCursor.decode(cursor)))
        return Page(fetched: try rows.map { row in
            let user = try User(row: row)
            return (user, user.email, user.id)
        }, limit: limit)
    }

    /// The page query of ``list(_:filter:limit:cursor:)``: `limit + 1` users after `after`, by e-mail.
    static func listStatement(_ principal: Principal, filter: UserFilter, limit: Int, after: (String, UUID)?) -> Statement {
        let scope = principal.affiliations.administeredUsersCondition()
        let next = scope.bindings.count + 2
        let parameters = (next..<(next + 9)).map { "$\($0)" }
        return Statement(sql: """
            SELECT \(User.columns) FROM \(User.source)
            WHERE \(scope.sql)
              AND (\(parameters[0])::text IS NULL OR u.email ILIKE \(parameters[0]) OR (u.first_name || ' ' || u.last_name) ILIKE \(parameters[0])
                   OR u.phone ILIKE \(parameters[0]))
              AND (\(parameters[1])::text IS NULL OR \(Affiliations.roleExpression) = \(parameters[1]))
              AND (\(parameters[2])::uuid IS NULL OR rm.regulator_id = \(parameters[2]))
              AND (\(parameters[3])::uuid IS NULL OR om.observer_id = \(parameters[3]))
              AND (\(parameters[4])::uuid IS NULL
                   OR EXISTS (SELECT 1 FROM operator_memberships x WHERE x.user_id = u.id AND x.operator_id = \(parameters[4])))
              AND (\(parameters[5])::boolean IS NULL OR u.is_active = \(parameters[5]))
              AND (\(parameters[6])::text IS NULL OR (u.email, u.id) > (\(parameters[6]), \(parameters[7])::uuid))
            ORDER BY u.email, u.id
            LIMIT \(parameters[8])::int
            """, bindings: [principal.userID] + scope.bindings + [
                Queries.containing(filter.search), filter.role?.rawValue, filter.regulatorID, filter.observerID, filter.operatorID, filter.isActive,
                after?.0, after?.1, limit + 1,
            ])
    }

    /// A user the caller administers (or themselves); anyone else is "not found".
    public func get(_ principal: Principal, id: UUID) async throws -> User {
        try principal.requireAccess(.governanceRead)
        return try await postgres.withSession { session in
            try await visibleUser(principal, id, session: session, lock: false)
        }
    }

    // MARK: Creating

    /// Creates a user with the membership the creator's role implies, and e-mails them a
    /// single-use link to choose a password.
    ///
    /// Platform administrators create platform administrators, or administrators of a regulator
    /// or observer they name; regulator and observer administrators add staff to their own
    /// organisation unless they name an operator; regulator users and operator administrators
    /// create operator members.
    public func create(_ principal: Principal, _ new: NewUser, client: ClientInfo) async throws -> User {
        try principal.requireAccess(.governanceWrite)
        try principal.affiliations.authorize(.createUser, object: "user")
        var validator = Validator()
        let email = validator.email(new.email, "email")
        validator.check(email != nil, "email", "required", "The e-mail address is required.")
        validator.add(Self.nameErrors(firstName: new.firstName, lastName: new.lastName))
        let phone = validator.phone(new.phone)
        let membership = new.membership ?? defaultMembership(principal.affiliations)
        if membership == nil, !principal.isPlatformAdmin {
            validator.check(false, "membership", "required", "Name the organisation the new user joins.")
        }
        try validator.throwIfInvalid()
        do {
            return try await outbox.transaction { unit in
                // Authorisation comes before the account is inserted: whether the e-mail address
                // is taken is told only to callers allowed to create this user at all.
                let target = try membership.map { try MembershipTarget($0.organisation) }
                let sectors = if let target, let membership {
                    try await memberships.authorizeAdding(principal, to: target, membership.input, session: unit.session)
                } else { [UUID]?.none }
                let id = UUID()
                try await unit.session.query("""
                    INSERT INTO users (id, email, first_name, last_name, phone, is_platform_admin) VALUES ($1, $2, $3, $4, $5, $6)
                    """, id, email!, TextRules.trimmed(new.firstName), TextRules.trimmed(new.lastName), phone,
                    membership == nil)
                if let target, let membership {
                    _ = try await memberships.add(principal, to: target, userID: id, membership.input, sectors: sectors, client: client, unit: unit,
                                                  isNewUser: true)
                }
                let user = try await User.required(id, in: unit.session)
                let inviter = try await unit.session.query("SELECT first_name || ' ' || last_name AS name FROM users WHERE id = $1", principal.userID)
                    .first?.decode("name", as: String.self) ?? "An administrator"
                try await passwords.emailLink(.activation, userID: id, to: user.email, lifetime: Self.invitationLifetime,
                                              template: AccountEmails.invitation,
                                              values: ["first_name": user.firstName, "inviter": inviter,
                                                  "role": Self.roleNames[user.role] ?? user.role.rawValue],
                                              unit: unit)
                try await AuditLog.record(AuditEvent("user.created", by: principal, objectType: "user", objectID: id,
                                                     organisation: membership?.organisation ?? .platform, client: client,
                                                     details: try JobPayloadCoding.encode(["role": user.role.rawValue])), in: unit.session)
                return user
            }
        } catch let error as PostgresError where error.isUniqueViolation && error.constraint == "users_email_key" {
            throw DomainError.conflict("An account with this e-mail address already exists.")
        }
    }

    /// The organisation a new user joins when the creator names none.
    private func defaultMembership(_ creator: Affiliations) -> (organisation: OrganisationRef, input: MembershipInput)? {
        switch creator.role {
        case .regulatorAdmin: return creator.regulator.map { (.regulator($0.regulatorID), MembershipInput()) }
        case .observerAdmin: return creator.observer.map { (.observer($0.observerID), MembershipInput()) }
        case .operatorAdmin:
            let administered = creator.administeredOperatorIDs
            return administered.count == 1 ? (.operator(administered[0]), MembershipInput()) : nil
        default: return nil
        }
    }

    static let roleNames: [Role: String] = [
        .platformAdmin: "platform administrator", .regulatorAdmin: "regulator administrator", .regulatorUser: "regulator user",
        .observerAdmin: "observer administrator", .observerUser: "observer user", .operatorAdmin: "operator administrator",
        .operatorUser: "operator user", .independentUser: "independent user",
    ]

    /// Creates the first (or another) platform administrator, as `governance-api create-admin` does.
    ///
    /// - Throws: ``DomainError/validation(_:)`` for a bad e-mail, missing names or a weak
    ///   password; ``DomainError/conflict(_:)`` when the e-mail is taken.
    public func createPlatformAdministrator(email rawEmail: String, firstName: String, lastName: String, password: String,
                                            client: ClientInfo) async throws -> User {
        let email = User.normalize(email: rawEmail)
        var errors: [FieldError] = []
        if !TextRules.isEmail(email) { errors.append(FieldError(field: "email", code: "invalid", message: "Enter a valid e-mail address.")) }
        errors += Self.nameErrors(firstName: firstName, lastName: lastName)
        errors += policy.violations(of: password, personal: [email, firstName, lastName], isReused: false)
        guard errors.isEmpty else { throw DomainError.validation(errors) }
        let hash = try await hashing.hash(password)
        do {
            return try await postgres.withTransaction { session in
                let id = UUID()
                try await session.query("""
                    INSERT INTO users (id, email, first_name, last_name, password_hash, is_platform_admin, email_verified)
                    VALUES ($1, $2, $3, $4, $5, true, true)
                    """, id, email, TextRules.trimmed(firstName), TextRules.trimmed(lastName), hash)
                let user = try await User.required(id, in: session)
                try await AuditLog.record(AuditEvent(action: "user.created", actorRole: "system", objectType: "user", objectID: user.id.postgresText,
                                                     client: client, details: #"{"role":"platformAdmin"}"#), in: session)
                return user
            }
        } catch let error as PostgresError where error.isUniqueViolation {
            throw DomainError.conflict("An account with this e-mail address already exists.")
        }
    }

    // MARK: Changing

    /// Changes names and phone number; `nil` leaves a field as it is, an empty phone clears it.
    public func update(_ principal: Principal, id: UUID, firstName: String?, lastName: String?, phone: String?,
                       client: ClientInfo) async throws -> User {
        try principal.requireAccess(.governanceWrite)
        var validator = Validator()
        let first = firstName.map { validator.text($0, "first_name", required: true, maximumLength: 150) ?? "" }
        let last = lastName.map { validator.text($0, "last_name", required: true, maximumLength: 150) ?? "" }
        let phoneNumber = phone.map { validator.phone($0) ?? "" }
        try validator.throwIfInvalid()
        return try await postgres.withTransaction { session in
            _ = try await target(principal, .updateUser, id, session: session)
            try await session.query("""
                UPDATE users SET first_name = coalesce($2, first_name), last_name = coalesce($3, last_name),
                    phone = CASE WHEN $4::text IS NULL THEN phone ELSE nullif($4, '') END
                WHERE id = $1
                """, id, first, last, phoneNumber)
            try await AuditLog.record(AuditEvent("user.updated", by: principal, objectType: "user", objectID: id, client: client), in: session)
            return try await User.required(id, in: session)
        }
    }

    /// Deactivates (every session and token stops working) or reactivates an account; an
    /// account is reactivated only by a role of at least the rank of the one that deactivated it.
    public func setActive(_ principal: Principal, id: UUID, active: Bool, client: ClientInfo) async throws -> User {
        try principal.requireAccess(.governanceWrite)
        return try await postgres.withTransaction { session in
            let user = try await target(principal, .deactivateUser, id, session: session)
            if active {
                if !user.isActive { try await AccountStanding.load(id, session: session).checkReactivation(by: principal) }
                try await AccountStanding.recordReactivation(id, session: session)
            } else {
                try await AccountStanding.recordDeactivation(id, by: principal, session: session)
                try await BearerToken.revokeAll(of: id, in: session)
            }
            try await AuditLog.record(AuditEvent(active ? "user.reactivated" : "user.deactivated", by: principal, objectType: "user",
                                                 objectID: id, client: client), in: session)
            return try await User.required(id, in: session)
        }
    }

    /// Deletes an account. Platform administrators and regulator staff are deactivated instead,
    /// and so are operator administrators with audited activity, to keep the audit trail whole.
    public func delete(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try principal.requireAccess(.governanceWrite)
        try await postgres.withTransaction { session in
            let user = try await target(principal, .deleteUser, id, session: session)
            if user.isPlatformAdmin || user.affiliations.isRegulatorStaff {
                throw DomainError.conflict("Platform administrators and regulator staff are deactivated, not deleted: POST /api/v1/users/\(id.postgresText)/deactivate.")
            }
            if !user.affiliations.administeredOperatorIDs.isEmpty,
               try await session.query("SELECT 1 FROM audit_events WHERE actor_id = $1 AND action NOT LIKE 'auth.%' LIMIT 1", id).count > 0 {
                throw DomainError.conflict("This operator administrator has audited activity; deactivate the account instead.")
            }
            for operatorID in user.affiliations.administeredOperatorIDs {
                let remaining = try await session.query("""
                    SELECT bool_or(is_administrator) AS admins, count(*) AS n FROM operator_memberships WHERE operator_id = $1 AND user_id <> $2
                    """, operatorID, id).required()
                if try remaining.decode("n", as: Int.self) > 0, try remaining.decode("admins", as: Bool?.self) != true {
                    throw DomainError.conflict("The user is the last administrator of an operator with other members; appoint another administrator first.")
                }
            }
            try await session.query("DELETE FROM users WHERE id = $1", id)
            try await AuditLog.record(AuditEvent("user.deleted", by: principal, objectType: "user", objectID: id, client: client,
                                                 details: try JobPayloadCoding.encode(["email": user.email,
                                                     "role": user.role.rawValue])), in: session)
        }
    }

    /// Removes a user's second factor and recovery codes (a lost phone); their sessions end and
    /// they get a security notice.
    public func resetTOTP(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try principal.requireAccess(.governanceWrite)
        try await outbox.transaction { unit in
            let session = unit.session
            _ = try await target(principal, .resetUserTOTP, id, session: session)
            try await session.query("UPDATE users SET totp_secret = NULL, totp_enabled_at = NULL, totp_last_step = NULL WHERE id = $1", id)
            try await session.query("DELETE FROM recovery_codes WHERE user_id = $1", id)
            try await BearerToken.revokeSessions(of: id, in: session)
            try await AuditLog.record(AuditEvent("user.totp_reset", by: principal, objectType: "user", objectID: id, client: client), in: session)
            try await AccountEmails.notify(.secondFactorReset, userID: id, client: client, sender: passwords.sender, unit: unit)
        }
    }

    /// Ends every session and revokes every personal access token of a user; returns how many.
    @discardableResult
    public func revokeCredentials(_ principal: Principal, id: UUID, client: ClientInfo) async throws -> Int {
        try principal.requireAccess(.governanceWrite)
        return try await postgres.withTransaction { session in
            _ = try await target(principal, .revokeUserSessions, id, session: session)
            let revoked = try await BearerToken.revokeAll(of: id, in: session)
            try await AuditLog.record(AuditEvent("user.credentials_revoked", by: principal, objectType: "user", objectID: id, client: client,
                                                 details: "{\"revoked\": \(revoked)}"), in: session)
            return revoked
        }
    }

    // MARK: Internals

    /// The user `id`, locked, if the caller may see them (else 404) and do `action` to them
    /// (else 403): the matrix allows it, and — for another user — the caller reaches every
    /// organisation that user belongs to, so a shared membership gives no hold over the rest.
    private func target(_ principal: Principal, _ action: GovernanceAction, _ id: UUID, session: PostgresSession) async throws -> User {
        let user = try await visibleUser(principal, id, session: session, lock: true)
        guard principal.affiliations.mayAct(action, onUser: user.affiliations, id, callerID: principal.userID) else {
            throw DomainError.forbidden(id == principal.userID
                ? "Use the /api/v1/users/me endpoints for your own account."
                : "Your role (\(principal.role.rawValue)) may not do this to this user (\(action.rawValue)).")
        }
        guard id == principal.userID || principal.affiliations.reachesEveryOrganisation(of: user.affiliations) else {
            throw DomainError.forbidden("This user also belongs to organisations outside your reach; their administrators or the regulator act on them.")
        }
        return user
    }

    /// The user `id` if the caller reaches them (the list's condition), else 404.
    private func visibleUser(_ principal: Principal, _ id: UUID, session: PostgresSession, lock: Bool) async throws -> User {
        let scope = principal.affiliations.administeredUsersCondition()
        guard let row = try await session.query("""
            SELECT \(User.columns) FROM \(User.source) WHERE \(scope.sql) AND u.id = $\(scope.bindings.count + 2)\(lock ? " FOR UPDATE OF u" : "")
            """, bindings: [principal.userID] + scope.bindings + [id]).first
        else { throw DomainError.notFound("No such user.") }
        return try User(row: row)
    }

    /// Names are required (not only spaces) and at most 150 characters.
    static func nameErrors(firstName: String, lastName: String) -> [FieldError] {
        [("first_name", "first name", firstName), ("last_name", "last name", lastName)].compactMap { field, label, value in
            let trimmed = TextRules.trimmed(value)
            if trimmed.isEmpty { return FieldError(field: field, code: "required", message: "The \(label) is required.") }
            if trimmed.count > 150 { return FieldError(field: field, code: "too_long", message: "The \(label) has at most 150 characters.") }
            return nil
        }
    }
}
