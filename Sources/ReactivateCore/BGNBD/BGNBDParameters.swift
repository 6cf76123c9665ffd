/// The four BG/NBD parameters: purchase rates λ ~ Gamma(shape r, rate α) and dropout
/// probabilities p ~ Beta(a, b), in whatever time unit the summaries use (α carries the unit).
public struct BGNBDParameters: Sendable, Equatable, Codable {
    /// Shape of the gamma distribution of purchase rates.
    public var r: Double
    /// Rate (inverse scale) of the gamma distribution of purchase rates, in time units.
    public var alpha: Double
    /// First shape of the beta distribution of the dropout probability after each purchase.
    public var a: Double
    /// Second shape of the beta distribution of the dropout probability after each purchase.
    public var b: Double

    public init(r: Double, alpha: Double, a: Double, b: Double) {
        self.r = r
        self.alpha = alpha
        self.a = a
        self.b = b
    }

    /// Throws unless every parameter is finite and strictly positive, the model's domain.
    public func validate() throws(BGNBDError) {
        for (name, value) in [("r", r), ("alpha", alpha), ("a", a), ("b", b)] where !(value.isFinite && value > 0) {
            throw BGNBDError(
                kind: .invalidParameters,
                reason: "BG/NBD parameter \(name) is \(value), but every parameter must be finite and positive",
                fix: "use parameters from a successful fit or a finite positive value for \(name)")
        }
    }
}
