import Foundation
import Postgres
import ReactivateTestSupport
import Testing

/// Runs the built `reactivate` binary, as cron and people do: exit codes, stdout vs stderr, JSON logs.
struct CommandLine {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        if let explicit = ProcessInfo.processInfo.environment["REACTIVATE_BIN"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        return projectRoot.appendingPathComponent(".build/debug/reactivate")
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: URL = projectRoot) throws -> Output {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Read both pipes before waiting so a chatty child cannot block on a full pipe.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }
}

@Suite struct CommandLineTests {
    @Test(arguments: [["--help"], ["migrate", "--help"], ["generate", "--help"], ["run", "--help"]])
    func helpGoesToStdoutAndExitsZero(arguments: [String]) throws {
        let output = try CommandLine.run(arguments)
        #expect(output.status == 0)
        #expect(output.stdout.contains("USAGE") || output.stdout.contains("Usage"))
    }

    @Test(arguments: [["frobnicate"], ["migrate", "--bogus"], ["generate"], ["generate", "--as-of", "2026-02-30"],
        ["run", "pipelines/spring-wakeup.toml"], ["run", "pipelines/spring-wakeup.toml", "--as-of", "yesterday"]])
    func usageErrorsExitTwoWithAMessageOnStderr(arguments: [String]) throws {
        let output = try CommandLine.run(arguments)
        #expect(output.status == 2)
        #expect(output.stdout.isEmpty)
        #expect(!output.stderr.isEmpty)
    }

    @Test func invalidUTF8AndDeepNestingAreRefusedWithTheirLineNotACrash() throws {
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let broken = folder.appendingPathComponent("broken.toml")
        try Data("campaign = \"x\"\ndescription = \"caf".utf8 + [0xC3, 0x28] + Array("\"\n".utf8)).write(to: broken)
        let utf8 = try CommandLine.run(["validate", broken.path])
        #expect(utf8.status == 2)
        #expect(utf8.stderr.contains("broken.toml:2"), "\(utf8.stderr)")
        let deep = folder.appendingPathComponent("deep.toml")
        try ("campaign = \"x\"\n[target]\nchannels = " + String(repeating: "[", count: 30_000) + String(repeating: "]", count: 30_000) + "\n")
            .write(to: deep, atomically: true, encoding: .utf8)
        let nested = try CommandLine.run(["validate", deep.path])
        #expect(nested.status == 2, "\(nested.stderr)")
        #expect(nested.stderr.contains("deep.toml:3"), "\(nested.stderr)")
    }

    @Test func badConfigExitsTwoNamingFileKeyAndLine() throws {
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("bad.toml")
        try "campaign = \"x\"\n[target]\nradius_m = -5\n".write(to: file, atomically: true, encoding: .utf8)
        let output = try CommandLine.run(["run", file.path, "--as-of", "2026-11-01"])
        #expect(output.status == 2)
        #expect(output.stderr.contains("bad.toml:3"))
        #expect(output.stderr.contains("radius_m"))
    }

    @Test func unreachableDatabaseExitsOneWithoutLeakingThePassword() throws {
        let output = try CommandLine.run(
            ["migrate", "--database-url", "postgresql://u:TopSecret99@127.0.0.1:1/x?connect_timeout=2"])
        #expect(output.status == 1)
        #expect(output.stderr.contains("fix:"))
        #expect(!output.stderr.contains("TopSecret99"))
    }

    @Test func migrateTwiceSucceedsAndLogsJSONLinesWhenNotATerminal() throws {
        let database = try TestDatabase()
        let url = database.connectionString.conninfo
        let first = try CommandLine.run(["migrate", "--database-url", url])
        #expect(first.status == 0)
        #expect(first.stdout.contains("applied"))
        for line in first.stderr.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["level"] != nil && object?["msg"] != nil)
        }
        let second = try CommandLine.run(["migrate", "--database-url", url])
        #expect(second.status == 0)
        #expect(second.stdout.contains("up to date"))
    }
}
