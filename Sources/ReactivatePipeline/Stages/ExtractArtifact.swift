import Artifacts
import Postgres
import ReactivateCore

/// The extract stage's per-member history, in memory as columns; also the artifact's schema.
///
/// Missing values use sentinels instead of nullable columns: `noDay` for "no such day" and a
/// `locationDay` of `noDay` for "no fresh location" (coordinates then are NaN).
public struct MemberHistories: Sendable {
    public static let kind = "extract"
    public static let noDay = Int32.min
    /// Channel column order in the artifact.
    public static let channelOrder: [MarketingChannel] = [.wechatCard, .wechatOA, .sms, .momentsAd]

    /// Channel health as of D: 0 none or unverified, 1 verified but failing, 2 healthy.
    public enum ChannelState: UInt8, Sendable { case unavailable = 0, failing = 1, healthy = 2 }

    public var memberId: [Int64] = []
    public var joinedDay: [Int32] = []
    public var consent: [UInt8] = []
    public var optedOut: [UInt8] = []
    public var firstPurchaseDay: [Int32] = []
    public var lastPurchaseDay: [Int32] = []
    public var purchaseDays: [Int32] = []
    public var grossCents: [Int64] = []
    public var preSalesCents: [Int64] = []
    /// Per channel in `channelOrder`: state and last delivery day.
    public var channelState: [[UInt8]] = Array(repeating: [], count: 4)
    public var channelDeliveredDay: [[Int32]] = Array(repeating: [], count: 4)
    public var latitude: [Double] = []
    public var longitude: [Double] = []
    public var locationDay: [Int32] = []

    public init() {}

    public var count: Int { memberId.count }

    public static let schema: [ArtifactColumn] = {
        var columns: [ArtifactColumn] = [
            ArtifactColumn("member_id", .int64), ArtifactColumn("joined_day", .int32),
            ArtifactColumn("consent", .uint8), ArtifactColumn("opted_out", .uint8),
            ArtifactColumn("first_purchase_day", .int32), ArtifactColumn("last_purchase_day", .int32),
            ArtifactColumn("purchase_days", .int32), ArtifactColumn("gross_cents", .int64),
            ArtifactColumn("pre_sales_cents", .int64),
        ]
        for channel in channelOrder {
            columns.append(ArtifactColumn("\(channel.rawValue)_state", .uint8))
            columns.append(ArtifactColumn("\(channel.rawValue)_delivered_day", .int32))
        }
        columns += [
            ArtifactColumn("latitude", .float64), ArtifactColumn("longitude", .float64),
            ArtifactColumn("location_day", .int32),
        ]
        return columns
    }()

    /// Appends one row of the extract COPY (see `ExtractQuery`).
    mutating func append(_ row: borrowing BinaryCopyRow) throws {
        memberId.append(try row.int64(0))
        joinedDay.append(try row.int32(1))
        consent.append(try row.bool(2) ? 1 : 0)
        optedOut.append(try row.bool(3) ? 1 : 0)
        firstPurchaseDay.append(try row.optionalInt32(4) ?? Self.noDay)
        lastPurchaseDay.append(try row.optionalInt32(5) ?? Self.noDay)
        purchaseDays.append(try row.int32(6))
        grossCents.append(try row.int64(7))
        preSalesCents.append(try row.int64(8))
        for channel in 0..<4 {
            channelState[channel].append(UInt8(clamping: try row.int16(9 + 2 * channel)))
            channelDeliveredDay[channel].append(try row.optionalInt32(10 + 2 * channel) ?? Self.noDay)
        }
        let observed = try row.optionalInt32(19)
        latitude.append(observed == nil ? .nan : try row.float64(17))
        longitude.append(observed == nil ? .nan : try row.float64(18))
        locationDay.append(observed ?? Self.noDay)
    }

    mutating func append(contentsOf other: MemberHistories) {
        memberId += other.memberId
        joinedDay += other.joinedDay
        consent += other.consent
        optedOut += other.optedOut
        firstPurchaseDay += other.firstPurchaseDay
        lastPurchaseDay += other.lastPurchaseDay
        purchaseDays += other.purchaseDays
        grossCents += other.grossCents
        preSalesCents += other.preSalesCents
        for channel in 0..<4 {
            channelState[channel] += other.channelState[channel]
            channelDeliveredDay[channel] += other.channelDeliveredDay[channel]
        }
        latitude += other.latitude
        longitude += other.longitude
        locationDay += other.locationDay
    }

