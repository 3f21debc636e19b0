import Domain
import Foundation

// Incident configuration: Domain values → response schemas, request schemas → Domain inputs.

extension Components.Schemas.LongTranslations: TranslationsPayload {
    var translations: [String: String?] { ["en": en, "fr": fr, "nl": nl, "de": de] }
}

extension Components.Schemas.OptionalLabelTranslations: TranslationsPayload {
    var translations: [String: String?] { ["en": en, "fr": fr, "nl": nl, "de": de] }
}

extension Components.Schemas.EmailTemplate {
    init(_ template: EmailTemplate, _ language: Language) throws {
        self.init(
            id: template.id.apiString, name: template.name, event: try .init(mirroring: template.event),
            subject: template.subject.text(in: language), subjectTranslations: template.subject.api,
            content: template.content.text(in: language), contentTranslations: template.content.api,
            createdAt: template.createdAt, updatedAt: template.updatedAt)
    }
}

extension EmailTemplateInput {
    init(_ body: Components.Schemas.EmailTemplateWrite) {
        self.init(name: body.name, event: EmailEvent(rawValue: body.event.rawValue), subject: body.subject.languageMap,
                  content: body.content.languageMap)
    }
}

extension Components.Schemas.EmailPreview {
    init(_ email: RenderedEmail) throws {
        self.init(language: try .init(mirroring: email.language), subject: email.subject, html: email.html, text: email.text)
    }
}

extension Components.Schemas.Impact {
    init(_ impact: Impact, _ language: Language) {
        self.init(
            id: impact.id.apiString, label: impact.label.text(in: language), labelTranslations: impact.label.api,
            headline: impact.headline.optionalText(in: language), headlineTranslations: impact.headline.api,
            regulationIds: impact.regulationIDs.map(\.apiString), sectorIds: impact.sectorIDs.map(\.apiString),
            createdAt: impact.createdAt, updatedAt: impact.updatedAt)
    }
}

extension ImpactInput {
    init(_ body: Components.Schemas.ImpactWrite) throws {
        self.init(label: body.label.languageMap, headline: body.headline?.languageMap,
                  regulationIDs: try body.regulationIds.map(APIService.uuid(field: "regulation_ids")),
                  sectorIDs: try (body.sectorIds ?? []).map(APIService.uuid(field: "sector_ids")))
    }
}

extension Components.Schemas.QuestionCategory {
    init(_ category: QuestionCategory, _ language: Language) {
        self.init(id: category.id.apiString, label: category.label.text(in: language), labelTranslations: category.label.api,
                  createdAt: category.createdAt, updatedAt: category.updatedAt)
    }
}

extension Components.Schemas.QuestionOption {
    init(_ option: Question.Option, _ language: Language) {
        self.init(id: option.id.apiString, label: option.label.text(in: language), labelTranslations: option.label.api)
    }
}

extension Components.Schemas.Question {
    init(_ question: Question, _ language: Language) throws {
        self.init(
            id: question.id.apiString, reference: question.reference, kind: try .init(mirroring: question.kind),
            label: question.label.text(in: language), labelTranslations: question.label.api,
            tooltip: question.tooltip.optionalText(in: language), tooltipTranslations: question.tooltip.api,
            options: question.options.map { .init($0, language) }, createdAt: question.createdAt, updatedAt: question.updatedAt)
    }
}

extension QuestionInput {
    init(_ body: Components.Schemas.QuestionWrite) throws {
        self.init(reference: body.reference, kind: try QuestionKind(mirroring: body.kind), label: body.label.languageMap,
                  tooltip: body.tooltip?.languageMap,
                  options: try (body.options ?? []).enumerated().map { index, option in
                      QuestionInput.Option(id: try option.id.map(APIService.uuid(field: "options[\(index)].id")), label: option.label.languageMap)
                  })
    }
}

extension Components.Schemas.ReportType {
    init(_ reportType: ReportType, _ language: Language) {
        self.init(
            id: reportType.id.apiString, name: reportType.name, label: reportType.label.text(in: language), labelTranslations: reportType.label.api,
            description: reportType.description.optionalText(in: language), descriptionTranslations: reportType.description.api,
            impactsNeeded: reportType.impactsNeeded, submissionTemplateId: reportType.submissionTemplateID?.apiString,
            questionCount: reportType.questionCount, createdAt: reportType.createdAt, updatedAt: reportType.updatedAt)
    }
}

