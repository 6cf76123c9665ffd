import Foundation
import Dispatch
import Postgres
import ReactivateCore

/// Facts about one source relation that decide how it is read.
struct RelationFacts {
    var kind: String
    /// Size in blocks for a plain table or materialized view; nil for a view.
    var blocks: Int64?
    var uniqueMember: Bool
    var uniqueMemberChannel: Bool
}

extension RelationFacts {
    /// The facts of the source schema's relations, by relation name.
    static func read(_ connection: Connection, schema: SQLIdentifier) throws -> [String: RelationFacts] {
        var facts: [String: RelationFacts] = [:]
        let rows = try connection.query(
            SourceCheckQueries.relationFacts(schema, blockSize: try connection.blockSize()), operation: "read source relation facts")
        for row in rows {
            facts[try row.decode(0, as: String.self)] = RelationFacts(
                kind: try row.decode(1), blocks: try row.decodeIfPresent(2), uniqueMember: try row.decode(3),
                uniqueMemberChannel: try row.decode(4))
        }
        return facts
    }
}

/// One execution of the tests: runs the queries, turns their aggregates into findings.
struct SourceCheckRun {
    let connection: Connection
    let plan: RunPlan
    let options: SourceCheckOptions
    var findings: [SourceFinding] = []
    var checked: [String] = []
    var skipped: [String] = []
    var cutoffText = ""
    private var facts: [String: RelationFacts] = [:]
    let shardConnections = ShardConnections()

    init(connection: Connection, plan: RunPlan, options: SourceCheckOptions) {
        self.connection = connection
        self.plan = plan
        self.options = options
    }

    private var config: PipelineConfig { plan.config }
    private var schema: SQLIdentifier { plan.sourceSchema }
    private func name(_ relation: String) -> String { "\(schema.name).\(relation)" }

    mutating func all() throws {
        facts = try RelationFacts.read(connection, schema: schema)
        try members()
        let channelsAt = (findings: findings.count, checked: checked.count, skipped: skipped.count)
        try coordinates("stores", idColumn: "store_id", sampled: false)
        try coordinates("member_locations", idColumn: "member_id", sampled: true)
        try transactions()
        try freshness(mode: SourceCheckMode(plan.mode))
        // The channel tests last: their counts may come from the extract's channel stream, ready only
        // once it (or every shard) has been read, and the other tests need not wait for it. Their
        // findings keep their place after the members'.
        let (before, checkedBefore, skippedBefore) = (findings, checked, skipped)
        (findings, checked, skipped) = ([], [], [])
        try channels()
        func placed<Item>(_ new: [Item], into list: [Item], at index: Int) -> [Item] { Array(list[..<index]) + new + list[index...] }
        findings = placed(findings, into: before, at: channelsAt.findings)
        checked = placed(checked, into: checkedBefore, at: channelsAt.checked)
        skipped = placed(skipped, into: skippedBefore, at: channelsAt.skipped)
    }

    private mutating func add(
        _ check: String, _ severity: SourceFinding.Severity, _ relation: String, _ column: String, count: Int64,
        examples: [String] = [], _ message: String, fix: String, sampled: Int64? = nil
    ) {
        findings.append(
            SourceFinding(
                check: check, severity: severity, relation: name(relation), column: column, count: count,
                examples: examples, message: message, fix: fix, sampled: sampled))
    }

    private func sample(_ relation: String) -> SourceSample {
        let blocks = facts[relation].flatMap { $0.kind == "r" || $0.kind == "m" ? $0.blocks : nil }
        return SourceSample.choose(tableBlocks: blocks, blocks: options.sampleBlocks, rows: options.sampleRows)
    }

    /// Example lists come joined by the unit separator (chr(31)), which no example contains.
    static func split(_ list: String?) -> [String] {
        guard let list, !list.isEmpty else { return [] }
        return list.components(separatedBy: "\u{1F}")
    }

    // MARK: members

