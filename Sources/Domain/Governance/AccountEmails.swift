import Foundation
import Mail

/// The e-mails of the account lifecycle.
enum AccountEmails {
    static let passwordReset = try! MailTemplate(
        subject: "Reset your Governance Platform password",
        text: """
            Hello {{first_name}},

            Someone (probably you) asked to reset the password of your Governance Platform account.
            Choose a new password here within 30 minutes:

            {{link}}

            If you did not ask for this, ignore this message: your password stays as it is.
            """,
        html: """
            <p>Hello {{first_name}},</p>
            <p>Someone (probably you) asked to reset the password of your Governance Platform account.
            Choose a new password within 30 minutes:</p>
            <p><a href="{{link}}">Reset my password</a></p>
            <p>If you did not ask for this, ignore this message: your password stays as it is.</p>
            """)

    static let activation = try! MailTemplate(
        subject: "Activate your Governance Platform account",
        text: """
            Hello {{first_name}},

            An account was created for this address on the Governance Platform.
            Choose your password to activate it (the link works once, for {{hours}} hours):

            {{link}}

            If you did not expect this, ignore this message.
            """,
        html: """
            <p>Hello {{first_name}},</p>
            <p>An account was created for this address on the Governance Platform.
            Choose your password to activate it (the link works once, for {{hours}} hours):</p>
            <p><a href="{{link}}">Activate my account</a></p>
            <p>If you did not expect this, ignore this message.</p>
            """)

    static let invitation = try! MailTemplate(
        subject: "You are invited to the Governance Platform",
        text: """
            Hello {{first_name}},

            {{inviter}} created a Governance Platform account for you ({{role}}).
            Choose your password to start (the link works once, for {{hours}} hours):

            {{link}}

            If you did not expect this, ignore this message.
            """,
        html: """
            <p>Hello {{first_name}},</p>
            <p>{{inviter}} created a Governance Platform account for you ({{role}}).
            Choose your password to start (the link works once, for {{hours}} hours):</p>
            <p><a href="{{link}}">Choose my password</a></p>
            <p>If you did not expect this, ignore this message.</p>
            """)

    static let linkSuggestion = try! MailTemplate(
        subject: "Suggestion to link a user account with {{operator}}",
        text: """
            Hello,

            A regulator suggests that the account of {{user_name}} ({{user_email}}) joins {{operator}}
            on the Governance Platform. An administrator of {{operator}} can approve the membership
            among the operator's members.

            If this person does not work with {{operator}}, remove the membership instead.
            """,
        html: """
            <p>Hello,</p>
            <p>A regulator suggests that the account of {{user_name}} ({{user_email}}) joins {{operator}}
            on the Governance Platform. An administrator of {{operator}} can approve the membership
            among the operator's members.</p>
            <p>If this person does not work with {{operator}}, remove the membership instead.</p>
            """)
}

extension AccountEmails {
    /// The notices of changes to an account's security, sent to its owner. They carry no link:
    /// a forged notice cannot lure anyone anywhere.
    enum SecurityChange: String, Sendable {
        case passwordChanged, secondFactorEnrolled, secondFactorDisabled, secondFactorReset, personalTokenCreated

        var summary: String {
            switch self {
            case .passwordChanged: "The password of your account was changed. Every session and personal access token of the account was ended."
            case .secondFactorEnrolled: "A second factor (an authenticator app) was enrolled on your account."
            case .secondFactorDisabled: "The second factor of your account was turned off."
            case .secondFactorReset: "An administrator removed the second factor of your account; you will enrol a new one at your next login."
            case .personalTokenCreated: "A personal access token was created on your account."
            }
        }
    }

    static let securityNotice = try! MailTemplate(
        subject: "Security notice for your Governance Platform account",
        text: """
            Hello {{first_name}},

            {{summary}}{{#detail}} ({{detail}}){{/detail}}

            When: {{when}} (UTC)
            From: {{address}}

            If this was you, nothing more is needed. If it was not, reset your password at once and
            tell your organisation's administrator.
            """,
        html: """
            <p>Hello {{first_name}},</p>
            <p>{{summary}}{{#detail}} ({{detail}}){{/detail}}</p>
            <p>When: {{when}} (UTC)<br>From: {{address}}</p>
            <p>If this was you, nothing more is needed. If it was not, reset your password at once and
            tell your organisation's administrator.</p>
            """)

    /// Records the security notice of `change` to `userID`, sent after the transaction commits.
    static func notify(_ change: SecurityChange, userID: UUID, detail: String? = nil, client: ClientInfo, sender: MailAddress,
                       unit: UnitOfWork) async throws {
        guard let row = try await unit.session.query("SELECT email, first_name FROM users WHERE id = $1", userID).first else { return }
        var values = [
            "first_name": try row.decode("first_name", as: String.self), "summary": change.summary,
            "when": Date().formatted(.iso8601), "address": client.address ?? "the server",
        ]
        if let detail { values["detail"] = detail }
        try await unit.sendEmail(OutgoingEmail(to: [MailAddress(try row.decode("email"))], template: securityNotice, values: values), from: sender)
    }
}
