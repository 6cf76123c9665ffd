/// Reads the TOML subset used by pipeline configs.
///
/// Hand-written (no package dependency) so every error carries the line it happened on.
/// Supported: comments, `key = value` with bare, quoted and dotted keys, `[table]` headers,
/// basic and literal single-line strings, decimal integers, floats, booleans, local dates and
/// arrays. Inline tables, arrays of tables, multi-line strings, times and date-times, and
/// hexadecimal/octal/binary integers are refused with a "not supported in pipeline configs" error.
public enum TOMLParser {
    /// How deep arrays may nest. Pipeline configs need two levels at most; the limit only keeps a
    /// hostile file (30,000 nested `[`) from exhausting the stack of the recursive parser.
    public static let maximumNesting = 64

    /// Parses `text` into its root table.
    /// - Throws: `TOMLError` naming the line and what was expected.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = Parser(text)
        return try parser.parseDocument()
    }
}

/// A table under construction; a class so a header or dotted key can extend it in place.
private final class TableBuilder {
    /// How the table came to exist; TOML 1.0 forbids reopening tables depending on it.
    enum Origin { case root, header, implicit, dotted }
    enum Child {
        case table(TableBuilder)
        case value(TOMLValue)
    }

    var origin: Origin
    var line: Int
    private(set) var keys: [String] = []
    private(set) var children: [String: Child] = [:]

    init(origin: Origin, line: Int) {
        self.origin = origin
        self.line = line
    }

    func add(_ key: String, _ child: Child) {
        keys.append(key)
        children[key] = child
    }

    func build() -> TOMLTable {
        var entries: [TOMLTable.Entry] = []
        for key in keys {
            switch children[key] {
            case .table(let table)?:
                let value = TOMLValue(kind: .table(table.build()), line: table.line, literal: "")
                entries.append(TOMLTable.Entry(key: key, value: value))
            case .value(let value)?:
                entries.append(TOMLTable.Entry(key: key, value: value))
            case nil:
                continue
            }
        }
        return TOMLTable(entries: entries)
    }
}

