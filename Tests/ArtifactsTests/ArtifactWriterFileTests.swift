import Artifacts
import Testing

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite struct ArtifactWriterFileTests {
    @Test func temporaryFileIsRemovedWhenTheWriterIsDroppedWithoutCommit() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("extract.ract")
        var temporaryPath = ""
        do {
            let writer = try ArtifactWriter(path: path, header: sampleHeader(), rowsPerGroup: 100)
            temporaryPath = writer.temporaryPath
            try writer.append(columns: sampleColumns(start: 0, count: 1_000))
            #expect(temporaryPath == "\(path).tmp-\(getpid())")
            #expect(fileExists(temporaryPath))
            #expect(!fileExists(path))
        }
        #expect(!fileExists(temporaryPath))
        #expect(try directoryListing(directory.path).isEmpty)
    }

    @Test func discardRemovesTheTemporaryFileAndClosesTheWriter() throws {
        let directory = try ScratchDirectory()
        let writer = try ArtifactWriter(path: directory.file("extract.ract"), header: sampleHeader())
        try writer.append(columns: sampleColumns(start: 0, count: 10))
        writer.discard()
        #expect(try directoryListing(directory.path).isEmpty)
        let error = expectArtifactError { try writer.append(columns: sampleColumns(start: 0, count: 1)) }
        #expect(error?.code == .writerClosed)
        #expect(expectArtifactError { try writer.commit() }?.code == .writerClosed)
    }

    @Test func committedFileIsOwnerReadWriteOnly() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("extract.ract")
        let writer = try ArtifactWriter(path: path, header: sampleHeader())
        var info = stat()
        #expect(stat(writer.temporaryPath, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        try writer.commit()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(try directoryListing(directory.path) == ["extract.ract"])
    }

    @Test func commitTwiceIsRefused() throws {
        let directory = try ScratchDirectory()
        let writer = try ArtifactWriter(path: directory.file("extract.ract"), header: sampleHeader())
        try writer.commit()
        #expect(expectArtifactError { try writer.commit() }?.code == .writerClosed)
    }

    @Test func writingIntoAMissingDirectoryNamesThePathAndTheFix() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("no/such/dir/extract.ract")
        let error = expectArtifactError { _ = try ArtifactWriter(path: path, header: sampleHeader()) }
        #expect(error?.code == .directoryMissing)
        #expect(error?.path == path)
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("mkdir -p '\(directory.path)/no/such/dir'") == true)
    }

    @Test func writingBelowARegularFileNamesThePathAndTheFix() throws {
        let directory = try ScratchDirectory()
        try writeFile(directory.file("plain"), [1, 2, 3])
        let path = directory.file("plain/extract.ract")
        let error = expectArtifactError { _ = try ArtifactWriter(path: path, header: sampleHeader()) }
        #expect(error?.code == .directoryMissing)
        #expect(error?.description.contains("not a directory") == true)
    }

    @Test func writingIntoAnUnwritableDirectoryNamesThePathAndTheFix() throws {
        let directory = try ScratchDirectory()
        // Root ignores directory permissions; sysfs refuses to create files even for root.
        let unwritable: String
        if geteuid() == 0 {
            unwritable = "/sys"
        } else {
            unwritable = directory.file("locked")
            #expect(mkdir(unwritable, 0o500) == 0)
        }
        defer { if geteuid() != 0 { chmod(unwritable, 0o700) } }
        let path = unwritable + "/extract.ract"
        let error = expectArtifactError { _ = try ArtifactWriter(path: path, header: sampleHeader()) }
        #expect(error?.code == .permissionDenied)
        #expect(error?.description.contains(path) == true)
        #expect(error?.fix?.contains("make \(unwritable) writable") == true)
    }

    @Test func secondWriterForTheSamePathIsRefusedWhileTheFirstIsOpen() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("extract.ract")
        let first = try ArtifactWriter(path: path, header: sampleHeader())
        let error = expectArtifactError { _ = try ArtifactWriter(path: path, header: sampleHeader()) }
        #expect(error?.code == .invalidInput)
        #expect(fileExists(first.temporaryPath))
        try first.commit()
        // Once committed, the name is free again.
        try writeSample(to: path, rows: 3)
        #expect(try ArtifactReader.verify(path: path).rowCount == 3)
    }

    @Test func staleTemporaryFileFromADeadProcessIsReplaced() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("extract.ract")
        try writeFile("\(path).tmp-\(getpid())", Array("left over by a crash".utf8))
        try writeSample(to: path, rows: 5)
        #expect(try directoryListing(directory.path) == ["extract.ract"])
        #expect(try ArtifactReader.verify(path: path).rowCount == 5)
    }

    @Test func largeArtifactStreamsThroughManyRowGroups() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("extract.ract")
        let rows = 300_000
        let summary = try writeSample(to: path, rows: rows, batches: [50_000, 12_345], rowsPerGroup: ArtifactWriter.defaultRowsPerGroup)
        #expect(summary.rowGroupCount == 5)
        let reader = try ArtifactReader(path: path)
        var start = 0
        while let group = try reader.next() {
            #expect(sameBits(group.columns, sampleColumns(start: start, count: group.rowCount)))
            start += group.rowCount
        }
        #expect(start == rows)
        #expect(reader.summary == summary)
    }
}