    private mutating func members() throws {
        if facts["members"]?.uniqueMember == true {
            skipped.append("unique(members.member_id): guaranteed by a unique index")
            return
        }
        if options.uniqueOnEveryShard.contains("members") {
            skipped.append("unique(members.member_id): guaranteed by a unique index on every shard")
            return
        }
        checked.append("unique(members.member_id)")
        checked.append("not_null(members.member_id)")
        var ids = KeyDuplicates()
        var nulls: Int64 = 0
        try connection.copyOut(SourceCheckQueries.memberIds(schema), fieldCount: 1, operation: "check members.member_id is unique") { row in
            if let id = try row.optionalInt64(0) { ids.add(id) } else { nulls += 1 }
        }
        let (repeated, extra, worst) = ids.result()
        if repeated > 0 {
            add(
                "unique", .error, "members", "member_id", count: repeated, examples: worst.map { "\($0.key) (\($0.rows) rows)" },
                "\(repeated) member id(s) appear more than once (\(extra) extra row(s)): every count, score and coupon would be repeated",
                fix: "make the view return one row per member: a join in it multiplies members (aggregate or pick one row per member_id, e.g. DISTINCT ON (member_id) … ORDER BY member_id, <which row wins>)")
        }
        if nulls > 0 {
            add(
                "not_null", .error, "members", "member_id", count: nulls,
                "\(nulls) row(s) have no member_id",
                fix: "filter them out in the view (WHERE <id> IS NOT NULL) or map the right key column")
        }
    }

    // MARK: member_channels

    /// Rows per channel value and, unless a unique index guarantees them, the repeated (member,
    /// channel) pairs: from the extract's channel stream when it runs beside the tests
    /// (`options.channelValues`), else from one stream of (member_id, channel) of this test's own.
    private mutating func channels() throws {
        let onEveryShard = options.uniqueOnEveryShard.contains("member_channels")
        let checkPairs = facts["member_channels"]?.uniqueMemberChannel != true && !onEveryShard
        if checkPairs {
            checked.append("unique(member_channels.member_id, channel)")
        } else {
            skipped.append("unique(member_channels.member_id, channel): guaranteed by a unique index" + (onEveryShard ? " on every shard" : ""))
        }
        checked.append("accepted_values(member_channels.channel)")
        var tally: ChannelValueTally
        if let handoff = options.channelValues, handoff.checkPairs || !checkPairs {
            tally = try handoff.tally()
        } else {
            tally = try streamChannelValues(checkPairs: checkPairs)
        }
        let channels = ChannelValueTally.channels
        let knownRows = tally.knownRows, unknownRows = tally.unknownRows, nullMembers = tally.nullMembers
        var duplicatePairs: Int64 = 0
        var duplicateExamples: [String] = []
        for code in channels.indices where checkPairs {
            guard let (repeated, _, worst) = tally.pairs?[code].result() else { continue }
            duplicatePairs += repeated
            duplicateExamples += worst.map { "member \($0.key) '\(channels[code].rawValue)' (\($0.rows) rows)" }
        }
        let known = Set(channels.map(\.rawValue))
        let configuredRows = channels.indices.filter { config.channels.contains(channels[$0]) }.reduce(Int64(0)) { $0 + knownRows[$1] }
        let totalRows = knownRows.reduce(0, +) + unknownRows.values.reduce(0, +)
        if !unknownRows.isEmpty {
            let contract = channels.map(\.rawValue).joined(separator: ", ")
            let unknown = unknownRows.sorted { $0.value != $1.value ? $0.value > $1.value : ($0.key ?? "") < ($1.key ?? "") }
            let shown = unknown.prefix(10).map { "\($0.key.map { "'\($0)'" } ?? "NULL") (\($0.value) rows)" }
            let lowerFixes = unknown.allSatisfy { $0.key.map { known.contains($0.lowercased()) } ?? false }
            let fix =
                lowerFixes
                ? "the contract's names are lower-case (case matters): map them in the view with lower(channel) AS channel"
                : "map every value to one of \(contract) in the view (CASE channel WHEN 'SMS' THEN 'sms' … END AS channel), and filter out channels reactivate does not use"
            add(
                "accepted_values", .error, "member_channels", "channel", count: unknown.reduce(0) { $0 + $1.value },
                examples: Array(shown),
                "\(unknown.count) value(s) are not channels of the contract (\(contract)); members reachable only through them would count as unreachable",
                fix: fix)
        } else if configuredRows == 0, totalRows > 0 {
            add(
                "accepted_channels", .warning, "member_channels", "channel", count: 0,
                examples: channels.indices.filter { knownRows[$0] > 0 }.map { "'\(channels[$0].rawValue)'" },
                "no row has any of the configured channels (target.channels = \(config.channels.map(\.rawValue).joined(separator: ", "))): nobody is reachable",
                fix: "list the channels your members have in target.channels, or map them in the view")
        }
        if duplicatePairs > 0 {
            add(
                "unique", .error, "member_channels", "member_id, channel", count: duplicatePairs,
                examples: Array(duplicateExamples.prefix(5)),
                "\(duplicatePairs) (member, channel) pair(s) appear more than once",
                fix: "make the view return one row per member and channel (aggregate the contact points: max(verified_at), max(last_delivered_at), max(last_failed_at) … GROUP BY member_id, channel)")
        }
        if nullMembers > 0 {
            add(
                "not_null", .warning, "member_channels", "member_id", count: nullMembers,
                "\(nullMembers) row(s) have no member_id and are ignored",
                fix: "filter them out in the view (WHERE <member key> IS NOT NULL)")
        }
    }

