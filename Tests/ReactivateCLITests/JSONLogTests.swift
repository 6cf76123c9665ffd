import Foundation
import Logging
import Postgres
@testable import ReactivateCLI
import ReactivateTestSupport
import Testing

/// JSON log lines carry numbers and booleans as JSON numbers and booleans, so log pipelines can
/// aggregate `duration_ms` and `rows.in` without parsing strings.
@Suite struct JSONLogTests {
    /// Decodes strictly: a number written as a string (`"1289"`) does not decode as `Int`.
    struct TypedFields: Decodable {
        var count: Int
        var big: Int64
        var small: UInt8
        var ratio: Double
        var whole: Double
        var flag: Bool
        var digits: String
        var nan: String
        var nested: [String: [Int]]
        var text: String
        var msg: String
        var level: String
        var ts: String
    }

    @Test func numbersAndBooleansBecomeJSONNumbersAndBooleansStringsStayStrings() throws {
        let metadata: Logger.Metadata = [
            "count": .stringConvertible(1289), "big": .stringConvertible(Int64.max), "small": .stringConvertible(UInt8(7)),
            "ratio": .stringConvertible(0.1), "whole": .stringConvertible(1289.0), "flag": .stringConvertible(true),
            "digits": "007", "nan": .stringConvertible(Double.nan), "nested": ["a": [.stringConvertible(1), .stringConvertible(2)]],
            "text": "line one\nline \"two\"\t\u{1}/ 中文", "msg": "metadata must not replace the message",
        ]
        let line = JSONLogHandler.line(timestamp: "2026-11-01T02:10:00.000Z", level: .info, message: "stage finished", metadata: metadata)
        #expect(!line.contains("\n"))
        #expect(line.contains(#""count":1289"#) && line.contains(#""flag":true"#) && line.contains(#""big":9223372036854775807"#))
        let fields = try JSONDecoder().decode(TypedFields.self, from: Data(line.utf8))
        #expect(fields.count == 1289 && fields.big == Int64.max && fields.small == 7)
        #expect(fields.ratio == 0.1 && fields.whole == 1289 && fields.flag)
        #expect(fields.digits == "007" && fields.nan == "nan" && fields.nested == ["a": [1, 2]])
        #expect(fields.text == "line one\nline \"two\"\t\u{1}/ 中文")
        #expect(fields.msg == "stage finished" && fields.level == "info" && fields.ts == "2026-11-01T02:10:00.000Z")
    }

    @Test func migrateLogsItsCountsAndDurationAsNumbers() throws {
        struct Migrated: Decodable {
            var msg: String
            var migrationsApplied: Int
            var upToDate: Bool
            var durationMs: Int
            enum CodingKeys: String, CodingKey {
                case msg, migrationsApplied = "migrations.applied", upToDate = "up_to_date", durationMs = "duration_ms"
            }
        }
        struct Applied: Decodable {
            var migration: String
            var version: Int
            enum CodingKeys: String, CodingKey { case migration, version = "migration.version" }
        }
        let database = try TestDatabase()
        var summaries: [Migrated] = []
        for round in 0..<2 {
            let output = try CommandLine.run(["migrate", "--database-url", database.connectionString.conninfo, "--log-format", "json"])
            try #require(output.status == 0, "\(output.stderr)")
            let lines = output.stderr.split(separator: "\n").map { Data($0.utf8) }
            let summary = try #require(lines.first { String(decoding: $0, as: UTF8.self).contains(#""msg":"schema migrated""#) })
            summaries.append(try JSONDecoder().decode(Migrated.self, from: summary))
            let applied = try lines.filter { String(decoding: $0, as: UTF8.self).contains(#""msg":"migration applied""#) }
                .map { try JSONDecoder().decode(Applied.self, from: $0) }
            #expect(applied.count == (round == 0 ? summaries[0].migrationsApplied : 0))
            #expect(applied.first.map { $0.migration.hasPrefix("0001_") && $0.version == 1 } ?? (round == 1))
        }
        #expect(summaries[0].migrationsApplied >= 4 && !summaries[0].upToDate && summaries[0].durationMs >= 0)
        #expect(summaries[1].migrationsApplied == 0 && summaries[1].upToDate)
    }
}
