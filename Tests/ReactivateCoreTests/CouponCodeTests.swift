import Foundation
import ReactivateCore
import Testing

@Suite struct CouponCodeTests {
    static let checkAlphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U")

    /// Values worked out by hand / in Python: symbols are the base-32 digits of the 80-bit value, the check
    /// symbol is value mod 37.
    static let knownCodes: [(UInt16, UInt64, String)] = [
        (0, 0, "0000-0000-0000-0000-0"),
        (0, 1, "0000-0000-0000-0001-1"),
        (0, 32, "0000-0000-0000-0010-*"),
        (0, 36, "0000-0000-0000-0014-U"),
        (0x0123, 0x4567_89AB_CDEF_0123, "04HM-ASW9-NF6Y-Y093-B"),
        (0xFFFF, UInt64.max, "ZZZZ-ZZZZ-ZZZZ-ZZZZ-~"),
    ]

    @Test(arguments: knownCodes)
    func canonicalFormIsBase32DigitsGroupedWithAMod37CheckSymbol(high: UInt16, low: UInt64, text: String) throws {
        let code = CouponCode(high: high, low: low)
        #expect(code.canonical == text)
        #expect(code.description == text)
        #expect(code.compact == text.replacingOccurrences(of: "-", with: ""))
        #expect(try CouponCode(parsing: text) == code)
    }

    @Test func randomCodesRoundTripThroughEveryAcceptedSpelling() throws {
        var random = GeoTestRandom(seed: 21)
        for _ in 0..<5_000 {
            let code = CouponCode.random(using: &random)
            let canonical = code.canonical
            #expect(canonical.count == 21)
            #expect(try CouponCode(parsing: canonical) == code)
            #expect(try CouponCode(parsing: code.compact) == code)
            #expect(try CouponCode(parsing: canonical.lowercased()) == code)
            #expect(try CouponCode(parsing: "  " + code.compact.map { "\($0) " }.joined() + "\n") == code)
            let lookalikes = canonical.lowercased()
                .replacingOccurrences(of: "1", with: "l").replacingOccurrences(of: "0", with: "O")
            #expect(try CouponCode(parsing: lookalikes) == code)
            #expect(try CouponCode(parsing: canonical.replacingOccurrences(of: "1", with: "I")) == code)
        }
    }

    @Test func fullWidthInputFromACJKKeyboardIsAccepted() throws {
        let code = CouponCode(high: 0x0123, low: 0x4567_89AB_CDEF_0123)
        let fullWidth = String(
            String.UnicodeScalarView(
                code.canonical.unicodeScalars.map { scalar in
                    scalar.value == 0x2D ? "\u{3000}" : Unicode.Scalar(scalar.value + 0xFEE0) ?? scalar
                }))
        #expect(fullWidth != code.canonical)
        #expect(try CouponCode(parsing: fullWidth) == code)
        #expect(try CouponCode(parsing: code.canonical.replacingOccurrences(of: "-", with: "–")) == code)
    }

    static let malformed: [(String, CouponCode.ParseError)] = [
        ("", .wrongLength(found: 0)),
        ("04HM-ASW9-NF6Y-Y093", .wrongLength(found: 16)),
        ("04HM-ASW9-NF6Y-Y093-BB", .wrongLength(found: 18)),
        ("04HM-ASW9-NF6Y-Y093-?", .invalidCharacter("?", position: 21)),
        ("04HM_ASW9-NF6Y-Y093-B", .invalidCharacter("_", position: 5)),
        ("04HM-ASW9-NF6Y-Y0é3-B", .invalidCharacter("é", position: 18)),
        ("U4HM-ASW9-NF6Y-Y093-B", .invalidCharacter("U", position: 1)),
        ("04HM-AS*9-NF6Y-Y093-B", .invalidCharacter("*", position: 8)),
        ("04HM-ASW9-NF6Y-Y093-C", .checkSymbolMismatch),
        ("04HM-ASW9-NF6Y-Y039-B", .checkSymbolMismatch),
    ]

    @Test(arguments: malformed)
    func malformedInputIsRejectedSayingWhatIsWrong(text: String, expected: CouponCode.ParseError) {
        #expect(throws: expected) { try CouponCode(parsing: text) }
    }

