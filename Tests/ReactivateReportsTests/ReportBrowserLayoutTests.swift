import Foundation
import ReactivateReports
import Testing

/// A real headless Chromium renders the two-wave campaign at desktop (1280 px) and phone (390 px) width:
/// no sideways page scroll, no table wider than its box at 1280, no console error, the campaign table there.
/// Screenshots and the page are kept in `.build/report-screenshots/` for a person to look at.
@Suite(.serialized) struct ReportBrowserLayoutTests {
    /// Where the screenshots go: the package's build folder, which `make clean` removes.
    static let screenshots = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/report-screenshots")

    /// Collects console errors, script errors, failed loads and CSP violations from the very start of the page.
    static let probeHead = """
        <script>window.__errors=[];(function(){var original=console.error;
        console.error=function(){window.__errors.push(Array.prototype.join.call(arguments,' '));original.apply(console,arguments);};
        window.addEventListener('error',function(e){window.__errors.push('error: '+(e.message||e.type));},true);
        document.addEventListener('securitypolicyviolation',function(e){window.__errors.push('csp: '+e.violatedDirective);});})();</script>
        """

    /// Opens every fold (so folded tables are measured too) and writes the measurements into the DOM.
    static let probeEnd = """
        <script>(function(){var d=document.documentElement,b=document.body;
        Array.prototype.forEach.call(document.querySelectorAll('details'),function(x){x.open=true;});
        var wide=[];Array.prototype.forEach.call(document.querySelectorAll('.scroll'),function(s){
        if(s.scrollWidth>s.clientWidth+1){var t=s.querySelector('table');wide.push((t&&t.id)||'unnamed');}});
        b.setAttribute('data-probe-scroll-width',String(d.scrollWidth));b.setAttribute('data-probe-inner-width',String(innerWidth));
        b.setAttribute('data-probe-overflowing',wide.join(' '));b.setAttribute('data-probe-errors',String(window.__errors.length));
        b.setAttribute('data-probe-error-text',window.__errors.join(' | '));})();</script>
        """