/// The scanner and grammar; one instance per `parse` call.
private struct Parser {
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var line = 1
    private let root = TableBuilder(origin: .root, line: 1)
    private var current: TableBuilder
    private var currentPath: [String] = []
    /// Arrays currently open around the scanner.
    private var nesting = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
        current = root
        if scalars.first == "\u{FEFF}" { index = 1 }
    }

    // MARK: Document and lines

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        while true {
            skipSpaces()
            guard let c = peek() else { break }
            switch c {
            case "#":
                try skipComment()
            case "\n", "\r":
                try consumeNewline()
            case "[":
                try parseTableHeader()
                try expectEndOfLine(after: "the table header")
            default:
                try parseKeyValue()
                try expectEndOfLine(after: "the value")
            }
        }
        return root.build()
    }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        let position = index + offset
        return position < scalars.count ? scalars[position] : nil
    }

    private mutating func skipSpaces() {
        while let c = peek(), c == " " || c == "\t" { index += 1 }
    }

    private mutating func skipComment() throws(TOMLError) {
        while let c = peek(), c != "\n", c != "\r" {
            if isControl(c) {
                throw syntax("control character \(codePoint(c)) in a comment")
            }
            index += 1
        }
    }

    private mutating func consumeNewline() throws(TOMLError) {
        if peek() == "\r" {
            guard peek(1) == "\n" else {
                throw syntax("a carriage return must be followed by a line feed")
            }
            index += 1
        }
        index += 1
        line += 1
    }

    /// After a value or header only spaces and a comment may follow on the same line.
    private mutating func expectEndOfLine(after what: String) throws(TOMLError) {
        skipSpaces()
        if peek() == "#" { try skipComment() }
        guard let c = peek() else { return }
        guard c == "\n" || c == "\r" else {
            throw syntax(
                "expected the end of the line after \(what), found \(describe(c))",
                hint: "put each key = value on its own line; start comments with '#'")
        }
        try consumeNewline()
    }

    /// Spaces, comments and line breaks, as allowed between array items.
    private mutating func skipBlankSpace() throws(TOMLError) {
        while let c = peek() {
            switch c {
            case " ", "\t": index += 1
            case "#": try skipComment()
            case "\n", "\r": try consumeNewline()
            default: return
            }
        }
    }

    // MARK: Keys and tables

    private mutating func parseTableHeader() throws(TOMLError) {
        let headerLine = line
        index += 1  // "["
        if peek() == "[" {
            throw unsupported(
                "arrays of tables ([[...]]) are not supported in pipeline configs",
                hint: "use a single [table] section")
        }
        skipSpaces()
        if peek() == "]" {
            throw syntax("expected a table name between '[' and ']'")
        }
        let parts = try parseKey()
        guard peek() == "]" else {
            throw syntax(
                "expected ']' to close the table header [\(render(parts))], found \(describe(peek()))")
        }
        index += 1
        try openTable(parts, line: headerLine)
    }

    private mutating func parseKeyValue() throws(TOMLError) {
        let keyLine = line
        let parts = try parseKey()
        guard peek() == "=" else {
            throw syntax(
                "expected '=' after key '\(render(parts))', found \(describe(peek()))",
                hint: "keys may contain only letters, digits, '_' and '-'; quote any other key")
        }
        index += 1
        skipSpaces()
        if peek() == nil || peek() == "\n" || peek() == "\r" || peek() == "#" {
            throw syntax(
                "expected a value after '=' for key '\(render(parts))'",
                hint: "write the value on the same line, e.g. \(render(parts)) = \"text\"")
        }
        let value: TOMLValue
        do throws(TOMLError) {
            value = try parseValue()
        } catch {
            // Name the key whose value is wrong, so the message says where to look.
            throw TOMLError(
                kind: error.kind, line: error.line, message: error.message,
                keyPath: error.keyPath ?? render(currentPath + parts), hint: error.hint)
        }
        try insert(value, at: parts, line: keyLine)
    }

    /// A possibly dotted key; leaves the scanner after trailing spaces.
    private mutating func parseKey() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            parts.append(try parseSimpleKey())
            skipSpaces()
            guard peek() == "." else { return parts }
            index += 1
        }
    }

    private mutating func parseSimpleKey() throws(TOMLError) -> String {
        switch peek() {
        case "\""?: return try parseBasicString()
        case "'"?: return try parseLiteralString()
        default:
            let start = index
            while let c = peek(), isBareKeyScalar(c) { index += 1 }
            guard index > start else {
                throw syntax(
                    "expected a key, found \(describe(peek()))",
                    hint: "keys may contain only letters, digits, '_' and '-'; quote any other key")
            }
            return text(from: start)
        }
    }

    private mutating func openTable(_ parts: [String], line headerLine: Int) throws(TOMLError) {
        var table = root
        for (position, part) in parts.enumerated() {
            let path = render(Array(parts[...position]))
            let isLast = position == parts.count - 1
            switch table.children[part] {
            case nil:
                let created = TableBuilder(origin: isLast ? .header : .implicit, line: headerLine)
                table.add(part, .table(created))
                table = created
            case .table(let existing)?:
                if isLast {
                    switch existing.origin {
                    case .implicit:
                        existing.origin = .header
                        existing.line = headerLine
                    case .header, .root:
                        throw duplicate(
                            "table [\(path)] is already defined on line \(existing.line)",
                            path: path, line: headerLine, hint: "merge the two [\(path)] sections into one")
                    case .dotted:
                        throw duplicate(
                            "table '\(path)' was already defined with dotted keys on line \(existing.line)",
                            path: path, line: headerLine, hint: "use either dotted keys or a [\(path)] section, not both")
                    }
                }
                table = existing
            case .value(let existing)?:
                throw duplicate(
                    "key '\(path)' already holds a \(existing.typeName) (line \(existing.line)), so it cannot also be a table",
                    path: path, line: headerLine)
            }
        }
        current = table
        currentPath = parts
    }

    private mutating func insert(_ value: TOMLValue, at parts: [String], line keyLine: Int) throws(TOMLError) {
        var table = current
        for (position, part) in parts.enumerated() {
            let path = render(currentPath + parts[...position])
            let isLast = position == parts.count - 1
            switch table.children[part] {
            case nil:
                if isLast {
                    table.add(part, .value(value))
                } else {
                    let created = TableBuilder(origin: .dotted, line: keyLine)
                    table.add(part, .table(created))
                    table = created
                }
            case .table(let existing)?:
                if isLast {
                    throw duplicate(
                        "duplicate key '\(path)': it is already a table (line \(existing.line))",
                        path: path, line: keyLine)
                }
                guard existing.origin == .dotted else {
                    throw duplicate(
                        "cannot add dotted keys to table '\(path)', defined by a [header] on line \(existing.line)",
                        path: path, line: keyLine, hint: "write the key under the [\(path)] section instead")
                }
                table = existing
            case .value(let existing)?:
                if isLast {
                    throw duplicate(
                        "duplicate key '\(path)' (first defined on line \(existing.line))",
                        path: path, line: keyLine, hint: "remove one of the two definitions")
                }
                throw duplicate(
                    "key '\(path)' already holds a \(existing.typeName) (line \(existing.line)), so it cannot also be a table",
                    path: path, line: keyLine)
            }
        }
    }

    // MARK: Values

    private mutating func parseValue() throws(TOMLError) -> TOMLValue {
        let start = index
        let startLine = line
        switch peek() {
        case "\""?:
            let string = try parseBasicString()
            return TOMLValue(kind: .string(string), line: startLine, literal: text(from: start))
        case "'"?:
            let string = try parseLiteralString()
            return TOMLValue(kind: .string(string), line: startLine, literal: text(from: start))
        case "["?:
            let items = try parseArray()
            return TOMLValue(kind: .array(items), line: startLine, literal: text(from: start))
        case "{"?:
            throw unsupported(
                "inline tables ({ ... }) are not supported in pipeline configs",
                hint: "write the keys under a [table] section instead")
        default:
            return try parseBareValue()
        }
    }

    private mutating func parseArray() throws(TOMLError) -> [TOMLValue] {
        let openLine = line
        guard nesting < TOMLParser.maximumNesting else {
            throw syntax(
                "arrays are nested more than \(TOMLParser.maximumNesting) deep",
                hint: "pipeline configs need at most two levels of arrays; remove the extra '['")
        }
        nesting += 1
        defer { nesting -= 1 }
        index += 1  // "["
        var items: [TOMLValue] = []
        while true {
            try skipBlankSpace()
            guard let c = peek() else {
                throw syntax("unterminated array opened on line \(openLine): expected ']'")
            }
            if c == "]" {
                index += 1
                return items
            }
            if c == "," {
                throw syntax("expected a value in the array, found ','")
            }
            items.append(try parseValue())
            try skipBlankSpace()
            switch peek() {
            case ","?: index += 1
            case "]"?:
                index += 1
                return items
            case nil:
                throw syntax("unterminated array opened on line \(openLine): expected ']'")
            case let other:
                throw syntax("expected ',' or ']' in the array, found \(describe(other))")
            }
        }
    }

    /// `"..."` with escapes; the scanner must be at the opening quote.
    private mutating func parseBasicString() throws(TOMLError) -> String {
        if peek(1) == "\"" && peek(2) == "\"" {
            throw unsupported(
                "multi-line strings (\"\"\") are not supported in pipeline configs",
                hint: "write the string on one line; use \\n for a line break")
        }
        index += 1
        var result = String.UnicodeScalarView()
        while true {
            guard let c = peek(), c != "\n", c != "\r" else {
                throw syntax(
                    "unterminated string: expected a closing '\"' on the same line",
                    hint: "close the string with '\"'; multi-line strings are not supported")
            }
            index += 1
            switch c {
            case "\"":
                return String(result)
            case "\\":
                result.append(try parseEscape())
            default:
                if isControl(c) && c != "\t" {
                    throw syntax("control character \(codePoint(c)) in a string must be escaped")
                }
                result.append(c)
            }
        }
    }

    private mutating func parseEscape() throws(TOMLError) -> Unicode.Scalar {
        guard let c = peek(), c != "\n", c != "\r" else {
            throw syntax("unterminated string: a '\\' must be followed by an escape character")
        }
        index += 1
        switch c {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u": return try parseUnicodeEscape(digits: 4)
        case "U": return try parseUnicodeEscape(digits: 8)
        default:
            throw syntax(
                "invalid escape '\\\(c)' in a string",
                hint: "use \\\" \\\\ \\n \\t \\uXXXX, or a literal string in single quotes")
        }
    }

    private mutating func parseUnicodeEscape(digits: Int) throws(TOMLError) -> Unicode.Scalar {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let c = peek(), let digit = hexValue(c) else {
                throw syntax("expected \(digits) hexadecimal digits after '\\\(digits == 4 ? "u" : "U")'")
            }
            value = value * 16 + digit
            index += 1
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw syntax("escape U+\(String(value, radix: 16, uppercase: true)) is not a Unicode scalar value")
        }
        return scalar
    }

    /// `'...'` taken verbatim; the scanner must be at the opening quote.
    private mutating func parseLiteralString() throws(TOMLError) -> String {
        if peek(1) == "'" && peek(2) == "'" {
            throw unsupported(
                "multi-line literal strings (''') are not supported in pipeline configs",
                hint: "write the string on one line")
        }
        index += 1
        let start = index
        while true {
            guard let c = peek(), c != "\n", c != "\r" else {
                throw syntax("unterminated literal string: expected a closing \"'\" on the same line")
            }
            if c == "'" {
                let string = text(from: start)
                index += 1
                return string
            }
            if isControl(c) && c != "\t" {
                throw syntax("control character \(codePoint(c)) in a literal string")
            }
            index += 1
        }
    }

    /// Booleans, numbers, dates: an unquoted run of value characters.
    private mutating func parseBareValue() throws(TOMLError) -> TOMLValue {
        let start = index
        while let c = peek(), isBareValueScalar(c) { index += 1 }
        let token = text(from: start)
        guard !token.isEmpty else {
            throw syntax(
                "expected a value (a quoted string, number, true/false, date or array), found \(describe(peek()))")
        }
        let kind = try classify(token)
        if case .date = kind, peek() == " ", let h = peek(1), let m = peek(2),
            isDigit(h), isDigit(m), peek(3) == ":"
        {
            throw unsupportedDateTime()
        }
        return TOMLValue(kind: kind, line: line, literal: token)
    }

    private func classify(_ token: String) throws(TOMLError) -> TOMLValue.Kind {
        switch token {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        let chars = Array(token.unicodeScalars)
        if chars.count >= 8, chars[0..<4].allSatisfy(isDigit), chars[4] == "-" {
            return try classifyDate(token, chars)
        }
        if chars.count >= 3, isDigit(chars[0]), isDigit(chars[1]), chars[2] == ":" {
            throw unsupported(
                "times of day are not supported in pipeline configs",
                hint: "use a local date (YYYY-MM-DD) or a number")
        }
        var body = chars[...]
        if let sign = body.first, sign == "+" || sign == "-" { body = body.dropFirst() }
        if body.count > 1, body.first == "0", let radix = body.dropFirst().first,
            radix == "x" || radix == "o" || radix == "b"
        {
            throw unsupported(
                "hexadecimal, octal and binary integers are not supported in pipeline configs",
                hint: "write the number in decimal")
        }
        if let first = body.first, isDigit(first) || first == "." {
            return try parseNumber(token, sign: chars.count > body.count ? chars[0] : nil, body: Array(body))
        }
        let lowered = token.lowercased()
        let hint: String
        if lowered == "true" || lowered == "false" {
            hint = "booleans are written in lowercase: \(lowered)"
        } else if ["yes", "no", "on", "off"].contains(lowered) {
            hint = "booleans are written true or false; strings must be quoted"
        } else {
            hint = "strings must be quoted, e.g. \"\(token)\""
        }
        throw syntax("invalid value '\(token)'", hint: hint)
    }

    private func classifyDate(_ token: String, _ chars: [Unicode.Scalar]) throws(TOMLError) -> TOMLValue.Kind {
        let shape = chars.count == 10 && chars[7] == "-"
            && [5, 6, 8, 9].allSatisfy { isDigit(chars[$0]) }
        if !shape {
            if chars.count > 10, chars[10] == "T" || chars[10] == "t" || chars.contains(":") {
                throw unsupportedDateTime()
            }
            throw syntax("invalid date '\(token)': expected YYYY-MM-DD")
        }
        func number(_ range: Range<Int>) -> Int {
            chars[range].reduce(0) { $0 * 10 + Int($1.value - 48) }
        }
        guard let date = TOMLLocalDate(year: number(0..<4), month: number(5..<7), day: number(8..<10))
        else {
            throw syntax("invalid date '\(token)': no such day in the calendar")
        }
        return .date(date)
    }

    private func parseNumber(_ token: String, sign: Unicode.Scalar?, body: [Unicode.Scalar]) throws(TOMLError) -> TOMLValue.Kind {
        func invalid(_ reason: String) -> TOMLError {
            syntax("invalid number '\(token)': \(reason)")
        }
        var mantissa = body[...]
        var exponent: ArraySlice<Unicode.Scalar>?
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            exponent = body[(e + 1)...]
        }
        var integerPart = mantissa
        var fraction: ArraySlice<Unicode.Scalar>?
        if let dot = mantissa.firstIndex(of: ".") {
            integerPart = mantissa[..<dot]
            fraction = mantissa[(dot + 1)...]
        }
        guard !integerPart.isEmpty else { throw invalid("a float needs digits before the '.', e.g. 0.5") }
        try checkDigits(integerPart, token)
        if integerPart.count > 1, integerPart.first == "0" {
            throw invalid("leading zeros are not allowed")
        }
        if let fraction {
            guard !fraction.isEmpty else { throw invalid("a float needs digits after the '.', e.g. 1.0") }
            try checkDigits(fraction, token)
        }
        if var digits = exponent {
            if let s = digits.first, s == "+" || s == "-" { digits = digits.dropFirst() }
            guard !digits.isEmpty else { throw invalid("expected digits after the exponent 'e'") }
            try checkDigits(digits, token)
        }
        var cleaned = String.UnicodeScalarView()
        if let sign { cleaned.append(sign) }
        cleaned.append(contentsOf: body.lazy.filter { $0 != "_" })
        let plain = String(cleaned)
        if fraction == nil && exponent == nil {
            guard let value = Int64(plain) else {
                throw invalid("out of range for a 64-bit integer")
            }
            return .integer(value)
        }
        guard let value = Double(plain), value.isFinite else {
            throw invalid("out of range for a float")
        }
        return .float(value)
    }

    /// Digits with single underscores strictly between digits, as TOML requires.
    private func checkDigits(_ digits: ArraySlice<Unicode.Scalar>, _ token: String) throws(TOMLError) {
        var previousWasDigit = false
        for c in digits {
            if isDigit(c) {
                previousWasDigit = true
            } else if c == "_" && previousWasDigit {
                previousWasDigit = false
            } else if c == "_" {
                throw syntax("invalid number '\(token)': '_' must sit between two digits")
            } else {
                throw syntax("invalid number '\(token)': unexpected \(describe(c))")
            }
        }
        if !previousWasDigit {
            throw syntax("invalid number '\(token)': '_' must sit between two digits")
        }
    }

    // MARK: Helpers

    private func text(from start: Int) -> String {
        String(String.UnicodeScalarView(scalars[start..<index]))
    }

    private func syntax(_ message: String, hint: String? = nil) -> TOMLError {
        TOMLError(kind: .syntax, line: line, message: message, hint: hint)
    }

    private func unsupported(_ message: String, hint: String? = nil) -> TOMLError {
        TOMLError(kind: .unsupported, line: line, message: message, hint: hint)
    }

    private func unsupportedDateTime() -> TOMLError {
        unsupported(
            "date-times (a date with a time) are not supported in pipeline configs",
            hint: "use a local date (YYYY-MM-DD)")
    }

    /// Duplicates are reported on the line of the second definition's key, not where its value ended.
    private func duplicate(_ message: String, path: String, line: Int, hint: String? = nil) -> TOMLError {
        TOMLError(kind: .duplicateKey, line: line, message: message, keyPath: path, hint: hint)
    }

    private func render<S: Sequence<String>>(_ parts: S) -> String {
        parts.map(TOMLSyntax.renderKey).joined(separator: ".")
    }

    private func describe(_ scalar: Unicode.Scalar?) -> String {
        guard let scalar else { return "the end of the file" }
        switch scalar {
        case "\n", "\r": return "the end of the line"
        case " ": return "a space"
        case "\t": return "a tab"
        default: return isControl(scalar) ? codePoint(scalar) : "'\(scalar)'"
        }
    }
}

