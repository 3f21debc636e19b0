import Foundation

/// Where a declaration version stands.
public enum DeclarationStatus: String, Sendable, CaseIterable, Codable {
    /// Being written by the operator; regulators do not see it.
    case draft
    /// Submitted; the regulator reviews its objectives.
    case submitted
    /// Every objective reviewed, all passed (or some need revision), the verdict not sent yet:
    /// the operator still sees `submitted`.
    case passedPending, revisionRequiredPending
    /// The verdict, sent: final for this version (a new version carries everything over).
    case passed, revisionRequired

    public var isUnderReview: Bool { self == .submitted || self == .passedPending || self == .revisionRequiredPending }
    public var isFinal: Bool { self == .passed || self == .revisionRequired }

    /// The status as the operator's side sees it: interim verdicts stay hidden until sent.
    public func seen(byRegulator: Bool) -> DeclarationStatus {
        byRegulator || !isUnderReview ? self : .submitted
    }
}

/// How far the operator answered one objective.
public enum ObjectiveCompletion: String, Sendable, CaseIterable, Codable {
    case notStarted, partial, complete
}

/// The regulator's verdict on one objective of a declaration.
public enum ObjectiveReviewStatus: String, Sendable, CaseIterable, Codable {
    case notReviewed, passed, revisionRequired
}

/// The pure rules of a declaration: the score and completion of an objective, the status its
/// reviews lead to, and the readiness to submit or to send.
public enum DeclarationRules {
    /// One measure of an objective with the declaration's answer to it.
    public struct MeasureState: Sendable, Equatable {
        public var level: Int
        public var isImplemented: Bool
        public var justification: String

        public init(level: Int, isImplemented: Bool = false, justification: String = "") {
            self.level = level
            self.isImplemented = isImplemented
            self.justification = justification
        }

        var isAnswered: Bool { isImplemented || !TextRules.isBlank(justification) }
    }

    /// The maturity score of an objective: over the levels above 0, the sum of the share of each
    /// level's measures implemented (so 0 … number of such levels; each level weighs the same
    /// however many measures it has; level 0, "nothing in place", never counts). Two decimals.
    public static func score(_ measures: [MeasureState]) -> Double {
        let byLevel = Dictionary(grouping: measures.filter { $0.level > 0 }, by: \.level)
        let sum = byLevel.values.reduce(0.0) { total, level in
            total + Double(level.filter(\.isImplemented).count) / Double(level.count)
        }
        return (sum * 100).rounded() / 100
    }

    /// The completion of an objective:
    /// * every implemented measure above level 0 needs a justification, and a justification
    ///   belongs to an implemented measure (otherwise `partial`);
    /// * the planned actions are needed when a level-0 measure ("nothing in place") is ticked or
    ///   when any measure above level 0 is not implemented (a gap needs a plan);
    /// * nothing answered and no plan is `notStarted`;
    /// * an objective without measures is answered by its planned actions alone.
    public static func completion(_ measures: [MeasureState], plannedActions: String) -> ObjectiveCompletion {
        let hasPlan = !TextRules.isBlank(plannedActions)
        guard measures.contains(where: \.isAnswered) || hasPlan else { return .notStarted }
        let upper = measures.filter { $0.level > 0 }
        let unjustified = upper.contains { $0.isImplemented == TextRules.isBlank($0.justification) }
        if unjustified { return .partial }
        let needsPlan = measures.contains { $0.level == 0 && $0.isImplemented } || upper.contains { !$0.isImplemented } || measures.isEmpty
        return needsPlan && !hasPlan ? .partial : .complete
    }

    /// The status of a submitted declaration after a review change: every objective reviewed
    /// gives `passedPending` (all passed) or `revisionRequiredPending`; otherwise `submitted`.
    public static func reviewedStatus(_ reviews: [ObjectiveReviewStatus]) -> DeclarationStatus {
        guard !reviews.isEmpty, !reviews.contains(.notReviewed) else { return .submitted }
        return reviews.contains(.revisionRequired) ? .revisionRequiredPending : .passedPending
    }

    /// The shares shown as progress: whole percentages, 100 only when every objective counts.
    public static func percentage(_ count: Int, of total: Int) -> Int {
        total == 0 ? 0 : count * 100 / total
    }
}

/// The counts a declaration's progress and readiness are computed from.
public struct DeclarationProgress: Sendable, Equatable {
    public var objectives: Int
    public var complete: Int
    public var reviewed: Int
    public var revisionRequired: Int

    public init(objectives: Int, complete: Int, reviewed: Int, revisionRequired: Int) {
        self.objectives = objectives
        self.complete = complete
        self.reviewed = reviewed
        self.revisionRequired = revisionRequired
    }

    public var answeredPercentage: Int { DeclarationRules.percentage(complete, of: objectives) }
    public var reviewedPercentage: Int { DeclarationRules.percentage(reviewed, of: objectives) }

    /// A draft with every objective complete and none still marked "revision required" (a
    /// verdict carried over from the previous version until the operator edits that objective).
    public func isReadyToSubmit(_ status: DeclarationStatus) -> Bool {
        status == .draft && objectives > 0 && complete == objectives && revisionRequired == 0
    }

    /// A declaration under review with every objective reviewed.
    public func isReadyToSend(_ status: DeclarationStatus) -> Bool {
        status == .passedPending || status == .revisionRequiredPending
    }
}
