import Domain
import Foundation

extension APIService {
    private var configuration: IncidentConfiguration { platform.incidents.configuration }

    // MARK: E-mail templates

    func listEmailTemplates(_ input: Operations.ListEmailTemplates.Input) async throws -> Operations.ListEmailTemplates.Output {
        let templates = try await configuration.emailTemplates(try await principal(),
                                                               event: input.query.event.flatMap { EmailEvent(rawValue: $0.rawValue) })
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: try templates.map { try .init($0, language) }))))
    }

    func createEmailTemplate(_ input: Operations.CreateEmailTemplate.Input) async throws -> Operations.CreateEmailTemplate.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let template = try await configuration.saveEmailTemplate(try await principal(), id: nil, EmailTemplateInput(body),
                                                                 client: RequestInfo.current.client)
        return .created(.init(body: .json(try .init(template, responseLanguage()))))
    }

    func getEmailTemplate(_ input: Operations.GetEmailTemplate.Input) async throws -> Operations.GetEmailTemplate.Output {
        let template = try await configuration.emailTemplate(try await principal(), id: try Self.pathID(input.path.templateId, "e-mail template"))
        return .ok(.init(body: .json(try .init(template, responseLanguage()))))
    }

    func replaceEmailTemplate(_ input: Operations.ReplaceEmailTemplate.Input) async throws -> Operations.ReplaceEmailTemplate.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let template = try await configuration.saveEmailTemplate(try await principal(), id: try Self.pathID(input.path.templateId, "e-mail template"),
                                                                 EmailTemplateInput(body), client: RequestInfo.current.client)
        return .ok(.init(body: .json(try .init(template, responseLanguage()))))
    }

    func deleteEmailTemplate(_ input: Operations.DeleteEmailTemplate.Input) async throws -> Operations.DeleteEmailTemplate.Output {
        try await configuration.deleteEmailTemplate(try await principal(), id: try Self.pathID(input.path.templateId, "e-mail template"),
                                                    client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func previewEmailTemplate(_ input: Operations.PreviewEmailTemplate.Input) async throws -> Operations.PreviewEmailTemplate.Output {
        let language = input.query.language.flatMap { Language(rawValue: $0.rawValue) } ?? responseLanguage()
        let preview = try await configuration.previewEmailTemplate(try await principal(),
                                                                   id: try Self.pathID(input.path.templateId, "e-mail template"), language: language)
        return .ok(.init(body: .json(try .init(preview))))
    }

    // MARK: Impacts

    func listImpacts(_ input: Operations.ListImpacts.Input) async throws -> Operations.ListImpacts.Output {
        let impacts = try await configuration.impacts(try await principal(),
                                                      regulationID: try input.query.regulationId.map(Self.uuid(field: "regulation_id")),
                                                      sectorID: try input.query.sectorId.map(Self.uuid(field: "sector_id")))
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: impacts.map { .init($0, language) }))))
    }

    func createImpact(_ input: Operations.CreateImpact.Input) async throws -> Operations.CreateImpact.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let impact = try await configuration.saveImpact(try await principal(), id: nil, try ImpactInput(body), client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(impact, responseLanguage()))))
    }

    func getImpact(_ input: Operations.GetImpact.Input) async throws -> Operations.GetImpact.Output {
        let impact = try await configuration.impact(try await principal(), id: try Self.pathID(input.path.impactId, "impact"))
        return .ok(.init(body: .json(.init(impact, responseLanguage()))))
    }

    func replaceImpact(_ input: Operations.ReplaceImpact.Input) async throws -> Operations.ReplaceImpact.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let impact = try await configuration.saveImpact(try await principal(), id: try Self.pathID(input.path.impactId, "impact"),
                                                        try ImpactInput(body), client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(impact, responseLanguage()))))
    }

    func deleteImpact(_ input: Operations.DeleteImpact.Input) async throws -> Operations.DeleteImpact.Output {
        try await configuration.deleteImpact(try await principal(), id: try Self.pathID(input.path.impactId, "impact"),
                                             client: RequestInfo.current.client)
        return .noContent(.init())
    }

    // MARK: Question categories

    func listQuestionCategories(_ input: Operations.ListQuestionCategories.Input) async throws -> Operations.ListQuestionCategories.Output {
        let categories = try await configuration.questionCategories(try await principal())
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: categories.map { .init($0, language) }))))
    }

    func createQuestionCategory(_ input: Operations.CreateQuestionCategory.Input) async throws -> Operations.CreateQuestionCategory.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let category = try await configuration.saveQuestionCategory(try await principal(), id: nil, label: body.label.languageMap,
                                                                    client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(category, responseLanguage()))))
    }

    func getQuestionCategory(_ input: Operations.GetQuestionCategory.Input) async throws -> Operations.GetQuestionCategory.Output {
        let category = try await configuration.questionCategory(try await principal(),
                                                                id: try Self.pathID(input.path.questionCategoryId, "question category"))
        return .ok(.init(body: .json(.init(category, responseLanguage()))))
    }

    func replaceQuestionCategory(_ input: Operations.ReplaceQuestionCategory.Input) async throws -> Operations.ReplaceQuestionCategory.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let category = try await configuration.saveQuestionCategory(try await principal(),
                                                                    id: try Self.pathID(input.path.questionCategoryId, "question category"),
                                                                    label: body.label.languageMap, client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(category, responseLanguage()))))
    }

    func deleteQuestionCategory(_ input: Operations.DeleteQuestionCategory.Input) async throws -> Operations.DeleteQuestionCategory.Output {
        try await configuration.deleteQuestionCategory(try await principal(), id: try Self.pathID(input.path.questionCategoryId, "question category"),
                                                       client: RequestInfo.current.client)
        return .noContent(.init())
    }

    // MARK: Questions

    func listQuestions(_ input: Operations.ListQuestions.Input) async throws -> Operations.ListQuestions.Output {
        let questions = try await configuration.questions(try await principal(),
                                                          kind: input.query.kind.flatMap { QuestionKind(rawValue: $0.rawValue) })
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: try questions.map { try .init($0, language) }))))
    }

    func createQuestion(_ input: Operations.CreateQuestion.Input) async throws -> Operations.CreateQuestion.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let question = try await configuration.saveQuestion(try await principal(), id: nil, try QuestionInput(body),
                                                            client: RequestInfo.current.client)
        return .created(.init(body: .json(try .init(question, responseLanguage()))))
    }

    func getQuestion(_ input: Operations.GetQuestion.Input) async throws -> Operations.GetQuestion.Output {
        let question = try await configuration.question(try await principal(), id: try Self.pathID(input.path.questionId, "question"))
        return .ok(.init(body: .json(try .init(question, responseLanguage()))))
    }

    func replaceQuestion(_ input: Operations.ReplaceQuestion.Input) async throws -> Operations.ReplaceQuestion.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let question = try await configuration.saveQuestion(try await principal(), id: try Self.pathID(input.path.questionId, "question"),
                                                            try QuestionInput(body), client: RequestInfo.current.client)
        return .ok(.init(body: .json(try .init(question, responseLanguage()))))
    }

    func deleteQuestion(_ input: Operations.DeleteQuestion.Input) async throws -> Operations.DeleteQuestion.Output {
        try await configuration.deleteQuestion(try await principal(), id: try Self.pathID(input.path.questionId, "question"),
                                               client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func duplicateQuestion(_ input: Operations.DuplicateQuestion.Input) async throws -> Operations.DuplicateQuestion.Output {
        let copy = try await configuration.duplicateQuestion(try await principal(), id: try Self.pathID(input.path.questionId, "question"),
                                                             client: RequestInfo.current.client)
        return .created(.init(body: .json(try .init(copy, responseLanguage()))))
    }

    // MARK: Report types

    func listReportTypes(_ input: Operations.ListReportTypes.Input) async throws -> Operations.ListReportTypes.Output {
        let reportTypes = try await configuration.reportTypes(try await principal())
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: reportTypes.map { .init($0, language) }))))
    }

    func createReportType(_ input: Operations.CreateReportType.Input) async throws -> Operations.CreateReportType.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let reportType = try await configuration.saveReportType(try await principal(), id: nil, try ReportTypeInput(body),
                                                                client: RequestInfo.current.client)
        return .created(.init(body: .json(.init(reportType, responseLanguage()))))
    }

    func getReportType(_ input: Operations.GetReportType.Input) async throws -> Operations.GetReportType.Output {
        let reportType = try await configuration.reportType(try await principal(), id: try Self.pathID(input.path.reportTypeId, "report type"))
        return .ok(.init(body: .json(.init(reportType, responseLanguage()))))
    }

    func replaceReportType(_ input: Operations.ReplaceReportType.Input) async throws -> Operations.ReplaceReportType.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let reportType = try await configuration.saveReportType(try await principal(), id: try Self.pathID(input.path.reportTypeId, "report type"),
                                                                try ReportTypeInput(body), client: RequestInfo.current.client)
        return .ok(.init(body: .json(.init(reportType, responseLanguage()))))
    }

    func deleteReportType(_ input: Operations.DeleteReportType.Input) async throws -> Operations.DeleteReportType.Output {
        try await configuration.deleteReportType(try await principal(), id: try Self.pathID(input.path.reportTypeId, "report type"),
                                                 client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func getQuestionnaire(_ input: Operations.GetQuestionnaire.Input) async throws -> Operations.GetQuestionnaire.Output {
        let questionnaire = try await configuration.questionnaire(try await principal(),
                                                                  reportTypeID: try Self.pathID(input.path.reportTypeId, "report type"))
        return .ok(.init(body: .json(try .init(questionnaire, responseLanguage()))))
    }

    func replaceQuestionnaire(_ input: Operations.ReplaceQuestionnaire.Input) async throws -> Operations.ReplaceQuestionnaire.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let questionnaire = try await configuration.setQuestionnaire(try await principal(),
                                                                     reportTypeID: try Self.pathID(input.path.reportTypeId, "report type"),
                                                                     try body.sectionInputs(), client: RequestInfo.current.client)
        return .ok(.init(body: .json(try .init(questionnaire, responseLanguage()))))
    }

    // MARK: Notification workflows

    func listNotificationWorkflows(_ input: Operations.ListNotificationWorkflows.Input) async throws -> Operations.ListNotificationWorkflows.Output {
        let workflows = try await configuration.workflows(try await principal(),
                                                          regulationID: try input.query.regulationId.map(Self.uuid(field: "regulation_id")))
        let language = responseLanguage()
        return .ok(.init(body: .json(.init(items: try workflows.map { try .init($0, language) }))))
    }

    func createNotificationWorkflow(_ input: Operations.CreateNotificationWorkflow.Input) async throws -> Operations.CreateNotificationWorkflow.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let workflow = try await configuration.saveWorkflow(try await principal(), id: nil, try NotificationWorkflowInput(body),
                                                            client: RequestInfo.current.client)
        return .created(.init(body: .json(try .init(workflow, responseLanguage()))))
    }

    func getNotificationWorkflow(_ input: Operations.GetNotificationWorkflow.Input) async throws -> Operations.GetNotificationWorkflow.Output {
        let workflow = try await configuration.workflow(try await principal(), id: try Self.pathID(input.path.workflowId, "notification workflow"))
        return .ok(.init(body: .json(try .init(workflow, responseLanguage()))))
    }

    func replaceNotificationWorkflow(_ input: Operations.ReplaceNotificationWorkflow.Input) async throws -> Operations.ReplaceNotificationWorkflow.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let workflow = try await configuration.saveWorkflow(try await principal(),
                                                            id: try Self.pathID(input.path.workflowId, "notification workflow"),
                                                            try NotificationWorkflowInput(body), client: RequestInfo.current.client)
        return .ok(.init(body: .json(try .init(workflow, responseLanguage()))))
    }

    func deleteNotificationWorkflow(_ input: Operations.DeleteNotificationWorkflow.Input) async throws -> Operations.DeleteNotificationWorkflow.Output {
        try await configuration.deleteWorkflow(try await principal(), id: try Self.pathID(input.path.workflowId, "notification workflow"),
                                               client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func replaceWorkflowReports(_ input: Operations.ReplaceWorkflowReports.Input) async throws -> Operations.ReplaceWorkflowReports.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let workflow = try await configuration.setStages(try await principal(),
                                                         workflowID: try Self.pathID(input.path.workflowId, "notification workflow"),
                                                         try body.stageInputs(), client: RequestInfo.current.client)
        return .ok(.init(body: .json(try .init(workflow, responseLanguage()))))
    }

    func duplicateNotificationWorkflow(_ input: Operations.DuplicateNotificationWorkflow.Input) async throws -> Operations.DuplicateNotificationWorkflow.Output {
        let copy = try await configuration.duplicateWorkflow(try await principal(),
                                                             id: try Self.pathID(input.path.workflowId, "notification workflow"),
                                                             client: RequestInfo.current.client)
        return .created(.init(body: .json(try .init(copy, responseLanguage()))))
    }
}
