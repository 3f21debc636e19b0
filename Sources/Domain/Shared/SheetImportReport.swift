import Foundation

/// What an import did (or, in a dry run, would do) with each row of the file.
public struct SheetImportReport: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Equatable, Codable, CaseIterable {
        case new, updated, unchanged, rejected
    }

    public struct Row: Sendable, Equatable, Codable {
        /// The row's line in the file (the header is line 1).
        public var line: Int
        /// The row's identity: an objective's code, `code/level/position` for a measure, an
        /// observation's code.
        public var key: String
        public var outcome: Outcome
        public var reason: String?
    }

    public var rows: [Row]
    public var applied: Bool
}
