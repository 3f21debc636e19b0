import Foundation
import Logging
import Synchronization

/// The progress of a long command run by hand (a benchmark data set, a retention purge): on a
/// terminal, one line on standard error rewritten in place with the count, the share of the
/// total when known, and the rate; otherwise a plain log line every few seconds, so logs of a
/// command run by a scheduler stay readable. Work that may run under a command reports to
/// ``current`` when one is set, and costs nothing otherwise.
public final class ProgressReporter: Sendable {
    /// The reporter of the command running this task, if any.
    @TaskLocal public static var current: ProgressReporter?

    let label: String
    let total: Int?
    let isTerminal: Bool
    let logger: Logger
    /// How often a line is written: on a terminal, redraws; otherwise, log lines.
    let interval: Duration
    private let state: Mutex<State>

    struct State {
        var done = 0
        var started: ContinuousClock.Instant
        var lastWritten: ContinuousClock.Instant?
        var finished = false
    }

    public init(label: String, total: Int? = nil, logger: Logger, isTerminal: Bool = isatty(STDERR_FILENO) == 1, interval: Duration? = nil) {
        self.label = label
        self.total = total
        self.isTerminal = isTerminal
        self.logger = logger
        self.interval = interval ?? (isTerminal ? .milliseconds(100) : .seconds(5))
        state = Mutex(State(started: .now))
    }

    /// Counts `count` more items done; writes a line when one is due.
    public func advance(by count: Int) {
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            state.done += count
            guard !state.finished, state.lastWritten.map({ now - $0 >= interval }) ?? true else { return nil }
            state.lastWritten = now
            return Self.line(label: label, done: state.done, total: total, elapsed: now - state.started, finished: false)
        }
        if let line { write(line, final: false) }
    }

    /// Writes the final line (once), with the count, the time taken and the rate.
    public func finish() {
        let now = ContinuousClock.now
        let line: String? = state.withLock { state in
            guard !state.finished else { return nil }
            state.finished = true
            return Self.line(label: label, done: state.done, total: total, elapsed: now - state.started, finished: true)
        }
        if let line { write(line, final: true) }
    }

    private func write(_ line: String, final: Bool) {
        if isTerminal {
            // Back to the line's start, clear it, redraw; the final line ends it.
            FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line + (final ? "\n" : "")).utf8))
        } else {
            logger.notice("\(line)")
        }
    }

    /// `label: 12,000 of 100,000 (12%), 4,000/s` while running; `label: 100,000 done in 25.0 s (4,000/s)` at the end.
    static func line(label: String, done: Int, total: Int?, elapsed: Duration, finished: Bool) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int((Double(done) / seconds).rounded()) : 0
        if finished {
            return "\(label): \(grouped(done)) done in \(String(format: "%.1f", seconds)) s (\(grouped(rate))/s)"
        }
        var text = "\(label): \(grouped(done))"
        if let total, total > 0 { text += " of \(grouped(total)) (\(min(100, done * 100 / total))%)" }
        return text + ", \(grouped(rate))/s"
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return (value < 0 ? "-" : "") + result
    }
}
