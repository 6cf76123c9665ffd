/// Times as the business reads them: the loader gives ISO 8601 in the business time zone's offset
/// (`2026-11-01T10:00:00+08:00`), shown as `2026-11-01 10:00 Asia/Shanghai (UTC+08:00)`.
enum ReportTime {
    /// Anything that is not ISO 8601 with seconds and an offset is shown as it is.
    static func display(_ iso: String, zone: String?) -> String {
        let scalars = Array(iso)
        guard scalars.count >= 20, scalars[10] == "T" else { return iso }
        let date = String(scalars[0..<10]), minute = String(scalars[11..<16])
        let offset = String(scalars[19...])
        if offset == "Z" || offset == "+00:00", zone == nil || zone == "UTC" { return "\(date) \(minute) UTC" }
        let utc = offset == "Z" ? "UTC" : "UTC" + offset
        guard let zone else { return "\(date) \(minute) (\(utc))" }
        return "\(date) \(minute) \(zone) (\(utc))"
    }
}
