import Foundation
import ReactivateCore
import Testing

/// Hostile pipeline configs: whatever the bytes, loading ends in a config or in an error that names
/// the file and a line within it, never in a crash.
@Suite struct TOMLFuzzTests {
    /// The real configs in the package's `pipelines/` folder, as bytes.
    static func realConfigs() throws -> [[UInt8]] {
        let folder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("pipelines")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".toml") }.sorted()
        return try names.map { Array(try Data(contentsOf: folder.appendingPathComponent($0))) }
    }

    /// Bytes → text → config, the way the command line loads a file; the error if it is refused.
    static func load(_ bytes: [UInt8]) -> ConfigError? {
        do {
            let text = try TOMLSourceText.decode(bytes, fileName: "fuzz.toml")
            _ = try PipelineConfig.load(text: text, fileName: "fuzz.toml")
            return nil
        } catch {
            return error
        }
    }

    static func lineCount(_ bytes: [UInt8]) -> Int { bytes.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) } }

    @Test func arraysNestedThirtyThousandDeepAreRefusedWithTheLimitAndLine() {
        for depth in [TOMLParser.maximumNesting + 1, 10_000, 30_000] {
            let text = "campaign = \"deep\"\n\n[target]\nradius_m = " + String(repeating: "[", count: depth) + "\n"
            let error = Self.load(Array(text.utf8))
            #expect(error?.kind == .syntax)
            #expect(error?.line == 4)
            #expect(error?.description.hasPrefix("fuzz.toml:4: key 'target.radius_m': arrays are nested more than \(TOMLParser.maximumNesting) deep") == true,
                "\(error?.description ?? "accepted")")
        }
        // At the limit the nesting itself is fine (the key then refuses an array, on its line).
        let atLimit = "campaign = \"deep\"\nx = " + String(repeating: "[", count: TOMLParser.maximumNesting)
            + String(repeating: "]", count: TOMLParser.maximumNesting) + "\n"
        let error = Self.load(Array(atLimit.utf8))
        #expect(error?.description.contains("nested") == false)
        #expect(error?.line == 2)
    }

    @Test func invalidUTF8IsNamedWithItsLineAndByteOffset() throws {
        var bytes = Array("campaign = \"x\"\n# café\nname = \"".utf8)
        let offset = bytes.count
        bytes += [0xE9, 0x22, 0x0A]  // Latin-1 é
        let error = try #require(Self.load(bytes))
        #expect(error.kind == .encoding)
        #expect(error.line == 3)
        #expect(error.description.hasPrefix("fuzz.toml:3: invalid UTF-8: the sequence at byte offset \(offset) of the file (byte 8 of the line) starts with 0xE9"),
            "\(error.description)")
        // Overlong forms, surrogates, beyond U+10FFFF and truncated sequences are all refused; valid
        // multi-byte text (the configs have Chinese comments) is not.
        for bad: [UInt8] in [[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE4, 0xB8], [0x80], [0xFF]] {
            let error = Self.load(Array("campaign = \"x\"\n".utf8) + bad)
            #expect(error?.kind == .encoding && error?.line == 2, "\(bad): \(error?.description ?? "accepted")")
        }
        #expect(try TOMLSourceText.decode(Array("# 春季唤醒 🌸\n".utf8), fileName: "f") == "# 春季唤醒 🌸\n")
    }

    @Test func mutatedRealConfigsNeverCrashAndEveryRefusalHasALineInTheFile() throws {
        let seeds = try Self.realConfigs()
        try #require(!seeds.isEmpty)
        for seed in seeds { #expect(Self.load(seed) == nil, "the real config must load") }
        var random = BGNBDTestRandom(seed: 16)
        let specials: [[UInt8]] = [
            [0], [0xFF], [0xC3], [0xE2, 0x80], [UInt8(ascii: "[")], [UInt8(ascii: "]")], [UInt8(ascii: "{")],
            [UInt8(ascii: "\"")], [UInt8(ascii: "'")], [UInt8(ascii: "=")], [UInt8(ascii: "\n")], [UInt8(ascii: "\r")],
            [UInt8(ascii: "#")], [UInt8(ascii: ".")], Array("nan".utf8), Array("-inf".utf8), Array("1e400".utf8),
            Array("99999999999999999999999".utf8), Array("\\u0000".utf8), Array("\"\"\"".utf8),
        ]
        var refused = 0
        let inputs = 2_000
        for _ in 0..<inputs {
            var bytes = seeds[Int(random.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let at = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
                switch random.next() % 9 {
                case 0: if !bytes.isEmpty { bytes[at] = UInt8(truncatingIfNeeded: random.next()) }
                case 1: bytes.insert(contentsOf: specials[Int(random.next() % UInt64(specials.count))], at: at)
                case 2: bytes.removeSubrange(at..<min(bytes.count, at + Int(random.next() % 40)))
                case 3:
                    // Random nesting, sometimes past the limit, sometimes closed again.
                    let depth = Int(random.next() % 35_000)
                    var nest = Array("\nnest = ".utf8) + Array(repeating: UInt8(ascii: "["), count: depth)
                    if random.next() % 2 == 0 { nest += Array(repeating: UInt8(ascii: "]"), count: depth) }
                    bytes.insert(contentsOf: nest + [UInt8(ascii: "\n")], at: at)
                case 4:
                    // A long line: a 20k-character string, number or key.
                    let filler = [UInt8(ascii: "a"), UInt8(ascii: "7"), UInt8(ascii: "\"")][Int(random.next() % 3)]
                    bytes.insert(contentsOf: Array(repeating: filler, count: 20_000), at: at)
                case 5:
                    // Duplicate a line elsewhere (duplicate keys and tables).
                    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                    let line = lines[Int(random.next() % UInt64(lines.count))]
                    bytes.insert(contentsOf: Array(line) + [UInt8(ascii: "\n")], at: at)
                case 6: bytes = Array(bytes.prefix(at))
                case 7: if !bytes.isEmpty { bytes[at] = [UInt8(ascii: "["), UInt8(ascii: "="), UInt8(ascii: "\"")][Int(random.next() % 3)] }
                default: bytes.insert(contentsOf: Array("\n[[t]]\nx = {a = 1}\ny = 1979-05-27T07:32:00Z\n".utf8), at: at)
                }
            }
            guard let error = Self.load(bytes) else { continue }
            refused += 1
            let lines = Self.lineCount(bytes)
            guard let line = error.line else {
                Issue.record("refused without a line: \(error.description.prefix(300))")
                continue
            }
            #expect(line >= 1 && line <= lines, "line \(line) of \(lines): \(error.description.prefix(300))")
            #expect(error.description.hasPrefix("fuzz.toml:\(line): "), "\(error.description.prefix(300))")
        }
        // The mutations must actually be hostile for the test to mean anything.
        #expect(refused > inputs / 2, "only \(refused) of \(inputs) mutated configs were refused")
    }
}
