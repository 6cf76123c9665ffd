import Dispatch
import Foundation
import Synchronization

extension BGNBDLikelihood {
    /// Validates the groups and precomputes the parameter-free parts of the likelihood. A triple may
    /// appear in several groups; their counts are added.
    ///
    /// A large input is set up on all cores: contiguous parts of the groups are validated and their
    /// values numbered each on its own, the parts' sorted value tables are merged, and the groups'
    /// packed (x, T, t_x) ranks are radix sorted in parallel. The result does not depend on how many
    /// parts there were (the keys are sorted, and the counts are whole numbers, so their sums are exact).
    /// - Throws: `BGNBDError` for an invalid triple or count, no customers, or no repeat buyer at all
    ///   (then the dropout process is not identified); the first problem in the input's order.
    public init(groups: [WeightedCustomerSummary]) throws(BGNBDError) {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        try self.init(groups: groups, parts: groups.count >= Self.parallelSetupGroups ? min(cores, 8) : 1)
    }

    /// `init(groups:)` in `parts` parts (tests check that the number does not matter).
    init(groups: [WeightedCustomerSummary], parts partCount: Int) throws(BGNBDError) {
        let partCount = max(1, min(partCount, groups.count))
        var parts = groups.withUnsafeBufferPointer { buffer in
            nonisolated(unsafe) let shared = buffer
            return Self.concurrently(partCount) { part in
                SetupPart(shared, range: Self.slice(part, of: partCount, count: shared.count))
            }
        }
        // The customer total is checked for overflow as a running sum, so a part that failed or
        // overflowed (rare) is judged again in one pass: the error is the first in the input's order.
        var customers = 0
        var overflow = false
        for part in parts {
            let (sum, overflowed) = customers.addingReportingOverflow(part.customers)
            customers = sum
            overflow = overflow || overflowed || part.overflowed
        }
        if overflow || parts.contains(where: { $0.failure != nil }) {
            let whole = groups.withUnsafeBufferPointer { SetupPart($0, range: 0..<$0.count) }
            if let failure = whole.failure { throw failure }
            parts = [whole]
            customers = whole.customers
        }
        guard customers > 0 else {
            throw BGNBDError(
                kind: .emptyInput, reason: "there are no customer summaries to fit",
                fix: "check that the input has rows (and that their counts are positive)")
        }
        let repeatCustomers = parts.reduce(0) { $0 + $1.repeatCustomers }
        guard repeatCustomers > 0 else {
            throw BGNBDError(
                kind: .insufficientData,
                reason:
                    "none of the \(customers) customers made a repeat purchase, so purchase rates and dropout "
                    + "cannot be told apart",
                fix: "fit on a longer history or a larger base that includes repeat buyers")
        }
        // Everything in sorted order, so every sum (and so the fit, to the last bit) depends only on
        // which triples occur how often, not on the order they came in: a Dictionary's order changes
        // from run to run, and a rerun must reproduce its scores.
        let frequencies = SortedUnion(parts.map(\.frequencyOrder))
        let ages = SortedUnion(parts.map(\.ageOrder))
        let recencies = SortedUnion(parts.map(\.recencyOrder))
        var frequencyCounts = [Double](repeating: 0, count: frequencies.values.count)
        var zeroCounts = [Double](repeating: 0, count: ages.values.count)
        for (index, part) in parts.enumerated() {
            for (local, count) in part.frequencyCounts.enumerated() {
                frequencyCounts[Int(frequencies.ranks[index][local])] += count
            }
            for (local, count) in part.zeroCounts.enumerated() where count > 0 {
                zeroCounts[Int(ages.ranks[index][local])] += count
            }
        }
        // Sort the groups by their (x, T, t_x) ranks packed into one word (fast), or compared as a
        // tuple when the three tables are too large to pack (continuous times for millions of customers).
        let widths = [frequencies.values.count, ages.values.count, recencies.values.count].map {
            Int.bitWidth - $0.leadingZeroBitCount
        }
        let keyBits = widths.reduce(0, +)
        let total = parts.reduce(0) { $0 + $1.groupCount.count }
        var starts = [0]
        for part in parts { starts.append(starts[starts.count - 1] + part.groupCount.count) }
        let offsets = starts
        var mergedFrequency: [Int32] = []
        var mergedAge: [Int32] = []
        var mergedRecency: [Int32] = []
        var mergedCount: [Double] = []
        func reserve() {
            mergedFrequency.reserveCapacity(total)
            mergedAge.reserveCapacity(total)
            mergedRecency.reserveCapacity(total)
            mergedCount.reserveCapacity(total)
        }
        if keyBits <= 64 {
            var keyed = [KeyedCount](unsafeUninitializedCapacity: total) { buffer, initialized in
                nonisolated(unsafe) let target = buffer
                let shared = parts
                let (xRanks, tRanks, txRanks) = (frequencies.ranks, ages.ranks, recencies.ranks)
                Self.concurrently(shared.count) { index in
                    let part = shared[index]
                    let (x, t, tx) = (xRanks[index], tRanks[index], txRanks[index])
                    var at = offsets[index]
                    for group in part.groupCount.indices {
                        let key =
                            UInt64(x[Int(part.groupFrequency[group])]) << (widths[1] + widths[2])
                            | UInt64(t[Int(part.groupAge[group])]) << widths[2]
                            | UInt64(tx[Int(part.groupRecency[group])])
                        (target.baseAddress! + at).initialize(to: KeyedCount(key: key, count: part.groupCount[group]))
                        at += 1
                    }
                }
                initialized = total
            }
            Self.radixSort(&keyed, bits: keyBits, parts: partCount)
            let recencyMask: UInt64 = (1 << UInt64(widths[2])) &- 1
            let ageMask: UInt64 = (1 << UInt64(widths[1])) &- 1
            // Distinct keys (always, for groups counted from a file) are decoded on all cores at once.
            let duplicated = keyed.withUnsafeBufferPointer { sorted in
                nonisolated(unsafe) let sorted = sorted
                return Self.concurrently(partCount) { part in
                    let range = Self.slice(part, of: partCount, count: sorted.count)
                    return range.contains { $0 > 0 && sorted[$0].key == sorted[$0 - 1].key }
                }.contains(true)
            }
            if !duplicated {
                let xShift = UInt64(widths[1] + widths[2])
                let tShift = UInt64(widths[2])
                keyed.withUnsafeBufferPointer { sorted in
                    func decoded<T>(_ value: @escaping @Sendable (KeyedCount) -> T) -> [T] {
                        [T](unsafeUninitializedCapacity: total) { buffer, initialized in
                            nonisolated(unsafe) let (sorted, target) = (sorted, buffer)
                            Self.concurrently(partCount) { part in
                                for index in Self.slice(part, of: partCount, count: total) {
                                    (target.baseAddress! + index).initialize(to: value(sorted[index]))
                                }
                            }
                            initialized = total
                        }
                    }
                    mergedFrequency = decoded { Int32(truncatingIfNeeded: $0.key >> xShift) }
                    mergedAge = decoded { Int32(truncatingIfNeeded: ($0.key >> tShift) & ageMask) }
                    mergedRecency = decoded { Int32(truncatingIfNeeded: $0.key & recencyMask) }
                    mergedCount = decoded { $0.count }
                }
            }
            if duplicated { reserve() }
            var previous: UInt64?
            for item in keyed where duplicated {
                let key = item.key
                if key == previous {
                    mergedCount[mergedCount.count - 1] += item.count  // the same triple twice: whole numbers, so exact
                    continue
                }
                previous = key
                mergedFrequency.append(Int32(truncatingIfNeeded: key >> UInt64(widths[1] + widths[2])))
                mergedAge.append(Int32(truncatingIfNeeded: (key >> UInt64(widths[2])) & ageMask))
                mergedRecency.append(Int32(truncatingIfNeeded: key & recencyMask))
                mergedCount.append(item.count)
            }
        } else {
            reserve()
            var x: [Int32] = []
            var t: [Int32] = []
            var tx: [Int32] = []
            var counts: [Double] = []
            for (index, part) in parts.enumerated() {
                x += part.groupFrequency.map { frequencies.ranks[index][Int($0)] }
                t += part.groupAge.map { ages.ranks[index][Int($0)] }
                tx += part.groupRecency.map { recencies.ranks[index][Int($0)] }
                counts += part.groupCount
            }
            for index in x.indices.sorted(by: { (x[$0], t[$0], tx[$0]) < (x[$1], t[$1], tx[$1]) }) {
                if let last = mergedCount.indices.last, mergedFrequency[last] == x[index], mergedAge[last] == t[index],
                    mergedRecency[last] == tx[index]
                {
                    mergedCount[last] += counts[index]
                } else {
                    mergedFrequency.append(x[index])
                    mergedAge.append(t[index])
                    mergedRecency.append(tx[index])
                    mergedCount.append(counts[index])
                }
            }
        }
        self.init(
            customerCount: customers, frequencies: frequencies.values, frequencyCounts: frequencyCounts,
            ages: ages.values, zeroFrequencyCountsByAge: zeroCounts, recencies: recencies.values,
            groupFrequency: mergedFrequency, groupAge: mergedAge, groupRecency: mergedRecency, groupCount: mergedCount)
    }

