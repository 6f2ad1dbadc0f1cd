import Foundation

/// The county report's pictures as SVG text: drawn here, never fetched (no script, no font or image from elsewhere),
/// and the same bytes for the same report. Each is a `<svg>` to put in a page as it is: it scales to the width it is
/// given (a phone's or a sheet's) from its `viewBox`, its text in the reader's own sans-serif font (Chinese included),
/// and its two series told apart by lightness as well as hue, so that a black-and-white printout still shows them.
public enum CountyCharts {
    /// At most this many bars before the rest are summed into one ("其他 N 村", "其他 N 项").
    public static let most = 12

    /// The two series: dark (awarded) and light (redeemed).
    static let awardedColour = "#1f4e79"
    static let redeemedColour = "#e8a33d"

    /// Points awarded and redeemed at the shop in each month of the report, over its villages.
    public static func monthly(_ report: CountyReport, chinese: Bool) -> String {
        var sums: [String: (awarded: Int, redeemed: Int)] = [:]
        for month in report.months {
            sums[month.month, default: (0, 0)].awarded += month.awarded
            sums[month.month, default: (0, 0)].redeemed += month.redeemed
        }
        let months = Self.months(from: report.from, to: report.to)
        let title = chinese ? "每月发放与兑换积分" : "Points awarded and redeemed by month"
        var svg = SVG(width: 640, height: 320, title: title)
        let plot = (left: 64, top: 48, width: 560, height: 216)
        let top = max(1, months.map { max(sums[$0]?.awarded ?? 0, sums[$0]?.redeemed ?? 0) }.max() ?? 1)
        let axis = Scale(top: top)
        svg.legend(x: plot.left, y: 34, chinese: chinese)
        svg.yAxis(axis, left: plot.left, top: plot.top, width: plot.width, height: plot.height)
        guard !months.isEmpty else { return svg.finished }
        let slot = Double(plot.width) / Double(months.count)
        let bar = min(22.0, slot * 0.36)
        for (index, month) in months.enumerated() {
            let centre = Double(plot.left) + slot * (Double(index) + 0.5)
            let figures = sums[month] ?? (0, 0)
            for (offset, value, colour) in [(-bar, figures.awarded, awardedColour), (0.0, figures.redeemed, redeemedColour)] {
                let height = Double(plot.height) * Double(max(0, value)) / Double(axis.top)
                svg.rect(x: centre + offset, y: Double(plot.top + plot.height) - height, width: bar, height: height, fill: colour,
                         label: "\(month) \(value)")
            }
            // The month under its bars, and the year under January and under the first month.
            let (year, number) = (month.prefix(4), Int(month.suffix(2)) ?? 0)
            svg.label(x: centre, y: Double(plot.top + plot.height + 16), chinese ? "\(number)月" : Self.monthNames[max(0, min(11, number - 1))],
                      anchor: "middle")
            if index == 0 || number == 1 {
                svg.label(x: centre, y: Double(plot.top + plot.height + 31), chinese ? "\(year)年" : String(year), anchor: "middle", size: 10)
            }
        }
        return svg.finished
    }

    /// Points awarded and redeemed at the shop in the report's period, village by village: the villages with most
    /// awarded first, the rest summed.
    public static func villages(_ report: CountyReport, chinese: Bool) -> String {
        var sums: [String: (awarded: Int, redeemed: Int)] = [:]
        for month in report.months {
            sums[month.village, default: (0, 0)].awarded += month.awarded
            sums[month.village, default: (0, 0)].redeemed += month.redeemed
        }
        let names = Dictionary(report.villages.map { ($0.village, $0.name ?? $0.village) }, uniquingKeysWith: { first, _ in first })
        let ranked = sums.sorted { $0.value.awarded != $1.value.awarded ? $0.value.awarded > $1.value.awarded : $0.key < $1.key }
        var rows = ranked.prefix(most).map { (label: names[$0.key] ?? $0.key, values: [$0.value.awarded, $0.value.redeemed]) }
        if ranked.count > most {
            let rest = ranked.dropFirst(most)
            rows.append((label: chinese ? "其他 \(rest.count) 村" : "\(rest.count) others",
                         values: [rest.reduce(0) { $0 + $1.value.awarded }, rest.reduce(0) { $0 + $1.value.redeemed }]))
        }
        let title = chinese ? "各村发放与兑换积分（\(report.from) 至 \(report.to)）" : "Points by village (\(report.from) to \(report.to))"
        return bars(title: title, rows: rows, colours: [awardedColour, redeemedColour], legend: true, chinese: chinese)
    }