/// Character classes and key rendering shared by the parser and the config layer.
enum TOMLSyntax {
    /// A key as it would be written in TOML: bare when possible, else quoted.
    static func renderKey(_ key: String) -> String {
        if !key.isEmpty && key.unicodeScalars.allSatisfy(isBareKeyScalar) { return key }
        return quoted(key)
    }

    /// A TOML basic string with escapes, so control characters never reach a terminal raw.
    static func quoted(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case "\r": result += "\\r"
            default:
                if isControl(scalar) {
                    let hex = String(scalar.value, radix: 16, uppercase: true)
                    result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }
}

private func isDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }

private func isBareKeyScalar(_ c: Unicode.Scalar) -> Bool {
    ("a"..."z").contains(c) || ("A"..."Z").contains(c) || isDigit(c) || c == "_" || c == "-"
}

/// Characters of unquoted values; wide enough to capture a whole date-time or word for the error.
private func isBareValueScalar(_ c: Unicode.Scalar) -> Bool {
    isBareKeyScalar(c) || c == "+" || c == "." || c == ":"
}

private func isControl(_ c: Unicode.Scalar) -> Bool { c.value < 0x20 || c.value == 0x7F }

private func codePoint(_ c: Unicode.Scalar) -> String {
    let hex = String(c.value, radix: 16, uppercase: true)
    return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
}

private func hexValue(_ c: Unicode.Scalar) -> UInt32? {
    switch c {
    case "0"..."9": c.value - 48
    case "a"..."f": c.value - 87
    case "A"..."F": c.value - 55
    default: nil
    }
}