    /// Groups from which `init(groups:)` uses all cores (below, one pass is quicker than the hand-off).
    static let parallelSetupGroups = 1 << 16

    /// The `part`-th of `parts` near-equal contiguous ranges of `0..<count`.
    static func slice(_ part: Int, of parts: Int, count: Int) -> Range<Int> {
        (part * count / parts)..<((part + 1) * count / parts)
    }

    /// `body(0) … body(count − 1)` on all cores, the results in index order.
    static func concurrently<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        if count == 1 { return [body(0)] }
        let results = Mutex([T?](repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let result = body(index)
            results.withLock { $0[index] = result }
        }
        return results.withLock { $0.map { $0! } }
    }

    /// `body(0) … body(count − 1)` on all cores.
    static func concurrently(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count == 1 { return body(0) }
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }

    /// One contiguous range of the groups, validated and numbered on its own: one core's share of
    /// `init(groups:)`. Stops at its first problem (`failure`), or marks a customer total that overflowed.
    struct SetupPart: Sendable {
        var frequencies: [Double] = []
        var ages: [Double] = []
        var recencies: [Double] = []
        /// The three tables sorted, with each value's rank (sorted here, so on the part's core).
        var frequencyOrder: (sorted: [Double], ranks: [Int32]) = ([], [])
        var ageOrder: (sorted: [Double], ranks: [Int32]) = ([], [])
        var recencyOrder: (sorted: [Double], ranks: [Int32]) = ([], [])
        /// Customers per frequency, and customers with x = 0 per age, by the part's own numbers.
        var frequencyCounts: [Double] = []
        var zeroCounts: [Double] = []
        /// The repeat groups, by the part's own numbers.
        var groupFrequency: [Int32] = []
        var groupAge: [Int32] = []
        var groupRecency: [Int32] = []
        var groupCount: [Double] = []
        var customers = 0
        var repeatCustomers = 0
        var overflowed = false
        var failure: BGNBDError?