    /// Every (member_id, channel) row in one fold: through this connection, or shard by shard from the
    /// shard servers.
    private func streamChannelValues(checkPairs: Bool) throws -> ChannelValueTally {
        var tally = ChannelValueTally(checkPairs: checkPairs)
        let here = connection
        var streams: [(Shard?, () throws -> Connection, SQL)] = [(nil, { here }, SourceCheckQueries.channelRows(schema))]
        if !options.shards.isEmpty {
            let shardConnections = shardConnections
            streams = options.shards.map { source in
                (source.shard, { try shardConnections.connection(to: source) }, SourceCheckQueries.channelRows(in: source.shard.relations.memberChannels))
            }
        }
        for (shard, connect, statement) in streams {
            do {
                try connect().copyOut(statement, fieldCount: 2, operation: "check member_channels.channel values") { row in
                    _ = try tally.add(row, member: 0, channel: 1)
                }
            } catch {
                guard let shard else { throw error }
                throw shard.failure(error)
            }
        }
        return tally
    }

    // MARK: coordinates

    private mutating func coordinates(_ relation: String, idColumn: String, sampled: Bool) throws {
        checked.append("coordinates(\(relation).latitude, longitude)")
        let counts: CoordinateCounts, whole: Bool
        if sampled, !options.shards.isEmpty {
            (counts, whole) = try shardCoordinates()
        } else {
            let sample = sampled ? sample(relation) : SourceSample(method: .whole)
            counts = try CoordinateCounts(
                row: Self.onlyRow(
                    connection.query(
                        SourceCheckQueries.coordinates(schema, relation: relation, idColumn: idColumn, sample: sample),
                        operation: "check \(relation) coordinates")))
            whole = sample.isWhole
        }
        let (total, missing, zero, outOfRange, swappable) = (counts.total, counts.missing, counts.zero, counts.outOfRange, counts.swappable)
        let examples = counts.examples
        guard total > 0 else { return }
        let sampledRows: Int64? = whole ? nil : total
        let scope = whole ? "of \(total) rows" : "of \(total) sampled rows"
        if swappable * 2 > total {
            add(
                "lat_lng_swap", .error, relation, "latitude, longitude", count: swappable, examples: examples,
                "\(swappable) \(scope) are valid only with latitude and longitude swapped: the view likely swaps them",
                fix: "swap them in the view: <lat column> AS latitude, <lng column> AS longitude (latitude is -90…90, longitude -180…180)",
                sampled: sampledRows)
            return
        }
        let bad = missing + zero + outOfRange
        guard bad > 0 else { return }
        var parts: [String] = []
        if outOfRange > 0 { parts.append("\(outOfRange) out of range") }
        if zero > 0 { parts.append("\(zero) at the (0, 0) placeholder") }
        if missing > 0 { parts.append("\(missing) missing") }
        let severity: SourceFinding.Severity = Double(bad) > SourceChecks.badCoordinateErrorShare * Double(total) ? .error : .warning
        let consequence = relation == "stores" ? "such stores can never be matched" : "such members are never near a store"
        add(
            "coordinates", severity, relation, "latitude, longitude", count: bad,
            examples: examples + (zero > 0 && examples.count < 3 ? ["(0, 0)"] : []),
            "\(bad) \(scope) have unusable coordinates (\(parts.joined(separator: ", "))); \(consequence)",
            fix: severity == .error
                ? "check the coordinate columns the view maps (degrees, WGS84: latitude -90…90, longitude -180…180) and map missing ones to NULL-free rows"
                : "exclude or repair them in the view (e.g. WHERE NOT (latitude = 0 AND longitude = 0))",
            sampled: sampledRows)
    }

