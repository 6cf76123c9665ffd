import Foundation
import ReactivateCore
import Testing

/// Bases whose BG/NBD likelihood has its maximum on the edge of the parameter space: the fit must
/// report the limit and predict with it, never stop with "did not converge".
@Suite struct BGNBDBoundaryTests {
    /// Members who each buy like clockwork, every `interval` days, from day 0 to their age T: the last
    /// purchase is never more than one interval ago, so nobody shows any sign of having dropped out.
    static func regularBuyers(intervals: [Double], ages: ClosedRange<Double>, customers: Int, seed: UInt64) -> [CustomerSummary] {
        var random = BGNBDTestRandom(seed: seed)
        return (0..<customers).map { index in
            let interval = intervals[index % intervals.count]
            let age = (ages.lowerBound + random.uniform() * (ages.upperBound - ages.lowerBound)).rounded()
            let purchases = (age / interval).rounded(.down)
            return CustomerSummary(frequency: purchases, recency: purchases * interval, age: age)
        }
    }

    /// NBD log-likelihood (the model without dropout), written out independently of the library.
    static func nbdLogLikelihood(_ base: [CustomerSummary], r: Double, alpha: Double) -> Double {
        base.reduce(0) { sum, s in
            sum + lgamma(r + s.frequency) - lgamma(r) + r * log(alpha) - (r + s.frequency) * log(alpha + s.age)
        }
    }

    @Test func baseWithoutVisibleDropoutIsFittedAsTheNBDLimitWithPAliveOne() throws {
        let intervals: [Double] = [3, 5, 7, 10, 14, 21, 30, 45, 60, 90]
        let base = Self.regularBuyers(intervals: intervals, ages: 60...700, customers: 6_000, seed: 5)
        let fit = try BGNBDFit.fit(base)
        let limit = try #require(fit.limit, "expected a boundary fit, got \(fit.parameters)")
        #expect(limit.dropout == .none)
        guard case .gamma(let r, let alpha) = limit.rates else {
            Issue.record("expected gamma rates, got \(limit)")
            return
        }
        #expect(fit.converged)
        #expect(fit.warning?.contains("no dropout") == true, "\(fit.warning ?? "nil")")
        // The limit's maximum is an ordinary one: the NBD score equations hold (independent finite
        // differences of an independently written likelihood), and the log-likelihood is the NBD's.
        let ll = Self.nbdLogLikelihood(base, r: r, alpha: alpha)
        #expect(abs(ll - fit.logLikelihood) <= 1e-9 * abs(ll))
        for (dr, da) in [(1e-5, 0.0), (0.0, 1e-5)] {
            let up = Self.nbdLogLikelihood(base, r: r * exp(dr), alpha: alpha * exp(da))
            let down = Self.nbdLogLikelihood(base, r: r * exp(-dr), alpha: alpha * exp(-da))
            #expect(abs((up - down) / 2e-5) / Double(base.count) < 1e-5)
        }
        // No interior BG/NBD point does better: the supremum is approached as b → ∞.
        let likelihood = try BGNBDLikelihood(summaries: base)
        var previous = -Double.infinity
        for b in [1.0, 10, 1e3, 1e5] {
            let value = likelihood.logLikelihood(BGNBDParameters(r: r, alpha: alpha, a: 1, b: b))
            #expect(value < fit.logLikelihood)
            #expect(value > previous)
            previous = value
        }
        // Predictions: P(alive) = 1 and the Poisson–gamma posterior mean rate (r+x)/(α+T) times t.
        let model = try fit.model()
        let near = try BGNBDModel(parameters: BGNBDParameters(r: r, alpha: alpha, a: 1, b: 1e9))
        for summary in base.prefix(50) {
            let prediction = model.predict(summary, horizon: 30)
            #expect(prediction.probabilityAlive == 1)
            let expected = 30 * (r + summary.frequency) / (alpha + summary.age)
            #expect(abs(prediction.expectedPurchases / expected - 1) <= 1e-12)
            // The limit is where the full model goes as b grows.
            let approaching = near.predict(summary, horizon: 30)
            #expect(abs(approaching.expectedPurchases / expected - 1) <= 1e-6)
            #expect(abs(approaching.probabilityAlive - 1) <= 1e-6)
        }
    }

