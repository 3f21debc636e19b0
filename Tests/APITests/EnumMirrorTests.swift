@testable import API
@testable import Domain
import Testing

/// Every enum the API maps between the domain and the generated contract, walked case by case
/// in the directions it travels: what the domain answers has its case in the contract, what
/// the contract accepts has its case in the domain. With these, `init(mirroring:)` never
/// meets a value without a counterpart.
@Suite("Enum mirrors")
struct EnumMirrorTests {
    typealias S = Components.Schemas

    /// Each domain case mirrored into `Generated`.
    static func answered<Domain: RawRepresentable<String> & CaseIterable, Generated: RawRepresentable<String>>(
        _ domain: Domain.Type, as generated: Generated.Type, sourceLocation: SourceLocation = #_sourceLocation) {
        for value in Domain.allCases {
            #expect(throws: Never.self, "\(Domain.self).\(value.rawValue)", sourceLocation: sourceLocation) { _ = try Generated(mirroring: value) }
        }
    }

    /// Each generated case mirrored into `Domain`.
    static func accepted<Generated: RawRepresentable<String> & CaseIterable, Domain: RawRepresentable<String>>(
        _ generated: Generated.Type, as domain: Domain.Type, sourceLocation: SourceLocation = #_sourceLocation) {
        for value in Generated.allCases {
            #expect(throws: Never.self, "\(Generated.self).\(value.rawValue)", sourceLocation: sourceLocation) { _ = try Domain(mirroring: value) }
        }
    }

    @Test("what the domain answers has its case in the contract")
    func answers() {
        Self.answered(EmailEvent.self, as: S.EmailEvent.self)
        Self.answered(Language.self, as: S.Language.self)
        Self.answered(Language.self, as: S.ReportGenerationItem.LanguagePayload.self)
        Self.answered(QuestionKind.self, as: S.QuestionKind.self)
        Self.answered(DeadlineTrigger.self, as: S.DeadlineTrigger.self)
        Self.answered(NotificationType.self, as: S.NotificationType.self)
        Self.answered(ReportDisplayStatus.self, as: S.IncidentReport.StatusPayload.self)
        Self.answered(ReviewStatus.self, as: S.ReviewStatus.self)
        Self.answered(IncidentSide.self, as: S.AccessLogEntry.SidePayload.self)
        Self.answered(IncidentAccessAction.self, as: S.AccessLogEntry.ActionPayload.self)
        Self.answered(DeclarationStatus.self, as: S.DeclarationStatus.self)
        Self.answered(ObjectiveCompletion.self, as: S.DeclarationObjective.CompletionPayload.self)
        Self.answered(ObjectiveCompletion.self, as: S.ObjectiveState.CompletionPayload.self)
        Self.answered(ObjectiveReviewStatus.self, as: S.DeclarationObjective.ReviewStatusPayload.self)
        Self.answered(ObjectiveReviewStatus.self, as: S.ObjectiveState.ReviewStatusPayload.self)
        Self.answered(DeclarationAccessAction.self, as: S.DeclarationAccessLogEntry.ActionPayload.self)
        Self.answered(SheetImportReport.Outcome.self, as: S.SheetImportReport.RowsPayloadPayload.OutcomePayload.self)
        // A declaration import reports each row new or rejected (nothing is there to update).
        for outcome in [SheetImportReport.Outcome.new, .rejected] {
            #expect(throws: Never.self) { _ = try S.DeclarationImport.RowsPayloadPayload.OutcomePayload(mirroring: outcome) }
        }
        Self.answered(ReportGeneration.Status.self, as: S.ReportGeneration.StatusPayload.self)
        Self.answered(ReportGeneration.Item.Status.self, as: S.ReportGenerationItem.StatusPayload.self)
        Self.answered(ReportGeneration.Skipped.Reason.self, as: S.ReportGenerationSkip.ReasonPayload.self)
        Self.answered(JobStatus.State.self, as: S.Job.StatePayload.self)
        Self.answered(AdministeredJob.State.self, as: S.AdminJobState.self)
        Self.answered(WebhookEvent.self, as: S.WebhookEventName.self)
        Self.answered(WebhookOrganisation.Kind.self, as: S.Webhook.OrganisationPayload.KindPayload.self)
        Self.answered(WebhookDelivery.Status.self, as: S.WebhookDelivery.StatusPayload.self)
        // Declaration access-log sides are stored as text: the two the module writes.
        for side in ["operator", "regulator"] {
            #expect(throws: Never.self) { _ = try S.DeclarationAccessLogEntry.SidePayload(mirroringRaw: side) }
        }
    }

    @Test("what the contract accepts has its case in the domain")
    func accepts() {
        Self.accepted(S.QuestionKind.self, as: QuestionKind.self)
        Self.accepted(S.DeadlineTrigger.self, as: DeadlineTrigger.self)
        Self.accepted(S.NotificationType.self, as: NotificationType.self)
        Self.accepted(S.ReviewWrite.ReviewStatusPayload.self, as: ReviewStatus.self)
        Self.accepted(Components.Parameters.StandardSheet.self, as: StandardSheet.self)
        Self.accepted(S.EmailEvent.self, as: EmailEvent.self)
        Self.accepted(S.WebhookEventName.self, as: WebhookEvent.self)
    }

    @Test("a value without its counterpart throws rather than trapping")
    func missingCase() {
        #expect(throws: EnumMirrorError.self) { _ = try S.ReviewStatus(mirroringRaw: "approvedByMistake") }
    }
}
