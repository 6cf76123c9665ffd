import Foundation
import Testing
@testable import ReactivateCore

@Suite struct ArmStatisticsMergeTests {
    static func members(count: Int, treated: Bool, seed: UInt64) throws -> [MemberOutcome] {
        var rng = StatisticsTestRNG(seed: seed)
        return try (0..<count).map { _ in try StatisticsTestPopulation.member(treated: treated, using: &rng) }
    }

    /// Accumulates `members` over `partitions` random slices, then merges the slices in a random
    /// order, sequentially or as a balanced tree.
    static func partitionedStatistics(
        _ members: [MemberOutcome], partitions: Int, tree: Bool, using rng: inout StatisticsTestRNG
    ) -> ArmStatistics {
        var slices = Array(repeating: ArmStatistics(), count: partitions)
        for member in members { slices[Int(rng.next() % UInt64(partitions))].add(member) }
        slices.shuffle(using: &rng)
        if !tree { return slices.reduce(ArmStatistics(), +) }
        while slices.count > 1 {
            var next: [ArmStatistics] = []
            for index in stride(from: 0, to: slices.count, by: 2) {
                next.append(index + 1 < slices.count ? slices[index + 1] + slices[index] : slices[index])
            }
            slices = next
        }
        return slices.first ?? ArmStatistics()
    }

    @Test(arguments: [1, 2, 3, 7, 32, 257])
    func partitionedAccumulationMergesToTheOnePassResultBitForBit(partitions: Int) throws {
        let treated = try Self.members(count: 4_000, treated: true, seed: 11)
        let control = try Self.members(count: 900, treated: false, seed: 12)
        let wholeT = ArmStatistics(treated)
        let wholeC = ArmStatistics(control)
        let whole = try AttributionEstimate(treatment: wholeT, control: wholeC)
        #expect(whole.salesPerMember.status == .estimated && whole.cuped.status == .estimated)

        var rng = StatisticsTestRNG(seed: 1_000 + UInt64(partitions))
        for round in 0..<4 {
            let tree = round % 2 == 1
            let partT = Self.partitionedStatistics(treated, partitions: partitions, tree: tree, using: &rng)
            let partC = Self.partitionedStatistics(control, partitions: partitions, tree: tree, using: &rng)
            #expect(partT == wholeT)
            #expect(partC == wholeC)
            let merged = try AttributionEstimate(treatment: partT, control: partC)
            #expect(merged == whole)
            #expect(statisticsDoubleBits(of: merged) == statisticsDoubleBits(of: whole))
        }
    }

    @Test func mergeIsExactlyCommutativeAndAssociativeWithTheEmptyArmAsIdentity() throws {
        let members = try Self.members(count: 300, treated: true, seed: 5)
        let a = ArmStatistics(members[0..<100])
        let b = ArmStatistics(members[100..<180])
        let c = ArmStatistics(members[180...])
        #expect(a + b == b + a)
        #expect((a + b) + c == a + (b + c))
        #expect(a + ArmStatistics() == a)
        #expect((a + b) + c == ArmStatistics(members))
        var folded = ArmStatistics()
        folded.merge(c)
        folded.merge(a)
        folded.merge(b)
        #expect(folded == ArmStatistics(members))
    }

    @Test func sumsOfSquaresBeyondInt64StayExact() throws {
        let big = MemberOutcome.maximumMagnitudeCents
        let members = try (0..<100).map { index in
            try MemberOutcome(salesCents: index.isMultiple(of: 2) ? big : -big, preSalesCents: big, reactivated: true)
        }
        let arm = ArmStatistics(members)
        let square = Int128(big) * Int128(big)
        #expect(arm.sumSquaredSalesCents == 100 * square)
        #expect(arm.sumSquaredSalesCents > Int128(Int64.max))
        #expect(arm.sumSalesCents == 0)
        #expect(arm.sumSalesTimesPreSalesCents == 0)
        #expect(arm.meanSalesCents == 0)
        // 50 at +10¹², 50 at −10¹²: variance = n/(n−1) · 10²⁴, rounded once.
        let variance = try #require(arm.salesVariance)
        #expect(abs(variance - 1e24 * 100 / 99) <= 2e-16 * variance)
    }

