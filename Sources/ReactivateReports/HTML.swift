/// A piece of HTML markup whose string interpolation escapes plain text by default.
///
/// Literal parts of a template are trusted markup; every interpolated `String` is escaped for element
/// content and quoted attributes, so a store name can never become markup and no call site has to
/// remember to escape. Interpolating an `HTML` value (or `\(html: fragment)`) embeds it as markup.
/// Numbers go through ``ReportNumber`` first; whole numbers may be interpolated directly.
///
///     let cell: HTML = "<td title=\"\(store.key)\">\(store.label)</td>"
struct HTML: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The markup, ready to be written out.
    private(set) var markup: String

    /// An empty fragment.
    init() { markup = "" }

    /// A literal is markup written by the programmer, never data.
    init(stringLiteral value: String) { markup = value }

    init(stringInterpolation: StringInterpolation) { markup = stringInterpolation.markup }

    /// Plain text as a fragment: escaped.
    init(text: String) { markup = HTML.escape(text) }

    var description: String { markup }

    struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var markup = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            markup.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        mutating func appendLiteral(_ literal: String) { markup += literal }

        /// Plain text: always escaped.
        mutating func appendInterpolation(_ text: String) { markup += HTML.escape(text) }

        /// A whole number: digits and a sign need no escaping.
        mutating func appendInterpolation(_ value: Int) { markup += String(value) }

        /// Markup built elsewhere, embedded as it is.
        mutating func appendInterpolation(_ fragment: HTML) { markup += fragment.markup }

        /// Markup built elsewhere, embedded as it is; the label makes the intent visible at the call site.
        mutating func appendInterpolation(html fragment: HTML) { markup += fragment.markup }
    }

    static func + (left: HTML, right: HTML) -> HTML {
        var result = left
        result += right
        return result
    }

    static func += (left: inout HTML, right: HTML) { left.markup += right.markup }

    /// Text safe in HTML element content and in double- or single-quoted attributes.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}

extension Sequence where Element == HTML {
    /// The fragments one after another, with `separator` (markup) between them.
    func joined(separator: HTML = "") -> HTML {
        var result = HTML()
        for (index, fragment) in enumerated() {
            if index > 0 { result += separator }
            result += fragment
        }
        return result
    }
}
