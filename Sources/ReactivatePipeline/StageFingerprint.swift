import Artifacts
import Foundation
import ReactivateCore

/// What a stage's result was computed from, as a digest the ledger compares on resume.
///
/// The inputs are the configuration keys the stage reads, the run's date and mode, and the output
/// tokens of its upstream stages. A token is new each time a stage really runs, so redoing a stage
/// always invalidates what was computed from it, even when its new result happens to be identical.
enum StageFingerprint {
    static func inputs(_ stage: any Stage, plan: RunPlan, upstreamTokens: [StageName: String]) -> [String: String] {
        var inputs = stage.configurationInputs(plan.config)
        inputs["run.as_of"] = plan.asOf.description
        inputs["run.mode"] = plan.mode.rawValue
        for upstream in stage.upstream {
            inputs["stage.\(upstream.rawValue)"] = upstreamTokens[upstream] ?? "not run"
        }
        return inputs
    }

    /// A stable digest of `inputs` (sorted `key=value` lines).
    static func digest(_ inputs: [String: String]) -> String {
        let canonical = inputs.keys.sorted().map { "\($0)=\(inputs[$0] ?? "")\n" }.joined()
        let hash = XXHash64.hash(Array(canonical.utf8), seed: 0x7265_6163_7469_7661)
        return String(hash, radix: 16)
    }

    /// In words, which inputs differ: `target.radius_m 3000.0 → 1000.0; extract ran again`.
    static func changes(from old: [String: String], to new: [String: String]) -> String {
        guard !old.isEmpty else { return "it ran before input digests were recorded" }
        var parts: [String] = []
        for key in Set(old.keys).union(new.keys).sorted() where old[key] != new[key] {
            if key.hasPrefix("stage.") {
                parts.append("\(key.dropFirst(6)) ran again")
            } else {
                parts.append("\(key) \(old[key] ?? "unset") → \(new[key] ?? "unset")")
            }
        }
        return parts.isEmpty ? "unchanged inputs, but the earlier attempt did not finish" : parts.joined(separator: "; ")
    }

    static func newToken() -> String { String(UInt64.random(in: 1...UInt64.max), radix: 16) }
}
