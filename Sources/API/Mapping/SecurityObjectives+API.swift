import Domain
import Foundation

// Security objectives: Domain values → response schemas, request schemas → Domain inputs.

extension Components.Schemas.Standard {
    init(_ standard: Standard, _ language: Language) {
        self.init(
            id: standard.id.apiString, regulatorId: standard.regulatorID.apiString, regulationId: standard.regulationID.apiString,
            label: standard.label.text(in: language), labelTranslations: standard.label.api, description: standard.description.text(in: language),
            descriptionTranslations: standard.description.api, submissionTemplateId: standard.submissionTemplateID?.apiString,
            reviewTemplateId: standard.reviewTemplateID?.apiString, copiedFromId: standard.copiedFromID?.apiString,
            objectiveCount: standard.objectiveCount, declarationCount: standard.declarationCount, locked: standard.isLocked,
            createdAt: standard.createdAt, updatedAt: standard.updatedAt)
    }
}

extension StandardInput {
    init(_ body: Components.Schemas.StandardWrite) throws {
        self.init(regulationID: try APIService.uuid(field: "regulation_id")(body.regulationId), label: body.label.languageMap,
                  description: body.description?.languageMap ?? LanguageMap([:]),
                  submissionTemplateID: try body.submissionTemplateId.map(APIService.uuid(field: "submission_template_id")),
                  reviewTemplateID: try body.reviewTemplateId.map(APIService.uuid(field: "review_template_id")))
    }
}

extension Components.Schemas.MaturityLevel {
    init(_ level: StandardTree.Level, _ language: Language) {
        self.init(id: level.id.apiString, level: level.level, label: level.label.text(in: language), labelTranslations: level.label.api,
                  color: level.color)
    }
}

extension Components.Schemas.StandardTree {
    init(_ tree: StandardTree, _ language: Language) {
        self.init(
            standard: .init(tree.standard, language), levels: tree.levels.map { .init($0, language) }, maximumLevel: tree.maximumLevel,
            domains: tree.domains.map { domain in
                .init(id: domain.id.apiString, position: domain.position, label: domain.label.text(in: language), labelTranslations: domain.label.api,
                      objectives: domain.objectives.map { objective in
                          .init(id: objective.id.apiString, code: objective.code, title: objective.title.text(in: language),
                                titleTranslations: objective.title.api, description: objective.description.text(in: language),
                                descriptionTranslations: objective.description.api, position: objective.position, priority: objective.priority,
                                measures: objective.measures.map { measure in
                                    .init(id: measure.id.apiString, level: measure.level, position: measure.position,
                                          description: measure.description.text(in: language), descriptionTranslations: measure.description.api,
                                          evidence: measure.evidence.text(in: language), evidenceTranslations: measure.evidence.api)
                                })
                      })
            })
    }
}

extension StandardContent {
    init(_ body: Components.Schemas.StandardContent) {
        self.init(
            levels: body.levels.map { Level(level: $0.level, label: $0.label.languageMap, color: $0.color) },
            domains: body.domains.map { domain in
                Domain(label: domain.label.languageMap, objectives: domain.objectives.map { objective in
                    Objective(code: objective.code, title: objective.title.languageMap, description: objective.description?.languageMap,
                              priority: objective.priority, measures: (objective.measures ?? []).map {
                                  Measure(level: $0.level, description: $0.description.languageMap, evidence: $0.evidence?.languageMap)
                              })
                })
            })
    }
}

extension Components.Schemas.Declaration {
    init(_ declaration: Declaration, _ language: Language) throws {
        let progress = declaration.progress
        let reviewed = declaration.showsReview ? progress.reviewed : 0
        self.init(
            id: declaration.id.apiString, reference: declaration.reference, version: declaration.version,
            standardId: declaration.standardID.apiString, standardLabel: declaration.standardLabel.text(in: language),
            regulatorId: declaration.regulatorID.apiString, operatorId: declaration.operatorID.apiString, operatorName: declaration.operatorName,
            year: declaration.year, sectorIds: declaration.sectorIDs.map(\.apiString), status: try .init(mirroring: declaration.status),
            reviewComment: declaration.reviewComment, creatorName: declaration.creatorName, submittedAt: declaration.submittedAt,
            reviewSentAt: declaration.reviewSentAt, createdAt: declaration.createdAt, updatedAt: declaration.updatedAt,
            objectiveCount: progress.objectives, completeCount: progress.complete, reviewedCount: reviewed,
            answeredPercentage: progress.answeredPercentage, reviewedPercentage: DeclarationRules.percentage(reviewed, of: progress.objectives),
            readyToSubmit: declaration.isReadyToSubmit, readyToSend: declaration.isReadyToSend)
    }
}

extension Components.Schemas.DeclarationDetail {
    init(_ detail: DeclarationDetail, _ language: Language) throws {
        self.init(
            declaration: try .init(detail.declaration, language), levels: detail.levels.map { .init($0, language) },
            maximumLevel: detail.maximumLevel,
            editable: .init(isImplemented: detail.editable.answers, justification: detail.editable.answers, plannedActions: detail.editable.answers,
                            reviewComment: detail.editable.review, reviewStatus: detail.editable.review),
            objectives: try detail.objectives.map { objective in
                .init(objectiveId: objective.objectiveID.apiString, code: objective.code, title: objective.title,
                      description: objective.description, domainId: objective.domainID.apiString, domainLabel: objective.domainLabel, score: objective.score,
                      completion: try .init(mirroring: objective.completion), plannedActions: objective.plannedActions,
                      reviewStatus: try objective.reviewStatus.map { try .init(mirroring: $0) }, measureCount: objective.measureCount,
                      levels: objective.levels.map { group in
                          .init(level: group.level, label: group.label, color: group.color,
                                measures: group.measures.map { answer in
                              .init(measureId: answer.measureID.apiString, position: answer.position,
                                    description: answer.description,
                                    evidence: answer.evidence, isImplemented: answer.isImplemented,
                                    justification: answer.justification, reviewComment: answer.reviewComment)
                          })
                      })
            })
    }
}

extension Components.Schemas.ObjectiveState {
    init(_ state: ObjectiveState, _ language: Language) throws {
        self.init(objectiveId: state.objectiveID.apiString, score: state.score, completion: try .init(mirroring: state.completion),
                  plannedActions: state.plannedActions, reviewStatus: try state.reviewStatus.map { try .init(mirroring: $0) },
                  declaration: try .init(state.declaration, language))
    }
}

extension Components.Schemas.DeclarationAccessLogEntry {
    init(_ entry: DeclarationAccessEntry) throws {
        self.init(id: entry.id.apiString, at: entry.at, userName: entry.userName, role: entry.role, side: try .init(mirroringRaw: entry.side),
                  organisationName: entry.organisationName, action: try .init(mirroring: entry.action))
    }
}

extension Components.Schemas.SheetImportReport {
    init(_ report: SheetImportReport) throws {
        self.init(applied: report.applied, rows: try report.rows.map {
            .init(line: $0.line, key: $0.key, outcome: try .init(mirroring: $0.outcome), reason: $0.reason)
        })
    }
}
