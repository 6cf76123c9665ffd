import Dispatch
import Foundation
import Synchronization

/// The BG/NBD log-likelihood of a customer base and its gradient, laid out for repeated evaluation.
///
/// Per customer (Fader, Hardie & Lee 2005, eq. 6, in log space):
/// LL = lnΓ(r+x) − lnΓ(r) + r ln α + lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x)
///      + ln(e^A₁ + δ₍ₓ>₀₎ e^A₂),
/// A₁ = −(r+x) ln(α+T), A₂ = ln a − ln(b+x−1) − (r+x) ln(α+t_x), the last term by log-sum-exp.
///
/// An optimiser evaluates this dozens of times, so everything that does not depend on the parameters
/// is arranged once: the gamma-function part depends on x alone and is summed per distinct x; customers
/// with x = 0 contribute −r ln(α+T) and are summed per distinct T; ln(α+T) and ln(α+t_x) are computed
/// once per distinct value. What remains per distinct (x, t_x, T) with x > 0 is one `exp` and one `log`,
/// split over the cores in fixed-size chunks. Groups and tables are kept sorted, so the result does not
/// depend on the order of the input (nor on the number of cores), down to the last bit.
///
/// - Note: Evaluation blocks the calling thread while `DispatchQueue.concurrentPerform` runs the chunks.
public struct BGNBDLikelihood: Sendable {
    /// Number of customers (sum of the group counts).
    public let customerCount: Int
    /// Number of distinct (x, t_x, T) triples with x > 0, the size of the inner loop.
    public let repeatGroupCount: Int

    let frequencies: [Double]
    let frequencyCounts: [Double]
    let ages: [Double]
    let zeroFrequencyCountsByAge: [Double]
    let recencies: [Double]
    let groupFrequency: [Int32]
    let groupAge: [Int32]
    let groupRecency: [Int32]
    let groupCount: [Double]
    /// Whether chunks run concurrently (switched off only to measure what the threads buy).
    var runsConcurrently = true

    /// Groups per parallel work item; fixed, so the summation order (and the last bits of the result)
    /// does not depend on how many cores the machine has.
    static let chunkSize = 32_768

    /// Groups identical triples, then arranges them as for `init(groups:)`.
    public init(summaries: some Sequence<CustomerSummary>) throws(BGNBDError) {
        let all = Array(summaries)  // may be a single-pass sequence; an array is not copied
        for (index, summary) in all.enumerated() {
            try summary.validate(index: index)
        }
        try self.init(groups: CustomerSummary.grouped(all))
    }

