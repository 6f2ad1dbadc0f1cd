import CXCrypt
import Foundation

/// bcrypt, by Debian's libxcrypt (the library behind the system's own `crypt`, kept by the distribution): the hash is
/// the usual modular crypt text (`$2b$10$` and 53 characters of salt and digest), which any bcrypt reads. Chosen over a
/// Swift package so that the CLI links one small system library, not a web framework's package graph.
package enum Bcrypt {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "libxcrypt could not make a bcrypt hash" }
    }

    /// A new salted hash of `password` at `cost` (2^cost rounds), the salt from the system's randomness.
    package static func hash(_ password: String, cost: UInt8) throws -> String {
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        guard crypt_gensalt_rn("$2b$", UInt(cost), nil, 0, &setting, Int32(setting.count)) != nil,
              let hashed = crypt(password, setting: String(decoding: setting.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        else { throw Failure() }
        return hashed
    }

    /// Whether `password` is the one `hash` was made from; compared in time that does not depend on where they differ.
    package static func verify(_ password: String, hash: String) -> Bool {
        guard let computed = crypt(password, setting: hash) else { return false }
        let (a, b) = (Array(computed.utf8), Array(hash.utf8))
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// libxcrypt's `crypt_rn` with its work area of its own: nil where it fails (it answers a text starting with `*`).
    private static func crypt(_ password: String, setting: String) -> String? {
        let size = MemoryLayout<crypt_data>.size
        let data = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<crypt_data>.alignment)
        data.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        defer {
            data.initializeMemory(as: UInt8.self, repeating: 0, count: size)
            data.deallocate()
        }
        guard let out = crypt_rn(password, setting, data, Int32(size)) else { return nil }
        let text = String(cString: out)
        return text.hasPrefix("*") ? nil : text
    }
}
