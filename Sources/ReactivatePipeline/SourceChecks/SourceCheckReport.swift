/// Everything the data tests on the mapped source found, with what they looked at and what it cost.
public struct SourceCheckReport: Sendable {
    /// Errors first, then warnings, each in the order the checks ran.
    public var findings: [SourceFinding]
    /// Names of the tests that ran and passed or produced a finding, e.g. `unique(members.member_id)`.
    public var checked: [String]
    /// Tests not run, with the reason (e.g. uniqueness guaranteed by a unique index).
    public var skipped: [String]
    /// The cut-off the freshness test compared against, as the server prints it in the business zone.
    public var cutoff: String
    /// Wall time of all checks.
    public var seconds: Double

    public init(findings: [SourceFinding], checked: [String], skipped: [String], cutoff: String, seconds: Double) {
        self.findings = findings.filter { $0.severity == .error } + findings.filter { $0.severity == .warning }
        self.checked = checked
        self.skipped = skipped
        self.cutoff = cutoff
        self.seconds = seconds
    }

    public var errors: [SourceFinding] { findings.filter { $0.severity == .error } }
    public var warnings: [SourceFinding] { findings.filter { $0.severity == .warning } }

    /// Throws a configuration error (exit 2) listing every error with its view, column, examples and fix.
    public func requireNoErrors(schema: String) throws {
        let errors = self.errors
        guard !errors.isEmpty else { return }
        let lines = errors.map { "  - " + $0.description }.joined(separator: "\n")
        throw PipelineError(
            .configuration,
            "the source data in schema \(schema) failed \(errors.count) data test(s):\n\(lines)",
            fix: "fix the views (sql/source/README.md), then check again with `reactivate validate PIPELINE`")
    }

    /// For the run's stats: counts, cost, and every finding in full.
    public var stats: [String: JSONValue] {
        [
            "seconds": .number((seconds * 1000).rounded() / 1000),
            "errors": .integer(Int64(errors.count)),
            "warnings": .integer(Int64(warnings.count)),
            "checked": .array(checked.map(JSONValue.string)),
            "skipped": .array(skipped.map(JSONValue.string)),
            "cutoff": .string(cutoff),
            "findings": .array(findings.map(\.json)),
        ]
    }
}
