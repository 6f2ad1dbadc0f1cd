import Foundation
import Jifen
import JifenCore

/// One line saying what an event was, for `log`: the payload says it (`EventPayload.summary`).
func summary(of event: LedgerEvent, _ l: Language) -> String {
    event.summary(chinese: l == .zh)
}

/// What an entry of a household's history was, and its note, as two columns: the household, the points and
/// the running balance have columns of their own there. The payload says it (`EventPayload.historyLine`).
func historyLine(of event: LedgerEvent, _ l: Language) -> (what: String, note: String) {
    event.historyLine(chinese: l == .zh)
}
