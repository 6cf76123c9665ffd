import Testing

import ReactivateCore

@Suite struct TOMLParserTests {
    // MARK: Values

    @Test func basicStringsDecodeEveryEscape() throws {
        let table = try TOMLParser.parse(#"s = "quote \" backslash \\ nl \n tab \t u \u00E9 U \U0001F600 b \b f \f r \r""#)
        #expect(table["s"]?.kind == .string("quote \" backslash \\ nl \n tab \t u é U 😀 b \u{08} f \u{0C} r \r"))
    }

    @Test func literalStringsAreTakenVerbatim() throws {
        let table = try TOMLParser.parse(#"path = 'C:\Users\n "quoted" # not a comment'"#)
        #expect(table["path"]?.kind == .string(#"C:\Users\n "quoted" # not a comment"#))
    }

    @Test func emptyStringsAreValues() throws {
        let table = try TOMLParser.parse("a = \"\"\nb = ''\n")
        #expect(table["a"]?.kind == .string(""))
        #expect(table["b"]?.kind == .string(""))
    }

    @Test(arguments: [
        ("0", Int64(0)), ("42", 42), ("+17", 17), ("-5", -5), ("-0", 0), ("1_000", 1000),
        ("5_349_221", 5_349_221), ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
    ])
    func integersParseWithSignsAndUnderscores(literal: String, expected: Int64) throws {
        let table = try TOMLParser.parse("n = \(literal)")
        #expect(table["n"]?.kind == .integer(expected))
        #expect(table["n"]?.literal == literal)
    }

    @Test(arguments: [
        ("1.5", 1.5), ("-0.25", -0.25), ("+3.0", 3.0), ("1e3", 1000.0), ("1E3", 1000.0), ("2.5e-3", 0.0025),
        ("3_000.0", 3000.0), ("6.626e+34", 6.626e34), ("0.10", 0.1), ("1e0_1", 1e1),
    ])
    func floatsParseInDecimalAndExponentForms(literal: String, expected: Double) throws {
        let table = try TOMLParser.parse("x = \(literal)")
        #expect(table["x"]?.kind == .float(expected))
    }

    @Test func infinityAndNaNParseAsFloatsForTheConfigLayerToJudge() throws {
        let table = try TOMLParser.parse("a = inf\nb = -inf\nc = nan\n")
        #expect(table["a"]?.kind == .float(.infinity))
        #expect(table["b"]?.kind == .float(-.infinity))
        guard case .float(let c)? = table["c"]?.kind else {
            Issue.record("nan did not parse as a float")
            return
        }
        #expect(c.isNaN)
    }

    @Test func booleansParse() throws {
        let table = try TOMLParser.parse("yes = true\nno = false\n")
        #expect(table["yes"]?.kind == .boolean(true))
        #expect(table["no"]?.kind == .boolean(false))
    }

    @Test func localDatesParseAndValidateTheCalendar() throws {
        let table = try TOMLParser.parse("d = 2024-02-29\n")
        let expected = try #require(TOMLLocalDate(year: 2024, month: 2, day: 29))
        #expect(table["d"]?.kind == .date(expected))
        #expect(expected.description == "2024-02-29")
        #expect(TOMLLocalDate(year: 2023, month: 2, day: 29) == nil)
        let error = #expect(throws: TOMLError.self) { try TOMLParser.parse("d = 2023-02-29") }
        #expect(error?.kind == .syntax)
        #expect(error?.message.contains("no such day") == true)
    }

    @Test func singleLineArraysParse() throws {
        let table = try TOMLParser.parse(#"a = ["x", 'y', 1, 2.5, true, 2024-01-01, []]"#)
        guard case .array(let items)? = table["a"]?.kind else {
            Issue.record("not an array")
            return
        }
        #expect(items.map(\.typeName) == ["string", "string", "integer", "float", "boolean", "date", "array"])
    }

    @Test func multiLineArraysAllowCommentsAndATrailingComma() throws {
        let text = """
            channels = [   # preference order
              "sms",       # first
              # a comment line
              "wechat_oa",
            ]
            after = 1
            """
        let table = try TOMLParser.parse(text)
        guard case .array(let items)? = table["channels"]?.kind else {
            Issue.record("not an array")
            return
        }
        #expect(items.map(\.kind) == [.string("sms"), .string("wechat_oa")])
        #expect(items.map(\.line) == [2, 4])
        #expect(table["after"]?.line == 6)
    }

    // MARK: Structure

    @Test func commentsAndBlankLinesAreIgnored() throws {
        let text = """
            # leading comment

            a = 1 # trailing comment
               \t
            b = "# not a comment"   # but this is
            """
        let table = try TOMLParser.parse(text)
        #expect(table.keys == ["a", "b"])
        #expect(table["b"]?.kind == .string("# not a comment"))
    }

    @Test func tableHeadersCreateNestedTablesInFileOrder() throws {
        let text = """
            top = 1
            [target]
            radius_m = 3000
            [ coupon . extra ]
            z = 1
            [coupon]
            face_value = 20.0
            """
        let table = try TOMLParser.parse(text)
        #expect(table.keys == ["top", "target", "coupon"])
        guard case .table(let target)? = table["target"]?.kind,
            case .table(let coupon)? = table["coupon"]?.kind
        else {
            Issue.record("sections missing")
            return
        }
        #expect(table["target"]?.line == 2)
        #expect(target["radius_m"]?.kind == .integer(3000))
        #expect(coupon.keys == ["extra", "face_value"])
        #expect(table["coupon"]?.line == 6)
    }

    @Test func quotedAndDottedKeysAreSupported() throws {
        let text = """
            "quoted key" = 1
            'literal.key' = 2
            target.radius_m = 3000
            target . cooldown_days = 7
            """
        let table = try TOMLParser.parse(text)
        #expect(table["quoted key"]?.kind == .integer(1))
        #expect(table["literal.key"]?.kind == .integer(2))
        guard case .table(let target)? = table["target"]?.kind else {
            Issue.record("dotted keys did not build a table")
            return
        }
        #expect(target.keys == ["radius_m", "cooldown_days"])
    }

    @Test func everyValueRemembersItsLine() throws {
        let text = "\n# c\na = 1\n\n[s]\nb = 'x'\n"
        let table = try TOMLParser.parse(text)
        #expect(table["a"]?.line == 3)
        guard case .table(let s)? = table["s"]?.kind else {
            Issue.record("no table")
            return
        }
        #expect(s["b"]?.line == 6)
    }

    @Test func windowsLineEndingsAndAByteOrderMarkAreAccepted() throws {
        let table = try TOMLParser.parse("\u{FEFF}a = 1\r\nb = 2\r\n")
        #expect(table["a"]?.kind == .integer(1))
        #expect(table["b"]?.line == 2)
    }

    @Test func emptyDocumentIsAnEmptyTable() throws {
        #expect(try TOMLParser.parse("").isEmpty)
        #expect(try TOMLParser.parse("# only a comment\n\n").isEmpty)
    }

    // MARK: Refusals

    @Test(arguments: [
        ("a = 1\nb = 2\na = 3\n", 3, "a"),
        ("a = 1\n\"a\" = 2\n", 2, "a"),
        ("[s]\nx = 1\nx = 2\n", 3, "s.x"),
        ("[s]\nx = 1\n[t]\n[s]\n", 4, "s"),
        ("s.x = 1\n[s]\n", 2, "s"),
        ("[s]\nx = 1\n[s.x]\n", 3, "s.x"),
        ("a = 1\n[a]\n", 2, "a"),
        ("a = 1\na.b = 2\n", 2, "a"),
        ("[s.t]\n[s]\nt.x = 1\n", 3, "s.t"),
        ("a = [\n1,\n]\na = 2\n", 4, "a"),
    ])
    func duplicateKeysAreRefusedWithTheSecondLine(text: String, line: Int, keyPath: String) {
        let error = #expect(throws: TOMLError.self) { try TOMLParser.parse(text) }
        #expect(error?.kind == .duplicateKey)
        #expect(error?.line == line)
        #expect(error?.keyPath == keyPath)
    }

    @Test func duplicateKeyErrorPointsAtTheFirstDefinition() {
        let error = #expect(throws: TOMLError.self) { try TOMLParser.parse("a = 1\n\na = 2\n") }
        #expect(error?.message == "duplicate key 'a' (first defined on line 1)")
    }

    @Test(arguments: [
        ("ok = 1\nt = { a = 1 }\n", 2, "inline tables"),
        ("ok = 1\n\n[[stores]]\n", 3, "arrays of tables"),
        ("s = \"\"\"\nmulti\n\"\"\"\n", 1, "multi-line strings"),
        ("ok = 1\ns = '''x'''\n", 2, "multi-line literal strings"),
        ("d = 1979-05-27T07:32:00Z\n", 1, "date-times"),
        ("\nd = 1979-05-27T07:32:00\n", 2, "date-times"),
        ("d = 1979-05-27 07:32:00\n", 1, "date-times"),
        ("d = 1979-05-27t07:32:00+08:00\n", 1, "date-times"),
        ("t = 07:32:00\n", 1, "times of day"),
        ("n = 0xFF\n", 1, "hexadecimal"),
        ("n = 0o17\n", 1, "octal"),
        ("n = 0b101\n", 1, "binary"),
        ("a = [\n  1,\n  { x = 1 },\n]\n", 3, "inline tables"),
    ])
    func unsupportedFeaturesAreRefusedWithTheirLine(text: String, line: Int, feature: String) {
        let error = #expect(throws: TOMLError.self) { try TOMLParser.parse(text) }
        #expect(error?.kind == .unsupported)
        #expect(error?.line == line)
        #expect(error?.message.contains(feature) == true)
        #expect(error?.message.contains("not supported in pipeline configs") == true)
    }

    @Test(arguments: [
        ("a = 1\nradius m = 3\n", 2, "expected '=' after key 'radius'"),
        ("a: 1\n", 1, "expected '=' after key 'a'"),
        ("= 1\n", 1, "expected a key"),
        ("a =\nb = 1\n", 1, "expected a value after '='"),
        ("a = 1 2\n", 1, "expected the end of the line after the value"),
        ("[s] x = 1\n", 1, "expected the end of the line after the table header"),
        ("[s\n", 1, "expected ']' to close the table header"),
        ("[]\n", 1, "expected a table name"),
        ("s = \"open\n", 1, "unterminated string"),
        ("s = 'open\n", 1, "unterminated literal string"),
        ("s = \"bad \\x\"\n", 1, "invalid escape '\\x'"),
        ("s = \"\\u12\"\n", 1, "expected 4 hexadecimal digits"),
        ("s = \"\\uD800\"\n", 1, "not a Unicode scalar value"),
        ("a = [1, 2\nb = 3\n", 2, "expected ',' or ']'"),
        ("a = [1,\n2,\n", 3, "unterminated array opened on line 1"),
        ("a = [1,,2]\n", 1, "expected a value in the array"),
        ("a = yes\n", 1, "invalid value 'yes'"),
        ("a = True\n", 1, "invalid value 'True'"),
        ("a = 007\n", 1, "leading zeros"),
        ("a = 1__000\n", 1, "'_' must sit between two digits"),
        ("a = _1\n", 1, "invalid value '_1'"),
        ("a = 1_\n", 1, "'_' must sit between two digits"),
        ("a = 1.\n", 1, "digits after the '.'"),
        ("a = .5\n", 1, "digits before the '.'"),
        ("a = 1e\n", 1, "digits after the exponent"),
        ("a = 1.2.3\n", 1, "invalid number '1.2.3'"),
        ("a = 9223372036854775808\n", 1, "out of range for a 64-bit integer"),
        ("a = 1e999\n", 1, "out of range for a float"),
        ("a = 2024-13-01\n", 1, "invalid date"),
        ("a = 2024-1-01\n", 1, "invalid date"),
        ("a = 1\rb = 2\n", 1, "carriage return"),
        ("a = \"tab\tok but bell \u{07}\"\n", 1, "control character U+0007"),
    ])
    func syntaxErrorsNameTheLineAndWhatWasExpected(text: String, line: Int, fragment: String) {
        let error = #expect(throws: TOMLError.self) { try TOMLParser.parse(text) }
        #expect(error?.kind == .syntax)
        #expect(error?.line == line)
        #expect(error?.message.contains(fragment) == true, "\(error?.message ?? "no error")")
    }

    @Test func bareWordsGetAHintToQuoteThem() {
        let error = #expect(throws: TOMLError.self) { try TOMLParser.parse("[source]\nschema = src\n") }
        #expect(error?.hint == "strings must be quoted, e.g. \"src\"")
        let yes = #expect(throws: TOMLError.self) { try TOMLParser.parse("flag = yes\n") }
        #expect(yes?.hint == "booleans are written true or false; strings must be quoted")
    }

    @Test func badValueErrorsNameTheirKey() {
        let error = #expect(throws: TOMLError.self) { try TOMLParser.parse("[source]\nschema = src\n") }
        #expect(error?.keyPath == "source.schema")
        #expect(error?.line == 2)
        let array = #expect(throws: TOMLError.self) { try TOMLParser.parse("[t]\na.b = [\n1,\n{ x = 1 }]\n") }
        #expect(array?.keyPath == "t.a.b")
        #expect(array?.line == 4)
    }

    @Test func tomlErrorDescriptionIncludesLineAndHint() {
        let error = TOMLError(kind: .syntax, line: 4, message: "boom", hint: "do this")
        #expect(error.description == "line 4: boom\n  fix: do this")
    }
}
