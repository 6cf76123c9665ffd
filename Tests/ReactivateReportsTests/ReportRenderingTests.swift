import Foundation
import ReactivateReports
import Testing

/// The analyst report: escaping, "n/a" for missing estimates, CSV round trip, Markdown sections,
/// and a real headless Chromium loading the page at phone width without script errors.
@Suite struct ReportRenderingTests {
    let sample = ReportFixture.sample()

    // MARK: - HTML

    @Test func htmlIsSelfContainedWithNoRemoteReferences() throws {
        let html = ReportRenderer.html(sample)
        #expect(!html.contains("http://"))
        #expect(!html.contains("https://"))
        #expect(!html.contains("//cdn"))
        #expect(!html.lowercased().contains("@import"))
        #expect(!html.lowercased().contains("url("))
        // Every src/href that is there points inside the page.
        let references = try Regex(#"(?:src|href)\s*=\s*["']?([^"'\s>]*)"#)
        for match in html.matches(of: references) {
            let target = String(match.output[1].substring ?? "")
            #expect(target.hasPrefix("#"), "reference leaves the page: \(target)")
        }
        #expect(html.contains("<meta charset=\"utf-8\">"))
        #expect(html.contains("name=\"viewport\""))
        #expect(html.contains("<svg"))
    }

    @Test func htmlEscapesHostileStoreNames() {
        let html = ReportRenderer.html(sample)
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("<script>alert(1)"))
        #expect(html.contains("Store &quot;A&quot;, Beijing"))
        #expect(html.contains("上海徐汇店"))
    }

    @Test func htmlShowsNotAvailableForMissingEstimates() throws {
        let html = ReportRenderer.html(sample)
        // The store without a control arm: its row must say n/a, never NaN, inf or an empty cell.
        let row = try #require(html.split(separator: "\n").first { $0.contains("<small>S999</small>") })
        #expect(row.contains(">n/a</td>"))
        #expect(!row.contains("></td>"))
        // The open wave's CUPED estimate is nil.
        #expect(html.contains("<div class=\"card-value\">n/a</div>"))
        for bad in ["NaN", "nan", "inf", "Infinity"] {
            #expect(!html.contains(">\(bad)"), "found \(bad)")
        }
    }

    @Test func htmlShowsHeadlineNumbersAndReactivatedAboveControl() {
        let html = ReportRenderer.html(sample)
        for text in ["¥123,456.78", "¥45,678.90", "¥201,234.56", "¥98,765.43", "¥20,987.65", "¥176,543.21", "¥118,000.50"] {
            #expect(html.contains(text), "missing \(text)")
        }
        // 900 reactivated of 10,000 treated, control rate 120 / 2,000 = 6%: 900 − 600 = 300 above control.
        #expect(html.contains("<div class=\"card-value\">300</div>"))
        #expect(html.contains("95% CI 180 to 420"))
        #expect(html.contains("treatment 9.00% vs control 6.00% (+3.00 pp)"))
        #expect(html.contains("If the campaign were repeated many times, 95% of intervals"))
        #expect(html.contains("Warning:</strong> the control arm is too small"))
    }

    @Test func htmlMarksAnOpenWindowProminently() throws {
        let html = ReportRenderer.html(sample)
        let waves = html.components(separatedBy: "<section class=\"wave\"")
        try #require(waves.count == 3)
        #expect(waves[1].contains("Window complete"))
        #expect(!waves[1].contains("window-open"))
        #expect(waves[2].contains("<div class=\"banner window-open\" role=\"alert\"><strong>Window still open</strong> — day 12 of 30."))
        #expect(html.contains("2026-11-01 (open)"))
    }

    @Test func htmlSectionsAppearInTheAgreedOrder() throws {
        let html = ReportRenderer.html(sample)
        let titles = ["Headline", "Funnel", "Cumulative sales per member", "Reactivation rate by day", "Stores", "Segments", "Power analysis", "How to read a CI"]
        var cursor = html.startIndex
        for title in titles {
            let found = try #require(html.range(of: "<h3>\(title)</h3>", range: cursor..<html.endIndex), "\(title) missing or out of order")
            cursor = found.upperBound
        }
        // Only the store tables arrive sorted by incremental sales, so only they say so.
        #expect(html.components(separatedBy: "aria-sort=\"descending\"").count - 1 == sample.waves.count)
        #expect(html.contains("document.title=document.title+' — ready'"))
        #expect(html.contains("window.onerror"))
    }

