import Foundation
@_spi(Testing) import Postgres
import ReactivateTestSupport
import Testing

/// Against the real server the Makefile started: COPY both ways, errors, transactions, locks.
@Suite struct ConnectionTests {
    @Test func everyPipelineColumnTypeRoundTripsThroughBinaryCopyOutAndIn() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        try connection.execute("""
            CREATE TABLE t (id bigint, n int, x float8, amount numeric(12,2), at timestamptz, d date, label text, flag bool);
            CREATE TABLE u (LIKE t);
            INSERT INTO t VALUES
              (1, 2147483647, -1.5e-300, -12345.67, '2026-11-24 23:59:59.999999+08', '2026-11-25', 'plain', true),
              (-9223372036854775808, -2147483648, 'NaN', 9999999999.99, '2000-01-01 00:00:00+00', '1999-12-31', '会员 ✓ "quoted"', false),
              (3, 0, 'Infinity', 0.01, '1970-01-01 00:00:00+00', '2100-02-28', '', NULL),
              (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
            """)
        struct Row: Equatable {
            var id: Int64, n: Int32?, x: Double?, amount: PostgresNumeric?, at: Int64?, d: Int32?, label: String?, flag: Bool?
        }
        func read(_ table: String) throws -> [Row] {
            var rows: [Row] = []
            try connection.copyOut("COPY (SELECT * FROM \(identifier: table) ORDER BY id) TO STDOUT (FORMAT binary)", fieldCount: 8) { row in
                rows.append(Row(
                    id: try row.int64(0), n: try row.optionalInt32(1), x: try row.optionalFloat64(2),
                    amount: row.isNull(3) ? nil : try row.numeric(3), at: try row.optionalTimestamp(4),
                    d: try row.optionalDate(5), label: try row.optionalText(6), flag: try row.optionalBool(7)))
            }
            return rows
        }
        let original = try read("t")
        #expect(original.count == 4)
        #expect(original[0].id == Int64.min)
        #expect(original[1].amount?.cents == -1_234_567)
        #expect(original[1].at == 848_851_199_999_999)  // 9,824 days + 15:59:59.999999 UTC, in µs since 2000
        #expect(original[1].d == 9_825)  // 2026-11-25 in days since 2000-01-01
        #expect(original[0].label == "会员 ✓ \"quoted\"")
        let written = try connection.copyIn("COPY u FROM STDIN (FORMAT binary)") { writer in
            for row in original {
                writer.encoder.beginRow(fieldCount: 8)
                writer.encoder.append(row.id)
                writer.encoder.append(row.n)
                writer.encoder.append(row.x)
                if let amount = row.amount { writer.encoder.append(amount) } else { writer.encoder.appendNull() }
                writer.encoder.appendTimestamp(row.at)
                writer.encoder.appendDate(row.d)
                writer.encoder.append(row.label)
                writer.encoder.append(row.flag)
                try writer.rowDone()
            }
        }
        #expect(written == 4)
        let copied = try read("u")
        #expect(copied.count == original.count)
        for (left, right) in zip(copied, original) {
            #expect(left.id == right.id && left.n == right.n && left.amount == right.amount && left.at == right.at)
            #expect(left.d == right.d && left.label == right.label && left.flag == right.flag)
            #expect(left.x?.bitPattern == right.x?.bitPattern || (left.x?.isNaN == true && right.x?.isNaN == true))
        }
        let identical = try connection.query("SELECT count(*) FROM (SELECT * FROM t EXCEPT SELECT * FROM u) d").scalar
        #expect(identical == "0")
    }

    // The source checks size relations in blocks through this helper instead of current_setting in their SQL.
    @Test func blockSizeIsTheServersPageSizeInBytes() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        let reported = try connection.query("SELECT current_setting('block_size')::int8").scalar(Int64.self)
        #expect(try connection.blockSize() == reported)
        try connection.execute("CREATE TABLE paged (x int); INSERT INTO paged SELECT generate_series(1, 10000)")
        let bytes = try connection.query("SELECT pg_relation_size('paged')").scalar(Int64.self) ?? 0
        let blockSize = try connection.blockSize()
        #expect(bytes > 0 && bytes % blockSize == 0)
    }

    @Test func largeCopyStreamsInBothDirections() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        try connection.execute("CREATE TABLE big (id bigint, amount numeric(12,2))")
        let count = 200_000
        try connection.copyIn("COPY big FROM STDIN (FORMAT binary)") { writer in
            for id in 0..<count {
                writer.encoder.beginRow(fieldCount: 2)
                writer.encoder.append(Int64(id))
                writer.encoder.appendCents(Int64(id % 5_000) - 1_000)
                try writer.rowDone()
            }
        }
        var sum: Int64 = 0
        var rows = 0
        try connection.copyOut("COPY big TO STDOUT (FORMAT binary)", fieldCount: 2) { row in
            sum += try row.numeric(1).cents
            rows += 1
        }
        #expect(rows == count)
        let expected = try connection.query("SELECT (sum(amount) * 100)::bigint FROM big").scalar
        #expect(String(sum) == expected)
        // Several 1 MiB buffers went through the sender thread; they arrived whole and in order.
        let inOrder = try connection.query("SELECT bool_and(id = position - 1) FROM (SELECT id, row_number() OVER (ORDER BY ctid) AS position FROM big) rows")
        #expect(inOrder.scalar == "t")
    }

    @Test func rowTheServerRejectsEndsTheCopyWithItsErrorAndTheConnectionStaysUsable() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        try connection.execute("CREATE TABLE bounded (id bigint CONSTRAINT small_ids CHECK (id < 1000))")
        // The server fails at row 1001 while megabytes more are still queued for sending.
        let error = #expect(throws: PostgresError.self) {
            try connection.copyIn("COPY bounded FROM STDIN (FORMAT binary)") { writer in
                for id in 0..<500_000 {
                    writer.encoder.beginRow(fieldCount: 1)
                    writer.encoder.append(Int64(id))
                    try writer.rowDone()
                }
            }
        }
        #expect(error?.constraint == "small_ids")
        #expect(try connection.query("SELECT count(*) FROM bounded").scalar == "0")
        #expect(try connection.query("SELECT 41 + $1::int", [1]).scalar == "42")
    }

    @Test func sessionEndedMidCopyFailsTheCopyInsteadOfHanging() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        let observer = try database.connect()
        try connection.execute("CREATE TABLE doomed (id bigint, note text)")
        let pid = try #require(Int32(try connection.query("SELECT pg_backend_pid()").scalar ?? ""))
        let note = String(repeating: "x", count: 200)
        #expect(throws: PostgresError.self) {
            try connection.copyIn("COPY doomed FROM STDIN (FORMAT binary)") { writer in
                for id in 0..<2_000_000 {
                    writer.encoder.beginRow(fieldCount: 2)
                    writer.encoder.append(Int64(id))
                    writer.encoder.append(note)
                    try writer.rowDone()
                    if id == 20_000 { try observer.query("SELECT pg_terminate_backend(\(pid))") }
                }
            }
        }
        #expect(try observer.query("SELECT count(*) FROM doomed").scalar == "0")
    }

    @Test func failingWriterAbortsTheCopyAndLeavesNoRows() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        try connection.execute("CREATE TABLE target (id bigint)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try connection.copyIn("COPY target FROM STDIN (FORMAT binary)") { writer in
                for id in 0..<100_000 {
                    writer.encoder.beginRow(fieldCount: 1)
                    writer.encoder.append(Int64(id))
                    try writer.rowDone()
                }
                throw Boom()
            }
        }
        #expect(try connection.query("SELECT count(*) FROM target").scalar == "0")
    }

    @Test func failingReaderCancelsAndTheConnectionStaysUsable() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        struct Enough: Error {}
        var seen = 0
        #expect(throws: Enough.self) {
            try connection.copyOut("COPY (SELECT g FROM generate_series(1, 5000000) g) TO STDOUT (FORMAT binary)") { _ in
                seen += 1
                if seen == 1000 { throw Enough() }
            }
        }
        #expect(try connection.query("SELECT 41 + $1::int", [1]).scalar == "42")
    }

    @Test func serverErrorsCarrySQLStateMessageAndHint() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        do {
            try connection.query("SELECT * FROM no_such_table WHERE id = $1", ["secret-value-123"])
            Issue.record("expected an error")
        } catch let error as PostgresError {
            #expect(error.sqlState == "42P01")
            #expect(error.message.contains("no_such_table"))
            #expect(!error.description.contains("secret-value-123"))
        }
        do {
            try connection.copyOut("COPY (SELECT 1/0) TO STDOUT (FORMAT binary)") { _ in }
            Issue.record("expected an error")
        } catch let error as PostgresError {
            #expect(error.sqlState == "22012")
        }
    }

    @Test func parametersAreBoundNeverSpliced() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        let hostile = "x'; DROP TABLE victims; --"
        try connection.execute("CREATE TABLE victims (name text)")
        try connection.query("INSERT INTO victims VALUES ($1)", [hostile])
        #expect(try connection.query("SELECT name FROM victims").scalar == hostile)
    }

    @Test func transactionRollsBackWhenTheBodyThrows() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        try connection.execute("CREATE TABLE ledger (id int)")
        struct Fail: Error {}
        #expect(throws: Fail.self) {
            try connection.transaction {
                try connection.query("INSERT INTO ledger VALUES (1)")
                throw Fail()
            }
        }
        #expect(try connection.query("SELECT count(*) FROM ledger").scalar == "0")
        #expect(!connection.inTransaction)
    }

    @Test func advisoryLockIsExclusiveBetweenSessions() throws {
        let database = try TestDatabase()
        let first = try database.connect()
        let second = try database.connect()
        #expect(try first.tryAdvisoryLock(42))
        #expect(try !second.tryAdvisoryLock(42))
        try first.advisoryUnlock(42)
        #expect(try second.tryAdvisoryLock(42))
    }

    @Test func passwordNeverAppearsInConnectionErrors() throws {
        let secret = "hunter2-Very-Secret"
        let url = "postgresql://someone:\(secret)@127.0.0.1:1/db?connect_timeout=2"
        do {
            _ = try Connection(ConnectionString(url))
            Issue.record("expected a connection error")
        } catch let error as PostgresError {
            #expect(error.kind == .connection)
            #expect(!error.description.contains(secret))
            #expect(error.description.contains("********"))
        }
        #expect(!ConnectionString(url).description.contains(secret))
    }
}
