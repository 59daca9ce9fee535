import LorascopeEngine

extension SeededRNG {
  /// A value in 0..<bound (modulo reduction: fine for test data, not for statistics).
  mutating func next(below bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
