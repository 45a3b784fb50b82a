import Foundation

/// What each node label and edge type must carry. Every batch is checked against it before
/// anything is written, so the advisor can rely on the shape of what it reads.
///
/// Facts refer to each other by id in their properties (`program_id`, `carriers`,
/// `fare_classes`, `source_document_id`); the store keeps the matching structural edges
/// (CREDITS_TO_PROGRAM, APPLIES_TO, HAS_ELITE_TIER, EXTRACTED_FROM) in step with them, so the
/// properties are the one place a fact states its relationships.
public enum GraphSchema {
  public static let nodeProperties: [NodeLabel: [PropertySpec]] = [
    .airport: [
      .init("iata", .code(letters: 3, digits: false), required: true),
      .init("icao", .code(letters: 4, digits: true)),
      .init("name", .text, required: true),
      .init("city", .text),
      .init("country", .text, required: true),
      .init("region", .oneOf(Region.allCases.map(\.rawValue)), required: true),
      .init("latitude", .number(-90...90), required: true),
      .init("longitude", .number(-180...180), required: true),
      .init("timezone", .text),
      .init("openflights_id", .integer(1...Int.max)),
    ],
    .airline: [
      .init("iata", .code(letters: 2, digits: true)),
      .init("icao", .code(letters: 3, digits: false)),
      .init("name", .text, required: true),
      .init("country", .text),
      .init("active", .bool),
      .init("openflights_id", .integer(1...Int.max)),
    ],
    .alliance: [
      .init("name", .text, required: true),
      .init("source_document_id", .nodeID(.webSourceDocument)),
    ],
    .loyaltyProgram: [
      .init("name", .text, required: true),
      .init("kind", .oneOf(["airline", "bank"]), required: true),
      // What its balance is called: "miles", "Avios", "points"…
      .init("currency_name", .text, required: true),
      // How awards are priced: fixed charts, dynamic pricing, or charts for partners only.
      .init("award_pricing", .oneOf(["fixed", "dynamic", "hybrid"])),
      // The metrics its elite tiers qualify on, e.g. ["Loyalty Points"].
      .init("elite_metrics", .textList),
      // Distances the program publishes itself, statute miles by "AAA-BBB" (either order).
      .init("published_distances", .integerMap),
      .init("website", .text),
      .init("source_document_id", .nodeID(.webSourceDocument)),
    ],
    .fareClass: [
      .init("carrier", .code(letters: 2, digits: true), required: true),
      .init("code", .code(letters: 1, digits: false), required: true),
      .init("cabin", .oneOf(Cabin.allCases.map(\.rawValue)), required: true),
      .init("description", .text),
    ],
    .earningRule: [
      .init("program_id", .text, required: true),
      .init("description", .text, required: true),
      .init("basis", .oneOf(["distance", "revenue"]), required: true),
      // Whose segments the rule covers, and whether that is the segment's marketing or
      // operating carrier (codeshares follow whichever the program names).
      .init("carriers", .textList, required: true),
      .init("carrier_match", .oneOf(["marketing", "operating"]), required: true),
      // Booking codes the rule covers; every fare class of the carriers when absent. Each
      // must exist as a FareClass node of each carrier.
      .init("fare_classes", .textList),
      // Distance basis: % of the flown distance credited, plus a cabin bonus % of distance.
      .init("accrual_percent", .number(0...1000)),
      .init("cabin_bonus_percent", .number(0...1000)),
      // Revenue basis: miles per currency unit of base fare + carrier-imposed fees, by tier
      // ("" is the base member), in `revenue_currency`.
      .init("revenue_rates", .numberMap),
      .init("revenue_currency", .code(letters: 3, digits: false)),
      // Distance basis: status bonus as % of the segment's base miles, by tier.
      .init("elite_bonus_percent", .numberMap),
      // Least redeemable miles a segment earns before bonuses.
      .init("minimum_miles", .integer(0...100_000)),
      // Elite metrics earned, each {"name", "per", "amount"}; `per` is "mile" (of distance),
      // "base_mile" (of base miles), "redeemable_mile", "segment" or "currency_unit".
      .init("elite_metrics", .objectList(required: ["name", "per", "amount"])),
      .init("state", .oneOf(["announced", "effective", "cancelled"]), required: true),
      .init("effective_date", .date, required: true),
      .init("expiration_date", .date),
      // Among rules that match a segment, the highest priority wins (default 0).
      .init("priority", .integer(-1000...1000)),
      .init("source_document_id", .nodeID(.webSourceDocument), required: true),
    ],
    .awardChartEntry: [
      .init("program_id", .text, required: true),
      .init("chart", .oneOf(["zone", "distance"]), required: true),
      .init("description", .text),
      // Zone charts: region to region (either direction).
      .init("origin_region", .oneOf(Region.allCases.map(\.rawValue))),
      .init("destination_region", .oneOf(Region.allCases.map(\.rawValue))),
      // Distance charts: one-way flown distance band in statute miles, both ends included.
      .init("min_distance", .integer(0...30_000)),
      .init("max_distance", .integer(0...30_000)),
      .init("cabin", .oneOf(Cabin.allCases.map(\.rawValue)), required: true),
      // One way, one passenger.
      .init("points", .integer(1...10_000_000), required: true),
      // Whose flights the price covers: the program's own airline, its partners, or either;
      // `carriers` narrows it to named airlines.
      .init("operated_by", .oneOf(["own", "partner", "any"]), required: true),
      .init("carriers", .textList),
      .init("effective_date", .date),
      .init("expiration_date", .date),
      .init("source_document_id", .nodeID(.webSourceDocument), required: true),
    ],
    .eliteTier: [
      .init("program_id", .text, required: true),
      .init("name", .text, required: true),
      // 1 is the lowest elite tier.
      .init("rank", .integer(1...20), required: true),
      // What a year of activity must reach, by metric name; any one suffices unless the
      // program says otherwise in `description`.
      .init("qualification", .numberMap, required: true),
      // Status bonus on redeemable miles, % (for display; rules carry the rates they use).
      .init("bonus_percent", .number(0...1000)),
      // The alliance status it grants, e.g. "Oneworld Emerald", "Star Gold".
      .init("alliance_tier", .text),
      .init("description", .text),
      .init("source_document_id", .nodeID(.webSourceDocument), required: true),
    ],
    .webSourceDocument: [
      .init("url", .url, required: true),
      .init("title", .text, required: true),
      .init("publisher", .text),
      .init("retrieved_date", .date, required: true),
      .init("content_sha256", .text),
      .init("version", .integer(1...Int.max)),
    ],
  ]