    /// Validates the groups and precomputes the parameter-free parts of the likelihood. A triple may
    /// appear in several groups; their counts are added.
    /// - Throws: `BGNBDError` for an invalid triple or count, no customers, or no repeat buyer at all
    ///   (then the dropout process is not identified).
    public init(groups: [WeightedCustomerSummary]) throws(BGNBDError) {
        var frequencyIndex = BGNBDValueNumbering()
        var ageIndex = BGNBDValueNumbering()
        var recencyIndex = BGNBDValueNumbering()
        var frequencyCounts: [Double] = []
        var zeroCounts: [Double] = []
        var groupFrequency: [Int32] = []
        var groupAge: [Int32] = []
        var groupRecency: [Int32] = []
        var groupCount: [Double] = []
        groupFrequency.reserveCapacity(groups.count)
        groupAge.reserveCapacity(groups.count)
        groupRecency.reserveCapacity(groups.count)
        groupCount.reserveCapacity(groups.count)
        var customers = 0
        var repeatCustomers = 0

        for (position, group) in groups.enumerated() {
            try group.summary.validate(index: position)
            guard group.count >= 0 else {
                throw BGNBDError(
                    kind: .invalidSummary, reason: "the group count is \(group.count)",
                    fix: "give how many customers share the triple (0 or more)", index: position)
            }
            if group.count == 0 { continue }
            let (sum, overflow) = customers.addingReportingOverflow(group.count)
            guard !overflow else {
                throw BGNBDError(
                    kind: .invalidSummary, reason: "the group counts add up to more than \(Int.max) customers",
                    fix: "check the counts", index: position)
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
        guard customers > 0 else {
            throw BGNBDError(
                kind: .emptyInput, reason: "there are no customer summaries to fit",
                fix: "check that the input has rows (and that their counts are positive)")
        }
        guard repeatCustomers > 0 else {
            throw BGNBDError(
                kind: .insufficientData,
                reason:
                    "none of the \(customers) customers made a repeat purchase, so purchase rates and dropout "
                    + "cannot be told apart",
                fix: "fit on a longer history or a larger base that includes repeat buyers")
        }
        // Put everything in sorted order, so every sum (and so the fit, to the last bit) depends only on
        // which triples occur how often, not on the order they came in: a Dictionary's order changes
        // from run to run, and a rerun must reproduce its scores.
        let frequencies = frequencyIndex.values
        let ages = ageIndex.values
        let recencies = recencyIndex.values
        let frequencyOrder = Self.sortedWithRanks(frequencies)
        let ageOrder = Self.sortedWithRanks(ages)
        let recencyOrder = Self.sortedWithRanks(recencies)
        var sortedFrequencyCounts = frequencyCounts
        for (old, new) in frequencyOrder.ranks.enumerated() { sortedFrequencyCounts[Int(new)] = frequencyCounts[old] }
        var sortedZeroCounts = zeroCounts
        for (old, new) in ageOrder.ranks.enumerated() { sortedZeroCounts[Int(new)] = zeroCounts[old] }
        // Sort the groups by their (x, T, t_x) ranks packed into one word (fast), or compared as a
        // tuple when the three tables are too large to pack (continuous times for millions of customers).
        let widths = [frequencies.count, ages.count, recencies.count].map {
            UInt64(Int.bitWidth - $0.leadingZeroBitCount)
        }
        var keyed: [KeyedCount] = []
        keyed.reserveCapacity(groupCount.count)
        let keyBits = Int(widths.reduce(0, +))
        if keyBits <= 64 {
            for index in groupCount.indices {
                let key =
                    UInt64(frequencyOrder.ranks[Int(groupFrequency[index])]) << (widths[1] + widths[2])
                    | UInt64(ageOrder.ranks[Int(groupAge[index])]) << widths[2]
                    | UInt64(recencyOrder.ranks[Int(groupRecency[index])])
                keyed.append(KeyedCount(key: key, count: groupCount[index]))
            }
            Self.radixSort(&keyed, bits: keyBits)
        }
        var mergedFrequency: [Int32] = []
        var mergedAge: [Int32] = []
        var mergedRecency: [Int32] = []
        var mergedCount: [Double] = []
        mergedFrequency.reserveCapacity(groupCount.count)
        mergedAge.reserveCapacity(groupCount.count)
        mergedRecency.reserveCapacity(groupCount.count)
        mergedCount.reserveCapacity(groupCount.count)
        func append(_ x: Int32, _ t: Int32, _ tx: Int32, _ count: Double) {
            if let last = mergedCount.indices.last, mergedFrequency[last] == x, mergedAge[last] == t,
                mergedRecency[last] == tx
            {
                mergedCount[last] += count  // the same triple given twice: whole numbers, so exact
            } else {
                mergedFrequency.append(x)
                mergedAge.append(t)
                mergedRecency.append(tx)
                mergedCount.append(count)
            }
        }
        if keyed.count == groupCount.count {
            let recencyMask: UInt64 = (1 << widths[2]) - 1
            let ageMask: UInt64 = (1 << widths[1]) - 1
            var previous: UInt64?
            for item in keyed {
                let key = item.key
                if key == previous {
                    mergedCount[mergedCount.count - 1] += item.count  // the same triple twice: whole numbers, so exact
                    continue
                }
                previous = key
                mergedFrequency.append(Int32(truncatingIfNeeded: key >> (widths[1] + widths[2])))
                mergedAge.append(Int32(truncatingIfNeeded: (key >> widths[2]) & ageMask))
                mergedRecency.append(Int32(truncatingIfNeeded: key & recencyMask))
                mergedCount.append(item.count)
            }
        } else {
            let x = groupFrequency.map { frequencyOrder.ranks[Int($0)] }
            let t = groupAge.map { ageOrder.ranks[Int($0)] }
            let tx = groupRecency.map { recencyOrder.ranks[Int($0)] }
            for index in x.indices.sorted(by: { (x[$0], t[$0], tx[$0]) < (x[$1], t[$1], tx[$1]) }) {
                append(x[index], t[index], tx[index], groupCount[index])
            }
        }
        self.init(
            customerCount: customers, frequencies: frequencyOrder.sorted, frequencyCounts: sortedFrequencyCounts,
            ages: ageOrder.sorted, zeroFrequencyCountsByAge: sortedZeroCounts, recencies: recencyOrder.sorted,
            groupFrequency: mergedFrequency, groupAge: mergedAge, groupRecency: mergedRecency, groupCount: mergedCount)
    }

    /// Every k-th repeat group (in the sorted order), its counts scaled so the sample's repeat buyers
    /// weigh what all of them do; the x = 0 customers stay as they are. A systematic sample of about
    /// `target` groups, whose likelihood per customer is close to the whole one's: `BGNBDFit` fits it
    /// first and starts the full search at its maximum. Nil when there are not many more groups than that.
    func sample(about target: Int) -> BGNBDLikelihood? {
        let step = repeatGroupCount / max(target, 1)
        guard step >= 4 else { return nil }
        var sampledFrequency: [Int32] = []
        var sampledAge: [Int32] = []
        var sampledRecency: [Int32] = []
        var sampledCount: [Double] = []
        var allRepeat = 0.0
        for count in groupCount { allRepeat += count }
        var sampledRepeat = 0.0
        for index in stride(from: step / 2, to: repeatGroupCount, by: step) {
            sampledFrequency.append(groupFrequency[index])
            sampledAge.append(groupAge[index])
            sampledRecency.append(groupRecency[index])
            sampledCount.append(groupCount[index])
            sampledRepeat += groupCount[index]
        }
        let scale = allRepeat / sampledRepeat
        var counts = [Double](repeating: 0, count: frequencies.count)
        for (slot, count) in zip(frequencies.indices, frequencyCounts) where frequencies[slot] == 0 { counts[slot] = count }
        for index in sampledCount.indices {
            sampledCount[index] *= scale
            counts[Int(sampledFrequency[index])] += sampledCount[index]
        }
        return BGNBDLikelihood(
            customerCount: customerCount, frequencies: frequencies, frequencyCounts: counts, ages: ages,
            zeroFrequencyCountsByAge: zeroFrequencyCountsByAge, recencies: recencies, groupFrequency: sampledFrequency,
            groupAge: sampledAge, groupRecency: sampledRecency, groupCount: sampledCount)
    }

    /// The parts as given, already sorted (`init(groups:)` and `sample(about:)` build them).
    private init(
        customerCount: Int, frequencies: [Double], frequencyCounts: [Double], ages: [Double],
        zeroFrequencyCountsByAge: [Double], recencies: [Double], groupFrequency: [Int32], groupAge: [Int32],
        groupRecency: [Int32], groupCount: [Double]
    ) {
        self.customerCount = customerCount
        self.repeatGroupCount = groupCount.count
        self.frequencies = frequencies
        self.frequencyCounts = frequencyCounts
        self.ages = ages
        self.zeroFrequencyCountsByAge = zeroFrequencyCountsByAge
        self.recencies = recencies
        self.groupFrequency = groupFrequency
        self.groupAge = groupAge
        self.groupRecency = groupRecency
        self.groupCount = groupCount
    }

    /// A group's (x, T, t_x) ranks packed into one word, with its count: what `init(groups:)` sorts.
    struct KeyedCount {
        var key: UInt64
        var count: Double
    }

    /// Sorts by key, stably: a least-significant-digit radix sort over the low `bits` bits (the others
    /// must be zero), a few linear passes where a comparison sort of 770k groups spent half of the
    /// likelihood's set-up. Digits of at most 12 bits keep each pass's counters in the L1/L2 cache.
    static func radixSort(_ items: inout [KeyedCount], bits: Int) {
        let count = items.count
        guard count > 1, bits > 0 else { return }
        let passes = (bits + 11) / 12
        let digitBits = (bits + passes - 1) / passes
        let buckets = 1 << digitBits
        let digitMask = UInt64(buckets - 1)
        // All passes' histograms in one read of the keys.
        var histograms = [Int](repeating: 0, count: passes * buckets)
        histograms.withUnsafeMutableBufferPointer { histogram in
            items.withUnsafeBufferPointer { source in
                for item in source {
                    var key = item.key
                    for pass in 0..<passes {
                        histogram[pass * buckets + Int(key & digitMask)] += 1
                        key >>= UInt64(digitBits)
                    }
                }
            }
        }
        var other = [KeyedCount](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
        for pass in 0..<passes {
            let shift = UInt64(pass * digitBits)
            histograms.withUnsafeMutableBufferPointer { histogram in
                let offsets = UnsafeMutableBufferPointer(rebasing: histogram[(pass * buckets)..<((pass + 1) * buckets)])
                // A digit that every key shares leaves the order as it is: skip the pass.
                if offsets.contains(count) { return }
                var running = 0
                for bucket in 0..<buckets {
                    let size = offsets[bucket]
                    offsets[bucket] = running
                    running += size
                }
                items.withUnsafeBufferPointer { source in
                    other.withUnsafeMutableBufferPointer { target in
                        for item in source {
                            let digit = Int((item.key >> shift) & digitMask)
                            target[offsets[digit]] = item
                            offsets[digit] += 1
                        }
                    }
                }
                swap(&items, &other)
            }
        }
    }

    /// Distinct values in ascending order, and for each original position its position in that order.
    static func sortedWithRanks(_ values: [Double]) -> (sorted: [Double], ranks: [Int32]) {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Int32](repeating: 0, count: values.count)
        for (rank, original) in order.enumerated() { ranks[original] = Int32(rank) }
        return (order.map { values[$0] }, ranks)
    }

    /// The total log-likelihood Σ count × LL at `parameters` (NaN outside the parameter domain).
    public func logLikelihood(_ parameters: BGNBDParameters) -> Double {
        evaluate(parameters).logLikelihood
    }

    /// The total log-likelihood and its gradient with respect to (r, α, a, b), returned in the fields of
    /// a `BGNBDParameters` value.
    public func logLikelihoodAndGradient(_ parameters: BGNBDParameters) -> (
        logLikelihood: Double, gradient: BGNBDParameters
    ) {
        let value = evaluate(parameters)
        return (value.logLikelihood, value.gradient)
    }

    /// Sums of one chunk of repeat groups: the likelihood and the pieces of its gradient.
    struct Partial: Sendable {
        var logLikelihood = 0.0
        var r = 0.0
        var alpha = 0.0
        var droppedWeight = 0.0
        var droppedWeightOverB = 0.0

        static func + (lhs: Partial, rhs: Partial) -> Partial {
            Partial(
                logLikelihood: lhs.logLikelihood + rhs.logLikelihood, r: lhs.r + rhs.r, alpha: lhs.alpha + rhs.alpha,
                droppedWeight: lhs.droppedWeight + rhs.droppedWeight,
                droppedWeightOverB: lhs.droppedWeightOverB + rhs.droppedWeightOverB)
        }
    }

    func evaluate(_ p: BGNBDParameters) -> (logLikelihood: Double, gradient: BGNBDParameters) {
        let nan = BGNBDParameters(r: .nan, alpha: .nan, a: .nan, b: .nan)
        guard (try? p.validate()) != nil else { return (.nan, nan) }
        let (r, alpha, a, b) = (p.r, p.alpha, p.a, p.b)
        let logAlpha = log(alpha)
        let logA = log(a)

        // Parameter-dependent tables over distinct values (small: a few thousand entries at most for day data).
        let shape = frequencies.map { r + $0 }
        let logOdds = frequencies.map { $0 > 0 ? logA - log(b + $0 - 1) : 0 }
        let inverseB = frequencies.map { $0 > 0 ? 1 / (b + $0 - 1) : 0 }
        let logAge = ages.map { log(alpha + $0) }
        let inverseAge = ages.map { 1 / (alpha + $0) }
        let logRecency = recencies.map { log(alpha + $0) }
        let inverseRecency = recencies.map { 1 / (alpha + $0) }

        var total = 0.0
        var gradR = 0.0
        var gradAlpha = 0.0
        var gradA = 0.0
        var gradB = 0.0

        // The part that depends on x only.
        let digammaR = BGNBDMath.digamma(r)
        let digammaB = BGNBDMath.digamma(b)
        let digammaAB = BGNBDMath.digamma(a + b)
        let logGammaR = BGNBDMath.logGamma(r)
        let logGammaB = BGNBDMath.logGamma(b)
        let logGammaAB = BGNBDMath.logGamma(a + b)
        for (x, count) in zip(frequencies, frequencyCounts) where count > 0 {
            total += count * r * logAlpha
            gradR += count * logAlpha
            gradAlpha += count * r / alpha
            guard x > 0 else { continue }
            total +=
                count
                * (BGNBDMath.logGamma(r + x) - logGammaR + logGammaAB + BGNBDMath.logGamma(b + x) - logGammaB
                    - BGNBDMath.logGamma(a + b + x))
            let digammaABX = BGNBDMath.digamma(a + b + x)
            gradR += count * (BGNBDMath.digamma(r + x) - digammaR)
            gradA += count * (digammaAB - digammaABX)
            gradB += count * (digammaAB + BGNBDMath.digamma(b + x) - digammaB - digammaABX)
        }

        // Customers without repeat purchases: A₁ = −r ln(α+T) only.
        for (index, count) in zeroFrequencyCountsByAge.enumerated() where count > 0 {
            total -= count * r * logAge[index]
            gradR -= count * logAge[index]
            gradAlpha -= count * r * inverseAge[index]
        }

        // Repeat buyers: ln(e^A₁ + e^A₂) = A₁ + softplus(A₂ − A₁), by chunks on all cores.
        let chunks = (repeatGroupCount + Self.chunkSize - 1) / Self.chunkSize
        let partial: Partial
        let kernel: @Sendable (Int) -> Partial = { chunk in
            let start = chunk * Self.chunkSize
            let end = min(start + Self.chunkSize, repeatGroupCount)
            var sums = Partial()
            groupFrequency.withUnsafeBufferPointer { gx in
                groupAge.withUnsafeBufferPointer { gT in
                    groupRecency.withUnsafeBufferPointer { gt in
                        groupCount.withUnsafeBufferPointer { gn in
                            for i in start..<end {
                                let n = gn[i]
                                let xi = Int(gx[i])
                                let ageSlot = Int(gT[i])
                                let recencySlot = Int(gt[i])
                                let k = shape[xi]
                                let logT = logAge[ageSlot]
                                let spread = logT - logRecency[recencySlot]
                                let d = logOdds[xi] + k * spread  // A₂ − A₁
                                let e = exp(-abs(d))
                                // log(1 + e) rather than log1p: e ≤ 1, so the absolute error is the same
                                // (what a sum of log-likelihoods needs), at about half the cost.
                                let softplus = max(d, 0) + log(1 + e)
                                // Posterior weight of A₂, "dropped out right after the last purchase".
                                let dropped = (d >= 0 ? 1 : e) / (1 + e)
                                sums.logLikelihood += n * (softplus - k * logT)
                                sums.r += n * (dropped * spread - logT)
                                let inverseT = inverseAge[ageSlot]
                                sums.alpha += n * k * (inverseT + dropped * (inverseRecency[recencySlot] - inverseT))
                                sums.droppedWeight += n * dropped
                                sums.droppedWeightOverB += n * dropped * inverseB[xi]
                            }
                        }
                    }
                }
            }
            return sums
        }
        if chunks <= 1 || !runsConcurrently {
            partial = (0..<chunks).reduce(Partial()) { $0 + kernel($1) }
        } else {
            let results = Mutex([Partial](repeating: Partial(), count: chunks))
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let sums = kernel(chunk)
                results.withLock { $0[chunk] = sums }
            }
            partial = results.withLock { $0.reduce(Partial(), +) }
        }
        total += partial.logLikelihood
        gradR += partial.r
        gradAlpha -= partial.alpha
        gradA += partial.droppedWeight / a
        gradB -= partial.droppedWeightOverB
        return (total, BGNBDParameters(r: gradR, alpha: gradAlpha, a: gradA, b: gradB))
    }
}
