import Advisor
import GraphModel

/// A small graph for the award and question tests: five airports with their real
/// coordinates, three airlines and their programs, three bank currencies, zone and distance
/// award charts, transfer terms chosen to exercise ratios, minimums and increments, and
/// AAdvantage earning on British Airways. The prices and terms are the fixture's own, not
/// the programs' current ones.
enum AdvisorSampleGraph {
  static let today = CalendarDate("2025-06-01")!

  static var facts: LoyaltyFacts { LoyaltyFacts(nodes: nodes, edges: edges) }

  static var nodes: [GraphNode] {
    documents + airports + airlines + programs + awardChart + fareClasses + earning + tiers
  }

  static var edges: [GraphEdge] {
    [
      GraphEdge(type: .memberOf, fromID: "airline:AA", toID: "alliance:oneworld"),
      GraphEdge(type: .memberOf, fromID: "airline:BA", toID: "alliance:oneworld"),
      GraphEdge(type: .memberOf, fromID: "airline:AF", toID: "alliance:skyteam"),
      GraphEdge(type: .hasLoyaltyProgram, fromID: "airline:AA", toID: "program:aa-aadvantage"),
      GraphEdge(type: .hasLoyaltyProgram, fromID: "airline:BA", toID: "program:ba-executive-club"),
      GraphEdge(type: .hasLoyaltyProgram, fromID: "airline:AF", toID: "program:af-flying-blue"),
      GraphEdge(type: .partnersWith, fromID: "program:aa-aadvantage", toID: "airline:BA", properties: ["earn": true, "redeem": true]),
      GraphEdge(type: .partnersWith, fromID: "program:ba-executive-club", toID: "airline:AA", properties: ["earn": true, "redeem": true]),
      transfer("amex-membership-rewards", "ba-executive-club", 1, 1, minimum: 1_000, increment: 1_000),
      transfer("amex-membership-rewards", "af-flying-blue", 1, 1, minimum: 1_000, increment: 1_000),
      transfer("chase-ultimate-rewards", "af-flying-blue", 1, 1, minimum: 5_000, increment: 1_000),
      transfer("citi-thankyou", "ba-executive-club", 1_000, 800, minimum: 1_000, increment: 1_000),
      transfer("citi-thankyou", "aa-aadvantage", 1, 1, minimum: 1_000, increment: 1_000),
      GraphEdge(type: .hasEliteTier, fromID: "program:aa-aadvantage", toID: "tier:aa-aadvantage:gold"),
      GraphEdge(type: .hasEliteTier, fromID: "program:aa-aadvantage", toID: "tier:aa-aadvantage:executive-platinum"),
    ]
  }

  static func transfer(_ from: String, _ to: String, _ fromPoints: Int, _ toPoints: Int, minimum: Int, increment: Int) -> GraphEdge {
    GraphEdge(
      type: .transfersTo, fromID: "program:\(from)", toID: "program:\(to)",
      properties: [
        "from_points": .number(Double(fromPoints)), "to_points": .number(Double(toPoints)), "minimum": .number(Double(minimum)),
        "increment": .number(Double(increment)), "source_document_id": "doc:fixture-transfers",
      ])
  }

  static let documents: [GraphNode] = [
    document("doc:fixture-award-charts", "Award charts (fixture)", "https://example.com/award-charts"),
    document("doc:fixture-transfers", "Transfer partners (fixture)", "https://example.com/transfers"),
    document("doc:fixture-aa-partner-earning", "AAdvantage partner earning (fixture)", "https://example.com/aa-partners"),
    document("doc:fixture-programs", "Loyalty programs (fixture)", "https://example.com/programs"),
  ]

  static func document(_ id: String, _ title: String, _ url: String) -> GraphNode {
    GraphNode(id: id, label: .webSourceDocument, properties: ["title": .string(title), "url": .string(url), "retrieved_date": "2025-05-01"])
  }

  static let airports: [GraphNode] = [
    airport("JFK", "John F Kennedy International Airport", "New York", "United States", .northAmerica, 40.63980103, -73.77890015),
    airport("LGA", "La Guardia Airport", "New York", "United States", .northAmerica, 40.77719879, -73.87259674),
    airport("BOS", "General Edward Lawrence Logan International Airport", "Boston", "United States", .northAmerica, 42.36429977, -71.00520325),
    airport("DFW", "Dallas Fort Worth International Airport", "Dallas-Fort Worth", "United States", .northAmerica, 32.896801, -97.038002),
    airport("LHR", "London Heathrow Airport", "London", "United Kingdom", .europe, 51.4706, -0.461941),
    airport("LGW", "London Gatwick Airport", "London", "United Kingdom", .europe, 51.148102, -0.190278),
    airport("CDG", "Charles de Gaulle International Airport", "Paris", "France", .europe, 49.012798, 2.55),
    airport("SGF", "Springfield Branson National Airport", "Springfield", "United States", .northAmerica, 37.245667, -93.388639),
    airport("SPI", "Abraham Lincoln Capital Airport", "Springfield", "United States", .northAmerica, 39.8441, -89.677902),
  ]