  public static let edgeProperties: [EdgeType: [PropertySpec]] = [
    .memberOf: [.init("source_document_id", .nodeID(.webSourceDocument))],
    .hasLoyaltyProgram: [.init("source_document_id", .nodeID(.webSourceDocument))],
    .partnersWith: [
      .init("earn", .bool),
      .init("redeem", .bool),
      .init("source_document_id", .nodeID(.webSourceDocument)),
    ],
    // from_points of the source become to_points of the target; at least `minimum` and in
    // multiples of `increment` source points per transfer.
    .transfersTo: [
      .init("from_points", .integer(1...1_000_000), required: true),
      .init("to_points", .integer(1...1_000_000), required: true),
      .init("minimum", .integer(1...10_000_000), required: true),
      .init("increment", .integer(1...10_000_000), required: true),
      .init("source_document_id", .nodeID(.webSourceDocument), required: true),
    ],
    .creditsToProgram: [],
    .appliesTo: [],
    .hasEliteTier: [],
    .extractedFrom: [],
    .route: [
      .init("airline", .text, required: true),
      .init("codeshare", .bool),
      .init("stops", .integer(0...10)),
      .init("equipment", .textList),
      .init("distance_miles", .integer(0...13_000)),
    ],
  ]

  /// The labels an edge may join, from → to.
  public static let edgeEndpoints: [EdgeType: [(from: NodeLabel, to: NodeLabel)]] = [
    .memberOf: [(.airline, .alliance)],
    .hasLoyaltyProgram: [(.airline, .loyaltyProgram)],
    .partnersWith: [(.loyaltyProgram, .airline)],
    .transfersTo: [(.loyaltyProgram, .loyaltyProgram)],
    .creditsToProgram: [(.earningRule, .loyaltyProgram)],
    .appliesTo: [(.earningRule, .airline), (.earningRule, .fareClass), (.awardChartEntry, .airline), (.awardChartEntry, .loyaltyProgram)],
    .hasEliteTier: [(.loyaltyProgram, .eliteTier)],
    .extractedFrom: NodeLabel.allCases.filter { $0 != .webSourceDocument }.map { ($0, .webSourceDocument) },
    .route: [(.airport, .airport)],
  ]

