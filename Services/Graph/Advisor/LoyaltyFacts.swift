import GraphModel

/// The knowledge graph indexed for answering: typed facts by their natural keys plus the raw
/// nodes and edges for retrieval. Built once per graph version and then only read, so it can
/// be shared across requests.
///
/// References between facts are read from their properties (`program_id`, `carriers`,
/// `fare_classes`); relationships only edges state (alliance membership, partners, owners,
/// transfers) come from the edges. ROUTE edges are ignored: routes are the store's business.
public struct LoyaltyFacts: Sendable {
  /// Airports by IATA code.
  public let airports: [String: AirportFact]
  /// Airlines by IATA code.
  public let airlines: [String: AirlineFact]
  /// Alliances by node id ("alliance:oneworld").
  public let alliances: [String: AllianceFact]
  /// Programs and bank currencies by program id ("aa-aadvantage").
  public let programs: [String: ProgramFact]
  public let fareClasses: [FareClassKey: FareClassFact]
  /// Earning rules by program id, sorted by id.
  public let earningRules: [String: [EarningRuleFact]]
  /// Elite tiers by program id, lowest rank first.
  public let eliteTiers: [String: [EliteTierFact]]
  /// Award chart entries by program id, sorted by id.
  public let awardChartEntries: [String: [AwardChartEntryFact]]
  /// Transfers by source program id, sorted by target.
  public let transfers: [String: [TransferFact]]
  /// Source documents by node id.
  public let documents: [String: DocumentFact]
  /// Nodes that are present but could not be read as facts of their label.
  public let ignored: [IgnoredFact]

  private let nodesByID: [String: GraphNode]
  private let nodesByLabel: [NodeLabel: [GraphNode]]
  private let outgoingEdges: [String: [GraphEdge]]
  private let incomingEdges: [String: [GraphEdge]]
  private let fareClassesByCarrier: [String: [FareClassFact]]
  private let rulesByCarrier: [String: [EarningRuleFact]]
  private let rulesByMarketingCarrier: [String: [String: [EarningRuleFact]]]
  private let rulesByOperatingCarrier: [String: [String: [EarningRuleFact]]]

