import Domain
import Foundation

// Reporting: Domain values → response schemas.

extension Components.Schemas.RiskAnalysis {
    init(_ analysis: RiskAnalysisSummary, _ language: Language) {
        self.init(
            id: analysis.id.apiString, operatorId: analysis.operatorID.apiString, operatorName: analysis.operatorName,
            sectorId: analysis.sectorID.apiString, sectorName: analysis.sectorName.text(in: language), year: analysis.year,
            monarcVersion: analysis.monarcVersion, labelsLanguage: analysis.labelsLanguage.flatMap { .init(rawValue: $0.rawValue) },
            fileName: analysis.fileName, riskCount: analysis.riskCount, recommendationCount: analysis.recommendationCount,
            importedAt: analysis.importedAt, importedBy: analysis.importedBy?.apiString,
            services: analysis.services.map { service in
                let statistics = service.statistics
                return .init(
                    serviceUuid: service.serviceUUID.apiString, label: service.label.anyText(preferring: language),
                    labelTranslations: .init(additionalProperties: service.label.values), totalRisks: statistics.totalRisks,
                    untreatedRisks: statistics.untreatedRisks, treatedRisks: statistics.treatedRisks, reducedRisks: statistics.reducedRisks,
                    deniedRisks: statistics.deniedRisks, acceptedRisks: statistics.acceptedRisks, sharedRisks: statistics.sharedRisks,
                    averageCurrentRisk: statistics.averageCurrentRisk, averageResidualRisk: statistics.averageResidualRisk)
            })
    }
}

extension Components.Schemas.RiskAnalysisImportResult {
    init(_ result: Domain.RiskAnalysisImportResult, _ language: Language) {
        self.init(analyses: result.analyses.map { .init($0, language) })
    }
}


extension Components.Schemas.CatalogueObservation {
    init(_ entry: Domain.CatalogueObservation, _ language: Language) {
        self.init(id: entry.id.apiString, code: entry.code, description: entry.description.text(in: language),
                  descriptionTranslations: entry.description.api, sectorIds: entry.sectorIDs.map(\.apiString), usageCount: entry.usageCount,
                  createdAt: entry.createdAt, updatedAt: entry.updatedAt)
    }
}

extension CatalogueObservationInput {
    init(_ body: Components.Schemas.CatalogueObservationWrite) throws {
        self.init(code: body.code, description: body.description.languageMap,
                  sectorIDs: try (body.sectorIds ?? []).map(APIService.uuid(field: "sector_ids")))
    }
}

extension Components.Schemas.OperatorObservations {
    init(_ observations: Domain.OperatorObservations, _ language: Language) {
        self.init(operatorId: observations.operatorID.apiString, sectorId: observations.sectorID.apiString, year: observations.year,
                  comment: observations.comment, observations: observations.items.map {
                      .init(observationId: $0.observationID.apiString, code: $0.code, description: $0.description.text(in: language),
                            position: $0.position)
                  })
    }
}

extension Components.Schemas.ReportingProject {
    init(_ project: Domain.ReportingProject, _ language: Language) {
        self.init(id: project.id.apiString, name: project.name, standardId: project.standardID.apiString,
                  standardLabel: project.standardLabel.text(in: language), referenceYear: project.referenceYear,
                  comparisonYears: project.comparisonYears, sectorIds: project.sectorIDs.map(\.apiString), topRanking: project.topRanking,
                  highRiskThreshold: project.highRiskThreshold, languages: project.languages.compactMap { .init(rawValue: $0.rawValue) },
                  authorId: project.authorID?.apiString, authorName: project.authorName, copiedFromId: project.copiedFromID?.apiString,
                  selectedCount: project.selectedCount, createdAt: project.createdAt, updatedAt: project.updatedAt)
    }
}

extension ReportingProjectInput {
    init(_ body: Components.Schemas.ReportingProjectWrite) throws {
        self.init(name: body.name, standardID: try APIService.uuid(field: "standard_id")(body.standardId), referenceYear: body.referenceYear,
                  comparisonYears: body.comparisonYears ?? [], sectorIDs: try body.sectorIds.map(APIService.uuid(field: "sector_ids")),
                  topRanking: body.topRanking.rawValue, highRiskThreshold: body.highRiskThreshold, languages: body.languages.map(\.rawValue))
    }

    init(_ body: Components.Schemas.ReportingProjectChanges) throws {
        self.init(name: body.name, referenceYear: body.referenceYear, comparisonYears: body.comparisonYears,
                  sectorIDs: try body.sectorIds.map { try $0.map(APIService.uuid(field: "sector_ids")) }, topRanking: body.topRanking?.rawValue,
                  highRiskThreshold: body.highRiskThreshold, languages: body.languages?.map(\.rawValue))
    }
}

extension Components.Schemas.ReportConfiguration {
    init(_ configuration: Domain.ReportConfiguration) throws {
        self.init(standardId: configuration.standardID.apiString, isDefault: configuration.isDefault, palette: configuration.palette,
                  sections: configuration.sections.compactMap { .init(rawValue: $0.rawValue) },
                  texts: try .init(configuration.texts), hasLogo: configuration.hasLogo, updatedAt: configuration.updatedAt)
    }
}

extension Components.Schemas.ReportTextsByLanguage {
    /// Through JSON: both sides write the texts the same way (`cover_title`, `sections.<name>.intro`...).
    init(_ texts: [Language: ReportTexts]) throws {
        let json = try JSONEncoder().encode(Dictionary(uniqueKeysWithValues: texts.map { ($0.key.rawValue, $0.value) }))
        self = try JSONDecoder().decode(Self.self, from: json)
    }

    var domain: [String: ReportTexts] {
        get throws {
            try JSONDecoder().decode([String: ReportTexts].self, from: JSONEncoder().encode(self))
        }
    }
}

extension ReportConfigurationInput {
    init(_ body: Components.Schemas.ReportConfigurationInput) throws {
        self.init(palette: body.palette, sections: body.sections?.map(\.rawValue), texts: try body.texts?.domain)
    }
}

extension Components.Schemas.ReportGeneration {
    init(_ generation: Domain.ReportGeneration) throws {
        let progress = generation.progress
        self.init(
            id: generation.id.apiString, projectId: generation.projectID.apiString, status: try .init(mirroring: generation.status),
            requestedByName: generation.requestedByName, batch: generation.batch,
            progress: .init(done: progress.done, failed: progress.failed, total: progress.total),
            items: try generation.items.map { item in
                .init(id: item.id.apiString, operatorId: item.operatorID.apiString, operatorName: item.operatorName, sectorId: item.sectorID.apiString,
                      sectorName: item.sectorName, language: try .init(mirroring: item.language), filename: item.filename,
                      status: try .init(mirroring: item.status), error: item.error, jobId: item.jobID.apiString, startedAt: item.startedAt,
                      finishedAt: item.finishedAt)
            },
            skipped: try generation.skipped.map { skip in
                .init(operatorId: skip.operatorID.apiString, operatorName: skip.operatorName, sectorId: skip.sectorID.apiString,
                      sectorName: skip.sectorName, year: skip.year, reason: try .init(mirroring: skip.reason), message: skip.message)
            },
            artefact: generation.artefact.map { artefact in
                .init(filename: artefact.filename, contentType: artefact.contentType, size: artefact.size,
                      downloadPath: "/api/v1/reporting-generations/\(generation.id.apiString)/artefact")
            },
            artefactPurged: generation.artefactPurged, error: generation.error, createdAt: generation.createdAt, startedAt: generation.startedAt,
            finishedAt: generation.finishedAt)
    }
}
