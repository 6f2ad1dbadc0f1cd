import Foundation
import Testing

@Suite struct Statements {
    /// The statement adds up: opening + the final entries = closing, and the verification line is the log's head.
    @Test func theFiguresAddUpAndTheVerificationLineIsTheHead() throws {
        let office = try Golden().village()
        let statement = try #require(try office.json("statement", "H001", "--period", "2025", "--date", "2025-04-30") as? [String: Any])
        let lines = try #require(statement["lines"] as? [[String: Any]])
        let counted = lines.filter { ["final", "reversed"].contains($0["status"] as? String ?? "") }.reduce(0) { $0 + ($1["points"] as! Int) }
        #expect(statement["opening"] as? Int == 0)
        #expect((statement["opening"] as! Int) + counted == statement["closing"] as? Int)
        #expect(statement["closing"] as? Int == 4 && statement["available"] as? Int == 4)
        let verify = try #require(try office.json("verify") as? [String: Any])
        #expect(statement["headHash"] as? String == verify["head"] as? String)
        #expect(statement["headSeq"] as? Int == verify["events"] as? Int)
        let text = try office.jifen("statement", "H001", "--period", "2025").out
        let groups = (verify["head"] as! String).chunked(8)
        #expect(text.contains(groups.joined(separator: " ")), "the whole hash is printed")
        // The auditor's check of the paper against the log.
        expectOK(try office.jifen("verify", "--head", "\(verify["events"]!):\(verify["head"]!)"))
    }

    @Test func everyHouseholdInOneFileSeparatedByFormFeeds() throws {
        let office = try Golden().village()
        let run = try office.jifen("statement", "--all", "--period", "2025-03", "--out", "march.txt", "--date", "2025-04-30")
        expectOK(run)
        let text = try String(contentsOfFile: office.path("march.txt"), encoding: .utf8)
        #expect(text.components(separatedBy: "\u{0C}").count == 3)
        #expect(text.contains("户号 H001") && text.contains("户号 H002") && text.contains("户号 H003"))
        let html = try office.jifen("statement", "--all", "--period", "2025-03", "--format", "html", "--date", "2025-04-30").out
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.components(separatedBy: "<section class=\"statement\">").count == 4)
        #expect(html.contains("@page { size: A4") && html.contains("第 3 页 共 3 页"))
        expectRefused(try office.jifen("statement", "H009", "--period", "2025-03"), mentioning: "no household H009")
        #expect(try office.jifen("statement", "H001", "--period", "2025-13").status == 64)
    }
}

extension String {
    func chunked(_ size: Int) -> [String] {
        var out: [String] = [], rest = Substring(self)
        while !rest.isEmpty { out.append(String(rest.prefix(size))); rest = rest.dropFirst(size) }
        return out
    }
}
