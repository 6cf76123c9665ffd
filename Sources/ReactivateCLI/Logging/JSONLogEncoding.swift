import Logging

/// Writes swift-log metadata as JSON text, numbers and booleans typed.
///
/// Hand-written rather than `JSONSerialization`: the output is the same on every platform (sorted keys,
/// no `\/` escapes, integers never turned into floating point), and a log line costs no boxing.
enum JSONLogEncoding {
    static func append(_ value: Logger.MetadataValue, to text: inout String) {
        switch value {
        case .string(let string):
            appendString(string, to: &text)
        case .stringConvertible(let convertible):
            appendScalar(convertible, to: &text)
        case .array(let values):
            text += "["
            for (index, element) in values.enumerated() {
                if index > 0 { text += "," }
                append(element, to: &text)
            }
            text += "]"
        case .dictionary(let values):
            text += "{"
            for (index, key) in values.keys.sorted().enumerated() {
                if index > 0 { text += "," }
                appendString(key, to: &text)
                text += ":"
                append(values[key]!, to: &text)
            }
            text += "}"
        }
    }

    /// Integers and finite floating-point numbers as JSON numbers, `Bool` as `true`/`false`, anything
    /// else (and NaN or infinity, which JSON cannot carry) as the string of its description.
    static func appendScalar(_ value: any CustomStringConvertible & Sendable, to text: inout String) {
        if let flag = value as? Bool {
            text += flag ? "true" : "false"
        } else if let integer = value as? any BinaryInteger {
            text += integer.description
        } else if let number = value as? any BinaryFloatingPoint, Double(number).isFinite {
            // Swift prints the shortest text that reads back as the same Double ("0.1", "1289.0", "1e-05"),
            // all valid JSON numbers.
            text += "\(Double(number))"
        } else {
            appendString(value.description, to: &text)
        }
    }

    static func appendString(_ string: String, to text: inout String) {
        text += "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case let control where control.value < 0x20 || control.value == 0x7F || control.value == 0x2028 || control.value == 0x2029:
                let hex = String(control.value, radix: 16)
                text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
