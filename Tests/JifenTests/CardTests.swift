import Foundation
import Jifen
import JifenCore
import Testing

@Suite("Households' cards") struct CardTests {
    static let base = "https://jifen.example.cn"

    func issue(_ office: Office, _ arguments: String..., by actor: String = "王会计") throws -> [[String: Any]] {
        let run = try office.jifen(arguments: ["household", "card"] + arguments + ["--public-url", Self.base, "--by", actor, "--json"])
        expectOK(run)
        return try JSONSerialization.jsonObject(with: Data(run.out.utf8)) as? [[String: Any]] ?? []
    }

    /// A card's link opens its household's card and no other; issued again, the old link opens nothing.
    @Test func aCardIsANewLinkAndIssuingAgainReplacesIt() throws {
        let office = try Golden().village()
        let first = try #require(try issue(office, "H001").first)
        let link = try #require(first["link"] as? String)
        #expect(link.hasPrefix("\(Self.base)/h/H001/"))
        let token = String(link.dropFirst("\(Self.base)/h/H001/".count))
        #expect(token.count == 43)
        #expect(first["issuedBy"] as? String == "王会计")
        let ledger = try Ledger(path: office.path("jifen.sqlite"), readOnly: true)
        #expect(try ledger.cardOpens("H001", token: token) != nil)
        #expect(try ledger.cardOpens("H002", token: token) == nil)
        #expect(try ledger.cardOpens("H001", token: String(token.reversed())) == nil)
        // The token is not in the file: only its hash.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: office.path("jifen.sqlite")))
        #expect(bytes.range(of: Data(token.utf8)) == nil)

        let second = try #require(try issue(office, "H001").first?["link"] as? String)
        let renewed = String(second.dropFirst("\(Self.base)/h/H001/".count))
        #expect(renewed != token)
        #expect(try ledger.cardOpens("H001", token: token) == nil)
        #expect(try ledger.cardOpens("H001", token: renewed) != nil)
        // Cards are no event: the chain is as it was, and it verifies.
        expectOK(try office.jifen("verify"))
    }

    @Test func aCardAsAPDFHoldsItsLinkInTheQRCode() throws {
        let office = try Golden().village()
        expectOK(try office.jifen("household", "card", "H002", "--public-url", Self.base, "--by", "王会计", "--format", "pdf", "--out", "card.pdf"))
        let text = try office.run("/usr/bin/pdftotext", ["card.pdf", "-"])
        let squeezed = text.out.filter { !$0.isWhitespace }
        #expect(squeezed.contains("H002") && squeezed.contains("积分卡"))
        expectOK(try office.run("/usr/bin/pdftoppm", ["-r", "150", "-png", "card.pdf", "card"]))
        let scan = try office.run("/usr/bin/zbarimg", ["-q", "--raw", "card-1.png"])
        let link = scan.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(link.hasPrefix("\(Self.base)/h/H002/"))
        // (pdftotext joins a line broken after a hyphen without it, so hyphens are left out of the comparison.)
        #expect(squeezed.replacingOccurrences(of: "-", with: "").contains(link.replacingOccurrences(of: "-", with: "")),
                "the link is spelled out under the code")
        let token = String(link.dropFirst("\(Self.base)/h/H002/".count))
        #expect(try Ledger(path: office.path("jifen.sqlite"), readOnly: true).cardOpens("H002", token: token) != nil)
    }

    @Test func onlyAnAdministratorOrAClerkIssuesCards() throws {
        let office = try Golden().village()
        let shop = try office.jifen("household", "card", "H001", "--public-url", Self.base, "--by", "李店长")
        #expect(shop.status != 0)
        #expect(shop.err.contains("李店长") && shop.err.contains("发放农户积分卡"))
        let noAddress = try office.jifen("household", "card", "H001", "--by", "王会计")
        #expect(noAddress.status != 0)
        #expect(noAddress.err.contains("--public-url"))
        let neither = try office.jifen("household", "card", "--public-url", Self.base, "--by", "王会计")
        #expect(neither.status != 0)
        // A list with an unknown household issues no card, not even for the households before it.
        let unknown = try office.jifen("household", "card", "H001", "H999", "--public-url", Self.base, "--by", "王会计")
        #expect(unknown.status != 0)
        #expect(unknown.err.contains("H999"))
        // Nothing was issued by any of them.
        let ledger = try Ledger(path: office.path("jifen.sqlite"), readOnly: true)
        #expect(try ledger.cardHash("H001") == nil)
    }

    /// A ledger from before cards (no table, no migration) is read as it is and verifies; a write brings the table.
    @Test func aLedgerFromBeforeCardsReadsVerifiesAndGainsThem() throws {
        let office = try Golden().village()
        let file = office.path("jifen.sqlite")
        try ReviewStatesTests.takeBack(office)
        expectOK(try office.run("/usr/bin/sqlite3", [file, "DROP TABLE household_cards; DELETE FROM grdb_migrations WHERE identifier = '0005_household_cards';"]))
        try ReviewStatesTests.readsVerifyAndLeaveTheFile(office)
        #expect(try Ledger(path: file, readOnly: true).cardHash("H001") == nil)
        _ = try issue(office, "H001")
        #expect(try Ledger(path: file, readOnly: true).cardHash("H001") != nil)
        expectOK(try office.jifen("verify"))
    }

    /// With the server's address, a statement's QR code holds the link to the server's check of it.
    @Test func aStatementsQRCodeOpensTheServersCheck() throws {
        let office = try Golden().village()
        let json = try office.jifen("statement", "H001", "--period", "2025-03", "--json")
        let statement = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any] ?? [:]
        expectOK(try office.jifen("statement", "H001", "--period", "2025-03", "--format", "pdf", "--out", "h001.pdf",
                                  "--public-url", Self.base))
        expectOK(try office.run("/usr/bin/pdftoppm", ["-r", "150", "-png", "h001.pdf", "page"]))
        let scan = try office.run("/usr/bin/zbarimg", ["-q", "--raw", "page-1.png"])
        #expect(scan.out.trimmingCharacters(in: .whitespacesAndNewlines)
                == "\(Self.base)/s/H001/2025-03/\(statement["headSeq"] ?? "")/\(statement["headHash"] ?? "")")
    }
}