    /// The shop's redemptions in the report's period by item: points, with the count of redemptions beside each.
    public static func items(_ report: CountyReport, chinese: Bool) -> String {
        var rows = report.items.prefix(most).map { item in
            (label: "\(item.name)（\(item.count)\(chinese ? " 次" : "×")）", values: [item.points])
        }
        if report.items.count > most {
            let rest = report.items.dropFirst(most)
            rows.append((label: chinese ? "其他 \(rest.count) 项（\(rest.reduce(0) { $0 + $1.count }) 次）" : "\(rest.count) others (\(rest.reduce(0) { $0 + $1.count })×)",
                         values: [rest.reduce(0) { $0 + $1.points }]))
        }
        let title = chinese ? "按商品的兑换积分（\(report.from) 至 \(report.to)）" : "Points redeemed by item (\(report.from) to \(report.to))"
        return bars(title: title, rows: rows, colours: [redeemedColour], legend: false, chinese: chinese)
    }

    /// Horizontal bars, one group of `colours.count` per row, each with its value at its end.
    static func bars(title: String, rows: [(label: String, values: [Int])], colours: [String], legend: Bool, chinese: Bool) -> String {
        let bar = 14, gap = 2, group = colours.count * bar + (colours.count - 1) * gap + 12
        let plot = (left: 168, top: legend ? 56 : 40, width: 400)
        let height = plot.top + max(1, rows.count) * group + 24
        var svg = SVG(width: 640, height: height, title: title)
        if legend { svg.legend(x: plot.left, y: 38, chinese: chinese) }
        let axis = Scale(top: max(1, rows.flatMap(\.values).max() ?? 1))
        svg.xAxis(axis, left: plot.left, top: plot.top - 4, width: plot.width, height: rows.count * group + 4)
        for (index, row) in rows.enumerated() {
            let y = plot.top + index * group
            svg.label(x: Double(plot.left - 8), y: Double(y + (group - 12) / 2 + 5), Self.clipped(row.label), anchor: "end")
            for (series, value) in row.values.enumerated() {
                let top = Double(y + series * (bar + gap))
                let width = Double(plot.width) * Double(max(0, value)) / Double(axis.top)
                svg.rect(x: Double(plot.left), y: top, width: width, height: Double(bar), fill: colours[series % colours.count],
                         label: "\(row.label) \(value)")
                svg.label(x: Double(plot.left) + width + 4, y: top + Double(bar) - 3, "\(value)", anchor: "start", size: 11)
            }
        }
        return svg.finished
    }

    /// Every month from `from`'s to `to`'s (YYYY-MM), at most 120.
    static func months(from: String, to: String) -> [String] {
        guard let startYear = Int(from.prefix(4)), let startMonth = Int(from.dropFirst(5).prefix(2)),
              let endYear = Int(to.prefix(4)), let endMonth = Int(to.dropFirst(5).prefix(2)) else { return [] }
        var months: [String] = []
        var (year, month) = (startYear, startMonth)
        while (year, month) <= (endYear, endMonth) && months.count < 120 {
            months.append(String(format: "%04d-%02d", year, month))
            (year, month) = month == 12 ? (year + 1, 1) : (year, month + 1)
        }
        return months
    }

    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// A label of at most 14 characters (a long item or village name is cut with "…").
    static func clipped(_ text: String) -> String { text.count <= 14 ? text : String(text.prefix(13)) + "…" }

    /// An axis from 0 to a round number at or above the largest value, in at most 5 steps of 1, 2 or 5 × 10ⁿ (the
    /// smallest such step).
    struct Scale {
        let top: Int
        let step: Int

        init(top value: Int) {
            var power = 1, step = 1
            search: while true {
                for factor in [1, 2, 5] where power * factor * 5 >= value {
                    step = power * factor
                    break search
                }
                power *= 10
            }
            self.step = step
            top = max(step, (value + step - 1) / step * step)
        }

        var ticks: [Int] { Array(stride(from: 0, through: top, by: step)) }
    }

    /// The text of one picture, built element by element. Coordinates are written with at most one decimal, so the
    /// same figures give the same bytes.
    public struct SVG {
        private(set) var text: String

