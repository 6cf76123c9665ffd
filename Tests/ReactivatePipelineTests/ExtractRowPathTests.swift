import ReactivateCore
@testable import ReactivatePipeline
import Testing

/// The scan threads' reference-free copies of the slot mapping and the calendar give the same answers
/// as the types they copy.
@Suite struct ExtractRowPathTests {
    @Test func scatteredIdsInAnyOrderWithRepeatsGetTheSlotOfTheirRankAmongTheDistinctIds() {
        let distinct: [Int64] = (0..<5_000).map { 10_000_000_000 + Int64($0) * 9_973 + Int64(($0 * 7_919) % 4_096) }
        var generator = SystemRandomNumberGenerator()
        let unordered = (distinct + distinct.prefix(700)).shuffled(using: &generator)
        let slots = MemberSlots.index(unordered: unordered)
        #expect(slots.count == distinct.count)
        for (rank, id) in distinct.enumerated() {
            #expect(slots.slot(of: id) == rank)
            #expect(slots.lookup.slot(of: id) == rank)
            #expect(slots.id(ofSlot: rank) == id)
        }
        #expect(slots.slot(of: distinct[0] - 1) == nil)
        #expect(slots.slot(of: distinct[10] + 1) == nil)
        #expect(slots.slot(of: 3) == nil)
    }

    @Test func theDayTableMapsEveryInstantToTheCalendarsDayInsideAndOutsideItsMidnights() {
        // Midnights one hour apart in offset twice (a DST-like shift), then instants from before the
        // first midnight to after the last, around every boundary.
        let hour: Int64 = 3_600_000_000, day: Int64 = 86_400_000_000
        let midnights = (0..<40).map { Int64(9_000 + $0) * day - ($0 >= 12 && $0 < 30 ? 2 : 1) * hour }
        let calendar = BusinessCalendar(firstDay: 9_000, midnights: midnights)
        let table = ExtractDayTable(calendar)
        defer { table.deallocate() }
        var instants: [Int64] = [midnights[0] - 3 * day - 1, midnights[0] - day, midnights.last! + 5 * day + 7]
        for midnight in midnights { instants += [midnight - 1, midnight, midnight + 1, midnight + hour, midnight + 23 * hour] }
        for instant in instants {
            #expect(table.day(of: instant) == calendar.day(of: instant), "instant \(instant)")
        }
    }
}
