import ArgumentParser
import Foundation
import Logging
import Synchronization

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
