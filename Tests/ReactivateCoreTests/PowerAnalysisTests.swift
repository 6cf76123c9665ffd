import Foundation
import Testing
@testable import ReactivateCore

@Suite struct PowerAnalysisTests {
    static let z975 = 1.959963984540054
    static let z80 = 0.8416212335729143

    private func close(_ actual: Double?, _ expected: Double, _ tolerance: Double = 1e-12) -> Bool {
        guard let actual else { return false }
        return abs(actual - expected) <= tolerance * abs(expected)
    }

    @Test(arguments: [(5_000.0, Int64(45_000), Int64(5_000)), (1.0, 100, 100), (12_345.6, 1_000_000, 10_000)])
    func meanMinimumDetectableEffectMatchesTheClosedForm(standardDeviation: Double, treated: Int64, controls: Int64) {
        let expected = (Self.z975 + Self.z80) * standardDeviation * (1 / Double(treated) + 1 / Double(controls)).squareRoot()
        let mde = PowerAnalysis.conventional.minimumDetectableEffect(
            standardDeviation: standardDeviation, treatmentCount: treated, controlCount: controls)
        #expect(close(mde, expected))
    }

    /// The textbook benchmark: 100 members per arm detect about 0.40 standard deviations.
    @Test func hundredPerArmDetectsAboutFourTenthsOfAStandardDeviation() {
        let mde = PowerAnalysis.conventional.minimumDetectableEffect(
            standardDeviation: 1, treatmentCount: 100, controlCount: 100)
        #expect(close(mde, 0.39620398115993455))
    }

    @Test func rateMinimumDetectableDifferenceUsesTheBaselineVarianceInBothArms() {
        // p₀ = 5 %, 90 000 treated, 10 000 held out.
        let mde = PowerAnalysis.conventional.minimumDetectableRateDifference(
            baselineRate: 0.05, treatmentCount: 90_000, controlCount: 10_000)
        let expected = (Self.z975 + Self.z80) * (0.05 * 0.95).squareRoot() * (1 / 90_000.0 + 1 / 10_000.0).squareRoot()
        #expect(close(mde, expected))
        #expect(close(mde, 0.006436197871600746))
    }

    @Test func otherAlphaAndPowerUseTheirOwnQuantiles() throws {
        let analysis = try PowerAnalysis(alpha: 0.01, power: 0.9)
        // z_{0.995} = 2.5758293035489004, z_{0.9} = 1.2815515655446004.
        #expect(close(analysis.multiplier, 2.5758293035489004 + 1.2815515655446004))
        let mde = analysis.minimumDetectableEffect(standardDeviation: 2, treatmentCount: 400, controlCount: 100)
        #expect(close(mde, (2.5758293035489004 + 1.2815515655446004) * 2 * (1 / 400.0 + 1 / 100.0).squareRoot()))
    }

    @Test(arguments: [(800.0, 5_000.0, Int64(450_000)), (50.0, 4_000.0, 200_000), (0.004, 0.0, 1)])
    func requiredControlCountIsTheSmallestArmThatDetectsTheLift(lift: Double, standardDeviation: Double, treated: Int64) throws {
        let analysis = PowerAnalysis.conventional
        let count = try #require(analysis.requiredControlCount(
            forEffect: lift, standardDeviation: standardDeviation, treatmentCount: treated))
        let enough = try #require(analysis.minimumDetectableEffect(
            standardDeviation: standardDeviation, treatmentCount: treated, controlCount: count))
        #expect(enough <= lift)
        if count > 2 {
            let tooFew = try #require(analysis.minimumDetectableEffect(
                standardDeviation: standardDeviation, treatmentCount: treated, controlCount: count - 1))
            #expect(tooFew > lift)
        }
    }

    @Test func requiredControlCountForRatesAndImpossibleLifts() throws {
        let analysis = PowerAnalysis.conventional
        let count = try #require(analysis.requiredControlCount(
            forRateDifference: 0.01, baselineRate: 0.05, treatmentCount: 500_000))
        let mde = try #require(analysis.minimumDetectableRateDifference(
            baselineRate: 0.05, treatmentCount: 500_000, controlCount: count))
        #expect(mde <= 0.01)
        #expect(count > 3_000 && count < 4_000)
        // With only 100 treated members a 1-point lift on a 5 % base is out of reach at any control size.
        #expect(analysis.requiredControlCount(forRateDifference: 0.01, baselineRate: 0.05, treatmentCount: 100) == nil)
        #expect(analysis.requiredControlCount(forEffect: 0, standardDeviation: 10, treatmentCount: 100) == nil)
    }

    @Test func invalidPlanningInputsAreRejectedOrUndefined() {
        #expect(throws: StatisticsInputError.self) { try PowerAnalysis(alpha: 0, power: 0.8) }
        #expect(throws: StatisticsInputError.self) { try PowerAnalysis(alpha: 0.05, power: 1) }
        #expect(throws: StatisticsInputError.self) { try PowerAnalysis(alpha: .nan, power: 0.8) }
        let analysis = PowerAnalysis.conventional
        #expect(analysis.minimumDetectableEffect(standardDeviation: 1, treatmentCount: 0, controlCount: 10) == nil)
        #expect(analysis.minimumDetectableEffect(standardDeviation: -1, treatmentCount: 10, controlCount: 10) == nil)
        #expect(analysis.minimumDetectableEffect(standardDeviation: .nan, treatmentCount: 10, controlCount: 10) == nil)
        #expect(analysis.minimumDetectableRateDifference(baselineRate: 1.2, treatmentCount: 10, controlCount: 10) == nil)
        #expect(analysis.requiredControlCount(forEffect: 1, standardDeviation: 1, treatmentCount: 0) == nil)
    }
}
