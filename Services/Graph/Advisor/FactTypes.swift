import GraphModel

/// An airport as the advisor reads it.
public struct AirportFact: Sendable, Hashable {
  public var id: String
  public var iata: String
  public var icao: String?
  public var name: String
  public var city: String?
  public var country: String
  /// Nil when the stored region is not one of `Region` (the schema forbids it; tolerated).
  public var region: Region?
  public var latitude: Double
  public var longitude: Double
}

/// An airline and the alliance it belongs to, if any.
public struct AirlineFact: Sendable, Hashable {
  public var id: String
  public var iata: String
  public var icao: String?
  public var name: String
  public var country: String?
  public var active: Bool?
  /// The alliance node id (MEMBER_OF) and its name.
  public var allianceID: String?
  public var alliance: String?
  /// Program ids of the airline's own loyalty programs (HAS_LOYALTY_PROGRAM).
  public var programIDs: [String]
}

public struct AllianceFact: Sendable, Hashable {
  public var id: String
  public var name: String
  /// IATA codes of member airlines, sorted.
  public var members: [String]
  public var sourceDocumentID: String?
}

/// An airline the program partners with (PARTNERS_WITH) and for what.
public struct ProgramPartner: Sendable, Hashable {
  public var airline: String
  /// Nil when the edge does not say.
  public var earn: Bool?
  public var redeem: Bool?
  public var sourceDocumentID: String?

  public init(airline: String, earn: Bool?, redeem: Bool?, sourceDocumentID: String?) {
    self.airline = airline
    self.earn = earn
    self.redeem = redeem
    self.sourceDocumentID = sourceDocumentID
  }
}

/// A loyalty program or transferable bank currency.
public struct ProgramFact: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    case airline
    case bank
  }

  public enum AwardPricing: String, Sendable, Hashable {
    case fixed
    case dynamic
    case hybrid
  }

  /// The program id ("aa-aadvantage"); the node id is `nodeID` ("program:aa-aadvantage").
  public var id: String
  public var nodeID: String
  public var name: String
  public var kind: Kind
  public var currencyName: String
  public var awardPricing: AwardPricing?
  /// The metrics its elite tiers qualify on, e.g. ["Loyalty Points"].
  public var eliteMetrics: [String]
  /// Distances the program publishes, statute miles, keyed by `AirportPair.key` (codes sorted).
  public var publishedDistances: [String: Int]
  public var website: String?
  public var sourceDocumentID: String?
  /// Partner airlines (PARTNERS_WITH), sorted by IATA code.
  public var partners: [ProgramPartner]
  /// IATA codes of the airlines that own the program (HAS_LOYALTY_PROGRAM), sorted.
  public var owningAirlines: [String]

  /// IATA codes of partner airlines, sorted.
  public var partnerAirlines: [String] { partners.map(\.airline) }
}

/// A booking code of a carrier and the cabin it sells.
public struct FareClassFact: Sendable, Hashable {
  public var id: String
  public var carrier: String
  public var code: String
  public var cabin: Cabin
  public var description: String?
}

/// Identifies a fare class: carrier IATA code and one-letter booking code.
public struct FareClassKey: Sendable, Hashable {
  public var carrier: String
  public var code: String

  public init(carrier: String, code: String) {
    self.carrier = carrier
    self.code = code
  }
}

/// An elite tier of a program.
public struct EliteTierFact: Sendable, Hashable {
  public var id: String
  public var programID: String
  public var name: String
  /// 1 is the lowest elite tier.
  public var rank: Int
  /// What a year of activity must reach, by metric name; any one suffices.
  public var qualification: [String: Double]
  public var bonusPercent: Double?
  /// e.g. "Oneworld Emerald", "Star Gold".
  public var allianceTier: String?
  public var description: String?
  public var sourceDocumentID: String
}

/// One price of a fixed award chart: one way, one passenger.
public struct AwardChartEntryFact: Sendable, Hashable {
  public enum Chart: String, Sendable, Hashable {
    case zone
    case distance
  }

  public enum OperatedBy: String, Sendable, Hashable {
    case own
    case partner
    case any
  }

  public var id: String
  public var programID: String
  public var chart: Chart
  public var description: String?
  public var originRegion: Region?
  public var destinationRegion: Region?
  /// Distance charts: the band, both ends included.
  public var minDistance: Int?
  public var maxDistance: Int?
  public var cabin: Cabin
  public var points: Int
  public var operatedBy: OperatedBy
  /// IATA codes the price is narrowed to; nil when it covers every airline `operatedBy` allows.
  public var carriers: [String]?
  public var effectiveDate: CalendarDate?
  public var expirationDate: CalendarDate?
  public var sourceDocumentID: String
}

/// A transfer partnership (TRANSFERS_TO): `fromPoints` of the source become `toPoints` of the
/// target, at least `minimum` and in multiples of `increment` source points.
public struct TransferFact: Sendable, Hashable {
  public var fromProgramID: String
  public var toProgramID: String
  public var fromPoints: Int
  public var toPoints: Int
  public var minimum: Int
  public var increment: Int
  public var sourceDocumentID: String

  /// "1:1", "1000:800".
  public var ratio: String { "\(fromPoints):\(toPoints)" }
}

/// A public web page facts were taken from.
public struct DocumentFact: Sendable, Hashable {
  public var id: String
  public var url: String
  public var title: String
  public var publisher: String?
  public var retrievedDate: String?
}

/// A distance between two airports and where it comes from.
public struct FlightDistance: Sendable, Hashable {
  /// Statute miles, whole.
  public var miles: Int
  /// "great-circle" or "published by <program name>".
  public var source: String
  public var isPublished: Bool

  public init(miles: Int, source: String, isPublished: Bool) {
    self.miles = miles
    self.source = source
    self.isPublished = isPublished
  }
}

/// An unordered airport pair, the key of published distances.
public enum AirportPair {
  /// "AAA-BBB" with the codes in alphabetical order.
  public static func key(_ first: String, _ second: String) -> String {
    first <= second ? "\(first)-\(second)" : "\(second)-\(first)"
  }
}

/// A node the index could not read as its label's fact, and why; it stays reachable raw
/// through `LoyaltyFacts.node(_:)`.
public struct IgnoredFact: Sendable, Hashable {
  public var id: String
  public var reason: String
}
