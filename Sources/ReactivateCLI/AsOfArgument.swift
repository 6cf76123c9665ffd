import ArgumentParser
import ReactivateCore
import ReactivatePipeline

/// `--as-of`: a date parsed once at the edge, or `today`, which the run plan resolves in the business
/// time zone (the host's zone never decides which day it is).
struct AsOfArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    let value: AsOf

    static let today = AsOfArgument(value: .today)

    init(value: AsOf) { self.value = value }

    init?(argument: String) {
        if argument == "today" { self.init(value: .today); return }
        guard let day = CalendarDay(parsing: argument) else { return nil }
        self.init(value: .day(day))
    }

    var description: String { value.description }

    static var defaultCompletionKind: CompletionKind { .default }
}
