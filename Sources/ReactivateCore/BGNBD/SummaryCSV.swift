import Foundation
import Synchronization

/// The customer-summary table behind `reactivate model fit --summary FILE.csv`, parsed and checked.
///
/// The format is what analysts export from lifetimes/pandas: a header, then one customer per line with
/// `frequency`, `recency` and `T` (any case, any order, spaces around values allowed). One id column
/// (`id`, `member_id`, `customer_id`, …, or the unnamed index column pandas writes) may be present; it
/// is not used by the model but is kept as the row's label. Any other column is refused, because a
/// misnamed column (`recency_days`) would otherwise be silently dropped. Blank lines are skipped and
/// fields may be double-quoted. Every error names the line and column, so a million-row file can be
/// fixed without hunting.
public struct SummaryCSV: Sendable, Equatable {
    /// One customer: where it was in the file, its label (the id column's value), and its summary.
    public struct Row: Sendable, Equatable {
        /// 1-based line number in the file (the header is line 1).
        public var line: Int
        /// The id column's value, nil when the file has no id column or the cell is empty.
        public var label: String?
        public var summary: CustomerSummary

        public init(line: Int, label: String?, summary: CustomerSummary) {
            self.line = line
            self.label = label
            self.summary = summary
        }
    }

    /// The customers in file order.
    public var rows: [Row]
    /// The id column's name as written in the header, if the file has one.
    public var labelColumn: String?

    /// The summaries alone, ready for `BGNBDFit.fit`.
    public var summaries: [CustomerSummary] { rows.map(\.summary) }

    /// Parses and validates CSV text.
    /// - Throws: `SummaryCSVError` naming the line, the column and what to change.
    public init(parsing text: String) throws(SummaryCSVError) {
        let bytes = Array(text.utf8)
        var rows: [Row] = []
        let labelColumn = try bytes.withUnsafeBufferPointer { buffer throws(SummaryCSVError) in
            try Self.scan(buffer, labels: true) { line, label, summary in
                rows.append(Row(line: line, label: label, summary: summary))
            }
        }
        self.rows = rows
        self.labelColumn = labelColumn
    }

