@testable import Domain
import Testing

/// The pure rules of a declaration, by table: an objective's score and completion, the status
/// its reviews lead to, readiness, and what the operator's side sees of an interim verdict.
@Suite("Declaration rules")
struct DeclarationRuleTests {
    typealias M = DeclarationRules.MeasureState

    @Test("score: the sum over levels above 0 of each level's share implemented; level 0 never counts", arguments: [
        ([M(level: 0, isImplemented: true)], 0.0),
        ([M(level: 1, isImplemented: true), M(level: 1), M(level: 2, isImplemented: true)], 1.5),
        // Not cumulative: only the top level implemented still scores 1.
        ([M(level: 1), M(level: 2), M(level: 3, isImplemented: true)], 1.0),
        ([M(level: 1, isImplemented: true), M(level: 2, isImplemented: true), M(level: 3, isImplemented: true)], 3.0),
        // Each level weighs the same however many measures it has; two decimals.
        ([M(level: 1, isImplemented: true), M(level: 1), M(level: 1)], 0.33),
        ([M(level: 1, isImplemented: true), M(level: 1, isImplemented: true), M(level: 1)], 0.67),
        ([], 0.0),
    ])
    func score(measures: [M], expected: Double) {
        #expect(DeclarationRules.score(measures) == expected)
    }

    @Test("completion: ticked measures need a justification, a gap or 'nothing in place' needs a plan", arguments: [
        // Nothing answered, no plan.
        ([M(level: 0), M(level: 1), M(level: 2)], "", ObjectiveCompletion.notStarted),
        // Implemented without justification.
        ([M(level: 0), M(level: 1, isImplemented: true), M(level: 2)], "plan", .partial),
        // A justification on a measure not implemented.
        ([M(level: 0), M(level: 1, justification: "why"), M(level: 2)], "plan", .partial),
        // Every measure implemented and justified: no plan needed.
        ([M(level: 0), M(level: 1, isImplemented: true, justification: "a"), M(level: 2, isImplemented: true, justification: "b")], "",
         .complete),
        // A gap needs a plan...
        ([M(level: 0), M(level: 1, isImplemented: true, justification: "a"), M(level: 2)], "", .partial),
        // ...and has one.
        ([M(level: 0), M(level: 1, isImplemented: true, justification: "a"), M(level: 2)], "Level 2 by June", .complete),
        // "Nothing in place" (level 0, no justification needed) needs a plan.
        ([M(level: 0, isImplemented: true), M(level: 1), M(level: 2)], "", .partial),
        ([M(level: 0, isImplemented: true), M(level: 1), M(level: 2)], "Start in Q3", .complete),
        // A plan alone starts the objective.
        ([M(level: 0), M(level: 1)], "Start in Q3", .complete),
        // An objective without measures is answered by its plan.
        ([], "", .notStarted),
        ([], "In place: the policy of 2024", .complete),
        // Blank texts count as empty.
        ([M(level: 1, isImplemented: true, justification: "  ")], "", .partial),
    ])
    func completion(measures: [M], plan: String, expected: ObjectiveCompletion) {
        #expect(DeclarationRules.completion(measures, plannedActions: plan) == expected)
    }

    @Test("the status reviews lead to", arguments: [
        ([ObjectiveReviewStatus.passed, .passed], DeclarationStatus.passedPending),
        ([.passed, .revisionRequired], .revisionRequiredPending),
        ([.passed, .notReviewed], .submitted),
        ([.revisionRequired, .notReviewed], .submitted),
        ([], .submitted),
    ])
    func reviewedStatus(reviews: [ObjectiveReviewStatus], expected: DeclarationStatus) {
        #expect(DeclarationRules.reviewedStatus(reviews) == expected)
    }

    @Test("readiness: submit a complete draft with no objective left for revision; send once every objective is reviewed")
    func readiness() {
        let complete = DeclarationProgress(objectives: 3, complete: 3, reviewed: 0, revisionRequired: 0)
        #expect(complete.isReadyToSubmit(.draft))
        #expect(!complete.isReadyToSubmit(.submitted))
        #expect(!DeclarationProgress(objectives: 3, complete: 2, reviewed: 0, revisionRequired: 0).isReadyToSubmit(.draft))
        #expect(!DeclarationProgress(objectives: 3, complete: 3, reviewed: 1, revisionRequired: 1).isReadyToSubmit(.draft))
        #expect(!DeclarationProgress(objectives: 0, complete: 0, reviewed: 0, revisionRequired: 0).isReadyToSubmit(.draft))
        #expect(complete.isReadyToSend(.passedPending) && complete.isReadyToSend(.revisionRequiredPending))
        #expect(!complete.isReadyToSend(.submitted) && !complete.isReadyToSend(.passed))
        #expect(DeclarationProgress(objectives: 3, complete: 2, reviewed: 1, revisionRequired: 0).answeredPercentage == 66)
    }

    @Test("the operator's side sees interim verdicts as submitted", arguments: DeclarationStatus.allCases)
    func operatorView(status: DeclarationStatus) {
        let seen = status.seen(byRegulator: false)
        #expect(status.seen(byRegulator: true) == status)
        #expect(seen == (status == .passedPending || status == .revisionRequiredPending ? .submitted : status))
    }
}
