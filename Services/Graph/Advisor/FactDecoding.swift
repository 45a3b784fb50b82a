import GraphModel

/// Reads a node's properties as a fact. Required properties missing or of the wrong kind make
/// the fact unreadable (the reason names the property); optional ones of the wrong kind are
/// treated as absent. References accept both the bare value ("AA", "aa-aadvantage", "I") and
/// the node id ("airline:AA", "program:aa-aadvantage", "fare:BA:I").
struct FactDecoder {
  let node: GraphNode

  struct Missing: Error {
    var reason: String
  }

  func text(_ name: String) -> String? {
    guard let text = node[name]?.stringValue, !text.isEmpty else { return nil }
    return text
  }

  func requiredText(_ name: String) throws(Missing) -> String {
    guard let value = text(name) else { throw Missing(reason: "\(name) is missing or not text") }
    return value
  }

  func number(_ name: String) -> Double? {
    guard let number = node[name]?.numberValue, number.isFinite else { return nil }
    return number
  }

  func requiredNumber(_ name: String) throws(Missing) -> Double {
    guard let value = number(name) else { throw Missing(reason: "\(name) is missing or not a number") }
    return value
  }

  func integer(_ name: String) -> Int? { node[name]?.integerValue }

  func requiredInteger(_ name: String) throws(Missing) -> Int {
    guard let value = integer(name) else { throw Missing(reason: "\(name) is missing or not a whole number") }
    return value
  }

  func date(_ name: String) -> CalendarDate? { text(name).flatMap(CalendarDate.init) }

  func requiredDate(_ name: String) throws(Missing) -> CalendarDate {
    guard let value = date(name) else { throw Missing(reason: "\(name) is missing or not a YYYY-MM-DD date") }
    return value
  }

  func textList(_ name: String) -> [String]? { node[name]?.stringListValue }

  func numberMap(_ name: String) -> [String: Double] {
    guard let fields = node[name]?.objectValue else { return [:] }
    return fields.compactMapValues { $0.numberValue.flatMap { $0.isFinite ? $0 : nil } }
  }

  func oneOf<Value: RawRepresentable>(_ name: String, as type: Value.Type) -> Value? where Value.RawValue == String {
    text(name).flatMap(Value.init(rawValue:))
  }

  func requiredOneOf<Value: RawRepresentable>(_ name: String, as type: Value.Type) throws(Missing) -> Value
  where Value.RawValue == String {
    guard let value = oneOf(name, as: type) else { throw Missing(reason: "\(name) is missing or not an allowed value") }
    return value
  }

  /// The program id of a `program_id` property, with or without the "program:" prefix.
  static func programID(_ reference: String) -> String {
    NodeID.programID(of: reference) ?? reference
  }

  /// The IATA code of a carrier reference, with or without the "airline:" prefix.
  static func carrierCode(_ reference: String) -> String {
    reference.hasPrefix("airline:") ? String(reference.dropFirst("airline:".count)) : reference
  }

  /// The booking code of a fare class reference: "I" or "fare:BA:I".
  static func fareCode(_ reference: String) -> String {
    reference.hasPrefix("fare:") ? String(reference.split(separator: ":").last ?? "") : reference
  }
}

extension FactDecoder {
  func airport() throws(Missing) -> AirportFact {
    let iata = text("iata") ?? (node.id.hasPrefix("airport:") ? String(node.id.dropFirst("airport:".count)) : "")
    guard !iata.isEmpty else { throw Missing(reason: "iata is missing") }
    return AirportFact(
      id: node.id, iata: iata, icao: text("icao"), name: try requiredText("name"), city: text("city"),
      country: text("country") ?? "", region: oneOf("region", as: Region.self),
      latitude: try requiredNumber("latitude"), longitude: try requiredNumber("longitude"))
  }

  func airline() throws(Missing) -> AirlineFact {
    let iata = text("iata") ?? (node.id.hasPrefix("airline:") ? String(node.id.dropFirst("airline:".count)) : "")
    guard !iata.isEmpty else { throw Missing(reason: "iata is missing") }
    return AirlineFact(
      id: node.id, iata: iata, icao: text("icao"), name: try requiredText("name"), country: text("country"),
      active: node["active"]?.boolValue, allianceID: nil, alliance: nil, programIDs: [])
  }

