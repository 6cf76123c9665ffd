import Foundation
import Testing
@testable import ReactivateCore

@Suite struct StatisticsCoverageTests {
    /// Coverage of many simulated waves against the known lift.
    struct Summary {
        var experiments = 0
        var welchCovered = 0
        var cupedCovered = 0
        var reactivationCovered = 0
        var welchWidth = 0.0
        var cupedWidth = 0.0
        var varianceReduction = 0.0

        var welchCoverage: Double { Double(welchCovered) / Double(experiments) }
        var cupedCoverage: Double { Double(cupedCovered) / Double(experiments) }
        var reactivationCoverage: Double { Double(reactivationCovered) / Double(experiments) }
    }

    /// Simulates `experiments` waves with skewed, mostly-zero sales and refunds (see
    /// ``StatisticsTestPopulation``) and a known per-member lift, and counts how often each
    /// 95 % interval contains the truth.
    static func simulate(experiments: Int, treated: Int, controls: Int, seed: UInt64) throws -> Summary {
        var rng = StatisticsTestRNG(seed: seed)
        var summary = Summary()
        let truth = StatisticsTestPopulation.trueLiftCents
        for _ in 0..<experiments {
            var treatment = ArmStatistics()
            var control = ArmStatistics()
            for _ in 0..<treated { treatment.add(try StatisticsTestPopulation.member(treated: true, using: &rng)) }
            for _ in 0..<controls { control.add(try StatisticsTestPopulation.member(treated: false, using: &rng)) }
            let estimate = try AttributionEstimate(treatment: treatment, control: control)
            let welch = try #require(estimate.salesPerMember.interval)
            let cuped = try #require(estimate.cuped.adjusted?.interval)
            summary.experiments += 1
            if welch.contains(truth) { summary.welchCovered += 1 }
            if cuped.contains(truth) { summary.cupedCovered += 1 }
            if estimate.reactivation.interval?.contains(StatisticsTestPopulation.trueReactivationLift) == true { summary.reactivationCovered += 1 }
            summary.welchWidth += welch.width / Double(experiments)
            summary.cupedWidth += cuped.width / Double(experiments)
            summary.varianceReduction += (estimate.cuped.varianceReduction ?? .nan) / Double(experiments)
        }
        return summary
    }

    @Test func welchAndCupedIntervalsCoverTheTrueLiftAtTheNominalRate() throws {
        let summary = try Self.simulate(experiments: 2_000, treated: 800, controls: 300, seed: 20_240_601)
        #expect((0.935...0.965).contains(summary.welchCoverage), "Welch coverage \(summary.welchCoverage)")
        #expect((0.935...0.965).contains(summary.cupedCoverage), "CUPED coverage \(summary.cupedCoverage)")
        #expect((0.935...0.965).contains(summary.reactivationCoverage), "reactivation coverage \(summary.reactivationCoverage)")
        #expect(summary.cupedWidth < summary.welchWidth, "CUPED \(summary.cupedWidth) vs Welch \(summary.welchWidth)")
        #expect(summary.varianceReduction > 0.1, "mean variance reduction \(summary.varianceReduction)")
    }
}