    /// Text safe inside a double-quoted attribute.
    static func attribute(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    struct Probe {
        var scrollWidth: Int
        var innerWidth: Int
        var overflowing: [String]
        var errors: Int
        var errorText: String
        /// The page's title once its script ran (it appends " — ready").
        var title: String
        /// `data-wave` of the campaign table's rows, in page order.
        var campaignRows: [String]
        var dom: String
    }

    /// Renders `html` at `width` × `height`: a screenshot of the page as shipped, and the DOM of a probed copy.
    func render(_ html: String, width: Int, height: Int, name: String) async throws -> Probe? {
        guard let chromium = ReportBrowser.find() else {
            Issue.record("Chromium not found (looked for /usr/bin/chromium and `chromium` on PATH). Run `make deps`, which installs it.")
            return nil
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("report-layout-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("\(name).html")
        try html.write(to: page, atomically: true, encoding: .utf8)
        // Headless Chromium lays a window out at least 500 px wide, so the probe measures the page inside an
        // iframe exactly `width` px wide; a srcdoc frame shares the harness's origin, so the harness can read it.
        let probed = directory.appendingPathComponent("\(name)-probed.html")
        let probedHTML = html.replacingOccurrences(of: "<head>\n", with: "<head>\n" + Self.probeHead + "\n")
            .replacingOccurrences(of: "</body>", with: Self.probeEnd + "</body>")
        let harness = """
            <!DOCTYPE html><html><head><meta charset="utf-8"><style>body{margin:0}iframe{border:0;display:block}</style></head><body>
            <iframe id="page" width="\(width)" height="\(height)" srcdoc="\(Self.attribute(probedHTML))"></iframe>
            <script>window.addEventListener('load',function(){var f=document.getElementById('page').contentDocument;
            var names=['data-probe-scroll-width','data-probe-inner-width','data-probe-overflowing','data-probe-errors','data-probe-error-text','data-error'];
            names.forEach(function(n){var v=f.body&&f.body.getAttribute(n);if(v!==null){document.body.setAttribute(n,v);}});
            document.body.setAttribute('data-probe-title',f.title);
            var found=f.getElementById('campaign-table');document.body.setAttribute('data-probe-campaign-rows',
            found?Array.prototype.map.call(found.querySelectorAll('tr[data-wave]'),function(r){return r.getAttribute('data-wave');}).join(' '):'');});</script>
            </body></html>
            """
        try harness.write(to: probed, atomically: true, encoding: .utf8)
        let png = directory.appendingPathComponent("\(name).png")
        let flags = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=\(width),\(height)"]
        async let shot = ReportBrowser.run(
            chromium, flags + ["--user-data-dir=\(directory.path)/profile-shot", "--screenshot=\(png.path)", page.absoluteString],
            in: directory, name: "shot")
        async let dump = ReportBrowser.run(
            chromium, flags.dropLast() + ["--window-size=\(max(width, 1280) + 40),\(height)", "--user-data-dir=\(directory.path)/profile-dom", "--dump-dom", probed.absoluteString],
            in: directory, name: "dom")
        let (screenshot, dom) = try await (shot, dump)
        #expect(!screenshot.timedOut && screenshot.status == 0, "screenshot at \(width) px failed: \(screenshot.stderr)")
        #expect(!dom.timedOut && dom.status == 0, "dump-dom at \(width) px failed: \(dom.stderr)")

        try FileManager.default.createDirectory(at: Self.screenshots, withIntermediateDirectories: true)
        for file in ["\(name).html", "\(name).png"] {
            let target = Self.screenshots.appendingPathComponent(file)
            try? FileManager.default.removeItem(at: target)
            try? FileManager.default.copyItem(at: directory.appendingPathComponent(file), to: target)
        }
        let pngData = (try? Data(contentsOf: png)) ?? Data()
        #expect(pngData.count > 10_000, "screenshot at \(width) px missing or trivial")
        if pngData.count > 24 {
            #expect(pngData[16..<20].reduce(0) { $0 << 8 | Int($1) } == width, "screenshot is not \(width) px wide")
        }
        func attribute(_ name: String) -> String? {
            guard let pattern = try? Regex("\(name)=\"([^\"]*)\"") else { return nil }
            return dom.stdout.firstMatch(of: pattern).map { String($0.output[1].substring ?? "") }
        }
        guard let scroll = attribute("data-probe-scroll-width").flatMap(Int.init),
            let inner = attribute("data-probe-inner-width").flatMap(Int.init)
        else {
            Issue.record("the probe did not run at \(width) px; page script error: \(attribute("data-error") ?? "none")")
            return nil
        }
        return Probe(
            scrollWidth: scroll, innerWidth: inner,
            overflowing: (attribute("data-probe-overflowing") ?? "").split(separator: " ").map(String.init),
            errors: attribute("data-probe-errors").flatMap(Int.init) ?? -1, errorText: attribute("data-probe-error-text") ?? "",
            title: attribute("data-probe-title") ?? "", campaignRows: (attribute("data-probe-campaign-rows") ?? "").split(separator: " ").map(String.init), dom: dom.stdout)
    }

    @Test(.timeLimit(.minutes(3)))
    func aTwoWaveCampaignFitsA1280PxScreenWithoutErrors() async throws {
        let html = ReportRenderer.html(ReportFixture.campaign())
        guard let probe = try await render(html, width: 1280, height: 2400, name: "report-1280") else { return }
        #expect(probe.innerWidth == 1280)
        #expect(probe.scrollWidth <= probe.innerWidth, "page scrolls sideways: \(probe.scrollWidth) > \(probe.innerWidth)")
        // Every table fits its box, the 114-store one included (no sideways scroll inside the page either).
        #expect(probe.overflowing.isEmpty, "tables wider than the page at 1280 px: \(probe.overflowing)")
        #expect(probe.errors == 0, "console errors: \(probe.errorText)")
        #expect(!probe.dom.contains("data-error="), "page script raised an error")
        #expect(probe.title.hasSuffix(" — ready"), "page script did not finish: title is \(probe.title)")
        #expect(probe.campaignRows == ["2026-11-01", "2026-10-01", "all_waves"], "campaign table rows: \(probe.campaignRows)")
    }

    @Test(.timeLimit(.minutes(3)))
    func theSameCampaignOnA390PxPhoneHasNoSidewaysPageScroll() async throws {
        let html = ReportRenderer.html(ReportFixture.campaign())
        guard let probe = try await render(html, width: 390, height: 3200, name: "report-390") else { return }
        #expect(probe.innerWidth == 390)
        #expect(probe.scrollWidth <= probe.innerWidth, "page scrolls sideways: \(probe.scrollWidth) > \(probe.innerWidth)")
        #expect(probe.errors == 0, "console errors: \(probe.errorText)")
        #expect(probe.campaignRows == ["2026-11-01", "2026-10-01", "all_waves"], "campaign table rows: \(probe.campaignRows)")
    }
}
