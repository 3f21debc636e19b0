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
}
