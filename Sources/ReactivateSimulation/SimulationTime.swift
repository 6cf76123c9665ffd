import ReactivateCore
/// Time arithmetic in PostgreSQL's binary units and the business time zone.
///
/// Rows carry timestamps as `Int64` microseconds since 2000-01-01 00:00:00 UTC and dates as `Int32` days
/// since 2000-01-01 — exactly what binary COPY writes for `timestamptz` and `date` — so the loader never
/// converts. The business day is the Asia/Shanghai calendar day; Shanghai has been UTC+8 all year since
/// 1991, so a fixed offset is exact for every date the simulator produces.
public enum SimulationTime {
    /// Microseconds in one second.
    public static let microsPerSecond: Int64 = 1_000_000
    /// Microseconds in one hour.
    public static let microsPerHour: Int64 = 3_600 * microsPerSecond
    /// Microseconds in one (24-hour) day.
    public static let microsPerDay: Int64 = 24 * microsPerHour
    /// Asia/Shanghai's offset from UTC: +8 hours, no daylight saving.
    public static let shanghaiOffsetMicros: Int64 = 8 * microsPerHour

    /// The instant at which Shanghai day `day` begins (00:00 local), in microseconds since 2000-01-01 UTC.
    ///
    /// For an as-of date D this is the cut-off: history is everything strictly before it. (Calendar dates
    /// to day numbers: see `PostgresEpoch`.)
    public static func startOfDay(_ day: Int32) -> Int64 {
        Int64(day) * microsPerDay - shanghaiOffsetMicros
    }

    /// The Shanghai calendar day that contains `instant` (floor division, so instants before 2000 work too).
    public static func shanghaiDay(of instant: Int64) -> Int32 {
        let local = instant + shanghaiOffsetMicros
        let (quotient, remainder) = local.quotientAndRemainder(dividingBy: microsPerDay)
        return Int32(truncatingIfNeeded: remainder < 0 ? quotient - 1 : quotient)
    }

    /// Microseconds elapsed since Shanghai midnight at `instant`, in 0..<microsPerDay.
    public static func shanghaiTimeOfDay(of instant: Int64) -> Int64 {
        let local = instant + shanghaiOffsetMicros
        let remainder = local % microsPerDay
        return remainder < 0 ? remainder + microsPerDay : remainder
    }
}
