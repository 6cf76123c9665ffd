extension PipelineConfig {
    /// Every key a pipeline config may contain, as dotted paths in documentation order;
    /// the example config and the unknown-key suggestions are checked against it.
    public static let knownKeys: [String] = ConfigSchema.sections.flatMap { section in
        section.keys.map { section.name.isEmpty ? $0 : section.name + "." + $0 }
    }

    /// Parses and validates a pipeline config.
    ///
    /// Reads nothing from disk: the caller passes the file's text and the name to show in errors.
    /// Keys are checked in file order, so the error reported is the first problem in the file.
    /// - Throws: ``ConfigError`` naming the file, line, key, reason and a fix.
    public static func load(text: String, fileName: String) throws(ConfigError) -> PipelineConfig {
        let document: TOMLTable
        do throws(TOMLError) {
            document = try TOMLParser.parse(text)
        } catch {
            throw ConfigError(fileName: fileName, tomlError: error)
        }
        return try ConfigDecoder(fileName: fileName).decode(document)
    }
}

/// The sections and keys of a pipeline config, for unknown-key detection and suggestions; read off
/// the key rules, so a key is declared in one place only.
enum ConfigSchema {
    /// Sections in documentation order; the unnamed first entry is the top level.
    static let sections: [(name: String, keys: [String])] = {
        var sections: [(name: String, keys: [String])] = []
        for rule in keyRules {
            if let index = sections.firstIndex(where: { $0.name == rule.section }) {
                sections[index].keys.append(rule.name)
            } else {
                sections.append((rule.section, [rule.name]))
            }
        }
        return sections
    }()

    /// SPEC names that differ from the config key, so a user copying from SPEC is redirected.
    static let aliases: [String: String] = [
        "holdout_fraction": "SPEC's holdout_fraction is the key 'fraction' in the [holdout] section"
    ]

    static var sectionNames: [String] { sections.map(\.name).filter { !$0.isEmpty } }

    static func keys(of section: String) -> [String] {
        sections.first { $0.name == section }?.keys ?? []
    }
}

/// One end of an allowed numeric range.
private enum Bound {
    case inclusive(Double)
    case exclusive(Double)
}

/// An allowed numeric range that can say itself in an error message.
private struct Interval {
    var lower: Bound?
    var upper: Bound?

    func contains(_ x: Double) -> Bool {
        switch lower {
        case .inclusive(let a)?: if !(x >= a) { return false }
        case .exclusive(let a)?: if !(x > a) { return false }
        case nil: break
        }
        switch upper {
        case .inclusive(let b)?: if !(x <= b) { return false }
        case .exclusive(let b)?: if !(x < b) { return false }
        case nil: break
        }
        return true
    }

    var text: String {
        if case .inclusive(let a)? = lower, case .inclusive(let b)? = upper {
            return "must be between \(format(a)) and \(format(b))"
        }
        var parts: [String] = []
        switch lower {
        case .inclusive(let a)?: parts.append("≥ \(format(a))")
        case .exclusive(let a)?: parts.append("> \(format(a))")
        case nil: break
        }
        switch upper {
        case .inclusive(let b)?: parts.append("≤ \(format(b))")
        case .exclusive(let b)?: parts.append("< \(format(b))")
        case nil: break
        }
        return "must be " + parts.joined(separator: " and ")
    }
}

/// Whole numbers without a trailing ".0", so messages read "≤ 100000", not "≤ 100000.0".
private func format(_ x: Double) -> String {
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return String(x)
}

/// A property of the config that a key sets.
private typealias Field<Value> = any WritableKeyPath<PipelineConfig, Value> & Sendable

/// How one key's value is read into the config; the decoder's typed readers report its errors.
private struct KeyRule: Sendable {
    let section: String
    let name: String
    let apply: @Sendable (ConfigDecoder, TOMLValue, inout PipelineConfig) throws(ConfigError) -> Void

    init(
        _ section: String, _ name: String,
        apply: @escaping @Sendable (ConfigDecoder, TOMLValue, inout PipelineConfig) throws(ConfigError) -> Void
    ) {
        self.section = section
        self.name = name
        self.apply = apply
    }

