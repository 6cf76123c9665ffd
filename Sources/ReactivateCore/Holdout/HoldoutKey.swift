/// The 128-bit SipHash key behind every holdout decision.
///
/// The key, not the code, is what makes arms unpredictable and stable: the same key gives the same arms on
/// every run, machine and backfill; a different key reshuffles every member of every campaign. Never change
/// it while a campaign still has waves to issue or attribute.
///
/// Written as 32 hex digits, the 16 key bytes in order (bytes 0–7 form `k0`, bytes 8–15 form `k1`, each
/// little-endian, as in the SipHash reference code), so `000102…0e0f` is the paper's test key.
public struct HoldoutKey: Sendable, Hashable, CustomStringConvertible {
    /// Key bytes 0–7, little-endian.
    public let k0: UInt64
    /// Key bytes 8–15, little-endian.
    public let k1: UInt64

    public init(k0: UInt64, k1: UInt64) {
        self.k0 = k0
        self.k1 = k1
    }

    /// Why a key string was rejected.
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// A character that is not a hex digit, at a 1-based position in the input.
        case invalidCharacter(Character, position: Int)
        /// Only hex digits, but not 32 of them.
        case wrongLength(found: Int)

        public var description: String {
            switch self {
            case .invalidCharacter(let character, let position):
                return "holdout key: invalid character \(String(reflecting: String(character))) at position "
                    + "\(position); expected 32 hexadecimal digits (0-9, a-f), no prefix or separators"
            case .wrongLength(let found):
                return "holdout key: expected 32 hexadecimal digits (128 bits), got \(found)"
            }
        }
    }

    /// Parses exactly 32 hex digits (either case), with no `0x` prefix, spaces or dashes.
    public init(hex: String) throws(ParseError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16)
        var high: UInt8?
        var digits = 0
        for (offset, character) in hex.enumerated() {
            guard let nibble = Self.nibble(character) else {
                throw .invalidCharacter(character, position: offset + 1)
            }
            digits += 1
            if let pending = high {
                bytes.append(pending << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        guard digits == 32 else { throw .wrongLength(found: digits) }
        var k0: UInt64 = 0
        var k1: UInt64 = 0
        for index in 0..<8 {
            k0 |= UInt64(bytes[index]) << UInt64(8 * index)
            k1 |= UInt64(bytes[index + 8]) << UInt64(8 * index)
        }
        self.init(k0: k0, k1: k1)
    }

    /// The key as 32 lowercase hex digits (the form ``init(hex:)`` accepts).
    public var hex: String {
        let digits = Array("0123456789abcdef")
        var text = ""
        text.reserveCapacity(32)
        for word in [k0, k1] {
            for index in 0..<8 {
                let byte = Int((word >> UInt64(8 * index)) & 0xff)
                text.append(digits[byte >> 4])
                text.append(digits[byte & 0xf])
            }
        }
        return text
    }

    /// A short fingerprint instead of the key itself, so logs can tell keys apart without printing them.
    public var description: String {
        let tag = SipHash24(key: self).finalize() >> 48
        let text = String(tag, radix: 16)
        return "HoldoutKey(fingerprint: \(String(repeating: "0", count: 4 - text.count))\(text))"
    }

    private static func nibble(_ character: Character) -> UInt8? {
        guard let ascii = character.asciiValue else { return nil }
        switch ascii {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return ascii - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return ascii - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return ascii - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