    @Test func identicalRegularBuyersAreFittedAsOnePoissonRateWithoutDropout() throws {
        // Everybody buys every 7 days: no dropout and no spread of rates either.
        let base = Self.regularBuyers(intervals: [7], ages: 30...400, customers: 3_000, seed: 8)
        let fit = try BGNBDFit.fit(base)
        let limit = try #require(fit.limit, "expected a boundary fit, got \(fit.parameters)")
        guard case .single(let rate) = limit.rates else {
            Issue.record("expected one rate, got \(limit)")
            return
        }
        #expect(limit.dropout == .none)
        // The Poisson rate's maximum-likelihood estimate: purchases over exposure.
        let purchases = base.reduce(0) { $0 + $1.frequency }
        let exposure = base.reduce(0) { $0 + $1.age }
        #expect(abs(rate / (purchases / exposure) - 1) <= 1e-7)
        let model = try fit.model()
        let prediction = model.predict(CustomerSummary(frequency: 10, recency: 70, age: 75), horizon: 14)
        #expect(prediction.probabilityAlive == 1)
        #expect(abs(prediction.expectedPurchases - 14 * purchases / exposure) <= 1e-6)
    }

    @Test func ordinaryBaseIsNotTakenForABoundary() throws {
        let base = bgnbdSimulate(
            BGNBDParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426), customers: 5_000, ages: 20...60, seed: 4
        ).map(\.summary)
        let fit = try BGNBDFit.fit(base)
        #expect(fit.limit == nil)
        #expect(fit.warning == nil)
        #expect(try fit.model() == BGNBDModel(parameters: fit.parameters))
    }

    @Test func limitingModelsPredictWhatTheirFormulasSay() throws {
        let parameters = BGNBDParameters(r: 1, alpha: 1, a: 1, b: 1)
        let summary = CustomerSummary(frequency: 3, recency: 20, age: 30)
        let constant = try BGNBDModel(
            limit: BGNBDLimit(rates: .gamma(r: 2, alpha: 10), dropout: .constant(probability: 0.1)), parameters: parameters)
        // P(alive) = 1/(1 + p/(1−p)·((α+T)/(α+t_x))^(r+x)); E = (1 − (1 + p t/(α+T))^−(r+x))/p · P(alive).
        let alive = 1 / (1 + (0.1 / 0.9) * pow(40.0 / 30, 5))
        let prediction = constant.predict(summary, horizon: 12)
        #expect(abs(prediction.probabilityAlive - alive) <= 1e-14)
        #expect(abs(prediction.expectedPurchases - alive * (1 - pow(1 + 0.1 * 12 / 40, -5)) / 0.1) <= 1e-13)
        // One rate with beta dropout: the same as the full model with r, α → ∞ at r/α = λ.
        let oneRate = try BGNBDModel(
            limit: BGNBDLimit(rates: .single(rate: 0.2), dropout: .beta(a: 0.8, b: 2.5)), parameters: parameters)
        let far = try BGNBDModel(parameters: BGNBDParameters(r: 0.2e7, alpha: 1e7, a: 0.8, b: 2.5))
        let limitPrediction = oneRate.predict(summary, horizon: 12)
        let farPrediction = far.predict(summary, horizon: 12)
        #expect(abs(limitPrediction.probabilityAlive / farPrediction.probabilityAlive - 1) <= 1e-5)
        #expect(abs(limitPrediction.expectedPurchases / farPrediction.expectedPurchases - 1) <= 1e-5)
    }

    @Test func fitThatCannotConvergeNamesNoSettingThatDoesNotExist() throws {
        let base = bgnbdSimulate(
            BGNBDParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426), customers: 2_000, ages: 20...40, seed: 3
        ).map(\.summary)
        let error = #expect(throws: BGNBDError.self) { try BGNBDFit.fit(base, options: BGNBDFitOptions(maximumIterations: 2)) }
        #expect(error?.kind == .notConverged)
        #expect(error?.description.contains("maximumIterations") == false)
        #expect(error?.description.contains("allowsNonConvergence") == false)
    }
}