    /// A key that sets one property through a typed reader, which names the key by its dotted path.
    static func setting<Value>(
        _ section: String, _ name: String, _ key: Field<Value>,
        read: @escaping @Sendable (ConfigDecoder, TOMLValue, String) throws(ConfigError) -> Value
    ) -> KeyRule {
        let path = section + "." + name
        return KeyRule(section, name) { (decoder, value, config) throws(ConfigError) in
            config[keyPath: key] = try read(decoder, value, path)
        }
    }

    static func integer(_ section: String, _ name: String, _ key: Field<Int>, _ range: ClosedRange<Int>, fix: String) -> KeyRule {
        setting(section, name, key) { (decoder, value, path) throws(ConfigError) in try decoder.integer(value, path, range, fix: fix) }
    }

    /// An optional limit: absent means none.
    static func integer(_ section: String, _ name: String, _ key: Field<Int?>, _ range: ClosedRange<Int>, fix: String) -> KeyRule {
        setting(section, name, key) { (decoder, value, path) throws(ConfigError) in try decoder.integer(value, path, range, fix: fix) }
    }

    static func number(_ section: String, _ name: String, _ key: Field<Double>, _ interval: Interval, fix: String) -> KeyRule {
        setting(section, name, key) { (decoder, value, path) throws(ConfigError) in try decoder.number(value, path, interval, fix: fix) }
    }

    /// An optional number: absent means not set.
    static func number(_ section: String, _ name: String, _ key: Field<Double?>, _ interval: Interval, fix: String) -> KeyRule {
        setting(section, name, key) { (decoder, value, path) throws(ConfigError) in try decoder.number(value, path, interval, fix: fix) }
    }

    static func money(_ section: String, _ name: String, _ key: Field<Int64>, _ interval: Interval, fix: String) -> KeyRule {
        setting(section, name, key) { (decoder, value, path) throws(ConfigError) in try decoder.money(value, path, interval, fix: fix) }
    }

    /// An optional cap: absent means none.
    static func money(_ section: String, _ name: String, _ key: Field<Int64?>, _ interval: Interval, fix: String) -> KeyRule {
        setting(section, name, key) { (decoder, value, path) throws(ConfigError) in try decoder.money(value, path, interval, fix: fix) }
    }

    static func boolean(_ section: String, _ name: String, _ key: Field<Bool>, fix: String) -> KeyRule {
        setting(section, name, key) { (decoder, value, path) throws(ConfigError) in try decoder.boolean(value, path, fix: fix) }
    }
}

