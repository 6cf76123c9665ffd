import Artifacts
import Foundation
import Testing

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fresh directory under the system temp folder, deleted with everything in it when released.
final class ScratchDirectory {
    let path: String

    init() throws {
        var template = Array((FileManager.default.temporaryDirectory.path + "/artifacts-test-XXXXXX").utf8CString)
        let created = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
        }
        path = try #require(created, "mkdtemp failed: errno \(errno)")
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func file(_ name: String) -> String { path + "/" + name }
}

/// Reads a whole file; for test fixtures only.
func readFile(_ path: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
}

func writeFile(_ path: String, _ bytes: [UInt8]) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func fileExists(_ path: String) -> Bool {
    FileManager.default.fileExists(atPath: path)
}

/// Deterministic pseudo-random numbers (SplitMix64) so failures reproduce.
struct SplitMix64 {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Bytes that compress somewhat, like real columns: runs, small numbers and some noise.
func sampleBytes(count: Int, seed: UInt64 = 1) -> [UInt8] {
    var random = SplitMix64(state: seed)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count)
    while bytes.count < count {
        let value = random.next()
        switch value % 4 {
        case 0: bytes.append(contentsOf: repeatElement(UInt8(truncatingIfNeeded: value >> 8), count: Int((value >> 16) % 40)))
        case 1: bytes.append(contentsOf: Array("member_\(value % 1000);".utf8))
        default: withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
        }
    }
    return Array(bytes.prefix(count))
}

/// The schema used by most artifact tests: one column of every type.
let sampleSchema: [ArtifactColumn] = [
    ArtifactColumn("member_id", .int64),
    ArtifactColumn("days_since_purchase", .int32),
    ArtifactColumn("spend", .float64),
    ArtifactColumn("consent", .uint8),
]

func sampleHeader(rowCount: Int64? = nil, metadata: [String: String] = ["source": "test"]) -> ArtifactHeader {
    ArtifactHeader(
        kind: "extract", runID: "run-42", asOf: "2024-03-31", rowCount: rowCount,
        columns: sampleSchema, metadata: metadata)
}

/// Rows `start..<start+count` of a deterministic table matching ``sampleSchema``, with edge values mixed in.
func sampleColumns(start: Int, count: Int) -> [ArtifactColumnData] {
    let rows = start..<(start + count)
    let edgeInts: [Int64] = [.min, .max, 0, -1]
    let edgeDoubles: [Double] = [.infinity, -.infinity, -0.0, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
    return [
        .int64(rows.map { $0 % 97 == 5 ? edgeInts[$0 % edgeInts.count] : Int64($0) * 7_919 }),
        .int32(rows.map { $0 % 89 == 3 ? Int32.min : Int32($0 % 4_000) - 1 }),
        .float64(rows.map { $0 % 83 == 7 ? edgeDoubles[$0 % edgeDoubles.count] : Double($0) * 0.25 }),
        .uint8(rows.map { UInt8(truncatingIfNeeded: $0 % 3 == 0 ? 255 : $0) }),
    ]
}

/// Column equality that treats NaN payloads bit for bit, since `==` says NaN != NaN.
func sameBits(_ left: [ArtifactColumnData], _ right: [ArtifactColumnData]) -> Bool {
    guard left.count == right.count else { return false }
    for (a, b) in zip(left, right) {
        switch (a, b) {
        case (.float64(let x), .float64(let y)):
            guard x.map(\.bitPattern) == y.map(\.bitPattern) else { return false }
        default:
            guard a == b else { return false }
        }
    }
    return true
}

/// Writes `rows` sample rows, appended in batches of the given sizes (cycled), and commits.
@discardableResult
func writeSample(
    to path: String, rows: Int, batches: [Int] = [1_000], rowsPerGroup: Int = 1_000,
    header: ArtifactHeader = sampleHeader()
) throws -> ArtifactSummary {
    let writer = try ArtifactWriter(path: path, header: header, rowsPerGroup: rowsPerGroup)
    var written = 0
    var batch = 0
    while written < rows {
        let count = min(batches[batch % batches.count], rows - written)
        try writer.append(columns: sampleColumns(start: written, count: count))
        written += count
        batch += 1
    }
    return try writer.commit()
}

/// Runs `body` and returns the ``ArtifactError`` it must throw.
func expectArtifactError(
    _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> ArtifactError? {
    do {
        try body()
        Issue.record("expected an ArtifactError, got success. \(comment.map { "\($0)" } ?? "")",
            sourceLocation: sourceLocation)
        return nil
    } catch let error as ArtifactError {
        return error
    } catch {
        Issue.record("expected an ArtifactError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The names in a directory, sorted.
func directoryListing(_ path: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path).sorted()
}
