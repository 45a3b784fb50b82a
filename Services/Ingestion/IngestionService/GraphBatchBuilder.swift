import Crypto
import Foundation
import GraphModel
import IngestionCore
import LoyaltyRuntime

/// The document a batch's facts cite, as the graph's WebSourceDocument.
struct SourceDocument: Sendable, Equatable {
  var key: String
  var sha256: String
  var title: String
  var url: String
  var retrievedDate: String
  /// 1 for the key's first upload, 2 for the next…
  var versionNumber: Int

  /// Stable for the same content under the same key, so that uploading a page again changes
  /// nothing, and distinct for new content, so that old facts keep citing what they came from.
  var nodeID: String {
    NodeID.document("ingest:\(GraphBatchBuilder.slug(key, limit: 120)):\(sha256.prefix(12))")
  }
}

/// What the graph already holds that a batch refers to. Nodes it lacks are created: programs
/// and airlines from the extractors' directories, fare classes from the facts.
struct GraphContext: Sendable {
  var existingNodeIDs: Set<String>
  var programDetails: @Sendable (String) -> (name: String, kind: String, currencyName: String)?
  var airlineName: @Sendable (String) -> String?
}

/// The transform stage: facts become graph nodes and edges with stable ids (the same content
/// gives the same batch, so loading it again changes nothing), every fact citing its
/// WebSourceDocument. A new version of a document supersedes the previous version's earning
/// rules and award prices — they get an expiration date the day before the new ones take
/// effect (or are marked cancelled if they never took effect), never a silent delete. Tiers,
/// partnerships and transfer ratios are current-state facts, updated in place.
struct GraphBatchBuilder {
  struct Output: Sendable {
    var batch: GraphBatch
    /// Facts of the previous version that the new one no longer lists and that stay as they
    /// were, and facts that could not be expressed in the graph.
    var notes: [String]
  }

  var document: SourceDocument
  var context: GraphContext

