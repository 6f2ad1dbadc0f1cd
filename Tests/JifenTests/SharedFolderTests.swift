import Foundation
import Testing

/// An auditor (another account) reads the ledger in a folder both may write to: the read leaves nothing behind that
/// stops the ledger's owner from writing. Needs root to act as two other accounts (CI runs as root).
@Suite struct SharedFolder {
    static let isRoot = getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")

    /// Runs jifen (copied into the folder, so that either account may run it) as the given account.
    func jifen(_ office: Office, as user: String, _ arguments: [String]) throws -> Run {
        try office.run("/usr/bin/setpriv", ["--reuid=\(user)", "--regid=\(user)", "--clear-groups", "--", office.path("jifen")] + arguments,
                       environment: ["HOME": office.url.path])
    }

    @Test("a read by another account leaves the owner free to write", .enabled(if: isRoot))
    func anotherAccountReads() throws {
        let office = try Office()
        try FileManager.default.copyItem(atPath: jifenBinary.path, toPath: office.path("jifen"))
        try FileManager.default.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: office.url.path)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: office.url.deletingLastPathComponent().path)
        // The village office's account ("daemon" here) keeps the ledger; the auditor's ("bin") reads it.
        let owner = "daemon", auditor = "bin"
        expectOK(try jifen(office, as: owner, ["init", "--village", "牛角村", "--admin", "张书记", "--date", "2025-01-02"]))
        expectOK(try jifen(office, as: owner, ["unit", "add", "U01", "--name", "第一联户", "--by", "张书记"]))
        for read in [["verify"], ["balance"], ["audit", "verify"], ["log", "--json"]] {
            let run = try jifen(office, as: auditor, read)
            expectOK(run)
            let left = try FileManager.default.contentsOfDirectory(atPath: office.url.path).filter { $0.hasPrefix("jifen.sqlite-") }
            for name in left {
                let attributes = try FileManager.default.attributesOfItem(atPath: office.path(name))
                #expect(attributes[.ownerAccountName] as? String != auditor, "\(read) left \(name) owned by the auditor")
            }
        }
        expectOK(try jifen(office, as: owner, ["unit", "add", "U02", "--name", "第二联户", "--by", "张书记"]))
        expectOK(try jifen(office, as: auditor, ["verify"]))
        // The auditor's reads saw the owner's writes.
        let units = try jifen(office, as: auditor, ["unit", "list"]).out
        #expect(units.contains("U02"), "\(units)")
    }
}
