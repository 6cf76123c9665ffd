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
    init(
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

    /// Distinct values in ascending order, and for each original position its position in that order.
    ///
    /// The values of a likelihood are never negative (and −0 is numbered as +0), so their bit patterns
    /// sort as they do: a radix sort of the patterns, each carrying its position in the count field
    /// (exact below 2⁵³), replaces a comparison sort; any other input is compared.
    static func sortedWithRanks(_ values: [Double]) -> (sorted: [Double], ranks: [Int32]) {
        if values.allSatisfy({ $0.sign == .plus && !$0.isNaN }) {
            var keyed = values.enumerated().map { KeyedCount(key: $1.bitPattern, count: Double($0)) }
            let largest = keyed.reduce(UInt64(0)) { max($0, $1.key) }
            radixSort(&keyed, bits: UInt64.bitWidth - largest.leadingZeroBitCount)
            var ranks = [Int32](repeating: 0, count: values.count)
            for (rank, item) in keyed.enumerated() { ranks[Int(item.count)] = Int32(rank) }
            return (keyed.map { Double(bitPattern: $0.key) }, ranks)
        }
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

    /// The parameter-dependent terms of one frequency x: r + x, ln a − ln(b + x − 1), 1 / (b + x − 1).
    struct FrequencyTerms {
        var shape: Double
        var logOdds: Double
        var inverseB: Double
    }

    /// ln(α + v) and 1 / (α + v) for one time value v (an age T or a recency t_x).
    struct TimeTerms {
        var log: Double
        var inverse: Double
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
        // Each table's terms side by side, so a group's random access into one is one cache line, not two.
        let xTerms = frequencies.map { x in
            FrequencyTerms(shape: r + x, logOdds: x > 0 ? logA - log(b + x - 1) : 0, inverseB: x > 0 ? 1 / (b + x - 1) : 0)
        }
        let ageTerms = ages.map { TimeTerms(log: log(alpha + $0), inverse: 1 / (alpha + $0)) }
        let recencyTerms = recencies.map { TimeTerms(log: log(alpha + $0), inverse: 1 / (alpha + $0)) }

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
            total -= count * r * ageTerms[index].log
            gradR -= count * ageTerms[index].log
            gradAlpha -= count * r * ageTerms[index].inverse
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
                                let xTerm = xTerms[xi]
                                let ageTerm = ageTerms[ageSlot]
                                let recencyTerm = recencyTerms[recencySlot]
                                let k = xTerm.shape
                                let logT = ageTerm.log
                                let spread = logT - recencyTerm.log
                                let d = xTerm.logOdds + k * spread  // A₂ − A₁
                                let e = exp(-abs(d))
                                // log(1 + e) rather than log1p: e ≤ 1, so the absolute error is the same
                                // (what a sum of log-likelihoods needs), at about half the cost.
                                let softplus = max(d, 0) + log(1 + e)
                                // Posterior weight of A₂, "dropped out right after the last purchase".
                                let dropped = (d >= 0 ? 1 : e) / (1 + e)
                                sums.logLikelihood += n * (softplus - k * logT)
                                sums.r += n * (dropped * spread - logT)
                                let inverseT = ageTerm.inverse
                                sums.alpha += n * k * (inverseT + dropped * (recencyTerm.inverse - inverseT))
                                sums.droppedWeight += n * dropped
                                sums.droppedWeightOverB += n * dropped * xTerm.inverseB
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
