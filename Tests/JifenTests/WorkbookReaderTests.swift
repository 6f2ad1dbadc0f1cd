import Foundation
import JifenSheets
@testable import JifenXLSX
import Testing
import ZIPFoundation

/// The .xlsx reader on its own: Excel's dates, cell references, number formats, and hostile workbooks, each a clean
/// `SheetFailure` and never a trap, a hang or memory without bound.
@Suite struct WorkbookReader {
    /// A workbook made part by part: the usual parts, with `replacing` in place of (or beside) them and `omitting` left out.
    static func workbook(sheet: String, strings: String? = nil, styles: String? = nil, workbook: String? = nil,
                         replacing: [String: Data] = [:], omitting: Set<String> = []) throws -> Data {
        var parts: [String: Data] = [
            "[Content_Types].xml": Data(XLSXWriter.contentTypes.utf8),
            "_rels/.rels": Data(XLSXWriter.packageRelationships.utf8),
            "xl/workbook.xml": Data((workbook ?? XLSXWriter.workbook(sheetName: "Sheet1")).utf8),
            "xl/_rels/workbook.xml.rels": Data("""
                <?xml version="1.0" encoding="UTF-8"?>
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
                <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
                <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="/xl/sharedStrings.xml"/>\
                </Relationships>
                """.utf8),
            "xl/styles.xml": Data((styles ?? XLSXWriter.styles).utf8),
            "xl/worksheets/sheet1.xml": Data("""
                <?xml version="1.0" encoding="UTF-8"?>
                <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>\(sheet)</sheetData></worksheet>
                """.utf8),
        ]
        if let strings {
            parts["xl/sharedStrings.xml"] = Data("""
                <?xml version="1.0" encoding="UTF-8"?>
                <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\(strings)</sst>
                """.utf8)
        }
        for (path, data) in replacing { parts[path] = data }
        let archive = try Archive(accessMode: .create)
        for (path, data) in parts.sorted(by: { $0.key < $1.key }) where !omitting.contains(path) {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        return try #require(archive.data)
    }

    static func cells(_ data: Data, limits: XLSXReader.Limits = XLSXReader.Limits()) throws -> [SheetCells.Row] {
        try XLSXReader.firstSheet(data, limits: limits).rows
    }

    /// The failure a workbook gives, in English.
    static func failure(_ data: Data, limits: XLSXReader.Limits = XLSXReader.Limits()) -> String? {
        do {
            _ = try XLSXReader.firstSheet(data, limits: limits)
            return nil
        } catch {
            return error.en
        }
    }

    @Test func excelsDateSerialsInBothSystems() {
        // 1900: 1 is 1 January 1900, 59 the 28th of February, 60 Lotus's 29th (no such day), 61 the 1st of March.
        #expect(SheetReader.date(1, date1904: false) == "1900-01-01")
        #expect(SheetReader.date(59, date1904: false) == "1900-02-28")
        #expect(SheetReader.date(60, date1904: false) == "1900-02-29")
        #expect(SheetReader.date(61, date1904: false) == "1900-03-01")
        #expect(SheetReader.date(45_721, date1904: false) == "2025-03-05")
        #expect(SheetReader.date(45_721.5, date1904: false) == "2025-03-05 12:00:00")
        #expect(SheetReader.date(2_958_465, date1904: false) == "9999-12-31")
        #expect(SheetReader.date(2_958_466, date1904: false) == nil)
        #expect(SheetReader.date(-1, date1904: false) == nil)
        // 1904: 0 is 1 January 1904; the same day is 1,462 less than in 1900.
        #expect(SheetReader.date(0, date1904: true) == "1904-01-01")
        #expect(SheetReader.date(45_721 - 1_462, date1904: true) == "2025-03-05")
        // The writer's serials are the reader's.
        for text in ["1900-03-01", "2000-02-29", "2025-03-05", "9999-12-31"] {
            let serial = XLSXWriter.serial(text)
            #expect(serial.flatMap { SheetReader.date(Double($0), date1904: false) } == text)
        }
        #expect(XLSXWriter.serial("2025-02-29") == nil)
        #expect(XLSXWriter.serial("1900-02-28") == nil)
    }

    @Test func cellReferencesStopAtXFD1048576() {
        #expect(SheetReader.reference("A1")! == (1, 1))
        #expect(SheetReader.reference("$AB$12")! == (28, 12))
        #expect(SheetReader.reference("XFD1048576")! == (16_384, 1_048_576))
        for bad in ["XFE1", "A1048577", "A0", "1A", "A", "AAAA1", "A12345678", "a1", ""] {
            #expect(SheetReader.reference(bad) == nil, "\(bad)")
        }
        #expect(XLSXWriter.columnName(1) == "A" && XLSXWriter.columnName(27) == "AA" && XLSXWriter.columnName(16_384) == "XFD")
    }

    @Test func numberFormatsThatShowDates() {
        for code in ["yyyy-mm-dd", "yyyy/m/d", "yyyy\"年\"m\"月\"d\"日\"", "d-mmm-yy", "[$-804]yyyy年m月d日", "h:mm", "[h]:mm", "m/d/yy h:mm"] {
            #expect(Styles.isDateFormat(code), "\(code)")
        }
        for code in ["General", "0", "0.00", "#,##0", "[Red]0.0", "[Magenta]#,##0", "\"day\" 0", "0.00E+00", "@", "0;[Red]-0"] {
            #expect(!Styles.isDateFormat(code), "\(code)")
        }
        #expect(Styles.builtInDate(14) && Styles.builtInDate(57) && !Styles.builtInDate(0) && !Styles.builtInDate(49))
    }

    @Test func cellsOfEveryKindAndRowsAsExcelNumbersThem() throws {
        let data = try WorkbookReader.workbook(sheet: """
            <row r="1"><c r="A1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><r><t>备</t></r><r><t xml:space="preserve">注 </t></r></is></c></row>\
            <row r="4"><c r="A4" s="2"><v>45721</v></c><c r="B4"><v>5</v></c><c r="C4" t="b"><v>1</v></c><c r="D4"><f>1+1</f><v>2</v></c>\
            <c r="E4"><v>2.5</v></c><c r="F4" t="str"><v>=x</v></c><c r="G4" t="s"><v>1</v></c></row>\
            <row><c><v>7</v></c><c t="inlineStr"><is><t>a_x0009_b _x005F_x0041_</t></is></c></row>
            """, strings: "<si><t>日期</t></si><si><r><t>王</t></r><rPh><t>wang</t></rPh><r><t>德福</t></r></si>")
        let rows = try WorkbookReader.cells(data)
        #expect(rows == [
            SheetCells.Row(row: 1, cells: ["日期", "", "备注 "]),
            SheetCells.Row(row: 4, cells: ["2025-03-05", "5", "TRUE", "2", "2.5", "=x", "王德福"]),
            SheetCells.Row(row: 5, cells: ["7", "a\tb _x0041_"]),
        ])
    }

    @Test("an error value, or a formula with no saved result, is refused naming its cell, never read as text or empty")
    func errorsAndFormulasWithoutResults() throws {
        for (cell, said) in [("<c r=\"B2\" t=\"e\"><v>#DIV/0!</v></c>", "B2 holds the error #DIV/0!"),
                             ("<c r=\"B2\"><f>A1*2</f></c>", "B2 is a formula"), ("<c r=\"B2\"><f>A1*2</f><v></v></c>", "B2 is a formula")] {
            let data = try WorkbookReader.workbook(sheet: "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row><row r=\"2\">\(cell)</row>", strings: "")
            #expect(throws: SheetFailure.self) { try XLSXReader.firstSheet(data) }
            do {
                _ = try XLSXReader.firstSheet(data)
            } catch {
                #expect(error.en.contains(said), "\(error.en)")
            }
        }
    }

    @Test("the cells' text is bounded: one shared string named by many cells counts every time")
    func cellTextIsBounded() throws {
        let long = String(repeating: "长", count: 1000)
        let cells = (1...200).map { "<c r=\"A\($0)\" t=\"s\"><v>0</v></c>" }
        let data = try WorkbookReader.workbook(sheet: cells.enumerated().map { "<row r=\"\($0.offset + 1)\">\($0.element)</row>" }.joined(),
                                               strings: "<si><t>\(long)</t></si>")
        var limits = XLSXReader.Limits()
        limits.text = 100_000
        #expect(throws: SheetFailure.self) { try XLSXReader.firstSheet(data, limits: limits) }
        #expect((try? XLSXReader.firstSheet(data))?.rows.count == 200)
    }

    @Test func whatTheWriterWritesTheReaderReadsBack() throws {
        let texts = ["a_x0041_b", "x\u{1}y\u{1F}", "<&>\"'", "中文 备注", "=1+1", "@SUM(A1)", "\u{FFFE}\u{FFFF}", "tab\there", "_x00", ""]
        var writer = XLSXWriter(layout: SheetLayout(name: "a:b/c", columns: [SheetLayout.Column("text"), SheetLayout.Column("n"),
                                                                            SheetLayout.Column("day", .date), SheetLayout.Column("yes")]))
        for (index, text) in texts.enumerated() {
            try writer.add(["text": .text(text), "n": index % 2 == 0 ? .integer(index - 3) : .number(Double(index) + 0.25),
                            "day": .text("2025-03-0\(index % 9 + 1)"), "yes": .bool(index % 2 == 0)])
        }
        let rows = try WorkbookReader.cells(try writer.data())
        #expect(rows.first == SheetCells.Row(row: 1, cells: ["text", "n", "day", "yes"]))
        #expect(rows.count == texts.count + 1)
        for (index, text) in texts.enumerated() where index + 1 < rows.count {
            let n = index % 2 == 0 ? "\(index - 3)" : "\(Double(index) + 0.25)"
            #expect(rows[index + 1] == SheetCells.Row(row: index + 2, cells: [text, n, "2025-03-0\(index % 9 + 1)", index % 2 == 0 ? "TRUE" : "FALSE"]))
        }
    }

    @Test func theFirstSheetIsTheWorkbooksFirstWhateverItsPartIsCalled() throws {
        let data = try WorkbookReader.workbook(sheet: "<row r=\"1\"><c r=\"A1\"><v>1</v></c></row>", workbook: """
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <workbookPr date1904="true"/><sheets><sheet name="a" sheetId="2" r:id="rId9"/><sheet name="b" sheetId="1" r:id="rId1"/></sheets></workbook>
            """, replacing: ["xl/_rels/workbook.xml.rels": Data("""
                <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
                <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
                <Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/other.xml"/>\
                <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
                </Relationships>
                """.utf8), "xl/worksheets/other.xml": Data("""
                <worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="2"><c r="B2" s="2"><v>0</v></c></row></sheetData></worksheet>
                """.utf8)])
        #expect(try WorkbookReader.cells(data) == [SheetCells.Row(row: 2, cells: ["", "1904-01-01"])])
    }

    @Test func hostileWorkbooksAreCleanErrors() throws {
        let good = try WorkbookReader.workbook(sheet: "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>", strings: "<si><t>x</t></si>")
        #expect(WorkbookReader.failure(good) == nil)
        var cases: [(String, Data, XLSXReader.Limits, String)] = []
        var small = XLSXReader.Limits()
        small.part = 1 << 20
        cases.append(("not a zip", Data("date,household\n".utf8), .init(), "not a zip archive"))
        cases.append(("truncated", good.prefix(good.count / 2), .init(), "not a whole zip archive"))
        cases.append(("empty", Data(), .init(), "not a zip archive"))
        // A zip bomb: 8 MB of one repeated row deflate to a few kilobytes; the part stops at its limit as it inflates.
        let row = "<row><c t=\"inlineStr\"><is><t>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa</t></is></c></row>"
        cases.append(("zip bomb", try WorkbookReader.workbook(sheet: String(repeating: row, count: (8 << 20) / row.utf8.count)), small,
                      "inflates to more than 1 MB"))
        // A billion laughs: entities that expand to gigabytes are never declared, because no DOCTYPE is read.
        let laughs = """
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\
            <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\
            <sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol3;</t></si></sst>
            """
        cases.append(("entity expansion", try WorkbookReader.workbook(sheet: "", replacing: ["xl/sharedStrings.xml": Data(laughs.utf8)]), .init(),
                      "document type declaration"))
        let external = "<?xml version=\"1.0\"?><!doctype x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>"
        cases.append(("external entity", try WorkbookReader.workbook(sheet: "", replacing: ["xl/styles.xml": Data(external.utf8)]), .init(),
                      "document type declaration"))
        cases.append(("past XFD", try WorkbookReader.workbook(sheet: "<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>"), .init(), "between A and XFD"))
        cases.append(("past the last row", try WorkbookReader.workbook(sheet: "<row r=\"1048577\"><c><v>1</v></c></row>"), .init(),
                      "not between 1 and 1048576"))
        cases.append(("rows backwards", try WorkbookReader.workbook(sheet: "<row r=\"5\"><c><v>1</v></c></row><row r=\"2\"><c><v>1</v></c></row>"),
                      .init(), "row 2 comes after row 5"))
        cases.append(("a cell of another row", try WorkbookReader.workbook(sheet: "<row r=\"2\"><c r=\"A3\"><v>1</v></c></row>"), .init(),
                      "not one of row 2"))
        cases.append(("no such shared string", try WorkbookReader.workbook(sheet: "<row r=\"1\"><c t=\"s\"><v>7</v></c></row>",
                                                                          strings: "<si><t>x</t></si>"), .init(), "names a shared string"))
        cases.append(("no workbook", try WorkbookReader.workbook(sheet: "", omitting: ["xl/workbook.xml"]), .init(), "holds no workbook"))
        cases.append(("no sheet part", try WorkbookReader.workbook(sheet: "", omitting: ["xl/worksheets/sheet1.xml"]), .init(),
                      "the first sheet (xl/worksheets/sheet1.xml) is missing"))
        cases.append(("no relationships", try WorkbookReader.workbook(sheet: "", omitting: ["xl/_rels/workbook.xml.rels"]), .init(),
                      "relationships"))
        var badName = Data("<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheets><sheet".utf8)
        badName.append(contentsOf: [0xE5, 0xB6])
        badName.append(contentsOf: " name=\"a\"/></sheets></workbook>".utf8)
        cases.append(("a name that is not UTF-8", try WorkbookReader.workbook(sheet: "", replacing: ["xl/workbook.xml": badName]), .init(),
                      "is not XML in UTF-8"))
        var flipped = try WorkbookReader.workbook(sheet: "<row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>aaaa</t></is></c></row>")
        // The sheet with a checksum that is not its own: a byte of its CRC-32 in the central directory changed.
        let entry = Data("PK\u{01}\u{02}".utf8), name = Data("xl/worksheets/sheet1.xml".utf8)
        var at = flipped.startIndex
        while let found = flipped[at...].firstRange(of: entry) {
            if flipped[(found.lowerBound + 46)...].starts(with: name) { flipped[found.lowerBound + 16] ^= 0xFF }
            at = found.upperBound
        }
        cases.append(("a wrong checksum", flipped, .init(), "fails its checksum"))
        cases.append(("broken XML", try WorkbookReader.workbook(sheet: "<row r=\"1\"><c><v>1</v></row>"), .init(), "XML breaks"))
        var fewStrings = XLSXReader.Limits()
        fewStrings.strings = 10
        cases.append(("too many strings", try WorkbookReader.workbook(sheet: "", strings: String(repeating: "<si><t>x</t></si>", count: 11)),
                      fewStrings, "more than 10 shared strings"))
        // One cell at XFD in each of a few rows is 16,384 cells a row.
        var fewCells = XLSXReader.Limits()
        fewCells.cells = 40_000
        cases.append(("too many cells", try WorkbookReader.workbook(sheet: (1...3).map { "<row r=\"\($0)\"><c r=\"XFD\($0)\"><v>1</v></c></row>" }.joined()),
                      fewCells, "more than 40000 cells"))
        var tinyFile = XLSXReader.Limits()
        tinyFile.file = 100
        cases.append(("too large a file", good, tinyFile, "over 0 MB"))
        for (name, data, limits, said) in cases {
            let failure = WorkbookReader.failure(data, limits: limits)
            #expect(failure?.contains(said) == true, "\(name): \(failure ?? "read without a failure")")
        }
    }
}

