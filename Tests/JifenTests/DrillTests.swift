import Foundation
import Testing

/// Short runs of the reliability drills (docs/RELIABILITY.md gives the long ones and their figures): random single-byte
/// flips in a copy of a ledger, and kills and concurrent writers on copies of it.
@Suite struct ReliabilityDrills {
    func drill(_ name: String, _ arguments: [String]) throws -> Run {
        let office = try Golden().village()
        return try office.run("/usr/bin/env", ["python3", packageRoot.appendingPathComponent("scripts/\(name)").path, "jifen.sqlite"]
                              + arguments + ["--jifen", jifenBinary.path])
    }

    @Test("every byte flip that changes what SQLite reads is reported by verify; none crashes a command")
    func flips() throws {
        let run = try drill("flip-drill", ["--flips", "12", "--seed", "7"])
        #expect(run.status == 0, "\(run.out)\(run.err)")
        #expect(run.out.contains("0 missed") && run.out.contains("0 flips crashed"), "\(run.out.suffix(600))")
    }

    @Test("kills leave no half batch and lose no committed event; writers side by side lose nothing")
    func crashes() throws {
        let run = try drill("crash-drill", ["--kills", "4", "--rows", "150", "--writers", "2", "--records", "4"])
        #expect(run.status == 0, "\(run.out)\(run.err)")
        #expect(run.out.contains("0 part of it") && run.out.contains("0 lost"), "\(run.out)")
    }
}
