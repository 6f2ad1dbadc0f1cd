import Foundation
import Jifen
import JifenCore
import JifenStore
import Tagged
import Testing

/// A code or a name typed in another spelling of the same characters — `é` as `e` and a combining accent (NFD), or a
/// CJK compatibility ideograph — is the one spelled composed (NFC): Swift's strings compare so, the tables compare
/// bytes, and before `Composed` a village could register `Hé` twice, once each way, which the fold took as one
/// household and the tables as two, so that an untouched ledger failed `verify`.
@Suite struct ComposedCodes {
    static let composed = "H\u{E9}", decomposed = "He\u{301}"
    /// 金 as the compatibility ideograph U+F90A, whose composed form is U+91D1.
    static let compatibility = "\u{F90A}米", unified = "\u{91D1}米"

    /// The commands after the small village's, with every code and name spelled as `spell` gives.
    static func commands(_ spell: (String) -> String) -> [(Command, String, LocalDate)] {
        [(.registerHousehold(HouseholdCode(rawValue: spell(composed)), head: "周小梅", unit: "U01", members: 3), "张书记", "2025-02-01"),
         (.listItem(ItemCode(rawValue: spell(unified)), name: "金米", unit: "袋", price: 5), "张书记", "2025-02-01"),
         (.receiveStock(ItemCode(rawValue: spell(unified)), quantity: 10, source: "捐赠"), spell("Zo\u{E9}"), "2025-02-02"),
         (score(spell(composed), "C2.3"), spell("Zo\u{E9}"), "2025-02-03"),
         (.redeem(HouseholdCode(rawValue: spell(composed)), ItemCode(rawValue: spell(unified)), quantity: 1), "张书记", "2025-02-04")]
    }

    static func spelledApart(_ text: String) -> String {
        text.replacingOccurrences(of: composed, with: decomposed).replacingOccurrences(of: "Zo\u{E9}", with: "Zoe\u{301}")
            .replacingOccurrences(of: unified, with: compatibility)
    }

    @Test(arguments: StoreKind.allCases)
    func aCodeTypedInAnotherSpellingIsTheComposedOne(_ kind: StoreKind) throws {
        // Swift takes each pair for one string; their bytes differ.
        #expect(Self.decomposed == Self.composed && !Self.decomposed.utf8.elementsEqual(Self.composed.utf8))
        #expect(Self.compatibility == Self.unified && !Self.compatibility.utf8.elementsEqual(Self.unified.utf8))
        // The same commands typed composed, in memory, are the reference.
        let reference = try smallVillage(.memory)
        let store = try smallVillage(kind)
        for (command, actor, date) in Self.commands({ $0 }) { try reference.execute(command, by: actor, on: date) }
        for (command, actor, date) in Self.commands(Self.spelledApart) { try store.execute(command, by: actor, on: date) }
        let expected = try reference.links(), links = try store.links()
        #expect(links.count == expected.count && links.count == 8 + Self.commands({ $0 }).count)
        for (link, other) in zip(links, expected) {
            let same = link.canonicalBytes == other.canonicalBytes
            #expect(same, "event #\(link.fields.seq) differs: \(String(decoding: link.canonicalBytes, as: UTF8.self))")
        }
        // The code registered in the other spelling is the same code: refused as registered, in both spellings, nothing
        // written (the tables find it by its bytes).
        let head = try store.headText()
        for spelling in [Self.composed, Self.decomposed] {
            #expect(throws: Rejection.householdExists(HouseholdCode(rawValue: Self.composed))) {
                try store.execute(.registerHousehold(HouseholdCode(rawValue: spelling), head: "周小梅", unit: "U01", members: 1),
                                  by: "张书记", on: "2025-02-05")
            }
        }
        for spelling in [Self.unified, Self.compatibility] {
            #expect(throws: Rejection.itemExists(ItemCode(rawValue: Self.unified))) {
                try store.execute(.listItem(ItemCode(rawValue: spelling), name: "金米", unit: "袋", price: 5), by: "张书记", on: "2025-02-05")
            }
        }
        #expect(try store.headText() == head)
        // The tables hold one household, found by either spelling.
        let projections = try store.projections()
        #expect(projections.households.filter { $0.code.rawValue.utf8.elementsEqual(Self.composed.utf8) }.count == 1)
        #expect(projections.households.count == 4)
        #expect(projections.households.first { $0.code == HouseholdCode(rawValue: Self.composed) }?.earned ?? 0 > 0)
        // SQLite: what the live path wrote is what the log folds into, and the ledger verifies.
        if case .sqlite(let sqlite) = store.backing {
            _ = try sqlite.rebuild()
            let rebuilt = try store.projections()
            #expect(rebuilt == projections, "\(rebuilt.differences(from: projections))")
            let report = try sqlite.verify()
            #expect(report.isValid, "\(report.problems)")
        }
    }

    @Test func composingLeavesTheUsualCodeAsItIsAndComposesTheRest() {
        for code in ["H001", "U01", "oil", "张书记", "A1.2", "Hé"] {
            #expect(Array(Composed.text(code).utf8) == Array(code.utf8))
        }
        #expect(Array(Composed.text(Self.decomposed).utf8) == Array(Self.composed.utf8))
        #expect(Array(Composed.text(Self.compatibility).utf8) == Array(Self.unified.utf8))
        // Hangul typed as its jamo is the syllable.
        #expect(Array(Composed.text("\u{1100}\u{1161}").utf8) == Array("\u{AC00}".utf8))
        #expect(HouseholdCode(typed: Self.decomposed).rawValue.utf8.elementsEqual(Self.composed.utf8))
    }
}
