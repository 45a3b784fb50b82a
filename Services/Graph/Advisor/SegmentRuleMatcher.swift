import GraphModel

/// Picks the earning rule of a program for a segment.
///
/// A rule applies when its carriers include the segment's marketing or operating carrier (as
/// its `carrier_match` says), it covers the booking code, its state is "effective" and the
/// departure date lies between its effective and expiration dates (both included). Among
/// rules that apply, the highest priority wins, then the most specific (a fare-class list,
/// then fewer fare classes, then fewer carriers), then the lowest id.
///
/// When none applies, the reason comes from the rules that got furthest: those covering the
/// booking code (each says whether it is announced, cancelled, expired or not yet in force),
/// else those naming the carrier (which fare classes they cover), so the traveller hears about
/// the expired rule for their fare rather than about unrelated rules.
struct SegmentRuleMatcher {
  enum Outcome {
    case rule(EarningRuleFact)
    /// Why nothing applies, and the rules the reason cites.
    case none(reason: String, cited: [EarningRuleFact])
  }

  let facts: LoyaltyFacts

  func match(_ segment: TripSegment, program: ProgramFact) -> Outcome {
    let marketing = facts.earningRules(carrier: segment.marketingCarrier, match: .marketing)[program.id] ?? []
    let operating = facts.earningRules(carrier: segment.operatingCarrier, match: .operating)[program.id] ?? []
    guard !marketing.isEmpty || !operating.isEmpty else {
      let flights =
        segment.isCodeshare
        ? "flights marketed by \(segment.marketingCarrier) and operated by \(segment.operatingCarrier)"
        : "\(segment.marketingCarrier) flights"
      return .none(reason: "\(program.name) has no earning rule for \(flights)", cited: [])
    }

    var best: EarningRuleFact?
    // The furthest check any rule failed, and those rules' reasons.
    var failedStage = -1
    var failures: [(rule: EarningRuleFact, reason: String)] = []
    for rule in marketing + operating {
      if let (stage, reason) = failure(of: rule, for: segment) {
        if stage > failedStage {
          failedStage = stage
          failures = []
        }
        if stage == failedStage { failures.append((rule, reason)) }
      } else if best.map({ Self.ranks(rule, above: $0) }) ?? true {
        best = rule
      }
    }
    if let best { return .rule(best) }
    failures.sort { ($1.rule.priority, $0.rule.id) < ($0.rule.priority, $1.rule.id) }
    return .none(reason: failures.prefix(3).map(\.reason).joined(separator: "; "), cited: failures.prefix(3).map(\.rule))
  }

  static func ranks(_ rule: EarningRuleFact, above other: EarningRuleFact) -> Bool {
    if rule.priority != other.priority { return rule.priority > other.priority }
    if rule.specificity != other.specificity { return rule.specificity > other.specificity }
    return rule.id < other.id
  }

  /// The first check the rule fails (its stage) and why; nil when it applies.
  private func failure(of rule: EarningRuleFact, for segment: TripSegment) -> (Int, String)? {
    let code = segment.fareClass
    if !rule.covers(fareClass: code) {
      let carrier = rule.carrierMatch == .marketing ? segment.marketingCarrier : segment.operatingCarrier
      let eligible = rule.fareClasses?.joined(separator: ", ") ?? ""
      if facts.fareClass(carrier: carrier, code: code) == nil && !facts.fareClasses(carrier: carrier).isEmpty {
        return (1, "fare class \(code) is not a booking code of \(carrier) the graph knows; \(describe(rule)) covers \(eligible)")
      }
      return (1, "fare class \(code) is not eligible under \(describe(rule)), which covers \(eligible)")
    }
    switch rule.state {
    case .cancelled:
      return (2, "\(describe(rule)) was cancelled")
    case .announced:
      return (2, "\(describe(rule)) is announced for \(rule.effectiveDate) and not yet in effect")
    case .effective:
      break
    }
    if segment.date < rule.effectiveDate {
      return (2, "\(describe(rule)) takes effect on \(rule.effectiveDate), after the departure date \(segment.date)")
    }
    if let expiration = rule.expirationDate, expiration < segment.date {
      return (2, "\(describe(rule)) expired on \(expiration), before the departure date \(segment.date)")
    }
    return nil
  }

  private func describe(_ rule: EarningRuleFact) -> String {
    "\(rule.id.hasPrefix("rule") ? "" : "rule ")\(rule.id) (\(rule.description))"
  }
}
