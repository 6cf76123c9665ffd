import ReactivateCore
import Testing

@Suite struct CampaignRollupTests {
    static func arm(_ sales: [Int64], reactivated: Int) throws -> ArmStatistics {
        var statistics = ArmStatistics()
        for (index, cents) in sales.enumerated() {
            statistics.add(try MemberOutcome(salesCents: cents, preSalesCents: cents / 2 + Int64(index % 3), reactivated: index < reactivated))
        }
        return statistics
    }

    @Test func wavesAddTheirIncrementalSalesAndTheirVariances() throws {
        let first = try AttributionEstimate(
            treatment: Self.arm([0, 500, 1_000, 0, 2_500, 300], reactivated: 4), control: Self.arm([0, 100, 0, 400], reactivated: 1))
        let second = try AttributionEstimate(
            treatment: Self.arm([900, 0, 0, 1_200, 50], reactivated: 3), control: Self.arm([0, 0, 250, 0, 10], reactivated: 2))
        let rollup = CampaignRollup([first, second], confidenceLevel: 0.95)
        let sum = (first.incrementalSalesCents ?? .nan) + (second.incrementalSalesCents ?? .nan)
        #expect(abs((rollup.incrementalSalesCents ?? .nan) - sum) < 1e-9)
        let se1 = (first.salesPerMember.standardError ?? .nan) * 6
        let se2 = (second.salesPerMember.standardError ?? .nan) * 5
        let half = 1.959963984540054 * (se1 * se1 + se2 * se2).squareRoot()
        #expect(abs((rollup.interval?.upper ?? .nan) - (sum + half)) < 1e-6)
        #expect(rollup.waves == 2)
        #expect(rollup.netIncrementalSalesCents == rollup.incrementalSalesCents.map { $0 - rollup.couponCostCents })
    }

    @Test func aWaveWithoutAnEstimateLeavesTheTotalUndefinedNotWrong() throws {
        let empty = try AttributionEstimate(treatment: ArmStatistics(), control: Self.arm([0, 1], reactivated: 0))
        let rollup = CampaignRollup([empty], confidenceLevel: 0.95)
        #expect(rollup.incrementalSalesCents == nil && rollup.interval == nil)
    }
}
