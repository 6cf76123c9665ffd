import ReactivateCore
import Testing

@Suite struct InstantFormatTests {
    @Test func iso8601SecondsDropsTheFractionLikeToChar() {
        // 2026-11-01 02:00:00.987654 UTC: 9801 days after 2000-01-01, plus two hours.
        let instant = Instant(microseconds: 9801 * 86_400_000_000 + 2 * 3_600_000_000 + 987_654)
        #expect(instant.iso8601Seconds == "2026-11-01T02:00:00Z")
        #expect(instant.description == "2026-11-01 02:00:00.987654+00")
    }

    @Test func iso8601SecondsCountsInstantsBefore2000Downwards() {
        // One microsecond before the epoch is still 1999-12-31 23:59:59.
        #expect(Instant(microseconds: -1).iso8601Seconds == "1999-12-31T23:59:59Z")
        #expect(Instant(microseconds: -86_400_000_000).iso8601Seconds == "1999-12-31T00:00:00Z")
        #expect(Instant(microseconds: 0).iso8601Seconds == "2000-01-01T00:00:00Z")
    }
}
