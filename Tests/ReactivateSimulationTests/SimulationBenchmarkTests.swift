import Foundation
import ReactivateCore
import Testing
import ReactivateSimulation

/// Throughput check, off by default: `REACTIVATE_SIM_BENCH=1000000 swift test -c release --filter SimulationBenchmark`.
@Suite struct SimulationBenchmarkTests {
    static let members = Int(ProcessInfo.processInfo.environment["REACTIVATE_SIM_BENCH"] ?? "") ?? 0

    @Test(.enabled(if: members > 0))
    func generatesAMillionMembersWellUnderAMinuteOnOneCore() throws {
        let count = Self.members
        let retail = try SyntheticRetail(
            config: SimulationConfig(members: count, stores: 2_000, seed: 1, asOfDay: SimulationFixture.asOfDay))
        var batch = MemberBatch(reservingCapacityFor: 10_000)
        var rows = 0
        var transactions = 0
        var buyers = 0
        var dormant = 0
        let clock = ContinuousClock()
        let start = clock.now
        var first: Int64 = 1
        while first <= Int64(count) {
            let last = min(first + 9_999, Int64(count))
            batch.removeAll()
            retail.members(first...last, into: &batch)
            rows += batch.rowCount
            transactions += batch.transactions.count
            for truth in batch.truths {
                guard let lastPurchase = truth.lastPurchaseAt else { continue }
                buyers += 1
                if SimulationFixture.asOfDay - SimulationTime.shanghaiDay(of: lastPurchase) >= 180 { dormant += 1 }
            }
            first = last + 1
        }
        let seconds = (clock.now - start) / .seconds(1)
        print(
            "simulated \(count) members, \(transactions) transactions, \(rows) rows in \(seconds) s: "
                + "\(Int(Double(rows) / seconds)) rows/s, \(Int(Double(transactions) / seconds)) transactions/s; "
                + "per member \(Double(transactions) / Double(count)) transactions, "
                + "never bought \(1 - Double(buyers) / Double(count)), dormant among buyers \(Double(dormant) / Double(buyers))")
        #expect(seconds < 60)
    }
}
