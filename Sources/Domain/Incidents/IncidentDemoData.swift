import Foundation
import Postgres

/// The demo regulator's incident configuration: a NIS2 workflow for energy and transport with
/// an early warning due 24 hours after detection, a notification due 72 hours after detection
/// and a final report due a month (720 hours) after the notification was submitted, reminders
/// before each deadline, e-mails for every event in English and French, and questions written
/// for it. Written through the configuration service, as the demo regulator's administrator
/// would, so it passes the same checks.
enum IncidentDemoData {
    /// Writes the configuration unless the demo regulator has a workflow; returns whether it wrote.
    static func seed(_ platform: Platform) async throws -> Bool {
        guard let row = try await platform.postgres.query("""
            SELECT u.id AS user_id, m.regulator_id,
                   (SELECT id FROM regulations WHERE label->>'en' = 'NIS2 Directive') AS nis2,
                   EXISTS (SELECT 1 FROM notification_workflows w WHERE w.regulator_id = m.regulator_id) AS configured
            FROM users u JOIN regulator_memberships m ON m.user_id = u.id WHERE u.email = $1
            """, "regulator.admin@\(DemoData.domain)").first, !(try row.decode("configured", as: Bool.self)),
              let nis2 = try row.decode("nis2", as: UUID?.self) else { return false }
        let regulatorID = try row.decode("regulator_id", as: UUID.self)
        let sectors = Dictionary(uniqueKeysWithValues: try await platform.postgres.query("SELECT id, acronym FROM sectors")
            .map { (try $0.decode("acronym", as: String.self), try $0.decode("id", as: UUID.self)) })
        let administrator = Principal(
            userID: try row.decode("user_id"), email: "regulator.admin@\(DemoData.domain)", tokenID: UUID(), tokenKind: .session, scopes: [],
            hasAcceptedTerms: true, hasSecondFactor: true,
            affiliations: Affiliations(regulator: .init(regulatorID: regulatorID, isAdministrator: true, canExportIncidents: true, sectorIDs: [])))
        let configuration = platform.incidents.configuration
        let client = ClientInfo.system

        var templates: [EmailEvent: UUID] = [:]
        for (event, subject, body) in templateTexts {
            templates[event] = try await configuration.saveEmailTemplate(
                administrator, id: nil, EmailTemplateInput(name: "NIS2 \(event.rawValue)", event: event, subject: LanguageMap(subject),
                                                           content: LanguageMap(body)), client: client).id
        }
        for (label, headline) in impactTexts {
            _ = try await configuration.saveImpact(administrator, id: nil, ImpactInput(
                label: LanguageMap(label), headline: LanguageMap(headline), regulationIDs: [nis2],
                sectorIDs: ["ELEC", "GAS", "RAIL", "AIR"].compactMap { sectors[$0] }), client: client)
        }
        var categories: [String: UUID] = [:]
        for (key, label) in categoryTexts {
            categories[key] = try await configuration.saveQuestionCategory(administrator, id: nil, label: LanguageMap(label), client: client).id
        }
        var questions: [String: UUID] = [:]
        for (reference, kind, label, options) in questionTexts {
            questions[reference] = try await configuration.saveQuestion(administrator, id: nil, QuestionInput(
                reference: reference, kind: kind, label: LanguageMap(label),
                options: options.map { QuestionInput.Option(label: LanguageMap($0)) }), client: client).id
        }
        var stages: [StageInput] = []
        for report in reports {
            let reportType = try await configuration.saveReportType(administrator, id: nil, ReportTypeInput(
                name: report.name, label: LanguageMap(report.label), impactsNeeded: report.impactsNeeded,
                submissionTemplateID: templates[.submission]), client: client)
            _ = try await configuration.setQuestionnaire(administrator, reportTypeID: reportType.id, report.sections.map { category, items in
                QuestionnaireSectionInput(categoryID: categories[category]!, questions: items.map { (questions[$0.0]!, $0.1) })
            }, client: client)
            stages.append(StageInput(reportTypeID: reportType.id, trigger: report.trigger, delayHours: report.delayHours,
                                     reminders: report.reminderOffsets.map { (templates[.reminder]!, $0) }))
        }
        let workflow = try await configuration.saveWorkflow(administrator, id: nil, NotificationWorkflowInput(
            name: LanguageMap(["en": "NIS2 energy and transport", "fr": "NIS2 énergie et transport"]), regulationID: nis2,
            sectorIDs: ["ELEC", "GAS", "RAIL", "AIR"].compactMap { sectors[$0] }, detectionDateNeeded: true,
            openingTemplateID: templates[.opening], closingTemplateID: templates[.closing], reviewStatusTemplateID: templates[.reviewStatus],
            overdueTemplateID: templates[.overdue]), client: client)
        _ = try await configuration.setStages(administrator, workflowID: workflow.id, stages, client: client)
        try await notifyDemoIncidents(platform, nis2: nis2, regulatorID: regulatorID, sectors: sectors, reviewer: administrator)
        return true
    }