extension ReportTypeInput {
    init(_ body: Components.Schemas.ReportTypeWrite) throws {
        self.init(name: body.name, label: body.label.languageMap, description: body.description?.languageMap,
                  impactsNeeded: body.impactsNeeded ?? false,
                  submissionTemplateID: try body.submissionTemplateId.map(APIService.uuid(field: "submission_template_id")))
    }
}

extension Components.Schemas.Questionnaire {
    init(_ questionnaire: Questionnaire, _ language: Language) throws {
        self.init(sections: try questionnaire.sections.map { section in
            .init(categoryId: section.categoryID.apiString, label: section.label.text(in: language), labelTranslations: section.label.api,
                  questions: try section.items.map { item in
                      .init(questionId: item.questionID.apiString, reference: item.reference, kind: try .init(mirroring: item.kind),
                            label: item.label.text(in: language), labelTranslations: item.label.api,
                            tooltip: item.tooltip.optionalText(in: language), tooltipTranslations: item.tooltip.api,
                            options: item.options.map { .init($0, language) }, mandatory: item.mandatory)
                  })
        })
    }
}

extension Components.Schemas.QuestionnaireWrite {
    func sectionInputs() throws -> [QuestionnaireSectionInput] {
        try sections.enumerated().map { index, section in
            QuestionnaireSectionInput(
                categoryID: try APIService.uuid(field: "sections[\(index)].category_id")(section.categoryId),
                questions: try section.questions.enumerated().map { position, item in
                    (try APIService.uuid(field: "sections[\(index)].questions[\(position)].question_id")(item.questionId), item.mandatory ?? false)
                })
        }
    }
}

extension Components.Schemas.NotificationWorkflow {
    init(_ workflow: NotificationWorkflow, _ language: Language) throws {
        self.init(
            id: workflow.id.apiString, regulationId: workflow.regulationID.apiString, name: workflow.name.text(in: language),
            nameTranslations: workflow.name.api, detectionDateNeeded: workflow.detectionDateNeeded, sectorIds: workflow.sectorIDs.map(\.apiString),
            openingTemplateId: workflow.openingTemplateID?.apiString, closingTemplateId: workflow.closingTemplateID?.apiString,
            reviewStatusTemplateId: workflow.reviewStatusTemplateID?.apiString, overdueTemplateId: workflow.overdueTemplateID?.apiString,
            reports: try workflow.stages.map { stage in
                .init(id: stage.id.apiString, reportTypeId: stage.reportTypeID.apiString, position: stage.position,
                      trigger: try .init(mirroring: stage.trigger), delayHours: stage.delayHours,
                      reminders: stage.reminders.map { .init(id: $0.id.apiString, templateId: $0.templateID.apiString, offsetHours: $0.offsetHours) })
            },
            createdAt: workflow.createdAt, updatedAt: workflow.updatedAt)
    }
}

extension NotificationWorkflowInput {
    init(_ body: Components.Schemas.NotificationWorkflowWrite) throws {
        self.init(
            name: body.name.languageMap, regulationID: try APIService.uuid(field: "regulation_id")(body.regulationId),
            sectorIDs: try (body.sectorIds ?? []).map(APIService.uuid(field: "sector_ids")), detectionDateNeeded: body.detectionDateNeeded ?? false,
            openingTemplateID: try body.openingTemplateId.map(APIService.uuid(field: "opening_template_id")),
            closingTemplateID: try body.closingTemplateId.map(APIService.uuid(field: "closing_template_id")),
            reviewStatusTemplateID: try body.reviewStatusTemplateId.map(APIService.uuid(field: "review_status_template_id")),
            overdueTemplateID: try body.overdueTemplateId.map(APIService.uuid(field: "overdue_template_id")))
    }
}

extension Components.Schemas.WorkflowReportsWrite {
    func stageInputs() throws -> [StageInput] {
        try reports.enumerated().map { index, report in
            StageInput(
                reportTypeID: try APIService.uuid(field: "reports[\(index)].report_type_id")(report.reportTypeId),
                trigger: try DeadlineTrigger(mirroring: report.trigger), delayHours: report.delayHours ?? 0,
                reminders: try (report.reminders ?? []).enumerated().map { position, reminder in
                    (try APIService.uuid(field: "reports[\(index)].reminders[\(position)].template_id")(reminder.templateId), reminder.offsetHours)
                })
        }
    }
}

// MARK: Notifications and incidents

extension Components.Schemas.Choice {
    init(_ choice: NotificationOptions.Choice, _ language: Language) {
        self.init(id: choice.id.apiString, label: choice.label.text(in: language), labelTranslations: choice.label.api)
    }
}

