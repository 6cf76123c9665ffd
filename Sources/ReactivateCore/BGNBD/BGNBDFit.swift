import Foundation

/// Settings of the maximum-likelihood fit; the defaults suit day- or week-based customer bases.
public struct BGNBDFitOptions: Sendable, Equatable {
    /// Quasi-Newton iterations before giving up (a typical fit needs 15–40).
    public var maximumIterations: Int
    /// Converged when no component of the gradient of the mean log-likelihood per customer, taken with
    /// respect to the log-parameters, exceeds this.
    public var gradientTolerance: Double
    /// Also converged when two iterations in a row improve the mean log-likelihood by less than this
    /// fraction and the gradient is within 1000× `gradientTolerance` (the sums' rounding floor).
    public var relativeTolerance: Double
    /// Where the search starts; nil picks r = 1, α = mean T / (mean x + 1) (so r/α is about the
    /// observed purchase rate), a = 1, b = 1.
    public var start: BGNBDParameters?
    /// Return an unconverged fit (with `converged == false`) instead of throwing.
    public var allowsNonConvergence: Bool

    public init(
        maximumIterations: Int = 200, gradientTolerance: Double = 1e-8, relativeTolerance: Double = 1e-13,
        start: BGNBDParameters? = nil, allowsNonConvergence: Bool = false
    ) {
        self.maximumIterations = maximumIterations
        self.gradientTolerance = gradientTolerance
        self.relativeTolerance = relativeTolerance
        self.start = start
        self.allowsNonConvergence = allowsNonConvergence
    }
}

/// The result of fitting the BG/NBD model by maximum likelihood.
public struct BGNBDFit: Sendable, Equatable {
    /// The maximum-likelihood estimates (or the last iterate when not converged).
    public var parameters: BGNBDParameters
    /// Total log-likelihood Σ LL over all customers at `parameters`.
    public var logLikelihood: Double
    /// Quasi-Newton iterations used.
    public var iterations: Int
    /// Whether the optimiser met its convergence test.
    public var converged: Bool
    /// Customers the fit is based on.
    public var customerCount: Int
    /// Largest gradient component of the mean log-likelihood per customer (log-parameters) at the end.
    public var gradientNorm: Double
    /// Likelihood evaluations used (each also yields the gradient).
    public var evaluations: Int
    /// Set when the likelihood has its maximum on the edge of the parameter space (no dropout visible,
    /// one purchase rate for all, …): the limiting model, fitted by maximum likelihood, which predictions
    /// must use (`model()` does). `parameters` are then the last iterate of the four-parameter search,
    /// `logLikelihood` and `converged` those of the limit's own fit.
    public var limit: BGNBDLimit?
    /// A sentence for the log when the fit needed a limit, nil otherwise.
    public var warning: String?

    public init(
        parameters: BGNBDParameters, logLikelihood: Double, iterations: Int, converged: Bool, customerCount: Int,
        gradientNorm: Double, evaluations: Int, limit: BGNBDLimit? = nil, warning: String? = nil
    ) {
        self.limit = limit
        self.warning = warning
        self.parameters = parameters
        self.logLikelihood = logLikelihood
        self.iterations = iterations
        self.converged = converged
        self.customerCount = customerCount
        self.gradientNorm = gradientNorm
        self.evaluations = evaluations
    }

    /// The model to predict with: the full model at `parameters`, or the limit the fit found.
    public func model() throws(BGNBDError) -> BGNBDModel {
        if let limit {
            // A fallback has no four-parameter point; the model keeps a placeholder it never predicts with.
            let kept = (try? parameters.validate()) != nil ? parameters : BGNBDParameters(r: 1, alpha: 1, a: 1, b: 1)
            return try BGNBDModel(limit: limit, parameters: kept)
        }
        return try BGNBDModel(parameters: parameters)
    }

    /// Fits r, α, a, b to individual summaries (identical triples are grouped first).
    /// - Throws: `BGNBDError` for no input, an invalid summary (with its position), data without any
    ///   repeat buyer, or a fit that does not converge (unless `options.allowsNonConvergence`).
    public static func fit(
        _ summaries: some Sequence<CustomerSummary>, options: BGNBDFitOptions = BGNBDFitOptions()
    ) throws(BGNBDError) -> BGNBDFit {
        try fit(BGNBDLikelihood(summaries: summaries), options: options)
    }

