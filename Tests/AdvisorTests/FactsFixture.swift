import Advisor
import Foundation
import GraphModel
import LoyaltyAPI
import SwiftProtobuf

/// A small loyalty graph with figures chosen for hand calculation: AAdvantage (revenue-based
/// on AA, fare-class based on BA and QR partners), BA Executive Club (revenue-based in GBP on
/// BA, distance-based on AA) and their tiers, plus rules in every state and date window.
enum FactsFixture {
  static let airportCoordinates: [String: (latitude: Double, longitude: Double)] = [
    "DFW": (32.896801, -97.038002), "LHR": (51.4706, -0.461941), "JFK": (40.63980103, -73.77890015),
    "DOH": (25.273056, 51.608056), "AMS": (52.308601, 4.76389), "BOS": (42.36429977, -71.00520325),
    "LGA": (40.77719879, -73.87259674),
  ]

  static let aaEliteBonus: PropertyValue = ["Gold": 40, "Platinum": 60, "Platinum Pro": 80, "Executive Platinum": 120]
  static let loyaltyPoints: PropertyValue = [["name": "Loyalty Points", "per": "redeemable_mile", "amount": 1]]

  static var nodes: [GraphNode] {
    var nodes: [GraphNode] = []
    for (code, point) in airportCoordinates {
      nodes.append(
        GraphNode(
          id: NodeID.airport(code), label: .airport,
          properties: ["iata": .string(code), "name": .string("\(code) airport"), "country": "Somewhere", "region": "europe",
                       "latitude": .number(point.latitude), "longitude": .number(point.longitude)]))
    }
    for (code, name) in [("AA", "American Airlines"), ("BA", "British Airways"), ("QR", "Qatar Airways"), ("UA", "United Airlines")] {
      nodes.append(GraphNode(id: NodeID.airline(code), label: .airline, properties: ["iata": .string(code), "name": .string(name), "active": true]))
    }
    nodes.append(GraphNode(id: "alliance:oneworld", label: .alliance, properties: ["name": "oneworld"]))
    nodes.append(GraphNode(id: "alliance:star", label: .alliance, properties: ["name": "Star Alliance"]))
    for slug in ["aa-earning", "aa-partners", "aa-elite", "ba-earning", "ba-elite", "amex-transfers"] {
      nodes.append(
        document(slug))
    }
    nodes.append(
      GraphNode(
        id: "program:aa-aadvantage", label: .loyaltyProgram,
        properties: ["name": "AAdvantage", "kind": "airline", "currency_name": "miles", "award_pricing": "dynamic",
                     "elite_metrics": ["Loyalty Points"], "published_distances": ["LHR-DOH": 3_300], "source_document_id": "doc:aa-partners"]))
    nodes.append(
      GraphNode(
        id: "program:ba-executive-club", label: .loyaltyProgram,
        properties: ["name": "Executive Club", "kind": "airline", "currency_name": "Avios", "award_pricing": "hybrid",
                     "elite_metrics": ["Tier Points"], "source_document_id": "doc:ba-earning"]))
    nodes.append(
      GraphNode(
        id: "program:amex-membership-rewards", label: .loyaltyProgram,
        properties: ["name": "Membership Rewards", "kind": "bank", "currency_name": "points"]))

    for (carrier, codes) in [
      ("AA", ["Y": "economy", "J": "business"]),
      ("BA", ["F": "first", "A": "first", "J": "business", "C": "business", "D": "business", "R": "business", "I": "business",
              "Y": "economy", "O": "economy", "Q": "economy", "G": "economy"]),
      ("QR", ["F": "first", "A": "first", "J": "business", "C": "business", "Y": "economy", "B": "economy"]),
    ] {
      for (code, cabin) in codes {
        nodes.append(
          GraphNode(
            id: NodeID.fareClass(carrier: carrier, code: code), label: .fareClass,
            properties: ["carrier": .string(carrier), "code": .string(code), "cabin": .string(cabin)]))
      }
    }

    nodes += [
      rule("rule:aa-revenue", program: "aa-aadvantage", "AAdvantage miles on American-marketed flights, by status", [
        "basis": "revenue", "carriers": ["AA"], "carrier_match": "marketing", "revenue_currency": "USD",
        "revenue_rates": ["": 5, "Gold": 7, "Platinum": 8, "Platinum Pro": 9, "Executive Platinum": 11],
        "elite_metrics": loyaltyPoints, "effective_date": "2022-03-01", "source_document_id": "doc:aa-earning",
      ]),
      rule("rule:aa-ba-business", program: "aa-aadvantage", "British Airways business fares", [
        "basis": "distance", "carriers": ["BA"], "carrier_match": "marketing", "fare_classes": ["J", "C", "D", "R", "I"],
        "accrual_percent": 150, "elite_bonus_percent": aaEliteBonus, "elite_metrics": loyaltyPoints,
      ]),
      rule("rule:aa-ba-discount", program: "aa-aadvantage", "British Airways discount economy fares", [
        "basis": "distance", "carriers": ["BA"], "carrier_match": "marketing", "fare_classes": ["O", "Q", "G"],
        "accrual_percent": 25, "minimum_miles": 500, "elite_bonus_percent": aaEliteBonus, "elite_metrics": loyaltyPoints,
      ]),
      rule("rule:aa-qr-business", program: "aa-aadvantage", "Qatar Airways business fares", [
        "basis": "distance", "carriers": ["QR"], "carrier_match": "marketing", "fare_classes": ["J", "C"],
        "accrual_percent": 100, "cabin_bonus_percent": 50, "elite_bonus_percent": aaEliteBonus, "elite_metrics": loyaltyPoints,
      ]),
      rule("rule:aa-qr-economy-2024", program: "aa-aadvantage", "Qatar Airways economy fares until 2024", [
        "basis": "distance", "carriers": ["QR"], "carrier_match": "marketing", "fare_classes": ["Y", "B"],
        "accrual_percent": 50, "effective_date": "2023-01-01", "expiration_date": "2024-12-31",
      ]),
      rule("rule:aa-qr-economy-2026", program: "aa-aadvantage", "Qatar Airways economy fares from 2026", [
        "basis": "distance", "carriers": ["QR"], "carrier_match": "marketing", "fare_classes": ["Y", "B"],
        "accrual_percent": 75, "state": "announced", "effective_date": "2026-01-01",
      ]),
      rule("rule:aa-qr-first", program: "aa-aadvantage", "Qatar Airways first fares", [
        "basis": "distance", "carriers": ["QR"], "carrier_match": "marketing", "fare_classes": ["F", "A"],
        "accrual_percent": 300, "state": "cancelled",
      ]),
      rule("rule:ba-revenue", program: "ba-executive-club", "Avios on British Airways flights, by status", [
        "basis": "revenue", "carriers": ["BA"], "carrier_match": "marketing", "revenue_currency": "GBP",
        "revenue_rates": ["": 6, "Bronze": 7, "Silver": 8, "Gold": 9],
        "elite_metrics": [["name": "Tier Points", "per": "segment", "amount": 60]], "source_document_id": "doc:ba-earning",
      ]),
      rule("rule:ba-on-aa", program: "ba-executive-club", "Avios on American Airlines flights", [
        "basis": "distance", "carriers": ["AA"], "carrier_match": "marketing", "accrual_percent": 25,
        "elite_bonus_percent": ["Bronze": 25, "Silver": 50, "Gold": 100],
        "elite_metrics": [["name": "Tier Points", "per": "segment", "amount": 40]], "source_document_id": "doc:ba-earning",
      ]),
    ]

    nodes += [
      tier("aa-aadvantage", "Gold", rank: 1, alliance: "Oneworld Ruby", ["Loyalty Points": 40_000]),
      tier("aa-aadvantage", "Platinum", rank: 2, alliance: "Oneworld Sapphire", ["Loyalty Points": 75_000]),
      tier("aa-aadvantage", "Executive Platinum", rank: 4, alliance: "Oneworld Emerald", ["Loyalty Points": 200_000]),
      tier("aa-aadvantage", "Platinum Pro", rank: 3, alliance: "Oneworld Emerald", ["Loyalty Points": 125_000]),
      tier("ba-executive-club", "Bronze", rank: 1, alliance: "Oneworld Ruby", ["Tier Points": 300]),
      tier("ba-executive-club", "Silver", rank: 2, alliance: "Oneworld Sapphire", ["Tier Points": 600]),
      tier("ba-executive-club", "Gold", rank: 3, alliance: "Oneworld Emerald", ["Tier Points": 1_500]),
    ]
    return nodes
  }

