import Foundation
import HTTPTypes
import Hummingbird
import Jifen
import JifenCore

/// Every refusal the server gives: a status, and `{"error": KIND, "message": 中文, "messageEn": English}`, with the
/// refused lines of a tally sheet when there are any. A refusal from `decide` is 422 with its kind (the name of the
/// `Rejection`'s case), or 403 when the acting person's role does not allow the deed, or 409 when an idempotency key
/// was used for something else.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let kind: String
    public let message: String
    public let messageEn: String
    /// A tally sheet's refused lines.
    public var lines: [Line]? = nil
    /// Seconds before trying again is worth it (429, 503).
    public var retryAfter: Int? = nil

    public struct Line: Encodable, Sendable {
        public let line: Int, message: String, messageEn: String
    }

    public init(_ status: HTTPResponse.Status, _ kind: String, zh: String, en: String) {
        self.status = status
        self.kind = kind
        message = zh
        messageEn = en
    }

    struct Body: Encodable {
        let error: String, message: String, messageEn: String
        let lines: [Line]?
    }

    public var body: Data {
        (try? APIJSON.encoder.encode(Body(error: kind, message: message, messageEn: messageEn, lines: lines))) ?? Data("{}".utf8)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        if let retryAfter { headers[.retryAfter] = "\(retryAfter)" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    // MARK: The refusals the server itself makes

    static let unauthenticated = APIError(.unauthorized, "unauthenticated", zh: "请先登录。",
                                          en: "Log in first.")
    static let wrongPassword = APIError(.unauthorized, "wrongPassword", zh: PasswordRefusal.wrong.chinese,
                                        en: PasswordRefusal.wrong.description)
    static let csrf = APIError(.forbidden, "csrf", zh: "页面已过期或来源不明，请刷新页面后再提交。",
                               en: "The page has expired or did not come from this server; reload it and submit again.")
    static func badRequest(_ zh: String, _ en: String) -> APIError { APIError(.badRequest, "badRequest", zh: zh, en: en) }
    static func notFound(_ zh: String, _ en: String) -> APIError { APIError(.notFound, "notFound", zh: zh, en: en) }
    static let noRoute = APIError(.notFound, "notFound", zh: "没有这个地址；请从首页进入，或核对地址。",
                                  en: "There is nothing at this address; start from the home page, or check the address.")

    /// The refusal for any error a handler threw: the domain's, the ledger's, a sheet's, or (last) an unexpected one,
    /// which says nothing of its insides.
    public init(_ error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let rejection as Rejection:
            self = APIError(rejection)
        case let refusal as PasswordRefusal:
            switch refusal {
            case .wrong: self = .wrongPassword
            case .throttled(let minutes):
                self = APIError(.tooManyRequests, "throttled", zh: refusal.chinese, en: refusal.description)
                retryAfter = minutes * 60
            default:
                self = APIError(.unprocessableContent, Self.caseName(of: refusal), zh: refusal.chinese, en: refusal.description)
            }
        case let rejected as BatchRejected:
            self = APIError(.unprocessableContent, "sheetRefused", zh: rejected.chinese, en: rejected.description)
            lines = rejected.problems.map { Line(line: $0.line, message: $0.chinese, messageEn: $0.problem) }
        case let failure as LedgerError:
            switch failure.kind {
            case .busy, .readOnly:
                self = APIError(.serviceUnavailable, failure.kind == .busy ? "busy" : "readOnly", zh: failure.chinese, en: failure.description)
                retryAfter = 5
            case .conflict:
                self = APIError(.conflict, "conflict", zh: failure.chinese, en: failure.description)
            case .damaged, .diskFull, .unusable, .noLedger, .notALedger:
                // What is wrong with the file (its path, SQLite's words, stored values) is for the log and the
                // administrator, not for a phone: the client hears that nothing was written.
                self = APIError(.internalServerError, failure.kind == .damaged ? "damaged" : "unusable",
                                zh: "服务器的账本出了问题，这次操作没有写入；请告诉管理员（详情在服务器日志里）。",
                                en: "The server's ledger has a problem and nothing was written; tell the administrator (the server's log has the details).")
            }
        case let refusal as ReceiptRefusal:
            if case .noEvent = refusal.problem {
                self = APIError(.notFound, "notFound", zh: refusal.chinese, en: refusal.description)
            } else {
                self = APIError(.unprocessableContent, "noReceipt", zh: refusal.chinese, en: refusal.description)
            }
        case let malformed as CSVTable.Malformed:
            self = APIError(.unprocessableContent, "sheetUnreadable", zh: malformed.chinese, en: malformed.description)
        case let undecodable as SheetText.Undecodable:
            self = APIError(.unprocessableContent, "sheetUnreadable", zh: undecodable.chinese, en: undecodable.description)
        case let http as HTTPError where http.status == .contentTooLarge:
            self = APIError(.contentTooLarge, "tooLarge", zh: "提交的内容太大；请分成几个较小的文件再传。",
                            en: "What was sent is too large; split it into smaller files and send them one by one.")
        default:
            self = APIError(.internalServerError, "internal", zh: "服务器出错，这次操作没有写入；请稍后再试，并告诉管理员。",
                            en: "The server failed; nothing was written. Try again later and tell the administrator.")
        }
    }

    init(_ rejection: Rejection) {
        let kind = rejection.kind.rawValue
        let status: HTTPResponse.Status = switch rejection {
        case .roleNotAllowed, .leaderOutsideUnit, .auditorOnlyReads, .actorRetired, .actorUnknown: .forbidden
        case .keyUsedForAnotherEntry: .conflict
        default: .unprocessableContent
        }
        self.init(status, kind, zh: rejection.chinese(how: nil), en: rejection.english(how: nil))
    }

    static func caseName(of refusal: PasswordRefusal) -> String {
        if let label = Mirror(reflecting: refusal).children.first?.label { return label }
        switch refusal {
        case .wrong: return "wrongPassword"
        case .mismatch: return "mismatch"
        case .controlCharacter: return "controlCharacter"
        default: return "refused"
        }
    }
}

/// How the API writes JSON: keys sorted, slashes as they are, so that the same answer is the same bytes.
enum APIJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder = JSONDecoder()

    /// `value` as a 200 (or `status`) response.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"]
        headers.append(contentsOf: extra)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}