    /// Parses and validates CSV bytes straight into groups of identical triples, without keeping the
    /// rows: what a fit needs, in a fraction of the memory (`model fit` without predictions).
    ///
    /// The body is cut at line ends into chunks that are parsed on all cores (`scanPlainRows`), a round
    /// at a time (so only a round's rows are held), each row hashed once and handed to the counter of
    /// its partition; the first error in the file is the one reported, with its line number in the
    /// whole file.
    /// - Throws: `SummaryCSVError` naming the line, the column and what to change.
    public static func groups(parsing bytes: UnsafeBufferPointer<UInt8>) throws(SummaryCSVError) -> [WeightedCustomerSummary] {
        let header = try Header(bytes)
        // One counter per core, each owning a partition of the triples (by hash), so a round's rows are
        // counted on all cores too; the partitions' groups are disjoint, so they are simply concatenated.
        var bits = 0
        while bits < 3, 2 << bits <= ProcessInfo.processInfo.activeProcessorCount { bits += 1 }
        let partitionBits = bits
        let partitions = 1 << partitionBits
        // About a third of the rows are distinct in day- or week-based exports; 20 bytes make a short row.
        let counters = UnsafeMutablePointer<CustomerSummaryCounter>.allocate(capacity: partitions)
        for partition in 0..<partitions {
            (counters + partition).initialize(to: CustomerSummaryCounter(expected: bytes.count / 60 / partitions))
        }
        defer {
            counters.deinitialize(count: partitions)
            counters.deallocate()
        }
        nonisolated(unsafe) let counting = counters
        var bounds = [header.bodyStart]
        while let last = bounds.last, last < bytes.count {
            var next = min(last + chunkBytes, bytes.count)
            if next < bytes.count, let base = bytes.baseAddress {
                let found = memchr(base + next, Int32(UInt8(ascii: "\n")), bytes.count - next)
                next = found.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) + 1 } ?? bytes.count
            }
            bounds.append(next)
        }
        let perRound = 4 * max(1, ProcessInfo.processInfo.activeProcessorCount)
        // Each chunk of a round parses into one buffer per partition, its rows already hashed, so a
        // counter reads only its own rows and hashes none; the buffers are reused round after round.
        let buffers = UnsafeMutablePointer<HashedSummaries>.allocate(capacity: perRound * partitions)
        for index in 0..<perRound * partitions {
            (buffers + index).initialize(to: HashedSummaries(capacity: chunkBytes / 20 / partitions))
        }
        defer {
            for index in 0..<perRound * partitions { buffers[index].deallocate() }
            buffers.deallocate()
        }
        nonisolated(unsafe) let rowBuffers = buffers
        let outcomes = Mutex([(lines: Int, error: SummaryCSVError?)](repeating: (0, nil), count: perRound))
        // Read-only for the workers; the mapping outlives the call.
        nonisolated(unsafe) let shared = bytes
        let chunkBounds = bounds
        var linesBefore = 1  // the header
        var first = 0
        while first < chunkBounds.count - 1 {
            let round = min(perRound, chunkBounds.count - 1 - first)
            let offset = first
            DispatchQueue.concurrentPerform(iterations: round) { index in
                let slot = rowBuffers + index * partitions
                for partition in 0..<partitions { slot[partition].removeAll() }
                let shift = UInt64(64 - partitionBits)
                var outcome: (lines: Int, error: SummaryCSVError?) = (0, nil)
                do throws(SummaryCSVError) {
                    outcome.lines = try scanPlainRows(
                        shared, from: chunkBounds[offset + index], to: chunkBounds[offset + index + 1], header: header
                    ) { summary in
                        let hash = CustomerSummaryCounter.hash(summary)
                        let partition = partitionBits == 0 ? 0 : Int(UInt64(truncatingIfNeeded: hash) >> shift)
                        slot[partition].append(summary, hash: hash)
                    }
                } catch {
                    outcome.error = error
                }
                outcomes.withLock { $0[index] = outcome }
            }
            for (lines, error) in outcomes.withLock({ $0.prefix(round) }) {
                if var error {
                    error.line += linesBefore
                    throw error
                }
                linesBefore += lines
            }
            DispatchQueue.concurrentPerform(iterations: partitions) { partition in
                for index in 0..<round {
                    counting[partition].add(hashed: rowBuffers[index * partitions + partition].rows)
                }
            }
            first += round
        }
        // The fit sorts the groups itself, so the order of the tables cannot change its result.
        var starts = [0]
        for partition in 0..<partitions { starts.append(starts[partition] + counters[partition].distinct) }
        let offsets = starts
        return [WeightedCustomerSummary](unsafeUninitializedCapacity: offsets[partitions]) { buffer, initialized in
            nonisolated(unsafe) let target = buffer
            DispatchQueue.concurrentPerform(iterations: partitions) { partition in
                if let base = target.baseAddress { counting[partition].writeGroups(to: base + offsets[partition]) }
            }
            initialized = offsets[partitions]
        }
    }

    /// Bytes per parsing chunk: small enough that a round's rows stay a few MB.
    static let chunkBytes = 1 << 19

    /// The header line: column names, where frequency, recency, T and the id are, where the body starts.
    struct Header: Sendable {
        var names: [Substring]
        var layout: Layout
        var bodyStart: Int

        init(_ bytes: UnsafeBufferPointer<UInt8>) throws(SummaryCSVError) {
            var headerEnd = bytes.count
            if let base = bytes.baseAddress, let found = memchr(base, Int32(UInt8(ascii: "\n")), bytes.count) {
                headerEnd = UnsafeRawPointer(found) - UnsafeRawPointer(base)
            }
            guard headerEnd > 0 || bytes.count > 0 else {
                throw SummaryCSVError(
                    line: 1, column: nil, reason: "the file is empty",
                    fix: "start with a header line such as 'member_id,frequency,recency,T'")
            }
            let end = headerEnd > 0 && bytes[headerEnd - 1] == UInt8(ascii: "\r") ? headerEnd - 1 : headerEnd
            var headerLine = Substring(String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<end]), as: UTF8.self))
            if headerLine.first == "\u{FEFF}" { headerLine = headerLine.dropFirst() }
            names = try SummaryCSV.fields(of: headerLine, line: 1).map { $0.trimmingSpaces }
            layout = try Layout(header: names, rawHeader: headerLine)
            bodyStart = headerEnd + 1
        }
    }

    /// Reads the header, then calls `row` for every customer line with its line number, label (when
    /// `labels` and the file has an id column) and validated summary. Returns the id column's name.
    ///
    /// Works on bytes and parses plain decimals itself (exactly, see `plainDecimal`): a million-row
    /// file spends its time here, and Swift's `String` and `Double(_:)` machinery would dominate.
    static func scan(
        _ bytes: UnsafeBufferPointer<UInt8>, labels: Bool, row: (Int, String?, CustomerSummary) -> Void
    ) throws(SummaryCSVError) -> String? {
        let header = try Header(bytes)
        _ = try scanRows(bytes, from: header.bodyStart, to: bytes.count, linesBefore: 1, header: header, labels: labels, row: row)
        return header.layout.label.map { String(header.names[$0]) }
    }

    /// Calls `row` for every customer line in `start..<end` (which begins a line), numbering lines from
    /// `linesBefore + 1`. Returns how many lines (blank ones too) the range holds.
    static func scanRows(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, linesBefore: Int, header headerInfo: Header,
        labels: Bool, row: (Int, String?, CustomerSummary) -> Void
    ) throws(SummaryCSVError) -> Int {
        let newline = UInt8(ascii: "\n")
        let comma = UInt8(ascii: ",")
        let quote = UInt8(ascii: "\"")
        let rangeEnd = end
        var position = start
        func lineEnd(from start: Int) -> Int {
            guard start < rangeEnd, let base = bytes.baseAddress else { return rangeEnd }
            guard let found = memchr(base + start, Int32(newline), rangeEnd - start) else { return rangeEnd }
            return UnsafeRawPointer(found) - UnsafeRawPointer(base)
        }
        func withoutCarriageReturn(_ start: Int, _ end: Int) -> Int {
            end > start && bytes[end - 1] == UInt8(ascii: "\r") ? end - 1 : end
        }
        let header = headerInfo.names
        let layout = headerInfo.layout
        let columns = header.count
        let labelIndex = labels ? layout.label : nil
        var fieldStarts = [Int](repeating: 0, count: columns)
        var fieldEnds = [Int](repeating: 0, count: columns)
        var lineNumber = linesBefore
        var lines = 0
        while position < rangeEnd {
            lineNumber += 1
            let start = position
            let rawEnd = lineEnd(from: start)
            position = rawEnd + 1
            let end = withoutCarriageReturn(start, rawEnd)
            lines += 1
            var blank = true
            var quoted = false
            for index in start..<end {
                let byte = bytes[index]
                if !Self.isSpace(byte) { blank = false }
                if byte == quote { quoted = true }
            }
            if blank { continue }
            func columnName(_ index: Int) -> String { String(header[index]) }
            func wrongCount(_ found: Int) -> SummaryCSVError {
                SummaryCSVError(
                    line: lineNumber, column: nil, reason: "found \(found) field(s) but the header has \(columns)",
                    fix: "give every line the columns \(header.map { "'\($0)'" }.joined(separator: ", "))")
            }
            let summary: CustomerSummary
            var label: String?
            if quoted {
                // Rare: quoted fields, parsed as text by the general splitter.
                let text = Substring(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
                let fields = try Self.fields(of: text, line: lineNumber)
                guard fields.count == columns else { throw wrongCount(fields.count) }
                func number(_ index: Int) throws(SummaryCSVError) -> Double {
                    try Self.number(fields[index].trimmingSpaces, line: lineNumber, column: columnName(index))
                }
                summary = CustomerSummary(
                    frequency: try number(layout.frequency), recency: try number(layout.recency), age: try number(layout.age))
                if let labelIndex {
                    let cell = fields[labelIndex].trimmingSpaces
                    label = cell.isEmpty ? nil : String(cell)
                }
            } else {
                var field = 0
                var fieldStart = start
                for index in start...end where index == end || bytes[index] == comma {
                    if field < columns {
                        fieldStarts[field] = fieldStart
                        fieldEnds[field] = index
                    }
                    field += 1
                    fieldStart = index + 1
                }
                guard field == columns else { throw wrongCount(field) }
                func trimmed(_ index: Int) -> (Int, Int) {
                    var from = fieldStarts[index]
                    var to = fieldEnds[index]
                    while from < to, Self.isSpace(bytes[from]) { from += 1 }
                    while to > from, Self.isSpace(bytes[to - 1]) { to -= 1 }
                    return (from, to)
                }
                func number(_ index: Int) throws(SummaryCSVError) -> Double {
                    let (from, to) = trimmed(index)
                    if let value = Self.plainDecimal(bytes, from, to) { return value }
                    let cell = Substring(String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self))
                    return try Self.number(cell, line: lineNumber, column: columnName(index))
                }
                summary = CustomerSummary(
                    frequency: try number(layout.frequency), recency: try number(layout.recency), age: try number(layout.age))
                if let labelIndex {
                    let (from, to) = trimmed(labelIndex)
                    label = from == to ? nil : String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
                }
            }
            if let problem = summary.problem {
                let column: Int
                switch problem.field {
                case .frequency: column = layout.frequency
                case .recency: column = layout.recency
                case .age: column = layout.age
                }
                throw SummaryCSVError(
                    line: lineNumber, column: columnName(column), reason: problem.reason, fix: problem.fix)
            }
            row(lineNumber, label, summary)
        }
        return lines
    }

    /// Calls `row` for every customer line in `start..<end` (which begins a line) and returns how many
    /// lines the range holds, as `scanRows` does with `labels: false`, numbering lines from 1 for errors.
    ///
    /// The common line (unquoted, plain decimals, a valid triple) is read in one pass, each number as it
    /// is met; any other line (blank, quoted, an unusual number, an error) goes to `scanRows` on its own,
    /// so it is parsed, and its error worded, exactly as there. The numbers are `plainDecimal`'s.
    static func scanPlainRows(
        _ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, header: Header,
        row: (CustomerSummary) -> Void
    ) throws(SummaryCSVError) -> Int {
        guard let base = bytes.baseAddress, start < end else { return 0 }
        let columns = header.names.count
        let layout = header.layout
        // What each column is: 0 frequency, 1 recency, 2 T, 3 anything else (the label, not read).
        var roles = [Int](repeating: 3, count: columns)
        roles[layout.frequency] = 0
        roles[layout.recency] = 1
        roles[layout.age] = 2
        let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), point = UInt8(ascii: "."), zero = UInt8(ascii: "0")
        let quote = UInt8(ascii: "\"")
        var lines = 0
        var position = start
        return try roles.withUnsafeBufferPointer { roles throws(SummaryCSVError) -> Int in
            while position < end {
                let lineStart = position
                lines += 1
                /// The line read on the fast path, `position` then at the next line; nil for `scanRows`.
                func plainLine() -> CustomerSummary? {
                    var values = (0.0, 0.0, 0.0)
                    var p = lineStart
                    for column in 0..<columns {
                        if roles[column] == 3 {
                            while p < end {
                                let byte = base[p]
                                if byte == comma || byte == newline || byte == carriageReturn { break }
                                if byte == quote { return nil }
                                p += 1
                            }
                        } else {
                            while p < end, base[p] == space || base[p] == tab { p += 1 }
                            var mantissa: UInt64 = 0
                            var digits = 0
                            var integerDigits = 0
                            while p < end, base[p] &- zero < 10 {
                                mantissa = mantissa &* 10 &+ UInt64(base[p] &- zero)
                                p += 1
                                integerDigits += 1
                            }
                            guard integerDigits > 0 else { return nil }
                            digits = integerDigits
                            var fractionDigits = 0
                            if p < end, base[p] == point {
                                p += 1
                                while p < end, base[p] &- zero < 10 {
                                    mantissa = mantissa &* 10 &+ UInt64(base[p] &- zero)
                                    p += 1
                                    fractionDigits += 1
                                }
                                guard fractionDigits > 0 else { return nil }
                                digits += fractionDigits
                            }
                            guard digits <= 15 else { return nil }
                            while p < end, base[p] == space || base[p] == tab { p += 1 }
                            var value = Double(mantissa)
                            if fractionDigits > 0 {
                                var divisor = 1.0
                                for _ in 0..<fractionDigits { divisor *= 10 }
                                value /= divisor
                            }
                            switch roles[column] {
                            case 0: values.0 = value
                            case 1: values.1 = value
                            default: values.2 = value
                            }
                        }
                        if column < columns - 1 {
                            guard p < end, base[p] == comma else { return nil }
                            p += 1
                        }
                    }
                    if p < end, base[p] == carriageReturn { p += 1 }
                    if p < end {
                        guard base[p] == newline else { return nil }
                        p += 1
                    }
                    // Non-negative and finite by construction: valid exactly when `problem` is nil.
                    let (x, recency, age) = values
                    guard CustomerSummary.isWhole(x), recency <= age, (x == 0) == (recency == 0) else { return nil }
                    position = p
                    return CustomerSummary(frequency: x, recency: recency, age: age)
                }
                if let summary = plainLine() {
                    row(summary)
                    continue
                }
                let found = memchr(base + lineStart, Int32(newline), end - lineStart)
                let next = found.map { UnsafeRawPointer($0) - UnsafeRawPointer(base) + 1 } ?? end
                _ = try scanRows(bytes, from: lineStart, to: next, linesBefore: lines - 1, header: header, labels: false) {
                    _, _, summary in row(summary)
                }
                position = next
            }
            return lines
        }
    }

    /// A cell as a finite number, or the error naming it.
    static func number(_ cell: Substring, line: Int, column: String) throws(SummaryCSVError) -> Double {
        guard let value = Double(cell) else {
            throw SummaryCSVError(
                line: line, column: column, reason: cell.isEmpty ? "the cell is empty" : "'\(cell)' is not a number",
                fix: "write a plain decimal number such as 3 or 12.5")
        }
        guard value.isFinite else {
            throw SummaryCSVError(
                line: line, column: column, reason: "'\(cell)' is not a finite number",
                fix: "write a plain decimal number such as 3 or 12.5")
        }
        return value
    }

    /// `[-]digits[.digits]` with at most 15 significant digits, or nil for anything else (the caller
    /// then uses `Double(_:)`). Exact: the digits form an integer below 2⁵³ and the divisor is an exact
    /// power of ten, so one IEEE division rounds correctly, as `Double(_:)` does (Clinger's fast path).
    static func plainDecimal(_ bytes: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Double? {
        var index = start
        var negative = false
        if index < end, bytes[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var integerDigits = 0
        var fractionDigits = 0
        var sawPoint = false
        while index < end {
            let byte = bytes[index]
            if byte &- UInt8(ascii: "0") < 10 {
                mantissa = mantissa &* 10 &+ UInt64(byte &- UInt8(ascii: "0"))
                digits += 1
                if sawPoint { fractionDigits += 1 } else { integerDigits += 1 }
                if digits > 15 { return nil }
            } else if byte == UInt8(ascii: "."), !sawPoint {
                sawPoint = true
            } else {
                return nil
            }
            index += 1
        }
        guard integerDigits > 0, !sawPoint || fractionDigits > 0 else { return nil }
        // Products of exact powers of ten up to 10²² are exact; a loop avoids a lazy global's check per cell.
        var divisor = 1.0
        for _ in 0..<fractionDigits { divisor *= 10 }
        let value = Double(mantissa) / divisor
        return negative ? -value : value
    }

    /// Column positions found in the header.
    struct Layout {
        var frequency: Int
        var recency: Int
        var age: Int
        var label: Int?

        init(header: [Substring], rawHeader: Substring) throws(SummaryCSVError) {
            var found: [String: Int] = [:]
            var label: Int?
            for (index, name) in header.enumerated() {
                let key = name.lowercased()
                if key == "frequency" || key == "recency" || key == "t" {
                    if found[key] != nil {
                        throw SummaryCSVError(
                            line: 1, column: String(name), reason: "the column appears twice",
                            fix: "keep one '\(name)' column")
                    }
                    found[key] = index
                } else if Self.isLabel(key) {
                    if let existing = label {
                        throw SummaryCSVError(
                            line: 1, column: String(name),
                            reason: "a second id column (the first is '\(header[existing])')",
                            fix: "keep one id column; the model reads only frequency, recency and T")
                    }
                    label = index
                } else {
                    let separated = !rawHeader.contains(",") && (rawHeader.contains(";") || rawHeader.contains("\t"))
                    throw SummaryCSVError(
                        line: 1, column: String(name), reason: "unknown column",
                        fix: separated
                            ? "the header has no commas: save the file as comma-separated values"
                            : "use exactly the columns frequency, recency, T and optionally one id column (id, member_id, customer_id)"
                    )
                }
            }
            for required in ["frequency", "recency", "t"] where found[required] == nil {
                let name = required == "t" ? "T" : required
                throw SummaryCSVError(
                    line: 1, column: name, reason: "the required column is missing",
                    fix: "add a '\(name)' column (the header needs frequency, recency and T)")
            }
            frequency = found["frequency", default: 0]
            recency = found["recency", default: 0]
            age = found["t", default: 0]
            self.label = label
        }

        /// `id`, `…_id`, `customerid`/`memberid`/`userid`/`clientid`, or the nameless pandas index column.
        static func isLabel(_ key: String) -> Bool {
            key.isEmpty || key == "id" || key.hasSuffix("_id") || key.hasSuffix("-id") || key.hasSuffix(" id")
                || ["customerid", "memberid", "userid", "clientid"].contains(key)
        }
    }

    static func dropCarriageReturn(_ line: Substring) -> Substring {
        let bytes = line.utf8
        guard bytes.last == UInt8(ascii: "\r") else { return line }
        return Substring(bytes.dropLast())
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    /// Splits one line on commas; a field may be double-quoted with "" for a literal quote.
    static func fields(of line: Substring, line number: Int) throws(SummaryCSVError) -> [Substring] {
        // Byte-level splitting: character-level work (grapheme breaking) would dominate a large file.
        guard line.utf8.contains(UInt8(ascii: "\"")) else {
            return line.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false).map { Substring($0) }
        }
        var fields: [Substring] = []
        var index = line.startIndex
        while true {
            // Skip spaces before a possible opening quote.
            var start = index
            while start < line.endIndex, line[start] == " " || line[start] == "\t" { start = line.index(after: start) }
            if start < line.endIndex, line[start] == "\"" {
                var value = ""
                var cursor = line.index(after: start)
                var closed = false
                while cursor < line.endIndex {
                    let character = line[cursor]
                    cursor = line.index(after: cursor)
                    if character == "\"" {
                        if cursor < line.endIndex, line[cursor] == "\"" {
                            value.append("\"")
                            cursor = line.index(after: cursor)
                        } else {
                            closed = true
                            break
                        }
                    } else {
                        value.append(character)
                    }
                }
                guard closed else {
                    throw SummaryCSVError(
                        line: number, column: nil, reason: "a quoted field is not closed",
                        fix: "end the field with a double quote (fields cannot span lines)")
                }
                while cursor < line.endIndex, line[cursor] == " " || line[cursor] == "\t" {
                    cursor = line.index(after: cursor)
                }
                fields.append(Substring(value))
                guard cursor < line.endIndex else { return fields }
                guard line[cursor] == "," else {
                    throw SummaryCSVError(
                        line: number, column: nil, reason: "text follows a closing quote",
                        fix: "put a comma right after the closing quote")
                }
                index = line.index(after: cursor)
            } else {
                let end = line[index...].firstIndex(of: ",") ?? line.endIndex
                fields.append(line[index..<end])
                guard end < line.endIndex else { return fields }
                index = line.index(after: end)
            }
        }
    }
}

/// The rows of one parsing chunk that fall in one counter's partition, each with its hash; appended
/// with neither reference counting nor a uniqueness check per row, and reused, with their capacity,
/// round after round. Not copied while in use; `deallocate()` frees it.
struct HashedSummaries {
    private var base: UnsafeMutablePointer<CustomerSummaryCounter.Hashed>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func deallocate() { base.deallocate() }

    var rows: UnsafeBufferPointer<CustomerSummaryCounter.Hashed> { UnsafeBufferPointer(start: base, count: count) }

    mutating func append(_ summary: CustomerSummary, hash: Int) {
        if count == capacity {
            let bigger = UnsafeMutablePointer<CustomerSummaryCounter.Hashed>.allocate(capacity: 2 * capacity)
            bigger.moveInitialize(from: base, count: count)
            base.deallocate()
            base = bigger
            capacity *= 2
        }
        (base + count).initialize(to: CustomerSummaryCounter.Hashed(summary: summary, hash: hash))
        count += 1
    }

    mutating func removeAll() { count = 0 }
}

/// A problem in a summary CSV file: where (line, column) and what to do about it.
public struct SummaryCSVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line number (the header is line 1).
    public var line: Int
    /// The column's name as written in the header, when the problem is in one column.
    public var column: String?
    /// What is wrong.
    public var reason: String
    /// How to fix it.
    public var fix: String

    public init(line: Int, column: String?, reason: String, fix: String) {
        self.line = line
        self.column = column
        self.reason = reason
        self.fix = fix
    }

    /// For example "line 17, column 'recency': 'abc' is not a number; write a plain decimal number …".
    public var description: String {
        let place = column.map { "line \(line), column '\($0)'" } ?? "line \(line)"
        return "\(place): \(reason); \(fix)"
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs (compared as bytes, for speed).
    fileprivate var trimmingSpaces: Substring {
        let bytes = utf8
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, SummaryCSV.isSpace(bytes[start]) { start = bytes.index(after: start) }
        while start < end {
            let before = bytes.index(before: end)
            guard SummaryCSV.isSpace(bytes[before]) else { break }
            end = before
        }
        return Substring(bytes[start..<end])
    }
}
