import Foundation
import Testing

@Suite struct Walkthrough {
    /// The README's "clerk's month" runs as written.
    @Test func theReadmeWalkthroughRunsAsWritten() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let marker = try #require(readme.range(of: "<!-- walkthrough"))
        let afterMarker = readme[marker.upperBound...]
        let start = try #require(afterMarker.range(of: "```sh\n"))
        let end = try #require(afterMarker[start.upperBound...].range(of: "```"))
        let block = String(afterMarker[start.upperBound..<end.lowerBound])
        // `swift build && export PATH=…` is already done: the test puts the built jifen on the path.
        let script = block.split(separator: "\n").filter { !$0.hasPrefix("swift build") }.joined(separator: "\n")
        #expect(script.contains("jifen verify"))

        let office = try Office()
        try FileManager.default.createDirectory(atPath: office.path("docs"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: packageRoot.appendingPathComponent("docs/examples").path, toPath: office.path("docs/examples"))
        let run = try office.run("/bin/bash", ["-e", "-o", "pipefail", "-c", script])
        #expect(run.status == 0, "the walkthrough stopped: \(run.err)")
        #expect(run.out.contains("已导入 docs/examples/2025-03-tally.csv：12 条记分"))
        #expect(run.out.contains("已冲正 #19"))
        #expect(run.out.contains("账本完整"))

        let h001 = try #require(try office.json("balance", "H001") as? [String: Any])
        #expect(h001["household"] as? String == "H001")
        #expect(h001["earned"] as? Int == 14)
        #expect(h001["deducted"] as? Int == 0)
        #expect(h001["redeemed"] as? Int == 6)
        #expect(h001["available"] as? Int == 8)
        let h004 = try #require(try office.json("balance", "H004") as? [String: Any])
        #expect(h004["available"] as? Int == 0, "H004's wrongly recorded score was reversed")
    }
}
