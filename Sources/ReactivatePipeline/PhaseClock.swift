import Dispatch
import Logging

/// Debug-level timings of a stage's phases, for finding where the time goes (`--log-level debug`).
struct PhaseClock {
    let logger: Logger
    var last = DispatchTime.now().uptimeNanoseconds

    init(logger: Logger, last: UInt64 = DispatchTime.now().uptimeNanoseconds) {
        self.logger = logger
        self.last = last
    }

    mutating func lap(_ phase: String) {
        let now = DispatchTime.now().uptimeNanoseconds
        logger.debug("phase finished", metadata: ["phase": "\(phase)", "duration_ms": .stringConvertible((now - last) / 1_000_000)])
        last = now
    }
}