    /// The same rows ordered by member id, so the artifact's bytes do not depend on slice timing.
    func sortedByMember() -> MemberHistories {
        let order = memberId.indices.sorted { memberId[$0] < memberId[$1] }
        func pick<T>(_ values: [T]) -> [T] { order.map { values[$0] } }
        var sorted = MemberHistories()
        sorted.memberId = pick(memberId)
        sorted.joinedDay = pick(joinedDay)
        sorted.consent = pick(consent)
        sorted.optedOut = pick(optedOut)
        sorted.firstPurchaseDay = pick(firstPurchaseDay)
        sorted.lastPurchaseDay = pick(lastPurchaseDay)
        sorted.purchaseDays = pick(purchaseDays)
        sorted.grossCents = pick(grossCents)
        sorted.preSalesCents = pick(preSalesCents)
        sorted.channelState = channelState.map(pick)
        sorted.channelDeliveredDay = channelDeliveredDay.map(pick)
        sorted.latitude = pick(latitude)
        sorted.longitude = pick(longitude)
        sorted.locationDay = pick(locationDay)
        return sorted
    }

    func columns(_ range: Range<Int>) -> [ArtifactColumnData] {
        var columns: [ArtifactColumnData] = [
            .int64(Array(memberId[range])), .int32(Array(joinedDay[range])), .uint8(Array(consent[range])),
            .uint8(Array(optedOut[range])), .int32(Array(firstPurchaseDay[range])),
            .int32(Array(lastPurchaseDay[range])), .int32(Array(purchaseDays[range])),
            .int64(Array(grossCents[range])), .int64(Array(preSalesCents[range])),
        ]
        for channel in 0..<4 {
            columns.append(.uint8(Array(channelState[channel][range])))
            columns.append(.int32(Array(channelDeliveredDay[channel][range])))
        }
        columns += [.float64(Array(latitude[range])), .float64(Array(longitude[range])), .int32(Array(locationDay[range]))]
        return columns
    }

    /// Writes the artifact (temp file, fsync, rename); returns its summary.
    func write(to path: String, runId: Int64, asOf: String, metadata: [String: String]) throws -> ArtifactSummary {
        let header = ArtifactHeader(
            kind: Self.kind, runID: String(runId), asOf: asOf, rowCount: Int64(count), columns: Self.schema,
            metadata: metadata)
        let writer = try ArtifactWriter(path: path, header: header)
        var start = 0
        while start < count {
            let end = min(start + ArtifactWriter.defaultRowsPerGroup, count)
            try writer.append(columns: columns(start..<end))
            start = end
        }
        return try writer.commit()
    }

    /// Reads a whole extract artifact back, checking kind, schema and integrity.
    public static func read(path: String) throws -> (histories: MemberHistories, header: ArtifactHeader) {
        let reader = try ArtifactReader(path: path)
        try reader.requireSchema(kind: kind, columns: schema)
        var histories = MemberHistories()
        if let rows = reader.header.rowCount { histories.reserve(Int(rows)) }
        while let group = try reader.next() {
            let c = group.columns
            histories.memberId += c[0].int64Values ?? []
            histories.joinedDay += c[1].int32Values ?? []
            histories.consent += c[2].uint8Values ?? []
            histories.optedOut += c[3].uint8Values ?? []
            histories.firstPurchaseDay += c[4].int32Values ?? []
            histories.lastPurchaseDay += c[5].int32Values ?? []
            histories.purchaseDays += c[6].int32Values ?? []
            histories.grossCents += c[7].int64Values ?? []
            histories.preSalesCents += c[8].int64Values ?? []
            for channel in 0..<4 {
                histories.channelState[channel] += c[9 + 2 * channel].uint8Values ?? []
                histories.channelDeliveredDay[channel] += c[10 + 2 * channel].int32Values ?? []
            }
            histories.latitude += c[17].float64Values ?? []
            histories.longitude += c[18].float64Values ?? []
            histories.locationDay += c[19].int32Values ?? []
        }
        return (histories, reader.header)
    }

    mutating func reserve(_ capacity: Int) {
        memberId.reserveCapacity(capacity)
        joinedDay.reserveCapacity(capacity)
        firstPurchaseDay.reserveCapacity(capacity)
        lastPurchaseDay.reserveCapacity(capacity)
        purchaseDays.reserveCapacity(capacity)
        grossCents.reserveCapacity(capacity)
        preSalesCents.reserveCapacity(capacity)
        latitude.reserveCapacity(capacity)
        longitude.reserveCapacity(capacity)
        locationDay.reserveCapacity(capacity)
    }
}
