import GraphModel

/// Works out which transferable balances to move into a program to cover a number of its
/// points, respecting each partnership's ratio, minimum and increment.
///
/// A transfer of `s` source points at `from:to` delivers ⌊s × to / from⌋ points; `s` must be at
/// least the minimum and a multiple of the increment. To receive `r` points the planner sends
/// the smallest such `s` with ⌊s × to / from⌋ ≥ r. One currency is used when one can cover the
/// need (the one that strands the fewest surplus points in the program, then the one that
/// spends the fewest points); otherwise currencies are combined, the most useful first.
public struct TransferPlanner: Sendable {
  /// One transfer of a plan.
  public struct Step: Sendable, Hashable {
    public var transfer: TransferFact
    /// Points leaving the source.
    public var sent: Int64
    /// Points arriving in the target program.
    public var received: Int64
    /// The arithmetic, e.g. "10,000 Avios at 1000:800 needs 12,500 points → 13,000 (increments of 1,000)".
    public var explanation: String
  }

  /// What the planner proposes to cover a need.
  public struct Plan: Sendable, Hashable {
    public var steps: [Step]
    /// Points the plan delivers into the target program.
    public var received: Int64
    /// Points still missing after the plan (0 when it covers the need).
    public var shortfall: Int64
    public var sent: Int64 { steps.reduce(0) { $0 + $1.sent } }
    public var covers: Bool { shortfall == 0 }
  }

  public let facts: LoyaltyFacts

  public init(facts: LoyaltyFacts) {
    self.facts = facts
  }

  /// The source points to send so that at least `wanted` points arrive, or nil when no
  /// allowed amount is within reach of an `Int64` (it always exists for sane inputs).
  public static func pointsToSend(_ transfer: TransferFact, toReceive wanted: Int64) -> Int64? {
    let from = Int64(transfer.fromPoints)
    let to = Int64(transfer.toPoints)
    let increment = Int64(transfer.increment)
    guard wanted > 0 else { return 0 }
    let (product, overflow) = wanted.multipliedReportingOverflow(by: from)
    guard !overflow else { return nil }
    let exact = (product + to - 1) / to
    let roundedUp = (exact + increment - 1) / increment * increment
    let minimum = (Int64(transfer.minimum) + increment - 1) / increment * increment
    return max(roundedUp, minimum)
  }

  /// Points that arrive when `sent` source points are transferred.
  public static func pointsReceived(_ transfer: TransferFact, sending sent: Int64) -> Int64 {
    let (product, overflow) = sent.multipliedReportingOverflow(by: Int64(transfer.toPoints))
    return overflow ? Int64.max / 2 : product / Int64(transfer.fromPoints)
  }

  /// The most a balance can send: the largest multiple of the increment within it, or 0 when
  /// that is below the minimum.
  public static func largestSendable(_ transfer: TransferFact, balance: Int64) -> Int64 {
    let increment = Int64(transfer.increment)
    let sendable = balance / increment * increment
    return sendable >= Int64(transfer.minimum) && sendable > 0 ? sendable : 0
  }