/// Every key a pipeline config may contain, in documentation order, with its type, allowed values and
/// the fix an error suggests: the one place a key is declared.
private let keyRules: [KeyRule] = [
    KeyRule("", "campaign") { (decoder, value, config) throws(ConfigError) in
        config.campaign = try decoder.campaignName(value)
    },
    KeyRule("", "description") { (decoder, value, config) throws(ConfigError) in
        config.campaignDescription = try decoder.string(
            value, "description", fix: "describe the campaign in quotes, e.g. description = \"Spring wake-up wave\"")
    },
    KeyRule("source", "schema") { (decoder, value, config) throws(ConfigError) in
        config.sourceSchema = try decoder.schemaName(value)
    },
    KeyRule("source", "business_timezone") { (decoder, value, config) throws(ConfigError) in
        config.businessTimeZone = try decoder.timeZone(value)
    },
    .integer(
        "source", "max_lag_days", \.maxLagDays, 0...3650,
        fix: "set max_lag_days to the days the transaction feed may lag behind a run's cut-off, e.g. 2"),
    KeyRule("source", "median_basket_band") { (decoder, value, config) throws(ConfigError) in
        config.medianBasketBandCents = try decoder.moneyBand(value, "source.median_basket_band")
    },
    KeyRule("source", "shards") { (decoder, value, config) throws(ConfigError) in
        let fix = "set shards = \"auto\" (read each shard from its own server) or \"off\" (read through this server)"
        let text = try decoder.string(value, "source.shards", fix: fix)
        guard let mode = SourceShards(rawValue: text) else {
            throw decoder.invalid(value, "source.shards", "must be \"auto\" or \"off\", got \(TOMLSyntax.quoted(text))", fix: fix)
        }
        config.sourceShards = mode
    },
    .integer("dormancy", "dormant_days", \.dormantDays, 1...3650, fix: "set dormant_days to a number of days, e.g. 180"),
    .integer("dormancy", "horizon_days", \.horizonDays, 1...3650, fix: "set horizon_days to a number of days, e.g. 30"),
    .boolean(
        "dormancy", "score_all", \.scoreAll,
        fix: "set score_all = true to score every member, false for dormant ones only"),
    .integer(
        "dormancy", "pre_period_days", \.prePeriodDays, 1...3650, fix: "set pre_period_days to a number of days, e.g. 365"),
    .number(
        "target", "radius_m", \.radiusMeters, Interval(lower: .exclusive(0), upper: .inclusive(100_000)),
        fix: "set radius_m to a distance in metres, e.g. 3000"),
    .integer(
        "target", "location_freshness_days", \.locationFreshnessDays, 1...3650,
        fix: "set location_freshness_days to a number of days, e.g. 90"),
    .integer(
        "target", "max_per_store", \.maxPerStore, 1...Int.max,
        fix: "set max_per_store to a positive count, e.g. 500, or remove it for no quota"),
    .number(
        "target", "min_p_alive", \.minPAlive, Interval(lower: .inclusive(0), upper: .inclusive(1)),
        fix: "set min_p_alive to a probability, e.g. 0.0 to keep everyone"),
    .number(
        "target", "min_reachability", \.minReachability, Interval(lower: .inclusive(0), upper: .inclusive(1)),
        fix: "set min_reachability to a score between 0 and 1, e.g. 0.0"),
    .integer(
        "target", "cooldown_days", \.cooldownDays, 0...3650,
        fix: "set cooldown_days to a number of days, e.g. 30 (0 = no cooldown)"),
    .boolean(
        "target", "protect_open_experiments", \.protectOpenExperiments,
        fix: "set protect_open_experiments to true (keep other waves' control arms untouched) or false"),
    KeyRule("target", "channels") { (decoder, value, config) throws(ConfigError) in
        config.channels = try decoder.channels(value)
    },
    .number(
        "holdout", "fraction", \.holdoutFraction, Interval(lower: .exclusive(0), upper: .exclusive(1)),
        fix: "set fraction to the share kept as control, e.g. 0.10"),
    .number(
        "holdout", "global_fraction", \.globalHoldoutFraction, Interval(lower: .inclusive(0), upper: .exclusive(1)),
        fix: "set global_fraction to a share below 1, e.g. 0.0 for no global holdout"),
    KeyRule("holdout", "key") { (decoder, value, config) throws(ConfigError) in
        config.holdoutKey = try decoder.holdoutKey(value)
    },
    .money(
        "coupon", "face_value", \.faceValueCents, Interval(lower: .exclusive(0), upper: .inclusive(100_000)),
        fix: "set face_value to an amount with at most 2 decimals, e.g. 20.00"),
    .money(
        "coupon", "min_spend", \.minSpendCents, Interval(lower: .inclusive(0)),
        fix: "set min_spend to an amount with at most 2 decimals, e.g. 100.00 (0 = none)"),
    .integer("coupon", "valid_days", \.validDays, 1...365, fix: "set valid_days to a number of days, e.g. 30"),
    .integer(
        "coupon", "max_coupons", \.maxCoupons, 1...Int.max,
        fix: "set max_coupons to a positive count, e.g. 50000, or remove it for no cap"),
    .money(
        "coupon", "max_face_value_total", \.maxFaceValueTotalCents, Interval(lower: .exclusive(0)),
        fix: "set max_face_value_total to an amount, e.g. 1000000.00, or remove it for no cap"),
    .integer("attribution", "window_days", \.windowDays, 1...365, fix: "set window_days to a number of days, e.g. 30"),
    .number(
        "attribution", "expected_lift", \.expectedLift, Interval(lower: .exclusive(0), upper: .exclusive(1)),
        fix: "set expected_lift to a rate difference, e.g. 0.02 for two percentage points"),
    .number(
        "attribution", "confidence", \.confidence, Interval(lower: .exclusive(0.5), upper: .exclusive(1)),
        fix: "set confidence to a level such as 0.95"),
    .number(
        "attribution", "gross_margin", \.grossMargin, Interval(lower: .exclusive(0), upper: .inclusive(1)),
        fix: "set gross_margin to the share of sales kept as gross profit, e.g. 0.25, or remove it to report no profit"),
    KeyRule("output", "artifact_dir") { (decoder, value, config) throws(ConfigError) in
        config.artifactDir = try decoder.artifactDirectory(value)
    },
    KeyRule("shards", "servers") { (decoder, value, config) throws(ConfigError) in
        config.shardServers = try decoder.shardServers(value)
    },
]

