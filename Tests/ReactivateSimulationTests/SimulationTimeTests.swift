import ReactivateCore
import Testing
import ReactivateSimulation

@Suite struct SimulationTimeTests {
    @Test func cutOffIsMidnightShanghaiWhichIsFourPmUtcTheDayBefore() {
        // 2025-06-30 00:00 +08:00 = 2025-06-29 16:00 UTC.
        let expected = Int64(9_311) * SimulationTime.microsPerDay + 16 * SimulationTime.microsPerHour
        #expect(SimulationTime.startOfDay(9_312) == expected)
    }

    @Test func shanghaiDayChangesExactlyAtLocalMidnight() {
        let midnight = SimulationTime.startOfDay(9_312)
        #expect(SimulationTime.shanghaiDay(of: midnight) == 9_312)
        #expect(SimulationTime.shanghaiDay(of: midnight - 1) == 9_311)
        #expect(SimulationTime.shanghaiTimeOfDay(of: midnight) == 0)
        #expect(SimulationTime.shanghaiTimeOfDay(of: midnight - 1) == SimulationTime.microsPerDay - 1)
        // Before 2000 (negative instants) the floor division still holds.
        #expect(SimulationTime.shanghaiDay(of: SimulationTime.startOfDay(-10) - 1) == -11)
        #expect(SimulationTime.shanghaiDay(of: 0) == 0)  // 2000-01-01 00:00 UTC is 08:00 in Shanghai
    }
}