  public init(nodes: [GraphNode], edges: [GraphEdge]) {
    var byID: [String: GraphNode] = [:]
    byID.reserveCapacity(nodes.count)
    for node in nodes { byID[node.id] = node }
    var byLabel: [NodeLabel: [GraphNode]] = [:]
    for node in byID.values { byLabel[node.label, default: []].append(node) }
    for label in byLabel.keys { byLabel[label]!.sort { $0.id < $1.id } }

    var outgoing: [String: [GraphEdge]] = [:]
    var incoming: [String: [GraphEdge]] = [:]
    for edge in edges where edge.type != .route {
      outgoing[edge.fromID, default: []].append(edge)
      incoming[edge.toID, default: []].append(edge)
    }

    var ignored: [IgnoredFact] = []
    func read<Fact>(_ label: NodeLabel, _ decode: (FactDecoder) throws(FactDecoder.Missing) -> Fact) -> [Fact] {
      (byLabel[label] ?? []).compactMap { node in
        do throws(FactDecoder.Missing) {
          return try decode(FactDecoder(node: node))
        } catch {
          ignored.append(IgnoredFact(id: node.id, reason: "\(label.rawValue): \(error.reason)"))
          return nil
        }
      }
    }

    var airports: [String: AirportFact] = [:]
    airports.reserveCapacity(byLabel[.airport]?.count ?? 0)
    for airport in read(.airport, { decoder throws(FactDecoder.Missing) in try decoder.airport() }) {
      // Two nodes claiming one code: the one with the conventional id wins.
      if airports[airport.iata] == nil || airport.id == NodeID.airport(airport.iata) { airports[airport.iata] = airport }
    }

    var documents: [String: DocumentFact] = [:]
    for document in read(.webSourceDocument, { decoder throws(FactDecoder.Missing) in try decoder.document() }) {
      documents[document.id] = document
    }

    let allianceNodes = read(.alliance) { decoder throws(FactDecoder.Missing) in
      (id: decoder.node.id, name: try decoder.requiredText("name"), source: decoder.text("source_document_id"))
    }
    var allianceNames: [String: String] = [:]
    for alliance in allianceNodes { allianceNames[alliance.id] = alliance.name }

    var airlines: [String: AirlineFact] = [:]
    var airlineCodesByID: [String: String] = [:]
    for var airline in read(.airline, { decoder throws(FactDecoder.Missing) in try decoder.airline() }) {
      airlineCodesByID[airline.id] = airline.iata
      for edge in outgoing[airline.id] ?? [] {
        switch edge.type {
        case .memberOf where allianceNames[edge.toID] != nil:
          airline.allianceID = edge.toID
          airline.alliance = allianceNames[edge.toID]
        case .hasLoyaltyProgram:
          airline.programIDs.append(FactDecoder.programID(edge.toID))
        default:
          break
        }
      }
      airline.programIDs.sort()
      if let existing = airlines[airline.iata] {
        // Defunct airlines share codes with live ones: prefer the conventional id, then active.
        let better = airline.id == NodeID.airline(airline.iata) || (existing.id != NodeID.airline(existing.iata) && airline.active == true)
        if !better { continue }
      }
      airlines[airline.iata] = airline
    }

    var alliances: [String: AllianceFact] = [:]
    for alliance in allianceNodes {
      let members = (incoming[alliance.id] ?? []).filter { $0.type == .memberOf }.compactMap { airlineCodesByID[$0.fromID] }
      alliances[alliance.id] = AllianceFact(id: alliance.id, name: alliance.name, members: Array(Set(members)).sorted(), sourceDocumentID: alliance.source)
    }

    var programs: [String: ProgramFact] = [:]
    for var program in read(.loyaltyProgram, { decoder throws(FactDecoder.Missing) in try decoder.program() }) {
      program.partners = (outgoing[program.nodeID] ?? []).filter { $0.type == .partnersWith }.compactMap { edge in
        airlineCodesByID[edge.toID].map {
          ProgramPartner(
            airline: $0, earn: edge["earn"]?.boolValue, redeem: edge["redeem"]?.boolValue,
            sourceDocumentID: edge["source_document_id"]?.stringValue)
        }
      }.sorted { $0.airline < $1.airline }
      program.owningAirlines = Array(
        Set((incoming[program.nodeID] ?? []).filter { $0.type == .hasLoyaltyProgram }.compactMap { airlineCodesByID[$0.fromID] })
      ).sorted()
      programs[program.id] = program
    }

    var fareClasses: [FareClassKey: FareClassFact] = [:]
    var fareClassesByCarrier: [String: [FareClassFact]] = [:]
    for fare in read(.fareClass, { decoder throws(FactDecoder.Missing) in try decoder.fareClass() }) {
      fareClasses[FareClassKey(carrier: fare.carrier, code: fare.code)] = fare
      fareClassesByCarrier[fare.carrier, default: []].append(fare)
    }
    for carrier in fareClassesByCarrier.keys { fareClassesByCarrier[carrier]!.sort { $0.code < $1.code } }

    var earningRules: [String: [EarningRuleFact]] = [:]
    var rulesByCarrier: [String: [EarningRuleFact]] = [:]
    for rule in read(.earningRule, { decoder throws(FactDecoder.Missing) in try decoder.earningRule() }) {
      earningRules[rule.programID, default: []].append(rule)
      for carrier in Set(rule.carriers) { rulesByCarrier[carrier, default: []].append(rule) }
    }

    var tierProgramFromEdge: [String: String] = [:]
    for program in programs.values {
      for edge in outgoing[program.nodeID] ?? [] where edge.type == .hasEliteTier { tierProgramFromEdge[edge.toID] = program.id }
    }
    var eliteTiers: [String: [EliteTierFact]] = [:]
    for tier in read(.eliteTier, { decoder throws(FactDecoder.Missing) in try decoder.eliteTier(programFromEdge: tierProgramFromEdge[decoder.node.id]) }) {
      eliteTiers[tier.programID, default: []].append(tier)
    }
    for program in eliteTiers.keys { eliteTiers[program]!.sort { ($0.rank, $0.name) < ($1.rank, $1.name) } }

    var awardChartEntries: [String: [AwardChartEntryFact]] = [:]
    for entry in read(.awardChartEntry, { decoder throws(FactDecoder.Missing) in try decoder.awardChartEntry() }) {
      awardChartEntries[entry.programID, default: []].append(entry)
    }

    var transfers: [String: [TransferFact]] = [:]
    for edges in outgoing.values {
      for edge in edges where edge.type == .transfersTo {
        guard let fromPoints = edge.integerProperty("from_points"), let toPoints = edge.integerProperty("to_points"), fromPoints > 0, toPoints > 0
        else { continue }
        let transfer = TransferFact(
          fromProgramID: FactDecoder.programID(edge.fromID), toProgramID: FactDecoder.programID(edge.toID), fromPoints: fromPoints,
          toPoints: toPoints, minimum: max(edge.integerProperty("minimum") ?? fromPoints, 1),
          increment: max(edge.integerProperty("increment") ?? fromPoints, 1), sourceDocumentID: edge["source_document_id"]?.stringValue ?? "")
        transfers[transfer.fromProgramID, default: []].append(transfer)
      }
    }
    for program in transfers.keys { transfers[program]!.sort { $0.toProgramID < $1.toProgramID } }

    self.airports = airports
    self.airlines = airlines
    self.alliances = alliances
    self.programs = programs
    self.fareClasses = fareClasses
    self.earningRules = earningRules.mapValues { $0.sorted { $0.id < $1.id } }
    self.eliteTiers = eliteTiers
    self.awardChartEntries = awardChartEntries.mapValues { $0.sorted { $0.id < $1.id } }
    self.transfers = transfers
    self.documents = documents
    self.ignored = ignored.sorted { $0.id < $1.id }
    self.nodesByID = byID
    self.nodesByLabel = byLabel
    self.outgoingEdges = outgoing
    self.incomingEdges = incoming
    self.fareClassesByCarrier = fareClassesByCarrier
    let sortedRulesByCarrier = rulesByCarrier.mapValues { $0.sorted { $0.id < $1.id } }
    func byProgram(_ match: EarningRuleFact.CarrierMatch) -> [String: [String: [EarningRuleFact]]] {
      sortedRulesByCarrier.mapValues { rules in Dictionary(grouping: rules.filter { $0.carrierMatch == match }, by: \.programID) }
        .filter { !$0.value.isEmpty }
    }
    self.rulesByCarrier = sortedRulesByCarrier
    self.rulesByMarketingCarrier = byProgram(.marketing)
    self.rulesByOperatingCarrier = byProgram(.operating)
  }

