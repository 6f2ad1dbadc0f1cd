/// The reference scheme and price list of seed/, carried in the code by SwiftPM (`.embedInCode` in Package.swift), so
/// that `jifen` runs from any folder and as a binary copied alone, with no resource bundle to find.
public enum ReferenceSeed {
    /// seed/reference-scheme.yaml
    public static let schemeYAML = text(PackageResources.reference_scheme_yaml)
    /// seed/price-list.csv
    public static let priceListCSV = text(PackageResources.price_list_csv)

    /// A file's text without its final line feed, as the seed has always been read.
    static func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes.last == 0x0A ? bytes.dropLast() : bytes[...], as: UTF8.self)
    }
}
