import CZlib
import Foundation

/// The parts of a zip held in memory, found by its central directory and each inflated with zlib only when asked for,
/// never past a limit.
///
/// Written here rather than read through ZIPFoundation (which writes Jifen's workbooks) because libFuzzer found three
/// faults in ZIPFoundation 0.9.20's reading of hostile zips: its archive in memory traps on an entry whose offset lies
/// past the end of the data, and leaks when it finds no end record; and on Linux its inflate loop never ends when a
/// deflated entry's stream runs to the end of the file without finishing (it reads empty chunks for ever). Here every
/// offset and size is checked against the file before it is used, and inflating stops at the end of the entry's own
/// bytes. zlib is ZIPFoundation's (its module CZlib, Debian's libz).
struct ZipParts {
    struct Part {
        let method: UInt16
        let flags: UInt16
        let crc: UInt32
        let compressed: Int
        let uncompressed: Int
        let localHeader: Int
    }

    let data: Data
    private(set) var parts: [String: Part] = [:]

    struct Damaged: Error {
        let zh: String, en: String
    }

    struct TooLarge: Error {
        let limit: Int
    }

    struct TooMany: Error {}

    init(_ data: Data, maxParts: Int) throws {
        self.data = data
        let bytes = [UInt8](data)
        guard let end = ZipParts.endRecord(bytes) else {
            throw Damaged(zh: "它不是完整的 zip 压缩包", en: "it is not a whole zip archive")
        }
        let count = ZipParts.u16(bytes, end + 10)
        let size = Int(ZipParts.u32(bytes, end + 12)), offset = Int(ZipParts.u32(bytes, end + 16))
        guard count != 0xFFFF, size != 0xFFFF_FFFF, offset != 0xFFFF_FFFF else {
            throw Damaged(zh: "它是 ZIP64 压缩包，Excel 不会把工作表存成这样", en: "it is a ZIP64 archive, which Excel never makes of a workbook")
        }
        guard offset + size <= end else { throw Damaged(zh: "zip 目录越出了文件", en: "its zip directory lies outside the file") }
        guard Int(count) <= maxParts else { throw TooMany() }
        var position = offset
        for _ in 0..<count {
            guard position + 46 <= offset + size, ZipParts.u32(bytes, position) == 0x0201_4B50 else {
                throw Damaged(zh: "zip 目录损坏了", en: "its zip directory is damaged")
            }
            let nameLength = Int(ZipParts.u16(bytes, position + 28)), extra = Int(ZipParts.u16(bytes, position + 30))
            let comment = Int(ZipParts.u16(bytes, position + 32))
            guard position + 46 + nameLength + extra + comment <= offset + size else {
                throw Damaged(zh: "zip 目录损坏了", en: "its zip directory is damaged")
            }
            let name = String(decoding: bytes[(position + 46)..<(position + 46 + nameLength)], as: UTF8.self)
            let part = Part(method: ZipParts.u16(bytes, position + 10), flags: ZipParts.u16(bytes, position + 8),
                            crc: ZipParts.u32(bytes, position + 16), compressed: Int(ZipParts.u32(bytes, position + 20)),
                            uncompressed: Int(ZipParts.u32(bytes, position + 24)), localHeader: Int(ZipParts.u32(bytes, position + 42)))
            // The first of a name, as a reader that looks names up in order would take it.
            if parts[name] == nil { parts[name] = part }
            position += 46 + nameLength + extra + comment
        }
    }

    /// The end-of-central-directory record's offset: the signature nearest the end, in the last 65,557 bytes (22, and a
    /// comment of at most 65,535), with its comment inside the file.
    static func endRecord(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 22 else { return nil }
        var position = bytes.count - 22
        let lowest = max(0, bytes.count - 65_557)
        while position >= lowest {
            if u32(bytes, position) == 0x0605_4B50 {
                return position + 22 + Int(u16(bytes, position + 20)) <= bytes.count ? position : nil
            }
            position -= 1
        }
        return nil
    }

    /// A part's bytes, inflated, or nil when the zip has none of that name; `TooLarge` past `limit` bytes.
    func read(_ name: String, limit: Int) throws -> Data? {
        guard let part = parts[name] else { return nil }
        let damaged = Damaged(zh: "\(name) 在 zip 里的位置不对", en: "\(name) is not where the zip's directory says")
        guard part.flags & 1 == 0 else { throw Damaged(zh: "\(name) 是加密的", en: "\(name) is encrypted") }
        let header = part.localHeader
        guard header + 30 <= data.count else { throw damaged }
        let (signature, nameLength, extra) = data.withUnsafeBytes { raw -> (UInt32, Int, Int) in
            let bytes = raw.bindMemory(to: UInt8.self)
            func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
            return (UInt32(u16(header)) | UInt32(u16(header + 2)) << 16, u16(header + 26), u16(header + 28))
        }
        let start = header + 30 + nameLength + extra
        guard signature == 0x0403_4B50, start + part.compressed <= data.count else { throw damaged }
        let output: Data
        switch part.method {
        case 0:
            guard part.compressed <= limit else { throw TooLarge(limit: limit) }
            output = data.subdata(in: (data.startIndex + start)..<(data.startIndex + start + part.compressed))
        case 8:
            output = try ZipParts.inflate(data, from: start, count: part.compressed, limit: limit, name: name)
        default:
            throw Damaged(zh: "\(name) 用了 Excel 不用的压缩方法（\(part.method)）", en: "\(name) is compressed by a method Excel does not use (\(part.method))")
        }
        let crc = output.withUnsafeBytes { raw -> UInt32 in
            guard let base = raw.bindMemory(to: Bytef.self).baseAddress else { return 0 }
            return UInt32(truncatingIfNeeded: crc32(0, base, uInt(raw.count)))
        }
        guard crc == part.crc else {
            throw Damaged(zh: "\(name) 的校验和不对（文件损坏了）", en: "\(name) fails its checksum (the file is damaged)")
        }
        return output
    }

    /// Raw deflate of `count` bytes from `start`: at most `limit` bytes out, and an error when the stream does not end
    /// within its bytes.
    static func inflate(_ data: Data, from start: Int, count: Int, limit: Int, name: String) throws -> Data {
        let broken = Damaged(zh: "\(name) 解压不出来", en: "\(name) does not inflate")
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { throw broken }
        defer { inflateEnd(&stream) }
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        try data.withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: Bytef.self).baseAddress else { throw broken }
            stream.next_in = UnsafeMutablePointer(mutating: base + start)
            stream.avail_in = uInt(count)
            while true {
                let status = buffer.withUnsafeMutableBufferPointer { out -> Int32 in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    return CZlib.inflate(&stream, Z_NO_FLUSH)
                }
                let produced = buffer.count - Int(stream.avail_out)
                guard output.count + produced <= limit else { throw TooLarge(limit: limit) }
                output.append(contentsOf: buffer[..<produced])
                if status == Z_STREAM_END { return }
                // Z_OK consumed input or made output; anything else (Z_BUF_ERROR: the bytes ran out before the stream
                // ended) is a damaged part.
                guard status == Z_OK else { throw broken }
            }
        }
        return output
    }

    static func u16(_ bytes: [UInt8], _ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
    static func u32(_ bytes: [UInt8], _ at: Int) -> UInt32 { UInt32(u16(bytes, at)) | UInt32(u16(bytes, at + 2)) << 16 }
}