    @Test func errorMessagesTellAHumanWhatToFix() {
        #expect(CouponCode.ParseError.wrongLength(found: 16).description.contains("last symbol missing"))
        #expect(CouponCode.ParseError.invalidCharacter("?", position: 21).description.contains("position 21"))
        #expect(CouponCode.ParseError.checkSymbolMismatch.description.contains("typo"))
    }

    /// Every substitution of one symbol by another is rejected, at every position, for a sample of codes.
    @Test func everySingleSymbolSubstitutionIsCaught() {
        var random = GeoTestRandom(seed: 22)
        for _ in 0..<200 {
            let symbols = Array(CouponCode.random(using: &random).compact)
            for position in 0..<17 {
                // Data positions also get the check-only symbols *~$=U, which must be rejected too.
                for replacement in Self.checkAlphabet where replacement != symbols[position] {
                    var typo = symbols
                    typo[position] = replacement
                    #expect(throws: CouponCode.ParseError.self) { try CouponCode(parsing: String(typo)) }
                }
            }
        }
    }

    /// Every swap of two adjacent, different symbols (including the last data symbol with the check) is rejected.
    @Test func everyAdjacentTranspositionIsCaught() {
        var random = GeoTestRandom(seed: 23)
        for _ in 0..<5_000 {
            let symbols = Array(CouponCode.random(using: &random).compact)
            for position in 0..<16 where symbols[position] != symbols[position + 1] {
                var swapped = symbols
                swapped.swapAt(position, position + 1)
                #expect(throws: CouponCode.ParseError.self) { try CouponCode(parsing: String(swapped)) }
            }
        }
    }

    /// The arithmetic behind the two tests above, for all cases: a substitution changes the value by
    /// (a−b)·32ᵏ and a transposition by (a−b)·31·32ᵏ, and 37 is a prime dividing none of those factors.
    @Test func mod37DetectsEverySubstitutionAndTranspositionArithmetically() {
        var power = 1
        for _ in 0..<16 {
            for a in 0..<32 {
                for b in 0..<32 where a != b {
                    #expect(((a - b) * power % 37 + 37) % 37 != 0)
                    #expect(((a - b) * 31 % 37 * power % 37 + 37) % 37 != 0)
                }
            }
            power = power * 32 % 37
        }
    }

    @Test func noCollisionsAmongTwoMillionCodesFromTheSystemGenerator() {
        var generator = SystemRandomNumberGenerator()
        var seen = Set<CouponCode>(minimumCapacity: 2_000_000)
        var collisions = 0
        for _ in 0..<2_000_000 where !seen.insert(CouponCode.random(using: &generator)).inserted {
            collisions += 1
        }
        #expect(collisions == 0)
        #expect(seen.count == 2_000_000)
    }

    @Test func symbolsAreUniformAtEveryPosition() {
        var random = GeoTestRandom(seed: 24)
        let n = 64_000
        var counts = [[Int]](repeating: [Int](repeating: 0, count: 32), count: 16)
        var checks = [Int](repeating: 0, count: 37)
        for _ in 0..<n {
            let code = CouponCode.random(using: &random)
            for (position, value) in code.symbolValues.enumerated() { counts[position][value] += 1 }
            checks[code.checkValue] += 1
        }
        // χ² with 31 df has mean 31 and sd ≈ 7.9; 80 is beyond 6 sd (p ≈ 3e-6 per position).
        for position in 0..<16 {
            let expected = Double(n) / 32
            let chiSquare = counts[position].reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
            #expect(chiSquare < 80, "position \(position)")
        }
        let expectedCheck = Double(n) / 37
        let checkChiSquare = checks.reduce(0) { $0 + (Double($1) - expectedCheck) * (Double($1) - expectedCheck) / expectedCheck }
        #expect(checkChiSquare < 90)  // 36 df
    }

    @Test func randomCodesUseAllEightyBits() {
        var random = GeoTestRandom(seed: 25)
        var orHigh: UInt16 = 0
        var andHigh: UInt16 = .max
        for _ in 0..<1_000 {
            let code = CouponCode.random(using: &random)
            orHigh |= code.high
            andHigh &= code.high
        }
        #expect(orHigh == .max && andHigh == 0)
        #expect(CouponCode.random() != CouponCode.random())
    }
}
