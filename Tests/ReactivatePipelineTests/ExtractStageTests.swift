import Artifacts
import Foundation
import Logging
@_spi(Testing) import Postgres
import ReactivateCore
import ReactivatePipeline
import ReactivateTestSupport
import Testing

@Suite struct ExtractStageTests {
    static let asOf = "2026-11-01"

    /// A small hand-made source: every row sits on a point-in-time boundary worth checking.
    static func seed(_ connection: Connection) throws {
        try connection.execute("""
            INSERT INTO src.members VALUES
              (1, '2024-01-05 10:00+08', 1, true, NULL),
              (2, '2025-03-01 10:00+08', 1, true, '2026-11-01 00:00+08'),   -- opts out exactly at D: not yet on D
              (3, '2026-11-01 00:00+08', 1, true, NULL),                    -- joins at D: invisible
              (4, '2025-06-01 10:00+08', NULL, false, '2026-10-31 23:59+08'),
              (-5, '2025-06-01 10:00+08', NULL, true, NULL);                -- a careless negative id still lands in one slice
            INSERT INTO src.transactions VALUES
              (10, 1, 1, '2025-01-10 12:00+08', 100.00, NULL),
              (11, 1, 1, '2025-01-10 18:00+08', 50.50, NULL),   -- same Shanghai day: one purchase day
              (12, 1, 1, '2025-01-12 12:00+08', -100.00, NULL), -- a refund is not a purchase day
              (13, 1, 1, '2025-12-31 16:30+00', 20.00, NULL),   -- 2026-01-01 00:30 in Shanghai
              (14, 1, 1, '2026-10-31 23:59:59+08', 30.00, NULL),-- last second before D: counts
              (15, 1, 1, '2026-11-01 00:00+08', 999.00, NULL),  -- exactly D 00:00: never counts
              (16, 2, 1, '2026-01-01 12:00+08', -5.00, NULL),   -- refund only: never activated
              (17, 3, 1, '2026-11-02 12:00+08', 10.00, NULL),
              (18, -5, 1, '2026-05-01 12:00+08', 12.34, NULL),
              -- Member 4's rows inserted newest first: a sequential scan sees them out of order.
              (23, 4, 1, '2026-09-01 12:00+08', 30.00, NULL),
              (22, 4, 1, '2026-03-01 12:00+08', 20.00, NULL),
              (21, 4, 1, '2026-03-01 09:00+08', 10.00, NULL),
              (20, 4, 1, '2025-09-01 12:00+08', 10.00, NULL);
            INSERT INTO src.member_channels VALUES
              (1, 'wechat_card', '2024-02-01+08', '2026-10-01 09:00+08', '2026-09-01+08'),   -- healthy
              (1, 'sms', '2024-02-01+08', '2026-01-01+08', '2026-02-01+08'),                 -- failing
              (1, 'wechat_oa', '2026-11-01 00:00+08', NULL, NULL),                           -- verified at D: not yet
              (1, 'moments_ad', '2024-02-01+08', '2026-01-01+08', '2026-11-05+08'),          -- failure after D unseen: healthy
              (2, 'sms', NULL, '2026-01-01+08', NULL);                                        -- unverified
            INSERT INTO src.member_locations VALUES
              (1, 31.23, 121.47, '2026-10-20 10:00+08', 'lbs'),
              (1, 39.90, 116.40, '2026-11-01 00:00+08', 'lbs'),    -- at D: unseen
              (1, 22.54, 114.06, '2026-05-01 10:00+08', 'address'),-- stale (> 90 days)
              (2, 30.00, 120.00, '2026-07-01 10:00+08', 'lbs');    -- stale only: no fresh location
            """)
    }

    /// A test database with the source tables and the boundary rows above, and an artifact folder.
    static func seeded() throws -> (TestDatabase, Connection, URL) {
        let database = try TestDatabase()
        let connection = try database.connect()
        try database.createSourceTables(connection)
        try seed(connection)
        return (database, connection, try TestDatabase.temporaryFolder())
    }

    static func context(_ database: TestDatabase, artifacts: URL, runId: Int64 = 1) throws -> StageContext {
        try StageContext.resolving(
            config: PipelineConfig.defaults(campaign: "test"), asOfDay: PostgresEpoch.parseDate(asOf) ?? 0, runId: runId,
            mode: .live, connectionString: database.connectionString, logger: Logger(label: "test"),
            artifactDirectory: artifacts, sliceCount: 2, issueAt: nil)
    }