/// Turns the parsed TOML tree into a ``PipelineConfig``, one key at a time, in file order.
private struct ConfigDecoder {
    let fileName: String

    func decode(_ root: TOMLTable) throws(ConfigError) -> PipelineConfig {
        var config = PipelineConfig.defaults(campaign: "")
        for entry in root.entries {
            if let rule = rule(section: "", key: entry.key) {
                try rule.apply(self, entry.value, &config)
                continue
            }
            guard ConfigSchema.sectionNames.contains(entry.key) else {
                throw unknownKey(entry.key, entry.value, inSection: "")
            }
            for item in try section(entry.value, entry.key).entries {
                guard let rule = rule(section: entry.key, key: item.key) else {
                    throw unknownKey(item.key, item.value, inSection: entry.key)
                }
                try rule.apply(self, item.value, &config)
            }
        }
        guard root.entries.contains(where: { $0.key == "campaign" }) else {
            throw ConfigError(
                kind: .missingKey, fileName: fileName, line: 1, keyPath: "campaign",
                reason: "required key is missing",
                fix: "add campaign = \"spring-wakeup\" at the top of the file, before any [section]")
        }
        return config
    }

    private func rule(section: String, key: String) -> KeyRule? {
        keyRules.first { $0.section == section && $0.name == key }
    }

    func artifactDirectory(_ value: TOMLValue) throws(ConfigError) -> String {
        let fix = "set artifact_dir to a directory path, e.g. \"artifacts\""
        let path = try string(value, "output.artifact_dir", fix: fix)
        guard !path.isEmpty, !path.unicodeScalars.contains(where: isControl) else {
            throw invalid(
                value, "output.artifact_dir",
                "must be a non-empty path without control characters, got \(TOMLSyntax.quoted(path))", fix: fix)
        }
        return path
    }

    /// `[shards.servers]`: foreign server name = "libpq connection string", each a non-empty string.
    func shardServers(_ value: TOMLValue) throws(ConfigError) -> [String: String] {
        let fix = "write one line per foreign server under [shards.servers], e.g. shard_a = \"host=10.0.0.5 dbname=crm\""
        guard case .table(let table) = value.kind else {
            throw wrongType(value, "shards.servers", expected: "a section ([shards.servers])", fix: fix)
        }
        var servers: [String: String] = [:]
        for entry in table.entries {
            let conninfo = try string(entry.value, "shards.servers." + entry.key, fix: fix)
            guard !conninfo.isEmpty, !conninfo.unicodeScalars.contains(where: isControl) else {
                throw invalid(entry.value, "shards.servers." + entry.key, "must be a non-empty connection string", fix: fix)
            }
            servers[entry.key] = conninfo
        }
        return servers
    }

    /// Two amounts `[low, high]` with 0 < low < high, read exactly as cents like every money key.
    func moneyBand(_ value: TOMLValue, _ path: String) throws(ConfigError) -> ClosedRange<Int64> {
        let fix = "set \(path.split(separator: ".").last ?? "") to [lowest, highest] plausible median basket in the currency, e.g. [1.00, 20000.00]"
        guard case .array(let items) = value.kind else {
            throw wrongType(value, path, expected: "an array of two amounts [low, high]", fix: fix)
        }
        guard items.count == 2 else {
            throw invalid(value, path, "must hold exactly two amounts [low, high], got \(items.count)", fix: fix)
        }
        let low = try money(items[0], path, Interval(lower: .exclusive(0)), fix: fix)
        let high = try money(items[1], path, Interval(lower: .exclusive(0)), fix: fix)
        guard low < high else {
            throw invalid(value, path, "the low end must be below the high end, got [\(items[0].literal), \(items[1].literal)]", fix: fix)
        }
        return low...high
    }

    // MARK: Typed readers

    private func section(_ value: TOMLValue, _ name: String) throws(ConfigError) -> TOMLTable {
        guard case .table(let table) = value.kind else {
            throw wrongType(
                value, name, expected: "a section ([\(name)])",
                fix: "write the keys under a [\(name)] header")
        }
        return table
    }

    func string(_ value: TOMLValue, _ path: String, fix: String) throws(ConfigError) -> String {
        guard case .string(let string) = value.kind else {
            throw wrongType(value, path, expected: "a string in quotes", fix: fix)
        }
        return string
    }