  /// - Parameters:
  ///   - previous: the batch of the key's last load by another run, whose dated facts the
  ///     new ones supersede.
  ///   - earlierPass: this run's own batch from an earlier pass (a re-run after the extractor
  ///     changed): facts it loaded that the new pass no longer finds are withdrawn.
  func build(facts: [ExtractedFact], previous: GraphBatch?, earlierPass: GraphBatch? = nil) throws(IngestionError) -> Output {
    var nodes: [String: GraphNode] = [:]
    var edges: [String: GraphEdge] = [:]
    var notes: [String] = []
    let docID = document.nodeID
    let suffix = Self.hash(docID)

    func add(_ node: GraphNode) { nodes[node.id] = node }
    func ensureProgram(_ programID: String) throws(IngestionError) {
      let id = NodeID.program(programID)
      guard !context.existingNodeIDs.contains(id), nodes[id] == nil else { return }
      guard let details = context.programDetails(programID) else {
        throw .invalidArgument(field: "facts", reason: "program '\(programID)' is neither in the graph nor known to the extractors")
      }
      add(
        GraphNode(
          id: id, label: .loyaltyProgram,
          properties: [
            "name": .string(details.name), "kind": .string(details.kind), "currency_name": .string(details.currencyName),
            "source_document_id": .string(docID),
          ]))
    }
    func ensureAirline(_ iata: String) throws(IngestionError) {
      let id = NodeID.airline(iata)
      guard !context.existingNodeIDs.contains(id), nodes[id] == nil else { return }
      guard let name = context.airlineName(iata) else {
        throw .invalidArgument(field: "facts", reason: "airline '\(iata)' is neither in the graph nor known to the extractors")
      }
      add(GraphNode(id: id, label: .airline, properties: ["name": .string(name), "iata": .string(iata)]))
    }
    func ensureFareClass(carrier: String, code: String, cabin: Cabin) {
      let id = NodeID.fareClass(carrier: carrier, code: code)
      guard !context.existingNodeIDs.contains(id), nodes[id] == nil else { return }
      add(
        GraphNode(
          id: id, label: .fareClass, properties: ["carrier": .string(carrier), "code": .string(code), "cabin": .string(cabin.rawValue)]))
    }

    add(documentNode())
    for fact in facts {
      switch fact.body {
      case .earningRate(let rate):
        guard !rate.fareClasses.isEmpty else {
          notes.append(
            "not loaded: \(rate.program) on \(rate.carrier) \(rate.cabin.rawValue) earns \(Self.number(rate.accrualPercent))% — the page names no booking codes for it")
          continue
        }
        try ensureProgram(rate.program)
        try ensureAirline(rate.carrier)
        for code in rate.fareClasses { ensureFareClass(carrier: rate.carrier, code: code, cabin: rate.cabin) }
        add(earningRule(rate, suffix: suffix))
      case .revenueRate(let rate):
        try ensureProgram(rate.program)
        for carrier in rate.carriers { try ensureAirline(carrier) }
        add(revenueRule(rate, suffix: suffix))
      case .awardPrice(let price):
        try ensureProgram(price.program)
        add(awardEntry(price, suffix: suffix))
      case .eliteTier(let tier):
        try ensureProgram(tier.program)
        add(tierNode(tier))
      case .transferRatio(let ratio):
        try ensureProgram(ratio.fromProgram)
        try ensureProgram(ratio.toProgram)
        let edge = GraphEdge(
          type: .transfersTo, fromID: NodeID.program(ratio.fromProgram), toID: NodeID.program(ratio.toProgram),
          properties: [
            "from_points": .number(Double(ratio.fromPoints)), "to_points": .number(Double(ratio.toPoints)),
            "minimum": .number(Double(ratio.minimum)), "increment": .number(Double(ratio.increment)),
            "source_document_id": .string(docID),
          ])
        edges[edge.id] = edge
      case .partner(let partner):
        try ensureProgram(partner.program)
        try ensureAirline(partner.airline)
        let edge = GraphEdge(
          type: .partnersWith, fromID: NodeID.program(partner.program), toID: NodeID.airline(partner.airline),
          properties: ["earn": .bool(partner.earn), "redeem": .bool(partner.redeem), "source_document_id": .string(docID)])
        edges[edge.id] = edge
      }
    }

    if let previous { notes += supersede(previous, into: &nodes, edges: edges) }
    if let earlierPass { notes += withdraw(earlierPass, from: &nodes, edges: edges) }
    for (id, node) in nodes {
      do {
        try GraphSchema.validate(node, field: "nodes[\(id)]")
      } catch {
        throw .invalidArgument(field: error.field, reason: error.message)
      }
    }
    for (id, edge) in edges {
      do {
        try GraphSchema.validate(edge, field: "edges[\(id)]")
      } catch {
        throw .invalidArgument(field: error.field, reason: error.message)
      }
    }
    // Sorted, so the same facts always make the same bytes.
    let batch = GraphBatch(nodes: nodes.values.sorted { $0.id < $1.id }, edges: edges.values.sorted { $0.id < $1.id })
    return Output(batch: batch, notes: notes)
  }

  private func documentNode() -> GraphNode {
    var properties: Properties = [
      "url": .string(document.url), "title": .string(document.title), "retrieved_date": .string(document.retrievedDate),
      "content_sha256": .string(document.sha256), "version": .number(Double(document.versionNumber)),
    ]
    if let host = URL(string: document.url)?.host, !host.hasSuffix(".invalid") { properties["publisher"] = .string(host) }
    return GraphNode(id: document.nodeID, label: .webSourceDocument, properties: properties)
  }

  private func earningRule(_ rate: EarningRate, suffix: String) -> GraphNode {
    let codes = rate.fareClasses.joined()
    var properties: Properties = [
      "program_id": .string(rate.program),
      "description": .string(
        "\(rate.program) on \(rate.carrier) flights (\(rate.carrierMatch)) in \(rate.cabin.rawValue) fare classes \(rate.fareClasses.joined(separator: ", ")): \(Self.number(rate.accrualPercent))% of the distance flown, from \(document.title)"
      ),
      "basis": .string("distance"), "carriers": .list([.string(rate.carrier)]), "carrier_match": .string(rate.carrierMatch),
      "fare_classes": .list(rate.fareClasses.map(PropertyValue.string)), "accrual_percent": .number(rate.accrualPercent),
      "state": .string("effective"), "effective_date": .string(rate.effectiveDate ?? document.retrievedDate),
      "source_document_id": .string(document.nodeID),
    ]
    if let bonus = rate.cabinBonusPercent { properties["cabin_bonus_percent"] = .number(bonus) }
    if let minimum = rate.minimumMiles { properties["minimum_miles"] = .number(Double(minimum)) }
    let id = Self.boundedID("rule:\(rate.program):\(rate.carrier)-\(rate.carrierMatch)-\(codes)", suffix: suffix)
    return GraphNode(id: id, label: .earningRule, properties: properties)
  }

