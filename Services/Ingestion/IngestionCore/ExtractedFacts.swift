import Foundation
import GraphModel

/// What the extractors find in one document, in the one JSON schema every extractor (the
/// offline ones and the LLM) must produce. Stored as the "facts extracted" stage's output.
///
/// ```json
/// {"schema_version": 1, "page_type": "earning_chart", "facts": [
///   {"type": "earning_rate", "program": "ac-aeroplan", "carrier": "LH", "fare_classes": ["J", "C"],
///    "cabin": "business", "accrual_percent": 125, "carrier_match": "operating",
///    "confidence": 0.95, "evidence": "| J, C | Business | 125% |"}]}
/// ```
public struct ExtractedFacts: Codable, Sendable, Equatable {
  /// Bumped whenever a fact's meaning or fields change; stored documents say which they use.
  public static let currentSchemaVersion = 1

  public var schemaVersion: Int
  public var pageType: PageType
  public var facts: [ExtractedFact]

  public init(schemaVersion: Int = currentSchemaVersion, pageType: PageType, facts: [ExtractedFact]) {
    self.schemaVersion = schemaVersion
    self.pageType = pageType
    self.facts = facts
  }

  enum CodingKeys: String, CodingKey {
    case schemaVersion = "schema_version"
    case pageType = "page_type"
    case facts
  }
}

/// The kinds of page curators save.
public enum PageType: String, Codable, Sendable, CaseIterable {
  case earningChart = "earning_chart"
  case partnerPage = "partner_page"
  case transferPartners = "transfer_partners"
  case awardChart = "award_chart"
  case eliteTiers = "elite_tiers"
  case unknown
}

/// One fact with how sure the extractor is of it (0…1) and the text it came from.
public struct ExtractedFact: Codable, Sendable, Equatable {
  public var body: FactBody
  public var confidence: Double
  public var evidence: String

  public init(_ body: FactBody, confidence: Double, evidence: String = "") {
    self.body = body
    self.confidence = confidence
    self.evidence = evidence
  }

  enum CodingKeys: String, CodingKey {
    case confidence, evidence
  }

  public init(from decoder: any Decoder) throws {
    body = try FactBody(from: decoder)
    let container = try decoder.container(keyedBy: CodingKeys.self)
    confidence = try container.decodeIfPresent(Double.self, forKey: .confidence) ?? 1
    evidence = try container.decodeIfPresent(String.self, forKey: .evidence) ?? ""
  }

  public func encode(to encoder: any Encoder) throws {
    try body.encode(to: encoder)
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(confidence, forKey: .confidence)
    if !evidence.isEmpty { try container.encode(evidence, forKey: .evidence) }
  }
}

/// The fact itself. Programs are graph program ids without the "program:" prefix
/// ("ac-aeroplan"); airlines are IATA codes; cabins and regions use the graph's names
/// (`Cabin`, `Region`); dates are YYYY-MM-DD.
public enum FactBody: Sendable, Equatable, Hashable {
  /// A distance-based earning rate: `accrual_percent` % of the flown distance for the fare
  /// classes of `carrier` (one fare class or several sharing a rate).
  case earningRate(EarningRate)
  /// A revenue-based earning rate: miles per currency unit, by tier ("" is the base member).
  case revenueRate(RevenueRate)
  /// `from_points` of one program become `to_points` of another, in lowest terms, with the
  /// least transfer and the step.
  case transferRatio(TransferRatio)
  /// One award price: one way, one passenger.
  case awardPrice(AwardPrice)
  case eliteTier(EliteTierFact)
  /// An airline whose flights earn and/or redeem in the program.
  case partner(Partner)

  public var type: String {
    switch self {
    case .earningRate: "earning_rate"
    case .revenueRate: "revenue_rate"
    case .transferRatio: "transfer_ratio"
    case .awardPrice: "award_price"
    case .eliteTier: "elite_tier"
    case .partner: "partner"
    }
  }