    func boolean(_ value: TOMLValue, _ path: String, fix: String) throws(ConfigError) -> Bool {
        guard case .boolean(let flag) = value.kind else {
            throw wrongType(value, path, expected: "true or false", fix: fix)
        }
        return flag
    }

    /// Integer keys refuse floats: 180.5 days is a mistake, not something to round silently.
    func integer(
        _ value: TOMLValue, _ path: String, _ range: ClosedRange<Int>, fix: String
    ) throws(ConfigError) -> Int {
        guard case .integer(let wide) = value.kind else {
            throw wrongType(value, path, expected: "a whole number", fix: fix)
        }
        guard let number = Int(exactly: wide), range.contains(number) else {
            let allowed =
                range.upperBound == Int.max
                ? "must be ≥ \(range.lowerBound)"
                : "must be between \(range.lowerBound) and \(range.upperBound)"
            throw invalid(value, path, "\(allowed), got \(value.literal)", fix: fix)
        }
        return number
    }

    /// Float keys accept integer literals (`radius_m = 3000`) but not inf or nan.
    func number(
        _ value: TOMLValue, _ path: String, _ interval: Interval, fix: String
    ) throws(ConfigError) -> Double {
        let number: Double
        switch value.kind {
        case .float(let x): number = x
        case .integer(let n): number = Double(n)
        default: throw wrongType(value, path, expected: "a number", fix: fix)
        }
        guard number.isFinite else {
            throw invalid(value, path, "must be a finite number, got \(value.literal)", fix: fix)
        }
        guard interval.contains(number) else {
            throw invalid(value, path, "\(interval.text), got \(value.literal)", fix: fix)
        }
        return number
    }

    /// Money becomes exact integer cents, computed from the literal text rather than the
    /// binary float, so 19.99 is 1999 cents and 19.999 is refused instead of rounded.
    func money(
        _ value: TOMLValue, _ path: String, _ interval: Interval, fix: String
    ) throws(ConfigError) -> Int64 {
        _ = try number(value, path, interval, fix: fix)
        switch exactCents(value) {
        case .cents(let cents): return cents
        case .fractionOfCent:
            throw invalid(
                value, path, "must be a whole number of cents (at most 2 decimals), got \(value.literal)",
                fix: fix)
        case .tooLarge:
            throw invalid(value, path, "is too large, got \(value.literal)", fix: fix)
        }
    }

    func campaignName(_ value: TOMLValue) throws(ConfigError) -> String {
        let fix = "use a lowercase name such as \"spring-wakeup\""
        let name = try string(value, "campaign", fix: fix)
        let scalars = Array(name.unicodeScalars)
        let valid =
            (1...63).contains(scalars.count)
            && scalars.allSatisfy { isLowerAlphanumeric($0) || $0 == "_" || $0 == "-" }
            && scalars.first.map(isLowerAlphanumeric) == true
        guard valid else {
            throw invalid(
                value, "campaign",
                "must be 1–63 characters of a-z, 0-9, '_' or '-', starting with a letter or digit, got \(TOMLSyntax.quoted(name))",
                fix: fix)
        }
        return name
    }

    /// The schema ends up in SQL; the pipeline quotes it, but only plain identifiers get that far.
    func schemaName(_ value: TOMLValue) throws(ConfigError) -> String {
        let fix =
            "name a schema with letters, digits and '_' only, e.g. src; map other tables with views in such a schema"
        let name = try string(value, "source.schema", fix: fix)
        let scalars = Array(name.unicodeScalars)
        let valid =
            (1...63).contains(scalars.count)
            && scalars.allSatisfy { isASCIILetter($0) || isASCIIDigit($0) || $0 == "_" }
            && scalars.first.map { isASCIILetter($0) || $0 == "_" } == true
        guard valid else {
            throw invalid(
                value, "source.schema",
                "must be a plain SQL identifier (a letter or '_', then up to 62 letters, digits or '_'), got \(TOMLSyntax.quoted(name))",
                fix: fix)
        }
        return name
    }