  static func airport(_ iata: String, _ name: String, _ city: String, _ country: String, _ region: Region, _ latitude: Double, _ longitude: Double)
    -> GraphNode
  {
    GraphNode(
      id: "airport:\(iata)", label: .airport,
      properties: [
        "iata": .string(iata), "name": .string(name), "city": .string(city), "country": .string(country), "region": .string(region.rawValue),
        "latitude": .number(latitude), "longitude": .number(longitude),
      ])
  }

  static let airlines: [GraphNode] = [
    GraphNode(id: "airline:AA", label: .airline, properties: ["iata": "AA", "icao": "AAL", "name": "American Airlines", "active": true]),
    GraphNode(id: "airline:BA", label: .airline, properties: ["iata": "BA", "icao": "BAW", "name": "British Airways", "active": true]),
    GraphNode(id: "airline:AF", label: .airline, properties: ["iata": "AF", "icao": "AFR", "name": "Air France", "active": true]),
    GraphNode(id: "alliance:oneworld", label: .alliance, properties: ["name": "oneworld"]),
    GraphNode(id: "alliance:skyteam", label: .alliance, properties: ["name": "SkyTeam"]),
  ]

  static let programs: [GraphNode] = [
    program("aa-aadvantage", "American Airlines AAdvantage", kind: "airline", currency: "miles", pricing: "hybrid"),
    program("ba-executive-club", "British Airways Executive Club", kind: "airline", currency: "Avios", pricing: "fixed"),
    program("af-flying-blue", "Air France-KLM Flying Blue", kind: "airline", currency: "miles", pricing: "dynamic"),
    program("amex-membership-rewards", "American Express Membership Rewards", kind: "bank", currency: "points", pricing: nil),
    program("chase-ultimate-rewards", "Chase Ultimate Rewards", kind: "bank", currency: "points", pricing: nil),
    program("citi-thankyou", "Citi ThankYou Rewards", kind: "bank", currency: "points", pricing: nil),
  ]

  static func program(_ id: String, _ name: String, kind: String, currency: String, pricing: String?) -> GraphNode {
    var properties: Properties = [
      "name": .string(name), "kind": .string(kind), "currency_name": .string(currency), "source_document_id": "doc:fixture-programs",
    ]
    if let pricing { properties["award_pricing"] = .string(pricing) }
    if id == "aa-aadvantage" { properties["elite_metrics"] = ["Loyalty Points"] }
    return GraphNode(id: "program:\(id)", label: .loyaltyProgram, properties: properties)
  }

  /// Great-circle distances with these coordinates: JFK–LHR 3,451 miles, BOS–LHR 3,265,
  /// DFW–LHR 4,750.
  static let awardChart: [GraphNode] = [
    zone("award:aa:na-eu-business-partner", "aa-aadvantage", .northAmerica, .europe, "business", 57_500, "partner", carriers: ["BA"]),
    zone("award:aa:na-eu-business-own", "aa-aadvantage", .northAmerica, .europe, "business", 60_000, "own"),
    distance("award:ba:3001-4000-business", "ba-executive-club", 3_001, 4_000, "business", 50_000, "any"),
    distance("award:ba:2001-3000-business", "ba-executive-club", 2_001, 3_000, "business", 40_000, "any"),
    distance("award:ba:3001-4000-economy", "ba-executive-club", 3_001, 4_000, "economy", 13_000, "any"),
    distance("award:ba:3001-4000-business-2020", "ba-executive-club", 3_001, 4_000, "business", 45_000, "any", expires: "2020-12-31"),
    // Stated Europe → North America: zone entries match either direction.
    zone("award:af:eu-na-business", "af-flying-blue", .europe, .northAmerica, "business", 60_000, "own"),
    zone("award:af:eu-na-business-2099", "af-flying-blue", .europe, .northAmerica, "business", 30_000, "own", effective: "2099-01-01"),
  ]