    /// Fits r, α, a, b to grouped summaries (each triple with its customer count).
    public static func fit(
        groups: [WeightedCustomerSummary], options: BGNBDFitOptions = BGNBDFitOptions()
    ) throws(BGNBDError) -> BGNBDFit {
        try fit(BGNBDLikelihood(groups: groups), options: options)
    }

    /// Maximises the likelihood over θ = (ln r, ln α, ln a, ln b), which is unconstrained and makes the
    /// four parameters comparably scaled; the objective is minus the mean log-likelihood per customer so
    /// tolerances do not depend on the size of the base.
    public static func fit(
        _ likelihood: BGNBDLikelihood, options: BGNBDFitOptions = BGNBDFitOptions()
    ) throws(BGNBDError) -> BGNBDFit {
        try fit(likelihood, options: options, warmStartGroups: warmStartGroups)
    }

    /// `fit(_:options:)` with the warm-start sample size given (tests use small bases and samples).
    static func fit(
        _ likelihood: BGNBDLikelihood, options: BGNBDFitOptions, warmStartGroups: Int
    ) throws(BGNBDError) -> BGNBDFit {
        let start: BGNBDParameters
        if let given = options.start { start = given } else { start = defaultStart(likelihood) }
        try start.validate()
        let customers = Double(likelihood.customerCount)
        let optimizer = BGNBDOptimizer(
            maximumIterations: max(options.maximumIterations, 0), gradientTolerance: options.gradientTolerance,
            relativeTolerance: options.relativeTolerance, maximumStep: 3, bound: 30)
        let origin = SIMD4(log(start.r), log(start.alpha), log(start.a), log(start.b))
        // With many groups, most of the search's evaluations go to finding the neighbourhood of the
        // maximum and its curvature. A systematic sample of the groups has nearly the same maximum and
        // curvature per customer, at a fraction of the cost per evaluation: the full search starts where
        // the sample's converged (with its curvature) and meets the same convergence test as from cold.
        var warm: BGNBDOptimizer.Result?
        if options.start == nil, let sample = likelihood.sample(about: warmStartGroups) {
            let sampled = optimizer.minimize(from: origin, objective(sample))
            if sampled.converged, !sampled.stop.mayBeHeadingForTheEdge(sampled.point) { warm = sampled }
        }
        var result = optimizer.minimize(
            from: warm?.point ?? origin, initialInverseHessian: warm?.inverseHessian, objective(likelihood))
        if warm != nil, !result.converged {
            // Whatever stopped the warm search (an edge, a failed line search) is judged as from cold.
            result = optimizer.minimize(from: origin, objective(likelihood))
        }
        let parameters = BGNBDParameters(
            r: exp(result.point[0]), alpha: exp(result.point[1]), a: exp(result.point[2]), b: exp(result.point[3]))
        let fit = BGNBDFit(
            parameters: parameters, logLikelihood: -result.value * customers, iterations: result.iterations,
            converged: result.converged, customerCount: likelihood.customerCount,
            gradientNorm: BGNBDOptimizer.largestMagnitude(result.gradient), evaluations: result.evaluations)
        // A maximum at the edge shows as a search that left the box, or as a "converged" point with an
        // extreme parameter where the likelihood has flattened out (a → 0 when nobody drops out).
        if result.stop.mayBeHeadingForTheEdge(result.point),
            let boundary = boundaryFit(likelihood, near: parameters, reachedLogLikelihood: fit.logLikelihood, options: options)
        {
            var limited = boundary
            limited.parameters = parameters
            limited.iterations += fit.iterations
            limited.evaluations += fit.evaluations
            return limited
        }
        if !fit.converged && !options.allowsNonConvergence {
            let described: String
            switch result.stop {
            case .diverged(let index, let value):
                let name = ["r", "alpha", "a", "b"][index]
                described =
                    "\(name) drifted to \(exp(value)): the likelihood keeps rising towards the edge of the "
                    + "parameter space"
            case .iterationLimit: described = "the iteration limit was reached"
            case .nonFiniteStart: described = "the log-likelihood is not finite at the starting point"
            default: described = "the line search found no further increase"
            }
            throw BGNBDError(
                kind: .notConverged,
                reason:
                    "the BG/NBD fit did not converge after \(result.iterations) iterations (\(described); last "
                    + "r=\(parameters.r), alpha=\(parameters.alpha), a=\(parameters.a), b=\(parameters.b))",
                fix:
                    "check that the summaries use one time unit and contain enough repeat buyers and lapsed "
                    + "customers"
            )
        }
        return fit
    }

