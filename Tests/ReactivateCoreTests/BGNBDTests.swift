import Foundation
import ReactivateCore
import Testing

/// Fader, Hardie & Lee's CDNOW estimates (weeks), the usual reference point for BG/NBD code.
private let cdnow = BGNBDParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
/// A day-based parameter set with a > 1 and b < 1, the other side of both beta shapes.
private let daily = BGNBDParameters(r: 2.5, alpha: 60, a: 3.2, b: 0.4)

/// Independent numerical versions of the model's quantities, built only from the individual-level story
/// (Poisson purchases at rate λ, dropout with probability p after each repeat purchase) and the
/// gamma and beta densities, integrated by quadrature in u = ln λ and v = logit p. No closed form and
/// no gamma-function normalisation is shared with the code under test.
private struct QuadratureReference {
    let parameters: BGNBDParameters
    let step = 0.02

    /// ln ∫ λ^x e^(−λc) λ^(r−1) e^(−αλ) dλ (unnormalised gamma prior), over u = ln λ.
    func logRateIntegral(x: Double, exposure c: Double) -> Double {
        let shape = parameters.r + x
        let rate = parameters.alpha + c
        return bgnbdLogIntegral(center: log(shape / rate), step: step) { u in shape * u - rate * exp(u) }
    }

    /// ln ∫ p^(extra) (1−p)^x · p^(a−1) (1−p)^(b−1) dp (unnormalised beta prior), over v = logit p, where
    /// p^α (1−p)^β dv becomes exp(α·v − (α+β)·ln(1+eᵛ)) dv.
    func logDropoutIntegral(extraP: Double, frequency x: Double) -> Double {
        let a = parameters.a + extraP
        let total = a + parameters.b + x
        return bgnbdLogIntegral(center: log(a / (total - a)), step: step) { v in a * v - total * bgnbdSoftplus(v) }
    }

    /// ln of the two likelihood terms, each against the normalised priors:
    /// "still alive": (1−p)^x λ^x e^(−λT); "left after the last purchase": p(1−p)^(x−1) λ^x e^(−λ t_x).
    func logTerms(_ s: CustomerSummary) -> (alive: Double, dropped: Double?) {
        let logNormalizer = logRateIntegral(x: 0, exposure: 0) + logDropoutIntegral(extraP: 0, frequency: 0)
        let alive =
            logRateIntegral(x: s.frequency, exposure: s.age) + logDropoutIntegral(extraP: 0, frequency: s.frequency)
            - logNormalizer
        guard s.frequency > 0 else { return (alive, nil) }
        let dropped =
            logRateIntegral(x: s.frequency, exposure: s.recency)
            + logDropoutIntegral(extraP: 1, frequency: s.frequency - 1) - logNormalizer
        return (alive, dropped)
    }

    func logLikelihood(_ s: CustomerSummary) -> Double {
        let terms = logTerms(s)
        guard let dropped = terms.dropped else { return terms.alive }
        let larger = max(terms.alive, dropped)
        return larger + log(exp(terms.alive - larger) + exp(dropped - larger))
    }

    func probabilityAlive(_ s: CustomerSummary) -> Double {
        let terms = logTerms(s)
        guard let dropped = terms.dropped else { return 1 }
        return 1 / (1 + exp(dropped - terms.alive))
    }

    /// E[Y(t) | data] = ∫∫ [still-alive likelihood] · (1 − e^(−λpt))/p dprior / ∫∫ [likelihood] dprior,
    /// the expected purchases of a live customer with rate λ and dropout p being (1 − e^(−λpt))/p.
    func expectedPurchases(_ s: CustomerSummary, horizon t: Double) -> Double {
        let x = s.frequency
        let (a, b, r, alpha) = (parameters.a, parameters.b, parameters.r, parameters.alpha)
        let coarse = 0.05
        let logNumerator = bgnbdLogIntegral(center: log(a / (b + x)), step: coarse) { v in
            let logP = v - bgnbdSoftplus(v)
            let p = exp(logP)
            let inner = bgnbdLogIntegral(center: log((r + x) / (alpha + s.age)), step: coarse) { u in
                let lambda = exp(u)
                return (r + x) * u - (alpha + s.age) * lambda + log(-expm1(-lambda * p * t)) - logP
            }
            return a * v - (a + b + x) * bgnbdSoftplus(v) + inner
        }
        let logNormalizer = logRateIntegral(x: 0, exposure: 0) + logDropoutIntegral(extraP: 0, frequency: 0)
        let terms = logTerms(s)
        var logEvidence = terms.alive
        if let dropped = terms.dropped {
            let larger = max(terms.alive, dropped)
            logEvidence = larger + log(exp(terms.alive - larger) + exp(dropped - larger))
        }
        return exp(logNumerator - logNormalizer - logEvidence)
    }
}

