import ReactivateCore

/// A configuration setting the simulator cannot work with: which one and why.
public struct SimulationConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The setting, e.g. `purchases.alpha`.
    public let field: String
    /// What is wrong with it, e.g. `must be > 0, got -1.0`.
    public let reason: String

    /// Creates the error.
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    /// `simulation setting 'stores': must be >= 1 …`.
    public var description: String { "simulation setting '\(field)': \(reason)" }
}