  /// Checks the node's id and properties. References to other nodes (`.nodeID`) are checked
  /// for form here and for existence by the store, which sees the whole graph.
  public static func validate(_ node: GraphNode, field: String = "node") throws(GraphValidationError) {
    try validateID(node.id, field: "\(field).id")
    try validate(node.properties, against: nodeProperties[node.label] ?? [], field: "\(field).properties")
    switch node.label {
    case .earningRule:
      try validateEarningRule(node.properties, field: "\(field).properties")
    case .awardChartEntry:
      try validateAwardChartEntry(node.properties, field: "\(field).properties")
    case .airport, .airline, .alliance, .loyaltyProgram, .fareClass, .eliteTier, .webSourceDocument:
      break
    }
    if let effective = node["effective_date"]?.stringValue, let expiration = node["expiration_date"]?.stringValue,
      expiration < effective
    {
      throw GraphValidationError(field: "\(field).properties.expiration_date", message: "\(expiration) is before effective_date \(effective)")
    }
  }

  /// Checks the edge's endpoints' form and its properties; the store checks that the
  /// endpoints exist with labels `edgeEndpoints` allows.
  public static func validate(_ edge: GraphEdge, field: String = "edge") throws(GraphValidationError) {
    try validateID(edge.fromID, field: "\(field).from_id")
    try validateID(edge.toID, field: "\(field).to_id")
    guard edge.key.utf8.count <= 64 else {
      throw GraphValidationError(field: "\(field).key", message: "is longer than 64 bytes")
    }
    if edge.type == .route, edge.key.isEmpty {
      throw GraphValidationError(field: "\(field).key", message: "a ROUTE edge needs the airline code as its key")
    }
    try validate(edge.properties, against: edgeProperties[edge.type] ?? [], field: "\(field).properties")
  }

  /// Whether `type` may join a `from` node to a `to` node.
  public static func allows(_ type: EdgeType, from: NodeLabel, to: NodeLabel) -> Bool {
    (edgeEndpoints[type] ?? []).contains { $0.from == from && $0.to == to }
  }

  static func validateID(_ id: String, field: String) throws(GraphValidationError) {
    guard !id.isEmpty else { throw GraphValidationError(field: field, message: "is required") }
    guard id.utf8.count <= 200 else { throw GraphValidationError(field: field, message: "is longer than 200 bytes") }
    guard id.unicodeScalars.allSatisfy({ $0 != "|" && !$0.properties.isWhitespace && $0.properties.generalCategory != .control }) else {
      throw GraphValidationError(field: field, message: "'\(id)' may not contain spaces, control characters or '|'")
    }
  }