    /// Only the shape is checked here; PostgreSQL knows the real list of zones.
    func timeZone(_ value: TOMLValue) throws(ConfigError) -> String {
        let fix = "use an IANA time zone name, e.g. \"Asia/Shanghai\""
        let name = try string(value, "source.business_timezone", fix: fix)
        let scalars = Array(name.unicodeScalars)
        let valid =
            (1...64).contains(scalars.count)
            && scalars.allSatisfy {
                isASCIILetter($0) || isASCIIDigit($0) || "/_-+".unicodeScalars.contains($0)
            }
            && scalars.first.map(isASCIILetter) == true
        guard valid else {
            throw invalid(
                value, "source.business_timezone",
                "must be an IANA time zone name (letters, digits, '/', '_', '-', '+'), got \(TOMLSyntax.quoted(name))",
                fix: fix)
        }
        return name
    }

    func channels(_ value: TOMLValue) throws(ConfigError) -> [MarketingChannel] {
        let path = "target.channels"
        let allowed = MarketingChannel.allCases.map(\.rawValue)
        let fix = "list channels in order of preference, e.g. channels = [\"wechat_card\", \"sms\"]"
        guard case .array(let items) = value.kind else {
            throw wrongType(value, path, expected: "an array of channel names", fix: fix)
        }
        guard !items.isEmpty else {
            throw invalid(value, path, "must list at least one channel, got []", fix: fix)
        }
        var result: [MarketingChannel] = []
        for (position, item) in items.enumerated() {
            guard case .string(let name) = item.kind else {
                throw ConfigError(
                    kind: .wrongType, fileName: fileName, line: item.line, keyPath: path,
                    reason: "item \(position + 1) must be a channel name in quotes, got \(shown(item))",
                    fix: fix)
            }
            guard let channel = MarketingChannel(rawValue: name) else {
                throw invalid(
                    item, path,
                    "item \(position + 1) must be one of \(allowed.joined(separator: ", ")), got \(TOMLSyntax.quoted(name))",
                    fix: fix)
            }
            guard !result.contains(channel) else {
                throw invalid(
                    item, path, "lists \(TOMLSyntax.quoted(name)) twice (item \(position + 1))",
                    fix: "list each channel once")
            }
            result.append(channel)
        }
        return result
    }

    /// The key is a secret, so errors describe it without ever echoing it.
    func holdoutKey(_ value: TOMLValue) throws(ConfigError) -> String {
        let path = "holdout.key"
        let fix = "set key to 32 hexadecimal digits, e.g. the output of `openssl rand -hex 16`"
        guard case .string(let key) = value.kind else {
            throw ConfigError(
                kind: .wrongType, fileName: fileName, line: value.line, keyPath: path,
                reason: "must be a string of 32 hexadecimal digits, got \(article(value.typeName))",
                fix: fix)
        }
        let scalars = Array(key.unicodeScalars)
        guard scalars.count == 32 else {
            throw invalid(
                value, path,
                "must be exactly 32 hexadecimal digits, got \(scalars.count) characters (value not shown)",
                fix: fix)
        }
        guard scalars.allSatisfy({ isASCIIDigit($0) || ("a"..."f").contains($0) || ("A"..."F").contains($0) })
        else {
            throw invalid(
                value, path,
                "must be exactly 32 hexadecimal digits (0-9, a-f), got other characters (value not shown)",
                fix: fix)
        }
        return key.lowercased()
    }

    // MARK: Errors

    func wrongType(
        _ value: TOMLValue, _ path: String, expected: String, fix: String
    ) -> ConfigError {
        ConfigError(
            kind: .wrongType, fileName: fileName, line: value.line, keyPath: path,
            reason: "must be \(expected), got \(shown(value))", fix: fix)
    }

    func invalid(_ value: TOMLValue, _ path: String, _ reason: String, fix: String) -> ConfigError {
        ConfigError(
            kind: .invalidValue, fileName: fileName, line: value.line, keyPath: path, reason: reason,
            fix: fix)
    }

