/// The loss curves of a run in bounded memory (Docs/Design.md §7 "loss chart: CE,
/// penalty, total").
///
/// Every step is kept until `capacity` points are stored; then neighbouring
/// points are averaged in pairs and each new point stands for twice as many
/// steps as before. The whole run stays on the chart (the jump of CE at each
/// block boundary is the drift the screen is about) at a resolution that
/// halves as the run grows, and a 200-column chart never has to look at more
/// than `capacity` points.
public struct LossHistory: Sendable, Equatable {
  /// The default bound: plenty for a 200-column braille chart (400 dots across).
  public static let defaultCapacity = 2000

  public let capacity: Int
  /// x of every stored point: the mean step index of the steps it averages.
  public private(set) var steps: [Double] = []
  public private(set) var ce: [Double] = []
  public private(set) var penalty: [Double] = []
  /// Steps averaged into one stored point.
  public private(set) var bucketSize = 1
  /// Steps recorded so far (also the x of the next step).
  public private(set) var count = 0
  /// The last step as recorded, not averaged.
  public private(set) var latest: (ce: Double, penalty: Double)?

  /// The partial bucket being filled: step, CE and penalty sums, steps in it.
  private var pending = (step: 0.0, ce: 0.0, penalty: 0.0, n: 0)

  public init(capacity: Int = LossHistory.defaultCapacity) {
    self.capacity = max(2, capacity - capacity % 2)
  }

  public static func == (a: LossHistory, b: LossHistory) -> Bool {
    a.steps == b.steps && a.ce == b.ce && a.penalty == b.penalty && a.count == b.count
      && a.bucketSize == b.bucketSize && a.latest?.ce == b.latest?.ce && a.latest?.penalty == b.latest?.penalty
  }

  /// `true` before the first step.
  public var isEmpty: Bool { count == 0 }

  /// Whether any penalty so far was positive (the chart then uses a log y axis,
  /// since the penalty is orders of magnitude below CE).
  public private(set) var hasPenalty = false

  /// Records one step. Non-finite values are kept as they are: the chart
  /// breaks the line there, which is how a NaN should look.
  public mutating func append(ce: Double, penalty: Double) {
    latest = (ce, penalty)
    if penalty > 0 && penalty.isFinite { hasPenalty = true }
    pending.step += Double(count)
    pending.ce += ce
    pending.penalty += penalty
    pending.n += 1
    count += 1
    guard pending.n == bucketSize else { return }
    let n = Double(pending.n)
    steps.append(pending.step / n)
    self.ce.append(pending.ce / n)
    self.penalty.append(pending.penalty / n)
    pending = (0, 0, 0, 0)
    if steps.count >= capacity { halve() }
  }

  /// Averages neighbouring points in pairs and doubles the bucket size.
  private mutating func halve() {
    func pairs(_ values: [Double]) -> [Double] {
      stride(from: 0, to: values.count - 1, by: 2).map { (values[$0] + values[$0 + 1]) / 2 }
    }
    steps = pairs(steps)
    ce = pairs(ce)
    penalty = pairs(penalty)
    bucketSize *= 2
  }

  /// CE, penalty and total as chart series of at most `maxPoints` points each
  /// (averaged in equal runs of stored points), plus the unfinished bucket.
  public func chartSeries(maxPoints: Int) -> [ChartSeries] {
    var x = steps, c = ce, p = penalty
    if pending.n > 0 {
      let n = Double(pending.n)
      x.append(pending.step / n)
      c.append(pending.ce / n)
      p.append(pending.penalty / n)
    }
    let group = max(1, (x.count + max(1, maxPoints) - 1) / max(1, maxPoints))
    func reduce(_ values: [Double]) -> [Double] {
      guard group > 1 else { return values }
      return stride(from: 0, to: values.count, by: group).map { start in
        let end = min(values.count, start + group)
        var sum = 0.0
        for i in start..<end { sum += values[i] }
        return sum / Double(end - start)
      }
    }
    let xs = reduce(x), cs = reduce(c), ps = reduce(p)
    func series(_ name: String, _ ys: [Double]) -> ChartSeries {
      ChartSeries(name: name, points: zip(xs, ys).map { ChartPoint(x: $0, y: $1) })
    }
    return [series("CE", cs), series("penalty", ps), series("total", zip(cs, ps).map { $0 + $1 })]
  }
}
