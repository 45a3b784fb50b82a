import Foundation
import GraphModel

/// A fact held back for a curator, with why in plain sentences.
public struct FlaggedFact: Sendable, Equatable {
  public var fact: ExtractedFact
  public var reasons: [String]

  public init(fact: ExtractedFact, reasons: [String]) {
    self.fact = fact
    self.reasons = reasons
  }
}

/// What validation made of a fact set: facts that may load, facts for review, and errors
/// that make the whole set unusable.
public struct FactValidation: Sendable, Equatable {
  public var accepted: [ExtractedFact]
  public var flagged: [FlaggedFact]
  /// Problems with the set itself (an unknown schema version, no facts at all).
  public var errors: [String]

  public var needsReview: Bool { !flagged.isEmpty }

  public init(accepted: [ExtractedFact], flagged: [FlaggedFact], errors: [String]) {
    self.accepted = accepted
    self.flagged = flagged
    self.errors = errors
  }
}

/// Checks extracted facts before they load: confidence, known programs and airlines, values
/// in range, well-formed dates, and facts on one page that contradict each other.
///
/// Ranges: accrual 0–1,000 %; award prices 1–10,000,000 points; tier ranks 1–20; transfer
/// amounts 1–1,000,000; distance bands within 0–30,000 miles with the lower end first (an
/// open-ended band has only its lower end).
public struct FactValidator: Sendable {
  public var confidenceThreshold: Double

  public init(confidenceThreshold: Double = 0.8) {
    self.confidenceThreshold = confidenceThreshold
  }

  public func validate(_ facts: ExtractedFacts) -> FactValidation {
    var errors: [String] = []
    if facts.schemaVersion != ExtractedFacts.currentSchemaVersion {
      errors.append(
        "The facts use schema version \(facts.schemaVersion), but this validator reads version \(ExtractedFacts.currentSchemaVersion).")
    }
    if facts.facts.isEmpty { errors.append("no facts found") }
    var reasonsByFact = facts.facts.map { reasons(for: $0) }
    for (index, conflict) in conflicts(in: facts.facts) { reasonsByFact[index].append(conflict) }
    var accepted: [ExtractedFact] = []
    var flagged: [FlaggedFact] = []
    for (fact, factReasons) in zip(facts.facts, reasonsByFact) {
      if factReasons.isEmpty {
        accepted.append(fact)
      } else {
        flagged.append(FlaggedFact(fact: fact, reasons: factReasons))
      }
    }
    return FactValidation(accepted: accepted, flagged: flagged, errors: errors)
  }

  // MARK: One fact