    /// A few incidents to look at: PowerCo's fresh one (early warning due within the day); an
    /// older one whose early warning (late, review passed) and notification (revision required)
    /// were submitted; and a RailWays near miss with its early warning submitted late, unreviewed.
    private static func notifyDemoIncidents(_ platform: Platform, nis2: UUID, regulatorID: UUID, sectors: [String: UUID],
                                            reviewer: Principal) async throws {
        let now = Date()
        let incidents: [(account: String, sector: String, hoursAgo: Double, type: NotificationType, crossBorder: Bool, reference: String,
                         reviews: [ReviewStatus])] = [
            ("power.admin", "ELEC", 2, .incident, false, "SOC-2026-0142", []),
            ("power.admin", "ELEC", 120, .incident, true, "SOC-2026-0117", [.passed, .revisionRequired]),
            ("rail.admin", "RAIL", 30, .nearMiss, false, "RW-CERT-88", [.unreviewed]),
        ]
        for incident in incidents {
            let email = "\(incident.account)@\(DemoData.domain)"
            let (principal, operatorID) = try await platform.postgres.withSession { session -> (Principal, UUID) in
                let row = try await session.query("SELECT id, first_name, last_name FROM users WHERE email = $1", email).required()
                let userID: UUID = try row.decode("id")
                let affiliations = try await Affiliations.required(userID, in: session)
                let principal = Principal(userID: userID, email: email, tokenID: UUID(), tokenKind: .session, scopes: [], hasAcceptedTerms: true,
                                          hasSecondFactor: true, affiliations: affiliations)
                return (principal, affiliations.operators[0].operatorID)
            }
            let name = email.split(separator: "@")[0].split(separator: ".").map { $0.prefix(1).uppercased() + $0.dropFirst() }
            let ids = try await platform.incidents.notification.notify(principal, NotificationInput(
                operatorID: operatorID,
                contact: IncidentContact(firstName: name.first ?? "Demo", lastName: name.last ?? "User", title: "Security officer", email: email,
                                         phone: "+352 26 00 00 10"),
                internalReference: incident.reference, regulationIDs: [nis2], regulatorIDs: [regulatorID],
                sectorIDs: [sectors[incident.sector]].compactMap { $0 }, detectedAt: now.addingTimeInterval(-incident.hoursAgo * 3600),
                timeZone: "Europe/Luxembourg", notificationType: incident.type, crossBorder: incident.crossBorder), client: .system)
            for (index, review) in incident.reviews.enumerated() {
                try await fileDemoReport(platform, principal, incidentID: ids[0], reportIndex: index, review: review, reviewer: reviewer)
            }
        }
    }

