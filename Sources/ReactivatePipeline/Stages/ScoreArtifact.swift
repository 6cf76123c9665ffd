import Artifacts
import Postgres
import ReactivateCore

/// The score stage's output per scored member, as columns; also the score artifact's schema. It also
/// carries what targeting needs of the member's history (pre-period sales, last location), so the
/// target stage reads this artifact alone: reading the extract beside it decompressed every member's
/// history again (656 MB at 8M members) to use the dormant third's locations.
public struct MemberScores: Sendable {
    public static let kind = "score"

    public var memberId: [Int64] = []
    public var daysSinceLast: [Int32] = []
    public var frequency: [Int32] = []
    public var recencyDays: [Int32] = []
    public var tenureDays: [Int32] = []
    public var monetaryCents: [Int64] = []
    public var pAlive: [Double] = []
    public var expectedPurchases: [Double] = []
    /// Expected purchases over the horizon × spend per purchase day, in yuan.
    public var valueScore: [Double] = []
    public var reachability: [Double] = []
    /// 0 = unreachable, else 1 + index in `MarketingChannel.allCases`.
    public var bestChannel: [UInt8] = []
    /// Index in `DormancySegment.allCases`.
    public var segmentCode: [UInt8] = []
    /// From the extract: sales in the pre-period, and the last location with its day (as there).
    public var preSalesCents: [Int64] = []
    public var latitude: [Double] = []
    public var longitude: [Double] = []
    public var locationDay: [Int32] = []

    var segmentCounts: [DormancySegment: Int] = [:]
    var dormantCount = 0
    var reachableDormant = 0

    public init() {}

    public var count: Int { memberId.count }

    public func segment(at index: Int) -> DormancySegment { DormancySegment.allCases[Int(segmentCode[index])] }

    public static func channel(code: UInt8) -> MarketingChannel? {
        code == 0 ? nil : MarketingChannel.allCases[Int(code) - 1]
    }

    static func code(_ channel: MarketingChannel?) -> UInt8 {
        guard let channel, let index = MarketingChannel.allCases.firstIndex(of: channel) else { return 0 }
        return UInt8(index + 1)
    }

    mutating func append(
        memberId id: Int64, history: PurchaseHistory, monetaryCents monetary: Int64, pAlive alive: Double,
        expected: Double, reachability reach: Reachability.Assessment, segment: DormancySegment,
        from histories: MemberHistories, at row: Int
    ) {
        memberId.append(id)
        daysSinceLast.append(Int32(history.daysSinceLast))
        frequency.append(Int32(history.frequency))
        recencyDays.append(Int32(history.recencyDays))
        tenureDays.append(Int32(history.tenureDays))
        monetaryCents.append(monetary)
        pAlive.append(alive)
        expectedPurchases.append(expected)
        valueScore.append(expected * Double(monetary) / 100)
        reachability.append(reach.score)
        bestChannel.append(Self.code(reach.bestChannel))
        segmentCode.append(UInt8(DormancySegment.allCases.firstIndex(of: segment) ?? 0))
        preSalesCents.append(histories.preSalesCents[row])
        latitude.append(histories.latitude[row])
        longitude.append(histories.longitude[row])
        locationDay.append(histories.locationDay[row])
    }

    public static let schema: [ArtifactColumn] = [
        ArtifactColumn("member_id", .int64), ArtifactColumn("days_since_last", .int32),
        ArtifactColumn("frequency", .int32), ArtifactColumn("recency_days", .int32),
        ArtifactColumn("tenure_days", .int32), ArtifactColumn("monetary_cents", .int64),
        ArtifactColumn("p_alive", .float64), ArtifactColumn("expected_purchases", .float64),
        ArtifactColumn("value_score", .float64), ArtifactColumn("reachability", .float64),
        ArtifactColumn("best_channel", .uint8), ArtifactColumn("segment", .uint8),
        ArtifactColumn("pre_sales_cents", .int64), ArtifactColumn("latitude", .float64),
        ArtifactColumn("longitude", .float64), ArtifactColumn("location_day", .int32),
    ]

    /// The member base the scores came from, in the artifact's header: the target funnel's first steps.
    public struct Base: Sendable, Equatable {
        public var members: Int
        /// Members with a purchase day before D.
        public var buyers: Int

        public init(members: Int, buyers: Int) {
            self.members = members
            self.buyers = buyers
        }

        var metadata: [String: String] { ["members": String(members), "buyers": String(buyers)] }

        init?(metadata: [String: String]) {
            guard let members = metadata["members"].flatMap(Int.init), let buyers = metadata["buyers"].flatMap(Int.init) else { return nil }
            self.init(members: members, buyers: buyers)
        }
    }

    /// Written group by group while the same rows stream into `member_scores`: zstd's own worker
    /// threads compress beside that stream instead of in its way, in its fast mode (the scoring pass
    /// shares the two cores with the extract's decompression; 0.1 s less of it at 8M members).
    static func artifactWriter(to path: String, rows: Int, base: Base, runId: Int64, asOf: String) throws -> ArtifactWriter {
        try ArtifactWriter(
            path: path,
            header: ArtifactHeader(
                kind: kind, runID: String(runId), asOf: asOf, rowCount: Int64(rows), columns: schema, metadata: base.metadata),
            compressionLevel: -4, compressionWorkers: 2)
    }

