/// A piece of Markdown whose string interpolation escapes plain text by default.
///
/// Literal parts are trusted Markdown; every interpolated `String` is escaped so that a store name
/// can neither end a table cell or row nor start emphasis, code, a link or inline HTML. Interpolating
/// a `Markdown` value embeds it as it is.
struct Markdown: Sendable, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
    /// The Markdown source, ready to be written out.
    private(set) var source: String

    init(stringLiteral value: String) { source = value }

    init(stringInterpolation: StringInterpolation) { source = stringInterpolation.source }

    /// Plain text as a fragment: escaped.
    init(text: String) { source = Markdown.escape(text) }

    /// Source the caller assembled from escaped parts (a table row), taken as it is.
    init(verbatim source: String) { self.source = source }

    var description: String { source }

    struct StringInterpolation: StringInterpolationProtocol {
        fileprivate var source = ""

        init(literalCapacity: Int, interpolationCount: Int) {
            source.reserveCapacity(literalCapacity + interpolationCount * 16)
        }

        mutating func appendLiteral(_ literal: String) { source += literal }

        /// Plain text: always escaped.
        mutating func appendInterpolation(_ text: String) { source += Markdown.escape(text) }

        /// A whole number: needs no escaping.
        mutating func appendInterpolation(_ value: Int) { source += String(value) }

        /// Markdown built elsewhere, embedded as it is.
        mutating func appendInterpolation(_ fragment: Markdown) { source += fragment.source }
    }

    /// Text safe in one Markdown table cell and in running text.
    ///
    /// `|` would end the cell and a newline the row; `<` and `&` would let a store name inject HTML
    /// into renderers that allow it; `*`, `` ` ``, `[`, `]` and `\` would start emphasis, code or links.
    static func escape(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\", "|", "*", "`", "[", "]", "<", ">", "&":
                result += "\\"
                result.unicodeScalars.append(scalar)
            case "\n", "\r": result += " "
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
