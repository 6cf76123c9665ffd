import Foundation
@testable import ReactivateCore
import Testing

/// `BGNBDLikelihood(groups:)` sets a large input up in parts on all cores; the parts must not show.
@Suite struct BGNBDSetupTests {
    let cdnow = BGNBDParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)

    @Test func setUpInPartsIsTheSetUpInOnePass() throws {
        // Continuous times: nearly every triple distinct, so each part numbers its own values; a few
        // triples are given twice, in different parts, and must be merged across parts.
        var groups = CustomerSummary.grouped(
            bgnbdSimulate(cdnow, customers: 20_000, ages: 20...40, seed: 21).map(\.summary))
        groups += groups.prefix(500).map { WeightedCustomerSummary(summary: $0.summary, count: 2) }
        groups.append(WeightedCustomerSummary(summary: CustomerSummary(frequency: 3, recency: 5, age: 9), count: 0))
        let whole = try BGNBDLikelihood(groups: groups, parts: 1)
        for parts in [2, 3, 8] {
            let split = try BGNBDLikelihood(groups: groups, parts: parts)
            #expect(split.customerCount == whole.customerCount)
            #expect(split.frequencies == whole.frequencies && split.frequencyCounts == whole.frequencyCounts)
            #expect(split.ages == whole.ages && split.zeroFrequencyCountsByAge == whole.zeroFrequencyCountsByAge)
            #expect(split.recencies == whole.recencies)
            #expect(split.groupFrequency == whole.groupFrequency && split.groupAge == whole.groupAge)
            #expect(split.groupRecency == whole.groupRecency && split.groupCount == whole.groupCount)
            #expect(split.logLikelihoodAndGradient(cdnow) == whole.logLikelihoodAndGradient(cdnow))
        }
    }

    @Test func setUpInPartsReportsTheFirstProblemInTheInputsOrder() {
        var groups = CustomerSummary.grouped(
            bgnbdSimulate(cdnow, customers: 4_000, ages: 20...40, seed: 22).map(\.summary))
        let late = groups.count - 10
        groups[late] = WeightedCustomerSummary(summary: CustomerSummary(frequency: 1, recency: 5, age: 4), count: 1)
        groups[late / 2] = WeightedCustomerSummary(summary: groups[late / 2].summary, count: -1)
        for parts in [1, 2, 4] {
            let error = #expect(throws: BGNBDError.self) { try BGNBDLikelihood(groups: groups, parts: parts) }
            #expect(error?.index == late / 2)
            #expect(error?.reason == "the group count is -1")
        }
        groups[late / 2].count = Int.max
        groups[late] = WeightedCustomerSummary(summary: groups[0].summary, count: 1)
        for parts in [1, 2, 4] {
            let error = #expect(throws: BGNBDError.self) { try BGNBDLikelihood(groups: groups, parts: parts) }
            #expect(error?.index == late / 2)
            #expect(error?.reason.contains("add up to more than") == true)
        }
    }

    @Test func radixSortOrdersLikeAStableComparisonSort() {
        var random = BGNBDTestRandom(seed: 23)
        for bits in [1, 11, 12, 13, 35, 64] {
            let items = (0..<5_000).map { index in
                BGNBDLikelihood.KeyedCount(
                    key: bits == 64 ? random.next() : random.next() & ((1 << UInt64(bits)) - 1), count: Double(index))
            }
            let expected = items.sorted { $0.key < $1.key }  // stable: ties keep their counts' order
            for parts in [1, 2, 7] {
                var sorted = items
                BGNBDLikelihood.radixSort(&sorted, bits: bits, parts: parts)
                #expect(sorted.map { $0.key } == expected.map { $0.key })
                #expect(sorted.map { $0.count } == expected.map { $0.count })
            }
        }
    }

    @Test func wholeNumberTestAgreesWithRounding() {
        var random = BGNBDTestRandom(seed: 24)
        var values: [Double] = [
            0, -0.0, 0.5, 1, 1.nextUp, 1.nextDown, 3, -3, -2.5, 0x1p52 - 0.5, 0x1p52, 0x1p52 + 1, 0x1p53 + 2, 1e300,
            -1e300, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 4_503_599_627_370_495.5,
        ]
        for _ in 0..<10_000 {
            values.append(Double(random.next() % 1_000) / Double(1 + random.next() % 8))
            values.append(Double(bitPattern: random.next() & ~(0x7FF << 52) | (UInt64(1_023 + random.next() % 60) << 52)))
        }
        for value in values {
            #expect(CustomerSummary.isWhole(value) == (value == value.rounded()), "\(value)")
        }
    }

    @Test func sortedWithRanksSortsTimesAndFrequencies() {
        var random = BGNBDTestRandom(seed: 25)
        var tables: [[Double]] = [[], [0], [3, 1, 2], [0, 1e-300, 5e-324, 1, 1e300, .infinity]]
        tables.append((0..<20_000).map { _ in Double(random.next() % 100_000) / 1_000 })
        tables.append(Array(Set((0..<5_000).map { _ in Double(random.next() % 40) })))
        tables.append([2, -1, 0.5])  // not a likelihood's values: compared instead
        for values in tables {
            let (sorted, ranks) = BGNBDLikelihood.sortedWithRanks(values)
            #expect(sorted == values.sorted())
            #expect(values.indices.allSatisfy { sorted[Int(ranks[$0])] == values[$0] })
            #expect(Set(ranks).count == values.count)
        }
    }
}