    @Test func storesAreSortedByIncrementalSalesDescendingWithTiesByKeyAndMissingLast() {
        let wave = ReportWave.fixture(stores: [
            .fixture(key: "b", incremental: 10), .fixture(key: "z", incremental: nil), .fixture(key: "a", incremental: 10),
            .fixture(key: "c", incremental: 50), .fixture(key: "d", incremental: -5),
        ])
        let csv = ReportRenderer.csv(ReportData(campaign: "c", generatedAt: "2026-01-01T00:00:00Z", waves: [wave]))
        let rows = ReportCSVReader.parse(csv)
        let keyColumn = rows[0].firstIndex(of: "key") ?? 0
        let stores = rows.filter { $0.first == "store" }.map { $0[keyColumn] }
        #expect(stores == ["c", "a", "b", "d", "z"])
        let html = ReportRenderer.html(ReportData(campaign: "c", generatedAt: "2026-01-01T00:00:00Z", waves: [wave]))
        let order = ["<small>c</small>", "<small>a</small>", "<small>b</small>", "<small>d</small>", "<small>z</small>"]
            .compactMap { html.range(of: $0)?.lowerBound }
        #expect(order.count == 5 && order == order.sorted())
    }

    // MARK: - CSV

    @Test func csvParsesBackWithTheSameColumnCountOnEveryRow() throws {
        let rows = ReportCSVReader.parse(ReportRenderer.csv(sample))
        let header = try #require(rows.first)
        #expect(header.first == "section")
        #expect(Set(header).count == header.count, "duplicate column names")
        for (index, row) in rows.enumerated() {
            #expect(row.count == header.count, "row \(index) has \(row.count) fields, header has \(header.count)")
        }
        let sections = Set(rows.dropFirst().compactMap(\.first))
        #expect(sections == ["headline", "store", "segment", "daily", "funnel", "power"])
        // 2 waves × 30 stores, 30 + 12 days × 2 arms.
        #expect(rows.filter { $0.first == "store" }.count == 60)
        #expect(rows.filter { $0.first == "daily" }.count == 84)
    }

    @Test func csvCarriesHeadlineNumbersAndLeavesMissingEstimatesEmpty() throws {
        let rows = ReportCSVReader.parse(ReportRenderer.csv(sample))
        let header = try #require(rows.first)
        func value(_ row: [String], _ column: String) -> String? { header.firstIndex(of: column).map { row[$0] } }
        let headline = try #require(rows.first { $0.first == "headline" })
        #expect(value(headline, "wave") == "2026-10-01")
        #expect(value(headline, "incremental_sales") == "123456.78")
        #expect(value(headline, "ci_low") == "45678.90")
        #expect(value(headline, "ci_high") == "201234.56")
        #expect(value(headline, "net_incremental_sales") == "98765.43")
        #expect(value(headline, "reactivated_above_control") == "300.00")
        #expect(value(headline, "reactivation_lift") == "0.0300")
        #expect(value(headline, "window_complete") == "true")
        let missing = try #require(rows.first { $0.first == "store" && value($0, "key") == "S999" })
        for column in ["incremental_sales", "ci_low", "ci_high", "net_incremental_sales", "reactivation_rate_control", "return_per_cost"] {
            #expect(value(missing, column) == "", "\(column) should be empty")
        }
        let power = try #require(rows.first { $0.first == "power" })
        #expect(value(power, "warning")?.hasPrefix("the control arm is too small") == true)
    }

    @Test func csvQuotesFieldsWithCommasQuotesAndNewlines() throws {
        let csv = ReportRenderer.csv(sample)
        #expect(csv.contains(#","Store ""A"", Beijing","#))
        #expect(csv.contains("\"Lapsed\n12m+\""))
        let rows = ReportCSVReader.parse(csv)
        let header = try #require(rows.first)
        let label = try #require(header.firstIndex(of: "label"))
        #expect(rows.contains { $0.count > label && $0[label] == #"Store "A", Beijing"# })
        #expect(rows.contains { $0.count > label && $0[label] == "Lapsed\n12m+" })
        #expect(rows.contains { $0.count > label && $0[label] == "<script>alert(1)</script>" })
    }

    // MARK: - Markdown

