/// Difference of two arms' means with a Welch (unequal variances) interval.
///
/// Welch rather than the pooled-variance t test because treatment changes the spread of sales
/// as well as the mean, and the control arm is much smaller than the treatment arm.
public struct MeanDifferenceEstimate: Sendable, Hashable, Codable {
    /// n_T and n_C.
    public let treatmentCount: Int64
    public let controlCount: Int64
    /// Mean per member of each arm; nil for an empty arm.
    public let treatmentMean: Double?
    public let controlMean: Double?
    /// Sample variances (n − 1 denominator); nil below 2 members.
    public let treatmentVariance: Double?
    public let controlVariance: Double?
    /// Treatment mean − control mean.
    public let difference: Double?
    /// √(s²_T/n_T + s²_C/n_C).
    public let standardError: Double?
    /// Welch–Satterthwaite degrees of freedom, generally not an integer.
    public let degreesOfFreedom: Double?
    /// difference ± t_{(1+level)/2, df} · standardError.
    public let interval: ConfidenceInterval?
    /// Why any of the optional fields is nil.
    public let status: EstimateStatus

    /// Welch comparison of the arms' sales per member (cents).
    ///
    /// - Throws: ``StatisticsInputError`` when `confidenceLevel` is not strictly between 0 and 1.
    public init(
        treatment: ArmStatistics, control: ArmStatistics, confidenceLevel: Double = 0.95
    ) throws(StatisticsInputError) {
        try StatisticsInputError.requireOpenUnitInterval(confidenceLevel, "confidenceLevel")
        self.init(treatment: treatment.salesMoments, control: control.salesMoments, confidenceLevel: confidenceLevel)
    }

    /// Welch comparison from per-arm moments; `confidenceLevel` must already be validated.
    init(treatment: ArmMoments, control: ArmMoments, confidenceLevel: Double) {
        treatmentCount = treatment.count
        controlCount = control.count
        treatmentMean = treatment.mean
        controlMean = control.mean
        treatmentVariance = treatment.variance
        controlVariance = control.variance
        guard let meanT = treatment.mean, let meanC = control.mean else {
            (difference, standardError, degreesOfFreedom, interval) = (nil, nil, nil, nil)
            status = .emptyArm
            return
        }
        let difference = meanT - meanC
        self.difference = difference
        guard let varianceT = treatment.variance, let varianceC = control.variance else {
            (standardError, degreesOfFreedom, interval) = (nil, nil, nil)
            status = .tooFewMembers
            return
        }
        let shareT = varianceT / Double(treatment.count)
        let shareC = varianceC / Double(control.count)
        let squaredError = shareT + shareC
        let standardError = squaredError.squareRoot()
        self.standardError = standardError
        guard squaredError > 0 else {
            (degreesOfFreedom, interval) = (nil, nil)
            status = .noVariance
            return
        }
        // Satterthwaite, written on the shares of the variance so nothing overflows.
        let fractionT = shareT / squaredError
        let fractionC = shareC / squaredError
        let degreesOfFreedom =
            1 / (fractionT * fractionT / Double(treatment.count - 1) + fractionC * fractionC / Double(control.count - 1))
        self.degreesOfFreedom = degreesOfFreedom
        status = .estimated
        guard let critical = StudentTDistribution.upperQuantile(
            tail: (1 - confidenceLevel) / 2, degreesOfFreedom: degreesOfFreedom)
        else {
            interval = nil
            return
        }
        interval = ConfidenceInterval(
            lower: difference - critical * standardError, upper: difference + critical * standardError,
            level: confidenceLevel)
    }
}
