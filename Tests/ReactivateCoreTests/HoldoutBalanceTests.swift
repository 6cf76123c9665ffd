import Foundation
import ReactivateCore
import Testing

@Suite struct HoldoutBalanceTests {
    static func pairs(store: Int64, control: Int, treatment: Int) -> [(storeId: Int64, arm: Arm)] {
        Array(repeating: (storeId: store, arm: Arm.control), count: control)
            + Array(repeating: (storeId: store, arm: Arm.treatment), count: treatment)
    }

    @Test func countsAndZScoresPerStoreAreComputedAgainstTheFraction() throws {
        let input = Self.pairs(store: 2, control: 20, treatment: 80) + Self.pairs(store: 1, control: 10, treatment: 90)
        let balance = HoldoutBalance(input.shuffled(), fraction: 0.1)
        #expect(balance.stores.map(\.storeId) == [1, 2])
        #expect(balance.stores[0].control == 10 && balance.stores[0].treatment == 90 && balance.stores[0].total == 100)
        #expect(balance.stores[0].zScore == 0)
        #expect(abs(balance.stores[1].zScore - 10.0 / 3.0) < 1e-12)
        #expect(abs(balance.stores[1].controlShare - 0.2) < 1e-15)
        #expect(balance.overall.control == 30 && balance.overall.total == 200)
        #expect(abs(balance.overall.zScore - 10 / (200 * 0.09).squareRoot()) < 1e-12)
        #expect(balance.degreesOfFreedom == 2)
        #expect(abs(balance.chiSquare - 100.0 / 9.0) < 1e-12)
        #expect(abs(balance.pValue - exp(-balance.chiSquare / 2)) < 1e-14)  // χ²₂ tail is exp(−x/2)
        #expect(balance.worstStore?.storeId == 2)
        #expect(balance.storesWithSmallExpectedCounts == 0)
    }

    @Test(arguments: [0.01, 0.3, 1, 2.5, 3.841458820694124, 7, 15, 40])
    func chiSquareTailMatchesClosedFormsForOneTwoAndThreeDegrees(x: Double) {
        let one = erfc((x / 2).squareRoot())
        let two = exp(-x / 2)
        let three = erfc((x / 2).squareRoot()) + (2 * x / .pi).squareRoot() * exp(-x / 2)
        #expect(abs(HoldoutBalance.chiSquareUpperTail(x, degreesOfFreedom: 1) - one) <= 1e-12 + one * 1e-9)
        #expect(abs(HoldoutBalance.chiSquareUpperTail(x, degreesOfFreedom: 2) - two) <= 1e-12 + two * 1e-9)
        #expect(abs(HoldoutBalance.chiSquareUpperTail(x, degreesOfFreedom: 3) - three) <= 1e-12 + three * 1e-9)
    }

    @Test(arguments: [(3.841458820694124, 1), (18.307038053275146, 10), (124.34211340400407, 100)])
    func chiSquareTailHitsTextbookFivePercentPoints(x: Double, degreesOfFreedom: Int) {
        #expect(abs(HoldoutBalance.chiSquareUpperTail(x, degreesOfFreedom: degreesOfFreedom) - 0.05) < 1e-9)
    }

    @Test func hashedArmsAreBalancedWithinStores() throws {
        let assigner = try HoldoutAssigner(key: pinnedTestKey, fraction: 0.1)
        let input = (Int64(0)..<150_000).map { id in
            (storeId: id * 7_919 % 300, arm: assigner.arm(campaign: "spring-2025", memberId: id))
        }
        let balance = HoldoutBalance(input, fraction: 0.1)
        #expect(balance.stores.count == 300)
        #expect(balance.degreesOfFreedom == 300)
        #expect(balance.pValue > 0.001)
        // The max |z| of 300 stores has a heavy tail: here store 114 sits at z = 4.77 (82 controls of 500;
        // exact binomial tail 6e-6, a 0.2% event for the worst of 300), while χ² = 288.8 on 300 df is
        // unremarkable. 5.5 still flags a broken split (a constant arm gives |z| ≈ 7.5 per store).
        #expect(abs(balance.worstStore?.zScore ?? .infinity) < 5.5)
        #expect(abs(balance.chiSquare - 288.84444) < 1e-3)  // the same figure from an independent Python run
        #expect(abs(balance.overall.zScore) < 4)
    }

    @Test func degenerateFractionsGiveZeroOrInfiniteZAndNoTest() {
        let exact = HoldoutBalance(Self.pairs(store: 1, control: 0, treatment: 5), fraction: 0)
        #expect(exact.stores[0].zScore == 0)
        #expect(exact.degreesOfFreedom == 0)
        #expect(exact.pValue.isNaN)
        let broken = HoldoutBalance(Self.pairs(store: 1, control: 2, treatment: 5), fraction: 0)
        #expect(broken.stores[0].zScore == .infinity)
        let empty = HoldoutBalance([], fraction: 0.1)
        #expect(empty.stores.isEmpty && empty.worstStore == nil && empty.pValue.isNaN)
        let small = HoldoutBalance(Self.pairs(store: 3, control: 1, treatment: 9), fraction: 0.1)
        #expect(small.storesWithSmallExpectedCounts == 1)
    }
}
