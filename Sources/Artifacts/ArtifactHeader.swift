#if canImport(FoundationEssentials)
internal import FoundationEssentials
#else
internal import Foundation
#endif

/// What an artifact says about itself, written before any row so readers can check it first.
public struct ArtifactHeader: Sendable, Equatable {
    /// The payload layout this build writes and the newest it reads.
    public static let currentFormatVersion: UInt16 = 1

    /// Set by the writer; a reader reports what the file declares.
    public internal(set) var formatVersion: UInt16
    /// Which stage produced it, e.g. "extract".
    public var kind: String
    public var runID: String
    /// The run's as-of date, `YYYY-MM-DD`.
    public var asOf: String
    /// Rows promised up front, when known; the writer refuses to commit a different count.
    ///
    /// `nil` when the writer streams rows of unknown number: the trailer always records the real count
    /// (see ``ArtifactSummary/rowCount``).
    public var rowCount: Int64?
    public var columns: [ArtifactColumn]
    /// Free-form facts for humans and later stages (source query, config hash…); never timestamps unless
    /// the caller wants them in the bytes.
    public var metadata: [String: String]

    public init(
        kind: String, runID: String, asOf: String, rowCount: Int64? = nil,
        columns: [ArtifactColumn], metadata: [String: String] = [:]
    ) {
        self.formatVersion = Self.currentFormatVersion
        self.kind = kind
        self.runID = runID
        self.asOf = asOf
        self.rowCount = rowCount
        self.columns = columns
        self.metadata = metadata
    }

    /// The first problem that makes this header unusable, or `nil` when it is fine.
    func problem() -> String? {
        if kind.isEmpty { return "the header's kind is empty" }
        if runID.isEmpty { return "the header's run id is empty" }
        if !Self.isCalendarDate(asOf) { return "as-of date '\(asOf)' is not YYYY-MM-DD" }
        if let rowCount, rowCount < 0 { return "the header's row count \(rowCount) is negative" }
        if columns.isEmpty { return "the schema has no columns" }
        var seen: Set<String> = []
        for column in columns {
            if column.name.isEmpty { return "a column has an empty name" }
            if !seen.insert(column.name).inserted { return "column '\(column.name)' appears twice" }
        }
        return nil
    }

    /// `YYYY-MM-DD` with a plausible month and day; the calendar itself is the pipeline's business.
    private static func isCalendarDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else {
            return false
        }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard number(0..<4) != nil, let month = number(5..<7), let day = number(8..<10) else {
            return false
        }
        return (1...12).contains(month) && (1...31).contains(day)
    }
}

/// The header exactly as stored: JSON with sorted keys so the same header always gives the same bytes.
struct HeaderRecord: Codable, Equatable {
    var formatVersion: UInt16
    var kind: String
    var runID: String
    var asOf: String
    var rowCount: Int64?
    var rowsPerGroup: Int
    var columns: [ArtifactColumn]
    var metadata: [String: String]

    enum CodingKeys: String, CodingKey {
        case formatVersion = "format_version"
        case kind
        case runID = "run_id"
        case asOf = "as_of"
        case rowCount = "row_count"
        case rowsPerGroup = "rows_per_group"
        case columns
        case metadata
    }

    init(_ header: ArtifactHeader, rowsPerGroup: Int) {
        formatVersion = header.formatVersion
        kind = header.kind
        runID = header.runID
        asOf = header.asOf
        rowCount = header.rowCount
        self.rowsPerGroup = rowsPerGroup
        columns = header.columns
        metadata = header.metadata
    }

    var header: ArtifactHeader {
        var header = ArtifactHeader(
            kind: kind, runID: runID, asOf: asOf, rowCount: rowCount, columns: columns,
            metadata: metadata)
        header.formatVersion = formatVersion
        return header
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    static func decode(_ bytes: [UInt8]) throws -> HeaderRecord {
        try JSONDecoder().decode(HeaderRecord.self, from: Data(bytes))
    }
}
