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

    public typealias ChannelState = ChannelHealth

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

    /// Takes every member's folded purchases (the table is indexed like `memberId`).
    mutating func setPurchases(_ table: PurchaseTable) {
        precondition(table.purchaseDays.count == count, "purchase table and members differ in length")
        firstPurchaseDay = table.entries.map { $0.firstDay == PurchaseTable.none ? Self.noDay : $0.firstDay }
        lastPurchaseDay = table.entries.map { $0.lastDay == PurchaseTable.none ? Self.noDay : $0.lastDay }
        purchaseDays = table.purchaseDays
        grossCents = table.entries.map(\.grossCents)
        preSalesCents = table.entries.map(\.preSalesCents)
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
    func write(
        to path: String, runId: Int64, asOf: String, metadata: [String: String]
    ) throws -> ArtifactSummary {
        let writer = try Self.writer(to: path, rows: count, runId: runId, asOf: asOf, metadata: metadata)
        var start = 0
        while start < count {
            let end = min(start + ArtifactWriter.defaultRowsPerGroup, count)
            try writer.append(columns: columns(start..<end))
            start = end
        }
        return try writer.commit()
    }

    /// A writer of an extract artifact of `rows` members. Every extract artifact is written with these
    /// settings, so the same members give the same bytes however they were gathered.
    static func writer(
        to path: String, rows: Int, runId: Int64, asOf: String, metadata: [String: String]
    ) throws -> ArtifactWriter {
        let header = ArtifactHeader(
            kind: kind, runID: String(runId), asOf: asOf, rowCount: Int64(rows), columns: schema, metadata: metadata)
        return try ArtifactWriter(path: path, header: header, compressionLevel: compressionLevel, compressionWorkers: 2)
    }

    /// What one member's histories take in memory: the columns' widths (82 bytes).
    static let bytesPerMember = 8 + 4 + 1 + 1 + 4 + 4 + 4 + 8 + 8 + 4 * (1 + 4) + 8 + 8 + 4

    /// zstd's fast mode: the artifact is written once per run and read whole twice by score, one pass
    /// each on one core, where decompressing is most of the pass. At 8M members (656 MB) level 1
    /// decompressed in 0.85 s and wrote 248 MB, this 0.66 s and 305 MB; the same for a shard's artifact.
    static let compressionLevel = -4

    /// Reads a whole extract artifact back, checking kind, schema and integrity.
    public static func read(path: String) throws -> (histories: MemberHistories, header: ArtifactHeader) {
        let groups = try Groups(path: path)
        var histories = MemberHistories()
        if let rows = groups.header.rowCount { histories.reserve(Int(rows)) }
        while let group = try groups.next() { histories.append(contentsOf: group) }
        return (histories, groups.header)
    }

    /// An extract artifact read one row group at a time, so a stage that walks the members once holds
    /// one group (65,536 members) and the two decoded ahead of it (``ReadAhead``), not the member base.
    final class Groups {
        let header: ArtifactHeader
        private let groups: ReadAhead<MemberHistories>

        init(path: String) throws {
            let reader = try ArtifactReader(path: path)
            try reader.requireSchema(kind: MemberHistories.kind, columns: MemberHistories.schema)
            header = reader.header
            groups = ReadAhead { try Self.decode(reader) }
        }

        /// The next group's members, or nil after the last (the artifact's checksum verified).
        func next() throws -> MemberHistories? { try groups.next() }

        private static func decode(_ reader: ArtifactReader) throws -> MemberHistories? {
            guard let group = try reader.next() else { return nil }
            let c = group.columns
            var rows = MemberHistories()
            rows.memberId = c[0].int64Values ?? []
            rows.joinedDay = c[1].int32Values ?? []
            rows.consent = c[2].uint8Values ?? []
            rows.optedOut = c[3].uint8Values ?? []
            rows.firstPurchaseDay = c[4].int32Values ?? []
            rows.lastPurchaseDay = c[5].int32Values ?? []
            rows.purchaseDays = c[6].int32Values ?? []
            rows.grossCents = c[7].int64Values ?? []
            rows.preSalesCents = c[8].int64Values ?? []
            rows.channelState = (0..<4).map { c[9 + 2 * $0].uint8Values ?? [] }
            rows.channelDeliveredDay = (0..<4).map { c[10 + 2 * $0].int32Values ?? [] }
            rows.latitude = c[17].float64Values ?? []
            rows.longitude = c[18].float64Values ?? []
            rows.locationDay = c[19].int32Values ?? []
            return rows
        }
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

    /// Members, buyers and members with a fresh location: the extract stage's headline counts.
    struct Counts: Sendable {
        var members = 0
        var buyers = 0
        var withLocation = 0

        mutating func add(_ rows: MemberHistories) {
            members += rows.count
            for index in 0..<rows.count {
                if rows.purchaseDays[index] > 0 { buyers += 1 }
                if rows.locationDay[index] != MemberHistories.noDay { withLocation += 1 }
            }
        }
    }

    /// A digest of every column's values, independent of the header (which names the run and the
    /// source schema): `make bench` compares it across table layouts.
    public static func contentDigest(path: String) throws -> String {
        let histories = try read(path: path).histories
        var hasher = XXHash64()
        for column in histories.columns(0..<histories.count) {
            switch column {
            case .int64(let values): values.withUnsafeBytes { hasher.update($0) }
            case .int32(let values): values.withUnsafeBytes { hasher.update($0) }
            case .uint8(let values): values.withUnsafeBytes { hasher.update($0) }
            case .float64(let values): values.withUnsafeBytes { hasher.update($0) }
            }
        }
        return String(hasher.finalize(), radix: 16)
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
