import Foundation
@_spi(Testing) import Postgres
@testable import ReactivatePipeline
import ReactivateTestSupport
import Synchronization
import Testing

/// The extract's reads stop as soon as the data tests beside them fail (`ExtractStage.besideDataTests`).
@Suite struct StageStopTests {
    @Test func aStopCancelsTheRunningStatementOfEveryWatchedConnectionAndItsCheckpointsThrow() throws {
        let (database, _, folder) = try ExtractStageTests.seeded()
        defer { try? FileManager.default.removeItem(at: folder) }
        let stop = StageStop()
        let context = try ExtractStageTests.context(database, artifacts: folder).withStop(stop)
        let connection = try context.connect()
        try context.checkpoint()
        let stopper = Thread {
            Thread.sleep(forTimeInterval: 0.3)
            stop.stop(because: "the source data tests failed")
        }
        stopper.start()
        let started = Date()
        #expect(throws: PostgresError.self) { try connection.query("SELECT pg_sleep(30)") }
        #expect(Date().timeIntervalSince(started) < 10, "the statement ran on after the stop")
        let stopped = try #require(throws: PipelineError.self) { try context.checkpoint() }
        #expect("\(stopped)".contains("the source data tests failed"))
        // A connection opened after the stop has nothing running yet; its checkpoints throw.
        let later = try context.connect()
        #expect(throws: PipelineError.self) { try context.checkpoint() }
        #expect(try later.query("SELECT 1").scalar(Int.self) == 1)
    }

    @Test func aFailingDataTestEndsTheExtractWithItsErrorNotTheStoppedReads() throws {
        let (database, connection, folder) = try ExtractStageTests.seeded()
        defer { try? FileManager.default.removeItem(at: folder) }
        try connection.execute("""
            ALTER TABLE src.member_channels DROP CONSTRAINT IF EXISTS member_channels_channel_check;
            UPDATE src.member_channels SET channel = 'SMS' WHERE member_id = 2
            """)
        let failure = try #require(throws: PipelineError.self) {
            try ExtractStage().run(ExtractStageTests.context(database, artifacts: folder))
        }
        #expect(failure.category == .configuration, "\(failure)")
        #expect("\(failure)".contains("'SMS'"), "\(failure)")
        let artifact = folder.appendingPathComponent("extract.ract").path
        #expect(!FileManager.default.fileExists(atPath: artifact))
    }
}