    func columns(_ range: Range<Int>) -> [ArtifactColumnData] {
        [
            .int64(Array(memberId[range])), .int32(Array(daysSinceLast[range])), .int32(Array(frequency[range])),
            .int32(Array(recencyDays[range])), .int32(Array(tenureDays[range])), .int64(Array(monetaryCents[range])),
            .float64(Array(pAlive[range])), .float64(Array(expectedPurchases[range])), .float64(Array(valueScore[range])),
            .float64(Array(reachability[range])), .uint8(Array(bestChannel[range])), .uint8(Array(segmentCode[range])),
            .int64(Array(preSalesCents[range])), .float64(Array(latitude[range])), .float64(Array(longitude[range])),
            .int32(Array(locationDay[range])),
        ]
    }

    static let copyStatement: SQL = """
        COPY reactivation.member_scores (run_id, member_id, days_since_last, frequency, recency_days, tenure_days,
            monetary, p_alive, expected_txns, value_score, reachability, best_channel, segment)
        FROM STDIN (FORMAT binary)
        """

    /// The rows of `member_scores` for these scores, into a binary COPY.
    func encodeRows(runId: Int64, into writer: inout BinaryCopyWriter) throws {
        for index in 0..<count {
            writer.encoder.beginRow(fieldCount: 13)
            writer.encoder.append(runId)
            writer.encoder.append(memberId[index])
            writer.encoder.append(daysSinceLast[index])
            writer.encoder.append(frequency[index])
            writer.encoder.append(recencyDays[index])
            writer.encoder.append(tenureDays[index])
            writer.encoder.appendCents(monetaryCents[index])
            writer.encoder.append(pAlive[index])
            writer.encoder.append(expectedPurchases[index])
            writer.encoder.append(valueScore[index])
            writer.encoder.append(reachability[index])
            writer.encoder.append(Self.channel(code: bestChannel[index])?.rawValue)
            writer.encoder.append(segment(at: index).rawValue)
            try writer.rowDone()
        }
    }

    public static func read(path: String) throws -> MemberScores {
        let groups = try Groups(path: path)
        var scores = MemberScores()
        while let group = try groups.next() { scores.append(contentsOf: group, range: 0..<group.count) }
        return scores
    }

    /// A score artifact read one row group at a time, decoded ahead on a thread of its own (``ReadAhead``).
    final class Groups {
        private let groups: ReadAhead<MemberScores>
        /// Nil only for an artifact whose header does not name its member base.
        let base: Base?

        init(path: String) throws {
            let reader = try ArtifactReader(path: path)
            try reader.requireSchema(kind: MemberScores.kind, columns: MemberScores.schema)
            base = Base(metadata: reader.header.metadata)
            groups = ReadAhead { try Self.decode(reader) }
        }

        func next() throws -> MemberScores? { try groups.next() }

        private static func decode(_ reader: ArtifactReader) throws -> MemberScores? {
            guard let group = try reader.next() else { return nil }
            let c = group.columns
            var scores = MemberScores()
            scores.memberId = c[0].int64Values ?? []
            scores.daysSinceLast = c[1].int32Values ?? []
            scores.frequency = c[2].int32Values ?? []
            scores.recencyDays = c[3].int32Values ?? []
            scores.tenureDays = c[4].int32Values ?? []
            scores.monetaryCents = c[5].int64Values ?? []
            scores.pAlive = c[6].float64Values ?? []
            scores.expectedPurchases = c[7].float64Values ?? []
            scores.valueScore = c[8].float64Values ?? []
            scores.reachability = c[9].float64Values ?? []
            scores.bestChannel = c[10].uint8Values ?? []
            scores.segmentCode = c[11].uint8Values ?? []
            scores.preSalesCents = c[12].int64Values ?? []
            scores.latitude = c[13].float64Values ?? []
            scores.longitude = c[14].float64Values ?? []
            scores.locationDay = c[15].int32Values ?? []
            return scores
        }
    }

    mutating func append(contentsOf other: MemberScores, range: Range<Int>) {
        guard !range.isEmpty else { return }
        memberId += other.memberId[range]
        daysSinceLast += other.daysSinceLast[range]
        frequency += other.frequency[range]
        recencyDays += other.recencyDays[range]
        tenureDays += other.tenureDays[range]
        monetaryCents += other.monetaryCents[range]
        pAlive += other.pAlive[range]
        expectedPurchases += other.expectedPurchases[range]
        valueScore += other.valueScore[range]
        reachability += other.reachability[range]
        bestChannel += other.bestChannel[range]
        segmentCode += other.segmentCode[range]
        preSalesCents += other.preSalesCents[range]
        latitude += other.latitude[range]
        longitude += other.longitude[range]
        locationDay += other.locationDay[range]
    }
}