    /// Submits the report at `reportIndex` with plausible answers to every question, then gives
    /// it `review` (as `reviewer`) unless it stays unreviewed.
    private static func fileDemoReport(_ platform: Platform, _ principal: Principal, incidentID: UUID, reportIndex: Int, review: ReviewStatus,
                                       reviewer: Principal) async throws {
        let reports = platform.incidents.reports
        let incident = try await platform.incidents.query.incident(principal, id: incidentID)
        let form = try await reports.form(principal, incidentID: incidentID, stageID: incident.reports[reportIndex].stageID)
        let answers = form.questionnaire.sections.flatMap(\.items).map { item -> ReportAnswer in
            switch item.kind {
            case .freeText: ReportAnswer(questionID: item.questionID, text: demoTexts[item.reference] ?? "See the attached analysis.")
            case .singleChoice, .singleChoiceWithDetail, .multipleChoice, .multipleChoiceWithDetail:
                ReportAnswer(questionID: item.questionID, choices: item.options.prefix(1).map(\.id))
            case .date: ReportAnswer(questionID: item.questionID, date: incident.detectedAt)
            case .countryList: ReportAnswer(questionID: item.questionID, codes: ["LU"])
            case .regionList: ReportAnswer(questionID: item.questionID, codes: ["LU-ES"])
            }
        }
        let version = try await reports.submit(principal, incidentID: incidentID, stageID: form.report.stageID, ReportSubmission(
            timeZone: "Europe/Luxembourg", startedAt: incident.detectedAt?.addingTimeInterval(-1800), answers: answers,
            impactIDs: form.impacts.prefix(1).map(\.id)), client: .system)
        if review != .unreviewed {
            _ = try await reports.review(reviewer, versionID: version.id, ifMatch: version.etag, status: review,
                                         comment: review == .passed ? "" : "Please quantify the customers affected.", client: .system)
        }
    }

    private static let demoTexts: [String: String] = [
        "NIS2-SUMMARY": "Ransomware encrypted part of the billing and metering servers; supply itself was not interrupted.",
        "NIS2-USERS": "About 12,000 customers cannot see their consumption.",
        "NIS2-MITIGATION": "Affected servers isolated, backups verified, restoration under way with the supplier.",
    ]

    /// Written per language rather than translated word for word: in French a report's name
    /// stands in quotes after « rapport », so no article has to agree with it.
    private static let templateTexts: [(EmailEvent, [String: String], [String: String])] = [
        (.opening, ["en": "Incident {{reference}} notified", "fr": "Incident {{reference}} notifié"],
         ["en": "Dear {{operator}},\n\nYour incident **{{reference}}** ({{workflow}}) was notified on {{notificationDate}}. "
             + "The next report is due **{{deadline}}**.\n\n[Open the incident]({{link}})",
          "fr": "Madame, Monsieur,\n\nVotre incident **{{reference}}** ({{workflow}}) a été notifié le {{notificationDate}}. "
             + "Le prochain rapport est attendu pour le **{{deadline}}**.\n\n[Ouvrir l'incident]({{link}})"]),
        (.submission, ["en": "{{report}} received for incident {{reference}}",
                       "fr": "Rapport « {{report}} » reçu pour l'incident {{reference}}"],
         ["en": "Dear {{operator}},\n\n{{regulator}} received the **{{report}}** of incident {{reference}}.\n\n[Open the incident]({{link}})",
          "fr": "Madame, Monsieur,\n\n{{regulator}} a reçu le rapport **« {{report}} »** de l'incident {{reference}}.\n\n"
             + "[Ouvrir l'incident]({{link}})"]),
        (.reviewStatus, ["en": "{{report}} of incident {{reference}}: {{reviewStatus}}",
                         "fr": "Rapport « {{report}} » de l'incident {{reference}} : {{reviewStatus}}"],
         ["en": "Dear {{operator}},\n\nThe review of the **{{report}}** of incident {{reference}} is: **{{reviewStatus}}**.\n\n"
             + "{{reviewComment}}\n\n[Open the incident]({{link}})",
          "fr": "Madame, Monsieur,\n\nRésultat de l'examen du rapport **« {{report}} »** de l'incident {{reference}} : **{{reviewStatus}}**.\n\n"
             + "{{reviewComment}}\n\n[Ouvrir l'incident]({{link}})"]),
        (.closing, ["en": "Incident {{reference}} closed", "fr": "Incident {{reference}} clôturé"],
         ["en": "Dear {{operator}},\n\nIncident {{reference}} is closed. Thank you for your reports.",
          "fr": "Madame, Monsieur,\n\nL'incident {{reference}} est clôturé. Merci pour vos rapports."]),
        (.reminder, ["en": "Reminder: {{report}} of incident {{reference}} due {{deadline}}",
                     "fr": "Rappel : rapport « {{report}} » de l'incident {{reference}} attendu pour le {{deadline}}"],
         ["en": "Dear {{operator}},\n\nThe **{{report}}** of incident {{reference}} is due **{{deadline}}** ({{timeZone}}).\n\n[Open the incident]({{link}})",
          "fr": "Madame, Monsieur,\n\nLe rapport **« {{report}} »** de l'incident {{reference}} est attendu pour le **{{deadline}}** "
             + "({{timeZone}}).\n\n[Ouvrir l'incident]({{link}})"]),
        (.overdue, ["en": "Overdue: {{report}} of incident {{reference}}", "fr": "En retard : rapport « {{report}} » de l'incident {{reference}}"],
         ["en": "Dear {{operator}},\n\nThe **{{report}}** of incident {{reference}} was due **{{deadline}}** and has not been submitted. "
             + "Please submit it without delay.\n\n[Open the incident]({{link}})",
          "fr": "Madame, Monsieur,\n\nLe rapport **« {{report}} »** de l'incident {{reference}} était attendu pour le **{{deadline}}** et n'a pas "
             + "été soumis. Merci de le soumettre sans tarder.\n\n[Ouvrir l'incident]({{link}})"]),
    ]