    /// Repeat groups in the warm-start sample (see `fit(_:options:)`): two evaluation chunks.
    static let warmStartGroups = 2 * BGNBDLikelihood.chunkSize

    /// Minus the mean log-likelihood per customer and its gradient over θ = (ln r, ln α, ln a, ln b).
    static func objective(_ likelihood: BGNBDLikelihood) -> (SIMD4<Double>) -> (value: Double, gradient: SIMD4<Double>) {
        let customers = Double(likelihood.customerCount)
        return { theta in
            let parameters = BGNBDParameters(r: exp(theta[0]), alpha: exp(theta[1]), a: exp(theta[2]), b: exp(theta[3]))
            let (value, gradient) = likelihood.logLikelihoodAndGradient(parameters)
            // d/d ln θ = θ · d/dθ.
            let logGradient = SIMD4(
                gradient.r * parameters.r, gradient.alpha * parameters.alpha, gradient.a * parameters.a,
                gradient.b * parameters.b)
            return (-value / customers, -logGradient / customers)
        }
    }

    /// The simplest model, which can always be fitted: one Poisson rate λ = Σx / ΣT for everyone and no
    /// dropout (P(alive) = 1, expected purchases λt). For a caller that needs scores but not the
    /// BG/NBD's P(alive) when `fit` throws; nil for no customers or no observation time at all.
    /// `parameters` are NaN (there is no four-parameter point), `converged` is false and `warning` says why.
    public static func poissonFallback(groups: [WeightedCustomerSummary], because failure: BGNBDError) -> BGNBDFit? {
        var customers = 0
        var purchases = 0.0
        var exposure = 0.0
        for group in groups where group.count > 0 && group.summary.problem == nil {
            customers += group.count
            purchases += Double(group.count) * group.summary.frequency
            exposure += Double(group.count) * group.summary.age
        }
        guard customers > 0, exposure > 0 else { return nil }
        let rate = purchases / exposure
        let limit = BGNBDLimit(rates: .single(rate: rate), dropout: .none)
        let logLikelihood = purchases > 0 ? purchases * log(rate) - rate * exposure : 0
        return BGNBDFit(
            parameters: BGNBDParameters(r: .nan, alpha: .nan, a: .nan, b: .nan), logLikelihood: logLikelihood,
            iterations: 0, converged: false, customerCount: customers, gradientNorm: .nan, evaluations: 0,
            limit: limit,
            warning: "BG/NBD could not be fitted (\(failure.reason)), so scores use \(limit): every P(alive) is 1")
    }

    /// The best limiting model (see `BGNBDLimit`) when one is at least as likely as where the
    /// four-parameter search stopped, fitted by maximum likelihood over its own parameters; nil when
    /// none is (the search stopped for another reason) or none converges.
    ///
    /// Every limit with one or both of the mixtures collapsed is tried, each started from the nearest
    /// point to where the search stopped; a limit whose own fit runs to an edge is covered by the
    /// smaller limit at that edge, which is also tried.
    static func boundaryFit(
        _ likelihood: BGNBDLikelihood, near last: BGNBDParameters, reachedLogLikelihood reached: Double,
        options: BGNBDFitOptions
    ) -> BGNBDFit? {
        var customers = 0.0
        var purchases = 0.0
        for (x, count) in zip(likelihood.frequencies, likelihood.frequencyCounts) {
            customers += count
            purchases += x * count
        }
        var exposure = 0.0
        for (age, count) in zip(likelihood.ages, likelihood.zeroFrequencyCountsByAge) { exposure += age * count }
        for (slot, count) in zip(likelihood.groupAge, likelihood.groupCount) {
            exposure += likelihood.ages[Int(slot)] * count
        }
        // The Poisson rate's maximum-likelihood estimate without dropout, a start for the one-rate limits.
        let rate = purchases / max(exposure, .leastNormalMagnitude)
        let clampedP = min(max(last.a / (last.a + last.b), 1e-6), 1 - 1e-6)
        func clamped(_ value: Double) -> Double { min(max(value, exp(-12)), exp(12)) }
        let gamma = BGNBDLimit.Rates.gamma(r: clamped(last.r), alpha: clamped(last.alpha))
        let single = BGNBDLimit.Rates.single(rate: rate)
        let candidates = [
            BGNBDLimit(rates: gamma, dropout: .none),
            BGNBDLimit(rates: gamma, dropout: .constant(probability: clampedP)),
            BGNBDLimit(rates: single, dropout: .none),
            BGNBDLimit(rates: single, dropout: .constant(probability: clampedP)),
            BGNBDLimit(rates: single, dropout: .beta(a: clamped(last.a), b: clamped(last.b))),
        ]
        var best: BGNBDFit?
        for candidate in candidates {
            guard let fitted = fitLimit(candidate, likelihood, options: options), fitted.converged else { continue }
            if best.map({ fitted.logLikelihood > $0.logLikelihood }) ?? true { best = fitted }
        }
        // The supremum is approached from inside, so the limit can only be better, up to rounding; an
        // interior maximum that is genuinely better (by more than 1e-10 of the total) is kept.
        guard var best, best.logLikelihood >= reached - 1e-10 * abs(reached) else { return nil }
        guard let limit = best.limit else { return nil }
        best.warning =
            "the BG/NBD likelihood has its maximum on the edge of the parameter space, so the limiting model "
            + "is used: \(limit) (log-likelihood \(best.logLikelihood))"
        return best
    }

