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
                throw SchemeProblem(field: "", reason: "the file is empty; start from seed/reference-scheme.yaml")
            }
            root = node
        } catch let problem as SchemeProblem {
            throw problem
        } catch {
            throw SchemeProblem(field: "", reason: "the file is not valid YAML (\(error))")
        }
        guard root.mapping != nil else { throw SchemeProblem(field: "", reason: "the file must be a mapping with name, settings, categories, indicators and rules") }
        let reader = Reader()
        let name = try reader.text(root, "name", at: "")
        let settings = try reader.settings(root["settings"])
        try reader.onlyKeys(root, ["name", "settings", "categories", "indicators", "rules"], at: "")
        let categories = try reader.list(root, "categories", keys: ["code", "zh", "en"]) { (node, path) throws(SchemeProblem) in
            Category(code: try reader.code(node, at: path), zh: try reader.text(node, "zh", at: path), en: try reader.text(node, "en", at: path))
        }
        let indicators = try reader.list(root, "indicators", keys: ["code", "category", "zh", "en"]) { (node, path) throws(SchemeProblem) in
            Indicator(code: try reader.code(node, at: path), category: try reader.text(node, "category", at: path),
                      zh: try reader.text(node, "zh", at: path), en: try reader.text(node, "en", at: path))
        }
        let rules = try reader.list(root, "rules", keys: ["code", "indicator", "zh", "en", "points", "cap"]) { (node, path) throws(SchemeProblem) in
            let code = try reader.code(node, at: path)
            let field = "\(path) (\(code))"
            let points = try reader.parsed(node, "points", at: field, RulePoints.parse)
            let cap: Cap? = node["cap"].flatMap { $0.scalar?.string }.flatMap { ["", "-", "—", "none"].contains($0) ? nil : $0 } == nil
                ? nil : try reader.parsed(node, "cap", at: field, Cap.parse)
            return Rule(code: RuleCode(code), indicator: try reader.text(node, "indicator", at: field),
                        zh: try reader.text(node, "zh", at: field), en: try reader.text(node, "en", at: field),
                        points: points, cap: cap)
        }
        let scheme = Scheme(name: name, settings: settings, categories: categories, indicators: indicators, rules: rules)
        try validate(scheme)
        return scheme
    }

    /// The checks that do not depend on the file's syntax: unique codes and every reference resolved.
    public static func validate(_ scheme: Scheme) throws(SchemeProblem) {
        if scheme.categories.isEmpty { throw SchemeProblem(field: "categories", reason: "the scheme needs at least one category") }
        if scheme.indicators.isEmpty { throw SchemeProblem(field: "indicators", reason: "the scheme needs at least one indicator") }
        if scheme.rules.isEmpty { throw SchemeProblem(field: "rules", reason: "the scheme needs at least one rule") }
        var seen: [String: String] = [:]
        func claim(_ code: String, _ field: String) throws(SchemeProblem) {
            if let earlier = seen[code] {
                throw SchemeProblem(field: field, reason: "code '\(code)' is used twice (first at \(earlier)); every code must be unique")
            }
            seen[code] = field
        }
        for (index, category) in scheme.categories.enumerated() { try claim(category.code, "categories[\(index)].code") }
        let categoryCodes = Set(scheme.categories.map(\.code))
        for (index, indicator) in scheme.indicators.enumerated() {
            try claim(indicator.code, "indicators[\(index)].code")
            guard categoryCodes.contains(indicator.category) else {
                throw SchemeProblem(field: "indicators[\(index)] (\(indicator.code)).category",
                                    reason: "'\(indicator.category)' is not a category of this scheme")
            }
        }
        let indicatorCodes = Set(scheme.indicators.map(\.code))
        for (index, rule) in scheme.rules.enumerated() {
            try claim(rule.code.rawValue, "rules[\(index)].code")
            guard indicatorCodes.contains(rule.indicator) else {
                throw SchemeProblem(field: "rules[\(index)] (\(rule.code)).indicator",
                                    reason: "'\(rule.indicator)' is not an indicator of this scheme")
            }
        }
        let settings = scheme.settings
        guard settings.stars == settings.stars.sorted(), Set(settings.stars).count == settings.stars.count,
              settings.stars.allSatisfy({ $0 > 0 }) else {
            throw SchemeProblem(field: "settings.stars", reason: "thresholds must be positive and strictly ascending, like [20, 40, 60, 80, 100]")
        }
    }

    private struct Reader {
        func location(_ node: Node?) -> String {
            guard let mark = node?.mark else { return "" }
            return " (line \(mark.line))"
        }

        func text(_ parent: Node, _ key: String, at path: String) throws(SchemeProblem) -> String {
            let field = path.isEmpty ? key : "\(path).\(key)"
            guard let node = parent[key] else { throw SchemeProblem(field: field, reason: "is missing\(location(parent))") }
            guard let value = node.scalar?.string.trimmingSpaces, !value.isEmpty else {
                throw SchemeProblem(field: field, reason: "must be a non-empty text\(location(node))")
            }
            if let scalar = TextSyntax.forbidden(in: value) {
                throw SchemeProblem(field: field, reason: "holds a control character (\(TextSyntax.name(of: scalar)))\(location(node))")
            }
            return value
        }

        func code(_ node: Node, at path: String) throws(SchemeProblem) -> String {
            let value = try text(node, "code", at: path)
            if let problem = CodeSyntax.problem(with: value) {
                throw SchemeProblem(field: "\(path).code", reason: "'\(value)' \(problem)\(location(node["code"]))")
            }
            return value
        }

        func parsed<T>(_ parent: Node, _ key: String, at path: String,
                       _ parse: (String) -> Result<T, SchemeProblem.Reason>) throws(SchemeProblem) -> T {
            let raw = try text(parent, key, at: path)
            switch parse(raw) {
            case .success(let value): return value
            case .failure(let reason): throw SchemeProblem(field: "\(path).\(key)", reason: reason.text + location(parent[key]))
            }
        }

        func integer(_ parent: Node?, _ key: String, default value: Int, range: ClosedRange<Int>) throws(SchemeProblem) -> Int {
            guard let node = parent?[key] else { return value }
            guard let number = node.int, range.contains(number) else {
                throw SchemeProblem(field: "settings.\(key)",
                                    reason: "must be a whole number from \(range.lowerBound) to \(range.upperBound)\(location(node))")
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
                                        reason: "is not a field here (expected \(keys.sorted().joined(separator: ", "))); if it is part of a text with a comma, put that text in quotes\(location(key))")
                }
            }
        }

        func list<T>(_ parent: Node, _ key: String, keys: Set<String>,
                     _ make: (Node, String) throws(SchemeProblem) -> T) throws(SchemeProblem) -> [T] {
            guard let node = parent[key] else { throw SchemeProblem(field: key, reason: "is missing") }
            guard let sequence = node.sequence else { throw SchemeProblem(field: key, reason: "must be a list\(location(node))") }
            var items: [T] = []
            for (index, element) in sequence.enumerated() {
                guard element.mapping != nil else {
                    throw SchemeProblem(field: "\(key)[\(index)]", reason: "must be a mapping like {code: ..., zh: ..., en: ...}\(location(element))")
                }
                try onlyKeys(element, keys, at: "\(key)[\(index)]")
                items.append(try make(element, "\(key)[\(index)]"))
            }
            return items
        }

        func settings(_ node: Node?) throws(SchemeProblem) -> SchemeSettings {
            var settings = SchemeSettings()
            guard let node else { return settings }
            guard node.mapping != nil else { throw SchemeProblem(field: "settings", reason: "must be a mapping\(location(node))") }
            let known: Set<String> = ["base_points", "notice_days", "year_end", "stars", "blacklist_deduction", "blacklist_months", "yuan_per_point"]
            for key in node.mapping!.keys.compactMap({ $0.string }) where !known.contains(key) {
                throw SchemeProblem(field: "settings.\(key)", reason: "is not a setting; known settings are \(known.sorted().joined(separator: ", "))")
            }
            settings.basePoints = try integer(node, "base_points", default: settings.basePoints, range: 0...10_000)
            settings.noticeDays = try integer(node, "notice_days", default: settings.noticeDays, range: 0...90)
            settings.blacklistDeduction = try integer(node, "blacklist_deduction", default: settings.blacklistDeduction, range: 1...Scheme.pointsMax)
            settings.blacklistMonths = try integer(node, "blacklist_months", default: settings.blacklistMonths, range: 0...60)
            settings.yuanPerPoint = try integer(node, "yuan_per_point", default: settings.yuanPerPoint, range: 1...100)
            if let yearEnd = node["year_end"] {
                guard let text = yearEnd.scalar?.string, let value = YearEnd.parse(text) else {
                    throw SchemeProblem(field: "settings.year_end", reason: "must be carry_over or clear MM-DD (like clear 01-10)\(location(yearEnd))")
                }
                settings.yearEnd = value
            }
            if let stars = node["stars"] {
                guard let list = stars.sequence, list.count >= 1, list.count <= 5 else {
                    throw SchemeProblem(field: "settings.stars", reason: "must be a list of one to five thresholds, like [20, 40, 60, 80, 100]\(location(stars))")
                }
                var values: [Int] = []
                for element in list {
                    guard let value = element.int else {
                        throw SchemeProblem(field: "settings.stars", reason: "'\(element.scalar?.string ?? "?")' is not a whole number\(location(element))")
                    }
                    values.append(value)
                }
                settings.stars = values
            }
            return settings
        }
    }
}