    private static let impactTexts: [([String: String], [String: String])] = [
        (["en": "The service was unavailable for more than one hour to more than 5 % of its users",
          "fr": "Le service a été indisponible plus d'une heure pour plus de 5 % de ses utilisateurs"], ["en": "Availability",
              "fr": "Disponibilité"]),
        (["en": "A financial loss above EUR 500,000 or 5 % of the annual turnover",
            "fr": "Une perte financière supérieure à 500 000 EUR ou 5 % du chiffre d'affaires"],
         ["en": "Financial loss", "fr": "Perte financière"]),
        (["en": "Death or considerable damage to the health of a person", "fr": "Le décès ou une atteinte considérable à la santé d'une personne"],
         ["en": "Safety", "fr": "Sécurité"]),
    ]

    private static let categoryTexts: [(String, [String: String])] = [
        ("description", ["en": "Incident description", "fr": "Description de l'incident"]),
        ("impact", ["en": "Impact", "fr": "Impact"]),
        ("cause", ["en": "Cause and handling", "fr": "Cause et traitement"]),
        ("crossBorder", ["en": "Cross-border effects", "fr": "Effets transfrontaliers"]),
    ]

    private static let yesNoUnknown: [[String: String]] = [["en": "Yes", "fr": "Oui"], ["en": "No", "fr": "Non"], ["en": "Unknown", "fr": "Inconnu"]]

