import ArgumentParser
import Foundation
import Logging
import Synchronization

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
