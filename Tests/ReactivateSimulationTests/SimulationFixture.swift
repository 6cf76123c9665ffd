import ReactivateCore
import ReactivateSimulation

/// One simulated base shared by the plausibility tests: 20,000 members and 200 stores as of 2025-06-30.
///
/// Generated once per test process (a global `let` is lazy and thread-safe), because at this size the
/// figures are stable enough to pin and generation still takes only a moment in a debug build.
struct SimulationFixture: Sendable {
    static let asOfDay: Int32 = 9_312  // 2025-06-30
    static let memberCount = 20_000
    static let storeCount = 200

    let retail: SyntheticRetail
    let batch: MemberBatch

    static let shared: Result<SimulationFixture, SimulationConfigError> = Result {
        () throws(SimulationConfigError) -> SimulationFixture in
        let config = SimulationConfig(members: memberCount, stores: storeCount, seed: 20_250_630, asOfDay: asOfDay)
        let retail = try SyntheticRetail(config: config)
        var batch = MemberBatch(reservingCapacityFor: memberCount)
        retail.members(1...Int64(memberCount), into: &batch)
        return SimulationFixture(retail: retail, batch: batch)
    }

    /// The rows of one member, as a batch of its own.
    func rows(of memberId: Int64) -> MemberBatch {
        var result = MemberBatch()
        result.members = batch.members.filter { $0.memberId == memberId }
        result.locations = batch.locations.filter { $0.memberId == memberId }
        result.channels = batch.channels.filter { $0.memberId == memberId }
        result.transactions = batch.transactions.filter { $0.memberId == memberId }
        result.truths = batch.truths.filter { $0.memberId == memberId }
        return result
    }

    /// Sample mean and (unbiased) variance.
    static func meanAndVariance(_ values: [Double]) -> (mean: Double, variance: Double) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        return (mean, squares / (n - 1))
    }
}
