import Foundation
@testable import ReactivateCore
import Testing

/// The fit of a large base starts where a systematic sample of its groups has its maximum; it must end
/// where the fit from cold ends, only with fewer evaluations of the whole base.
@Suite struct BGNBDWarmStartTests {
    let cdnow = BGNBDParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)

    @Test func fitWarmStartedFromASampleReachesTheColdFitsMaximumWithFewerEvaluations() throws {
        let base = bgnbdSimulate(cdnow, customers: 20_000, ages: 27...39, seed: 5).map(\.summary)
        let likelihood = try BGNBDLikelihood(summaries: base)
        #expect(likelihood.repeatGroupCount >= 8 * 500, "enough groups for a sample of 500")
        // A sample as large as the base is never taken: that is the fit from cold.
        let cold = try BGNBDFit.fit(likelihood, options: BGNBDFitOptions(), warmStartGroups: likelihood.repeatGroupCount)
        let warm = try BGNBDFit.fit(likelihood, options: BGNBDFitOptions(), warmStartGroups: 500)
        #expect(cold.converged && warm.converged)
        #expect(warm.evaluations < cold.evaluations, "warm \(warm.evaluations) vs cold \(cold.evaluations) evaluations")
        let pairs = [
            ("r", warm.parameters.r, cold.parameters.r), ("alpha", warm.parameters.alpha, cold.parameters.alpha),
            ("a", warm.parameters.a, cold.parameters.a), ("b", warm.parameters.b, cold.parameters.b),
        ]
        for (name, value, expected) in pairs {
            #expect(abs(value / expected - 1) < 1e-6, "\(name): warm \(value), cold \(expected)")
        }
        #expect(abs(warm.logLikelihood - cold.logLikelihood) <= 1e-12 * abs(cold.logLikelihood))
        // Deterministic: the sample depends only on the sorted groups, not on the input order.
        var random = BGNBDTestRandom(seed: 3)
        let shuffled = try BGNBDLikelihood(summaries: base.shuffled(using: &random))
        #expect(try BGNBDFit.fit(shuffled, options: BGNBDFitOptions(), warmStartGroups: 500) == warm)
    }

    @Test func sampleWeighsAsManyCustomersAsTheWholeBaseAndIsSkippedForSmallBases() throws {
        let base = bgnbdSimulate(cdnow, customers: 20_000, ages: 27...39, seed: 6).map(\.summary)
        let likelihood = try BGNBDLikelihood(summaries: base)
        let sample = try #require(likelihood.sample(about: 500))
        #expect(sample.repeatGroupCount <= 1_000 && sample.repeatGroupCount >= 500)
        let weight = sample.frequencyCounts.reduce(0, +)
        #expect(abs(weight - Double(likelihood.customerCount)) <= 1e-9 * weight)
        #expect(sample.zeroFrequencyCountsByAge == likelihood.zeroFrequencyCountsByAge)
        #expect(likelihood.sample(about: likelihood.repeatGroupCount / 2) == nil)
    }
}