    @Test func codableRoundTripPreservesEverySum() throws {
        let arm = ArmStatistics(try Self.members(count: 500, treated: true, seed: 9))
        let big = MemberOutcome.maximumMagnitudeCents
        let huge = arm + ArmStatistics(try (0..<3).map { _ in
            try MemberOutcome(salesCents: big, preSalesCents: -big, reactivated: true, redeemed: true, redeemedFaceValueCents: big)
        })
        for original in [ArmStatistics(), arm, huge] {
            let data = try JSONEncoder().encode(original)
            let decoded = try JSONDecoder().decode(ArmStatistics.self, from: data)
            #expect(decoded == original)
        }
        let text = String(decoding: try JSONEncoder().encode(huge), as: UTF8.self)
        #expect(text.contains("\"sumSquaredSalesCents\":\"\(huge.sumSquaredSalesCents)\""))
    }

    @Test(arguments: [
        #"{"count":-1,"sumSalesCents":"0","sumSquaredSalesCents":"0","sumPreSalesCents":"0","sumSquaredPreSalesCents":"0","sumSalesTimesPreSalesCents":"0","reactivatedCount":0,"redeemedCount":0,"sumRedeemedFaceValueCents":"0"}"#,
        #"{"count":2,"sumSalesCents":"10","sumSquaredSalesCents":"20","sumPreSalesCents":"0","sumSquaredPreSalesCents":"0","sumSalesTimesPreSalesCents":"0","reactivatedCount":0,"redeemedCount":0,"sumRedeemedFaceValueCents":"0"}"#,
        #"{"count":2,"sumSalesCents":"0","sumSquaredSalesCents":"0","sumPreSalesCents":"0","sumSquaredPreSalesCents":"0","sumSalesTimesPreSalesCents":"0","reactivatedCount":3,"redeemedCount":0,"sumRedeemedFaceValueCents":"0"}"#,
        #"{"count":2,"sumSalesCents":"0","sumSquaredSalesCents":"0","sumPreSalesCents":"0","sumSquaredPreSalesCents":"0","sumSalesTimesPreSalesCents":"0","reactivatedCount":0,"redeemedCount":0,"sumRedeemedFaceValueCents":"500"}"#,
        #"{"count":0,"sumSalesCents":"7","sumSquaredSalesCents":"49","sumPreSalesCents":"0","sumSquaredPreSalesCents":"0","sumSalesTimesPreSalesCents":"0","reactivatedCount":0,"redeemedCount":0,"sumRedeemedFaceValueCents":"0"}"#,
        #"{"count":1,"sumSalesCents":"1e3","sumSquaredSalesCents":"0","sumPreSalesCents":"0","sumSquaredPreSalesCents":"0","sumSalesTimesPreSalesCents":"0","reactivatedCount":0,"redeemedCount":0,"sumRedeemedFaceValueCents":"0"}"#,
    ])
    func decodingRejectsSumsNoSetOfMembersCouldProduce(json: String) {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(ArmStatistics.self, from: Data(json.utf8))
        }
    }

    @Test func memberOutcomeRejectsAmountsThatCouldOverflowTheSums() {
        let tooBig = MemberOutcome.maximumMagnitudeCents + 1
        #expect(throws: StatisticsInputError.self) { try MemberOutcome(salesCents: tooBig, preSalesCents: 0, reactivated: true) }
        #expect(throws: StatisticsInputError.self) { try MemberOutcome(salesCents: 0, preSalesCents: Int64.min, reactivated: false) }
        #expect(throws: StatisticsInputError.self) {
            try MemberOutcome(salesCents: 0, preSalesCents: 0, reactivated: false, redeemed: true, redeemedFaceValueCents: -5)
        }
        #expect(throws: StatisticsInputError.self) {
            try MemberOutcome(salesCents: 0, preSalesCents: 0, reactivated: false, redeemed: false, redeemedFaceValueCents: 500)
        }
        #expect(throws: Never.self) {
            try MemberOutcome(salesCents: -MemberOutcome.maximumMagnitudeCents, preSalesCents: 0, reactivated: false)
        }
    }
}