  /// The program the fact belongs to (for a transfer, the one points leave).
  public var program: String {
    switch self {
    case .earningRate(let fact): fact.program
    case .revenueRate(let fact): fact.program
    case .transferRatio(let fact): fact.fromProgram
    case .awardPrice(let fact): fact.program
    case .eliteTier(let fact): fact.program
    case .partner(let fact): fact.program
    }
  }
}

public struct EarningRate: Codable, Sendable, Hashable {
  public var program: String
  public var carrier: String
  /// Booking codes, sorted; empty means every fare class of the carrier in `cabin`.
  public var fareClasses: [String]
  public var cabin: Cabin
  public var accrualPercent: Double
  public var cabinBonusPercent: Double?
  public var minimumMiles: Int?
  /// "operating" when the page says the rate applies to flights operated by the carrier,
  /// else "marketing".
  public var carrierMatch: String
  public var effectiveDate: String?

  public init(
    program: String, carrier: String, fareClasses: [String], cabin: Cabin, accrualPercent: Double,
    cabinBonusPercent: Double? = nil, minimumMiles: Int? = nil, carrierMatch: String = "marketing", effectiveDate: String? = nil
  ) {
    self.program = program
    self.carrier = carrier
    self.fareClasses = fareClasses.sorted()
    self.cabin = cabin
    self.accrualPercent = accrualPercent
    self.cabinBonusPercent = cabinBonusPercent
    self.minimumMiles = minimumMiles
    self.carrierMatch = carrierMatch
    self.effectiveDate = effectiveDate
  }

  enum CodingKeys: String, CodingKey {
    case program, carrier, cabin
    case fareClasses = "fare_classes"
    case accrualPercent = "accrual_percent"
    case cabinBonusPercent = "cabin_bonus_percent"
    case minimumMiles = "minimum_miles"
    case carrierMatch = "carrier_match"
    case effectiveDate = "effective_date"
  }
}

public struct RevenueRate: Codable, Sendable, Hashable {
  public var program: String
  /// Sorted IATA codes.
  public var carriers: [String]
  /// ISO 4217, e.g. "USD".
  public var currency: String
  /// Miles per currency unit by tier name; "" is the base member.
  public var rates: [String: Double]
  public var effectiveDate: String?

  public init(program: String, carriers: [String], currency: String, rates: [String: Double], effectiveDate: String? = nil) {
    self.program = program
    self.carriers = carriers.sorted()
    self.currency = currency
    self.rates = rates
    self.effectiveDate = effectiveDate
  }

  enum CodingKeys: String, CodingKey {
    case program, carriers, currency, rates
    case effectiveDate = "effective_date"
  }
}

public struct TransferRatio: Codable, Sendable, Hashable {
  public var fromProgram: String
  public var toProgram: String
  /// In lowest terms: "1,000 points = 800 Avios" is 5 → 4.
  public var fromPoints: Int
  public var toPoints: Int
  /// The least number of source points per transfer: as stated, else the block the page
  /// quotes ("1,000 points = …" → 1,000; "2:1" → 2).
  public var minimum: Int
  /// Transfers are in multiples of this many source points: as stated, else the quoted block.
  public var increment: Int

  public init(fromProgram: String, toProgram: String, fromPoints: Int, toPoints: Int, minimum: Int, increment: Int) {
    self.fromProgram = fromProgram
    self.toProgram = toProgram
    self.fromPoints = fromPoints
    self.toPoints = toPoints
    self.minimum = minimum
    self.increment = increment
  }

  enum CodingKeys: String, CodingKey {
    case minimum, increment
    case fromProgram = "from_program"
    case toProgram = "to_program"
    case fromPoints = "from_points"
    case toPoints = "to_points"
  }
}

public struct AwardPrice: Codable, Sendable, Hashable {
  public var program: String
  /// "zone" (region to region) or "distance" (a band of one-way miles flown).
  public var chart: String
  public var originRegion: Region?
  public var destinationRegion: Region?
  public var minDistance: Int?
  public var maxDistance: Int?
  public var cabin: Cabin
  public var points: Int
  /// "own", "partner" or "any": whose flights the price covers.
  public var operatedBy: String
  public var effectiveDate: String?