  /// An empty graph.
  public init() { self.init(nodes: [], edges: []) }
}

extension LoyaltyFacts {
  public func airport(_ iata: String) -> AirportFact? { airports[iata] }
  public func airline(_ iata: String) -> AirlineFact? { airlines[iata] }
  /// A program by id, with or without the "program:" prefix.
  public func program(_ id: String) -> ProgramFact? { programs[FactDecoder.programID(id)] }
  public func document(_ id: String) -> DocumentFact? { documents[id] }

  public func fareClass(carrier: String, code: String) -> FareClassFact? {
    fareClasses[FareClassKey(carrier: carrier, code: code)]
  }

  /// The fare classes the graph knows for a carrier, by code.
  public func fareClasses(carrier: String) -> [FareClassFact] { fareClassesByCarrier[carrier] ?? [] }

  /// Earning rules (of every program) that name the carrier, sorted by id.
  public func earningRules(carrier: String) -> [EarningRuleFact] { rulesByCarrier[carrier] ?? [] }

  /// Earning rules that cover a flight marketed (or operated, per `match`) by the carrier,
  /// grouped by program id, each group sorted by rule id.
  public func earningRules(carrier: String, match: EarningRuleFact.CarrierMatch) -> [String: [EarningRuleFact]] {
    (match == .marketing ? rulesByMarketingCarrier : rulesByOperatingCarrier)[carrier] ?? [:]
  }

  public func earningRules(program: String) -> [EarningRuleFact] { earningRules[FactDecoder.programID(program)] ?? [] }

  /// The program's elite tiers, lowest rank first.
  public func eliteTiers(program: String) -> [EliteTierFact] { eliteTiers[FactDecoder.programID(program)] ?? [] }

  public func eliteTier(program: String, name: String) -> EliteTierFact? {
    eliteTiers(program: program).first { $0.name == name }
  }

  public func awardChartEntries(program: String) -> [AwardChartEntryFact] { awardChartEntries[FactDecoder.programID(program)] ?? [] }

  /// Transfers out of a program or bank currency.
  public func transfers(from program: String) -> [TransferFact] { transfers[FactDecoder.programID(program)] ?? [] }

  /// Transfers into a program, from every source.
  public func transfers(to program: String) -> [TransferFact] {
    let target = FactDecoder.programID(program)
    return transfers.values.flatMap { $0.filter { $0.toProgramID == target } }.sorted { $0.fromProgramID < $1.fromProgramID }
  }
}

extension LoyaltyFacts {
  /// Any node by id.
  public func node(_ id: String) -> GraphNode? { nodesByID[id] }

  /// Every node with the label, sorted by id.
  public func nodes(_ label: NodeLabel) -> [GraphNode] { nodesByLabel[label] ?? [] }

  /// Edges leaving the node (ROUTE edges excluded).
  public func outgoing(_ id: String) -> [GraphEdge] { outgoingEdges[id] ?? [] }

  /// Edges arriving at the node (ROUTE edges excluded).
  public func incoming(_ id: String) -> [GraphEdge] { incomingEdges[id] ?? [] }

  public var nodeCount: Int { nodesByID.count }
}

extension LoyaltyFacts {
  /// Great-circle statute miles between two airports, unrounded; nil when either is unknown.
  public func greatCircleMiles(from origin: String, to destination: String) -> Double? {
    guard let from = airports[origin], let to = airports[destination] else { return nil }
    return GreatCircle.miles(fromLatitude: from.latitude, longitude: from.longitude, toLatitude: to.latitude, longitude: to.longitude)
  }

  /// The distance a program credits for a flight: its own published figure for the pair when
  /// it has one, else the great-circle distance rounded half up. Nil when an airport is
  /// unknown (and the program publishes nothing for the pair).
  public func distance(from origin: String, to destination: String, program: String? = nil) -> FlightDistance? {
    if let program = program.flatMap({ programs[FactDecoder.programID($0)] }), !program.publishedDistances.isEmpty,
      let miles = program.publishedDistances[AirportPair.key(origin, destination)]
    {
      return FlightDistance(miles: miles, source: "published by \(program.name)", isPublished: true)
    }
    guard let miles = greatCircleMiles(from: origin, to: destination) else { return nil }
    return FlightDistance(miles: Int(miles.rounded(.toNearestOrAwayFromZero)), source: "great-circle", isPublished: false)
  }
}
