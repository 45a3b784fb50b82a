import Foundation

/// An airline the offline extractors recognise.
public struct KnownAirline: Sendable, Hashable {
  /// The IATA code, e.g. "LH".
  public var code: String
  public var name: String
  /// Other names pages use, regional brands included ("American Eagle" is American's).
  public var aliases: [String]

  public init(code: String, name: String, aliases: [String] = []) {
    self.code = code
    self.name = name
    self.aliases = aliases
  }
}

/// The airlines the offline extractors know, by IATA code and by the names pages use.
///
/// Short names that are also other things are guarded: "American" is not followed by
/// "Express", "United" not by "States" or "Kingdom", "Emirates" not preceded by "Arab";
/// "China" alone is no airline ("Air China", "China Airlines" and China Eastern differ).
public enum AirlineDirectory {
  public static let airlines: [KnownAirline] = [
    KnownAirline(code: "AA", name: "American Airlines", aliases: ["American", "American Eagle"]),
    KnownAirline(code: "AS", name: "Alaska Airlines", aliases: ["Alaska", "Horizon Air"]),
    KnownAirline(code: "BA", name: "British Airways", aliases: ["BA", "BA CityFlyer", "BA Euroflyer"]),
    KnownAirline(code: "CX", name: "Cathay Pacific", aliases: ["Cathay", "Cathay Pacific Airways"]),
    KnownAirline(code: "AY", name: "Finnair"),
    KnownAirline(code: "IB", name: "Iberia", aliases: ["Iberia Express", "Air Nostrum"]),
    KnownAirline(code: "JL", name: "Japan Airlines", aliases: ["JAL"]),
    KnownAirline(code: "MH", name: "Malaysia Airlines"),
    KnownAirline(code: "QF", name: "Qantas", aliases: ["Qantas Airways", "QantasLink"]),
    KnownAirline(code: "QR", name: "Qatar Airways", aliases: ["Qatar"]),
    KnownAirline(code: "AT", name: "Royal Air Maroc"),
    KnownAirline(code: "RJ", name: "Royal Jordanian", aliases: ["Royal Jordanian Airlines"]),
    KnownAirline(code: "UL", name: "SriLankan Airlines", aliases: ["SriLankan", "Sri Lankan Airlines"]),
    KnownAirline(code: "UA", name: "United Airlines", aliases: ["United", "United Express"]),
    KnownAirline(code: "AC", name: "Air Canada", aliases: ["Air Canada Express", "Air Canada Rouge"]),
    KnownAirline(code: "LH", name: "Lufthansa", aliases: ["Lufthansa CityLine", "Lufthansa City Airlines", "Deutsche Lufthansa"]),
    KnownAirline(code: "NH", name: "All Nippon Airways", aliases: ["ANA"]),
    KnownAirline(code: "SQ", name: "Singapore Airlines"),
    KnownAirline(code: "LX", name: "Swiss International Air Lines", aliases: ["SWISS", "Swiss International Airlines", "Swiss Air Lines"]),
    KnownAirline(code: "OS", name: "Austrian Airlines", aliases: ["Austrian"]),
    KnownAirline(code: "TK", name: "Turkish Airlines"),
    KnownAirline(code: "TG", name: "Thai Airways", aliases: ["Thai Airways International", "THAI"]),
    KnownAirline(code: "NZ", name: "Air New Zealand"),
    KnownAirline(code: "ET", name: "Ethiopian Airlines", aliases: ["Ethiopian"]),
    KnownAirline(code: "CA", name: "Air China"),
    KnownAirline(code: "BR", name: "EVA Air", aliases: ["EVA Airways"]),
    KnownAirline(code: "TP", name: "TAP Air Portugal", aliases: ["TAP Portugal", "TAP"]),
    KnownAirline(code: "LO", name: "LOT Polish Airlines", aliases: ["LOT"]),
    KnownAirline(code: "SN", name: "Brussels Airlines"),
    KnownAirline(code: "AV", name: "Avianca"),
    KnownAirline(code: "CM", name: "Copa Airlines", aliases: ["Copa"]),
    KnownAirline(code: "MS", name: "Egyptair", aliases: ["Egypt Air"]),
    KnownAirline(code: "SA", name: "South African Airways", aliases: ["SAA"]),
    KnownAirline(code: "AI", name: "Air India"),
    KnownAirline(code: "A3", name: "Aegean Airlines", aliases: ["Aegean"]),
    KnownAirline(code: "DL", name: "Delta Air Lines", aliases: ["Delta", "Delta Connection", "Delta Airlines"]),
    KnownAirline(code: "AF", name: "Air France"),
    KnownAirline(code: "KL", name: "KLM", aliases: ["KLM Royal Dutch Airlines", "KLM Cityhopper"]),
    KnownAirline(code: "KE", name: "Korean Air"),
    KnownAirline(code: "AM", name: "Aeromexico", aliases: ["Aeroméxico", "Grupo Aeromexico"]),
    KnownAirline(code: "VS", name: "Virgin Atlantic", aliases: ["Virgin Atlantic Airways"]),
    KnownAirline(code: "VN", name: "Vietnam Airlines"),
    KnownAirline(code: "CI", name: "China Airlines"),
    KnownAirline(code: "KQ", name: "Kenya Airways"),
    KnownAirline(code: "SK", name: "SAS", aliases: ["Scandinavian Airlines", "Scandinavian Airlines System"]),
    KnownAirline(code: "B6", name: "JetBlue", aliases: ["JetBlue Airways", "Jet Blue"]),
    KnownAirline(code: "EK", name: "Emirates"),
    KnownAirline(code: "EY", name: "Etihad Airways", aliases: ["Etihad"]),
    KnownAirline(code: "HA", name: "Hawaiian Airlines", aliases: ["Hawaiian"]),
  ]

  public static func airline(code: String) -> KnownAirline? { byCode[code] }

  /// The airlines named in `text`, in order, once per mention.
  public static func mentions(in text: String) -> [KnownAirline] {
    index.matches(in: text).map(\.value)
  }

  /// The airline a table cell or short label names: by name, or by its IATA code when the
  /// cell is the code alone ("LH") or ends with it in parentheses ("Lufthansa (LH)").
  public static func airline(named text: String) -> KnownAirline? {
    let trimmed = text.trimmingSpaces
    if let airline = byCode[trimmed] { return airline }
    let found = mentions(in: trimmed)
    if let first = found.first, found.allSatisfy({ $0.code == first.code }) { return first }
    return nil
  }

  static let byCode: [String: KnownAirline] = Dictionary(uniqueKeysWithValues: airlines.map { ($0.code, $0) })

  static let index: NameIndex<KnownAirline> = {
    var index = NameIndex<KnownAirline>()
    for airline in airlines {
      for name in [airline.name] + airline.aliases {
        switch name {
        case "American":
          index.add(name, airline, notFollowedBy: ["express", "samoa", "dollar", "dollars", "airports", "football"])
        case "United":
          index.add(name, airline, notFollowedBy: ["states", "kingdom", "arab", "nations"])
        case "Emirates":
          index.add(name, airline, notPrecededBy: ["arab"])
        default:
          index.add(name, airline)
        }
      }
    }
    return index
  }()
}
