/// A coupon code: 80 random bits written as 16 Crockford base32 symbols plus one Crockford check symbol.
///
/// Why this shape: 80 bits make codes unguessable (SPEC asks for ≥ 64 bits) and collisions negligible
/// (≈ n²/2⁸¹: about 4·10⁻⁹ after 10⁸ codes; the database's primary key still enforces uniqueness).
/// Crockford's alphabet drops I, L, O and U, so codes read aloud or typed from a receipt survive the
/// usual confusions, and the mod-37 check symbol catches every single-symbol typo and every swap of two
/// adjacent symbols before the code reaches the database.
///
/// Canonical form (what is stored in `coupons.code` and compared): the dashed display form
/// `XXXX-XXXX-XXXX-XXXX-C`, uppercase, 21 characters — chosen so the text a member sees, a cashier types
/// and support searches for is byte-for-byte the stored key. Anything a human types goes through
/// ``init(parsing:)`` first, which accepts the compact form, lowercase, spaces and look-alike letters.
public struct CouponCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Bits 64–79 of the 80-bit value.
    public let high: UInt16
    /// Bits 0–63 of the 80-bit value.
    public let low: UInt64

    /// Number of data symbols (16 × 5 bits = 80 bits).
    public static let dataSymbolCount = 16
    /// Crockford base32 data alphabet (value = index).
    static let dataAlphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    /// Check alphabet: the data alphabet plus `*~$=U` for check values 32–36.
    static let checkAlphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U".utf8)

    /// The code for an explicit 80-bit value (`high` holds the top 16 bits).
    public init(high: UInt16, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A fresh code from `generator`: 64 bits from one draw, 16 from a second.
    ///
    /// Production passes `SystemRandomNumberGenerator`, which on Linux reads the kernel CSPRNG through
    /// `getrandom(2)` (and `arc4random` on Apple platforms), so codes cannot be predicted from earlier ones.
    /// Tests pass a seeded generator for reproducibility — never do that in production.
    public static func random(using generator: inout some RandomNumberGenerator) -> CouponCode {
        let low = generator.next()
        let high = UInt16(truncatingIfNeeded: generator.next())
        return CouponCode(high: high, low: low)
    }

    /// A fresh code from the system CSPRNG.
    public static func random() -> CouponCode {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// Symbol values 0–31, most significant first.
    public var symbolValues: [Int] {
        (0..<Self.dataSymbolCount).map { symbolValue(at: $0) }
    }

    /// The value 0–36 of the check symbol: the 80-bit number mod 37.
    public var checkValue: Int {
        var remainder = 0
        for index in 0..<Self.dataSymbolCount {
            remainder = (remainder * 32 + symbolValue(at: index)) % 37
        }
        return remainder
    }

    /// Canonical and display form `XXXX-XXXX-XXXX-XXXX-C`.
    public var canonical: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(21)
        for index in 0..<Self.dataSymbolCount {
            if index > 0, index % 4 == 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(Self.dataAlphabet[symbolValue(at: index)])
        }
        bytes.append(UInt8(ascii: "-"))
        bytes.append(Self.checkAlphabet[checkValue])
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The 17 symbols without dashes, for places where a dash is awkward (URLs, barcodes).
    public var compact: String {
        var bytes = (0..<Self.dataSymbolCount).map { Self.dataAlphabet[symbolValue(at: $0)] }
        bytes.append(Self.checkAlphabet[checkValue])
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The canonical form.
    public var description: String { canonical }

    public static func < (lhs: CouponCode, rhs: CouponCode) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// The 5-bit value of data symbol `index` (0 = most significant).
    @inline(__always)
    func symbolValue(at index: Int) -> Int {
        let shift = 5 * (Self.dataSymbolCount - 1 - index)
        let bits: UInt64
        if shift >= 64 {
            bits = UInt64(high) >> UInt64(shift - 64)
        } else if shift + 5 <= 64 {
            bits = low >> UInt64(shift)
        } else {
            bits = (low >> UInt64(shift)) | (UInt64(high) << UInt64(64 - shift))
        }
        return Int(bits & 31)
    }

    /// Rebuilds the 80-bit value from 16 symbol values (most significant first), each 0–31.
    init(symbolValues values: [Int]) {
        var high: UInt16 = 0
        var low: UInt64 = 0
        for value in values {
            // Shift the 80-bit (high, low) pair left by 5 and add the new symbol.
            high = UInt16(truncatingIfNeeded: (UInt64(high) << 5) | (low >> 59))
            low = (low << 5) | UInt64(value & 31)
        }
        self.init(high: high, low: low)
    }
}
