import Foundation
import Logging
import Postgres
import ReactivateCore

/// One step of the pipeline. A stage makes its results visible atomically (one transaction, or a
/// renamed artifact) so a failure at any point leaves the previous results or nothing.
public protocol Stage: Sendable {
    var name: StageName { get }
    /// The stages whose results this one reads; when one of them runs again, so does this one.
    var upstream: [StageName] { get }
    /// The configuration this stage reads, by TOML key, with canonical values: a changed key re-runs
    /// exactly the stages that read it (and those downstream of them).
    func configurationInputs(_ config: PipelineConfig) -> [String: String]
    /// Whether the stage may run while the previous stage's ``BackgroundWrite`` is still committing:
    /// only a stage that reads none of the tables being written and whose own writes a rerun replaces.
    /// Issuing coupons cannot be taken back, so it never does.
    var runsBesideBackgroundWrites: Bool { get }
    func run(_ context: StageContext) throws -> StageResult
}

extension Stage {
    public var runsBesideBackgroundWrites: Bool { false }
}