    @Test func markdownHasEverySectionAndEscapesPipes() {
        let markdown = ReportRenderer.markdown(sample)
        for heading in [
            "# Reactivation report", "## Wave 2026-10-01", "## Wave 2026-11-01", "### Headline", "### Funnel",
            "### Cumulative sales per member", "### Reactivation rate by day", "### Stores", "### Segments",
            "### Power analysis", "### How to read a CI",
        ] {
            #expect(markdown.contains("\n\(heading)") || markdown.hasPrefix(heading), "missing \(heading)")
        }
        #expect(markdown.contains("A\\|B Mart"))
        #expect(!markdown.contains("A|B Mart"))
        #expect(markdown.contains("\\<script\\>alert(1)\\</script\\>"))
        #expect(markdown.contains("| Incremental sales | ¥123,456.78 | ¥45,678.90 to ¥201,234.56 |"))
        #expect(markdown.contains("Window still open"))
        // Every table row has as many cells as its header.
        var expected: Int?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix("|") else { expected = nil; continue }
            let cells = line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count
            if let expected { #expect(cells == expected, "ragged row: \(line)") } else { expected = cells }
        }
    }

    // MARK: - All formats

    @Test func renderingIsDeterministicAndDispatchesByFormat() {
        #expect(ReportRenderer.render(sample, as: .html) == ReportRenderer.html(ReportFixture.sample()))
        #expect(ReportRenderer.render(sample, as: .csv) == ReportRenderer.csv(ReportFixture.sample()))
        #expect(ReportRenderer.render(sample, as: .md) == ReportRenderer.markdown(ReportFixture.sample()))
        #expect(ReportFormat.allCases.map(\.rawValue) == ["html", "csv", "md"])
    }

    @Test func nonFiniteNumbersRenderAsNotAvailable() {
        var store = ReportAttributionRow.fixture(key: "weird", incremental: .nan)
        store.ciLow = .infinity
        store.ciHigh = -.infinity
        store.returnPerCost = .nan
        let data = ReportData(campaign: "c", generatedAt: "t", waves: [ReportWave.fixture(stores: [store])])
        for format in ReportFormat.allCases {
            let text = ReportRenderer.render(data, as: format)
            #expect(!text.contains("nan") && !text.contains("inf"), "\(format) leaks a non-finite number")
        }
        #expect(ReportRenderer.html(data).contains("n/a"))
    }

    @Test func emptyReportStillRenders() {
        let data = ReportData(campaign: "c", generatedAt: "t", waves: [])
        #expect(ReportRenderer.html(data).contains("No waves to report yet."))
        #expect(ReportCSVReader.parse(ReportRenderer.csv(data)).count == 1)
        #expect(ReportRenderer.markdown(data).contains("No waves to report yet."))
    }

    // MARK: - Real browser