  static func validate(_ properties: Properties, against specs: [PropertySpec], field: String) throws(GraphValidationError) {
    let known = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
    for name in properties.keys.sorted() where known[name] == nil {
      let allowed = specs.map(\.name).joined(separator: ", ")
      throw GraphValidationError(field: "\(field).\(name)", message: "is not a property of this label (allowed: \(allowed.isEmpty ? "none" : allowed))")
    }
    for spec in specs {
      guard let value = properties[spec.name], value != .null else {
        if spec.required { throw GraphValidationError(field: "\(field).\(spec.name)", message: "is required") }
        continue
      }
      try spec.kind.check(value, field: "\(field).\(spec.name)")
    }
  }

  private static func validateEarningRule(_ properties: Properties, field: String) throws(GraphValidationError) {
    switch properties["basis"]?.stringValue {
    case "distance":
      guard properties["accrual_percent"] != nil else {
        throw GraphValidationError(field: "\(field).accrual_percent", message: "is required for a distance-based rule")
      }
    case "revenue":
      guard let rates = properties["revenue_rates"]?.objectValue, !rates.isEmpty else {
        throw GraphValidationError(field: "\(field).revenue_rates", message: "is required for a revenue-based rule")
      }
      guard properties["revenue_currency"] != nil else {
        throw GraphValidationError(field: "\(field).revenue_currency", message: "is required for a revenue-based rule")
      }
    default:
      break
    }
    if properties["carriers"]?.stringListValue?.isEmpty == true {
      throw GraphValidationError(field: "\(field).carriers", message: "names no carrier")
    }
    for (index, metric) in (properties["elite_metrics"]?.listValue ?? []).enumerated() {
      let per = metric.objectValue?["per"]?.stringValue ?? ""
      guard ["mile", "base_mile", "redeemable_mile", "segment", "currency_unit"].contains(per) else {
        throw GraphValidationError(field: "\(field).elite_metrics[\(index)].per", message: "'\(per)' is not mile, base_mile, redeemable_mile, segment or currency_unit")
      }
      guard metric.objectValue?["amount"]?.numberValue != nil else {
        throw GraphValidationError(field: "\(field).elite_metrics[\(index)].amount", message: "must be a number")
      }
    }
  }

  private static func validateAwardChartEntry(_ properties: Properties, field: String) throws(GraphValidationError) {
    if properties["chart"]?.stringValue == "zone" {
      for name in ["origin_region", "destination_region"] where properties[name] == nil {
        throw GraphValidationError(field: "\(field).\(name)", message: "is required for a zone chart")
      }
    } else {
      guard let low = properties["min_distance"]?.integerValue, let high = properties["max_distance"]?.integerValue else {
        throw GraphValidationError(field: "\(field).min_distance", message: "min_distance and max_distance are required for a distance chart")
      }
      guard low <= high else {
        throw GraphValidationError(field: "\(field).max_distance", message: "\(high) is below min_distance \(low)")
      }
    }
  }
}

/// A bad node or edge: the field (a path into the request) and what is wrong with it.
public struct GraphValidationError: Error, Equatable, CustomStringConvertible {
  public var field: String
  public var message: String

  public init(field: String, message: String) {
    self.field = field
    self.message = message
  }

  public var description: String { "\(field): \(message)" }
}

/// Cabins fare classes and award prices belong to.
public enum Cabin: String, Sendable, CaseIterable, Codable, Comparable {
  case economy
  case premiumEconomy = "premium-economy"
  case business
  case first

  public static func < (lhs: Cabin, rhs: Cabin) -> Bool {
    allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
  }
}

/// World regions airports belong to, as zone-based award charts price them.
public enum Region: String, Sendable, CaseIterable, Codable {
  case northAmerica = "north-america"
  case centralAmerica = "central-america"
  case caribbean
  case southAmerica = "south-america"
  case europe
  case middleEast = "middle-east"
  case africa
  case southAsia = "south-asia"
  case northAsia = "north-asia"
  case southeastAsia = "southeast-asia"
  case oceania
}
