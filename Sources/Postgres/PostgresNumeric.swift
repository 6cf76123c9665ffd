/// An exact decimal as PostgreSQL's `numeric` carries it: an unscaled integer and a decimal scale.
///
/// Money in the pipeline is integer cents; this type is the lossless bridge to `numeric(12,2)` in binary
/// COPY, so amounts never pass through binary floating point.
public struct PostgresNumeric: Hashable, Sendable, CustomStringConvertible {
    /// The value times 10^scale.
    public var unscaled: Int128
    /// Digits after the decimal point.
    public var scale: Int

    public init(unscaled: Int128, scale: Int) {
        self.unscaled = unscaled
        self.scale = scale
    }

    /// An amount in cents as a 2-decimal numeric.
    public init(cents: Int64) { self.init(unscaled: Int128(cents), scale: 2) }

    /// The value in cents, rounding half away from zero when the scale is finer.
    public var cents: Int64 {
        var value = unscaled
        if scale < 2 {
            for _ in scale..<2 { value *= 10 }
        } else if scale > 2 {
            var divisor: Int128 = 1
            for _ in 2..<scale { divisor *= 10 }
            let (quotient, remainder) = value.quotientAndRemainder(dividingBy: divisor)
            value = quotient + (abs(remainder) * 2 >= divisor ? (value < 0 ? -1 : 1) : 0)
        }
        return Int64(clamping: value)
    }

    public var description: String {
        let negative = unscaled < 0
        var digits = String(unscaled.magnitude)
        guard scale > 0 else { return (negative ? "-" : "") + digits }
        if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
        let split = digits.index(digits.endIndex, offsetBy: -scale)
        return (negative ? "-" : "") + digits[..<split] + "." + digits[split...]
    }

    static let positive: UInt16 = 0x0000
    static let negative: UInt16 = 0x4000

    /// Decodes the binary wire form: ndigits, weight, sign, dscale (int16 each), then base-10000 digits.
    public init(binary bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= 8 else { throw BinaryCopyError("numeric field too short (\(bytes.count) bytes)") }
        let digitCount = Int(bytes.loadBigEndian(Int16.self, at: 0))
        let weight = Int(bytes.loadBigEndian(Int16.self, at: 2))
        let sign = bytes.loadBigEndian(UInt16.self, at: 4)
        let displayScale = Int(bytes.loadBigEndian(Int16.self, at: 6))
        guard sign == Self.positive || sign == Self.negative else {
            throw BinaryCopyError("numeric NaN or infinity cannot be used as an amount")
        }
        guard digitCount >= 0, bytes.count == 8 + 2 * digitCount, displayScale >= 0 else {
            throw BinaryCopyError("malformed numeric field")
        }
        var accumulated: Int128 = 0
        for index in 0..<digitCount {
            let digit = bytes.loadBigEndian(Int16.self, at: 8 + 2 * index)
            guard (0..<10_000).contains(digit) else { throw BinaryCopyError("malformed numeric digit \(digit)") }
            let (product, overflow) = accumulated.multipliedReportingOverflow(by: 10_000)
            guard !overflow else { throw BinaryCopyError("numeric value too large") }
            accumulated = product + Int128(digit)
        }
        // accumulated × 10000^(weight − digitCount + 1) × 10^displayScale
        var exponent = 4 * (weight - digitCount + 1) + displayScale
        while exponent > 0 {
            let (product, overflow) = accumulated.multipliedReportingOverflow(by: 10)
            guard !overflow else { throw BinaryCopyError("numeric value too large") }
            accumulated = product
            exponent -= 1
        }
        while exponent < 0 {
            accumulated /= 10
            exponent += 1
        }
        unscaled = sign == Self.negative ? -accumulated : accumulated
        scale = displayScale
    }

    /// Appends the binary wire form (without the length prefix).
    func appendBinary(to buffer: inout [UInt8]) {
        let groupScale = (scale + 3) / 4
        var magnitude = unscaled.magnitude
        for _ in scale..<(groupScale * 4) { magnitude *= 10 }
        var groups: [Int16] = []  // least significant first
        while magnitude > 0 {
            groups.append(Int16(magnitude % 10_000))
            magnitude /= 10_000
        }
        // The least significant group stands for 10000^(−groupScale).
        var lowestPower = -groupScale
        while let first = groups.first, first == 0 {
            groups.removeFirst()
            lowestPower += 1
        }
        let weight = groups.isEmpty ? 0 : lowestPower + groups.count - 1
        buffer.appendBigEndian(Int16(groups.count))
        buffer.appendBigEndian(Int16(weight))
        buffer.appendBigEndian(unscaled < 0 ? Self.negative : Self.positive)
        buffer.appendBigEndian(Int16(scale))
        for group in groups.reversed() { buffer.appendBigEndian(group) }
    }

}

extension Array where Element == UInt8 {
    @inline(__always)
    mutating func appendBigEndian<T: FixedWidthInteger>(_ value: T) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}