    private func unknownKey(_ key: String, _ value: TOMLValue, inSection section: String) -> ConfigError {
        let rendered = TOMLSyntax.renderKey(key)
        if section.isEmpty, case .table = value.kind {
            let names = ConfigSchema.sectionNames
            let fix =
                closest(to: key, among: names).map { "did you mean [\($0)]?" }
                ?? "known sections: " + names.map { "[\($0)]" }.joined(separator: ", ")
            return ConfigError(
                kind: .unknownKey, fileName: fileName, line: value.line, keyPath: rendered,
                reason: "unknown section [\(rendered)]", fix: fix)
        }
        let known = ConfigSchema.keys(of: section)
        let fix: String
        // An exact key from another section is stronger evidence than a near miss here.
        if let home = ConfigSchema.sections.first(where: { $0.name != section && $0.keys.contains(key) }) {
            fix =
                home.name.isEmpty
                ? "'\(key)' belongs at the top of the file, before any [section]"
                : "'\(key)' belongs in the [\(home.name)] section"
        } else if let match = closest(to: key, among: known) {
            fix = "did you mean '\(match)'?"
        } else if let alias = ConfigSchema.aliases[key] {
            fix = alias
        } else {
            let place = section.isEmpty ? "at the top level" : "in [\(section)]"
            fix = "remove it; known keys \(place): " + known.joined(separator: ", ")
        }
        return ConfigError(
            kind: .unknownKey, fileName: fileName, line: value.line,
            keyPath: section.isEmpty ? rendered : section + "." + rendered,
            reason: section.isEmpty ? "unknown key at the top level" : "unknown key in [\(section)]",
            fix: fix)
    }

    /// How a value is quoted back in an error: type plus the text as written.
    private func shown(_ value: TOMLValue) -> String {
        switch value.kind {
        case .string(let string): return "a string (\(TOMLSyntax.quoted(string)))"
        case .array: return "an array"
        case .table: return "a table"
        default: return "\(article(value.typeName)) (\(value.literal))"
        }
    }

    private func article(_ typeName: String) -> String {
        (typeName.first.map { "aeiou".contains($0) } == true ? "an " : "a ") + typeName
    }
}

// MARK: - Helpers

/// Outcome of converting a money literal to cents.
private enum CentsConversion: Equatable {
    case cents(Int64)
    case fractionOfCent
    case tooLarge
}

/// Exact cents from the literal: digits and decimal exponent are shifted as text, never through
/// binary floating point. The literal has already been checked by the parser.
private func exactCents(_ value: TOMLValue) -> CentsConversion {
    if case .integer(let units) = value.kind {
        let (cents, overflow) = units.multipliedReportingOverflow(by: 100)
        return overflow ? .tooLarge : .cents(cents)
    }
    var scalars = Array(value.literal.unicodeScalars.filter { $0 != "_" })[...]
    var negative = false
    if let sign = scalars.first, sign == "+" || sign == "-" {
        negative = sign == "-"
        scalars = scalars.dropFirst()
    }
    var exponent = 0
    if let e = scalars.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        guard let parsed = Int(String(String.UnicodeScalarView(scalars[(e + 1)...]))) else {
            return .tooLarge
        }
        exponent = parsed
        scalars = scalars[..<e]
    }
    var digits = Array(scalars.filter { $0 != "." })
    let fractionDigits = scalars.firstIndex(of: ".").map { scalars.endIndex - $0 - 1 } ?? 0
    while digits.count > 1, digits.first == "0" { digits.removeFirst() }
    if digits.allSatisfy({ $0 == "0" }) { return .cents(0) }
    // value = digits × 10^(exponent − fractionDigits); cents = digits × 10^(shift).
    let shift = exponent - fractionDigits + 2
    if shift >= 0 {
        guard shift <= 20 else { return .tooLarge }
        digits += Array(repeating: "0", count: shift)
    } else {
        let dropped = -shift
        guard dropped <= digits.count, digits.suffix(dropped).allSatisfy({ $0 == "0" }) else {
            return .fractionOfCent
        }
        digits.removeLast(dropped)
    }
    guard let magnitude = Int64(String(String.UnicodeScalarView(digits))) else { return .tooLarge }
    return .cents(negative ? -magnitude : magnitude)
}

/// The candidate within edit distance 2 of `key`, preferring the nearest; nil if none is close.
private func closest(to key: String, among candidates: [String]) -> String? {
    var best: (name: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(key, candidate)
        if distance <= 2, distance < max(key.count, candidate.count), distance < (best?.distance ?? Int.max) {
            best = (candidate, distance)
        }
    }
    return best?.name
}

/// Levenshtein distance, enough to catch typos such as `radius_n` or `dormantdays`.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = previous
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

private func isASCIILetter(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || ("A"..."Z").contains(c) }
private func isASCIIDigit(_ c: Unicode.Scalar) -> Bool { ("0"..."9").contains(c) }
private func isLowerAlphanumeric(_ c: Unicode.Scalar) -> Bool { ("a"..."z").contains(c) || isASCIIDigit(c) }
private func isControl(_ c: Unicode.Scalar) -> Bool { c.value < 0x20 || c.value == 0x7F }
