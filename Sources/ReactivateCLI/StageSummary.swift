import Foundation
import ReactivatePipeline

/// Short human summaries of a stage's stats for stdout.
enum StageSummary {
    static func render(_ stage: StageName, _ stats: [String: JSONValue]) -> String {
        stats.keys.sorted().map { key in "      \(key): \(format(stats[key] ?? .null))" }.joined(separator: "\n")
    }

    static func format(_ value: JSONValue) -> String {
        switch value {
        case .integer(let number): return String(number)
        case .number(let number): return String(format: "%.6g", number)
        case .string(let text): return text
        case .bool(let flag): return String(flag)
        case .null: return "–"
        case .array(let values): return "[" + values.map(format).joined(separator: ", ") + "]"
        case .object(let object): return "{" + object.keys.sorted().map { "\($0): \(format(object[$0] ?? .null))" }.joined(separator: ", ") + "}"
        }
    }
}