@Suite struct BGNBDTests {
    // MARK: Likelihood

    @Test func logLikelihoodMatchesNumericalIntegrationOverRatesAndDropoutProbabilities() throws {
        let cases: [(BGNBDParameters, [CustomerSummary])] = [
            (
                cdnow,
                [
                    CustomerSummary(frequency: 0, recency: 0, age: 38.86),
                    CustomerSummary(frequency: 2, recency: 30.43, age: 38.86),
                    CustomerSummary(frequency: 7, recency: 20, age: 21),
                    CustomerSummary(frequency: 1, recency: 0.5, age: 30),
                ]
            ),
            (
                daily,
                [
                    CustomerSummary(frequency: 0, recency: 0, age: 400),
                    CustomerSummary(frequency: 15, recency: 300, age: 1200),
                    CustomerSummary(frequency: 40, recency: 990, age: 1000),
                ]
            ),
        ]
        for (parameters, summaries) in cases {
            let model = try BGNBDModel(parameters: parameters)
            let reference = QuadratureReference(parameters: parameters)
            for summary in summaries {
                let closed = model.logLikelihood(summary)
                let numeric = reference.logLikelihood(summary)
                #expect(abs(closed - numeric) <= 1e-9 * abs(numeric), "\(summary): \(closed) vs \(numeric)")
            }
        }
    }