  static var edges: [GraphEdge] {
    [
      GraphEdge(type: .memberOf, fromID: "airline:AA", toID: "alliance:oneworld"),
      GraphEdge(type: .memberOf, fromID: "airline:BA", toID: "alliance:oneworld"),
      GraphEdge(type: .memberOf, fromID: "airline:QR", toID: "alliance:oneworld"),
      GraphEdge(type: .memberOf, fromID: "airline:UA", toID: "alliance:star"),
      GraphEdge(type: .hasLoyaltyProgram, fromID: "airline:AA", toID: "program:aa-aadvantage"),
      GraphEdge(type: .hasLoyaltyProgram, fromID: "airline:BA", toID: "program:ba-executive-club"),
      GraphEdge(type: .partnersWith, fromID: "program:aa-aadvantage", toID: "airline:QR", properties: ["earn": true, "redeem": true]),
      GraphEdge(type: .partnersWith, fromID: "program:aa-aadvantage", toID: "airline:BA", properties: ["earn": true, "redeem": false]),
      GraphEdge(
        type: .transfersTo, fromID: "program:amex-membership-rewards", toID: "program:ba-executive-club",
        properties: ["from_points": 1, "to_points": 1, "minimum": 1_000, "increment": 1_000, "source_document_id": "doc:amex-transfers"]),
      GraphEdge(
        type: .route, fromID: "airport:DFW", toID: "airport:LHR", key: "AA", properties: ["airline": "AA"]),
    ]
  }