  private func reasons(for fact: ExtractedFact) -> [String] {
    var reasons: [String] = []
    if !(0...1).contains(fact.confidence) {
      reasons.append("The confidence \(fact.confidence) is not between 0 and 1.")
    } else if fact.confidence < confidenceThreshold {
      reasons.append(
        "The extractor is only \(percent(fact.confidence)) sure of this fact; facts below \(percent(confidenceThreshold)) need a curator's check.")
    }
    func program(_ id: String, _ role: String = "program") {
      if ProgramDirectory.program(id: id) == nil { reasons.append("The \(role) \"\(id)\" is not a program the directory knows.") }
    }
    func airline(_ code: String) {
      if AirlineDirectory.airline(code: code) == nil { reasons.append("The airline \"\(code)\" is not in the airline directory.") }
    }
    func date(_ value: String?, _ what: String = "effective date") {
      guard let value else { return }
      if !Self.isValidDate(value) { reasons.append("The \(what) \"\(value)\" is not a real date written YYYY-MM-DD.") }
    }
    switch fact.body {
    case .earningRate(let rate):
      program(rate.program)
      airline(rate.carrier)
      if !(0...1000).contains(rate.accrualPercent) {
        reasons.append("An earning rate of \(number(rate.accrualPercent))% is outside 0–1,000%.")
      }
      if let bonus = rate.cabinBonusPercent, !(0...1000).contains(bonus) {
        reasons.append("A cabin bonus of \(number(bonus))% is outside 0–1,000%.")
      }
      if let minimum = rate.minimumMiles, !(0...100_000).contains(minimum) {
        reasons.append("A minimum of \(minimum) miles per flight is outside 0–100,000.")
      }
      for code in rate.fareClasses where !(code.count == 1 && code.first!.isUppercase && code.first!.isASCII) {
        reasons.append("\"\(code)\" is not a booking code (one capital letter).")
      }
      if !["operating", "marketing"].contains(rate.carrierMatch) {
        reasons.append("The carrier match \"\(rate.carrierMatch)\" is neither \"operating\" nor \"marketing\".")
      }
      date(rate.effectiveDate)
    case .revenueRate(let rate):
      program(rate.program)
      rate.carriers.forEach(airline)
      if rate.carriers.isEmpty { reasons.append("A revenue-based rate needs the airlines it applies to.") }
      if !(rate.currency.count == 3 && rate.currency.allSatisfy({ $0.isUppercase && $0.isASCII })) {
        reasons.append("\"\(rate.currency)\" is not an ISO currency code such as USD.")
      }
      if rate.rates.isEmpty { reasons.append("A revenue-based rate needs at least one tier's rate.") }
      for (tier, value) in rate.rates.sorted(by: { $0.key < $1.key }) where !(value > 0 && value <= 100) {
        reasons.append("\(tier.isEmpty ? "The base rate" : "The \(tier) rate") of \(number(value)) miles per unit is outside 0–100.")
      }
      date(rate.effectiveDate)
    case .transferRatio(let ratio):
      program(ratio.fromProgram, "source program")
      program(ratio.toProgram, "target program")
      if ratio.fromProgram == ratio.toProgram { reasons.append("A transfer goes from \"\(ratio.fromProgram)\" to itself.") }
      for (value, what) in [(ratio.fromPoints, "points given"), (ratio.toPoints, "points received"), (ratio.minimum, "minimum"), (ratio.increment, "increment")]
      where !(1...1_000_000).contains(value) {
        reasons.append("The transfer's \(what) (\(value)) is outside 1–1,000,000.")
      }
      if ratio.fromPoints > 0, ratio.toPoints > 0, TransferPartnerExtractor.gcd(ratio.fromPoints, ratio.toPoints) != 1 {
        reasons.append("The ratio \(ratio.fromPoints):\(ratio.toPoints) is not in lowest terms.")
      }
    case .awardPrice(let price):
      program(price.program)
      if !(1...10_000_000).contains(price.points) {
        reasons.append("An award price of \(price.points) points is outside 1–10,000,000.")
      }
      switch price.chart {
      case "zone":
        if price.originRegion == nil || price.destinationRegion == nil {
          reasons.append("A zone price needs both an origin and a destination region.")
        }
      case "distance":
        // An open-ended band ("7,001 and over") has no upper end.
        if let low = price.minDistance {
          let high = price.maxDistance ?? low
          if !(0...30_000).contains(low) || !(0...30_000).contains(high) {
            reasons.append("The distance band \(low)–\(price.maxDistance.map(String.init) ?? "") miles is outside 0–30,000.")
          } else if low > high {
            reasons.append("The distance band \(low)–\(high) miles starts above where it ends.")
          }
        } else {
          reasons.append("A distance price needs the lower end of its band.")
        }
      default:
        reasons.append("The chart kind \"\(price.chart)\" is neither \"zone\" nor \"distance\".")
      }
      if !["own", "partner", "any"].contains(price.operatedBy) {
        reasons.append("\"\(price.operatedBy)\" is not one of own, partner or any.")
      }
      date(price.effectiveDate)
    case .eliteTier(let tier):
      program(tier.program)
      if tier.name.trimmingCharacters(in: .whitespaces).isEmpty { reasons.append("The tier has no name.") }
      if !(1...20).contains(tier.rank) { reasons.append("The rank \(tier.rank) is outside 1–20.") }
      for (metric, value) in tier.qualification.sorted(by: { $0.key < $1.key }) where value < 0 || value > 10_000_000 {
        reasons.append("The qualification \(number(value)) \(metric) is outside 0–10,000,000.")
      }
      if let bonus = tier.bonusPercent, !(0...1000).contains(bonus) {
        reasons.append("A tier bonus of \(number(bonus))% is outside 0–1,000%.")
      }
    case .partner(let partner):
      program(partner.program)
      airline(partner.airline)
      if !partner.earn && !partner.redeem { reasons.append("The partner neither earns nor redeems.") }
    }
    return reasons
  }

  // MARK: Contradictions

