import Foundation
import GraphModel
import Testing

/// The curated seed graph-service ships, checked as a whole: it decodes, every fact cites a
/// public source, every reference resolves, and the figures the advisor's examples rest on
/// hold.
@Suite struct CuratedSeedTests {
  static let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  static let seedURL = repositoryRoot.appendingPathComponent("Services/Graph/GraphService/Seed/curated-seed.json")
  static let openFlightsAirports = repositoryRoot.appendingPathComponent("../shared/data/openflights/airports.dat").standardizedFileURL
  static var hasOpenFlightsData: Bool { FileManager.default.fileExists(atPath: openFlightsAirports.path) }

  /// Read once for all tests.
  static let loaded = Result { () throws -> GraphBatch in try SeedFile.decode(try Data(contentsOf: seedURL)) }

  let batch: GraphBatch
  let nodes: [String: GraphNode]

  init() throws {
    batch = try Self.loaded.get()
    nodes = Dictionary(uniqueKeysWithValues: batch.nodes.map { ($0.id, $0) })
  }

  private func nodes(_ label: NodeLabel) -> [GraphNode] { batch.nodes.filter { $0.label == label } }
  private func edges(_ type: EdgeType) -> [GraphEdge] { batch.edges.filter { $0.type == type } }

  /// Records an issue unless `id` names a node of `label`.
  private func expectNode(_ id: String, is label: NodeLabel, citedBy owner: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let found = nodes[id]
    let what = found.map { "a \($0.label.rawValue)" } ?? "not in the seed"
    #expect(found?.label == label, "\(owner) refers to \(id), which is \(what)", sourceLocation: sourceLocation)
  }

  @Test func everyNodeAndEdgeFollowsTheSchema() throws {
    for (index, node) in batch.nodes.enumerated() {
      #expect(throws: Never.self, "\(node.id)") { try GraphSchema.validate(node, field: "nodes[\(index)]") }
    }
    for (index, edge) in batch.edges.enumerated() {
      #expect(throws: Never.self, "\(edge.id)") { try GraphSchema.validate(edge, field: "edges[\(index)]") }
    }
    // The store derives these from the facts' properties; the seed states each relationship once.
    let derived: Set<EdgeType> = [.creditsToProgram, .appliesTo, .hasEliteTier, .extractedFrom]
    #expect(batch.edges.filter { derived.contains($0.type) }.isEmpty)
  }

