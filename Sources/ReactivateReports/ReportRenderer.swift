/// The three files the analyst report is published as.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// One self-contained page with charts and sortable tables, readable on a phone.
    case html
    /// The same numbers as one RFC 4180 table, for spreadsheets.
    case csv
    /// The same sections as Markdown tables, for tickets and wikis.
    case md
}

/// Turns already-computed report numbers into text; pure, so the pipeline decides where files go.
///
/// Output depends only on the input: no clock, no locale, stores always in the same order
/// (incremental sales descending, ties by key), so reruns produce byte-identical files.
public enum ReportRenderer {
    /// The report in the given format.
    public static func render(_ data: ReportData, as format: ReportFormat) -> String {
        switch format {
        case .html: html(data)
        case .csv: csv(data)
        case .md: markdown(data)
        }
    }

    /// The self-contained HTML page (no external resources; inline CSS, SVG and script).
    public static func html(_ data: ReportData) -> String {
        ReportHTML.document(data)
    }

    /// The CSV table with a `section` column; empty fields where an estimate is not estimable.
    public static func csv(_ data: ReportData) -> String {
        ReportCSV.document(data)
    }

    /// The Markdown report with the same sections as the HTML.
    public static func markdown(_ data: ReportData) -> String {
        ReportMarkdown.document(data)
    }
}