  func program() throws(Missing) -> ProgramFact {
    var distances: [String: Int] = [:]
    for (pair, value) in node["published_distances"]?.objectValue ?? [:] {
      let codes = pair.split(separator: "-").map(String.init)
      guard codes.count == 2, let miles = value.integerValue, miles > 0 else { continue }
      distances[AirportPair.key(codes[0], codes[1])] = miles
    }
    return ProgramFact(
      id: Self.programID(node.id), nodeID: node.id, name: try requiredText("name"),
      kind: oneOf("kind", as: ProgramFact.Kind.self) ?? .airline, currencyName: text("currency_name") ?? "points",
      awardPricing: oneOf("award_pricing", as: ProgramFact.AwardPricing.self), eliteMetrics: textList("elite_metrics") ?? [],
      publishedDistances: distances, website: text("website"), sourceDocumentID: text("source_document_id"),
      partners: [], owningAirlines: [])
  }

  func fareClass() throws(Missing) -> FareClassFact {
    FareClassFact(
      id: node.id, carrier: Self.carrierCode(try requiredText("carrier")), code: try requiredText("code"),
      cabin: try requiredOneOf("cabin", as: Cabin.self), description: text("description"))
  }

  func earningRule() throws(Missing) -> EarningRuleFact {
    let carriers = (textList("carriers") ?? []).map(Self.carrierCode)
    guard !carriers.isEmpty else { throw Missing(reason: "carriers is missing or empty") }
    let metrics = (node["elite_metrics"]?.listValue ?? []).compactMap { item -> EarningRuleFact.EliteMetric? in
      guard let fields = item.objectValue, let name = fields["name"]?.stringValue,
        let per = fields["per"]?.stringValue.flatMap(EarningRuleFact.EliteMetric.Per.init(rawValue:)),
        let amount = fields["amount"]?.numberValue, amount.isFinite
      else { return nil }
      return EarningRuleFact.EliteMetric(name: name, per: per, amount: amount)
    }
    return EarningRuleFact(
      id: node.id, programID: Self.programID(try requiredText("program_id")), description: text("description") ?? node.id,
      basis: try requiredOneOf("basis", as: EarningRuleFact.Basis.self), carriers: carriers,
      carrierMatch: try requiredOneOf("carrier_match", as: EarningRuleFact.CarrierMatch.self),
      fareClasses: textList("fare_classes").map { $0.map(Self.fareCode) }, accrualPercent: number("accrual_percent"),
      cabinBonusPercent: number("cabin_bonus_percent"), revenueRates: numberMap("revenue_rates"),
      revenueCurrency: text("revenue_currency"), eliteBonusPercent: numberMap("elite_bonus_percent"),
      minimumMiles: integer("minimum_miles"), eliteMetrics: metrics, state: try requiredOneOf("state", as: EarningRuleFact.State.self),
      effectiveDate: try requiredDate("effective_date"), expirationDate: date("expiration_date"), priority: integer("priority") ?? 0,
      sourceDocumentID: try requiredText("source_document_id"))
  }

  func eliteTier(programFromEdge: String?) throws(Missing) -> EliteTierFact {
    guard let program = text("program_id").map(Self.programID) ?? programFromEdge else {
      throw Missing(reason: "program_id is missing")
    }
    return EliteTierFact(
      id: node.id, programID: program, name: try requiredText("name"), rank: try requiredInteger("rank"),
      qualification: numberMap("qualification"), bonusPercent: number("bonus_percent"), allianceTier: text("alliance_tier"),
      description: text("description"), sourceDocumentID: text("source_document_id") ?? "")
  }

  func awardChartEntry() throws(Missing) -> AwardChartEntryFact {
    AwardChartEntryFact(
      id: node.id, programID: Self.programID(try requiredText("program_id")),
      chart: try requiredOneOf("chart", as: AwardChartEntryFact.Chart.self), description: text("description"),
      originRegion: oneOf("origin_region", as: Region.self), destinationRegion: oneOf("destination_region", as: Region.self),
      minDistance: integer("min_distance"), maxDistance: integer("max_distance"), cabin: try requiredOneOf("cabin", as: Cabin.self),
      points: try requiredInteger("points"), operatedBy: try requiredOneOf("operated_by", as: AwardChartEntryFact.OperatedBy.self),
      carriers: textList("carriers").map { $0.map(Self.carrierCode) }, effectiveDate: date("effective_date"),
      expirationDate: date("expiration_date"), sourceDocumentID: text("source_document_id") ?? "")
  }

  func document() throws(Missing) -> DocumentFact {
    DocumentFact(
      id: node.id, url: try requiredText("url"), title: text("title") ?? node.id, publisher: text("publisher"),
      retrievedDate: text("retrieved_date"))
  }
}

extension GraphEdge {
  func integerProperty(_ name: String) -> Int? { properties[name]?.integerValue }
}
