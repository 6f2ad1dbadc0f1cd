import ArgumentParser
import Foundation
import Jifen
import JifenAudit

/// `jifen county`: a county folder of village ledgers, which `jifen serve --county` serves to the villages' pushes.
struct CountyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "county",
        abstract: "The county's copy of its villages' ledgers (县级存证): make the folder, add villages, list their heads.",
        subcommands: [CountyInit.self, CountyAdd.self, CountyList.self])
}

struct CountyInit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Make a county folder; its receipts are signed by --key (made, with KEY.pub beside it, if it does not exist).",
        discussion: "Prints the county administrator's token once (for `GET /api/v1/villages`); the folder keeps only its hash.")
    @Argument(help: "The folder.") var folder: String
    @Option(help: ArgumentHelp("The county's signing key file, e.g. county.key.", valueName: "file")) var key: String
    @Option(help: ArgumentHelp("zh or en.", valueName: "lang")) var lang: Language?

    func run() throws {
        let l = lang ?? Console.current.variable("JIFEN_LANG").flatMap(Language.init(rawValue:)) ?? .zh
        let keyPath = Console.current.resolved(key)
        let signing: SigningKey
        if FileManager.default.fileExists(atPath: keyPath) {
            signing = try SigningKey(file: String(decoding: try readFile(key), as: UTF8.self))
        } else {
            signing = SigningKey()
            let publicPath = (keyPath.hasSuffix(".key") ? String(keyPath.dropLast(4)) : keyPath) + ".pub"
            guard FileManager.default.createFile(atPath: keyPath, contents: Data(signing.privateFile.utf8), attributes: [.posixPermissions: 0o600]),
                  FileManager.default.createFile(atPath: publicPath, contents: Data(signing.publicFile.utf8), attributes: [.posixPermissions: 0o644]) else {
                throw CLIError(zh: "无法写入 \(key)；请确认文件夹存在并且可以写入。", en: "Cannot write \(key); check the folder exists and may be written to.")
            }
            print(say(l, "已生成县里的签名密钥 \(key)（仅本人可读，妥善保管）和 \(publicPath)（交给各村和审计）。",
                      "Made the county's signing key \(key) (readable by you only; keep it safe) and \(publicPath) (for the villages and auditors)."))
        }
        let token: String
        do {
            token = try CountyFolders.create(at: Console.current.resolved(folder), publicKey: signing.key.publicKey.rawRepresentation.base64EncodedString())
        } catch let error as CountyFolders.Problem {
            throw CLIError(zh: "县级文件夹没能建成：\(error)", en: "The county folder could not be made: \(error)")
        }
        print(say(l, "已建县级文件夹 \(folder)。管理员令牌（只显示这一次）：", "Made the county folder \(folder). The administrator's token (shown this once):"))
        print(token)
    }
}

struct CountyAdd: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a village to the county and print its sync key once (the folder keeps only its hash).")
    @Argument(help: "The village's name in the county: letters, digits, - and _.") var village: String
    @Option(help: ArgumentHelp("The county folder.", valueName: "folder")) var folder: String
    @Option(help: ArgumentHelp("Also write the key to this file (readable by you only).", valueName: "file")) var out: String?
    @Option(help: ArgumentHelp("zh or en.", valueName: "lang")) var lang: Language?

    func run() throws {
        let l = lang ?? Console.current.variable("JIFEN_LANG").flatMap(Language.init(rawValue:)) ?? .zh
        let key: String
        do {
            key = try CountyFolders.add(village: village, folder: Console.current.resolved(folder), on: ISO8601DateFormatter().string(from: Date()))
        } catch let error as CountyFolders.Problem {
            throw CLIError(zh: "没能加上 \(village)：\(error)", en: "\(village) could not be added: \(error)")
        }
        if let out {
            guard FileManager.default.createFile(atPath: Console.current.resolved(out), contents: Data((key + "\n").utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CLIError(zh: "无法写入 \(out)。", en: "Cannot write \(out).")
            }
        }
        print(say(l, "已加上 \(village)。它的同步密钥（只显示这一次，交给村里存进密钥文件）：", "Added \(village). Its sync key (shown this once; give it to the village for its key file):"))
        print(key)
    }
}

struct CountyList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every village of the county with its head as the county holds it.")
    @Option(help: ArgumentHelp("The county folder.", valueName: "folder")) var folder: String
    @Flag(help: "Print JSON for scripts.") var json = false
    @Option(help: ArgumentHelp("zh or en.", valueName: "lang")) var lang: Language?

    func run() throws {
        let l = lang ?? Console.current.variable("JIFEN_LANG").flatMap(Language.init(rawValue:)) ?? .zh
        let rows: [CountyFolders.Village]
        do {
            rows = try CountyFolders.villages(folder: Console.current.resolved(folder))
        } catch let error as CountyFolders.Problem {
            throw CLIError(zh: "读不了县级文件夹：\(error)", en: "The county folder cannot be read: \(error)")
        }
        if json { return try printJSON(rows) }
        for row in rows {
            print(say(l, "\(row.village)\t\(row.name ?? "（尚未推送）")\t\(row.events) 条事件\t\(row.head)",
                      "\(row.village)\t\(row.name ?? "(nothing pushed yet)")\t\(row.events) events\t\(row.head)"))
        }
    }
}