    @Test func onlyRowsBeforeMidnightInTheBusinessTimeZoneCount() throws {
        let (database, _, folder) = try Self.seeded()
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try ExtractStage().run(Self.context(database, artifacts: folder))
        #expect(result.rowsOut == 4)
        let (histories, header) = try MemberHistories.read(path: try #require(result.artifactPath))
        #expect(header.asOf == Self.asOf)
        #expect(histories.memberId == [-5, 1, 2, 4])
        let day = { (text: String) in PostgresEpoch.parseDate(text) ?? 0 }
        let one = 1
        #expect(histories.firstPurchaseDay[one] == day("2025-01-10"))
        #expect(histories.lastPurchaseDay[one] == day("2026-10-31"))
        #expect(histories.purchaseDays[one] == 3)  // 2025-01-10, 2026-01-01 (Shanghai), 2026-10-31
        #expect(histories.grossCents[one] == 10_000 + 5_050 + 2_000 + 3_000)
        #expect(histories.preSalesCents[one] == 2_000 + 3_000)  // the 365 days before D, refunds included
        #expect(histories.consent[one] == 1 && histories.optedOut[one] == 0)
        let card = MemberHistories.channelOrder.firstIndex(of: .wechatCard) ?? 0
        let sms = MemberHistories.channelOrder.firstIndex(of: .sms) ?? 0
        let oa = MemberHistories.channelOrder.firstIndex(of: .wechatOA) ?? 0
        let ads = MemberHistories.channelOrder.firstIndex(of: .momentsAd) ?? 0
        #expect(histories.channelState[card][one] == MemberHistories.ChannelState.healthy.rawValue)
        #expect(histories.channelDeliveredDay[card][one] == day("2026-10-01"))
        #expect(histories.channelState[sms][one] == MemberHistories.ChannelState.failing.rawValue)
        #expect(histories.channelState[oa][one] == MemberHistories.ChannelState.unavailable.rawValue)
        #expect(histories.channelState[ads][one] == MemberHistories.ChannelState.healthy.rawValue)
        #expect(histories.latitude[one] == 31.23 && histories.longitude[one] == 121.47)
        // Member 2: refund only, opt-out at D not visible, stale location only.
        #expect(histories.purchaseDays[2] == 0 && histories.firstPurchaseDay[2] == MemberHistories.noDay)
        #expect(histories.optedOut[2] == 0)
        #expect(histories.locationDay[2] == MemberHistories.noDay && histories.latitude[2].isNaN)
        // Member 4: opted out a minute before D; rows out of order are counted exactly.
        #expect(histories.optedOut[3] == 1 && histories.consent[3] == 0)
        #expect(histories.purchaseDays[3] == 3 && histories.grossCents[3] == 7_000)
        #expect(histories.firstPurchaseDay[3] == day("2025-09-01") && histories.lastPurchaseDay[3] == day("2026-09-01"))
        #expect(result.stats["transactions_spilled"] == 11)
        #expect(histories.purchaseDays[0] == 1)
    }

    @Test func sparseMemberIdsTakeTheIndexedPathAndGiveTheSameHistories() throws {
        let (database, connection, folder) = try Self.seeded()
        defer { try? FileManager.default.removeItem(at: folder) }
        let dense = try #require(try ExtractStage().run(Self.context(database, artifacts: folder)).artifactPath)
        let before = try MemberHistories.read(path: dense).histories
        // One far-away id makes the id range too wide for a dense table.
        try connection.execute("""
            INSERT INTO src.members VALUES (8000000000000, '2024-01-05 10:00+08', 1, true, NULL);
            INSERT INTO src.transactions VALUES (90, 8000000000000, 1, '2026-06-01 12:00+08', 5.00, NULL),
                                                (91, 8000000000000, 1, '2026-05-01 12:00+08', 5.00, NULL);
            """)
        let result = try ExtractStage().run(Self.context(database, artifacts: folder))
        let after = try MemberHistories.read(path: try #require(result.artifactPath)).histories
        #expect(Array(after.memberId.dropLast()) == before.memberId)
        #expect(Array(after.purchaseDays.dropLast()) == before.purchaseDays)
        #expect(Array(after.grossCents.dropLast()) == before.grossCents)
        #expect(after.purchaseDays.last == 2 && after.grossCents.last == 1_000)
    }

    @Test func twoRunsOfTheSameDateWriteIdenticalBytesEvenAfterLaterRowsArrive() throws {
        let (database, connection, folder) = try Self.seeded()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try #require(try ExtractStage().run(Self.context(database, artifacts: folder)).artifactPath)
        let firstBytes = try Data(contentsOf: URL(fileURLWithPath: first))
        try connection.execute("""
            INSERT INTO src.transactions VALUES (99, 1, 1, '2026-11-03 10:00+08', 77.00, NULL);
            INSERT INTO src.member_locations VALUES (1, 1.0, 1.0, '2026-11-02 10:00+08', 'lbs');
            """)
        let second = try #require(try ExtractStage().run(Self.context(database, artifacts: folder)).artifactPath)
        #expect(try Data(contentsOf: URL(fileURLWithPath: second)) == firstBytes)
    }

    @Test func corruptedArtifactIsRefusedWithItsPathAndTheFix() throws {
        let (database, _, folder) = try Self.seeded()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try #require(try ExtractStage().run(Self.context(database, artifacts: folder)).artifactPath)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count / 2] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))
        do {
            _ = try MemberHistories.read(path: path)
            Issue.record("a corrupted artifact must be refused")
        } catch let error as ArtifactError {
            #expect(error.description.contains(path))
            #expect(error.description.contains("re-run"))
        }
        try bytes.prefix(bytes.count - 9).write(to: URL(fileURLWithPath: path))
        #expect(throws: ArtifactError.self) { _ = try MemberHistories.read(path: path) }
    }

    @Test func missingSourceTablesAreNamedBeforeAnyDataMoves() throws {
        let database = try TestDatabase()
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            _ = try ExtractStage().run(Self.context(database, artifacts: folder))
            Issue.record("extract without source tables must fail")
        } catch let error as PipelineError {
            #expect(error.category == .configuration)
            #expect(error.message.contains("src.members is missing") && error.message.contains("src.transactions is missing"))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
    }
}
