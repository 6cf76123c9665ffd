/// One customer's purchase history reduced to what the BG/NBD model uses, in any one time unit.
///
/// Following Fader, Hardie & Lee: `frequency` x counts repeat purchases (the first purchase is not
/// counted), `recency` t_x is the time from the first to the last purchase, `age` T is the time from the
/// first purchase to the end of observation. So x = 0 goes with t_x = 0, and x > 0 with 0 < t_x ≤ T.
public struct CustomerSummary: Hashable, Sendable {
    /// x: the number of repeat purchases (a whole number).
    public var frequency: Double
    /// t_x: time of the last purchase, measured from the first purchase.
    public var recency: Double
    /// T: time from the first purchase to the end of the observation period.
    public var age: Double

    public init(frequency: Double, recency: Double, age: Double) {
        self.frequency = frequency
        self.recency = recency
        self.age = age
    }

    /// Which field is wrong and why, or nil for a valid triple; shared by `validate` and the CSV reader.
    public var problem: Problem? {
        if !frequency.isFinite || frequency < 0 || !Self.isWhole(frequency) {
            let what = frequency < 0 ? "is negative" : "is not a whole number"
            return Problem(
                field: .frequency, reason: "frequency \(frequency) \(what)",
                fix: "give the count of repeat purchases, those after the first one (0, 1, 2, …)")
        }
        if !recency.isFinite || recency < 0 {
            return Problem(
                field: .recency, reason: "recency \(recency) is not a finite time ≥ 0",
                fix: "give the time from first to last purchase")
        }
        if !age.isFinite || age < 0 {
            return Problem(
                field: .age, reason: "age T \(age) is not a finite time ≥ 0",
                fix: "give the time from first purchase to the end of observation")
        }
        if recency > age {
            return Problem(
                field: .recency, reason: "recency \(recency) is later than age T \(age)",
                fix: "the last purchase must fall within the observation period: recency ≤ T in the same time unit")
        }
        if frequency == 0 && recency != 0 {
            return Problem(
                field: .recency, reason: "recency is \(recency) with no repeat purchase",
                fix: "with frequency 0 the first purchase is the last one, so recency must be 0")
        }
        if frequency > 0 && recency == 0 {
            return Problem(
                field: .recency, reason: "recency is 0 with \(frequency) repeat purchase(s)",
                fix:
                    "repeat purchases happen after the first one, so recency must be > 0 "
                    + "(count same-day purchases once)"
            )
        }
        return nil
    }

    /// Whether a finite value is a whole number, as `value == value.rounded()` but without a call into
    /// libm (every group of a fit is validated): below 2⁵² truncating to an integer gives a whole
    /// number back unchanged; from 2⁵² on, every double is whole.
    static func isWhole(_ value: Double) -> Bool {
        abs(value) >= 0x1p52 || Double(Int64(value)) == value
    }

    /// The field a validation problem refers to.
    public enum Field: String, Sendable, Equatable {
        case frequency, recency, age
    }

    /// What is wrong with a summary: the field to blame, what is wrong, and how to fix it.
    public struct Problem: Sendable, Equatable {
        public var field: Field
        public var reason: String
        public var fix: String
    }

    /// Throws unless this is a valid triple (see the type's documentation).
    /// - Parameter index: the summary's position in its input, reported in the error.
    public func validate(index: Int? = nil) throws(BGNBDError) {
        if let problem {
            throw BGNBDError(kind: .invalidSummary, reason: problem.reason, fix: problem.fix, index: index)
        }
    }

    /// Collapses identical triples into one summary with a count, in order of first appearance.
    ///
    /// Integer-day data from a million members typically has a few hundred thousand distinct triples,
    /// and the likelihood only needs each once with its multiplicity.
    public static func grouped(_ summaries: some Sequence<CustomerSummary>) -> [WeightedCustomerSummary] {
        var positions: [CustomerSummary: Int] = [:]
        var groups: [WeightedCustomerSummary] = []
        positions.reserveCapacity(summaries.underestimatedCount)
        for summary in summaries {
            if let position = positions[summary] {
                groups[position].count += 1
            } else {
                positions[summary] = groups.count
                groups.append(WeightedCustomerSummary(summary: summary, count: 1))
            }
        }
        return groups
    }
}

/// A customer summary standing for `count` customers with that exact triple.
public struct WeightedCustomerSummary: Hashable, Sendable {
    public var summary: CustomerSummary
    /// How many customers share the triple (≥ 1 to count).
    public var count: Int

    public init(summary: CustomerSummary, count: Int) {
        self.summary = summary
        self.count = count
    }
}
