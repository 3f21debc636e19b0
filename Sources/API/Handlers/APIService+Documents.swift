import Domain
import Foundation
import HTTPTypes
import OpenAPIRuntime

extension APIService {
    func getIncidentPDF(_ input: Operations.GetIncidentPDF.Input) async throws -> Operations.GetIncidentPDF.Output {
        let outcome = try await platform.incidents.documents.incidentPDF(try await principal(),
                                                                         incidentID: try Self.pathID(input.path.incidentId, "incident"),
                                                                          language: responseLanguage())
        switch outcome {
        case .ready(let document):
            Self.attach(document)
            return .ok(.init(body: .pdf(HTTPBody(document.content))))
        case .pending(let job):
            RequestInfo.current.responseHeaders.add(.location, "/api/v1/jobs/\(job.id.apiString)")
            return .accepted(.init(body: .json(.init(job))))
        }
    }

    func getReportVersionPDF(_ input: Operations.GetReportVersionPDF.Input) async throws -> Operations.GetReportVersionPDF.Output {
        let outcome = try await platform.incidents.documents.versionPDF(try await principal(),
                                                                         versionID: try Self.pathID(input.path.versionId, "report version"),
                                                                         language: responseLanguage())
        switch outcome {
        case .ready(let document):
            Self.attach(document)
            return .ok(.init(body: .pdf(HTTPBody(document.content))))
        case .pending(let job):
            RequestInfo.current.responseHeaders.add(.location, "/api/v1/jobs/\(job.id.apiString)")
            return .accepted(.init(body: .json(.init(job))))
        }
    }

    func getJob(_ input: Operations.GetJob.Input) async throws -> Operations.GetJob.Output {
        let job = try await platform.trackedJobs.status(try await principal(), id: try Self.pathID(input.path.jobId, "job"))
        return .ok(.init(body: .json(.init(job))))
    }

    /// `Content-Disposition: attachment` with the file name, in characters every client reads.
    static func attach(_ document: StoredDocument) {
        let safe = String(document.filename.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        RequestInfo.current.responseHeaders.add(.contentDisposition, "attachment; filename=\"\(safe)\"")
    }
}

extension Components.Schemas.Job {
    init(_ job: JobStatus) {
        self.init(id: job.id.apiString, kind: job.kind, state: .init(rawValue: job.state.rawValue)!, attempts: job.attempts, createdAt: job.createdAt,
                  finishedAt: job.finishedAt, resultPath: job.resultPath)
    }
}

extension APIService {
    func createIncidentExport(_ input: Operations.CreateIncidentExport.Input) async throws -> Operations.CreateIncidentExport.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let request = IncidentExportRequest(
            regulationID: try Self.uuid(field: "regulation_id")(body.regulationId), workflowID: try Self.uuid(field: "workflow_id")(body.workflowId),
            reportTypeID: try Self.uuid(field: "report_type_id")(body.reportTypeId), notifiedFrom: body.notifiedFrom, notifiedTo: body.notifiedTo,
            format: body.format == .json ? .json : .csv)
        let job = try await platform.incidents.exports.request(try await principal(), request, client: RequestInfo.current.client)
        RequestInfo.current.responseHeaders.add(.location, "/api/v1/jobs/\(job.id.apiString)")
        return .accepted(.init(body: .json(.init(job))))
    }

    func getIncidentExportFile(_ input: Operations.GetIncidentExportFile.Input) async throws -> Operations.GetIncidentExportFile.Output {
        switch try await platform.incidents.exports.file(try await principal(), id: try Self.pathID(input.path.exportId, "export")) {
        case .ready(let document):
            Self.attach(document)
            if document.contentType.hasPrefix("application/json") {
                return .ok(.init(body: .json(try JSONDecoder().decode([Components.Schemas.ExportedIncident].self, from: document.content))))
            }
            return .ok(.init(body: .csv(HTTPBody(document.content))))
        case .pending(let job):
            RequestInfo.current.responseHeaders.add(.location, "/api/v1/jobs/\(job.id.apiString)")
            return .accepted(.init(body: .json(.init(job))))
        }
    }
}