extension Components.Schemas.NotificationOptions {
    init(_ options: NotificationOptions, _ language: Language) {
        self.init(
            regulations: options.regulations.map { .init($0, language) }, regulators: options.regulators.map { .init($0, language) },
            sectorGroups: options.sectorGroups.map { .init(root: .init($0.root, language), sectors: $0.sectors.map { .init($0, language) }) },
            sectorsNeeded: options.sectorsNeeded, detectionTimeNeeded: options.detectionTimeNeeded)
    }
}

extension IncidentContact {
    init(_ body: Components.Schemas.IncidentContactWrite) {
        self.init(firstName: body.firstName, lastName: body.lastName, title: body.title ?? "", email: body.email, phone: body.phone)
    }
}

extension NotificationInput {
    init(_ body: Components.Schemas.IncidentCreate) throws {
        self.init(
            operatorID: try body.operatorId.map(APIService.uuid(field: "operator_id")), notifierName: body.notifierName,
            contact: IncidentContact(body.contact), technicalContact: body.technicalContact.map(IncidentContact.init),
            internalReference: body.internalReference, complaintReference: body.complaintReference,
            regulationIDs: try body.regulationIds.map(APIService.uuid(field: "regulation_ids")),
            regulatorIDs: try body.regulatorIds.map(APIService.uuid(field: "regulator_ids")),
            sectorIDs: try (body.sectorIds ?? []).map(APIService.uuid(field: "sector_ids")), detectedAt: body.detectedAt, timeZone: body.timeZone,
            notificationType: try NotificationType(mirroring: body.notificationType), crossBorder: body.crossBorder ?? false)
    }
}

extension Components.Schemas.IncidentContact {
    init(_ contact: IncidentContact) {
        self.init(firstName: contact.firstName, lastName: contact.lastName, title: contact.title, email: contact.email, phone: contact.phone)
    }
}

extension Components.Schemas.Incident {
    init(_ incident: Incident, _ language: Language, now: Date) throws {
        let notifier: Components.Schemas.Incident.NotifierPayload
        switch incident.notifier {
        case .operator(let id): notifier = .init(kind: ._operator, name: incident.notifierName, operatorId: id.apiString)
        case .regulator(let id): notifier = .init(kind: .regulator, name: incident.notifierName, regulatorId: id.apiString)
        case .independentUser: notifier = .init(kind: .independentUser, name: incident.notifierName)
        }
        self.init(
            id: incident.id.apiString, reference: incident.reference, workflowId: incident.workflowID.apiString,
            workflowName: incident.workflowName.text(in: language), regulationId: incident.regulationID.apiString,
            regulatorId: incident.regulatorID.apiString, notifier: notifier, contact: .init(incident.contact),
            technicalContact: .init(incident.technicalContact), internalReference: incident.internalReference,
            complaintReference: incident.complaintReference, sectorIds: incident.sectorIDs.map(\.apiString),
            notificationType: try .init(mirroring: incident.notificationType), crossBorder: incident.crossBorder, timeZone: incident.timeZone,
            detectedAt: incident.detectedAt, notifiedAt: incident.notifiedAt, status: incident.isOpen ? .open : .closed,
            significant: incident.significant, nextDeadline: incident.nextDeadline,
            reports: try incident.reports.map { try .init($0, language, now: now, submittable: incident.isSubmittable($0.stageID)) },
            updatedAt: incident.updatedAt)
    }
}

extension Components.Schemas.IncidentReport {
    init(_ report: Incident.Report, _ language: Language, now: Date, submittable: Bool) throws {
        self.init(
            stageId: report.stageID.apiString, reportTypeId: report.reportTypeID.apiString, name: report.name,
            label: report.label.text(in: language), labelTranslations: report.label.api, position: report.position,
            trigger: try .init(mirroring: report.trigger), delayHours: report.delayHours, triggeredAt: report.triggeredAt,
            dueAt: report.dueAt, firstSubmittedAt: report.firstSubmittedAt, late: report.late,
            status: try .init(mirroring: report.displayStatus(at: now)),
            reviewStatus: try report.reviewStatus.map { try .init(mirroring: $0) }, submittable: submittable,
            versions: try report.versions.map {
                .init(id: $0.id.apiString, number: $0.number, submittedAt: $0.submittedAt, late: $0.late,
                      reviewStatus: try .init(mirroring: $0.reviewStatus))
            })
    }
}

// Reports: versions, forms, reviews and the access log.

extension Components.Schemas.ReportAnswer {
    init(_ answer: ReportAnswer) {
        self.init(questionId: answer.questionID.apiString, choices: answer.choices.map(\.apiString), text: answer.text, codes: answer.codes,
                  date: answer.date)
    }