        init(_ groups: UnsafeBufferPointer<WeightedCustomerSummary>, range: Range<Int>) {
            var frequencyIndex = BGNBDValueNumbering()
            var ageIndex = BGNBDValueNumbering()
            var recencyIndex = BGNBDValueNumbering()
            groupFrequency.reserveCapacity(range.count)
            groupAge.reserveCapacity(range.count)
            groupRecency.reserveCapacity(range.count)
            groupCount.reserveCapacity(range.count)
            for position in range {
                let group = groups[position]
                do { try group.summary.validate(index: position) } catch {
                    failure = error
                    break
                }
                guard group.count >= 0 else {
                    failure = BGNBDError(
                        kind: .invalidSummary, reason: "the group count is \(group.count)",
                        fix: "give how many customers share the triple (0 or more)", index: position)
                    break
                }
                if group.count == 0 { continue }
                let (sum, overflow) = customers.addingReportingOverflow(group.count)
                guard !overflow else {
                    overflowed = true
                    failure = BGNBDError(
                        kind: .invalidSummary, reason: "the group counts add up to more than \(Int.max) customers",
                        fix: "check the counts", index: position)
                    break
                }
                customers = sum
                let summary = group.summary
                let count = Double(group.count)
                let x = frequencyIndex.number(summary.frequency)
                if frequencyCounts.count < frequencyIndex.values.count { frequencyCounts.append(0) }
                frequencyCounts[Int(x)] += count
                let t = ageIndex.number(summary.age)
                if zeroCounts.count < ageIndex.values.count { zeroCounts.append(0) }
                if summary.frequency == 0 {
                    zeroCounts[Int(t)] += count
                } else {
                    repeatCustomers += group.count
                    groupFrequency.append(x)
                    groupAge.append(t)
                    groupRecency.append(recencyIndex.number(summary.recency))
                    groupCount.append(count)
                }
            }
            frequencies = frequencyIndex.values
            ages = ageIndex.values
            recencies = recencyIndex.values
            frequencyOrder = BGNBDLikelihood.sortedWithRanks(frequencies)
            ageOrder = BGNBDLikelihood.sortedWithRanks(ages)
            recencyOrder = BGNBDLikelihood.sortedWithRanks(recencies)
        }
    }

