extension Dictionary {
    /// Keys to values, the first value kept where a key repeats. For keys read from a ledger file, which should be
    /// unique but may not be in a damaged file: a repeated key must never trap (`verify` names the damage).
    public init(firstOf pairs: some Sequence<(Key, Value)>) {
        self.init(pairs, uniquingKeysWith: { first, _ in first })
    }
}
