extension CouponCode {
    /// Why a typed code was rejected; each message says what to fix.
    public enum ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// After removing spaces and dashes the code does not have 17 symbols.
        case wrongLength(found: Int)
        /// A character that cannot appear where it is, at a 1-based position in the typed text.
        case invalidCharacter(Character, position: Int)
        /// All symbols are valid but the check symbol disagrees with the other 16: almost surely a typo.
        case checkSymbolMismatch

        public var description: String {
            switch self {
            case .wrongLength(let found):
                let hint = found == 16 ? " (is the last symbol missing?)" : ""
                return "coupon code must have 17 symbols (16 + 1 check symbol), found \(found) after "
                    + "removing spaces and dashes\(hint)"
            case .invalidCharacter(let character, let position):
                return "coupon code has invalid character \(String(reflecting: String(character))) at "
                    + "position \(position); codes use 0-9 and A-Z except I, L, O, U "
                    + "(the last symbol may also be *, ~, $, = or U)"
            case .checkSymbolMismatch:
                return "coupon code check symbol does not match: probably a typo, compare each symbol again"
            }
        }
    }

    /// Parses a code as a human typed it.
    ///
    /// Forgiving where it is safe: case-insensitive; spaces, tabs and dashes anywhere are ignored;
    /// I and L read as 1, O as 0 (Crockford's rules); full-width characters from a CJK input method
    /// (`ＡＢ１２`, ideographic space, full-width dash) read as their ASCII forms. Strict where it matters:
    /// exactly 16 data symbols plus the check symbol, U and `*~$=` only in the check position, and the
    /// check symbol must match.
    public init(parsing typed: String) throws(ParseError) {
        // Symbol values with their 1-based character positions; the characters themselves are only looked
        // up again on the error path.
        var symbols: [(value: Int, position: Int)] = []
        symbols.reserveCapacity(17)
        var invalidPosition: Int?
        // Fast path for plain ASCII (every byte is one character; CR is excluded because CR LF is a
        // single character), which is almost every input; otherwise walk user-perceived characters.
        if typed.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) {
            for (offset, byte) in typed.utf8.enumerated() {
                if !Self.accept(Self.normalizedASCII(byte), position: offset + 1, into: &symbols) {
                    invalidPosition = offset + 1
                    break
                }
            }
        } else {
            for (offset, character) in typed.enumerated() {
                if !Self.accept(Self.normalizedASCII(character), position: offset + 1, into: &symbols) {
                    invalidPosition = offset + 1
                    break
                }
            }
        }
        if let invalidPosition {
            throw .invalidCharacter(Self.character(in: typed, at: invalidPosition), position: invalidPosition)
        }
        guard symbols.count == Self.dataSymbolCount + 1 else {
            throw .wrongLength(found: symbols.count)
        }
        for symbol in symbols.prefix(Self.dataSymbolCount) where symbol.value >= 32 {
            throw .invalidCharacter(Self.character(in: typed, at: symbol.position), position: symbol.position)
        }
        let code = CouponCode(symbolValues: symbols.prefix(Self.dataSymbolCount).map(\.value))
        guard let check = symbols.last, code.checkValue == check.value else {
            throw .checkSymbolMismatch
        }
        self = code
    }

    /// Records one normalised character; false if it is not a code symbol or separator.
    private static func accept(
        _ ascii: UInt8?, position: Int, into symbols: inout [(value: Int, position: Int)]
    ) -> Bool {
        guard let ascii else { return false }
        if ascii == UInt8(ascii: "-") || ascii == UInt8(ascii: " ") { return true }
        guard let value = checkValue(ofSymbol: ascii) else { return false }
        symbols.append((value, position))
        return true
    }

    private static func character(in text: String, at position: Int) -> Character {
        text.dropFirst(position - 1).first ?? " "
    }

    /// The ASCII fast path of the character normalisation below.
    private static func normalizedASCII(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x09...0x0D, 0x20: return UInt8(ascii: " ")
        case 0x61...0x7A: return byte - 0x20
        case 0x21...0x7E: return byte
        default: return nil
        }
    }

    /// Maps one typed character to uppercase ASCII, folding full-width forms, whitespace to a space and
    /// dash look-alikes to `-`; nil for anything else outside ASCII.
    private static func normalizedASCII(_ character: Character) -> UInt8? {
        if character.isWhitespace { return UInt8(ascii: " ") }
        let scalars = character.unicodeScalars
        guard scalars.count == 1, var value = scalars.first?.value else { return nil }
        if (0xFF01...0xFF5E).contains(value) { value -= 0xFEE0 }  // full-width ASCII block
        switch value {
        case 0x2010...0x2015, 0x2212: return UInt8(ascii: "-")
        case 0x61...0x7A: return UInt8(value - 0x20)
        case 0x21...0x7E: return UInt8(value)
        default: return nil
        }
    }

    /// The value of an uppercase ASCII symbol in the check alphabet (0–36), applying Crockford's
    /// I/L → 1 and O → 0; nil if it is not a code symbol.
    private static func checkValue(ofSymbol ascii: UInt8) -> Int? {
        guard ascii < 128 else { return nil }
        let value = symbolTable[Int(ascii)]
        return value < 0 ? nil : Int(value)
    }

    /// Value of each uppercase ASCII byte in the check alphabet, −1 if none, with I, L → 1 and O → 0.
    private static let symbolTable: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (value, byte) in checkAlphabet.enumerated() { table[Int(byte)] = Int8(value) }
        table[Int(UInt8(ascii: "I"))] = 1
        table[Int(UInt8(ascii: "L"))] = 1
        table[Int(UInt8(ascii: "O"))] = 0
        return table
    }()
}
