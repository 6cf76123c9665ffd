import Foundation
@testable import ReactivateReports
import Testing

/// Data strings are escaped by the templates themselves, in every format, without a call site asking.
@Suite struct ReportEscapingTests {
    static let hostile = "<script>alert(1)</script> & \"Lotus\" 莲花"

    /// The sample report with the hostile name as campaign, a store, a segment, a funnel step and a warning.
    static func hostileReport() -> ReportData {
        var data = ReportFixture.sample()
        data.campaign = hostile
        for index in data.waves.indices {
            data.waves[index].stores[0].label = hostile
            data.waves[index].segments[0].label = hostile
            data.waves[index].funnel[0].step = hostile
            data.waves[index].power?.warning = hostile
        }
        return data
    }

    @Test func hostileNameIsEscapedEverywhereInTheHTML() {
        let html = ReportRenderer.html(Self.hostileReport())
        let escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Lotus&quot; 莲花"
        #expect(!html.contains("<script>alert(1)"))
        #expect(!html.contains("\"Lotus\""))
        // Title, header, two store rows, two segment rows, two funnel labels, two warnings, at least.
        #expect(html.components(separatedBy: escaped).count - 1 >= 10)
        #expect(html.contains("<title>Reactivation report — \(escaped)</title>"))
    }

    @Test func hostileNameIsEscapedEverywhereInTheMarkdown() {
        let markdown = ReportRenderer.markdown(Self.hostileReport())
        let escaped = #"\<script\>alert(1)\</script\> \& "Lotus" 莲花"#
        #expect(!markdown.contains("<script>"))
        #expect(markdown.contains("# Reactivation report — \(escaped)"))
        #expect(markdown.contains("| \(escaped) |"))
        #expect(markdown.contains("> **Warning:** \(escaped)"))
    }

    @Test func hostileNameSurvivesTheCSVExactly() {
        let rows = ReportCSVReader.parse(ReportRenderer.csv(Self.hostileReport()))
        let header = rows[0]
        let label = header.firstIndex(of: "label")!, campaign = header.firstIndex(of: "campaign")!
        let step = header.firstIndex(of: "step")!, warning = header.firstIndex(of: "warning")!
        #expect(rows.dropFirst().allSatisfy { $0.count == header.count && $0[campaign] == Self.hostile })
        #expect(rows.filter { $0[label] == Self.hostile }.count == 4)
        #expect(rows.filter { $0[step] == Self.hostile }.count == 2)
        #expect(rows.filter { $0[warning] == Self.hostile }.count == 2)
    }

    @Test func htmlInterpolationEscapesStringsAndEmbedsHTML() {
        let name = Self.hostile
        let bold: HTML = "<b>\(name)</b>"
        #expect(bold.markup == "<b>&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Lotus&quot; 莲花</b>")
        let title = "a'b"
        let cell: HTML = "<td title=\"\(title)\">\(bold)\(html: bold)\(42)</td>"
        #expect(cell.markup == "<td title=\"a&#39;b\">\(bold.markup)\(bold.markup)42</td>")
        #expect([bold, "<br>"].joined(separator: " · ").markup == bold.markup + " · <br>")
    }

    @Test func markdownInterpolationEscapesStringsAndEmbedsMarkdown() {
        let name = "a|b *c* [d](e) `f`\ng"
        let line: Markdown = "**\(name)**"
        #expect(line.source == #"**a\|b \*c\* \[d\](e) \`f\` g**"#)
        let outer: Markdown = "> \(line) \(7)"
        #expect(outer.source == "> " + line.source + " 7")
    }

    @Test func csvQuotingHappensInOnePlace() {
        #expect(ReportCSV.line(["plain", "a,b", "say \"hi\"", "two\r\nlines", ""]) == #"plain,"a,b","say ""hi""","two"# + "\r\n" + #"lines","#)
    }
}