  /// Plans transfers into `program` delivering at least `needed` points from `balances`
  /// (points by program id; the target's own balance is ignored). When nothing covers the
  /// need, the plan sends everything usable and reports the shortfall.
  public func plan(into program: String, needing needed: Int64, from balances: [String: Int64]) -> Plan {
    guard needed > 0 else { return Plan(steps: [], received: 0, shortfall: 0) }
    let sources = facts.transfers(to: program).filter { ($0.fromProgramID != $0.toProgramID) && (balances[$0.fromProgramID] ?? 0) > 0 }
    guard !sources.isEmpty else { return Plan(steps: [], received: 0, shortfall: needed) }

    // One currency, when one is enough.
    let single = sources.compactMap { transfer -> (step: Step, surplus: Int64)? in
      guard let sent = Self.pointsToSend(transfer, toReceive: needed), sent <= balances[transfer.fromProgramID] ?? 0 else { return nil }
      let received = Self.pointsReceived(transfer, sending: sent)
      return (step(transfer, sent: sent, received: received, wanted: needed), received - needed)
    }
    if let best = single.min(by: { ($0.surplus, $0.step.sent, $0.step.transfer.fromProgramID) < ($1.surplus, $1.step.sent, $1.step.transfer.fromProgramID) }) {
      return Plan(steps: [best.step], received: best.step.received, shortfall: 0)
    }

    // Several currencies: every ordering of the sources (there are only a handful) fills from
    // the first ones in full and tops up minimally from the one that completes the need.
    let candidates = sources.count <= 6 ? sources : Array(sources.sorted {
      Self.largestSendable($0, balance: balances[$0.fromProgramID] ?? 0) > Self.largestSendable($1, balance: balances[$1.fromProgramID] ?? 0)
    }.prefix(6))
    var best: (plan: Plan, key: (Int, Int, Int64, Int64, Int64, String))?
    forEachOrdering(of: candidates) { ordering in
      var steps: [Step] = []
      var received: Int64 = 0
      for transfer in ordering where received < needed {
        let remaining = needed - received
        let balance = balances[transfer.fromProgramID] ?? 0
        if let sent = Self.pointsToSend(transfer, toReceive: remaining), sent <= balance {
          let got = Self.pointsReceived(transfer, sending: sent)
          steps.append(step(transfer, sent: sent, received: got, wanted: remaining))
          received += got
        } else {
          let sent = Self.largestSendable(transfer, balance: balance)
          guard sent > 0 else { continue }
          let got = Self.pointsReceived(transfer, sending: sent)
          steps.append(step(transfer, sent: sent, received: got, wanted: nil))
          received += got
        }
      }
      let plan = Plan(steps: steps, received: received, shortfall: max(needed - received, 0))
      // Covering beats not covering; then fewer transfers, smaller shortfall, less surplus,
      // fewer points sent.
      let key = (
        plan.covers ? 0 : 1, plan.covers ? steps.count : 0, plan.shortfall, max(received - needed, 0), plan.sent,
        steps.map(\.transfer.fromProgramID).joined(separator: ",")
      )
      if best == nil || key < best!.key { best = (plan, key) }
    }
    return best?.plan ?? Plan(steps: [], received: 0, shortfall: needed)
  }

  private func step(_ transfer: TransferFact, sent: Int64, received: Int64, wanted: Int64?) -> Step {
    let source = facts.program(transfer.fromProgramID)
    let target = facts.program(transfer.toProgramID)
    let sourceName = "\(source?.name ?? transfer.fromProgramID) \(source?.currencyName ?? "points")"
    let targetUnit = target?.currencyName ?? "points"
    let terms = "ratio \(transfer.ratio), minimum \(Figures.integer(transfer.minimum)), increments of \(Figures.integer(transfer.increment))"
    let arithmetic = "\(Figures.integer(sent)) × \(transfer.toPoints) / \(transfer.fromPoints) = \(Figures.integer(received)) \(targetUnit)"
    let explanation: String
    if let wanted {
      let (product, _) = wanted.multipliedReportingOverflow(by: Int64(transfer.fromPoints))
      let exact = Figures.number(Double(product) / Double(transfer.toPoints))
      explanation =
        "\(Figures.integer(wanted)) \(targetUnit) needed: \(Figures.integer(wanted)) × \(transfer.fromPoints) / \(transfer.toPoints) = \(exact) "
        + "\(sourceName); transfer \(Figures.integer(sent)) (\(terms)) → \(arithmetic)"
    } else {
      explanation = "Transfer all usable \(Figures.integer(sent)) \(sourceName) (\(terms)) → \(arithmetic)"
    }
    return Step(transfer: transfer, sent: sent, received: received, explanation: explanation)
  }
}

/// Calls `body` with every ordering of `items` (n! of them; callers pass a handful).
private func forEachOrdering<Item>(of items: [Item], _ body: ([Item]) -> Void) {
  var items = items
  func permute(_ k: Int) {
    if k == items.count {
      body(items)
      return
    }
    for index in k..<items.count {
      items.swapAt(k, index)
      permute(k + 1)
      items.swapAt(k, index)
    }
  }
  permute(0)
}