    @Test func analyticGradientMatchesFiniteDifferences() throws {
        let base = bgnbdSimulate(cdnow, customers: 3_000, ages: 20...60, seed: 11).map(\.summary)
        let likelihood = try BGNBDLikelihood(summaries: base)
        for point in [cdnow, BGNBDParameters(r: 1.7, alpha: 0.9, a: 2.2, b: 0.3)] {
            let gradient = likelihood.logLikelihoodAndGradient(point).gradient
            let analytic = [gradient.r, gradient.alpha, gradient.a, gradient.b]
            for index in 0..<4 {
                let values = [point.r, point.alpha, point.a, point.b]
                let h = values[index] * 1e-5
                func at(_ delta: Double) -> Double {
                    var shifted = values
                    shifted[index] += delta
                    return likelihood.logLikelihood(
                        BGNBDParameters(r: shifted[0], alpha: shifted[1], a: shifted[2], b: shifted[3]))
                }
                // Fourth-order central difference.
                let numeric = (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h)
                #expect(
                    abs(analytic[index] - numeric) <= 1e-6 * max(abs(numeric), 1),
                    "∂LL/∂θ\(index) at \(point): \(analytic[index]) vs \(numeric)")
            }
        }
    }

    @Test func groupingIdenticalTriplesLeavesTheLikelihoodUnchanged() throws {
        // Whole-day data repeats triples often; 300,000 customers also span several parallel chunks.
        let simulated = bgnbdSimulate(daily, customers: 300_000, ages: 1...400, seed: 5).map { customer in
            CustomerSummary(
                frequency: customer.summary.frequency, recency: customer.summary.recency.rounded(.up),
                age: customer.summary.age.rounded(.up))
        }
        let groups = CustomerSummary.grouped(simulated)
        #expect(groups.count < simulated.count / 2)
        #expect(groups.reduce(0) { $0 + $1.count } == simulated.count)
        let grouped = try BGNBDLikelihood(groups: groups)
        #expect(grouped.repeatGroupCount > 32_768)
        let ungrouped = try BGNBDLikelihood(summaries: simulated)
        let model = try BGNBDModel(parameters: daily)
        let oneByOne = simulated.reduce(0.0) { $0 + model.logLikelihood($1) }
        let fast = grouped.logLikelihood(daily)
        #expect(abs(fast - oneByOne) <= 1e-11 * abs(oneByOne))
        #expect(ungrouped.logLikelihood(daily) == fast)
        #expect(abs(model.logLikelihood(groups) - oneByOne) <= 1e-11 * abs(oneByOne))
    }

    // MARK: Predictions

    @Test func probabilityAliveMatchesThePosteriorShareOfStillActiveCustomers() throws {
        for parameters in [cdnow, daily] {
            let model = try BGNBDModel(parameters: parameters)
            let reference = QuadratureReference(parameters: parameters)
            for summary in [
                CustomerSummary(frequency: 2, recency: 30.43, age: 38.86),
                CustomerSummary(frequency: 1, recency: 2, age: 52),
                CustomerSummary(frequency: 9, recency: 400, age: 1100),
                CustomerSummary(frequency: 30, recency: 1000, age: 1001),
            ] {
                let closed = model.probabilityAlive(summary)
                let numeric = reference.probabilityAlive(summary)
                #expect(abs(closed - numeric) <= 1e-9, "\(summary): \(closed) vs \(numeric)")
            }
        }
    }

    @Test func expectedPurchasesMatchTwoDimensionalIntegrationOverThePosterior() throws {
        // Horizons on both sides of s = t/(α+T) = ½, where the code switches between its two series.
        let cases: [(BGNBDParameters, CustomerSummary, Double)] = [
            (cdnow, CustomerSummary(frequency: 2, recency: 30.43, age: 38.86), 39),
            (cdnow, CustomerSummary(frequency: 0, recency: 0, age: 20), 10),
            (cdnow, CustomerSummary(frequency: 5, recency: 10, age: 50), 80),
            (cdnow, CustomerSummary(frequency: 0, recency: 0, age: 0), 39),
            (daily, CustomerSummary(frequency: 12, recency: 700, age: 1000), 30),
            (daily, CustomerSummary(frequency: 3, recency: 50, age: 60), 365),
        ]
        for (parameters, summary, horizon) in cases {
            let model = try BGNBDModel(parameters: parameters)
            let closed = model.expectedPurchases(horizon: horizon, given: summary)
            let numeric = QuadratureReference(parameters: parameters).expectedPurchases(summary, horizon: horizon)
            #expect(abs(closed / numeric - 1) <= 1e-7, "\(summary), t = \(horizon): \(closed) vs \(numeric)")
        }
    }

    @Test func predictionsReproduceTheFaderHardieLeeCDNOWExample() throws {
        // FHL (2005) §5: x = 2, t_x = 30.43, T = 38.86 weeks → 1.226 purchases expected in the next 39
        // weeks. More digits from mpmath's hyp2f1 at 30 digits.
        let model = try BGNBDModel(parameters: cdnow)
        let customer = CustomerSummary(frequency: 2, recency: 30.43, age: 38.86)
        let prediction = model.predict(customer, horizon: 39)
        #expect(abs(prediction.expectedPurchases - 1.226) < 5e-4)
        #expect(abs(prediction.expectedPurchases - 1.226_028_174_767_144_4) <= 1e-12)
        #expect(abs(prediction.probabilityAlive - 0.726_578_570_080_672_9) <= 1e-13)
        #expect(abs(model.expectedPurchases(horizon: 39) - 1.196_723_193_320_816_8) <= 1e-12)
        #expect(abs(model.expectedPurchases(horizon: 78) - 1.860_519_057_942_768_5) <= 1e-12)
    }

    @Test func predictionsAreCalibratedOnASimulatedBase() throws {
        // Summed over a simulated base, P(alive) must match who really was alive at T, and E[Y(t)] the
        // purchases that really happened next, within Monte Carlo error.
        let horizon = 39.0
        let base = bgnbdSimulate(cdnow, customers: 40_000, ages: 20...60, horizon: horizon, seed: 2_005)
        let model = try BGNBDModel(parameters: cdnow)
        var predictedAlive = 0.0
        var aliveVariance = 0.0
        var actualAlive = 0.0
        var predictedPurchases = 0.0
        var actualPurchases = 0.0
        var purchaseVariance = 0.0
        for customer in base {
            let prediction = model.predict(customer.summary, horizon: horizon)
            predictedAlive += prediction.probabilityAlive
            aliveVariance += prediction.probabilityAlive * (1 - prediction.probabilityAlive)
            actualAlive += customer.aliveAtAge ? 1 : 0
            predictedPurchases += prediction.expectedPurchases
            actualPurchases += Double(customer.futurePurchases)
            let miss = Double(customer.futurePurchases) - prediction.expectedPurchases
            purchaseVariance += miss * miss
        }
        #expect(abs(predictedAlive - actualAlive) <= 4 * aliveVariance.squareRoot())
        #expect(abs(predictedPurchases - actualPurchases) <= 4 * purchaseVariance.squareRoot())
    }

    @Test func expectedPurchasesAreContinuousWhereTheComputationChangesMethod() throws {
        // s = t/(α+T) = ½ separates the two series; both sides must agree to rounding.
        for parameters in [cdnow, daily, BGNBDParameters(r: 0.5, alpha: 30, a: 1, b: 2)] {
            let model = try BGNBDModel(parameters: parameters)
            for summary in [
                CustomerSummary(frequency: 0, recency: 0, age: 10), CustomerSummary(frequency: 4, recency: 8, age: 10),
            ] {
                let boundary = 0.5 * (parameters.alpha + summary.age)
                let below = model.expectedPurchases(horizon: boundary * (1 - 1e-12), given: summary)
                let above = model.expectedPurchases(horizon: boundary * (1 + 1e-12), given: summary)
                #expect(abs(above / below - 1) <= 1e-11, "\(summary) under \(parameters): \(below) vs \(above)")
            }
        }
    }

    @Test func groupingKeepsFirstAppearanceOrderAndCounts() {
        let a = CustomerSummary(frequency: 1, recency: 2, age: 3)
        let b = CustomerSummary(frequency: 0, recency: 0, age: 3)
        let groups = CustomerSummary.grouped([a, b, a, a, b, CustomerSummary(frequency: 1, recency: 2, age: 4)])
        #expect(groups.map(\.count) == [3, 2, 1])
        #expect(groups.map(\.summary) == [a, b, CustomerSummary(frequency: 1, recency: 2, age: 4)])
    }

    @Test func groupsRepeatingATripleCountLikeOneMergedGroup() throws {
        let base = CustomerSummary.grouped(
            bgnbdSimulate(cdnow, customers: 2_000, ages: 20...40, seed: 8).map(\.summary))
        var split: [WeightedCustomerSummary] = []
        for group in base {
            split.append(WeightedCustomerSummary(summary: group.summary, count: 1))
            if group.count > 1 { split.append(WeightedCustomerSummary(summary: group.summary, count: group.count - 1)) }
        }
        let merged = try BGNBDLikelihood(groups: base)
        let repeated = try BGNBDLikelihood(groups: split)
        #expect(repeated.repeatGroupCount == merged.repeatGroupCount)
        #expect(repeated.logLikelihood(cdnow) == merged.logLikelihood(cdnow))
    }

    @Test func customerWithoutRepeatPurchasesIsCertainlyAlive() throws {
        let model = try BGNBDModel(parameters: cdnow)
        for age in [0.0, 1, 38.86, 1e5, 1e300] {
            #expect(model.probabilityAlive(CustomerSummary(frequency: 0, recency: 0, age: age)) == 1)
        }
    }

    @Test func extremeInputsGiveFiniteProbabilitiesAndNonNegativeExpectations() throws {
        let summaries = [
            CustomerSummary(frequency: 0, recency: 0, age: 0),
            CustomerSummary(frequency: 0, recency: 0, age: 1e5),
            CustomerSummary(frequency: 1, recency: 1e-9, age: 1e5),
            CustomerSummary(frequency: 5_000, recency: 1e5, age: 1e5),
            CustomerSummary(frequency: 5_000, recency: 10, age: 1e5),
            CustomerSummary(frequency: 3, recency: 2, age: 2),
        ]
        var checked = 0
        for r in [1e-6, 0.243, 1e3] {
            for alpha in [1e-4, 4.414, 1e6] {
                for a in [1e-6, 0.793, 1, 1e3] {
                    for b in [1e-6, 2.426, 1e4] {
                        let model = try BGNBDModel(parameters: BGNBDParameters(r: r, alpha: alpha, a: a, b: b))
                        for summary in summaries {
                            let alive = model.probabilityAlive(summary)
                            #expect(alive.isFinite && alive >= 0 && alive <= 1, "P(alive) \(alive) for \(summary)")
                            #expect(model.logLikelihood(summary).isFinite)
                            var previous = 0.0
                            for horizon in [0.0, 1, 39, 1e4] {
                                let expected = model.expectedPurchases(horizon: horizon, given: summary)
                                #expect(
                                    expected.isFinite && expected >= 0,
                                    "E = \(expected) for \(summary), t = \(horizon), r=\(r) α=\(alpha) a=\(a) b=\(b)")
                                // More time can only bring more purchases.
                                #expect(
                                    expected >= previous * (1 - 1e-9),
                                    "E(\(horizon)) = \(expected) < \(previous) for \(summary), r=\(r) α=\(alpha) a=\(a) b=\(b)"
                                )
                                previous = expected
                                checked += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(checked == 3 * 3 * 4 * 3 * 6 * 4)
    }

    @Test func predictionsForInvalidInputAreNaN() throws {
        let model = try BGNBDModel(parameters: cdnow)
        let bad = CustomerSummary(frequency: 2, recency: 40, age: 30)
        #expect(model.probabilityAlive(bad).isNaN)
        #expect(model.expectedPurchases(horizon: 10, given: bad).isNaN)
        #expect(model.logLikelihood(bad).isNaN)
        let good = CustomerSummary(frequency: 2, recency: 20, age: 30)
        #expect(model.expectedPurchases(horizon: -1, given: good).isNaN)
        #expect(model.expectedPurchases(horizon: .infinity, given: good).isNaN)
    }

    // MARK: Fitting

    @Test func fitRecoversTheParametersOfASimulatedBase() throws {
        let base = bgnbdSimulate(cdnow, customers: 50_000, ages: 30...80, seed: 20_050_101).map(\.summary)
        let fit = try BGNBDFit.fit(base)
        #expect(fit.converged)
        #expect(fit.customerCount == 50_000)
        #expect(fit.iterations < 100)
        let estimated = [fit.parameters.r, fit.parameters.alpha, fit.parameters.a, fit.parameters.b]
        let truth = [cdnow.r, cdnow.alpha, cdnow.a, cdnow.b]
        for (name, (value, expected)) in zip(["r", "alpha", "a", "b"], zip(estimated, truth)) {
            #expect(abs(value / expected - 1) <= 0.15, "\(name) = \(value), simulated with \(expected)")
        }
        // The truth cannot be more likely than the maximum.
        let likelihood = try BGNBDLikelihood(summaries: base)
        #expect(likelihood.logLikelihood(cdnow) <= fit.logLikelihood)
        #expect(abs(likelihood.logLikelihood(fit.parameters) - fit.logLikelihood) <= 1e-9 * abs(fit.logLikelihood))
    }

    @Test func fittedParametersAreALocalMaximumAndIndependentOfInputOrder() throws {
        let base = bgnbdSimulate(daily, customers: 4_000, ages: 30...900, seed: 99).map(\.summary)
        let fit = try BGNBDFit.fit(base)
        // Bit for bit the same whatever order the customers come in (a rerun must reproduce its scores).
        var random = BGNBDTestRandom(seed: 1)
        #expect(try BGNBDFit.fit(base.shuffled(using: &random)) == fit)
        #expect(try BGNBDFit.fit(groups: CustomerSummary.grouped(base).reversed()) == fit)
        let likelihood = try BGNBDLikelihood(summaries: base)
        let best = fit.parameters
        for index in 0..<4 {
            for factor in [0.99, 1.01] {
                var values = [best.r, best.alpha, best.a, best.b]
                values[index] *= factor
                let moved = BGNBDParameters(r: values[0], alpha: values[1], a: values[2], b: values[3])
                #expect(likelihood.logLikelihood(moved) < fit.logLikelihood)
            }
        }
        // Same answer from another starting point.
        let elsewhere = try BGNBDFit.fit(
            base, options: BGNBDFitOptions(start: BGNBDParameters(r: 0.1, alpha: 5, a: 5, b: 0.2)))
        #expect(abs(elsewhere.parameters.r / best.r - 1) < 1e-4)
        #expect(abs(elsewhere.parameters.b / best.b - 1) < 1e-4)
        #expect(abs(elsewhere.logLikelihood - fit.logLikelihood) <= 1e-9 * abs(fit.logLikelihood))
    }

    @Test func fitThatRunsOutOfIterationsThrowsUnlessAskedToReturnIt() throws {
        let base = bgnbdSimulate(cdnow, customers: 2_000, ages: 20...40, seed: 3).map(\.summary)
        let error = #expect(throws: BGNBDError.self) {
            try BGNBDFit.fit(base, options: BGNBDFitOptions(maximumIterations: 2))
        }
        #expect(error?.kind == .notConverged)
        #expect(error?.description.contains("did not converge after 2 iterations") == true)
        let partial = try BGNBDFit.fit(base, options: BGNBDFitOptions(maximumIterations: 2, allowsNonConvergence: true))
        #expect(!partial.converged)
        #expect(partial.iterations == 2)
    }

    @Test func invalidSummariesAreRejectedWithTheirPosition() {
        let valid = CustomerSummary(frequency: 1, recency: 3, age: 10)
        let invalid: [(CustomerSummary, String)] = [
            (CustomerSummary(frequency: -1, recency: 0, age: 10), "frequency"),
            (CustomerSummary(frequency: 1.5, recency: 2, age: 10), "whole number"),
            (CustomerSummary(frequency: 2, recency: 12, age: 10), "later than age"),
            (CustomerSummary(frequency: 2, recency: 0, age: 10), "recency must be > 0"),
            (CustomerSummary(frequency: 0, recency: 4, age: 10), "recency must be 0"),
            (CustomerSummary(frequency: 1, recency: .nan, age: 10), "recency"),
            (CustomerSummary(frequency: 1, recency: 1, age: .infinity), "age"),
            (CustomerSummary(frequency: 0, recency: 0, age: -1), "age"),
        ]
        for (summary, words) in invalid {
            let error = #expect(throws: BGNBDError.self) { try BGNBDFit.fit([valid, valid, summary]) }
            #expect(error?.kind == .invalidSummary)
            #expect(error?.index == 2)
            #expect(error?.description.hasPrefix("customer summary #3: ") == true)
            #expect(error?.description.contains(words) == true, "\(error?.description ?? "")")
        }
        let negativeCount = #expect(throws: BGNBDError.self) {
            try BGNBDFit.fit(groups: [WeightedCustomerSummary(summary: valid, count: -2)])
        }
        #expect(negativeCount?.kind == .invalidSummary)
    }

    @Test func emptyOrRepeatFreeBasesCannotBeFitted() {
        let empty = #expect(throws: BGNBDError.self) { try BGNBDFit.fit([CustomerSummary]()) }
        #expect(empty?.kind == .emptyInput)
        let zeroCounts = #expect(throws: BGNBDError.self) {
            try BGNBDFit.fit(groups: [
                WeightedCustomerSummary(summary: CustomerSummary(frequency: 1, recency: 1, age: 2), count: 0)
            ])
        }
        #expect(zeroCounts?.kind == .emptyInput)
        let newcomers = Array(repeating: CustomerSummary(frequency: 0, recency: 0, age: 30), count: 50)
        let none = #expect(throws: BGNBDError.self) { try BGNBDFit.fit(newcomers) }
        #expect(none?.kind == .insufficientData)
    }

    @Test func parametersOutsideTheDomainAreRejected() {
        for parameters in [
            BGNBDParameters(r: 0, alpha: 1, a: 1, b: 1), BGNBDParameters(r: 1, alpha: -1, a: 1, b: 1),
            BGNBDParameters(r: 1, alpha: 1, a: .nan, b: 1), BGNBDParameters(r: 1, alpha: 1, a: 1, b: .infinity),
        ] {
            let error = #expect(throws: BGNBDError.self) { try BGNBDModel(parameters: parameters) }
            #expect(error?.kind == .invalidParameters)
        }
    }

    @Test func parametersRoundTripThroughJSON() throws {
        let data = try JSONEncoder().encode(cdnow)
        #expect(try JSONDecoder().decode(BGNBDParameters.self, from: data) == cdnow)
    }
}