  private func revenueRule(_ rate: RevenueRate, suffix: String) -> GraphNode {
    let carriers = rate.carriers.joined(separator: "-")
    let properties: Properties = [
      "program_id": .string(rate.program),
      "description": .string(
        "\(rate.program) on \(rate.carriers.joined(separator: ", ")) flights: miles per \(rate.currency) by status, from \(document.title)"),
      "basis": .string("revenue"), "carriers": .list(rate.carriers.map(PropertyValue.string)), "carrier_match": .string("marketing"),
      "revenue_rates": .object(rate.rates.mapValues(PropertyValue.number)), "revenue_currency": .string(rate.currency),
      "state": .string("effective"), "effective_date": .string(rate.effectiveDate ?? document.retrievedDate),
      "source_document_id": .string(document.nodeID),
    ]
    return GraphNode(id: Self.boundedID("rule:\(rate.program):revenue-\(carriers)", suffix: suffix), label: .earningRule, properties: properties)
  }

  private func awardEntry(_ price: AwardPrice, suffix: String) -> GraphNode {
    var properties: Properties = [
      "program_id": .string(price.program), "chart": .string(price.chart), "cabin": .string(price.cabin.rawValue),
      "points": .number(Double(price.points)), "operated_by": .string(price.operatedBy),
      "effective_date": .string(price.effectiveDate ?? document.retrievedDate), "source_document_id": .string(document.nodeID),
      "description": .string("\(price.program) award, one way, one passenger, from \(document.title)"),
    ]
    let band: String
    if price.chart == "zone" {
      properties["origin_region"] = price.originRegion.map { .string($0.rawValue) }
      properties["destination_region"] = price.destinationRegion.map { .string($0.rawValue) }
      band = "\(price.originRegion?.rawValue ?? "?"):\(price.destinationRegion?.rawValue ?? "?")"
    } else {
      // An open-ended top band ("7,001 miles or more") reaches the longest distance the graph allows.
      let maxDistance = price.maxDistance ?? Self.longestDistance
      properties["min_distance"] = .number(Double(price.minDistance ?? 0))
      properties["max_distance"] = .number(Double(maxDistance))
      band = "\(price.minDistance ?? 0)-\(maxDistance)"
    }
    let id = Self.boundedID("award:\(price.program):\(price.chart):\(band):\(price.cabin.rawValue):\(price.operatedBy)", suffix: suffix)
    return GraphNode(id: id, label: .awardChartEntry, properties: properties.filter { $0.value != .null })
  }

  private func tierNode(_ tier: EliteTierFact) -> GraphNode {
    var properties: Properties = [
      "program_id": .string(tier.program), "name": .string(tier.name), "rank": .number(Double(tier.rank)),
      "qualification": .object(tier.qualification.mapValues(PropertyValue.number)), "source_document_id": .string(document.nodeID),
    ]
    if let bonus = tier.bonusPercent { properties["bonus_percent"] = .number(bonus) }
    if let alliance = tier.allianceTier { properties["alliance_tier"] = .string(alliance) }
    return GraphNode(id: "tier:\(tier.program):\(Self.slug(tier.name, limit: 60))", label: .eliteTier, properties: properties)
  }

