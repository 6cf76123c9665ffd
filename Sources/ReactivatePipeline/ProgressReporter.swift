import Dispatch
import Foundation
import Logging
import Synchronization

/// Progress of a long stage: a bar with rate and ETA on a terminal, a log line every few seconds otherwise.
///
/// Safe to call from several slice workers at once; the cost per call is one atomic add and, rarely,
/// a clock read.
public final class ProgressReporter: Sendable {
    let label: String
    let total: Int?
    let logger: Logger
    let interactive: Bool
    let started = DispatchTime.now().uptimeNanoseconds
    private let done = Atomic<Int>(0)
    private let lastReport = Atomic<UInt64>(0)
    /// Seconds between log lines when stderr is not a terminal.
    static let logInterval: UInt64 = 5_000_000_000
    static let barInterval: UInt64 = 200_000_000

    public init(_ label: String, total: Int?, logger: Logger) {
        self.label = label
        self.total = total.flatMap { $0 > 0 ? $0 : nil }
        self.logger = logger
        interactive = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["REACTIVATE_PROGRESS"] != "log"
    }

    @inline(__always)
    public func advance(by count: Int = 1) {
        let now = done.add(count, ordering: .relaxed).newValue
        if now & 0x3FFF < count { report(now) }
    }

    private func report(_ count: Int) {
        let clock = DispatchTime.now().uptimeNanoseconds
        let previous = lastReport.load(ordering: .relaxed)
        let interval = interactive ? Self.barInterval : Self.logInterval
        guard clock - max(previous, started) >= interval,
            lastReport.compareExchange(expected: previous, desired: clock, ordering: .relaxed).exchanged
        else { return }
        let seconds = Double(clock - started) / 1e9
        let rate = Double(count) / max(seconds, 1e-9)
        let eta = total.map { max(Double($0 - count), 0) / max(rate, 1e-9) }
        if interactive {
            var line = "\r\(label) \(count)"
            if let total {
                let fraction = min(Double(count) / Double(total), 1)
                let filled = Int(fraction * 30)
                line += "/\(total) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled) + "]"
            }
            line += String(format: " %.0f rows/s", rate) + (eta.map { String(format: " ETA %.0fs ", $0) } ?? "  ")
            FileHandle.standardError.write(Data(line.utf8))
        } else {
            var metadata: Logger.Metadata = ["rows.done": .stringConvertible(count), "rows_per_s": .stringConvertible(Int(rate))]
            if let total { metadata["rows.total"] = .stringConvertible(total) }
            if let eta { metadata["eta_s"] = .stringConvertible(Int(eta)) }
            logger.info("progress", metadata: metadata)
        }
    }

    /// Clears the bar so the next log line starts on a clean line.
    public func finish() {
        if interactive && lastReport.load(ordering: .relaxed) != 0 {
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
    }
}