    // MARK: transactions

    private mutating func transactions() throws {
        checked.append("basket_band(transactions.amount)")
        checked.append("relationships(transactions.member_id → members.member_id)")
        let basket: BasketCounts, members: UnknownMemberCounts, whole: Bool
        if !options.shards.isEmpty {
            (basket, members, whole) = try shardTransactions()
        } else {
            let sample = sample("transactions")
            let row = try Self.onlyRow(
                connection.query(SourceCheckQueries.basket(schema, sample: sample), operation: "check transactions amounts"))
            basket = BasketCounts(
                total: try row.decode(0), positive: try row.decode(1), medianText: try row.decodeIfPresent(2, as: String.self), nulls: try row.decode(3))
            if basket.total > 0 {
                let unknownRow = try Self.onlyRow(
                    connection.query(
                        SourceCheckQueries.unknownMembers(schema, sample: sample), operation: "check transactions belong to members"))
                members = UnknownMemberCounts(
                    probed: try unknownRow.decode(0), unknown: try unknownRow.decode(1), examples: Self.split(try unknownRow.decodeIfPresent(2)))
            } else {
                members = UnknownMemberCounts()
            }
            whole = sample.isWhole
        }
        let (total, positive, medianText, nulls) = (basket.total, basket.positive, basket.medianText, basket.nulls)
        guard total > 0 else { return }
        let sampledRows: Int64? = whole ? nil : total
        let scope = whole ? "of \(total) transactions" : "of \(total) sampled transactions"
        let band = config.medianBasketBandCents
        let bandText = "\(Self.money(band.lowerBound))–\(Self.money(band.upperBound))"
        if positive == 0 {
            add(
                "basket_band", .warning, "transactions", "amount", count: 0,
                "none \(scope) has a positive amount", fix: "check the amount column the view maps", sampled: sampledRows)
        } else if let medianText, let median = Double(medianText) {
            let cents = (median * 100).rounded()
            if cents > Double(band.upperBound) {
                add(
                    "basket_band", .error, "transactions", "amount", count: positive, examples: [medianText],
                    "the median positive amount \(medianText) is above the plausible band \(bandText) (source.median_basket_band): amounts may be in cents",
                    fix: "divide by 100 in the view (amount_cents / 100.0)::numeric(12,2) AS amount, or widen source.median_basket_band if your baskets really are this large",
                    sampled: sampledRows)
            } else if cents < Double(band.lowerBound) {
                add(
                    "basket_band", .error, "transactions", "amount", count: positive, examples: [medianText],
                    "the median positive amount \(medianText) is below the plausible band \(bandText) (source.median_basket_band): amounts may be divided once too often or in another unit",
                    fix: "map the amount in the currency's main unit (yuan, not thousands), or lower source.median_basket_band",
                    sampled: sampledRows)
            }
        }
        if nulls > 0 {
            add(
                "not_null", .warning, "transactions", "member_id, occurred_at, amount", count: nulls,
                "\(nulls) \(scope) lack a member, instant or amount and are ignored",
                fix: "filter them out in the view (WHERE … IS NOT NULL)", sampled: sampledRows)
        }
        let (probed, unknown) = (members.probed, members.unknown)
        if unknown > 0, probed > 0 {
            let share = Double(unknown) / Double(probed)
            let scope = probed < total || !whole ? "of \(probed) sampled transactions" : "of \(probed) transactions"
            let severity: SourceFinding.Severity = share > SourceChecks.unknownMemberErrorShare ? .error : .warning
            add(
                "relationships", severity, "transactions", "member_id", count: unknown,
                examples: members.examples.map { "member_id \($0)" },
                "\(unknown) \(scope) (\(Self.percent(share))) belong to no member in \(name("members")) and are ignored",
                fix: severity == .error
                    ? "map the same member key in both views (transactions.member_id must be a members.member_id)"
                    : "usually members deleted or not yet loaded; if it grows, check that both views map the same member key",
                sampled: probed < total || !whole ? probed : nil)
        }
    }

