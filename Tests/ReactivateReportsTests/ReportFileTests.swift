import Artifacts
import Foundation
import ReactivateReports
import Testing

#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reports are shared with colleagues, so they honour the umask; delivery files and artifacts hold
/// member data and coupon codes, so they stay 0600 whatever the umask.
@Suite(.serialized) struct ReportFileTests {
    /// Runs `body` under `mask`, restoring the previous umask afterwards.
    func withUmask<T>(_ mask: mode_t, _ body: () throws -> T) rethrows -> T {
        let previous = umask(mask)
        defer { umask(previous) }
        return try body()
    }

    func mode(_ path: String) -> mode_t {
        var info = stat()
        #expect(stat(path, &info) == 0)
        return info.st_mode & 0o777
    }

    func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("report-file-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func reportIs0644AndDeliveryFile0600UnderUmask022() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try withUmask(0o022) {
            try ReportFile.write("<p>report</p>\n", to: directory + "/report.html")
            // The delivery file writer and artifacts use the same atomic file, owner-only.
            let delivery = try AtomicFile(path: directory + "/delivery.jsonl.zst", permissions: .ownerOnly)
            try Array("{}\n".utf8).withUnsafeBytes { try delivery.write($0) }
            try delivery.commit()
        }
        #expect(mode(directory + "/report.html") == 0o644)
        #expect(mode(directory + "/delivery.jsonl.zst") == 0o600)
        #expect(try String(contentsOfFile: directory + "/report.html", encoding: .utf8) == "<p>report</p>\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["delivery.jsonl.zst", "report.html"])
    }

    @Test func reportFollowsAStricterUmaskAndOwnerOnlyIgnoresALooserOne() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try withUmask(0o027) { try ReportFile.write("a", to: directory + "/report.md") }
        try withUmask(0o000) {
            let file = try AtomicFile(path: directory + "/coupons", permissions: .ownerOnly)
            try file.commit()
        }
        #expect(mode(directory + "/report.md") == 0o640)
        #expect(mode(directory + "/coupons") == 0o600)
    }

    @Test func rewritingAReportReplacesItAtomically() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ReportFile.write("old", to: directory + "/r.csv")
        try ReportFile.write("new", to: directory + "/r.csv")
        #expect(try String(contentsOfFile: directory + "/r.csv", encoding: .utf8) == "new")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["r.csv"])
    }

    @Test func aReportIntoAMissingFolderSaysWhatAndHowToFix() throws {
        let path = try scratch() + "/no/such/report.html"
        #expect {
            try ReportFile.write("x", to: path)
        } throws: { error in
            let text = String(describing: error)
            return text.contains("cannot write the report to \(path)") && text.contains("--out")
        }
    }
}