  static func zone(
    _ id: String, _ program: String, _ from: Region, _ to: Region, _ cabin: String, _ points: Int, _ operatedBy: String,
    carriers: [String]? = nil, effective: String? = nil
  ) -> GraphNode {
    var properties: Properties = [
      "program_id": .string(program), "chart": "zone", "origin_region": .string(from.rawValue), "destination_region": .string(to.rawValue),
      "cabin": .string(cabin), "points": .number(Double(points)), "operated_by": .string(operatedBy),
      "source_document_id": "doc:fixture-award-charts",
    ]
    if let carriers { properties["carriers"] = .list(carriers.map(PropertyValue.string)) }
    if let effective { properties["effective_date"] = .string(effective) }
    return GraphNode(id: id, label: .awardChartEntry, properties: properties)
  }

  static func distance(
    _ id: String, _ program: String, _ low: Int, _ high: Int, _ cabin: String, _ points: Int, _ operatedBy: String, expires: String? = nil
  ) -> GraphNode {
    var properties: Properties = [
      "program_id": .string(program), "chart": "distance", "min_distance": .number(Double(low)), "max_distance": .number(Double(high)),
      "cabin": .string(cabin), "points": .number(Double(points)), "operated_by": .string(operatedBy),
      "source_document_id": "doc:fixture-award-charts",
    ]
    if let expires {
      properties["effective_date"] = "2015-01-01"
      properties["expiration_date"] = .string(expires)
    }
    return GraphNode(id: id, label: .awardChartEntry, properties: properties)
  }

  static let fareClasses: [GraphNode] = [
    fare("BA", "F", "first"), fare("BA", "J", "business"), fare("BA", "I", "business"), fare("BA", "Y", "economy"),
    fare("BA", "O", "economy"), fare("AA", "J", "business"), fare("AA", "Y", "economy"),
  ]

  static func fare(_ carrier: String, _ code: String, _ cabin: String) -> GraphNode {
    GraphNode(id: "fare:\(carrier):\(code)", label: .fareClass, properties: ["carrier": .string(carrier), "code": .string(code), "cabin": .string(cabin)])
  }

  static let earning: [GraphNode] = [
    GraphNode(
      id: "rule:aa:ba-business", label: .earningRule,
      properties: [
        "program_id": "aa-aadvantage", "description": "British Airways-marketed business (J, I): 250% of distance", "basis": "distance",
        "carriers": ["BA"], "carrier_match": "marketing", "fare_classes": ["J", "I"], "accrual_percent": 250,
        "elite_metrics": [["name": "Loyalty Points", "per": "redeemable_mile", "amount": 1]], "state": "effective",
        "effective_date": "2024-01-01", "source_document_id": "doc:fixture-aa-partner-earning",
      ]),
    GraphNode(
      id: "rule:aa:ba-economy", label: .earningRule,
      properties: [
        "program_id": "aa-aadvantage", "description": "British Airways-marketed economy (Y, O): 100% of distance, 500 minimum",
        "basis": "distance", "carriers": ["BA"], "carrier_match": "marketing", "fare_classes": ["Y", "O"], "accrual_percent": 100,
        "minimum_miles": 500, "elite_metrics": [["name": "Loyalty Points", "per": "redeemable_mile", "amount": 1]], "state": "effective",
        "effective_date": "2024-01-01", "source_document_id": "doc:fixture-aa-partner-earning",
      ]),
    GraphNode(
      id: "rule:aa:aa-revenue", label: .earningRule,
      properties: [
        "program_id": "aa-aadvantage", "description": "American Airlines-marketed flights: miles per USD by status", "basis": "revenue",
        "carriers": ["AA"], "carrier_match": "marketing",
        "revenue_rates": ["": 5, "Gold": 7, "Executive Platinum": 11], "revenue_currency": "USD",
        "elite_metrics": [["name": "Loyalty Points", "per": "redeemable_mile", "amount": 1]], "state": "effective",
        "effective_date": "2024-01-01", "source_document_id": "doc:fixture-aa-partner-earning",
      ]),
  ]

  static let tiers: [GraphNode] = [
    GraphNode(
      id: "tier:aa-aadvantage:gold", label: .eliteTier,
      properties: [
        "program_id": "aa-aadvantage", "name": "Gold", "rank": 1, "qualification": ["Loyalty Points": 40_000],
        "alliance_tier": "Oneworld Ruby", "source_document_id": "doc:fixture-programs",
      ]),
    GraphNode(
      id: "tier:aa-aadvantage:executive-platinum", label: .eliteTier,
      properties: [
        "program_id": "aa-aadvantage", "name": "Executive Platinum", "rank": 4, "qualification": ["Loyalty Points": 200_000],
        "alliance_tier": "Oneworld Emerald", "source_document_id": "doc:fixture-programs",
      ]),
  ]
}
