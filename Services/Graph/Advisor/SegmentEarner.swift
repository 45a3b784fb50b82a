import GraphModel
import LoyaltyAPI
import SwiftProtobuf

/// The arithmetic of one segment under one rule, in the order distance → accrual → minimum →
/// bonuses, with every step written out.
///
/// Rounding: the segment's running total is kept exact and rounded half up to whole miles
/// after each step; each component (base, minimum top-up, cabin bonus, status bonus) is the
/// difference between consecutive rounded totals, so the components always add up to the
/// segment's redeemable miles, which equal its exact total rounded half up once.
///
/// - Distance basis: base = distance × accrual %. Revenue basis: base = the segment's share
///   of base fare + carrier-imposed fees × the base member's rate ("").
/// - Minimum: tops the base up to `minimum_miles` (before any bonus).
/// - Cabin bonus: distance × `cabin_bonus_percent`.
/// - Status bonus: distance basis, `elite_bonus_percent[tier]` × (base + minimum top-up);
///   revenue basis, (rate[tier] − rate[""]) × share, or `elite_bonus_percent[tier]` × (base +
///   top-up) when the rule has no rate for the tier. The cabin bonus never earns a status bonus.
/// - Elite metrics: per mile of distance, per base mile (base + top-up), per redeemable mile,
///   per segment, or per currency unit of the segment's fare share; two decimals.
struct SegmentEarner {
  struct Result {
    var earning: Loyalty_Advisor_V1_SegmentEarning
    /// Metric totals in the rule's order.
    var metrics: [(name: String, amount: Double)]
  }

  let facts: LoyaltyFacts

  /// The distance the program credits for the segment.
  func distance(of segment: TripSegment, in program: ProgramFact) -> FlightDistance {
    if !program.publishedDistances.isEmpty, let miles = program.publishedDistances[AirportPair.key(segment.origin, segment.destination)] {
      return FlightDistance(miles: miles, source: "published by \(program.name)", isPublished: true)
    }
    return FlightDistance(miles: segment.greatCircleMiles, source: "great-circle", isPublished: false)
  }

  /// The segment's fields that do not depend on a rule.
  func skeleton(of segment: TripSegment, distance: FlightDistance) -> Loyalty_Advisor_V1_SegmentEarning {
    var earning = Loyalty_Advisor_V1_SegmentEarning()
    earning.segmentIndex = Int32(segment.index)
    earning.origin = segment.origin
    earning.destination = segment.destination
    earning.marketingCarrier = segment.marketingCarrier
    earning.operatingCarrier = segment.operatingCarrier
    earning.fareClass = segment.fareClass
    earning.cabin = segment.cabin?.rawValue ?? ""
    earning.distanceMiles = Int32(clamping: distance.miles)
    earning.distanceSource = distance.source
    earning.steps = ["Distance \(segment.origin)–\(segment.destination): \(Figures.integer(distance.miles)) mi (\(distance.source))"]
    return earning
  }

