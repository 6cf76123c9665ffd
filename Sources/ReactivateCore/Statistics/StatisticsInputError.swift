/// A statistics input outside its domain: a confidence level of 1.2, a member's sales of 10¹⁵ cents.
///
/// Thrown at the boundary (configuration, member rows) so estimators never see values that would
/// overflow exact sums or make every interval meaningless.
public struct StatisticsInputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Which input was rejected, by its parameter or field name (`confidenceLevel`, `salesCents`).
    public let parameter: String
    /// The rejected value, rendered as text.
    public let value: String
    /// What the input must satisfy, as a phrase that completes "must be …".
    public let requirement: String

    /// Builds the error from its three parts; ``description`` joins them into one sentence.
    public init(parameter: String, value: String, requirement: String) {
        self.parameter = parameter
        self.value = value
        self.requirement = requirement
    }

    /// "confidenceLevel must be strictly between 0 and 1, got 1.5".
    public var description: String { "\(parameter) must be \(requirement), got \(value)" }
}

extension StatisticsInputError {
    /// Checks that a probability-like parameter lies strictly between 0 and 1.
    static func requireOpenUnitInterval(_ value: Double, _ parameter: String) throws(StatisticsInputError) {
        guard value > 0, value < 1 else {
            throw StatisticsInputError(
                parameter: parameter, value: "\(value)", requirement: "strictly between 0 and 1")
        }
    }
}
