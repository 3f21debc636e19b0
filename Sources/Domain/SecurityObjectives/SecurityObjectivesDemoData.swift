import Foundation
import Postgres

/// The demo regulator's security standard (ENISA-style: 10 domains, 30 objectives, levels 0 to
/// 3 with the reporting palette, five measures per objective) with its e-mails, and
/// declarations in several states: PowerCo's last year passed, its current year a draft half
/// answered, RailWays' current year submitted and half reviewed. Written through the services,
/// as the demo users would, so it passes the same checks.
enum SecurityObjectivesDemoData {
    /// Writes the standard and declarations unless the demo regulator has a standard; returns
    /// whether it wrote.
    static func seed(_ platform: Platform) async throws -> Bool {
        guard let row = try await platform.postgres.query("""
            SELECT (SELECT id FROM regulations WHERE label->>'en' = 'NIS2 Directive') AS nis2,
                   EXISTS (SELECT 1 FROM standards s WHERE s.regulator_id = m.regulator_id) AS configured
            FROM users u JOIN regulator_memberships m ON m.user_id = u.id WHERE u.email = $1
            """, "regulator.admin@\(DemoData.domain)").first, !(try row.decode("configured", as: Bool.self)),
              let nis2 = try row.decode("nis2", as: UUID?.self) else { return false }
        let administrator = try await DemoData.principal(platform, "regulator.admin")
        let client = ClientInfo.system
        var templates: [EmailEvent: UUID] = [:]
        for (event, subject, content) in templateTexts {
            templates[event] = try await platform.incidents.configuration.saveEmailTemplate(
                administrator, id: nil, EmailTemplateInput(name: "Declaration \(event == .declarationSubmission ? "submitted" : "verdict")",
                                                           event: event, subject: LanguageMap(subject), content: LanguageMap(content)),
                client: client).id
        }
        let catalogue = platform.securityObjectives.standards
        let standard = try await catalogue.save(administrator, id: nil, StandardInput(
            regulationID: nis2, label: LanguageMap(["en": "ENISA security objectives", "fr": "Objectifs de sécurité ENISA"]),
            description: LanguageMap(["en": "Security objectives for operators of essential services, after ENISA's guidance.",
                                      "fr": "Objectifs de sécurité pour les opérateurs de services essentiels, d'après l'ENISA."]),
            submissionTemplateID: templates[.declarationSubmission], reviewTemplateID: templates[.declarationReview]), client: client)
        _ = try await catalogue.replaceContent(administrator, id: standard.id, content, client: client)

        let year = Calendar.utc.component(.year, from: Date())
        let power = try await DemoData.principal(platform, "power.admin")
        let rail = try await DemoData.principal(platform, "rail.admin")
        let reviewer = try await DemoData.principal(platform, "regulator.admin")
        // PowerCo, last year: passed.
        let passed = try await declare(platform, power, standard: standard.id, year: year - 1, sector: "ELEC", answered: 30)
        try await submit(platform, power, passed)
        try await review(platform, reviewer, passed, statuses: Array(repeating: .passed, count: 30), send: "All objectives meet the expected level.")
        // PowerCo, this year: a draft half answered.
        _ = try await declare(platform, power, standard: standard.id, year: year, sector: "ELEC", answered: 15)
        // RailWays, this year: submitted, half reviewed.
        let submitted = try await declare(platform, rail, standard: standard.id, year: year, sector: "RAIL", answered: 30)
        try await submit(platform, rail, submitted)
        try await review(platform, reviewer, submitted, statuses: Array(repeating: .passed, count: 12) + [.revisionRequired, .revisionRequired],
                         send: nil)
        return true
    }

    /// A declaration with its first `answered` objectives answered: the level-1 and level-2
    /// measures implemented and justified, level 3 planned.
    private static func declare(_ platform: Platform, _ principal: Principal, standard: UUID, year: Int, sector: String, answered: Int) async throws
        -> UUID {
        let sectorID = try await platform.postgres.query("SELECT id FROM sectors WHERE acronym = $1", sector).required().decode("id", as: UUID.self)
        let declarations = platform.securityObjectives.declarations
        let detail = try await declarations.create(principal, DeclarationInput(standardID: standard, year: year, sectorIDs: [sectorID]),
                                                   idempotencyKey: nil, client: .system)
        for objective in detail.objectives.prefix(answered) {
            for group in objective.levels where group.level == 1 || group.level == 2 {
                for measure in group.measures {
                    _ = try await declarations.answer(principal, declarationID: detail.declaration.id, measureID: measure.measureID,
                                                      MeasureAnswerChange(
                        isImplemented: true, justification: "In place since \(year - 2); see the security file, section \(objective.code)."),
                        client: .system)
                }
            }
            _ = try await declarations.assess(principal, declarationID: detail.declaration.id, objectiveID: objective.objectiveID, ObjectiveChange(
                plannedActions: "Level 3 measures planned for Q\(objective.code.count % 4 + 1) \(year + 1), owned by the CISO."), client: .system)
        }
        return detail.declaration.id
    }

    private static func submit(_ platform: Platform, _ principal: Principal, _ id: UUID) async throws {
        let detail = try await platform.securityObjectives.declarations.declaration(principal, id: id)
        _ = try await platform.securityObjectives.declarations.submit(principal, id: id, ifMatch: detail.declaration.etag, client: .system)
    }