    /// Loads the page in headless Chromium at phone width: it must render, run its script and raise no error.
    /// Set REPORT_SCREENSHOT_DIR to keep the HTML and PNG for a look.
    @Test(.timeLimit(.minutes(2)))
    func browserLoadsThePageOnAPhoneWithoutScriptErrors() async throws {
        guard let chromium = ReportBrowser.find() else {
            Issue.record(
                "Chromium not found (looked for /usr/bin/chromium and `chromium` on PATH). Run `make test`, which installs it (apt-get install chromium).")
            return
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-browser-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("report.html")
        try ReportRenderer.html(sample).write(to: page, atomically: true, encoding: .utf8)
        let png = directory.appendingPathComponent("report.png")
        let flags = ["--headless=new", "--no-sandbox", "--disable-gpu"]

        async let shot = ReportBrowser.run(
            chromium,
            flags + ["--user-data-dir=\(directory.path)/profile-shot", "--screenshot=\(png.path)", "--window-size=412,2400", page.absoluteString],
            in: directory, name: "shot")
        async let dump = ReportBrowser.run(
            chromium, flags + ["--user-data-dir=\(directory.path)/profile-dom", "--dump-dom", page.absoluteString],
            in: directory, name: "dom")
        let (screenshot, dom) = try await (shot, dump)

        if let keep = ProcessInfo.processInfo.environment["REPORT_SCREENSHOT_DIR"] {
            let target = URL(fileURLWithPath: keep)
            try? FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            for file in ["report.html", "report.png"] {
                try? FileManager.default.removeItem(at: target.appendingPathComponent(file))
                try? FileManager.default.copyItem(at: directory.appendingPathComponent(file), to: target.appendingPathComponent(file))
            }
        }

        #expect(!screenshot.timedOut, "screenshot run killed after 60 s")
        #expect(screenshot.status == 0, "screenshot run failed: \(screenshot.stderr)")
        let size = (try? FileManager.default.attributesOfItem(atPath: png.path)[.size] as? Int) ?? 0
        #expect(size > 10_000, "screenshot missing or trivial (\(size) bytes)")
        let pngData = (try? Data(contentsOf: png)) ?? Data()
        if pngData.count > 24 {
            let width = pngData[16..<20].reduce(0) { $0 << 8 | Int($1) }
            #expect(width == 412, "screenshot is \(width) px wide, expected phone width 412")
        }

        #expect(!dom.timedOut, "dump-dom run killed after 60 s")
        #expect(dom.status == 0, "dump-dom run failed: \(dom.stderr)")
        let title = try #require(
            dom.stdout.firstMatch(of: #/<title>(.*?)</title>/#).map { String($0.output.1) }, "no <title> in dumped DOM")
        #expect(title.hasSuffix(" — ready"), "page script did not finish: title is \(title)")
        #expect(!dom.stdout.contains("data-error"), "page script raised an error")
        #expect(dom.stdout.contains("aria-sort=\"descending\""))
    }
}

// MARK: - Helpers

/// A minimal RFC 4180 reader, independent of the renderer's writer, so the round trip means something.
enum ReportCSVReader {
    static func parse(_ text: String) -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var scalars = text.unicodeScalars.makeIterator()
        var pending = scalars.next()
        while let scalar = pending {
            pending = scalars.next()
            if quoted {
                if scalar == "\"" {
                    if pending == "\"" { field.unicodeScalars.append("\""); pending = scalars.next() } else { quoted = false }
                } else {
                    field.unicodeScalars.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"": quoted = true
            case ",": row.append(field); field = ""
            case "\r": continue
            case "\n": row.append(field); rows.append(row); row = []; field = ""
            default: field.unicodeScalars.append(scalar)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}

/// Finds and runs Chromium with a hard timeout, output going to files so a large DOM cannot block a pipe.
enum ReportBrowser {
    struct Outcome: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        var timedOut: Bool
    }

    static func find() -> URL? {
        var candidates = ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        if let path = ProcessInfo.processInfo.environment["PATH"] {
            candidates += path.split(separator: ":").flatMap { ["\($0)/chromium", "\($0)/chromium-browser"] }
        }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }.map { URL(fileURLWithPath: $0) }
    }

    static func run(_ executable: URL, _ arguments: [String], in directory: URL, name: String, timeout: Duration = .seconds(60)) async throws -> Outcome {
        let outURL = directory.appendingPathComponent("\(name).out"), errURL = directory.appendingPathComponent("\(name).err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = ContinuousClock.now + timeout
        var timedOut = false
        while process.isRunning {
            if ContinuousClock.now > deadline {
                timedOut = true
                process.terminate()
                try await Task.sleep(for: .seconds(2))
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.waitUntilExit()
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return Outcome(status: process.terminationStatus, stdout: stdout, stderr: stderr, timedOut: timedOut)
    }
}

/// The realistic sample: 2 waves (one complete, one still open), 30 stores with Chinese and hostile names, 30 days.
enum ReportFixture {
    static func sample() -> ReportData {
        ReportData(campaign: "spring-wakeup", generatedAt: "2026-11-13T08:00:00Z", waves: [completeWave(), openWave()])
    }

    static let storeNames = [
        "上海徐汇店", "北京朝阳店", "广州天河店", "深圳南山店", "杭州西湖店", "成都锦江店", "<script>alert(1)</script>",
        "Store \"A\", Beijing", "A|B Mart", "南京新街口店", "武汉光谷店", "西安钟楼店", "重庆解放碑店", "苏州观前街店",
        "天津滨江道店", "长沙五一广场店", "郑州二七店", "青岛台东店", "厦门中山路店", "宁波天一店", "合肥淮河路店",
        "昆明南屏街店", "大连青泥洼店", "沈阳中街店", "哈尔滨中央大街店", "济南泉城路店", "福州东街口店", "无锡崇安寺店",
        "佛山祖庙店",
    ]

    static func completeWave() -> ReportWave {
        var random = ReportFixtureRandom(seed: 7)
        var stores = storeNames.enumerated().map { index, name in store(index: index, name: name, random: &random) }
        stores.append(noControlStore())
        return ReportWave(
            wave: "2026-10-01", issuedAt: "2026-10-01T09:00:00+08:00", windowDays: 30, complete: true, confidence: 0.95,
            headline: ReportAttributionRow(
                level: "campaign", key: "all", label: "All stores",
                nTreatment: 10_000, nControl: 2_000, reactivatedTreatment: 900, reactivatedControl: 120,
                salesTreatment: 1_523_456.78, salesControl: 280_000,
                reactivationLift: 0.03, reactivationCILow: 0.018, reactivationCIHigh: 0.042,
                salesPerMemberDifference: 12.3456778,
                incrementalSales: 123_456.78, ciLow: 45_678.9, ciHigh: 201_234.56,
                cupedIncrementalSales: 118_000.5, cupedCILow: 100_000.25, cupedCIHigh: 136_000.75,
                redemptions: 1_234, couponCost: 24_691.35,
                netIncrementalSales: 98_765.43, netCILow: 20_987.65, netCIHigh: 176_543.21, returnPerCost: 5.0),
            stores: stores, segments: segments(), daily: daily(days: 30, random: &random),
            funnel: funnel(treatment: 10_000, control: 2_000),
            power: ReportPower(
                treatment: 10_000, control: 2_000, baselineRate: 0.061, mdeReactivationRate: 0.0167,
                mdeSalesPerMember: 9.84, expectedLift: 0.01,
                warning: "the control arm is too small to detect a reactivation lift of 0.01 (minimum detectable: 0.0167)"))
    }

    static func openWave() -> ReportWave {
        var random = ReportFixtureRandom(seed: 11)
        var stores = storeNames.enumerated().map { index, name in store(index: index, name: name, random: &random) }
        stores.append(noControlStore())
        return ReportWave(
            wave: "2026-11-01", issuedAt: "2026-11-01T09:00:00+08:00", windowDays: 30, complete: false, confidence: 0.95,
            headline: ReportAttributionRow(
                level: "campaign", key: "all", label: "All stores",
                nTreatment: 8_000, nControl: 2_000, reactivatedTreatment: 400, reactivatedControl: 80,
                salesTreatment: 604_000, salesControl: 140_000,
                reactivationLift: 0.01, reactivationCILow: -0.002, reactivationCIHigh: 0.022,
                salesPerMemberDifference: 5.5,
                incrementalSales: 44_000, ciLow: -8_000, ciHigh: 96_000,
                cupedIncrementalSales: nil, cupedCILow: nil, cupedCIHigh: nil,
                redemptions: 610, couponCost: 12_200,
                netIncrementalSales: 31_800, netCILow: -20_200, netCIHigh: 83_800, returnPerCost: 3.6066),
            stores: stores, segments: segments(), daily: daily(days: 12, random: &random),
            funnel: funnel(treatment: 8_000, control: 2_000),
            power: ReportPower(
                treatment: 8_000, control: 2_000, baselineRate: 0.05, mdeReactivationRate: 0.0093,
                mdeSalesPerMember: 7.1, expectedLift: 0.01, warning: nil))
    }

    static func store(index: Int, name: String, random: inout ReportFixtureRandom) -> ReportAttributionRow {
        let treated = Int64(200 + random.next(400)), control = Int64(40 + random.next(100))
        let reactivatedT = Int64(Double(treated) * (0.05 + Double(random.next(60)) / 1000))
        let reactivatedC = Int64(Double(control) * (0.04 + Double(random.next(40)) / 1000))
        let perMember = Double(random.next(4000)) / 100 - 8
        let incremental = perMember * Double(treated)
        let halfWidth = 1.96 * 55 * (1 / Double(treated) + 1 / Double(control)).squareRoot() * Double(treated)
        let cost = Double(reactivatedT) * 20
        let lift = Double(reactivatedT) / Double(treated) - Double(reactivatedC) / Double(control)
        return ReportAttributionRow(
            level: "store", key: String(format: "S%03d", index + 1), label: name,
            nTreatment: treated, nControl: control, reactivatedTreatment: reactivatedT, reactivatedControl: reactivatedC,
            salesTreatment: Double(treated) * 150, salesControl: Double(control) * 140,
            reactivationLift: lift, reactivationCILow: lift - 0.04, reactivationCIHigh: lift + 0.04,
            salesPerMemberDifference: perMember,
            incrementalSales: incremental, ciLow: incremental - halfWidth, ciHigh: incremental + halfWidth,
            cupedIncrementalSales: incremental * 0.95, cupedCILow: incremental * 0.95 - halfWidth * 0.8,
            cupedCIHigh: incremental * 0.95 + halfWidth * 0.8,
            redemptions: reactivatedT, couponCost: cost,
            netIncrementalSales: incremental - cost, netCILow: incremental - cost - halfWidth, netCIHigh: incremental - cost + halfWidth,
            returnPerCost: cost > 0 ? incremental / cost : nil)
    }

    /// A store whose control arm is empty: every estimate is nil.
    static func noControlStore() -> ReportAttributionRow {
        ReportAttributionRow(
            level: "store", key: "S999", label: "新开业门店", nTreatment: 35, nControl: 0,
            reactivatedTreatment: 3, reactivatedControl: 0, salesTreatment: 4_200, salesControl: 0,
            reactivationLift: nil, reactivationCILow: nil, reactivationCIHigh: nil, salesPerMemberDifference: nil,
            incrementalSales: nil, ciLow: nil, ciHigh: nil, cupedIncrementalSales: nil, cupedCILow: nil, cupedCIHigh: nil,
            redemptions: 3, couponCost: 60, netIncrementalSales: nil, netCILow: nil, netCIHigh: nil, returnPerCost: nil)
    }

    static func segments() -> [ReportAttributionRow] {
        [("dormant_3_6m", "Dormant 3–6 months", 0.7), ("dormant_6_12m", "Dormant 6–12 months", 0.25), ("lapsed_12m_plus", "Lapsed\n12m+", 0.05)]
            .map { key, label, share in
                var row = ReportAttributionRow.fixture(key: key, incremental: 123_456.78 * share)
                row.level = "segment"
                row.label = label
                return row
            }
    }

    static func daily(days: Int, random: inout ReportFixtureRandom) -> [ReportDailyPoint] {
        var points: [ReportDailyPoint] = []
        var salesT = 0.0, salesC = 0.0, reactivatedT: Int64 = 0, reactivatedC: Int64 = 0
        for day in 1...days {
            salesT += Double(20_000 + random.next(60_000))
            salesC += Double(3_000 + random.next(9_000))
            reactivatedT += Int64(20 + random.next(25))
            reactivatedC += Int64(3 + random.next(4))
            points.append(ReportDailyPoint(day: day, arm: "treatment", members: 10_000, cumulativeSales: salesT, cumulativeReactivated: reactivatedT))
            points.append(ReportDailyPoint(day: day, arm: "control", members: 2_000, cumulativeSales: salesC, cumulativeReactivated: reactivatedC))
        }
        return points
    }

    static func funnel(treatment: Int, control: Int) -> [ReportFunnelStep] {
        [
            ReportFunnelStep(step: "members", members: 200_000), ReportFunnelStep(step: "buyers", members: 161_234),
            ReportFunnelStep(step: "dormant", members: 48_210), ReportFunnelStep(step: "reachable", members: 31_877),
            ReportFunnelStep(step: "scored", members: 31_877), ReportFunnelStep(step: "targeted", members: treatment + control),
            ReportFunnelStep(step: "treatment", members: treatment), ReportFunnelStep(step: "control", members: control),
        ]
    }
}

/// A tiny deterministic generator so the sample is the same on every run.
struct ReportFixtureRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 6_364_136_223_846_793_005 &+ 1 }
    mutating func next(_ bound: Int) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return Int((state >> 33) % UInt64(bound))
    }
}

extension ReportAttributionRow {
    /// A plain store row with the given incremental sales (nil = not estimable).
    static func fixture(key: String, incremental: Double?) -> ReportAttributionRow {
        ReportAttributionRow(
            level: "store", key: key, label: "Store \(key)", nTreatment: 1_000, nControl: 250,
            reactivatedTreatment: 80, reactivatedControl: 15, salesTreatment: 100_000, salesControl: 22_000,
            reactivationLift: 0.02, reactivationCILow: -0.01, reactivationCIHigh: 0.05, salesPerMemberDifference: 12,
            incrementalSales: incremental, ciLow: incremental.map { $0 - 5_000 }, ciHigh: incremental.map { $0 + 5_000 },
            cupedIncrementalSales: incremental, cupedCILow: nil, cupedCIHigh: nil,
            redemptions: 70, couponCost: 1_400, netIncrementalSales: incremental.map { $0 - 1_400 },
            netCILow: nil, netCIHigh: nil, returnPerCost: incremental.map { $0 / 1_400 })
    }
}

extension ReportWave {
    /// A one-wave skeleton around the given stores.
    static func fixture(stores: [ReportAttributionRow]) -> ReportWave {
        ReportWave(
            wave: "2026-01-01", issuedAt: "2026-01-01T00:00:00Z", windowDays: 30, complete: true, confidence: 0.9,
            headline: .fixture(key: "all", incremental: 1_000), stores: stores, segments: [], daily: [], funnel: [], power: nil)
    }
}