  /// Expires the previous version's dated facts that this version does not repeat.
  private func supersede(_ previous: GraphBatch, into nodes: inout [String: GraphNode], edges: [String: GraphEdge]) -> [String] {
    guard let previousDocument = previous.nodes.first(where: { $0.label == .webSourceDocument }),
      previousDocument.id != document.nodeID
    else { return [] }
    var notes: [String] = []
    // When the same rule (same id apart from the document suffix) is restated, the old one ends
    // the day before the restatement takes effect; otherwise the day before this upload.
    var restatedEffective: [String: String] = [:]
    for node in nodes.values {
      if let effective = node["effective_date"]?.stringValue { restatedEffective[Self.withoutSuffix(node.id)] = effective }
    }
    for old in previous.nodes where old["source_document_id"]?.stringValue == previousDocument.id && nodes[old.id] == nil {
      switch old.label {
      case .earningRule, .awardChartEntry:
        let effective = old["effective_date"]?.stringValue ?? document.retrievedDate
        let replacedFrom = restatedEffective[Self.withoutSuffix(old.id)] ?? document.retrievedDate
        var ended = old
        var expiration = Self.dayBefore(replacedFrom) ?? replacedFrom
        if let stated = old["expiration_date"]?.stringValue, stated < expiration { expiration = stated }
        if expiration < effective {
          // Superseded before it ever applied.
          expiration = effective
          if old.label == .earningRule { ended.properties["state"] = .string("cancelled") }
        }
        ended.properties["expiration_date"] = .string(expiration)
        nodes[old.id] = ended
      case .eliteTier:
        notes.append("kept: \(old.id) is no longer on the page; it stays as the previous version stated it")
      default:
        break
      }
    }
    for old in previous.edges where old["source_document_id"]?.stringValue == previousDocument.id && edges[old.id] == nil {
      notes.append("kept: \(old.type.rawValue) \(old.fromID) → \(old.toID) is no longer on the page; it stays as the previous version stated it")
    }
    return notes
  }

  /// Withdraws what an earlier pass over the same document loaded and this pass no longer
  /// finds: earning rules are cancelled, award prices end on the day they began; both stay
  /// in the graph as the record of what was loaded.
  private func withdraw(_ earlier: GraphBatch, from nodes: inout [String: GraphNode], edges: [String: GraphEdge]) -> [String] {
    var notes: [String] = []
    for old in earlier.nodes where old["source_document_id"]?.stringValue == document.nodeID && nodes[old.id] == nil {
      var withdrawn = old
      switch old.label {
      case .earningRule:
        withdrawn.properties["state"] = .string("cancelled")
      case .awardChartEntry:
        withdrawn.properties["expiration_date"] = old["effective_date"] ?? .string(document.retrievedDate)
      case .eliteTier:
        notes.append("kept: \(old.id) was found by an earlier pass and not by this one; it stays")
        continue
      default:
        continue
      }
      nodes[old.id] = withdrawn
      notes.append("withdrawn: \(old.id) was found by an earlier pass and not by this one")
    }
    for old in earlier.edges where old["source_document_id"]?.stringValue == document.nodeID && edges[old.id] == nil {
      notes.append("kept: \(old.type.rawValue) \(old.fromID) → \(old.toID) was found by an earlier pass and not by this one; it stays")
    }
    return notes
  }

  static let longestDistance = 30_000

  static func dayBefore(_ date: String) -> String? {
    let parts = date.split(separator: "-").compactMap { Int64($0) }
    guard parts.count == 3 else { return nil }
    let (year, month, day) = CivilDate.date(daysSinceEpoch: CivilDate.daysSinceEpoch(year: parts[0], month: parts[1], day: parts[2]) - 1)
    return "\(CivilDate.padded(year, 4))-\(CivilDate.padded(month, 2))-\(CivilDate.padded(day, 2))"
  }

  /// Lower-case letters, digits and dashes.
  static func slug(_ text: String, limit: Int) -> String {
    var slug = ""
    var lastWasDash = true
    for scalar in text.lowercased().unicodeScalars {
      if ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) {
        slug.unicodeScalars.append(scalar)
        lastWasDash = false
      } else if !lastWasDash {
        slug.append("-")
        lastWasDash = true
      }
    }
    while slug.hasSuffix("-") { slug.removeLast() }
    return String(slug.prefix(limit))
  }

  /// The first 10 hex digits of the SHA-256 of `text`.
  static func hash(_ text: String) -> String {
    SHA256.hash(data: Data(text.utf8)).prefix(5).map { String(format: "%02x", $0) }.joined()
  }

  /// `base:suffix`, with `base` shortened (and hashed) when the id would pass 200 bytes.
  static func boundedID(_ base: String, suffix: String) -> String {
    let cleaned = String(base.unicodeScalars.filter { !$0.properties.isWhitespace && $0 != "|" })
    guard cleaned.utf8.count + suffix.utf8.count + 1 > 200 else { return "\(cleaned):\(suffix)" }
    return "\(cleaned.prefix(170)):\(hash(cleaned)):\(suffix)"
  }

  static func withoutSuffix(_ id: String) -> String {
    guard let colon = id.lastIndex(of: ":") else { return id }
    return String(id[..<colon])
  }

  static func number(_ value: Double) -> String {
    value.rounded() == value ? String(Int(value)) : String(value)
  }
}
