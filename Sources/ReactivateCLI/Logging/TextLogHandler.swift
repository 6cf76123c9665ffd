import ArgumentParser
import Foundation
import Logging
import Synchronization

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
