import Foundation
import JifenStatements
import Testing

/// The shop's slip: what the resident takes home, on the shop's thermal printer.
@Suite struct ShopReceipts {
    /// A village with salt and a household with final points, and the office's ledger open for the shop.
    func shop() throws -> Office {
        let office = try Office()
        try office.smallVillage()
        expectOK(try office.jifen("shop", "add", "salt", "--name", "食盐", "--unit", "500 g", "--price", "3", "--by", "李店长"))
        expectOK(try office.jifen("shop", "add", "soap", "--name", "农家自制艾草手工香皂礼盒装", "--price", "4", "--by", "李店长"))
        for item in ["salt", "soap"] {
            expectOK(try office.jifen("shop", "restock", item, "--qty", "10", "--date", "2025-03-01", "--by", "李店长"))
        }
        expectOK(try office.jifen("record", "H001", "C2.3", "--date", "2025-03-05", "--note", "献血", "--by", "王会计"))
        try office.finalize("2025-03")
        return office
    }

    @Test("redeeming with --receipt writes the slip: the household, the goods, the points spent and left, the entry and its check code")
    func redeemWritesTheSlip() throws {
        let office = try shop()
        let run = try office.jifen("shop", "redeem", "H001", "salt", "--qty", "2", "--date", "2025-04-08", "--by", "李店长", "--receipt", "-")
        expectOK(run)
        let balance = try #require(try office.json("balance", "H001") as? [String: Any])
        let left = try #require(balance["available"] as? Int)
        let log = try #require(try office.json("log") as? [[String: Any]])
        let last = try #require(log.last)
        let seq = try #require(last["seq"] as? Int)
        let hash = try #require(try office.sqlite("SELECT lower(hex(hash)) FROM events WHERE seq = \(seq)").first)
        let lines = run.out.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("牛角村积分超市") }, "\(run.out)")
        #expect(lines.contains { $0.contains("H001") && $0.contains("王德福") })
        #expect(lines.contains { $0.contains("食盐（500 g）") && $0.hasSuffix(" 2      6") }, "\(run.out)")
        #expect(lines.contains { $0.hasPrefix("本次用分") && $0.hasSuffix(" 6") })
        #expect(lines.contains { $0.hasPrefix("剩余可用") && $0.hasSuffix(" \(left)") })
        #expect(lines.contains { $0.contains("#\(seq)") })
        let code = hash.prefix(4).uppercased() + "-" + hash.dropFirst(4).prefix(4).uppercased()
        #expect(lines.contains("校验码：\(code)"), "\(run.out)")
        // The confirmation goes to the error stream when the slip takes standard output.
        #expect(run.err.contains("已兑换 #\(seq)"))
    }

    @Test("every line of a slip fits the paper (a Chinese character two columns), in both languages")
    func linesFitThePaper() throws {
        let office = try shop()
        expectOK(try office.jifen("shop", "redeem", "H001", "soap", "--date", "2025-04-08", "--by", "李店长"))
        expectOK(try office.jifen("shop", "redeem", "H001", "salt", "--date", "2025-04-08", "--by", "李店长", "--again"))
        let seqs = try #require(try office.json("log") as? [[String: Any]]).suffix(2).compactMap { $0["seq"] as? Int }.map(String.init)
        for paper in Receipt.Paper.allCases {
            for language in ["zh", "en"] {
                let run = try office.jifen(arguments: ["shop", "receipt"] + seqs + ["--paper", "\(paper.rawValue)", "--lang", language])
                expectOK(run)
                let lines = run.out.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                #expect(lines.count > 12)
                for line in lines {
                    #expect(DisplayColumns.of(line) <= paper.columns, "\(paper) \(language): \(line)")
                }
                // The long name goes on below its first line rather than being cut.
                if language == "zh" { #expect(run.out.contains("礼盒装"), "\(run.out)") }
            }
        }
    }

    @Test("ESC/POS: initialise, Chinese mode, the slip in GB18030, a cut; decoded back it is the text slip")
    func escposDecodesToTheText() throws {
        let office = try shop()
        expectOK(try office.jifen("shop", "redeem", "H001", "salt", "--date", "2025-04-08", "--by", "李店长"))
        let seq = try #require(try office.json("log") as? [[String: Any]]).last?["seq"] as? Int ?? 0
        let text = try office.jifen("shop", "receipt", "\(seq)", "--paper", "80")
        expectOK(text)
        expectOK(try office.jifen("shop", "receipt", "\(seq)", "--paper", "80", "--escpos", "--out", "slip.bin"))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: office.path("slip.bin"))))
        #expect(Array(bytes.prefix(2)) == ESCPOS.initialise)
        #expect(Array(bytes.suffix(4)) == ESCPOS.partialCut)
        // The commands taken out by their lengths, what is left is the printed text.
        var printed: [UInt8] = [], commands: [[UInt8]] = [], index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let length: Int? = switch byte {
            case 0x1B: bytes[safe: index + 1] == 0x40 ? 2 : 3      // ESC @, ESC t n, ESC E n, ESC d n
            case 0x1C: 2                                          // FS &
            case 0x1D: 4                                          // GS V m n
            default: nil
            }
            if let length {
                commands.append(Array(bytes[index..<min(bytes.count, index + length)]))
                index += length
            } else {
                printed.append(byte)
                index += 1
            }
        }
        #expect(commands.contains(ESCPOS.chineseMode))
        #expect(commands.contains(ESCPOS.bold(true)) && commands.contains(ESCPOS.bold(false)))
        try Data(printed).write(to: URL(fileURLWithPath: office.path("printed.txt")))
        // Python's own GB18030 codec, not the C library's that wrote it.
        let decoded = try office.run("/usr/bin/env", ["python3", "-c", "import sys; sys.stdout.write(open('printed.txt','rb').read().decode('gb18030'))"])
        #expect(decoded.status == 0, "\(decoded.err)")
        #expect(decoded.out == text.out)
        #expect(printed.contains { $0 >= 0x80 }, "the Chinese is in two-byte form")
        // Printer bytes never go to a terminal's screen; JSON prints the same figures.
        let json = try #require(try office.json("shop", "receipt", "\(seq)") as? [String: Any])
        #expect(json["spent"] as? Int == 3 && json["household"] as? String == "H001")
    }

    @Test("a receipt printed again says what the first said, later redemptions notwithstanding")
    func reprintIsTheSame() throws {
        let office = try shop()
        let first = try office.jifen("shop", "redeem", "H001", "salt", "--date", "2025-04-08", "--by", "李店长", "--receipt", "-")
        expectOK(first)
        let seq = try #require(try office.json("log") as? [[String: Any]]).last?["seq"] as? Int ?? 0
        expectOK(try office.jifen("shop", "redeem", "H001", "soap", "--date", "2025-04-09", "--by", "李店长"))
        let again = try office.jifen("shop", "receipt", "\(seq)")
        expectOK(again)
        #expect(again.out == first.out)
    }

    @Test("a slip that cannot be written refuses the redemption; a receipt of what is not a live redemption is refused")
    func refusals() throws {
        let office = try shop()
        try office.write("taken.txt", "kept")
        let events = try office.eventCount()
        expectRefused(try office.jifen("shop", "redeem", "H001", "salt", "--date", "2025-04-08", "--by", "李店长", "--receipt", "taken.txt",
                                       "--lang", "en"), mentioning: "already exists")
        #expect(try office.eventCount() == events, "nothing written")
        #expect(try String(contentsOfFile: office.path("taken.txt"), encoding: .utf8) == "kept")
        expectRefused(try office.jifen("shop", "receipt", "3", "--lang", "en"), mentioning: "not a redemption")
        expectRefused(try office.jifen("shop", "receipt", "\(events + 50)", "--lang", "en"), mentioning: "no entry")
        expectOK(try office.jifen("shop", "redeem", "H001", "salt", "--date", "2025-04-08", "--by", "李店长", "--again"))
        let seq = events + 1
        expectOK(try office.jifen("reverse", "\(seq)", "--reason", "记错户", "--by", "李店长"))
        // The request to reverse it is the last event; the reviewer approves it.
        let request = try #require(try office.json("log") as? [[String: Any]]).last?["seq"] as? Int ?? 0
        expectOK(try office.jifen("approve", "\(request)", "--by", "赵主任"))
        expectRefused(try office.jifen("shop", "receipt", "\(seq)", "--lang", "en"), mentioning: "was reversed")
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