  func earn(_ segment: TripSegment, in trip: Trip, under rule: EarningRuleFact, program: ProgramFact, tier: String) -> Result {
    let distance = distance(of: segment, in: program)
    var earning = skeleton(of: segment, distance: distance)
    earning.ruleID = rule.id
    earning.ruleDescription = rule.description
    earning.sourceDocumentID = rule.sourceDocumentID
    earning.sourceURL = facts.document(rule.sourceDocumentID)?.url ?? ""
    let unit = program.currencyName
    let miles = Double(distance.miles)

    // The exact running total; rounding it after each step gives the components.
    var total: Double
    var shareCents: Int64 = 0
    switch rule.basis {
    case .distance:
      let percent = rule.accrualPercent ?? 0
      total = miles * percent / 100
      earning.steps.append("Accrual: \(Figures.integer(distance.miles)) mi × \(Figures.percent(percent)) = \(Figures.number(total)) \(unit)")
    case .revenue:
      guard let fare = trip.fare, fare.earningCents > 0 || !fare.currency.isEmpty else {
        earning.noEarningReason =
          "the itinerary gives no fare; \(rule.id) earns \(unit) per \(rule.revenueCurrency ?? "unit") of base fare + carrier-imposed fees"
        return Result(earning: earning, metrics: [])
      }
      if let currency = rule.revenueCurrency, currency != fare.currency {
        earning.noEarningReason = "the fare is in \(fare.currency) but \(rule.id) earns on \(currency) fares (currencies are not converted)"
        return Result(earning: earning, metrics: [])
      }
      shareCents = trip.revenueShares[segment.index]
      earning.eligibleRevenue = Double(shareCents) / 100
      earning.steps.append(shareStep(segment, trip: trip, fare: fare, shareCents: shareCents))
      let rate = rule.revenueRates[""] ?? 0
      total = Double(shareCents) * rate / 100
      earning.steps.append(
        "Base: \(Figures.money(cents: shareCents, currency: fare.currency)) × \(Figures.number(rate)) \(unit)/\(fare.currency) = \(Figures.number(total)) \(unit)")
    }
    let base = Figures.roundHalfUp(total)
    earning.baseMiles = base

    if let minimum = rule.minimumMiles {
      if total < Double(minimum) {
        earning.steps.append(
          "Minimum credit: \(Figures.number(total)) is below the \(Figures.integer(minimum))-mile minimum, "
            + "topped up by \(Figures.number(Double(minimum) - total))")
        total = Double(minimum)
      } else {
        earning.steps.append("Minimum credit: \(Figures.integer(minimum)) \(unit), already reached")
      }
    }
    let baseWithMinimum = total
    let afterMinimum = Figures.roundHalfUp(total)
    earning.minimumCreditMiles = afterMinimum - base

    if let percent = rule.cabinBonusPercent, percent > 0 {
      let bonus = miles * percent / 100
      earning.steps.append("Cabin bonus: \(Figures.integer(distance.miles)) mi × \(Figures.percent(percent)) = \(Figures.number(bonus))")
      total += bonus
    }
    let afterCabin = Figures.roundHalfUp(total)
    earning.cabinBonusMiles = afterCabin - afterMinimum

    if let bonus = statusBonus(rule: rule, tier: tier, baseWithMinimum: baseWithMinimum, shareCents: shareCents, currency: trip.fare?.currency ?? "", unit: unit) {
      earning.steps.append(bonus.step)
      total += bonus.amount
    }
    let redeemable = Figures.roundHalfUp(total)
    earning.statusBonusMiles = redeemable - afterCabin
    earning.redeemableMiles = redeemable
    // Built before appending: reading `earning` while mutating it would copy its storage.
    let totalLine = totalStep(earning, exact: total, unit: unit)
    earning.steps.append(totalLine)

    let shareOfFare = trip.revenueShares.isEmpty ? 0 : trip.revenueShares[segment.index]
    var metrics: [(name: String, amount: Double)] = []
    for metric in rule.eliteMetrics {
      let (quantity, what): (Double, String) =
        switch metric.per {
        case .mile: (miles, "\(Figures.integer(distance.miles)) mi")
        case .baseMile: (Double(afterMinimum), "\(Figures.integer(afterMinimum)) base \(unit)")
        case .redeemableMile: (Double(redeemable), "\(Figures.integer(redeemable)) \(unit)")
        case .segment: (1, "1 segment")
        case .currencyUnit: (Double(shareOfFare) / 100, Figures.money(cents: shareOfFare, currency: trip.fare?.currency ?? ""))
        }
      let amount = ((quantity * metric.amount) * 100).rounded() / 100
      metrics.append((metric.name, amount))
      earning.steps.append("\(metric.name): \(what) × \(Figures.number(metric.amount)) = \(Figures.number(amount))")
      earning.eliteMetrics.append(
        .with {
          $0.name = metric.name
          $0.amount = amount
        })
    }
    return Result(earning: earning, metrics: metrics)
  }

  private func shareStep(_ segment: TripSegment, trip: Trip, fare: TripFare, shareCents: Int64) -> String {
    let money = { (cents: Int64) in Figures.money(cents: cents, currency: fare.currency) }
    let whole =
      "\(money(fare.earningCents)) (base fare \(money(fare.baseCents)) + carrier-imposed fees \(money(fare.carrierFeeCents)); "
      + "taxes \(money(fare.taxCents)) never earn)"
    guard trip.segments.count > 1 else { return "Eligible revenue: \(whole)" }
    let remainder = segment.index == trip.segments.count - 1 ? " (the remainder after the other segments' shares)" : ""
    let proportion = "\(Figures.integer(segment.greatCircleMiles)) / \(Figures.integer(trip.totalGreatCircleMiles)) great-circle mi of the ticket"
    return "Eligible revenue: \(whole) × \(proportion) = \(money(shareCents))\(remainder)"
  }

  private func statusBonus(
    rule: EarningRuleFact, tier: String, baseWithMinimum: Double, shareCents: Int64, currency: String, unit: String
  ) -> (amount: Double, step: String)? {
    guard !tier.isEmpty else { return nil }
    if rule.basis == .revenue, let rate = rule.revenueRates[tier] {
      let baseRate = rule.revenueRates[""] ?? 0
      let bonus = Double(shareCents) * max(rate - baseRate, 0) / 100
      let share = Figures.money(cents: shareCents, currency: currency)
      return (
        bonus,
        "Status bonus (\(tier), \(Figures.number(rate)) \(unit)/\(currency)): "
          + "\(share) × (\(Figures.number(rate)) − \(Figures.number(baseRate))) = \(Figures.number(bonus))"
      )
    }
    guard let percent = rule.eliteBonusPercent[tier] else {
      return (0, "Status bonus: \(rule.id) gives \(tier) no bonus")
    }
    let bonus = baseWithMinimum * percent / 100
    return (
      bonus,
      "Status bonus (\(tier), \(Figures.percent(percent))): \(Figures.number(baseWithMinimum)) × \(Figures.percent(percent)) = \(Figures.number(bonus))"
    )
  }

  private func totalStep(_ earning: Loyalty_Advisor_V1_SegmentEarning, exact: Double, unit: String) -> String {
    let miles = Figures.integer(earning.redeemableMiles)
    let rounded = Figures.number(exact) == miles ? "" : " → \(miles) (half up)"
    return "Total: \(Figures.number(exact))\(rounded) \(unit) = base \(Figures.integer(earning.baseMiles))"
      + " + minimum \(Figures.integer(earning.minimumCreditMiles)) + cabin bonus \(Figures.integer(earning.cabinBonusMiles))"
      + " + status bonus \(Figures.integer(earning.statusBonusMiles))"
  }
}
