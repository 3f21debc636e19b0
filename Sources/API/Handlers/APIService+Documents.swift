import Domain
import Foundation
import HTTPTypes
import OpenAPIRuntime

extension APIService {
    func getIncidentPDF(_ input: Operations.GetIncidentPDF.Input) async throws -> Operations.GetIncidentPDF.Output {
        let outcome = try await platform.incidents.documents.incidentPDF(try await principal(),
                                                                         incidentID: try Self.pathID(input.path.incidentId, "incident"),
                                                                         language: responseLanguage())
        return try Self.answer(outcome, file: { .ok(.init(body: .pdf(HTTPBody($0.content)))) }, job: { .accepted(.init(body: .json($0))) })
    }

    func getReportVersionPDF(_ input: Operations.GetReportVersionPDF.Input) async throws -> Operations.GetReportVersionPDF.Output {
        let outcome = try await platform.incidents.documents.versionPDF(try await principal(),
                                                                        versionID: try Self.pathID(input.path.versionId, "report version"),
                                                                        language: responseLanguage())
        return try Self.answer(outcome, file: { .ok(.init(body: .pdf(HTTPBody($0.content)))) }, job: { .accepted(.init(body: .json($0))) })
    }

    func getJob(_ input: Operations.GetJob.Input) async throws -> Operations.GetJob.Output {
        let job = try await platform.trackedJobs.status(try await principal(), id: try Self.pathID(input.path.jobId, "job"))
        return .ok(.init(body: .json(try .init(job))))
    }

    func createIncidentExport(_ input: Operations.CreateIncidentExport.Input) async throws -> Operations.CreateIncidentExport.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let request = IncidentExportRequest(
            regulationID: try Self.uuid(field: "regulation_id")(body.regulationId), workflowID: try Self.uuid(field: "workflow_id")(body.workflowId),
            reportTypeID: try Self.uuid(field: "report_type_id")(body.reportTypeId), notifiedFrom: body.notifiedFrom, notifiedTo: body.notifiedTo,
            format: body.format == .json ? .json : .csv)
        let job = try await platform.incidents.exports.request(try await principal(), request, client: RequestInfo.current.client)
        return .accepted(.init(body: .json(try Self.located(job))))
    }

    func getIncidentExportFile(_ input: Operations.GetIncidentExportFile.Input) async throws -> Operations.GetIncidentExportFile.Output {
        let outcome = try await platform.incidents.exports.file(try await principal(), id: try Self.pathID(input.path.exportId, "export"))
        return try Self.answer(outcome, file: { document in
            if document.contentType.hasPrefix("application/json") {
                return .ok(.init(body: .json(try JSONDecoder().decode([Components.Schemas.ExportedIncident].self, from: document.content))))
            }
            return .ok(.init(body: .csv(HTTPBody(document.content))))
        }, job: { .accepted(.init(body: .json($0))) })
    }

    /// The answer to a request for a file made in the background: the file as an attachment once
    /// it is stored, otherwise the job making it with its address in `Location`.
    static func answer<Output>(_ outcome: FileOutcome, file: (StoredDocument) throws -> Output,
                                       job: (Components.Schemas.Job) -> Output) throws -> Output {
        switch outcome {
        case .ready(let document):
            attachment(document.filename)
            return try file(document)
        case .pending(let status):
            return job(try located(status))
        }
    }

    /// Serves the answer as an attachment named `filename`: an ASCII `filename` for old clients
    /// and the exact name, accents included, as `filename*` (RFC 6266). Set here rather than
    /// through the generated headers, which percent-encode values.
    static func attachment(_ filename: String) {
        let safe = String(filename.map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        var value = "attachment; filename=\"\(safe)\""
        if safe != filename {
            let allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127)))
                .union(CharacterSet(charactersIn: "!#$&+-.^_`|~"))
            value += "; filename*=UTF-8''" + (filename.addingPercentEncoding(withAllowedCharacters: allowed) ?? safe)
        }
        RequestInfo.current.responseHeaders.add(.contentDisposition, value)
    }

    /// A job being made, with its address in `Location`.
    static func located(_ status: JobStatus) throws -> Components.Schemas.Job {
        RequestInfo.current.responseHeaders.add(.location, "/api/v1/jobs/\(status.id.apiString)")
        return try .init(status)
    }
}

extension Components.Schemas.Job {
    init(_ job: JobStatus) throws {
        self.init(id: job.id.apiString, kind: job.kind, state: try .init(mirroring: job.state), attempts: job.attempts, createdAt: job.createdAt,
                  finishedAt: job.finishedAt, resultPath: job.resultPath)
    }
}
