/// Text laid out for a terminal or a fixed-width printer, where a Chinese character takes two columns.
public enum DisplayWidth {
    /// Columns a string takes on a terminal: East Asian wide and fullwidth characters take two, combining marks none.
    public static func of(_ text: some StringProtocol) -> Int {
        var width = 0
        for scalar in text.unicodeScalars { width += of(scalar) }
        return width
    }

    static let wide: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
        0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
        0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    public static func of(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        // The common cases first: printable ASCII, and the CJK ideographs.
        if v >= 0x20 && v < 0x7F { return 1 }
        if v >= 0x4E00 && v <= 0x9FFF { return 2 }
        if v == 0 || scalar.properties.generalCategory == .nonspacingMark || scalar.properties.generalCategory == .enclosingMark
            || (0x200B...0x200F).contains(v) || v == 0xFE0F {
            return 0
        }
        if v < 0x1100 { return 1 }
        return wide.contains { $0.contains(v) } ? 2 : 1
    }

    /// Pads (or cuts, marking the cut with "..") to exactly `width` columns. The mark is ASCII because "…"
    /// is two columns wide on many Chinese terminals and one on others.
    public static func fit(_ text: String, _ width: Int, alignRight: Bool = false) -> String {
        var text = text
        if of(text) > width {
            var cut = ""
            var used = 0
            for character in text {
                let w = of(String(character))
                if used + w > width - 2 { break }
                cut.append(character)
                used += w
            }
            text = cut + ".."
        }
        let padding = String(repeating: " ", count: max(0, width - of(text)))
        return alignRight ? padding + text : text + padding
    }
}

/// A table of rows, aligned by display width. Columns marked numeric align right.
public struct TextTable {
    public var headers: [String]
    public var numeric: Set<Int>
    public var rows: [[String]] = []
    /// A column wider than this is cut with an ellipsis (notes can be long).
    public var widthMax: Int = 40

    public init(headers: [String], numeric: Set<Int> = []) {
        self.headers = headers
        self.numeric = numeric
    }

    public mutating func add(_ row: [String]) { rows.append(row) }

    public func render() -> String {
        var widths = headers.map { DisplayWidth.of($0) }
        for row in rows {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = min(max(widths[index], DisplayWidth.of(cell)), widthMax)
            }
        }
        func line(_ cells: [String]) -> String {
            var parts: [String] = []
            for (index, width) in widths.enumerated() {
                let cell = index < cells.count ? cells[index] : ""
                parts.append(DisplayWidth.fit(cell, width, alignRight: numeric.contains(index)))
            }
            var text = parts.joined(separator: "  ")
            while text.hasSuffix(" ") { text.removeLast() }
            return text
        }
        var out = [line(headers), line(widths.map { String(repeating: "-", count: $0) })]
        out += rows.map(line)
        return out.joined(separator: "\n") + "\n"
    }
}