        init(width: Int, height: Int, title: String) {
            text = """
                <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(width) \(height)" width="100%" style="max-width:\(width)px;height:auto" \
                role="img" font-family="sans-serif" font-size="12"><title>\(SVG.escape(title))</title>
                <rect x="0" y="0" width="\(width)" height="\(height)" fill="#ffffff"/>
                <text x="8" y="20" font-size="15" font-weight="bold" fill="#111111">\(SVG.escape(title))</text>

                """
        }

        mutating func legend(x: Int, y: Int, chinese: Bool) {
            for (index, (name, colour)) in [(chinese ? "发放" : "awarded", awardedColour), (chinese ? "兑换" : "redeemed", redeemedColour)].enumerated() {
                let left = x + index * 96
                text += "<rect x=\"\(left)\" y=\"\(y - 10)\" width=\"12\" height=\"12\" fill=\"\(colour)\"/>"
                text += "<text x=\"\(left + 16)\" y=\"\(y)\" fill=\"#111111\">\(SVG.escape(name))</text>\n"
            }
        }

        /// A vertical scale at `left`, with light lines across the plot.
        mutating func yAxis(_ scale: Scale, left: Int, top: Int, width: Int, height: Int) {
            for tick in scale.ticks {
                let y = Double(top + height) - Double(height) * Double(tick) / Double(scale.top)
                text += "<line x1=\"\(left)\" y1=\"\(SVG.number(y))\" x2=\"\(left + width)\" y2=\"\(SVG.number(y))\" stroke=\"\(tick == 0 ? "#555555" : "#dddddd")\" stroke-width=\"1\"/>"
                text += "<text x=\"\(left - 6)\" y=\"\(SVG.number(y + 4))\" text-anchor=\"end\" fill=\"#333333\">\(tick)</text>\n"
            }
        }

        /// A horizontal scale along the top of the plot, with light lines down it.
        mutating func xAxis(_ scale: Scale, left: Int, top: Int, width: Int, height: Int) {
            for tick in scale.ticks {
                let x = Double(left) + Double(width) * Double(tick) / Double(scale.top)
                text += "<line x1=\"\(SVG.number(x))\" y1=\"\(top)\" x2=\"\(SVG.number(x))\" y2=\"\(top + height)\" stroke=\"\(tick == 0 ? "#555555" : "#dddddd")\" stroke-width=\"1\"/>"
                text += "<text x=\"\(SVG.number(x))\" y=\"\(top - 4)\" text-anchor=\"middle\" font-size=\"10\" fill=\"#333333\">\(tick)</text>\n"
            }
        }

        mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String, label: String) {
            text += "<rect x=\"\(SVG.number(x))\" y=\"\(SVG.number(y))\" width=\"\(SVG.number(width))\" height=\"\(SVG.number(height))\" fill=\"\(fill)\"><title>\(SVG.escape(label))</title></rect>\n"
        }

        mutating func label(x: Double, y: Double, _ words: String, anchor: String, size: Int = 12) {
            text += "<text x=\"\(SVG.number(x))\" y=\"\(SVG.number(y))\" text-anchor=\"\(anchor)\"\(size == 12 ? "" : " font-size=\"\(size)\"") fill=\"#111111\">\(SVG.escape(words))</text>\n"
        }

        /// A coordinate with at most one decimal ("12", "12.5"), never "-0".
        static func number(_ value: Double) -> String {
            let tenths = Int((value * 10).rounded())
            let sign = tenths < 0 ? "-" : ""
            let magnitude = abs(tenths)
            return magnitude % 10 == 0 ? "\(sign)\(magnitude / 10)" : "\(sign)\(magnitude / 10).\(magnitude % 10)"
        }

        /// Text as XML character data or an attribute's value (also what the county's page writes its text with).
        public static func escape(_ text: String) -> String {
            var escaped = ""
            escaped.reserveCapacity(text.utf8.count)
            for character in text.unicodeScalars {
                switch character {
                case "&": escaped += "&amp;"
                case "<": escaped += "&lt;"
                case ">": escaped += "&gt;"
                case "\"": escaped += "&quot;"
                case "'": escaped += "&#39;"
                // Control characters are not allowed in XML 1.0 (save tab and newline).
                case _ where character.value < 0x20 && character != "\t" && character != "\n": escaped += " "
                default: escaped.unicodeScalars.append(character)
                }
            }
            return escaped
        }
    }

    /// The SVG's closing tag: every picture's text ends with it.
    static let end = "</svg>\n"
}

extension CountyCharts.SVG {
    /// The finished picture.
    var finished: String { text + CountyCharts.end }
}