  /// Facts that say different things about the same thing, by index, with the reason.
  private func conflicts(in facts: [ExtractedFact]) -> [(Int, String)] {
    var groups: [String: [(index: Int, value: String)]] = [:]
    var descriptions: [String: String] = [:]
    for (index, fact) in facts.enumerated() {
      for (key, description, value) in conflictKeys(fact.body) {
        groups[key, default: []].append((index, value))
        descriptions[key] = description
      }
    }
    var result: [(Int, String)] = []
    for (key, members) in groups.sorted(by: { $0.key < $1.key }) {
      let values = Array(Set(members.map(\.value))).sorted()
      guard values.count > 1 else { continue }
      let reason = "\(descriptions[key]!) differs between facts on this page: \(values.joined(separator: " and "))."
      for member in members where !result.contains(where: { $0.0 == member.index && $0.1 == reason }) {
        result.append((member.index, reason))
      }
    }
    return result
  }

  /// What a fact is about (key), in words, and what it says about it (value).
  private func conflictKeys(_ body: FactBody) -> [(String, String, String)] {
    switch body {
    case .earningRate(let rate):
      let classes = rate.fareClasses.isEmpty ? ["cabin:\(rate.cabin.rawValue)"] : rate.fareClasses
      return classes.map { fareClass in
        let what = fareClass.hasPrefix("cabin:") ? "\(rate.cabin.rawValue) cabin" : "fare class \(fareClass)"
        return (
          "earn|\(rate.program)|\(rate.carrier)|\(fareClass)|\(rate.carrierMatch)|\(rate.effectiveDate ?? "")",
          "The \(rate.program) earning rate for \(what) on \(rate.carrier)", "\(number(rate.accrualPercent))%"
        )
      }
    case .revenueRate(let rate):
      return rate.rates.map { tier, value in
        (
          "revenue|\(rate.program)|\(rate.carriers.joined(separator: ","))|\(rate.currency)|\(tier)|\(rate.effectiveDate ?? "")",
          "The \(rate.program) \(tier.isEmpty ? "base" : tier) rate per \(rate.currency)", number(value)
        )
      }
    case .transferRatio(let ratio):
      return [
        ("transfer|\(ratio.fromProgram)|\(ratio.toProgram)", "The transfer ratio from \(ratio.fromProgram) to \(ratio.toProgram)", "\(ratio.fromPoints):\(ratio.toPoints)")
      ]
    case .awardPrice(let price):
      let place =
        price.chart == "zone"
        ? "\(price.originRegion?.rawValue ?? "?") to \(price.destinationRegion?.rawValue ?? "?")"
        : "\(price.minDistance.map(String.init) ?? "?")–\(price.maxDistance.map(String.init) ?? "?") miles"
      return [
        (
          "award|\(price.program)|\(price.chart)|\(place)|\(price.cabin.rawValue)|\(price.operatedBy)|\(price.effectiveDate ?? "")",
          "The \(price.program) \(price.cabin.rawValue) price for \(place) (\(price.operatedBy) flights)", "\(price.points) points"
        )
      ]
    case .eliteTier(let tier):
      return [
        ("tier|\(tier.program)|\(tier.name.lowercased())", "The \(tier.program) tier \(tier.name)", tierDescription(tier)),
        ("rank|\(tier.program)|\(tier.rank)", "The \(tier.program) tier at rank \(tier.rank)", tier.name),
      ]
    case .partner(let partner):
      return [
        (
          "partner|\(partner.program)|\(partner.airline)", "What \(partner.airline) offers \(partner.program) members",
          "\(partner.earn ? "earn" : "no earn")/\(partner.redeem ? "redeem" : "no redeem")"
        )
      ]
    }
  }

  private func tierDescription(_ tier: EliteTierFact) -> String {
    let qualification = tier.qualification.sorted { $0.key < $1.key }.map { "\(number($0.value)) \($0.key)" }.joined(separator: ", ")
    return "rank \(tier.rank), \(qualification.isEmpty ? "no threshold" : qualification)"
      + (tier.bonusPercent.map { ", \(number($0))% bonus" } ?? "") + (tier.allianceTier.map { ", \($0)" } ?? "")
  }

  // MARK: Formatting

  static func isValidDate(_ text: String) -> Bool {
    let parts = text.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
      let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
    else { return false }
    var components = DateComponents()
    (components.year, components.month, components.day) = (year, month, day)
    return components.isValidDate(in: Calendar(identifier: .gregorian)) && (1900...2200).contains(year)
  }

  private func percent(_ value: Double) -> String { "\(Int((value * 100).rounded()))%" }

  private func number(_ value: Double) -> String {
    value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
  }
}
