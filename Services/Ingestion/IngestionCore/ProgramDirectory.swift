/// A loyalty program the offline extractors recognise.
public struct LoyaltyProgram: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    case airline
    case bank
  }

  /// The graph's program id without the "program:" prefix, e.g. "ac-aeroplan".
  public var id: String
  public var name: String
  /// Other names pages use, matched case-insensitively on word boundaries.
  public var aliases: [String]
  public var kind: Kind
  /// What the program's points are called ("miles", "Avios", "points").
  public var currency: String
  /// The IATA code of the airline that runs an airline program.
  public var airline: String?
  /// Other airlines whose own program this is (Flying Blue for KLM as well as Air France).
  public var otherAirlines: [String]

  public init(
    id: String, name: String, aliases: [String], kind: Kind, currency: String, airline: String? = nil, otherAirlines: [String] = []
  ) {
    self.id = id
    self.name = name
    self.aliases = aliases
    self.kind = kind
    self.currency = currency
    self.airline = airline
    self.otherAirlines = otherAirlines
  }
}

/// The programs the offline extractors know, by id and by the names pages call them.
///
/// Only names that identify one program are aliases: "Avios" alone is the currency of four
/// programs and "miles" of many, so neither is; "Membership Rewards" is American Express's.
public enum ProgramDirectory {
  public static let programs: [LoyaltyProgram] = [
    LoyaltyProgram(
      id: "aa-aadvantage", name: "AAdvantage", aliases: ["American Airlines AAdvantage", "American AAdvantage"], kind: .airline,
      currency: "miles", airline: "AA"),
    LoyaltyProgram(
      id: "ba-executive-club", name: "British Airways Club",
      aliases: ["Executive Club", "British Airways Executive Club", "BA Executive Club", "The British Airways Club", "BA Club"],
      kind: .airline, currency: "Avios", airline: "BA"),
    LoyaltyProgram(
      id: "qr-privilege-club", name: "Qatar Airways Privilege Club", aliases: ["Privilege Club", "Qmiles"], kind: .airline,
      currency: "Avios", airline: "QR"),
    LoyaltyProgram(
      id: "ua-mileageplus", name: "United MileagePlus", aliases: ["MileagePlus", "Mileage Plus", "United Mileage Plus"], kind: .airline,
      currency: "miles", airline: "UA"),
    LoyaltyProgram(
      id: "ac-aeroplan", name: "Aeroplan", aliases: ["Air Canada Aeroplan"], kind: .airline, currency: "points", airline: "AC"),
    LoyaltyProgram(
      id: "af-flying-blue", name: "Flying Blue", aliases: ["Air France KLM Flying Blue", "Air France Flying Blue", "KLM Flying Blue"],
      kind: .airline, currency: "Miles", airline: "AF", otherAirlines: ["KL"]),
    LoyaltyProgram(
      id: "dl-skymiles", name: "Delta SkyMiles", aliases: ["SkyMiles", "Sky Miles"], kind: .airline, currency: "miles", airline: "DL"),
    LoyaltyProgram(
      id: "b6-trueblue", name: "JetBlue TrueBlue", aliases: ["TrueBlue", "JetBlue TrueBlue"], kind: .airline, currency: "points",
      airline: "B6"),
    LoyaltyProgram(
      id: "amex-membership-rewards", name: "American Express Membership Rewards",
      aliases: ["Membership Rewards", "Amex Membership Rewards", "American Express", "Amex"], kind: .bank, currency: "points"),
    LoyaltyProgram(
      id: "chase-ultimate-rewards", name: "Chase Ultimate Rewards", aliases: ["Ultimate Rewards", "Chase"], kind: .bank,
      currency: "points"),
    LoyaltyProgram(
      id: "citi-thankyou", name: "Citi ThankYou Rewards", aliases: ["ThankYou Rewards", "ThankYou", "Citi ThankYou", "Citi"],
      kind: .bank, currency: "points"),
    LoyaltyProgram(
      id: "as-mileage-plan", name: "Alaska Airlines Mileage Plan", aliases: ["Mileage Plan", "Alaska Mileage Plan", "Atmos Rewards"],
      kind: .airline, currency: "miles", airline: "AS"),
    LoyaltyProgram(
      id: "vs-flying-club", name: "Virgin Atlantic Flying Club", aliases: ["Flying Club", "Virgin Points"], kind: .airline,
      currency: "points", airline: "VS"),
    LoyaltyProgram(
      id: "lh-miles-and-more", name: "Lufthansa Miles & More", aliases: ["Miles & More", "Miles and More"], kind: .airline,
      currency: "miles", airline: "LH", otherAirlines: ["LX", "OS", "SN"]),
    LoyaltyProgram(
      id: "sq-krisflyer", name: "Singapore Airlines KrisFlyer", aliases: ["KrisFlyer", "Kris Flyer"], kind: .airline, currency: "miles",
      airline: "SQ"),
    LoyaltyProgram(
      id: "ek-skywards", name: "Emirates Skywards", aliases: ["Skywards"], kind: .airline, currency: "miles", airline: "EK"),
    LoyaltyProgram(
      id: "cx-asia-miles", name: "Cathay Pacific Asia Miles", aliases: ["Asia Miles", "Cathay Asia Miles"], kind: .airline,
      currency: "miles", airline: "CX"),
    LoyaltyProgram(
      id: "ib-iberia-plus", name: "Iberia Plus", aliases: ["Iberia Club"], kind: .airline, currency: "Avios", airline: "IB"),
    LoyaltyProgram(
      id: "capital-one-miles", name: "Capital One Miles", aliases: ["Capital One"], kind: .bank, currency: "miles"),
    LoyaltyProgram(id: "bilt-rewards", name: "Bilt Rewards", aliases: ["Bilt"], kind: .bank, currency: "points"),
  ]

  public static func program(id: String) -> LoyaltyProgram? { byID[id] }

  /// The airline program an airline's own flights earn in ("BA" → the British Airways Club).
  public static func program(ofAirline code: String) -> LoyaltyProgram? {
    programs.first { $0.airline == code } ?? programs.first { $0.otherAirlines.contains(code) }
  }

  /// The programs named in `text`, in order, each once per mention.
  public static func mentions(in text: String) -> [LoyaltyProgram] {
    index.matches(in: text).map(\.value)
  }

  /// The one program `text` names, when it names exactly one.
  public static func program(named text: String) -> LoyaltyProgram? {
    let found = Set(mentions(in: text).map(\.id))
    return found.count == 1 ? byID[found.first!] : nil
  }

  static let byID: [String: LoyaltyProgram] = Dictionary(uniqueKeysWithValues: programs.map { ($0.id, $0) })

  static let index: NameIndex<LoyaltyProgram> = {
    var index = NameIndex<LoyaltyProgram>()
    for program in programs {
      for name in [program.name] + program.aliases {
        switch name {
        // "Chase" and "Citi" are banks, but "chase" is also a verb.
        case "Chase", "Citi": index.add(name, program, notFollowedBy: ["the", "down", "after"])
        default: index.add(name, program)
        }
      }
    }
    return index
  }()
}