    private static func review(_ platform: Platform, _ reviewer: Principal, _ id: UUID, statuses: [ObjectiveReviewStatus],
                               send comment: String?) async throws {
        let declarations = platform.securityObjectives.declarations
        let detail = try await declarations.declaration(reviewer, id: id)
        for (objective, status) in zip(detail.objectives, statuses) {
            _ = try await declarations.assess(reviewer, declarationID: id, objectiveID: objective.objectiveID, ObjectiveChange(reviewStatus: status),
                                              client: .system)
        }
        if let comment {
            let current = try await declarations.declaration(reviewer, id: id)
            _ = try await declarations.sendReview(reviewer, id: id, comment: comment, ifMatch: current.declaration.etag, client: .system)
        }
    }

    private static let templateTexts: [(EmailEvent, [String: String], [String: String])] = [
        (.declarationSubmission, ["en": "Security objectives declaration {{reference}} submitted", "fr": "Déclaration {{reference}} soumise"],
         ["en": "{{operator}} submitted its {{year}} declaration against **{{standard}}**.\n\n[Open the declaration]({{link}})",
          "fr": "{{operator}} a soumis sa déclaration {{year}} au regard de **{{standard}}**.\n\n[Ouvrir la déclaration]({{link}})"]),
        (.declarationReview, ["en": "Security objectives declaration {{reference}}: {{reviewStatus}}",
                              "fr": "Déclaration {{reference}} : {{reviewStatus}}"],
         ["en": "{{regulator}} reviewed the {{year}} declaration of {{operator}}: **{{reviewStatus}}**.\n\n[Read the review]({{link}})",
          "fr": "{{regulator}} a examiné la déclaration {{year}} de {{operator}} : **{{reviewStatus}}**.\n\n[Lire l'examen]({{link}})"]),
    ]

    /// Ten domains of three objectives each, ENISA-style.
    static let domains: [(String, [(String, String)])] = [
        ("Governance and ecosystem", [("Information security policy", "security policy"), ("Governance and roles", "security roles"),
                                      ("Third-party management", "supplier security requirements")]),
        ("Risk management", [("Risk analysis", "risk analysis"), ("Risk treatment", "risk treatment plan"), ("Security audits", "security audits")]),
        ("Human resources security", [("Security awareness", "awareness programme"), ("Personnel checks", "background checks"),
                                      ("Security training", "security training")]),
        ("Security of systems and facilities",
         [("Physical security", "physical access control"), ("Supporting utilities", "power and cooling resilience"),
                                                ("Access control", "logical access control")]),
        ("Operations management", [("Operating procedures", "documented operating procedures"), ("Change management", "change management"),
                                   ("Asset management", "asset inventory")]),
        ("Incident management", [("Incident detection", "detection capability"), ("Incident response", "incident response procedure"),
                                 ("Incident reporting", "incident reporting to the authorities")]),
        ("Business continuity", [("Continuity strategy", "continuity strategy"), ("Disaster recovery", "disaster recovery"),
                                 ("Backups", "backup and restoration")]),
        ("Monitoring, auditing and testing", [("Monitoring and logging", "logging and monitoring"), ("System tests", "security testing"),
                                              ("Security assessments", "security assessments")]),
        ("Threat awareness", [("Threat intelligence", "threat intelligence"), ("Information sharing", "information sharing with peers"),
                              ("Vulnerability management", "vulnerability management")]),
        ("Cryptography and network security", [("Cryptography", "cryptographic controls"), ("Network segmentation", "network segmentation"),
                                               ("Secure development", "secure development")]),
    ]

    static var content: StandardContent {
        var number = 0
        return StandardContent(
            levels: [
                .init(level: 0, label: LanguageMap(["en": "Nothing in place", "fr": "Rien en place"]), color: "#ED2939"),
                .init(level: 1, label: LanguageMap(["en": "Basic", "fr": "De base"]), color: "#FFC000"),
                .init(level: 2, label: LanguageMap(["en": "Industry standard", "fr": "Standard du secteur"]), color: "#DDE96D"),
                .init(level: 3, label: LanguageMap(["en": "State of the art", "fr": "État de l'art"]), color: "#00B050"),
            ],
            domains: domains.map { domain, objectives in
                StandardContent.Domain(label: LanguageMap(["en": domain]), objectives: objectives.map { title, topic in
                    number += 1
                    return StandardContent.Objective(
                        code: "SO\(number)", title: LanguageMap(["en": title]),
                        description: LanguageMap(["en": "The operator establishes and maintains appropriate \(topic)."]), priority: number % 3,
                        measures: [
                            .init(level: 0, description: LanguageMap(["en": "No \(topic) in place."])),
                            .init(level: 1, description: LanguageMap(["en": "Basic \(topic) is defined."]),
                                  evidence: LanguageMap(["en": "A document describing the \(topic)."])),
                            .init(level: 1, description: LanguageMap(["en": "Responsibilities for the \(topic) are assigned."]),
                                  evidence: LanguageMap(["en": "Named owners."])),
                            .init(level: 2, description: LanguageMap(["en": "The \(topic) is reviewed at least yearly."]),
                                  evidence: LanguageMap(["en": "Review minutes."])),
                            .init(level: 3, description: LanguageMap(["en": "The \(topic) is measured and improved continuously."]),
                                  evidence: LanguageMap(["en": "Indicators and improvement records."])),
                        ])
                })
            })
    }
}
