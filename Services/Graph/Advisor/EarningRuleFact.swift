import GraphModel

/// An earning rule with every property decoded (see `GraphSchema` for their meaning).
public struct EarningRuleFact: Sendable, Hashable {
  public enum Basis: String, Sendable, Hashable {
    case distance
    case revenue
  }

  public enum CarrierMatch: String, Sendable, Hashable {
    case marketing
    case operating
  }

  public enum State: String, Sendable, Hashable {
    case announced
    case effective
    case cancelled
  }

  /// An elite metric a rule earns: `amount` per `per`.
  public struct EliteMetric: Sendable, Hashable {
    public enum Per: String, Sendable, Hashable {
      /// Per mile of flown distance.
      case mile
      /// Per base mile (distance × accrual, or revenue × base rate).
      case baseMile = "base_mile"
      /// Per redeemable mile of the segment, bonuses included.
      case redeemableMile = "redeemable_mile"
      case segment
      /// Per currency unit of the segment's eligible revenue.
      case currencyUnit = "currency_unit"
    }

    public var name: String
    public var per: Per
    public var amount: Double

    public init(name: String, per: Per, amount: Double) {
      self.name = name
      self.per = per
      self.amount = amount
    }
  }

  public var id: String
  public var programID: String
  public var description: String
  public var basis: Basis
  /// IATA codes.
  public var carriers: [String]
  public var carrierMatch: CarrierMatch
  /// One-letter booking codes; nil when the rule covers every fare class of its carriers.
  public var fareClasses: [String]?
  public var accrualPercent: Double?
  public var cabinBonusPercent: Double?
  /// Miles per currency unit by tier ("" is the base member).
  public var revenueRates: [String: Double]
  public var revenueCurrency: String?
  /// Status bonus % of base miles by tier.
  public var eliteBonusPercent: [String: Double]
  public var minimumMiles: Int?
  public var eliteMetrics: [EliteMetric]
  public var state: State
  public var effectiveDate: CalendarDate
  public var expirationDate: CalendarDate?
  public var priority: Int
  public var sourceDocumentID: String

  /// Whether the rule names the code among its fare classes (or names none).
  public func covers(fareClass code: String) -> Bool {
    fareClasses.map { $0.contains(code) } ?? true
  }

  /// Whether the travel date falls within the rule's dates (both ends included).
  public func isInForce(on date: CalendarDate) -> Bool {
    effectiveDate <= date && expirationDate.map { date <= $0 } ?? true
  }

  /// How narrowly the rule is written, to break priority ties: one fare-class list beats all
  /// fare classes, fewer fare classes and fewer carriers beat more.
  var specificity: (Int, Int, Int) {
    (fareClasses == nil ? 0 : 1, -(fareClasses?.count ?? 0), -carriers.count)
  }
}
