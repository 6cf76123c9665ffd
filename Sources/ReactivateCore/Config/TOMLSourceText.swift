/// A config file's bytes turned into text, refusing invalid UTF-8 with where it is.
///
/// Foundation's `String(contentsOfFile:encoding:)` only says "The file isn't in the correct format";
/// an operator with a stray Latin-1 byte in a 200-line file needs the line and the byte.
public enum TOMLSourceText {
    /// Decodes `bytes` as UTF-8 (a leading byte-order mark is kept; the parser skips it).
    /// - Throws: `ConfigError` of kind `.encoding` naming the line, the byte offset in the file and in
    ///   the line (both 0-based) and the offending byte, for the first invalid sequence.
    public static func decode(_ bytes: some Collection<UInt8>, fileName: String) throws(ConfigError) -> String {
        let array = Array(bytes)
        if let bad = firstInvalidByte(array) {
            var line = 1
            var lineStart = 0
            for (offset, byte) in array[..<bad].enumerated() where byte == UInt8(ascii: "\n") {
                line += 1
                lineStart = offset + 1
            }
            let hex = "0x" + String(array[bad], radix: 16, uppercase: true)
            throw ConfigError(
                kind: .encoding, fileName: fileName, line: line, keyPath: nil,
                reason: "invalid UTF-8: the sequence at byte offset \(bad) of the file (byte \(bad - lineStart) of the line) starts with \(hex)",
                fix: "save the file as UTF-8 (for example `iconv -f GB18030 -t UTF-8`), or remove the stray byte")
        }
        return String(decoding: array, as: UTF8.self)
    }

    /// Offset of the first byte that starts or belongs to an invalid UTF-8 sequence (overlong forms,
    /// surrogates and code points above U+10FFFF included), or nil when all of `bytes` is UTF-8.
    static func firstInvalidByte(_ bytes: [UInt8]) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            // Length and the allowed range of the second byte (Unicode Table 3-7).
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: (length, low) = (3, 0xA0)
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: (length, high) = (3, 0x9F)
            case 0xF0: (length, low) = (4, 0x90)
            case 0xF1...0xF3: length = 4
            case 0xF4: (length, high) = (4, 0x8F)
            default: return index
            }
            for offset in 1..<length {
                let position = index + offset
                guard position < count else { return index }
                let byte = bytes[position]
                let (from, to) = offset == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
                guard byte >= from && byte <= to else { return index }
            }
            index += length
        }
        return nil
    }
}