    // MARK: freshness

    private mutating func freshness(mode: SourceCheckMode) throws {
        let timeZone = config.businessTimeZone
        let cutoff = plan.cutoff
        cutoffText = "\(plan.asOf) 00:00 \(timeZone)"
        guard mode != .backfill else {
            skipped.append("freshness(transactions.occurred_at): not tested when backfilling past dates")
            return
        }
        checked.append("freshness(transactions.occurred_at)")
        let maxLag = Double(config.maxLagDays)
        let transactions = SourceRelations(schema: schema.name).transactions
        var latest: Instant?
        if let given = options.latestTransaction {
            latest = given.occurredAt
        } else if let facts = facts["transactions"], facts.kind == "r", let blocks = facts.blocks,
            blocks > options.tailBlocks, connection.serverVersion >= 140_000
        {
            let tail = try connection.query(
                SourceCheckQueries.latestTransaction(in: transactions, before: cutoff, fromBlock: blocks - options.tailBlocks),
                operation: "read the newest transactions"
            ).scalar(Int64.self).map(Instant.init(microseconds:))
            if let tail, LatestTransaction.isRecent(tail, cutoff: cutoff, maxLagDays: config.maxLagDays) { latest = tail }
        }
        if latest == nil, options.latestTransaction == nil {
            latest = try connection.query(
                SourceCheckQueries.latestTransaction(in: transactions, before: cutoff), operation: "read the latest transaction"
            ).scalar(Int64.self).map(Instant.init(microseconds:))
        }
        let severity: SourceFinding.Severity = mode == .live ? .error : .warning
        let fix = "the feed is late; re-run when it has caught up (or raise source.max_lag_days if this lag is normal for your feed)"
        guard let latest else {
            add(
                "freshness", severity, "transactions", "occurred_at", count: 0,
                "no transaction before the cut-off \(cutoffText)", fix: fix)
            return
        }
        let (days, shown) = try lag(cutoff: cutoff, latest: latest)
        if days > maxLag {
            add(
                "freshness", severity, "transactions", "occurred_at", count: 0,
                "the latest transaction before the cut-off \(cutoffText) is from \(shown) \(timeZone), \(String(format: "%.1f", days)) days earlier (source.max_lag_days = \(config.maxLagDays))",
                fix: fix)
        }
    }

    private func lag(cutoff: Instant, latest: Instant) throws -> (days: Double, shown: String) {
        let row = try Self.onlyRow(
            connection.query(
                SourceCheckQueries.lag(cutoff: cutoff, latest: latest, timeZone: config.businessTimeZone), operation: "compute the feed lag"))
        return (try row.decode(0), try row.decode(1))
    }

    /// The one row an aggregate query returns.
    static func onlyRow(_ result: QueryResult) throws -> PostgresRow {
        guard let row = result.first else { throw PipelineError(.runtime, "a source data test returned no row") }
        return row
    }

    private static func money(_ cents: Int64) -> String {
        cents % 100 == 0 ? "\(cents / 100)" : String(format: "%.2f", Double(cents) / 100)
    }

    private static func percent(_ share: Double) -> String {
        share < 0.001 ? "<0.1%" : String(format: "%.1f%%", share * 100)
    }
}
