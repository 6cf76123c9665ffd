import Foundation
import Testing

import ReactivateCore

/// The documented example config, read from the package's `pipelines/` folder.
private func exampleText() throws -> String {
    let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // ReactivateCoreTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
    return try String(
        contentsOf: root.appendingPathComponent("pipelines/spring-wakeup.toml"), encoding: .utf8)
}

private func load(_ text: String) throws -> PipelineConfig {
    try PipelineConfig.load(text: text, fileName: "pipelines/test.toml")
}

private func loadError(_ text: String) -> ConfigError? {
    #expect(throws: ConfigError.self) { try load(text) }
}

/// A file whose bad line is always line 4, for section keys and top-level keys alike.
private func fileWith(section: String, key: String, value: String) -> String {
    if section.isEmpty {
        let campaign = key == "campaign" ? "" : "campaign = \"c\"\n"
        return "# a\n# b\n\n\(key) = \(value)\n" + campaign
    }
    return "campaign = \"c\"\n\n[\(section)]\n\(key) = \(value)\n"
}

/// A TOML basic string for `text`, escaping what TOML requires (quotes, backslashes, controls).
private func tomlQuoted(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7F {
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result + "\""
}

@Suite struct PipelineConfigTests {
    // MARK: Example and defaults

    @Test func exampleFileLoadsAndEqualsTheDefaultsExceptItsDescription() throws {
        let config = try PipelineConfig.load(text: try exampleText(), fileName: "pipelines/spring-wakeup.toml")
        var expected = PipelineConfig.defaults(campaign: "spring-wakeup")
        expected.campaignDescription = config.campaignDescription
        #expect(config == expected)
        #expect(config.campaignDescription?.isEmpty == false)
    }

    @Test func exampleFileCommentedOptionalKeysAreValidWhenUncommented() throws {
        let uncommented = try exampleText()
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("# max_") || $0.hasPrefix("# gross_margin") ? String($0.dropFirst(2)) : String($0) }
            .joined(separator: "\n")
        let config = try load(uncommented)
        #expect(config.maxPerStore == 500)
        #expect(config.maxCoupons == 50_000)
        #expect(config.maxFaceValueTotalCents == 100_000_000)
        #expect(config.grossMargin == 0.25)
    }

    @Test func exampleFileDocumentsEveryKnownKey() throws {
        let uncommented = try exampleText()
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("# max_") || $0.hasPrefix("# gross_margin") ? String($0.dropFirst(2)) : String($0) }
            .joined(separator: "\n")
        let document = try TOMLParser.parse(uncommented)
        var paths: [String] = []
        for entry in document.entries {
            if case .table(let section) = entry.value.kind {
                paths += section.keys.map { entry.key + "." + $0 }
            } else {
                paths.append(entry.key)
            }
        }
        #expect(paths == PipelineConfig.knownKeys)
    }

    @Test func defaultsFollowTheSpec() {
        let config = PipelineConfig.defaults(campaign: "x")
        #expect(config.sourceSchema == "src")
        #expect(config.businessTimeZone == "Asia/Shanghai")
        #expect(config.dormantDays == 180)
        #expect(config.radiusMeters == 3000)
        #expect(config.locationFreshnessDays == 90)
        #expect(config.maxPerStore == nil)
        #expect(config.holdoutFraction == 0.10)
        #expect(config.cooldownDays == 30)
        #expect(config.windowDays == 30)
        #expect(config.channels == [.wechatCard, .wechatOA, .sms, .momentsAd])
        #expect(config.faceValueCents == 2000)
        #expect(config.minSpendCents == 10_000)
        #expect(config.holdoutKeyBytes.count == 16)
    }

    @Test func fileWithOnlyACampaignGetsAllDefaults() throws {
        #expect(try load("campaign = \"autumn_2025\"\n") == PipelineConfig.defaults(campaign: "autumn_2025"))
    }

    @Test func dottedKeysAtTheTopLevelSetSectionKeys() throws {
        let config = try load("campaign = \"c\"\ndormancy.dormant_days = 120\ntarget.channels = [\"sms\"]\n")
        #expect(config.dormantDays == 120)
        #expect(config.channels == [.sms])
    }

    @Test func everyKeyIsReadIntoItsField() throws {
        let text = """
            campaign = "w2"
            description = "d"
            [source]
            schema = "crm_views"
            business_timezone = "Etc/GMT-8"
            [dormancy]
            dormant_days = 90
            horizon_days = 60
            score_all = true
            pre_period_days = 180
            [target]
            radius_m = 2500
            location_freshness_days = 30
            max_per_store = 100
            min_p_alive = 0.2
            min_reachability = 0.3
            cooldown_days = 0
            channels = ["sms", "wechat_oa"]
            [holdout]
            fraction = 0.2
            global_fraction = 0.05
            key = "00112233445566778899AABBCCDDEEFF"
            [coupon]
            face_value = 15.5
            min_spend = 0
            valid_days = 14
            max_coupons = 1000
            max_face_value_total = 15500.00
            [attribution]
            window_days = 14
            expected_lift = 0.05
            confidence = 0.9
            [output]
            artifact_dir = "/var/lib/reactivate"
            """
        let config = try load(text)
        #expect(config.campaign == "w2")
        #expect(config.campaignDescription == "d")
        #expect(config.sourceSchema == "crm_views")
        #expect(config.businessTimeZone == "Etc/GMT-8")
        #expect(config.dormantDays == 90)
        #expect(config.horizonDays == 60)
        #expect(config.scoreAll)
        #expect(config.prePeriodDays == 180)
        #expect(config.radiusMeters == 2500)
        #expect(config.locationFreshnessDays == 30)
        #expect(config.maxPerStore == 100)
        #expect(config.minPAlive == 0.2)
        #expect(config.minReachability == 0.3)
        #expect(config.cooldownDays == 0)
        #expect(config.channels == [.sms, .wechatOA])
        #expect(config.holdoutFraction == 0.2)
        #expect(config.globalHoldoutFraction == 0.05)
        #expect(config.holdoutKey == "00112233445566778899aabbccddeeff")
        #expect(config.holdoutKeyBytes == [0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF])
        #expect(config.faceValueCents == 1550)
        #expect(config.minSpendCents == 0)
        #expect(config.validDays == 14)
        #expect(config.maxCoupons == 1000)
        #expect(config.maxFaceValueTotalCents == 1_550_000)
        #expect(config.windowDays == 14)
        #expect(config.expectedLift == 0.05)
        #expect(config.confidence == 0.9)
        #expect(config.artifactDir == "/var/lib/reactivate")
    }

    // MARK: Required keys and rendering

    @Test func missingCampaignIsRefused() {
        let error = loadError("[target]\nradius_m = 3000\n")
        #expect(error?.kind == .missingKey)
        #expect(error?.keyPath == "campaign")
        #expect(error?.line == 1)  // where it belongs: every rejected file gets a line to look at
        #expect(
            error?.description
                == "pipelines/test.toml:1: key 'campaign': required key is missing\n  fix: add campaign = \"spring-wakeup\" at the top of the file, before any [section]"
        )
    }

    @Test func errorDescriptionNamesFileLineKeyReasonAndFix() {
        let text = "campaign = \"spring\"\n" + String(repeating: "\n", count: 9) + "[target]\nradius_m = -5\n"
        let error = #expect(throws: ConfigError.self) {
            try PipelineConfig.load(text: text, fileName: "pipelines/spring.toml")
        }
        #expect(
            error?.description
                == "pipelines/spring.toml:12: key 'target.radius_m': must be > 0 and ≤ 100000, got -5\n  fix: set radius_m to a distance in metres, e.g. 3000"
        )
    }

    @Test func syntaxErrorsCarryTheFileNameAndLine() {
        let error = #expect(throws: ConfigError.self) {
            try PipelineConfig.load(text: "campaign = \"c\"\n[target]\nradius_m = \n", fileName: "pipelines/x.toml")
        }
        #expect(error?.kind == .syntax)
        #expect(error?.line == 3)
        #expect(error?.description.hasPrefix("pipelines/x.toml:3: expected a value after '=' for key 'radius_m'") == true)
    }

    @Test func unsupportedTOMLIsRefusedAsAConfigError() {
        let error = loadError("campaign = \"c\"\n[target]\nchannels = { first = \"sms\" }\n")
        #expect(error?.kind == .unsupported)
        #expect(error?.line == 3)
        #expect(error?.reason.contains("not supported in pipeline configs") == true)
    }

    @Test func duplicateKeysAreRefusedAsAConfigError() {
        let error = loadError("campaign = \"c\"\n[target]\nradius_m = 1\nradius_m = 2\n")
        #expect(error?.kind == .duplicateKey)
        #expect(error?.line == 4)
        #expect(error?.keyPath == "target.radius_m")
    }

    @Test func theFirstProblemInTheFileIsReported() {
        let error = loadError("campaign = \"c\"\n[coupon]\nvalid_days = 0\n[dormancy]\ndormant_days = 0\n")
        #expect(error?.keyPath == "coupon.valid_days")
        #expect(error?.line == 3)
    }

    // MARK: Types

    @Test(arguments: [
        ("", "campaign", "5"), ("", "description", "true"),
        ("source", "schema", "1"), ("source", "business_timezone", "8"),
        ("dormancy", "dormant_days", "180.0"), ("dormancy", "dormant_days", "\"180\""),
        ("dormancy", "horizon_days", "true"), ("dormancy", "score_all", "\"false\""),
        ("dormancy", "pre_period_days", "1.5"),
        ("target", "radius_m", "\"3000\""), ("target", "location_freshness_days", "90.0"),
        ("target", "max_per_store", "10.5"), ("target", "min_p_alive", "\"0\""),
        ("target", "min_reachability", "false"), ("target", "cooldown_days", "[30]"),
        ("target", "channels", "\"sms\""), ("target", "channels", "[\"sms\", 2]"),
        ("holdout", "fraction", "\"0.1\""), ("holdout", "global_fraction", "true"),
        ("holdout", "key", "12345"),
        ("coupon", "face_value", "\"20\""), ("coupon", "min_spend", "true"),
        ("coupon", "valid_days", "30.0"), ("coupon", "max_coupons", "\"10\""),
        ("coupon", "max_face_value_total", "[1]"),
        ("attribution", "window_days", "30.5"), ("attribution", "expected_lift", "2024-01-01"),
        ("attribution", "confidence", "true"), ("attribution", "gross_margin", "\"25%\""),
        ("output", "artifact_dir", "1"),
    ])
    func wrongTypeIsRefusedNamingTheKeyAndLine(section: String, key: String, value: String) {
        let error = loadError(fileWith(section: section, key: key, value: value))
        #expect(error?.kind == .wrongType)
        #expect(error?.line == 4)
        #expect(error?.keyPath == (section.isEmpty ? key : "\(section).\(key)"))
        #expect(error?.reason.contains("must be") == true)
        #expect(error?.fix != nil)
    }

    @Test func integerKeyRefusesAFloatSayingSo() {
        let error = loadError(fileWith(section: "dormancy", key: "dormant_days", value: "180.0"))
        #expect(error?.reason == "must be a whole number, got a float (180.0)")
    }

    @Test func floatKeysAcceptIntegerLiterals() throws {
        let config = try load("campaign = \"c\"\n[target]\nradius_m = 2500\nmin_p_alive = 1\n[coupon]\nface_value = 20\n")
        #expect(config.radiusMeters == 2500.0)
        #expect(config.minPAlive == 1.0)
        #expect(config.faceValueCents == 2000)
    }

    @Test func sectionGivenAsAPlainValueIsRefused() {
        let error = loadError("campaign = \"c\"\ntarget = 5\n")
        #expect(error?.kind == .wrongType)
        #expect(error?.keyPath == "target")
        #expect(error?.reason == "must be a section ([target]), got an integer (5)")
    }

    @Test func scalarKeyWrittenAsASectionIsRefused() {
        let error = loadError("[campaign]\nname = \"c\"\n")
        #expect(error?.kind == .wrongType)
        #expect(error?.line == 1)
        #expect(error?.keyPath == "campaign")
    }

    // MARK: Ranges

    @Test(arguments: [
        ("", "campaign", "\"Spring\""), ("", "campaign", "\"\""), ("", "campaign", "\"-x\""),
        ("", "campaign", "\"_x\""), ("", "campaign", "\"a b\""), ("", "campaign", "\"spring.wakeup\""),
        ("", "campaign", "\"\(String(repeating: "a", count: 64))\""),
        ("source", "business_timezone", "\"Asia Shanghai\""), ("source", "business_timezone", "\"\""),
        ("source", "business_timezone", "\"../etc/passwd\""), ("source", "business_timezone", "\"/UTC\""),
        ("dormancy", "dormant_days", "0"), ("dormancy", "dormant_days", "3651"),
        ("dormancy", "horizon_days", "0"), ("dormancy", "horizon_days", "3651"),
        ("dormancy", "pre_period_days", "0"), ("dormancy", "pre_period_days", "-365"),
        ("target", "radius_m", "0"), ("target", "radius_m", "-5"), ("target", "radius_m", "100000.5"),
        ("target", "radius_m", "inf"), ("target", "radius_m", "nan"),
        ("target", "location_freshness_days", "0"), ("target", "location_freshness_days", "3651"),
        ("target", "max_per_store", "0"), ("target", "max_per_store", "-1"),
        ("target", "min_p_alive", "-0.1"), ("target", "min_p_alive", "1.01"),
        ("target", "min_reachability", "-1"), ("target", "min_reachability", "2"),
        ("target", "cooldown_days", "-1"), ("target", "cooldown_days", "3651"),
        ("target", "channels", "[]"), ("target", "channels", "[\"email\"]"),
        ("target", "channels", "[\"sms\", \"sms\"]"), ("target", "channels", "[\"SMS\"]"),
        ("holdout", "fraction", "0"), ("holdout", "fraction", "1"), ("holdout", "fraction", "1.5"),
        ("holdout", "fraction", "-inf"),
        ("holdout", "global_fraction", "-0.1"), ("holdout", "global_fraction", "1"),
        ("holdout", "key", "\"abc\""), ("holdout", "key", "\"0123456789abcdef0123456789abcdeg\""),
        ("holdout", "key", "\"0123456789abcdef0123456789abcdef0\""),
        ("coupon", "face_value", "0"), ("coupon", "face_value", "-5"), ("coupon", "face_value", "100000.01"),
        ("coupon", "face_value", "19.999"), ("coupon", "face_value", "nan"),
        ("coupon", "min_spend", "-0.01"), ("coupon", "min_spend", "1.001"),
        ("coupon", "valid_days", "0"), ("coupon", "valid_days", "366"),
        ("coupon", "max_coupons", "0"),
        ("coupon", "max_face_value_total", "0"), ("coupon", "max_face_value_total", "-1"),
        ("coupon", "max_face_value_total", "1e20"),
        ("attribution", "window_days", "0"), ("attribution", "window_days", "366"),
        ("attribution", "expected_lift", "0"), ("attribution", "expected_lift", "1"),
        ("attribution", "confidence", "0.5"), ("attribution", "confidence", "1"),
        ("attribution", "confidence", "0.4"),
        ("attribution", "gross_margin", "0"), ("attribution", "gross_margin", "1.01"),
        ("attribution", "gross_margin", "-0.2"), ("attribution", "gross_margin", "nan"),
        ("output", "artifact_dir", "\"\""), ("output", "artifact_dir", "\"a\\u0000b\""),
    ])
    func outOfRangeValueIsRefusedNamingTheKeyAndLine(section: String, key: String, value: String) {
        let error = loadError(fileWith(section: section, key: key, value: value))
        #expect(error?.kind == .invalidValue)
        #expect(error?.line == 4)
        #expect(error?.keyPath == (section.isEmpty ? key : "\(section).\(key)"))
        #expect(error?.fix != nil)
    }

    @Test(arguments: [
        ("dormancy", "dormant_days", "1"), ("dormancy", "dormant_days", "3650"),
        ("target", "radius_m", "100000"), ("target", "radius_m", "0.001"),
        ("target", "min_p_alive", "1.0"), ("target", "min_reachability", "0"),
        ("target", "cooldown_days", "0"), ("target", "max_per_store", "1"),
        ("holdout", "fraction", "0.999"), ("holdout", "global_fraction", "0"),
        ("coupon", "face_value", "100000"), ("coupon", "face_value", "0.01"),
        ("coupon", "valid_days", "365"), ("coupon", "max_coupons", "1"),
        ("attribution", "confidence", "0.51"), ("attribution", "expected_lift", "0.99"),
        ("attribution", "gross_margin", "1"), ("attribution", "gross_margin", "0.001"),
        ("source", "business_timezone", "\"America/Argentina/Buenos_Aires\""),
        ("source", "business_timezone", "\"Etc/GMT+8\""), ("source", "schema", "\"_Src_2\""),
        ("", "campaign", "\"9lives\""), ("", "campaign", "\"\(String(repeating: "a", count: 63))\""),
    ])
    func boundaryValuesAreAccepted(section: String, key: String, value: String) throws {
        _ = try load(fileWith(section: section, key: key, value: value))
    }

    @Test func grossMarginIsOptionalAndAnOutOfRangeMarginNamesFileKeyAndReason() throws {
        #expect(try load("campaign = \"c\"\n").grossMargin == nil)
        #expect(try load("campaign = \"c\"\n[attribution]\ngross_margin = 0.3\n").grossMargin == 0.3)
        let error = loadError("campaign = \"c\"\n[attribution]\ngross_margin = 25\n")
        #expect(error?.fileName == "pipelines/test.toml")
        #expect(error?.line == 3)
        #expect(error?.keyPath == "attribution.gross_margin")
        #expect(error?.reason == "must be > 0 and ≤ 1, got 25")
        #expect(error?.fix?.contains("0.25") == true)
    }

    @Test func rangeErrorReadsAsASentence() {
        let error = loadError(fileWith(section: "dormancy", key: "dormant_days", value: "0"))
        #expect(error?.reason == "must be between 1 and 3650, got 0")
        let fraction = loadError(fileWith(section: "holdout", key: "fraction", value: "1.5"))
        #expect(fraction?.reason == "must be > 0 and < 1, got 1.5")
    }

    @Test(arguments: [
        #"src"; DROP TABLE x; --"#, "src; DROP TABLE members", "src.members", "\"src\"", "1src",
        "src schema", "", "s\u{0}rc", "schéma", String(repeating: "s", count: 64),
    ])
    func sqlInjectionInSourceSchemaIsRefused(schema: String) {
        let literal = tomlQuoted(schema)
        let error = loadError(fileWith(section: "source", key: "schema", value: literal))
        #expect(error?.kind == .invalidValue)
        #expect(error?.keyPath == "source.schema")
        #expect(error?.line == 4)
        #expect(error?.reason.contains("must be a plain SQL identifier") == true)
        #expect(error?.description.contains("\u{0}") == false)
    }

    @Test func channelErrorsNameTheItem() {
        let error = loadError("campaign = \"c\"\n[target]\nchannels = [\n  \"sms\",\n  \"email\",\n]\n")
        #expect(error?.line == 5)
        #expect(error?.reason == "item 2 must be one of wechat_card, wechat_oa, sms, moments_ad, got \"email\"")
        let duplicate = loadError("campaign = \"c\"\n[target]\nchannels = [\"sms\", \"sms\"]\n")
        #expect(duplicate?.reason == "lists \"sms\" twice (item 2)")
    }

    @Test func holdoutKeyErrorsNeverEchoTheSecret() {
        let secret = "0123456789abcdef0123456789abcdeZ"
        let error = loadError(fileWith(section: "holdout", key: "key", value: "\"\(secret)\""))
        #expect(error?.description.contains(secret) == false)
        #expect(error?.reason.contains("value not shown") == true)
        let short = loadError(fileWith(section: "holdout", key: "key", value: "\"deadbeef\""))
        #expect(short?.description.contains("deadbeef") == false)
        #expect(short?.reason.contains("got 8 characters") == true)
    }

    // MARK: Money

    @Test(arguments: [
        ("19.99", Int64(1999)), ("20", 2000), ("20.00", 2000), ("0.1", 10), ("0.01", 1), ("0.07", 7),
        ("0.29", 29), ("1.15", 115), ("1_000.50", 100_050), ("2e1", 2000), ("1.5e2", 15000),
        ("1999e-2", 1999), ("19.990", 1999), ("+5.5", 550), ("99999.99", 9_999_999), ("100000", 10_000_000),
    ])
    func moneyConvertsToExactCents(literal: String, cents: Int64) throws {
        let config = try load("campaign = \"c\"\n[coupon]\nface_value = \(literal)\nmin_spend = \(literal)\n")
        #expect(config.faceValueCents == cents)
        #expect(config.minSpendCents == cents)
    }

    @Test(arguments: ["19.999", "0.001", "1.005", "1e-3"])
    func moneyWithFractionsOfACentIsRefused(literal: String) {
        let error = loadError(fileWith(section: "coupon", key: "face_value", value: literal))
        #expect(error?.kind == .invalidValue)
        #expect(error?.reason == "must be a whole number of cents (at most 2 decimals), got \(literal)")
    }

    @Test func zeroMinSpendIsZeroCents() throws {
        #expect(try load("campaign = \"c\"\n[coupon]\nmin_spend = 0.0\n").minSpendCents == 0)
        #expect(try load("campaign = \"c\"\n[coupon]\nmin_spend = -0.0\n").minSpendCents == 0)
    }

    @Test func hugeBudgetIsRefusedAsTooLargeInsteadOfOverflowing() {
        let error = loadError(fileWith(section: "coupon", key: "max_face_value_total", value: "1e20"))
        #expect(error?.reason == "is too large, got 1e20")
    }

    // MARK: Unknown keys

    @Test(arguments: [
        ("target", "radius", "did you mean 'radius_m'?"),
        ("target", "radius_n", "did you mean 'radius_m'?"),
        ("dormancy", "dormantdays", "did you mean 'dormant_days'?"),
        ("coupon", "facevalue", "did you mean 'face_value'?"),
        ("", "campain", "did you mean 'campaign'?"),
        ("", "radius_m", "'radius_m' belongs in the [target] section"),
        ("output", "campaign", "'campaign' belongs at the top of the file, before any [section]"),
        ("", "holdout_fraction", "SPEC's holdout_fraction is the key 'fraction' in the [holdout] section"),
        ("holdout", "holdout_fraction", "SPEC's holdout_fraction is the key 'fraction' in the [holdout] section"),
        ("coupon", "zzz", "remove it; known keys in [coupon]: face_value, min_spend, valid_days, max_coupons, max_face_value_total"),
    ])
    func unknownKeyIsRefusedWithASuggestion(section: String, key: String, fix: String) {
        let error = loadError(fileWith(section: section, key: key, value: "1"))
        #expect(error?.kind == .unknownKey)
        #expect(error?.line == 4)
        #expect(error?.keyPath == (section.isEmpty ? key : "\(section).\(key)"))
        #expect(error?.fix == fix)
    }

    @Test func unknownKeyErrorRendersTheSuggestion() {
        let error = loadError("campaign = \"c\"\n[target]\nradius = 3000\n")
        #expect(
            error?.description
                == "pipelines/test.toml:3: key 'target.radius': unknown key in [target]\n  fix: did you mean 'radius_m'?")
    }

    @Test func unknownSectionIsRefusedWithASuggestion() {
        let error = loadError("campaign = \"c\"\n\n[targets]\nradius_m = 3000\n")
        #expect(error?.kind == .unknownKey)
        #expect(error?.line == 3)
        #expect(error?.reason == "unknown section [targets]")
        #expect(error?.fix == "did you mean [target]?")
        let far = loadError("campaign = \"c\"\n[logging]\n")
        #expect(far?.fix == "known sections: [source], [dormancy], [target], [holdout], [coupon], [attribution], [output], [shards]")
    }

    @Test func unknownSubTableInASectionIsAnUnknownKey() {
        let error = loadError("campaign = \"c\"\n[target]\n[target.extra]\nx = 1\n")
        #expect(error?.kind == .unknownKey)
        #expect(error?.keyPath == "target.extra")
        #expect(error?.line == 3)
    }

    @Test func quotedUnknownKeysAreShownQuoted() {
        let error = loadError("campaign = \"c\"\n[target]\n\"radius m\" = 1\n")
        #expect(error?.keyPath == "target.\"radius m\"")
    }
}