    /// Maximises the likelihood of one limiting model over its own coordinates.
    static func fitLimit(_ start: BGNBDLimit, _ likelihood: BGNBDLikelihood, options: BGNBDFitOptions) -> BGNBDFit? {
        let customers = Double(likelihood.customerCount)
        let mask = start.usedSlots
        let optimizer = BGNBDOptimizer(
            maximumIterations: max(options.maximumIterations, 0), gradientTolerance: options.gradientTolerance,
            relativeTolerance: options.relativeTolerance, maximumStep: 3, bound: 30)
        let result = optimizer.minimize(from: start.coordinates) { theta in
            let (value, gradient) = likelihood.limitLogLikelihoodAndGradient(start.moved(to: theta))
            return (-value / customers, -gradient * mask / customers)
        }
        guard result.value.isFinite else { return nil }
        let limit = start.moved(to: result.point)
        return BGNBDFit(
            parameters: BGNBDParameters(r: .nan, alpha: .nan, a: .nan, b: .nan), logLikelihood: -result.value * customers,
            iterations: result.iterations, converged: result.converged, customerCount: likelihood.customerCount,
            gradientNorm: BGNBDOptimizer.largestMagnitude(result.gradient), evaluations: result.evaluations,
            limit: limit)
    }

    /// r = 1, α = mean T / (mean x + 1), a = b = 1: puts the mean purchase rate r/α near the observed
    /// one, so the first steps are spent on shape, not on finding the time unit.
    static func defaultStart(_ likelihood: BGNBDLikelihood) -> BGNBDParameters {
        var customers = 0.0
        var frequencySum = 0.0
        for (x, count) in zip(likelihood.frequencies, likelihood.frequencyCounts) {
            customers += count
            frequencySum += x * count
        }
        var ageSum = 0.0
        for (age, count) in zip(likelihood.ages, likelihood.zeroFrequencyCountsByAge) { ageSum += age * count }
        for (slot, count) in zip(likelihood.groupAge, likelihood.groupCount) {
            ageSum += likelihood.ages[Int(slot)] * count
        }
        let meanAge = ageSum / customers
        let meanFrequency = frequencySum / customers
        let alpha = meanAge > 0 ? meanAge / (meanFrequency + 1) : 1
        return BGNBDParameters(r: 1, alpha: alpha, a: 1, b: 1)
    }
}

extension BGNBDOptimizer.Stop {
    /// Whether the search may have stopped near the edge of the domain: it left the box, or it stopped
    /// (converged or not) with a parameter beyond e^±10, where the likelihood flattens out or its
    /// log-gamma differences drown in rounding. An iteration limit is never taken for one.
    func mayBeHeadingForTheEdge(_ point: SIMD4<Double>) -> Bool {
        switch self {
        case .diverged: return true
        case .iterationLimit, .nonFiniteStart: return false
        default: return BGNBDOptimizer.largestMagnitude(point) > 10
        }
    }
}
