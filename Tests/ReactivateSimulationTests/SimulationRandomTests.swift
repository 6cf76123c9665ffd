import Foundation
import ReactivateCore
import Testing
import ReactivateSimulation

@Suite struct SimulationRandomTests {
    @Test func splitMixMatchesTheReferenceSequenceForSeedZero() {
        var mixer = SplitMix64(state: 0)
        #expect(mixer.next() == 0xE220_A839_7B1D_CDAF)
        #expect(mixer.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(mixer.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func xoshiroMatchesTheReferenceSequenceForStateOneToFour() {
        var generator = SeededGenerator(rawState: (1, 2, 3, 4))
        #expect(generator.next() == 11520)
        #expect(generator.next() == 0)
        #expect(generator.next() == 1_509_978_240)
        #expect(generator.next() == 1_215_971_899_390_074_240)
    }

    @Test func allZeroStateIsReplacedSoTheGeneratorNeverSticksAtZero() {
        var generator = SeededGenerator(rawState: (0, 0, 0, 0))
        let draws = (0..<4).map { _ in generator.next() }
        #expect(draws.contains { $0 != 0 })
    }

    @Test func sameSeedAndStreamGiveTheSameSequence() {
        var first = SeededGenerator(seed: 42, stream: 7, substream: 3)
        var second = SeededGenerator(seed: 42, stream: 7, substream: 3)
        for _ in 0..<100 { #expect(first.next() == second.next()) }
    }

    @Test func neighbouringSeedsStreamsAndSubstreamsGiveUnrelatedSequences() {
        let keys: [(UInt64, UInt64, UInt64)] = [(42, 7, 3), (43, 7, 3), (42, 8, 3), (42, 7, 4), (42, 3, 7)]
        let firsts = keys.map { key -> [UInt64] in
            var generator = SeededGenerator(seed: key.0, stream: key.1, substream: key.2)
            return (0..<4).map { _ in generator.next() }
        }
        #expect(Set(firsts.map { $0.description }).count == keys.count)
    }

    @Test func unitIntervalsAndIndicesStayInRange() {
        var generator = SeededGenerator(seed: 1)
        for _ in 0..<100_000 {
            let unit = generator.nextUnitInterval()
            #expect(unit >= 0 && unit < 1)
            let open = generator.nextOpenUnitInterval()
            #expect(open > 0 && open < 1)
            let index = generator.nextIndex(below: 7)
            #expect((0..<7).contains(index))
        }
        #expect(generator.nextIndex(below: 0) == 0)
        #expect(generator.nextIndex(below: 1) == 0)
    }

    @Test func indicesAreUniform() {
        var generator = SeededGenerator(seed: 2)
        var counts = [Int](repeating: 0, count: 10)
        for _ in 0..<100_000 { counts[generator.nextIndex(below: 10)] += 1 }
        // Each count ~ Binomial(100000, 0.1): sd ≈ 95.
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
    }

    /// Moments of a distribution and its sampler, checked on 200,000 draws.
    struct MomentCase: Sendable, CustomStringConvertible {
        let description: String
        let mean: Double
        let variance: Double
        let draw: @Sendable (inout SeededGenerator) -> Double
    }

    static let continuousCases: [MomentCase] = [
        MomentCase(description: "Gamma(0.5, 2)", mean: 1, variance: 2) { $0.nextGamma(shape: 0.5, scale: 2) },
        MomentCase(description: "Gamma(2, 1/55)", mean: 2.0 / 55, variance: 2.0 / 3025) {
            $0.nextGamma(shape: 2, scale: 1.0 / 55)
        },
        MomentCase(description: "Gamma(7.5, 3)", mean: 22.5, variance: 67.5) { $0.nextGamma(shape: 7.5, scale: 3) },
        MomentCase(description: "Beta(0.8, 14)", mean: 0.8 / 14.8, variance: 0.8 * 14 / (14.8 * 14.8 * 15.8)) {
            $0.nextBeta(alpha: 0.8, beta: 14)
        },
        MomentCase(description: "Beta(2, 5)", mean: 2.0 / 7, variance: 10.0 / (49 * 8)) { $0.nextBeta(alpha: 2, beta: 5) },
        MomentCase(description: "Beta(0.3, 0.3)", mean: 0.5, variance: 0.09 / (0.36 * 1.6)) {
            $0.nextBeta(alpha: 0.3, beta: 0.3)
        },
        MomentCase(
            description: "LogNormal(1, 0.5)", mean: exp(1.125), variance: (exp(0.25) - 1) * exp(2.25)
        ) { $0.nextLogNormal(mu: 1, sigma: 0.5) },
        MomentCase(description: "Exponential(mean 3)", mean: 3, variance: 9) { $0.nextExponential(mean: 3) },
        MomentCase(description: "Normal(-2, 3)", mean: -2, variance: 9) {
            $0.nextNormal(mean: -2, standardDeviation: 3)
        },
    ]

    @Test(arguments: continuousCases)
    func continuousSamplersMatchTheoreticalMeanAndVariance(_ testCase: MomentCase) {
        var generator = SeededGenerator(seed: 99, stream: 1)
        let values = (0..<200_000).map { _ in testCase.draw(&generator) }
        let (mean, variance) = SimulationFixture.meanAndVariance(values)
        let standardError = (testCase.variance / Double(values.count)).squareRoot()
        #expect(abs(mean - testCase.mean) < 5 * standardError, "mean \(mean) vs \(testCase.mean)")
        #expect(abs(variance / testCase.variance - 1) < 0.05, "variance \(variance) vs \(testCase.variance)")
        #expect(values.allSatisfy { $0.isFinite })
    }

    @Test(arguments: [0.3, 4.2, 9.99, 10, 37.5, 250])
    func poissonSamplerMatchesMeanVarianceAndProbabilities(_ mean: Double) {
        var generator = SeededGenerator(seed: 7, stream: UInt64(mean * 100))
        let n = 200_000
        let values = (0..<n).map { _ in generator.nextPoisson(mean: mean) }
        #expect(values.allSatisfy { $0 >= 0 })
        let (sampleMean, sampleVariance) = SimulationFixture.meanAndVariance(values.map(Double.init))
        #expect(abs(sampleMean - mean) < 5 * (mean / Double(n)).squareRoot())
        #expect(abs(sampleVariance / mean - 1) < 0.05)
        // The pmf at the mode and one sd either side, within 5 standard errors of each frequency.
        let mode = Int(mean.rounded(.down))
        let spread = Int(mean.squareRoot().rounded())
        for k in Set([max(mode - spread, 0), mode, mode + spread]) {
            let pmf = exp(-mean + Double(k) * log(mean) - lgamma(Double(k) + 1))
            let frequency = Double(values.count(where: { $0 == k })) / Double(n)
            let tolerance = 5 * (pmf * (1 - pmf) / Double(n)).squareRoot()
            #expect(abs(frequency - pmf) < tolerance, "P(X=\(k)) \(frequency) vs \(pmf)")
        }
    }

    @Test func degenerateParametersGiveTheLimitInsteadOfTrapping() {
        var generator = SeededGenerator(seed: 3)
        #expect(generator.nextGamma(shape: 0, scale: 1) == 0)
        #expect(generator.nextGamma(shape: 2, scale: -1) == 0)
        #expect(generator.nextPoisson(mean: 0) == 0)
        #expect(generator.nextPoisson(mean: -1) == 0)
        #expect(generator.nextPoisson(mean: .nan) == 0)
        #expect(generator.nextExponential(mean: 0) == 0)
        #expect(generator.nextBeta(alpha: 0, beta: 1) == 0)
        #expect(generator.nextBeta(alpha: 1, beta: 0) == 1)
        let tiny = (0..<1_000).map { _ in generator.nextBeta(alpha: 1e-300, beta: 1e-300) }
        #expect(tiny.allSatisfy { $0 >= 0 && $0 <= 1 })
    }
}
