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
