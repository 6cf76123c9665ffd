import ArgumentParser
import ReactivateCore
import ReactivatePipeline

/// `--as-of`: a date parsed once at the edge, or `today`, which the run plan resolves in the business
/// time zone (the host's zone never decides which day it is).
enum AsOfArgument: ExpressibleByArgument, Sendable {
    case day(CalendarDay)
    case today

    init?(argument: String) {
        if argument == "today" { self = .today; return }
        guard let day = CalendarDay(parsing: argument) else { return nil }
        self = .day(day)
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

extension PipelineRunner.Request {
    init(
        config: PipelineConfig, configText: String, asOf: AsOfArgument, mode: RunMode = .live, stages: [StageName]? = nil,
        force: Bool = false, issueAt: Int64? = nil, sliceCount: Int = 2, attributeWave: Int32? = nil
    ) {
        let day: Int32
        switch asOf {
        case .day(let value): day = value.number
        case .today: day = 0
        }
        self.init(
            config: config, configText: configText, asOfDay: day, mode: mode, stages: stages, force: force, issueAt: issueAt,
            sliceCount: sliceCount, attributeWave: attributeWave)
        if case .today = asOf { asOfToday = true }
    }
}