    /// The distinct values of several parts' tables in ascending order, and for each part the rank of
    /// each of its values (by the part's own numbers) in that order.
    struct SortedUnion {
        var values: [Double] = []
        var ranks: [[Int32]] = []

        /// - Parameter sorted: each part's table sorted, with the rank of each of its values in its order.
        init(_ sorted: [(sorted: [Double], ranks: [Int32])]) {
            if sorted.count == 1 {
                values = sorted[0].sorted
                ranks = [sorted[0].ranks]
                return
            }
            var heads = [Int](repeating: 0, count: sorted.count)
            // Rank of each part's k-th smallest value, then composed with the part's own order.
            var sortedRanks = sorted.map { [Int32](repeating: 0, count: $0.sorted.count) }
            values.reserveCapacity(sorted.map(\.sorted.count).max() ?? 0)
            while true {
                var smallest = Double.infinity
                var found = false
                for part in heads.indices where heads[part] < sorted[part].sorted.count {
                    let value = sorted[part].sorted[heads[part]]
                    if !found || value < smallest {
                        smallest = value
                        found = true
                    }
                }
                guard found else { break }
                let rank = Int32(values.count)
                values.append(smallest)
                for part in heads.indices where heads[part] < sorted[part].sorted.count {
                    if sorted[part].sorted[heads[part]] == smallest {
                        sortedRanks[part][heads[part]] = rank
                        heads[part] += 1
                    }
                }
            }
            ranks = sorted.indices.map { part in sorted[part].ranks.map { sortedRanks[part][Int($0)] } }
        }
    }

    /// A group's (x, T, t_x) ranks packed into one word, with its count: what `init(groups:)` sorts.
    struct KeyedCount {
        var key: UInt64
        var count: Double
    }

    /// Sorts by key, stably: a least-significant-digit radix sort over the low `bits` bits (the others
    /// must be zero), a few linear passes where a comparison sort of 770k groups spent half of the
    /// likelihood's set-up. Each pass counts and moves `parts` contiguous ranges on all cores (a part's
    /// items go, in order, after those of the parts before it in every bucket, so the sort stays
    /// stable); digits of at most 12 bits keep each part's counters in the L1/L2 cache.
    static func radixSort(_ items: inout [KeyedCount], bits: Int, parts: Int = 1) {
        let count = items.count
        guard count > 1, bits > 0 else { return }
        let parts = max(1, min(parts, count))
        let passes = (bits + 11) / 12
        let digitBits = (bits + passes - 1) / passes
        let buckets = 1 << digitBits
        let digitMask = UInt64(buckets - 1)
        var other = [KeyedCount](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        // Per pass: counters[part * buckets + bucket], then where that part's items of that bucket go.
        let counters = UnsafeMutablePointer<Int>.allocate(capacity: parts * buckets)
        defer { counters.deallocate() }
        nonisolated(unsafe) let offsets = counters
        for pass in 0..<passes {
            let shift = UInt64(pass * digitBits)
            items.withUnsafeBufferPointer { source in
                nonisolated(unsafe) let source = source
                concurrently(parts) { part in
                    let histogram = offsets + part * buckets
                    histogram.initialize(repeating: 0, count: buckets)
                    for item in source[slice(part, of: parts, count: count)] {
                        histogram[Int((item.key >> shift) & digitMask)] += 1
                    }
                }
            }
            // A digit that every key shares leaves the order as it is: skip the pass.
            var running = 0
            var shared = false
            for bucket in 0..<buckets {
                var inBucket = 0
                for part in 0..<parts {
                    let size = offsets[part * buckets + bucket]
                    offsets[part * buckets + bucket] = running
                    running += size
                    inBucket += size
                }
                if inBucket == count { shared = true }
            }
            if shared { continue }
            items.withUnsafeBufferPointer { source in
                other.withUnsafeMutableBufferPointer { target in
                    nonisolated(unsafe) let (source, target) = (source, target)
                    concurrently(parts) { part in
                        let next = offsets + part * buckets
                        for item in source[slice(part, of: parts, count: count)] {
                            let digit = Int((item.key >> shift) & digitMask)
                            target[next[digit]] = item
                            next[digit] += 1
                        }
                    }
                }
            }
            swap(&items, &other)
        }
    }
}
