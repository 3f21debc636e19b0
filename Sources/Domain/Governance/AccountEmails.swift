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
