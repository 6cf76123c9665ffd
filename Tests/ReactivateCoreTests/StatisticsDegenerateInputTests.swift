import Foundation
import Testing
@testable import ReactivateCore

@Suite struct StatisticsDegenerateInputTests {
    static func arm(_ sales: [Int64], preSales: [Int64]? = nil) throws -> ArmStatistics {
        let covariates = preSales ?? sales.map { _ in 0 }
        return ArmStatistics(try zip(sales, covariates).map { y, x in
            try MemberOutcome(salesCents: y, preSalesCents: x, reactivated: y > 0)
        })
    }

    private func expectNoNaN(_ estimate: AttributionEstimate, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(statisticsNonFiniteDoubles(in: estimate).isEmpty, "non-finite values in \(estimate)", sourceLocation: sourceLocation)
    }

    @Test func emptyArmsGiveNilEverywhereNotNaN() throws {
        let some = try Self.arm([100, 0, 250], preSales: [10, 20, 30])
        for (treatment, control) in [(ArmStatistics(), ArmStatistics()), (some, ArmStatistics()), (ArmStatistics(), some)] {
            let estimate = try AttributionEstimate(treatment: treatment, control: control)
            expectNoNaN(estimate)
            #expect(estimate.salesPerMember.status == .emptyArm)
            #expect(estimate.salesPerMember.difference == nil)
            #expect(estimate.incrementalSalesCents == nil && estimate.incrementalSalesInterval == nil)
            #expect(estimate.netIncrementalSalesCents == nil && estimate.netIncrementalSalesInterval == nil)
            #expect(estimate.cuped.status == .emptyArm)
            #expect(estimate.cupedIncrementalSalesCents == nil)
            #expect(estimate.reactivation.status == .emptyArm && estimate.reactivation.interval == nil)
            #expect(estimate.incrementalSalesPerCouponCost == nil)
        }
    }

    @Test func singleMemberArmsHaveADifferenceButNoStandardError() throws {
        let estimate = try AttributionEstimate(
            treatment: try Self.arm([500], preSales: [100]), control: try Self.arm([200, 0, 100], preSales: [0, 50, 90]))
        expectNoNaN(estimate)
        #expect(estimate.salesPerMember.status == .tooFewMembers)
        #expect(estimate.salesPerMember.difference == 400)
        #expect(estimate.salesPerMember.treatmentVariance == nil)
        #expect(estimate.salesPerMember.standardError == nil)
        #expect(estimate.salesPerMember.degreesOfFreedom == nil)
        #expect(estimate.incrementalSalesCents == 400)
        #expect(estimate.incrementalSalesInterval == nil)
        #expect(estimate.cuped.theta != nil)
        #expect(estimate.cuped.status == .tooFewMembers)
        #expect(estimate.cuped.varianceReduction == nil)
        // Newcombe's interval needs only one member per arm.
        #expect(estimate.reactivation.interval != nil)
    }

    @Test func constantArmsHaveZeroStandardErrorButNoInterval() throws {
        let estimate = try AttributionEstimate(
            treatment: try Self.arm([700, 700, 700, 700], preSales: [5, 5, 5, 5]),
            control: try Self.arm([300, 300, 300], preSales: [5, 5, 5]))
        expectNoNaN(estimate)
        #expect(estimate.salesPerMember.status == .noVariance)
        #expect(estimate.salesPerMember.difference == 400)
        #expect(estimate.salesPerMember.standardError == 0)
        #expect(estimate.salesPerMember.degreesOfFreedom == nil)
        #expect(estimate.salesPerMember.interval == nil)
        #expect(estimate.cuped.status == .constantCovariate)
        #expect(estimate.cuped.theta == nil && estimate.cuped.adjusted == nil)
        // Everyone reactivated in both arms: Wald SE is 0, the score interval still has width.
        #expect(estimate.reactivation.standardError == 0)
        let interval = try #require(estimate.reactivation.interval)
        #expect(interval.lower < 0 && interval.upper > 0)
    }

    @Test func oneConstantArmTakesItsDegreesOfFreedomFromTheOther() throws {
        let estimate = try AttributionEstimate(
            treatment: try Self.arm([0, 0, 0, 0, 0]), control: try Self.arm([0, 100, 300, 0]))
        expectNoNaN(estimate)
        #expect(estimate.salesPerMember.status == .estimated)
        #expect(estimate.salesPerMember.degreesOfFreedom == 3)
        #expect(estimate.salesPerMember.interval != nil)
    }

    @Test func noRedemptionsMeansNoReturnPerCostRatherThanInfinity() throws {
        let estimate = try AttributionEstimate(
            treatment: try Self.arm([100, 0, 900, 40]), control: try Self.arm([0, 0, 120]))
        expectNoNaN(estimate)
        #expect(estimate.couponCostCents == 0)
        #expect(estimate.redemptions == 0)
        #expect(estimate.incrementalSalesPerCouponCost == nil)
        #expect(estimate.netIncrementalSalesCents == estimate.incrementalSalesCents)
    }

    @Test func nobodyReactivatedStillGivesAScoreInterval() throws {
        let estimate = try ProportionDifferenceEstimate(
            treatmentSuccesses: 0, treatmentCount: 50, controlSuccesses: 0, controlCount: 20)
        let interval = try #require(estimate.interval)
        #expect(estimate.difference == 0 && estimate.standardError == 0)
        #expect(interval.lower < 0 && interval.upper > 0 && interval.lower >= -1 && interval.upper <= 1)
        #expect(statisticsNonFiniteDoubles(in: estimate).isEmpty)
    }

    @Test(arguments: [0.0, 1.0, 1.5, -0.2, Double.nan, Double.infinity])
    func invalidConfidenceLevelsAreRejected(level: Double) throws {
        let arm = try Self.arm([1, 2, 3])
        #expect(throws: StatisticsInputError.self) { try AttributionEstimate(treatment: arm, control: arm, confidenceLevel: level) }
        #expect(throws: StatisticsInputError.self) { try MeanDifferenceEstimate(treatment: arm, control: arm, confidenceLevel: level) }
        #expect(throws: StatisticsInputError.self) { try CUPEDEstimate(treatment: arm, control: arm, confidenceLevel: level) }
        #expect(throws: StatisticsInputError.self) { try ProportionDifferenceEstimate(treatment: arm, control: arm, confidenceLevel: level) }
    }

    @Test func impossibleRateCountsAreRejected() {
        #expect(throws: StatisticsInputError.self) {
            try ProportionDifferenceEstimate(treatmentSuccesses: 5, treatmentCount: 4, controlSuccesses: 0, controlCount: 1)
        }
        #expect(throws: StatisticsInputError.self) {
            try ProportionDifferenceEstimate(treatmentSuccesses: 0, treatmentCount: 4, controlSuccesses: -1, controlCount: 1)
        }
    }

    @Test func errorsSayWhatWasWrong() {
        let error = StatisticsInputError(parameter: "confidenceLevel", value: "1.5", requirement: "strictly between 0 and 1")
        #expect(error.description == "confidenceLevel must be strictly between 0 and 1, got 1.5")
    }
}