  @Test func idsFollowTheConventions() throws {
    for airport in nodes(.airport) { #expect(airport.id == NodeID.airport(try #require(airport["iata"]?.stringValue))) }
    for airline in nodes(.airline) { #expect(airline.id == NodeID.airline(try #require(airline["iata"]?.stringValue))) }
    for fare in nodes(.fareClass) {
      let carrier = try #require(fare["carrier"]?.stringValue)
      let code = try #require(fare["code"]?.stringValue)
      #expect(fare.id == NodeID.fareClass(carrier: carrier, code: code))
      expectNode(NodeID.airline(carrier), is: .airline, citedBy: fare.id)
    }
    for program in nodes(.loyaltyProgram) { #expect(program.id.hasPrefix("program:")) }
    for document in nodes(.webSourceDocument) { #expect(document.id.hasPrefix("doc:")) }
  }

  @Test func everyReferenceResolvesToANodeOfTheRightLabel() throws {
    for node in batch.nodes {
      if let program = node["program_id"]?.stringValue {
        expectNode(NodeID.program(program), is: .loyaltyProgram, citedBy: node.id)
      }
      if let document = node["source_document_id"]?.stringValue {
        expectNode(document, is: .webSourceDocument, citedBy: node.id)
      }
      let carriers = node["carriers"]?.stringListValue ?? []
      for carrier in carriers { expectNode(NodeID.airline(carrier), is: .airline, citedBy: node.id) }
      for code in node["fare_classes"]?.stringListValue ?? [] {
        for carrier in carriers { expectNode(NodeID.fareClass(carrier: carrier, code: code), is: .fareClass, citedBy: node.id) }
      }
    }
    for edge in batch.edges {
      let from = try #require(nodes[edge.fromID], "\(edge.id): no node \(edge.fromID)")
      let to = try #require(nodes[edge.toID], "\(edge.id): no node \(edge.toID)")
      #expect(GraphSchema.allows(edge.type, from: from.label, to: to.label), "\(edge.id) joins \(from.label) to \(to.label)")
      if let document = edge["source_document_id"]?.stringValue {
        expectNode(document, is: .webSourceDocument, citedBy: edge.id)
      }
    }
  }

  @Test func everyFactCitesAPublicPageByHTTPS() throws {
    let facts = batch.nodes.filter { [.earningRule, .awardChartEntry, .eliteTier].contains($0.label) }.map { ($0.id, $0.properties) }
      + edges(.transfersTo).map { ($0.id, $0.properties) }
    #expect(!facts.isEmpty)
    var cited: Set<String> = []
    for (id, properties) in facts {
      let documentID = try #require(properties["source_document_id"]?.stringValue, "\(id) names no source")
      let document = try #require(nodes[documentID], "\(id) cites \(documentID), which is not in the seed")
      let address = try #require(document["url"]?.stringValue, "\(documentID) has no url")
      let url = try #require(URL(string: address))
      #expect(url.scheme == "https" && url.host != nil, "\(documentID): \(url)")
      cited.insert(documentID)
    }
    // Every document in the seed is the source of something.
    let sources = Set(
      batch.nodes.compactMap { $0["source_document_id"]?.stringValue } + batch.edges.compactMap { $0["source_document_id"]?.stringValue })
    for document in nodes(.webSourceDocument) { #expect(sources.contains(document.id), "\(document.id) is cited by nothing") }
    #expect(cited.isSubset(of: sources))
  }

  /// AA's own example: Dallas-Fort Worth to London round trip, $1,436 base fare plus $458
  /// carrier-imposed fees, earns 9,470 miles as a member and 20,834 as Executive Platinum.
  @Test func aadvantageRevenueRatesGiveAAsPublishedExample() throws {
    let travel = try #require(CalendarDate("2025-06-01"))
    let rules = nodes(.earningRule).filter { rule in
      rule["program_id"]?.stringValue == "aa-aadvantage" && rule["basis"]?.stringValue == "revenue"
        && rule["state"]?.stringValue == "effective" && rule["carriers"]?.stringListValue?.contains("AA") == true
        && rule["carrier_match"]?.stringValue == "marketing" && CalendarDate(rule["effective_date"]?.stringValue ?? "")! <= travel
        && (rule["expiration_date"]?.stringValue).flatMap(CalendarDate.init).map { travel <= $0 } ?? true
    }
    let rule = try #require(rules.count == 1 ? rules.first : nil, "rules in force: \(rules.map(\.id))")
    #expect(rule["revenue_currency"]?.stringValue == "USD")
    let rates = try #require(rule["revenue_rates"]?.objectValue)
    let fare = 1_436.0 + 458.0
    let member = try #require(rates[""]?.numberValue)
    let executivePlatinum = try #require(rates["Executive Platinum"]?.numberValue)
    #expect(fare * member == 9_470)
    #expect(fare * executivePlatinum == 20_834)
    #expect(rates.mapValues(\.numberValue) == ["": 5, "Gold": 7, "Platinum": 8, "Platinum Pro": 9, "Executive Platinum": 11])
    let metric = try #require(rule["elite_metrics"]?.listValue?.first?.objectValue)
    #expect(metric == ["name": "Loyalty Points", "per": "redeemable_mile", "amount": 1])

    // Every status a rate names is an AAdvantage tier.
    let tiers = Set(nodes(.eliteTier).filter { $0["program_id"]?.stringValue == "aa-aadvantage" }.compactMap { $0["name"]?.stringValue })
    #expect(Set(rates.keys).subtracting([""]) == tiers)
  }

  @Test func anExpiredDistanceRuleStillDescribesAAsFormerEarning() throws {
    let rule = try #require(nodes["rule:aa-aadvantage:distance-aa-2015"])
    #expect(rule["basis"]?.stringValue == "distance")
    #expect(rule["expiration_date"]?.stringValue == "2016-07-31")
    #expect(rule["minimum_miles"]?.integerValue == 500)
    #expect(rule["accrual_percent"]?.numberValue == 100)
  }

  @Test func eachAllianceHasMembersAndEachAirlineOneAlliance() {
    let memberships = edges(.memberOf)
    for alliance in nodes(.alliance) {
      #expect(memberships.filter { $0.toID == alliance.id }.count >= 10, "\(alliance.id)")
    }
    let byAirline = Dictionary(grouping: memberships, by: \.fromID)
    for (airline, its) in byAirline { #expect(its.count == 1, "\(airline) is in \(its.map(\.toID))") }
  }

  @Test func eachBankCurrencyTransfersWithinItsPublishedLimits() throws {
    let banks = nodes(.loyaltyProgram).filter { $0["kind"]?.stringValue == "bank" }
    #expect(Set(banks.map(\.id)) == ["program:amex-membership-rewards", "program:chase-ultimate-rewards", "program:citi-thankyou"])
    for bank in banks {
      let transfers = edges(.transfersTo).filter { $0.fromID == bank.id }
      #expect(!transfers.isEmpty, "\(bank.id) transfers nowhere")
      for transfer in transfers {
        let increment = try #require(transfer["increment"]?.integerValue)
        let minimum = try #require(transfer["minimum"]?.integerValue)
        #expect(increment >= 1 && minimum >= increment, "\(transfer.id)")
        #expect(minimum % increment == 0, "\(transfer.id): a minimum transfer must be a whole number of increments")
        #expect(nodes[transfer.toID]?["kind"]?.stringValue == "airline", "\(transfer.id)")
      }
    }
    // Transfers only ever go out of bank currencies.
    #expect(edges(.transfersTo).allSatisfy { edge in banks.contains { $0.id == edge.fromID } })
  }

  @Test func eliteTierRanksAndThresholdsClimb() throws {
    let tiersByProgram = Dictionary(grouping: nodes(.eliteTier)) { $0["program_id"]?.stringValue ?? "" }
    for (program, tiers) in tiersByProgram {
      let ranked = tiers.sorted { ($0["rank"]?.integerValue ?? 0) < ($1["rank"]?.integerValue ?? 0) }
      #expect(ranked.map { $0["rank"]?.integerValue } == Array(1...ranked.count), "\(program)")
      #expect(Set(ranked.compactMap { $0["name"]?.stringValue }).count == ranked.count, "\(program) repeats a tier name")
      for (lower, higher) in zip(ranked, ranked.dropFirst()) {
        let low = try #require(lower["qualification"]?.objectValue)
        let high = try #require(higher["qualification"]?.objectValue)
        #expect(Set(low.keys) == Set(high.keys), "\(lower.id) and \(higher.id) qualify on different metrics")
        for (metric, value) in low {
          #expect((high[metric]?.numberValue ?? 0) > (value.numberValue ?? 0), "\(higher.id) needs no more \(metric) than \(lower.id)")
        }
      }
    }
  }

  @Test func awardChartEntriesDoNotOverlap() {
    let entries = nodes(.awardChartEntry)
    func text(_ node: GraphNode, _ name: String) -> String { node[name]?.stringValue ?? "" }
    // Distance bands of one chart (program, airlines, cabin) are disjoint.
    let bands = Dictionary(grouping: entries.filter { text($0, "chart") == "distance" }) { entry in
      let carriers = (entry["carriers"]?.stringListValue ?? []).joined(separator: ",")
      return [text(entry, "program_id"), text(entry, "operated_by"), text(entry, "cabin"), carriers]
    }
    for (chart, entries) in bands {
      let sorted = entries.sorted { ($0["min_distance"]?.integerValue ?? 0) < ($1["min_distance"]?.integerValue ?? 0) }
      for (lower, higher) in zip(sorted, sorted.dropFirst()) {
        let overlap = "\(chart): \(lower.id) overlaps \(higher.id)"
        #expect((lower["max_distance"]?.integerValue ?? 0) < (higher["min_distance"]?.integerValue ?? 0), "\(overlap)")
      }
    }
    // A zone chart prices each pair of regions once per cabin, whichever way round.
    let zones = entries.filter { text($0, "chart") == "zone" }.map { entry in
      let regions = [text(entry, "origin_region"), text(entry, "destination_region")].sorted()
      return [text(entry, "program_id"), text(entry, "operated_by"), text(entry, "cabin")] + regions
    }
    #expect(Set(zones).count == zones.count)
  }

  /// No two rules of a program could both claim a segment on some date: the advisor's choice
  /// would otherwise rest on tie-breaks rather than on the program's terms.
  @Test func effectiveRulesForTheSameFareDoNotOverlapInTime() throws {
    let rules = nodes(.earningRule).filter { $0["state"]?.stringValue == "effective" }
    func period(_ rule: GraphNode) -> (CalendarDate, CalendarDate) {
      let start = CalendarDate(rule["effective_date"]?.stringValue ?? "")!
      return (start, (rule["expiration_date"]?.stringValue).flatMap(CalendarDate.init) ?? CalendarDate("2200-12-31")!)
    }
    for (index, rule) in rules.enumerated() {
      for other in rules[(index + 1)...] {
        guard rule["program_id"] == other["program_id"], rule["carrier_match"] == other["carrier_match"],
          (rule["priority"]?.integerValue ?? 0) == (other["priority"]?.integerValue ?? 0)
        else { continue }
        let carriers = Set(rule["carriers"]?.stringListValue ?? []).intersection(other["carriers"]?.stringListValue ?? [])
        let codes = rule["fare_classes"]?.stringListValue.map(Set.init)
        let otherCodes = other["fare_classes"]?.stringListValue.map(Set.init)
        let sharesFares = codes.map { mine in otherCodes.map { !mine.isDisjoint(with: $0) } ?? true } ?? true
        guard !carriers.isEmpty, sharesFares else { continue }
        let (start, end) = period(rule)
        let (otherStart, otherEnd) = period(other)
        #expect(end < otherStart || otherEnd < start, "\(rule.id) and \(other.id) both apply to \(carriers.sorted()) on some dates")
      }
    }
  }

  @Test func airportsCoverTheMajorHubsOfEveryRegion() throws {
    let airports = nodes(.airport)
    #expect(airports.count >= 60)
    let codes = Set(airports.compactMap { $0["iata"]?.stringValue })
    let hubs = "DFW JFK LAX ORD MIA LHR DOH CDG AMS FRA NRT HND SIN SYD YYZ EWR SFO BOS ATL DXB HKG MAD GRU MEX JNB DEL ICN AUS"
    for hub in hubs.split(separator: " ").map(String.init) { #expect(codes.contains(hub), "\(hub) is missing") }
    let regions = Set(airports.compactMap { $0["region"]?.stringValue })
    #expect(regions == Set(Region.allCases.map(\.rawValue)))
    // The seed places airports in the regions the OpenFlights importer gives their countries.
    for airport in airports {
      let country = try #require(airport["country"]?.stringValue)
      #expect(CountryRegions.region(ofCountry: country)?.rawValue == airport["region"]?.stringValue, "\(airport.id) in \(country)")
    }
  }

  @Test(.enabled(if: CuratedSeedTests.hasOpenFlightsData, "OpenFlights data not found at ../shared/data/openflights"))
  func airportsMatchOpenFlights() throws {
    var rows: [String: [String]] = [:]
    for line in try String(contentsOf: Self.openFlightsAirports, encoding: .utf8).split(separator: "\n") {
      let fields = Self.csvFields(line)
      if fields.count > 7 { rows[fields[4]] = fields }
    }
    for airport in nodes(.airport) {
      let iata = try #require(airport["iata"]?.stringValue)
      let row = try #require(rows[iata], "\(iata) is not in airports.dat")
      #expect(airport["openflights_id"]?.integerValue == Int(row[0]), "\(iata)")
      #expect(airport["name"]?.stringValue == row[1], "\(iata)")
      #expect(airport["country"]?.stringValue == row[3], "\(iata)")
      #expect(airport["icao"]?.stringValue == row[5], "\(iata)")
      #expect(airport["latitude"]?.numberValue == Double(row[6]), "\(iata)")
      #expect(airport["longitude"]?.numberValue == Double(row[7]), "\(iata)")
    }
  }

  @Test func encodingTheSeedReadsBackUnchanged() throws {
    #expect(try SeedFile.decode(SeedFile.encode(batch)) == batch)
  }

  /// Fields of one airports.dat line: comma-separated, strings in double quotes.
  static func csvFields(_ line: Substring) -> [String] {
    var fields: [String] = []
    var field = ""
    var quoted = false
    for character in line {
      switch character {
      case "\"": quoted.toggle()
      case "," where !quoted:
        fields.append(field)
        field = ""
      default: field.append(character)
      }
    }
    fields.append(field)
    return fields
  }
}