  static let facts = LoyaltyFacts(nodes: nodes, edges: edges)

  static func document(_ slug: String) -> GraphNode {
    GraphNode(
      id: NodeID.document(slug), label: .webSourceDocument,
      properties: ["url": .string("https://example.com/\(slug)"), "title": .string("Source \(slug)"), "retrieved_date": "2025-01-15"])
  }

  static func rule(_ id: String, program: String, _ description: String, _ properties: Properties) -> GraphNode {
    var all: Properties = [
      "program_id": .string(program), "description": .string(description), "state": "effective", "effective_date": "2024-01-01",
      "source_document_id": "doc:aa-partners",
    ]
    all.merge(properties) { _, new in new }
    return GraphNode(id: id, label: .earningRule, properties: all)
  }

  static func tier(_ program: String, _ name: String, rank: Int, alliance: String, _ qualification: PropertyValue) -> GraphNode {
    GraphNode(
      id: "tier:\(program):\(name.lowercased().replacingOccurrences(of: " ", with: "-"))", label: .eliteTier,
      properties: ["program_id": .string(program), "name": .string(name), "rank": .number(Double(rank)), "alliance_tier": .string(alliance),
                   "qualification": qualification, "source_document_id": program.hasPrefix("aa") ? "doc:aa-elite" : "doc:ba-elite"])
  }

  /// Great-circle statute miles between the fixture's airports, as the Great Circle Mapper
  /// (gcmap.com) publishes them for these coordinates (WGS-84 geodesic), rounded half up.
  static let publishedMiles: [String: Int] = [
    "AMS-BOS": 3_457,
    "AMS-DFW": 4_920,
    "AMS-DOH": 3_062,
    "AMS-JFK": 3_643,
    "AMS-LGA": 3_641,
    "AMS-LHR": 231,
    "BOS-DFW": 1_562,
    "BOS-DOH": 6_518,
    "BOS-JFK": 187,
    "BOS-LGA": 185,
    "BOS-LHR": 3_265,
    "DFW-DOH": 7_932,
    "DFW-JFK": 1_391,
    "DFW-LGA": 1_389,
    "DFW-LHR": 4_750,
    "DOH-JFK": 6_704,
    "DOH-LGA": 6_702,
    "DOH-LHR": 3_261,
    "JFK-LGA": 11,
    "JFK-LHR": 3_451,
    "LGA-LHR": 3_449,
  ]

  static func greatCircleMiles(_ from: String, _ to: String) -> Int {
    publishedMiles["\(min(from, to))-\(max(from, to))"]!
  }
}

extension FactsFixture {
  static func segment(
  _ marketing: String, _ origin: String, _ destination: String, fareClass: String, date: String = "2025-03-01",
  operating: String = "", flight: String = ""
) -> Loyalty_Advisor_V1_FlightSegment {
  var segment = Loyalty_Advisor_V1_FlightSegment()
  segment.marketingCarrier = marketing
  segment.operatingCarrier = operating
  segment.flightNumber = flight
  segment.origin = origin
  segment.destination = destination
  segment.fareClass = fareClass
  segment.departureDate = date
  return segment
}

  static func earningsRequest(
  _ segments: [Loyalty_Advisor_V1_FlightSegment], fare: (currency: String, base: Double, fees: Double, taxes: Double)? = nil,
  statuses: [String: String] = [:], programs: [String] = []
) -> Loyalty_Advisor_V1_CalculateEarningsRequest {
  var request = Loyalty_Advisor_V1_CalculateEarningsRequest()
  request.itinerary.segments = segments
  if let fare {
    request.itinerary.fare.currency = fare.currency
    request.itinerary.fare.baseFare = fare.base
    request.itinerary.fare.carrierImposedFees = fare.fees
    request.itinerary.fare.taxes = fare.taxes
  }
  request.statuses = statuses.sorted { $0.key < $1.key }.map { entry in
    var status = Loyalty_Advisor_V1_ProgramStatus()
    status.programID = entry.key
    status.tier = entry.value
    return status
  }
  request.programIds = programs
  return request
}
}

extension Loyalty_Advisor_V1_CalculateEarningsResponse {
  func earnings(of programID: String) -> Loyalty_Advisor_V1_ProgramEarnings? { programs.first { $0.programID == programID } }
}

extension Loyalty_Advisor_V1_ProgramEarnings {
  func metricAmount(_ name: String) -> Double? { eliteMetrics.first { $0.name == name }?.amount }
}
