import Domain
import Foundation
import OpenAPIRuntime

extension APIService {
    private var incidents: IncidentsModule { platform.incidents }

    func getNotificationOptions(_ input: Operations.GetNotificationOptions.Input) async throws -> Operations.GetNotificationOptions.Output {
        let options = try await incidents.notification.options(
            try await principal(), regulationIDs: try (input.query.regulationIds ?? []).map(Self.uuid(field: "regulation_ids")),
            regulatorIDs: try (input.query.regulatorIds ?? []).map(Self.uuid(field: "regulator_ids")))
        return .ok(.init(body: .json(.init(options, responseLanguage()))))
    }

    func notifyIncident(_ input: Operations.NotifyIncident.Input) async throws -> Operations.NotifyIncident.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let principal = try await principal()
        let witness = Idempotency.Witness()
        let ids = try await incidents.notification.notify(principal, try NotificationInput(body), idempotencyKey: input.headers.idempotencyKey,
                                                          witness: witness, client: RequestInfo.current.client)
        Self.stateReplay(witness)
        let created = try await incidents.query.incidents(principal, ids: ids)
        let language = responseLanguage()
        let now = Date()
        return .created(.init(body: .json(.init(items: try created.map { try .init($0, language, now: now) }))))
    }

    func listIncidents(_ input: Operations.ListIncidents.Input) async throws -> Operations.ListIncidents.Output {
        let query = input.query
        let principal = try await principal()
        let limit = query.limit ?? 50
        let view = try Self.view(query.view?.rawValue, operatorID: query.operatorId, principal)
        var operatorFilter: UUID?
        if case .operator = view {} else { operatorFilter = try query.operatorId.map(Self.uuid(field: "operator_id")) }
        let filter = IncidentFilter(
            isOpen: query.status.map { $0 == .open }, regulationID: try query.regulationId.map(Self.uuid(field: "regulation_id")),
            workflowID: try query.workflowId.map(Self.uuid(field: "workflow_id")), sectorID: try query.sectorId.map(Self.uuid(field: "sector_id")),
            operatorID: operatorFilter, significant: query.significant, crossBorder: query.crossBorder,
            notificationType: query.notificationType.flatMap { NotificationType(rawValue: $0.rawValue) }, notifiedFrom: query.notifiedFrom,
            notifiedBefore: query.notifiedBefore, detectedFrom: query.detectedFrom, detectedBefore: query.detectedBefore,
            reviewStatus: query.reviewStatus.flatMap { ReviewStatus(rawValue: $0.rawValue) }, overdue: query.overdue, late: query.late,
            search: query.q)
        let sort: IncidentSort = switch query.sort {
        case .notifiedAt?: .oldest
        case .reference?: .reference
        case ._hyphen_reference?: .referenceDescending
        default: .newest
        }
        let page = try await incidents.query.list(principal, view: view, filter: filter, sort: sort, limit: limit, cursor: query.cursor)
        func time(_ date: Date?) -> String? { date.map(RFC3339.format) }
        linkNext("/api/v1/incidents", limit: limit, cursor: page.nextCursor, query: [
            ("view", query.view?.rawValue), ("operator_id", query.operatorId), ("status", query.status?.rawValue),
            ("regulation_id", query.regulationId), ("workflow_id", query.workflowId), ("sector_id", query.sectorId),
            ("significant", query.significant.map(String.init)), ("cross_border", query.crossBorder.map(String.init)),
            ("notification_type", query.notificationType?.rawValue), ("notified_from", time(query.notifiedFrom)),
            ("notified_before", time(query.notifiedBefore)), ("detected_from", time(query.detectedFrom)),
            ("detected_before", time(query.detectedBefore)), ("review_status", query.reviewStatus?.rawValue),
            ("overdue", query.overdue.map(String.init)), ("late", query.late.map(String.init)), ("sort", query.sort?.rawValue), ("q", query.q),
        ])
        let language = responseLanguage()
        let now = Date()
        return .ok(.init(body: .json(.init(items: try page.items.map { try .init($0, language, now: now) }, nextCursor: page.nextCursor))))
    }

    func getIncident(_ input: Operations.GetIncident.Input) async throws -> Operations.GetIncident.Output {
        let incident = try await incidents.query.incident(try await principal(), id: try Self.pathID(input.path.incidentId, "incident"))
        // Set here rather than through the generated headers, which percent-encode the quotes.
        RequestInfo.current.responseHeaders.add(.eTag, incident.etag)
        return .ok(.init(body: .json(try .init(incident, responseLanguage(), now: Date()))))
    }

    func updateIncident(_ input: Operations.UpdateIncident.Input) async throws -> Operations.UpdateIncident.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let change = IncidentChange(isOpen: body.status.map { $0 == .open }, significant: body.significant, reference: body.reference)
        let incident = try await incidents.review.update(try await principal(), id: try Self.pathID(input.path.incidentId, "incident"),
                                                         ifMatch: input.headers.ifMatch, change, client: RequestInfo.current.client)
        RequestInfo.current.responseHeaders.add(.eTag, incident.etag)
        return .ok(.init(body: .json(try .init(incident, responseLanguage(), now: Date()))))
    }

    func deleteIncident(_ input: Operations.DeleteIncident.Input) async throws -> Operations.DeleteIncident.Output {
        try await incidents.reports.deleteIncident(try await principal(), id: try Self.pathID(input.path.incidentId, "incident"),
                                                   client: RequestInfo.current.client)
        return .noContent(.init())
    }

    func getReportForm(_ input: Operations.GetReportForm.Input) async throws -> Operations.GetReportForm.Output {
        let form = try await incidents.reports.form(try await principal(), incidentID: try Self.pathID(input.path.incidentId, "incident"),
                                                    stageID: try Self.pathID(input.path.stageId, "report"))
        return .ok(.init(body: .json(try .init(form, responseLanguage(), now: Date()))))
    }

    func submitReport(_ input: Operations.SubmitReport.Input) async throws -> Operations.SubmitReport.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let witness = Idempotency.Witness()
        let version = try await incidents.reports.submit(
            try await principal(), incidentID: try Self.pathID(input.path.incidentId,
                                                               "incident"), stageID: try Self.pathID(input.path.stageId, "report"),
            try ReportSubmission(body), idempotencyKey: input.headers.idempotencyKey, witness: witness, client: RequestInfo.current.client)
        Self.stateReplay(witness)
        RequestInfo.current.responseHeaders.add(.eTag, version.etag)
        return .created(.init(body: .json(try .init(version, responseLanguage()))))
    }

    func listIncidentAccessLog(_ input: Operations.ListIncidentAccessLog.Input) async throws -> Operations.ListIncidentAccessLog.Output {
        let limit = input.query.limit ?? 50
        let page = try await incidents.reports.accessLog(try await principal(), incidentID: try Self.pathID(input.path.incidentId, "incident"),
                                                         limit: limit, cursor: input.query.cursor)
        linkNext("/api/v1/incidents/\(input.path.incidentId)/access-log", limit: limit, cursor: page.nextCursor, query: [])
        return .ok(.init(body: .json(.init(items: try page.items.map(Components.Schemas.AccessLogEntry.init), nextCursor: page.nextCursor))))
    }

    func getReportVersion(_ input: Operations.GetReportVersion.Input) async throws -> Operations.GetReportVersion.Output {
        let version = try await incidents.reports.version(try await principal(), id: try Self.pathID(input.path.versionId, "report version"))
        RequestInfo.current.responseHeaders.add(.eTag, version.etag)
        return .ok(.init(body: .json(try .init(version, responseLanguage()))))
    }

    func reviewReportVersion(_ input: Operations.ReviewReportVersion.Input) async throws -> Operations.ReviewReportVersion.Output {
        guard case .json(let body) = input.body else { throw Problem.malformedBody("Send a JSON body.") }
        let version = try await incidents.reports.review(
            try await principal(), versionID: try Self.pathID(input.path.versionId, "report version"), ifMatch: input.headers.ifMatch,
            status: try ReviewStatus(mirroring: body.reviewStatus), comment: body.comment ?? "", client: RequestInfo.current.client)
        RequestInfo.current.responseHeaders.add(.eTag, version.etag)
        return .ok(.init(body: .json(try .init(version, responseLanguage()))))
    }

    func getIncidentStatistics(_ input: Operations.GetIncidentStatistics.Input) async throws -> Operations.GetIncidentStatistics.Output {
        let principal = try await principal()
        let statistics = try await incidents.query.statistics(
            principal, view: try Self.view(input.query.view?.rawValue, operatorID: input.query.operatorId, principal), year: input.query.year)
        let language = responseLanguage()
        if input.query.format == .csv {
            return .ok(.init(body: .csv(HTTPBody(try statistics.csv(language)))))
        }
        return .ok(.init(body: .json(.init(statistics, language))))
    }

    /// The side a list or statistics request looks from: the `view` named (`operator` with
    /// `operator_id`), `operator` when only `operator_id` is given, else the natural one.
    private static func view(_ name: String?, operatorID text: String?, _ principal: Principal) throws -> IncidentView {
        let operatorID = try text.map(Self.uuid(field: "operator_id"))
        switch name {
        case "operator":
            guard let operatorID else {
                throw DomainError.validation([FieldError(field: "operator_id", code: "required", message: "The operator view names the operator.")])
            }
            return .operator(operatorID)
        case "reviewer": return .reviewer
        case "notifier": return .regulatorNotifier
        case "observer": return .observer
        case "independent": return .independent
        default:
            if let operatorID { return .operator(operatorID) }
            return try naturalView(principal)
        }
    }

    /// The view a caller has without choosing: regulator staff review, observers observe,
    /// independent users see their own; operator members must name the operator.
    private static func naturalView(_ principal: Principal) throws -> IncidentView {
        let affiliations = principal.affiliations
        if affiliations.regulator != nil { return .reviewer }
        if affiliations.observer != nil { return .observer }
        if affiliations.operators.contains(where: \.isApproved) {
            throw DomainError.validation([FieldError(field: "operator_id", code: "required", message: "Name the operator you act for.")])
        }
        if affiliations.isPlatformAdmin { throw DomainError.forbidden("Platform administrators have no view of incidents.") }
        return .independent
    }
}