    private static let questionTexts: [(String, QuestionKind, [String: String], [[String: String]])] = [
        ("NIS2-SUMMARY", .freeText, ["en": "Describe the incident in a few sentences.", "fr": "Décrivez l'incident en quelques phrases."], []),
        ("NIS2-MALICIOUS", .singleChoice, ["en": "Is the incident suspected to be caused by unlawful or malicious acts?",
                                           "fr": "L'incident est-il suspecté d'être causé par des actes illicites ou malveillants ?"], yesNoUnknown),
        ("NIS2-CROSS-BORDER", .singleChoice, ["en": "Could the incident have a cross-border impact?",
                                              "fr": "L'incident pourrait-il avoir un impact transfrontalier ?"], yesNoUnknown),
        ("NIS2-COUNTRIES", .countryList,
         ["en": "Which Member States are or could be affected?", "fr": "Quels États membres sont ou pourraient être touchés ?"], []),
        ("NIS2-REGIONS", .regionList, ["en": "Which regions are affected?", "fr": "Quelles régions sont touchées ?"], []),
        ("NIS2-SEVERITY", .singleChoice, ["en": "How severe is the impact?", "fr": "Quelle est la gravité de l'impact ?"],
         [["en": "Low", "fr": "Faible"], ["en": "Medium", "fr": "Moyenne"], ["en": "High", "fr": "Élevée"], ["en": "Critical", "fr": "Critique"]]),
        ("NIS2-SERVICES", .multipleChoiceWithDetail, ["en": "Which services are affected?", "fr": "Quels services sont touchés ?"],
         [["en": "Supply to customers", "fr": "Fourniture aux clients"], ["en": "Customer portal", "fr": "Portail client"],
          ["en": "Metering and billing", "fr": "Comptage et facturation"], ["en": "Operational technology", "fr": "Technologie opérationnelle"],
          ["en": "Internal IT", "fr": "Informatique interne"]]),
        ("NIS2-USERS", .freeText, ["en": "How many users are affected (estimate)?", "fr": "Combien d'utilisateurs sont touchés (estimation) ?"], []),
        ("NIS2-THREAT", .multipleChoice, ["en": "What kind of threat is involved?", "fr": "De quel type de menace s'agit-il ?"],
         [["en": "Ransomware", "fr": "Rançongiciel"], ["en": "Denial of service", "fr": "Déni de service"], ["en": "Phishing", "fr": "Hameçonnage"],
          ["en": "Data exfiltration", "fr": "Exfiltration de données"], ["en": "Other", "fr": "Autre"]]),
        ("NIS2-START", .date, ["en": "When did the incident start?", "fr": "Quand l'incident a-t-il commencé ?"], []),
        ("NIS2-ROOT-CAUSE", .singleChoiceWithDetail, ["en": "What was the root cause?", "fr": "Quelle en était la cause première ?"],
         [["en": "Malicious action", "fr": "Action malveillante"], ["en": "System failure", "fr": "Défaillance d'un système"],
          ["en": "Human error", "fr": "Erreur humaine"], ["en": "Natural phenomenon", "fr": "Phénomène naturel"],
          ["en": "Failure of a third party", "fr": "Défaillance d'un tiers"]]),
        ("NIS2-MITIGATION", .freeText, ["en": "Which mitigation measures were applied, and which are ongoing?",
                                        "fr": "Quelles mesures d'atténuation ont été appliquées, et lesquelles sont en cours ?"], []),
        ("NIS2-RESOLUTION", .date, ["en": "When was the incident resolved?", "fr": "Quand l'incident a-t-il été résolu ?"], []),
        ("NIS2-LESSONS", .freeText, ["en": "What lessons were learnt?", "fr": "Quels enseignements en ont été tirés ?"], []),
    ]

    private struct Report {
        let name: String
        let label: [String: String]
        let impactsNeeded: Bool
        let trigger: DeadlineTrigger
        let delayHours: Int
        let reminderOffsets: [Int]
        /// Categories in order, each with (question reference, mandatory).
        let sections: [(String, [(String, Bool)])]
    }

    private static let reports: [Report] = [
        Report(name: "early-warning", label: ["en": "Early warning", "fr": "Alerte précoce"], impactsNeeded: false, trigger: .detection,
               delayHours: 24, reminderOffsets: [-6, -1],
               sections: [("description", [("NIS2-SUMMARY", true), ("NIS2-MALICIOUS", true)]),
                          ("crossBorder", [("NIS2-CROSS-BORDER", true), ("NIS2-COUNTRIES", false)])]),
        Report(name: "incident-notification", label: ["en": "Incident notification", "fr": "Notification d'incident"], impactsNeeded: true,
               trigger: .detection, delayHours: 72, reminderOffsets: [-12, -2],
               sections: [("description", [("NIS2-SUMMARY", true), ("NIS2-START", true), ("NIS2-THREAT", false)]),
                          ("impact", [("NIS2-SEVERITY", true), ("NIS2-SERVICES", true), ("NIS2-USERS", false)]),
                          ("crossBorder", [("NIS2-COUNTRIES", false), ("NIS2-REGIONS", false)])]),
        Report(name: "final-report", label: ["en": "Final report", "fr": "Rapport final"], impactsNeeded: true, trigger: .previousReportSubmitted,
               delayHours: 720, reminderOffsets: [-72, -24],
               sections: [("description", [("NIS2-SUMMARY", true), ("NIS2-THREAT", false)]),
                          ("cause", [("NIS2-ROOT-CAUSE", true), ("NIS2-MITIGATION", true), ("NIS2-RESOLUTION", true), ("NIS2-LESSONS", false)]),
                          ("crossBorder", [("NIS2-CROSS-BORDER", true)])]),
    ]
}
