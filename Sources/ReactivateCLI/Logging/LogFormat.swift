import ArgumentParser
import Foundation
import Logging
import Synchronization

/// How log lines look on stderr: people read text on a terminal, machines read JSON lines.
public enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case auto, text, json

    /// `auto` means text on a terminal and JSON lines when stderr is a pipe or a file (cron, systemd).
    func resolved() -> LogFormat {
        guard self == .auto else { return self }
        return isatty(STDERR_FILENO) == 1 ? .text : .json
    }
}

/// Writes whole lines to stderr with one `write` each, so lines from two threads never interleave.
enum StandardError {
    static func write(_ line: String) {
        var line = line
        if !line.hasSuffix("\n") { line += "\n" }
        line.withUTF8 { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(STDERR_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}

/// Human-readable lines: `12:00:01 info  extract finished  rows.out=812345 run.id=7`.
struct TextLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let time = LogClock.timeOfDay()
        let level = event.level.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
        let fields = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        StandardError.write("\(time) \(level) \(event.message)\(fields.isEmpty ? "" : "  " + fields)")
    }
}

/// One JSON object per line with `ts`, `level`, `msg` and the metadata as fields (keys sorted).
///
/// A metadata value logged as `.stringConvertible(x)` whose `x` is an integer, a finite floating-point
/// number or a `Bool` becomes a JSON number or boolean (`"duration_ms":1289`), so log pipelines can sum
/// and compare it; strings, including interpolated ones (`"\(x)"`), stay JSON strings. `ts`, `level`
/// and `msg` are always the handler's own: metadata with those keys does not replace them.
struct JSONLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info
    let label: String

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        StandardError.write(Self.line(timestamp: LogClock.iso8601(), level: event.level, message: "\(event.message)", metadata: merged))
    }

    /// The JSON text of one log line, without the line break.
    static func line(timestamp: String, level: Logger.Level, message: String, metadata: Logger.Metadata) -> String {
        var fields = metadata
        fields["ts"] = .string(timestamp)
        fields["level"] = .string(level.rawValue)
        fields["msg"] = .string(message)
        var text = ""
        JSONLogEncoding.append(.dictionary(fields), to: &text)
        return text
    }
}

enum LogClock {
    static func iso8601() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, now.tv_nsec / 1_000_000)
    }

    static func timeOfDay() -> String {
        var seconds = time(nil)
        var parts = tm()
        localtime_r(&seconds, &parts)
        return String(format: "%02d:%02d:%02d", parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}

enum LoggingSetup {
    /// Bootstraps swift-log once per process; later calls (tests) are ignored.
    static func bootstrap(format: LogFormat, level: Logger.Level) {
        let resolved = format.resolved()
        guard !bootstrapped.withLock({ let was = $0; $0 = true; return was }) else { return }
        LoggingSystem.bootstrap { label in
            switch resolved {
            case .json: var handler = JSONLogHandler(label: label); handler.logLevel = level; return handler
            default: var handler = TextLogHandler(label: label); handler.logLevel = level; return handler
            }
        }
    }

    private static let bootstrapped = Mutex(false)
}
