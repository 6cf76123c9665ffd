import Foundation

/// Locale-independent number formatting shared by the three outputs.
///
/// Written by hand instead of with `NumberFormatter` so the output is byte-identical on every
/// machine and locale; every function maps nil and non-finite values to nil, which the callers
/// turn into "n/a" (or an empty CSV field) so NaN and inf can never leak into a report.
enum ReportNumber {
    /// What a missing estimate looks like in HTML and Markdown.
    static let notAvailable = "n/a"

    /// Plain fixed-point text ("-1234.50"), no grouping; nil for nil/NaN/inf. Never prints "-0.00".
    static func fixed(_ value: Double?, _ decimals: Int) -> String? {
        guard let value, value.isFinite else { return nil }
        let text = String(format: "%.\(decimals)f", value)
        if text.hasPrefix("-"), !text.contains(where: { $0 >= "1" && $0 <= "9" }) {
            return String(text.dropFirst())
        }
        return text
    }

    /// Fixed-point text with thousands separators ("-1,234.50"), for people rather than machines.
    static func grouped(_ value: Double?, _ decimals: Int) -> String? {
        guard let text = fixed(value, decimals) else { return nil }
        let negative = text.hasPrefix("-")
        let unsigned = negative ? String(text.dropFirst()) : text
        let parts = unsigned.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integer = group(String(parts.first ?? ""))
        let fraction = parts.count > 1 ? "." + parts[1] : ""
        return (negative ? "-" : "") + integer + fraction
    }

    /// A whole count with thousands separators.
    static func count(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        return (value < 0 ? "-" : "") + group(digits)
    }

    /// A whole count with thousands separators.
    static func count(_ value: Int) -> String { count(Int64(value)) }

    /// Yuan for display: "¥1,234.56", "-¥80.00" or "n/a".
    static func yuan(_ value: Double?, decimals: Int = 2) -> String {
        guard let text = grouped(value, decimals) else { return notAvailable }
        return text.hasPrefix("-") ? "-¥" + text.dropFirst() : "¥" + text
    }

    /// A rate as a percentage: 0.0523 → "5.23%".
    static func percent(_ rate: Double?, decimals: Int = 2) -> String {
        guard let value = rate.map({ $0 * 100 }), let text = fixed(value, decimals) else { return notAvailable }
        return text + "%"
    }

    /// A difference of rates in percentage points with its sign: 0.012 → "+1.20 pp".
    static func points(_ difference: Double?, decimals: Int = 2) -> String {
        guard let value = difference.map({ $0 * 100 }), let text = fixed(value, decimals) else { return notAvailable }
        return (text.hasPrefix("-") || isZero(text) ? "" : "+") + text + " pp"
    }

    /// A plain ratio such as return per coupon yuan: "3.21" or "n/a".
    static func ratio(_ value: Double?, decimals: Int = 2) -> String {
        grouped(value, decimals) ?? notAvailable
    }

    /// "low to high", or a single "n/a" when neither bound is estimable.
    static func interval(_ low: Double?, _ high: Double?, _ format: (Double?) -> String) -> String {
        guard ReportFacts.finite(low) != nil || ReportFacts.finite(high) != nil else { return notAvailable }
        return format(low) + " to " + format(high)
    }

    /// The confidence level as people say it: 0.95 → "95%", 0.975 → "97.5%".
    static func confidenceLabel(_ confidence: Double) -> String {
        guard var text = fixed(confidence * 100, 2) else { return notAvailable }
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text + "%"
    }

    /// The rounding step an interval supports: two significant digits of its half-width (±46,303 → 1,000,
    /// ±380 → 10), never finer than a fen; nil without a usable interval, so the caller keeps the fen.
    static func roundingStep(low: Double?, high: Double?) -> Double? {
        guard let low = ReportFacts.finite(low), let high = ReportFacts.finite(high), high > low else { return nil }
        let halfWidth = (high - low) / 2
        return max(0.01, pow(10, (log10(halfWidth)).rounded(.down) - 1))
    }

    /// Yuan rounded to `step` (see ``roundingStep(low:high:)``), to the fen without one: "¥261,000".
    static func yuan(_ value: Double?, step: Double?) -> String {
        guard let step, let value = ReportFacts.finite(value) else { return yuan(value) }
        let decimals = step >= 1 ? 0 : step >= 0.1 ? 1 : 2
        return yuan((value / step).rounded() * step, decimals: decimals)
    }

    /// A short axis label: "¥250k", "-¥1.2M", "¥800".
    static func compactYuan(_ value: Double) -> String {
        let magnitude = abs(value)
        let sign = value < 0 ? "-" : ""
        func trimmed(_ x: Double) -> String {
            var text = fixed(x, 1) ?? "0"
            if text.hasSuffix(".0") { text.removeLast(2) }
            return text
        }
        if magnitude >= 1_000_000 { return sign + "¥" + trimmed(magnitude / 1_000_000) + "M" }
        if magnitude >= 1_000 { return sign + "¥" + trimmed(magnitude / 1_000) + "k" }
        return sign + "¥" + (fixed(magnitude, magnitude >= 10 || magnitude == 0 ? 0 : 1) ?? "0")
    }

    /// True when fixed-point text has no non-zero digit.
    private static func isZero(_ text: String) -> Bool {
        !text.contains(where: { $0 >= "1" && $0 <= "9" })
    }

    /// Inserts a comma every three digits from the right.
    private static func group(_ digits: String) -> String {
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