  public init(
    program: String, chart: String, originRegion: Region? = nil, destinationRegion: Region? = nil, minDistance: Int? = nil,
    maxDistance: Int? = nil, cabin: Cabin, points: Int, operatedBy: String, effectiveDate: String? = nil
  ) {
    self.program = program
    self.chart = chart
    self.originRegion = originRegion
    self.destinationRegion = destinationRegion
    self.minDistance = minDistance
    self.maxDistance = maxDistance
    self.cabin = cabin
    self.points = points
    self.operatedBy = operatedBy
    self.effectiveDate = effectiveDate
  }

  enum CodingKeys: String, CodingKey {
    case program, chart, cabin, points
    case originRegion = "origin_region"
    case destinationRegion = "destination_region"
    case minDistance = "min_distance"
    case maxDistance = "max_distance"
    case operatedBy = "operated_by"
    case effectiveDate = "effective_date"
  }
}

public struct EliteTierFact: Codable, Sendable, Hashable {
  public var program: String
  public var name: String
  /// 1 is the lowest elite tier.
  public var rank: Int
  /// What a year of activity must reach, by metric name ("Loyalty Points": 40000).
  public var qualification: [String: Double]
  public var bonusPercent: Double?
  public var allianceTier: String?

  public init(program: String, name: String, rank: Int, qualification: [String: Double], bonusPercent: Double? = nil, allianceTier: String? = nil) {
    self.program = program
    self.name = name
    self.rank = rank
    self.qualification = qualification
    self.bonusPercent = bonusPercent
    self.allianceTier = allianceTier
  }

  enum CodingKeys: String, CodingKey {
    case program, name, rank, qualification
    case bonusPercent = "bonus_percent"
    case allianceTier = "alliance_tier"
  }
}

public struct Partner: Codable, Sendable, Hashable {
  public var program: String
  public var airline: String
  public var earn: Bool
  public var redeem: Bool

  public init(program: String, airline: String, earn: Bool, redeem: Bool) {
    self.program = program
    self.airline = airline
    self.earn = earn
    self.redeem = redeem
  }
}

extension FactBody: Codable {
  private enum TypeKey: String, CodingKey { case type }

  public init(from decoder: any Decoder) throws {
    let type = try decoder.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
    switch type {
    case "earning_rate": self = .earningRate(try EarningRate(from: decoder))
    case "revenue_rate": self = .revenueRate(try RevenueRate(from: decoder))
    case "transfer_ratio": self = .transferRatio(try TransferRatio(from: decoder))
    case "award_price": self = .awardPrice(try AwardPrice(from: decoder))
    case "elite_tier": self = .eliteTier(try EliteTierFact(from: decoder))
    case "partner": self = .partner(try Partner(from: decoder))
    default:
      throw DecodingError.dataCorrupted(
        .init(codingPath: decoder.codingPath + [TypeKey.type], debugDescription: "unknown fact type '\(type)'"))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: TypeKey.self)
    try container.encode(type, forKey: .type)
    switch self {
    case .earningRate(let fact): try fact.encode(to: encoder)
    case .revenueRate(let fact): try fact.encode(to: encoder)
    case .transferRatio(let fact): try fact.encode(to: encoder)
    case .awardPrice(let fact): try fact.encode(to: encoder)
    case .eliteTier(let fact): try fact.encode(to: encoder)
    case .partner(let fact): try fact.encode(to: encoder)
    }
  }
}

extension ExtractedFacts {
  /// Sorted-key JSON, so equal facts are stored as equal bytes.
  public func jsonData() throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
    return try encoder.encode(self)
  }

  public static func decode(_ data: Data) throws -> ExtractedFacts {
    try JSONDecoder().decode(ExtractedFacts.self, from: data)
  }
}
