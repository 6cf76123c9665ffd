import Artifacts
import Testing

@Suite struct ArtifactRoundTripTests {
    @Test func allColumnTypesRoundTripAcrossSeveralRowGroups() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("extract.ract")
        let summary = try writeSample(to: path, rows: 3_500, batches: [1, 999, 1_234, 7], rowsPerGroup: 1_000)
        #expect(summary.rowCount == 3_500)
        #expect(summary.rowGroupCount == 4)

        let contents = try ArtifactReader.readAll(path: path)
        #expect(contents.header == sampleHeader())
        #expect(sameBits(contents.columns, sampleColumns(start: 0, count: 3_500)))
        #expect(contents.summary == summary)
        #expect(contents.column(named: "member_id")?.int64Values?.count == 3_500)
        #expect(contents.column(named: "nope") == nil)
    }

    @Test func rowGroupsHoldExactlyRowsPerGroupWhateverTheAppendSizes() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("extract.ract")
        try writeSample(to: path, rows: 3_500, batches: [333, 2_000, 1], rowsPerGroup: 1_000)

        let reader = try ArtifactReader(path: path)
        var sizes: [Int] = []
        var start = 0
        while let group = try reader.next() {
            sizes.append(group.rowCount)
            #expect(group.columns.allSatisfy { $0.count == group.rowCount })
            #expect(sameBits(group.columns, sampleColumns(start: start, count: group.rowCount)))
            #expect(group.column(named: "consent")?.type == .uint8)
            start += group.rowCount
        }
        #expect(sizes == [1_000, 1_000, 1_000, 500])
        #expect(reader.rowsRead == 3_500)
        #expect(reader.summary?.rowCount == 3_500)
        #expect(try reader.next() == nil)
    }

    @Test func emptyArtifactHasAHeaderAndNoRows() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("empty.ract")
        let writer = try ArtifactWriter(path: path, header: sampleHeader(rowCount: 0))
        try writer.append(columns: sampleColumns(start: 0, count: 0))
        let summary = try writer.commit()
        #expect(summary.rowCount == 0)
        #expect(summary.rowGroupCount == 0)

        let contents = try ArtifactReader.readAll(path: path)
        #expect(contents.header.rowCount == 0)
        #expect(contents.columns.map(\.count) == [0, 0, 0, 0])
        #expect(contents.columns.map(\.type) == sampleSchema.map(\.type))
        #expect(try ArtifactReader.verify(path: path) == summary)
    }

    @Test func sameHeaderAndRowsGiveIdenticalBytes() throws {
        let directory = try ScratchDirectory()
        // Metadata built in different orders, rows appended in different batch sizes.
        var metadata1: [String: String] = [:]
        var metadata2: [String: String] = [:]
        let keys = (0..<20).map { "key\($0)" }
        for key in keys { metadata1[key] = "v/\(key)" }
        for key in keys.reversed() { metadata2[key] = "v/\(key)" }
        let first = directory.file("a.ract")
        let second = directory.file("b.ract")
        let summary1 = try writeSample(to: first, rows: 5_000, batches: [5_000], header: sampleHeader(metadata: metadata1))
        let summary2 = try writeSample(to: second, rows: 5_000, batches: [17, 3, 999], header: sampleHeader(metadata: metadata2))
        #expect(try readFile(first) == readFile(second))
        #expect(summary1.contentChecksum == summary2.contentChecksum)
    }

    @Test func verifyReturnsTheHeaderAndTheChecksumThatCommitReported() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("extract.ract")
        let written = try writeSample(to: path, rows: 2_345, header: sampleHeader(rowCount: 2_345))
        let verified = try ArtifactReader.verify(path: path)
        #expect(verified == written)
        #expect(verified.header.runID == "run-42")
        #expect(verified.contentChecksumHex.count == 16)
        #expect(verified.fileBytes == Int64(try readFile(path).count))
    }

    @Test func declaredRowCountMustMatchTheRowsAppended() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("extract.ract")
        let writer = try ArtifactWriter(path: path, header: sampleHeader(rowCount: 10))
        try writer.append(columns: sampleColumns(start: 0, count: 5))
        let tooMany = expectArtifactError { try writer.append(columns: sampleColumns(start: 5, count: 6)) }
        #expect(tooMany?.code == .invalidInput)
        let error = expectArtifactError { try writer.commit() }
        #expect(error?.code == .invalidInput)
        #expect(error?.description.contains("declares 10 rows but 5") == true)
        #expect(!fileExists(path))
        #expect(!fileExists(writer.temporaryPath))
    }

    @Test func appendRejectsColumnsThatDoNotFitTheSchemaAndStaysUsable() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("extract.ract")
        let writer = try ArtifactWriter(path: path, header: sampleHeader())
        let good = sampleColumns(start: 0, count: 3)

        let missing = expectArtifactError { try writer.append(columns: Array(good.dropLast())) }
        #expect(missing?.code == .invalidInput)
        #expect(missing?.message.contains("3 columns but the schema has 4") == true)

        let wrongType = expectArtifactError { try writer.append(.int64([1]), .int64([1]), .float64([1]), .uint8([1])) }
        #expect(wrongType?.message.contains("'days_since_purchase' is int32") == true)

        let ragged = expectArtifactError { try writer.append(.int64([1, 2]), .int32([1]), .float64([1, 2]), .uint8([1, 2])) }
        #expect(ragged?.message.contains("'days_since_purchase' has 1 values") == true)

        try writer.append(columns: good)
        try writer.commit()
        #expect(try ArtifactReader.readAll(path: path).summary.rowCount == 3)
    }

    @Test(arguments: [
        ArtifactHeader(kind: "", runID: "r", asOf: "2024-01-01", columns: sampleSchema),
        ArtifactHeader(kind: "extract", runID: "", asOf: "2024-01-01", columns: sampleSchema),
        ArtifactHeader(kind: "extract", runID: "r", asOf: "2024-1-01", columns: sampleSchema),
        ArtifactHeader(kind: "extract", runID: "r", asOf: "2024-13-01", columns: sampleSchema),
        ArtifactHeader(kind: "extract", runID: "r", asOf: "2024-01-01", rowCount: -1, columns: sampleSchema),
        ArtifactHeader(kind: "extract", runID: "r", asOf: "2024-01-01", columns: []),
        ArtifactHeader(kind: "extract", runID: "r", asOf: "2024-01-01", columns: [.init("a", .int64), .init("a", .uint8)]),
    ])
    func invalidHeaderIsRefusedBeforeAnyFileIsCreated(header: ArtifactHeader) throws {
        let directory = try ScratchDirectory()
        let path = directory.file("bad.ract")
        let error = expectArtifactError { _ = try ArtifactWriter(path: path, header: header) }
        #expect(error?.code == .invalidInput)
        #expect(try directoryListing(directory.path).isEmpty)
    }

    @Test func requireSchemaNamesExpectedAndFoundColumns() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("extract.ract")
        try writeSample(to: path, rows: 10)
        let reader = try ArtifactReader(path: path)
        try reader.requireSchema(kind: "extract", columns: sampleSchema)
        let error = expectArtifactError {
            try reader.requireSchema(kind: "extract", columns: [ArtifactColumn("member_id", .int32)])
        }
        #expect(error?.code == .schemaMismatch)
        #expect(error?.description.contains("member_id int32") == true)
        #expect(error?.description.contains(path) == true)
    }

    @Test func commitReplacesAnEarlierArtifactAtTheSamePath() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("extract.ract")
        try writeSample(to: path, rows: 100)
        try writeSample(to: path, rows: 7)
        #expect(try ArtifactReader.verify(path: path).rowCount == 7)
        #expect(try directoryListing(directory.path) == ["extract.ract"])
    }
}
