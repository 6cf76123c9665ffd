@testable import ReactivateCore
import Testing

@Suite struct SummaryCSVTests {
    @Test func goodFileIsParsedWithItsIdColumnAsLabel() throws {
        let text = """
            member_id, Frequency ,recency,T
            1001, 2 , 30.43, 38.86
            1002,0,0,38.86

            1003,7,20,21
            """
        let table = try SummaryCSV(parsing: text)
        #expect(table.labelColumn == "member_id")
        #expect(table.rows.map(\.label) == ["1001", "1002", "1003"])
        #expect(table.rows.map(\.line) == [2, 3, 5])
        #expect(
            table.summaries == [
                CustomerSummary(frequency: 2, recency: 30.43, age: 38.86),
                CustomerSummary(frequency: 0, recency: 0, age: 38.86),
                CustomerSummary(frequency: 7, recency: 20, age: 21),
            ])
    }

    @Test func parsedFileFitsLikeTheSummariesItWasWrittenFrom() throws {
        let parameters = BGNBDParameters(r: 0.243, alpha: 4.414, a: 0.793, b: 2.426)
        let summaries = bgnbdSimulate(parameters, customers: 3_000, ages: 20...60, seed: 17).map(\.summary)
        var text = "customer_id,frequency,recency,T\n"
        for (index, summary) in summaries.enumerated() {
            // Swift prints the shortest text that reads back as the same Double, so the round trip is exact.
            text += "C\(index),\(summary.frequency),\(summary.recency),\(summary.age)\n"
        }
        let table = try SummaryCSV(parsing: text)
        #expect(table.summaries == summaries)
        #expect(table.rows.last?.label == "C2999")
        #expect(try BGNBDFit.fit(table.summaries) == BGNBDFit.fit(summaries))
    }

    /// A file of several parsing chunks and rounds (chunks are cut at line ends and parsed concurrently).
    static func largeFile(lines: Int, badLine: Int? = nil) -> [UInt8] {
        var text = "customer_id,frequency,recency,T\n"
        for line in 2...lines {
            if line == badLine {
                text += "C\(line),2,abc,30\n"
            } else if line % 1_000 == 0 {
                text += "\n"  // blank lines count as lines
            } else {
                let x = line % 7
                text += "C\(line),\(x),\(x == 0 ? "0" : String(Double(line % 997) / 100 + 0.5)),\(Double(line % 13) + 20)\n"
            }
        }
        return Array(text.utf8)
    }

    @Test func groupsOfAManyChunkFileAreTheGroupsOfItsRows() throws {
        let bytes = Self.largeFile(lines: 300_000)
        #expect(bytes.count > 8 * SummaryCSV.chunkBytes)
        let groups = try bytes.withUnsafeBufferPointer { buffer throws(SummaryCSVError) in try SummaryCSV.groups(parsing: buffer) }
        let rows = try SummaryCSV(parsing: String(decoding: bytes, as: UTF8.self)).summaries
        func counts(_ groups: [WeightedCustomerSummary]) -> [CustomerSummary: Int] {
            groups.reduce(into: [:]) { $0[$1.summary, default: 0] += $1.count }
        }
        #expect(counts(groups) == counts(CustomerSummary.grouped(rows)))
        #expect(groups.reduce(0) { $0 + $1.count } == rows.count)
    }

    /// Short rows that are nearly all distinct: far more triples than the tables are sized for, so
    /// every counter grows several times while counting (an optimised build once freed a table before
    /// copying it there).
    @Test func groupsOfAFileOfDistinctShortRowsSurviveTheTablesGrowing() throws {
        var text = "frequency,recency,T\n"
        for line in 0..<200_000 {
            let x = line % 5
            text += x == 0 ? "0,0,\(line % 701 + 1)\n" : "\(x),\(line % 499 + 1),\(line % 997 + 500)\n"
        }
        let bytes = Array(text.utf8)
        let groups = try bytes.withUnsafeBufferPointer { buffer throws(SummaryCSVError) in try SummaryCSV.groups(parsing: buffer) }
        let rows = try SummaryCSV(parsing: text).summaries
        #expect(groups.count > bytes.count / 60)  // more than the tables were sized for
        func counts(_ groups: [WeightedCustomerSummary]) -> [CustomerSummary: Int] {
            groups.reduce(into: [:]) { $0[$1.summary, default: 0] += $1.count }
        }
        #expect(counts(groups) == counts(CustomerSummary.grouped(rows)))
    }

    @Test func errorInALaterChunkNamesItsLineInTheWholeFile() throws {
        let bytes = Self.largeFile(lines: 300_000, badLine: 251_234)
        #expect(throws: SummaryCSVError.self) {
            try bytes.withUnsafeBufferPointer { buffer throws(SummaryCSVError) in _ = try SummaryCSV.groups(parsing: buffer) }
        }
        do {
            _ = try bytes.withUnsafeBufferPointer { buffer throws(SummaryCSVError) in try SummaryCSV.groups(parsing: buffer) }
        } catch {
            #expect(error.line == 251_234)
            #expect(error.column == "recency")
        }
    }

    /// Lines the one-pass reader of `groups(parsing:)` hands to the general one, and lines it reads
    /// itself, mixed: both readers must agree on every triple, and name the same line and column.
    @Test func groupsAgreeWithTheGeneralReaderOnUnusualLines() throws {
        let good = [
            "7,2,30.43,38.86", " 8 , 2 , 30.43 , 38.86 ", "9,\t0\t,0,5", "10,1,2.50,4.000", "\"q,1\",1,2,3",
            "11,-0,0,4", "12,3,.5,7", "13,1,1e1,20", "14,1,123456789012.3456,123456789012.3456", "15,0,0,0",
            "16,0001,00002.5,3", "19,2.,3,4", "a\rb,1,2,3", "17,2,3,4\r", "", "   ", "18,4,1234567890123456,1234567890123456",
        ]
        var text = "customer_id,frequency,recency,T\n"
        for index in 0..<3_000 { text += good[index % good.count] + "\n" }
        let bytes = Array(text.utf8)
        let groups = try bytes.withUnsafeBufferPointer { buffer throws(SummaryCSVError) in try SummaryCSV.groups(parsing: buffer) }
        let rows = try SummaryCSV(parsing: text).summaries
        func counts(_ groups: [WeightedCustomerSummary]) -> [CustomerSummary: Int] {
            groups.reduce(into: [:]) { $0[$1.summary, default: 0] += $1.count }
        }
        #expect(counts(groups) == counts(CustomerSummary.grouped(rows)))
        let bad = [
            "1,2,3,", "1,2,3", "1,2,,3", "1,1.5,2,3", "1,2,5,4", "1,0,1,4", "1,1,0,4", "1,x,2,3",
            "1,1,2,3 4", "1,1,2,-3", "1,1,2,\"3", "1,1,2,inf",
        ]
        for line in bad {
            let text = "customer_id,frequency,recency,T\n5,1,2,3\n" + line + "\n6,1,2,3\n"
            let bytes = Array(text.utf8)
            var fromGroups: SummaryCSVError?
            do {
                _ = try bytes.withUnsafeBufferPointer { buffer throws(SummaryCSVError) in try SummaryCSV.groups(parsing: buffer) }
            } catch { fromGroups = error }
            var fromRows: SummaryCSVError?
            do { _ = try SummaryCSV(parsing: text) } catch { fromRows = error }
            #expect(fromGroups != nil, "\(line)")
            #expect(fromGroups == fromRows, "\(line)")
        }
    }

    @Test func columnsMayComeInAnyOrderWithoutIdAndWithLowercaseT() throws {
        let table = try SummaryCSV(parsing: "t,recency,frequency\n10,4,1\n")
        #expect(table.labelColumn == nil)
        #expect(
            table.rows == [
                SummaryCSV.Row(line: 2, label: nil, summary: CustomerSummary(frequency: 1, recency: 4, age: 10))
            ])
    }

    @Test func windowsLineEndsByteOrderMarkQuotesAndPandasIndexAreAccepted() throws {
        let text = "\u{FEFF},frequency,recency,T\r\n\"A, 7\",1,2,3\r\n\"say \"\"hi\"\"\",0,0,5\r\n"
        let table = try SummaryCSV(parsing: text)
        #expect(table.labelColumn == "")
        #expect(table.rows.map(\.label) == ["A, 7", "say \"hi\""])
        #expect(table.rows.map(\.summary.age) == [3, 5])
    }

    @Test func badCellIsNamedByLineAndColumn() {
        let text = "customer_id,frequency,recency,T\n1,1,2,3\n2,1,abc,3\n"
        let error = #expect(throws: SummaryCSVError.self) { try SummaryCSV(parsing: text) }
        #expect(error?.line == 3)
        #expect(error?.column == "recency")
        #expect(error?.description.hasPrefix("line 3, column 'recency': 'abc' is not a number") == true)
    }

    @Test func emptyAndNonFiniteCellsAreRefused() {
        let empty = #expect(throws: SummaryCSVError.self) { try SummaryCSV(parsing: "frequency,recency,T\n1, ,3\n") }
        #expect(empty?.column == "recency")
        #expect(empty?.reason == "the cell is empty")
        let infinite = #expect(throws: SummaryCSVError.self) {
            try SummaryCSV(parsing: "frequency,recency,T\n1,2,inf\n")
        }
        #expect(infinite?.column == "T")
        #expect(infinite?.reason.contains("not a finite number") == true)
    }

    @Test func unknownColumnIsRefused() {
        let error = #expect(throws: SummaryCSVError.self) {
            try SummaryCSV(parsing: "id,frequency,recency_days,T\n1,1,2,3\n")
        }
        #expect(error?.line == 1)
        #expect(error?.column == "recency_days")
        #expect(error?.reason == "unknown column")
        let semicolons = #expect(throws: SummaryCSVError.self) {
            try SummaryCSV(parsing: "frequency;recency;T\n1;2;3\n")
        }
        #expect(semicolons?.fix.contains("comma-separated") == true)
    }

    @Test func missingDuplicateAndSecondIdColumnsAreRefused() {
        let missing = #expect(throws: SummaryCSVError.self) { try SummaryCSV(parsing: "frequency,T\n1,3\n") }
        #expect(missing?.column == "recency")
        #expect(missing?.reason == "the required column is missing")
        let twice = #expect(throws: SummaryCSVError.self) {
            try SummaryCSV(parsing: "frequency,recency,T,t\n1,2,3,3\n")
        }
        #expect(twice?.column == "t")
        let twoIds = #expect(throws: SummaryCSVError.self) {
            try SummaryCSV(parsing: "id,member_id,frequency,recency,T\n1,2,1,2,3\n")
        }
        #expect(twoIds?.column == "member_id")
        let nothing = #expect(throws: SummaryCSVError.self) { try SummaryCSV(parsing: "") }
        #expect(nothing?.line == 1)
    }

    @Test func recencyBeyondAgeAndNegativeValuesAreRefused() {
        let late = #expect(throws: SummaryCSVError.self) {
            try SummaryCSV(parsing: "frequency,recency,T\n1,2,3\n2,9,4\n")
        }
        #expect(late?.line == 3)
        #expect(late?.column == "recency")
        #expect(late?.reason.contains("later than age T") == true)
        let negative = #expect(throws: SummaryCSVError.self) {
            try SummaryCSV(parsing: "frequency,recency,T\n-1,0,3\n")
        }
        #expect(negative?.column == "frequency")
        let negativeAge = #expect(throws: SummaryCSVError.self) {
            try SummaryCSV(parsing: "frequency,recency,T\n0,0,-3\n")
        }
        #expect(negativeAge?.column == "T")
    }

    @Test func lineWithTheWrongNumberOfFieldsIsRefused() {
        let error = #expect(throws: SummaryCSVError.self) {
            try SummaryCSV(parsing: "frequency,recency,T\n1,2,3\n1,2\n")
        }
        #expect(error?.line == 3)
        #expect(error?.column == nil)
        #expect(error?.description.hasPrefix("line 3: found 2 field(s) but the header has 3") == true)
    }
}