/// Hostile workbooks given to `jifen record import`: exit 2, one sentence, nothing written.
@Suite struct WorkbookRefusals {
    @Test func aDamagedOrHostileWorkbookIsExit2AndWritesNothing() throws {
        let office = try Office()
        try office.smallVillage()
        let before = try office.eventCount()
        // A zip bomb at the real limits: a sheet that inflates past 128 MB from a few hundred kilobytes, made a chunk
        // at a time.
        let archive = try Archive(accessMode: .create)
        let valid = try WorkbookReader.workbook(sheet: "")
        let source = try Archive(data: valid, accessMode: .read)
        for entry in source where entry.path != "xl/worksheets/sheet1.xml" {
            var data = Data()
            _ = try source.extract(entry) { data.append($0) }
            try archive.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try archive.addEntry(with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: Int64(130 << 20), compressionMethod: .deflate) { _, wanted in
            Data(repeating: 0x20, count: wanted)
        }
        try office.write("bomb.xlsx", bytes: try #require(archive.data))
        try office.write("laughs.xlsx", bytes: try WorkbookReader.workbook(sheet: "", replacing: ["xl/sharedStrings.xml": Data(
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><sst><si><t>&b;</t></si></sst>".utf8)]))
        try office.write("far.xlsx", bytes: try WorkbookReader.workbook(sheet: "<row r=\"1\"><c r=\"XFE1\"><v>1</v></c></row>"))
        try office.write("nothing.xlsx", bytes: try WorkbookReader.workbook(sheet: "", omitting: ["xl/worksheets/sheet1.xml"]))
        try office.write("text.xlsx", "date,household,rule\n2025-03-05,H001,A1.2\n")
        for (file, said) in [("bomb.xlsx", "more than 128 MB"), ("laughs.xlsx", "DOCTYPE"), ("far.xlsx", "XFD"),
                             ("nothing.xlsx", "is missing"), ("text.xlsx", "not a zip archive")] {
            let run = try office.jifen("record", "import", file, "--by", "王会计", "--lang", "en")
            #expect(run.status == 2, "\(file): exit \(run.status) \(run.err)")
            #expect(run.err.contains(said) && run.err.split(separator: "\n").count == 1, "\(file): \(run.err)")
            #expect(run.out.isEmpty)
            let household = try office.jifen("household", "import", file, "--by", "张书记")
            #expect(household.status == 2 && household.err.contains("xlsx"), "\(file): \(household.err)")
        }
        #expect(try office.eventCount() == before)
    }
}

/// The .xlsx fuzz target's seed corpus (Fuzz/Corpus/xlsx, made by Fuzz/xlsx-seeds.py with openpyxl), read as the target
/// reads it: every seed is a workbook whose first sheet has rows, and an input that once crashed the reader (saved
/// there as `crash-…`) is a clean failure or cells, read again on every run.
@Suite struct WorkbookCorpus {
    @Test func theSeedsAreWorkbooksWithRows() throws {
        let folder = packageRoot.appendingPathComponent("Fuzz/Corpus/xlsx")
        let inputs = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
        #expect(inputs.contains { $0.lastPathComponent == "tally.xlsx" })
        for input in inputs {
            let data = try Data(contentsOf: input)
            let result = Result { try XLSXReader.firstSheet(data) }
            if input.lastPathComponent.hasPrefix("crash-") { continue }
            // Its bad rows include a formula openpyxl saved without a result: refused whole, naming the cell.
            if input.lastPathComponent == "bad-rows.xlsx" {
                #expect(throws: SheetFailure.self) { try result.get() }
                continue
            }
            let rows = try result.get().rows
            #expect(rows.count >= 3 && rows[0].cells.count >= 4, "\(input.lastPathComponent): \(rows)")
        }
    }
}

/// `jifen` starts without the .xlsx libraries: only `jifen-xlsx`, beside it, loads libxml2 (and its ICU) and zlib.
@Suite struct WorkbookProgram {
    @Test func onlyJifenXLSXLoadsTheXMLAndZipLibraries() throws {
        let helper = jifenBinary.deletingLastPathComponent().appendingPathComponent("jifen-xlsx")
        let office = try Office()
        let jifen = try office.run("/usr/bin/env", ["ldd", jifenBinary.path])
        let xlsx = try office.run("/usr/bin/env", ["ldd", helper.path])
        #expect(jifen.status == 0 && xlsx.status == 0, "\(jifen.err) \(xlsx.err)")
        #expect(xlsx.out.contains("libxml2") && xlsx.out.contains("libz.so"), "\(xlsx.out)")
        #expect(!jifen.out.contains("libxml2") && !jifen.out.contains("libz.so") && !jifen.out.contains("libicuuc"), "\(jifen.out)")
    }
}