    func domain(_ index: Int) throws -> ReportAnswer {
        ReportAnswer(questionID: try APIService.uuid(field: "answers[\(index)].question_id")(questionId),
                     choices: try (choices ?? []).map(APIService.uuid(field: "answers[\(index)].choices")), text: text ?? "", codes: codes ?? [],
                     date: date)
    }
}

extension ReportSubmission {
    init(_ body: Components.Schemas.ReportSubmission) throws {
        self.init(timeZone: body.timeZone, startedAt: body.startedAt, detectedAt: body.detectedAt, resolvedAt: body.resolvedAt,
                  answers: try body.answers.enumerated().map { try $1.domain($0) },
                  impactIDs: try (body.impactIds ?? []).map(APIService.uuid(field: "impact_ids")))
    }
}

extension Components.Schemas.ImpactChoice {
    init(id: UUID, label: LanguageMap, headline: LanguageMap? = nil, sectorIDs: [UUID]? = nil, _ language: Language) {
        self.init(id: id.apiString, label: label.text(in: language), labelTranslations: label.api, headline: headline?.text(in: language),
                  sectorIds: sectorIDs?.map(\.apiString))
    }
}

extension Components.Schemas.ReportVersion {
    init(_ version: ReportVersion, _ language: Language) throws {
        self.init(
            id: version.id.apiString, incidentId: version.incidentID.apiString, incidentReference: version.incidentReference,
            stageId: version.stageID.apiString, reportTypeId: version.reportTypeID.apiString, reportName: version.reportName,
            reportLabel: version.reportLabel.text(in: language), number: version.number, submittedAt: version.submittedAt,
            submitterName: version.submitterName, late: version.late, timeZone: version.timeZone, startedAt: version.startedAt,
            detectedAt: version.detectedAt, resolvedAt: version.resolvedAt, questionnaire: try .init(version.questionnaire, language),
            answers: version.answers.map(Components.Schemas.ReportAnswer.init), impacts: version.impacts.map { .init(id: $0.id,
                label: $0.label, language) },
            reviewStatus: try .init(mirroring: version.reviewStatus), reviewComment: version.reviewComment, reviewedAt: version.reviewedAt)
    }
}

extension Components.Schemas.ReportForm {
    init(_ form: ReportForm, _ language: Language, now: Date) throws {
        self.init(
            incidentId: form.incidentID.apiString, report: try .init(form.report, language, now: now, submittable: form.submittable),
            questionnaire: try .init(form.questionnaire, language), answers: form.answers.map(Components.Schemas.ReportAnswer.init),
            timeZone: form.timeZone, startedAt: form.startedAt, detectedAt: form.detectedAt, resolvedAt: form.resolvedAt,
            detectionLocked: form.detectionLocked,
            impacts: form.impacts.map { .init(id: $0.id, label: $0.label, headline: $0.headline, sectorIDs: $0.sectorIDs, language) },
            impactIds: form.impactIDs.map(\.apiString), regions: IncidentRegions.all.map { .init(code: $0.code, name: $0.name) })
    }
}

extension Components.Schemas.AccessLogEntry {
    init(_ entry: IncidentAccessEntry) throws {
        self.init(id: entry.id.apiString, at: entry.at, versionId: entry.versionID?.apiString, userName: entry.userName,
                  role: .init(rawValue: entry.role) ?? .independentUser, side: try .init(mirroring: entry.side),
                  organisationName: entry.organisationName, action: try .init(mirroring: entry.action), document: entry.document)
    }
}

extension Components.Schemas.IncidentStatistics {
    init(_ statistics: IncidentStatistics, _ language: Language) {
        func counts(_ counts: [IncidentStatistics.Count]) -> [Components.Schemas.StatisticsCount] {
            counts.map { .init(key: $0.key, label: $0.label.text(in: language), incidents: $0.incidents) }
        }
        self.init(year: statistics.year, incidents: statistics.incidents, significant: statistics.significant, crossBorder: statistics.crossBorder,
                  bySector: counts(statistics.bySector), byRegulation: counts(statistics.byRegulation),
                  byNotificationType: counts(statistics.byNotificationType), reportsOnTime: statistics.reportsOnTime,
                  reportsLate: statistics.reportsLate, reportsOverdue: statistics.reportsOverdue, onTimeShare: statistics.onTimeShare,
                  medianHoursToNotification: statistics.medianHoursToNotification, medianHoursToResolution: statistics.medianHoursToResolution)
    }
}
