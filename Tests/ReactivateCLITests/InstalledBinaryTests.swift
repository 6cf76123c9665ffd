import Foundation
@_spi(Testing) import Postgres
import ReactivateTestSupport
import Testing

/// The binary `make install` ships: statically linked Swift runtime and Foundation, the migrations inside
/// it, run from an empty folder with no toolchain on any library path, as on a Debian host without Swift.
@Suite struct InstalledBinaryTests {
    /// `make test` builds it with `--static-swift-stdlib` (the same link as `make install`, in debug mode).
    static func staticBinary() throws -> URL {
        let path = try #require(
            ProcessInfo.processInfo.environment["REACTIVATE_STATIC_BIN"].flatMap { $0.isEmpty ? nil : $0 },
            "REACTIVATE_STATIC_BIN is not set: run the tests with `make test`, which builds the statically linked binary")
        try #require(FileManager.default.isExecutableFile(atPath: path), "REACTIVATE_STATIC_BIN=\(path) is not an executable")
        return URL(fileURLWithPath: path)
    }

    /// Copies the binary through a close-on-exec descriptor. FileManager's copy keeps the new file open
    /// for writing without O_CLOEXEC, so a process another test spawns at that moment inherits the
    /// descriptor and running the copy fails with ETXTBSY ("Text file busy") for as long as it lives.
    static func install(_ source: URL, to destination: URL) throws {
        let bytes = try Data(contentsOf: source)
        let descriptor = open(destination.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        try #require(descriptor >= 0, "cannot create \(destination.path): errno \(errno)")
        defer { close(descriptor) }
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                try #require(written > 0 || errno == EINTR, "cannot write \(destination.path): errno \(errno)")
                offset += max(0, written)
            }
        }
    }

    /// What a login shell on a plain host has: no LD_LIBRARY_PATH, no toolchain on PATH, no REACTIVATE_SQL_DIR.
    static func hostEnvironment(home: URL, databaseURL: String) -> [String: String] {
        ["PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home.path, "LANG": "C.UTF-8", "DATABASE_URL": databaseURL]
    }

    /// Runs a program with exactly `environment` (nothing inherited from the test process).
    static func run(_ executable: URL, _ arguments: [String], environment: [String: String], in directory: URL) throws -> CommandLine.Output {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandLine.Output(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// The shared libraries `ldd` resolves for `binary` in a plain host environment, and those of them
    /// that belong to the Swift toolchain (a dynamically linked build finds them through its RUNPATH).
    static func libraries(of binary: URL, home: URL) throws -> (all: [String], swiftRuntime: [String]) {
        let ldd = try Self.run(
            URL(fileURLWithPath: "/usr/bin/ldd"), [binary.path], environment: Self.hostEnvironment(home: home, databaseURL: ""), in: home)
        #expect(ldd.status == 0, "ldd: \(ldd.stderr)")
        let all = ldd.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let swiftRuntime = all.filter {
            $0.contains("libswift") || $0.contains("libFoundation") || $0.contains("lib_Foundation")
                || $0.contains("libdispatch") || $0.contains("libBlocksRuntime") || $0.contains("/swift/")
        }
        return (all, swiftRuntime)
    }

    @Test func installedBinaryNeedsNoSwiftRuntimeLibrariesOnlyLibpqAndLibzstd() throws {
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let binary = folder.appendingPathComponent("reactivate")
        try Self.install(try Self.staticBinary(), to: binary)
        let (libraries, swiftRuntime) = try Self.libraries(of: binary, home: folder)
        #expect(swiftRuntime.isEmpty, "the installed binary needs Swift runtime libraries: \(swiftRuntime)")
        #expect(!libraries.contains { $0.contains("not found") }, "unresolved libraries: \(libraries)")
        #expect(libraries.contains { $0.hasPrefix("libpq.so") }, "libpq must stay a shared library: \(libraries)")
        #expect(libraries.contains { $0.hasPrefix("libzstd.so") }, "libzstd must stay a shared library: \(libraries)")
    }

    @Test func installedBinaryRunsTheWholePipelineFromAnEmptyFolder() throws {
        let database = try TestDatabase()
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bin = folder.appendingPathComponent("bin")
        let work = folder.appendingPathComponent("work")
        for directory in [bin, work] { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        let binary = bin.appendingPathComponent("reactivate")
        try Self.install(try Self.staticBinary(), to: binary)
        // Nothing below may come from the toolchain: a binary that would load its libraries is not the one to test.
        try #require(try Self.libraries(of: binary, home: work).swiftRuntime.isEmpty, "REACTIVATE_STATIC_BIN is not statically linked")
        let environment = Self.hostEnvironment(home: work, databaseURL: database.connectionString.conninfo)
        try """
            campaign = "installed"
            [output]
            artifact_dir = "\(work.appendingPathComponent("artifacts").path)"
            """.write(to: work.appendingPathComponent("wave.toml"), atomically: true, encoding: .utf8)

        func reactivate(_ arguments: [String]) throws -> CommandLine.Output {
            let output = try Self.run(binary, arguments, environment: environment, in: work)
            #expect(output.status == 0, "reactivate \(arguments.joined(separator: " ")): \(output.stderr)")
            return output
        }
        let migrated = try reactivate(["migrate"])
        #expect(migrated.stdout.contains("applied") && migrated.stdout.contains("0001_result_tables.sql"))
        _ = try reactivate(["generate", "--members", "3000", "--stores", "25", "--seed", "9", "--as-of", "2026-11-01"])
        _ = try reactivate(["run", "wave.toml", "--as-of", "2026-11-01", "--issue-at", "2026-11-01T10:00:00+08:00"])
        _ = try reactivate(["generate", "--simulate-campaign", "installed", "--wave", "2026-11-01", "--uplift", "0.1"])
        let attributed = try reactivate(["attribute", "wave.toml", "--wave", "2026-11-01", "--as-of", "2026-12-02"])
        #expect(attributed.stdout.contains("installed"))
        _ = try reactivate(["report", "wave.toml", "--wave", "2026-11-01", "--format", "html", "--out", "report.html"])
        let report = try String(contentsOf: work.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(report.contains("<html") && report.contains("installed"))

        let connection = try database.connect()
        #expect(try connection.query("SELECT count(*) FROM reactivation.coupons").scalar != "0")
        #expect(try connection.query("SELECT count(*) FROM reactivation.attribution WHERE campaign = 'installed'").scalar != "0")
        #expect(try connection.query("SELECT string_agg(status, ',') FROM reactivation.runs").scalar?.contains("failed") == false)
    }
}
