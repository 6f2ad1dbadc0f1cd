import Yams

/// Reads a scheme from its human-editable YAML file (see `seed/reference-scheme.yaml`) and validates it.
///
/// Every fault names the field it is in (`rules[4] (A2.1).cap`) and the line of the file, so that a
/// clerk editing the file in a text editor can find it.
public enum SchemeFile {
    public static func parse(_ text: String) throws(SchemeProblem) -> Scheme {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw SchemeProblem(field: "", reason: "the file is empty; start from seed/reference-scheme.yaml", zh: "文件是空的；请从 seed/reference-scheme.yaml 改起")
            }
            root = node
        } catch let problem as SchemeProblem {
            throw problem
        } catch {
            throw SchemeProblem(field: "", reason: "the file is not valid YAML (\(error))", zh: "文件不是合格的 YAML（\(error)）")
        }
        guard root.mapping != nil else { throw SchemeProblem(field: "", reason: "the file must be a mapping with name, settings, categories, indicators and rules",
                                                              zh: "文件应由 name、settings、categories、indicators、rules 几项组成") }
        let reader = Reader()
        let name = try reader.text(root, "name", at: "")
        let settings = try reader.settings(root["settings"])
        try reader.onlyKeys(root, ["name", "settings", "categories", "indicators", "rules"], at: "")
        let categories = try reader.list(root, "categories", keys: ["code", "zh", "en"]) { (node, path) throws(SchemeProblem) in
            Category(code: try reader.code(node, at: path), zh: try reader.text(node, "zh", at: path), en: try reader.text(node, "en", at: path))
        }
        let indicators = try reader.list(root, "indicators", keys: ["code", "category", "zh", "en"]) { (node, path) throws(SchemeProblem) in
            Indicator(code: try reader.code(node, at: path), category: Composed.text(try reader.text(node, "category", at: path)),
                      zh: try reader.text(node, "zh", at: path), en: try reader.text(node, "en", at: path))
        }
        let rules = try reader.list(root, "rules", keys: ["code", "indicator", "zh", "en", "points", "cap"]) { (node, path) throws(SchemeProblem) in
            let code = try reader.code(node, at: path)
            let field = "\(path) (\(code))"
            let points = try reader.parsed(node, "points", at: field, RulePoints.parse)
            let cap: Cap? = node["cap"].flatMap { $0.scalar?.string }.flatMap { ["", "-", "—", "none"].contains($0) ? nil : $0 } == nil
                ? nil : try reader.parsed(node, "cap", at: field, Cap.parse)
            return Rule(code: RuleCode(code), indicator: Composed.text(try reader.text(node, "indicator", at: field)),
                        zh: try reader.text(node, "zh", at: field), en: try reader.text(node, "en", at: field),
                        points: points, cap: cap)
        }
        let scheme = Scheme(name: name, settings: settings, categories: categories, indicators: indicators, rules: rules)
        try validate(scheme)
        return scheme
    }

    /// The checks that do not depend on the file's syntax: unique codes and every reference resolved.
    public static func validate(_ scheme: Scheme) throws(SchemeProblem) {
        if scheme.categories.isEmpty { throw SchemeProblem(field: "categories", reason: "the scheme needs at least one category", zh: "方案至少要有一个大项") }
        if scheme.indicators.isEmpty { throw SchemeProblem(field: "indicators", reason: "the scheme needs at least one indicator", zh: "方案至少要有一个指标") }
        if scheme.rules.isEmpty { throw SchemeProblem(field: "rules", reason: "the scheme needs at least one rule", zh: "方案至少要有一条标准") }
        var seen: [String: String] = [:]
        func claim(_ code: String, _ field: String) throws(SchemeProblem) {
            if let earlier = seen[code] {
                throw SchemeProblem(field: field, reason: "code '\(code)' is used twice (first at \(earlier)); every code must be unique",
                                    zh: "编号「\(code)」用了两次（第一次在 \(earlier)）；每个编号都不能重复")
            }
            seen[code] = field
        }
        for (index, category) in scheme.categories.enumerated() { try claim(category.code, "categories[\(index)].code") }
        let categoryCodes = Set(scheme.categories.map(\.code))
        for (index, indicator) in scheme.indicators.enumerated() {
            try claim(indicator.code, "indicators[\(index)].code")
            guard categoryCodes.contains(indicator.category) else {
                throw SchemeProblem(field: "indicators[\(index)] (\(indicator.code)).category",
                                    reason: "'\(indicator.category)' is not a category of this scheme",
                                    zh: "「\(indicator.category)」不是本方案的大项")
            }
        }
        let indicatorCodes = Set(scheme.indicators.map(\.code))
        for (index, rule) in scheme.rules.enumerated() {
            try claim(rule.code.rawValue, "rules[\(index)].code")
            guard indicatorCodes.contains(rule.indicator) else {
                throw SchemeProblem(field: "rules[\(index)] (\(rule.code)).indicator",
                                    reason: "'\(rule.indicator)' is not an indicator of this scheme",
                                    zh: "「\(rule.indicator)」不是本方案的指标")
            }
        }
        let settings = scheme.settings
        guard settings.stars == settings.stars.sorted(), Set(settings.stars).count == settings.stars.count,
              settings.stars.allSatisfy({ $0 > 0 }) else {
            throw SchemeProblem(field: "settings.stars", reason: "thresholds must be positive and strictly ascending, like [20, 40, 60, 80, 100]",
                                zh: "星级分数线要大于零并逐级升高，例如 [20, 40, 60, 80, 100]")
        }
    }

    private struct Reader {
        func line(_ node: Node?) -> Int? {
            node?.mark?.line
        }

        func text(_ parent: Node, _ key: String, at path: String) throws(SchemeProblem) -> String {
            let field = path.isEmpty ? key : "\(path).\(key)"
            guard let node = parent[key] else { throw SchemeProblem(field: field, reason: "is missing", zh: "缺了这一项", line: line(parent)) }
            guard let value = node.scalar?.string.trimmingSpaces, !value.isEmpty else {
                throw SchemeProblem(field: field, reason: "must be a non-empty text", zh: "要填写文字，不能空着", line: line(node))
            }
            if let scalar = TextSyntax.forbidden(in: value) {
                throw SchemeProblem(field: field, reason: "holds a control character (\(TextSyntax.name(of: scalar)))",
                                    zh: "含有控制字符（\(TextSyntax.name(of: scalar))）", line: line(node))
            }
            return value
        }

        func code(_ node: Node, at path: String) throws(SchemeProblem) -> String {
            let value = try text(node, "code", at: path)
            if let problem = CodeSyntax.problem(with: value) {
                throw SchemeProblem(field: "\(path).code", reason: "'\(value)' \(problem)",
                                    zh: "「\(value)」\(Rejection.chineseCodeProblem(problem))", line: line(node["code"]))
            }
            return Composed.text(value)
        }

        func parsed<T>(_ parent: Node, _ key: String, at path: String,
                       _ parse: (String) -> Result<T, SchemeProblem.Reason>) throws(SchemeProblem) -> T {
            let raw = try text(parent, key, at: path)
            switch parse(raw) {
            case .success(let value): return value
            case .failure(let reason): throw SchemeProblem(field: "\(path).\(key)", reason: reason.text, zh: reason.chinese, line: line(parent[key]))
            }
        }

        func integer(_ parent: Node?, _ key: String, default value: Int, range: ClosedRange<Int>) throws(SchemeProblem) -> Int {
            guard let node = parent?[key] else { return value }
            guard let number = node.int, range.contains(number) else {
                throw SchemeProblem(field: "settings.\(key)",
                                    reason: "must be a whole number from \(range.lowerBound) to \(range.upperBound)",
                                    zh: "要填 \(range.lowerBound) 到 \(range.upperBound) 之间的整数", line: line(node))
            }
            return number
        }

        /// Refuses keys the format does not have: a misspelt key, or a text with a comma that YAML split
        /// (quote such texts: en: "Clear, planted surroundings").
        func onlyKeys(_ node: Node, _ keys: Set<String>, at path: String) throws(SchemeProblem) {
            for key in Array(node.mapping?.keys ?? Node.Mapping([]).keys) {
                let name = key.string ?? "?"
                if !keys.contains(name) {
                    throw SchemeProblem(field: path.isEmpty ? name : "\(path).\(name)",
                                        reason: "is not a field here (expected \(keys.sorted().joined(separator: ", "))); if it is part of a text with a comma, put that text in quotes",
                                        zh: "这里没有这一项（应为 \(keys.sorted().joined(separator: "、"))）；如果它是一段含逗号的文字被拆开了，请给那段文字加上引号",
                                        line: line(key))
                }
            }
        }

        func list<T>(_ parent: Node, _ key: String, keys: Set<String>,
                     _ make: (Node, String) throws(SchemeProblem) -> T) throws(SchemeProblem) -> [T] {
            guard let node = parent[key] else { throw SchemeProblem(field: key, reason: "is missing", zh: "缺了这一项") }
            guard let sequence = node.sequence else { throw SchemeProblem(field: key, reason: "must be a list", zh: "应是一个列表", line: line(node)) }
            var items: [T] = []
            for (index, element) in sequence.enumerated() {
                guard element.mapping != nil else {
                    throw SchemeProblem(field: "\(key)[\(index)]", reason: "must be a mapping like {code: ..., zh: ..., en: ...}",
                                         zh: "应写成 {code: ..., zh: ..., en: ...} 这样", line: line(element))
                }
                try onlyKeys(element, keys, at: "\(key)[\(index)]")
                items.append(try make(element, "\(key)[\(index)]"))
            }
            return items
        }

        func settings(_ node: Node?) throws(SchemeProblem) -> SchemeSettings {
            var settings = SchemeSettings()
            guard let node else { return settings }
            guard node.mapping != nil else { throw SchemeProblem(field: "settings", reason: "must be a mapping", zh: "应写成「名称: 值」的若干项", line: line(node)) }
            let known: Set<String> = ["base_points", "notice_days", "year_end", "stars", "blacklist_deduction", "blacklist_months", "yuan_per_point"]
            for key in (node.mapping?.keys).map(Array.init)?.compactMap({ $0.string }) ?? [] where !known.contains(key) {
                throw SchemeProblem(field: "settings.\(key)", reason: "is not a setting; known settings are \(known.sorted().joined(separator: ", "))",
                                    zh: "没有这个设置；可用的设置有 \(known.sorted().joined(separator: "、"))")
            }
            settings.basePoints = try integer(node, "base_points", default: settings.basePoints, range: 0...10_000)
            settings.noticeDays = try integer(node, "notice_days", default: settings.noticeDays, range: 0...90)
            settings.blacklistDeduction = try integer(node, "blacklist_deduction", default: settings.blacklistDeduction, range: 1...Scheme.pointsMax)
            settings.blacklistMonths = try integer(node, "blacklist_months", default: settings.blacklistMonths, range: 0...60)
            settings.yuanPerPoint = try integer(node, "yuan_per_point", default: settings.yuanPerPoint, range: 1...100)
            if let yearEnd = node["year_end"] {
                guard let text = yearEnd.scalar?.string, let value = YearEnd.parse(text) else {
                    throw SchemeProblem(field: "settings.year_end", reason: "must be carry_over or clear MM-DD (like clear 01-10)",
                                        zh: "应是 carry_over（结转）或 clear 月-日（清零，例如 clear 01-10）", line: line(yearEnd))
                }
                settings.yearEnd = value
            }
            if let stars = node["stars"] {
                guard let list = stars.sequence, list.count >= 1, list.count <= 5 else {
                    throw SchemeProblem(field: "settings.stars", reason: "must be a list of one to five thresholds, like [20, 40, 60, 80, 100]",
                                        zh: "应是一到五个分数线的列表，例如 [20, 40, 60, 80, 100]", line: line(stars))
                }
                var values: [Int] = []
                for element in list {
                    guard let value = element.int else {
                        throw SchemeProblem(field: "settings.stars", reason: "'\(element.scalar?.string ?? "?")' is not a whole number",
                                            zh: "「\(element.scalar?.string ?? "?")」不是整数", line: line(element))
                    }
                    values.append(value)
                }
                settings.stars = values
            }
            return settings
        }
    }
}
