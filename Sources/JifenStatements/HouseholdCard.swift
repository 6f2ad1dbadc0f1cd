/// A household's door card (扫码积分): the village, the household, and the link its QR code holds, which opens a
/// read-only page of the household's points. Printed by `jifen household card` as text or, through jifen-pdf, as a
/// PDF with the QR code.
public struct HouseholdCardSheet: Codable, Sendable, Equatable {
    public let village: String
    public let household: String
    public let head: String
    public let link: String
    public let issuedOn: String

    public init(village: String, household: String, head: String, link: String, issuedOn: String) {
        self.village = village
        self.household = household
        self.head = head
        self.link = link
        self.issuedOn = issuedOn
    }

    /// The card as text, for a printer without the PDF helper (the link typed out instead of drawn).
    public func text(_ language: StatementLanguage) -> String {
        switch language {
        case .zh:
            return """
                \(village) 积分卡
                户号 \(household)    户主 \(head)
                扫码或打开下面的地址，查看本户积分（只能查看，不能修改）：
                \(link)
                发卡日期 \(issuedOn)。补发新卡后，这张卡即作废；请妥善保管，不要拍照外传。

                """
        case .en:
            return """
                \(village) points card
                Household \(household)    head \(head)
                Scan the code or open this address to see the household's points (read only):
                \(link)
                Issued \(issuedOn). A new card replaces this one, which then stops working; keep it to the household.

                """
        }
    }
}
