import Foundation
import GraphModel
import GraphService
import LoyaltyRuntime
import Testing

@Suite struct GraphStoreTests {
  /// Runs `body` against a store holding the fixture graph.
  func withFixture(_ body: (GraphStore) async throws -> Void) async throws {
    try await withGraphStore { store in
      try await store.upsert(GraphFixture.batch)
      try await body(store)
    }
  }

  func expectGraphError(_ expected: GraphError, _ operation: () async throws -> some Any) async {
    do {
      _ = try await operation()
      Issue.record("expected \(expected), but the operation succeeded")
    } catch let error as GraphError {
      #expect(error == expected)
    } catch {
      Issue.record("expected \(expected), got \(error)")
    }
  }

  // MARK: Upsert

  @Test func upsertCreatesNodesEdgesAndDerivedEdges() async throws {
    try await withGraphStore { store in
      let summary = try await store.upsert(GraphFixture.batch)
      #expect(summary.nodesCreated == GraphFixture.nodes.count)
      #expect(summary.edgesCreated == GraphFixture.edges.count)
      #expect(summary.nodesUpdated + summary.nodesUnchanged + summary.edgesUpdated + summary.edgesUnchanged == 0)
      #expect(summary.derivedEdgesWritten == GraphFixture.derivedEdgeIDs.count)
      #expect(summary.sequence == Int64(GraphFixture.nodes.count + GraphFixture.edges.count + GraphFixture.derivedEdgeIDs.count))

      let snapshot = try await store.snapshot()
      let explicit = Set(GraphFixture.edges.map(\.id))
      #expect(Set(snapshot.edges.map(\.id)) == explicit.union(GraphFixture.derivedEdgeIDs))
      for id in GraphFixture.derivedEdgeIDs {
        #expect(try await store.edge(id).derived)
      }
      #expect(try await store.edge(GraphFixture.edges[0].id).derived == false)

      let stored = try await store.node("rule:aa-on-ba-business")
      #expect(stored.node == GraphFixture.baBusinessRule)
      #expect(stored.updatedAtMicros > 0)
    }
  }

  @Test func identicalRewriteChangesNothingAndJournalsNothing() async throws {
    try await withFixture { store in
      let before = try await store.statistics()
      let journalBefore = try await store.database.journal(after: 0, limit: 10_000).count
      let again = try await store.upsert(GraphFixture.batch)
      #expect(again.nodesUnchanged == GraphFixture.nodes.count)
      #expect(again.edgesUnchanged == GraphFixture.edges.count)
      #expect(again.nodesWritten + again.edgesWritten + again.derivedEdgesWritten + again.derivedEdgesRemoved == 0)
      #expect(again.sequence == 0)
      #expect(try await store.statistics() == before)
      #expect(try await store.database.journal(after: 0, limit: 10_000).count == journalBefore)
    }
  }

  @Test func propertyOrderDoesNotMakeAChange() async throws {
    try await withFixture { store in
      // Same properties built in another order encode to the same text.
      var reordered = GraphFixture.heathrow
      reordered.properties = Dictionary(uniqueKeysWithValues: GraphFixture.heathrow.properties.sorted { $0.key > $1.key })
      let summary = try await store.upsert(GraphBatch(nodes: [reordered]))
      #expect(summary.nodesUnchanged == 1)
    }
  }

  @Test func changedPropertiesUpdateTheRowAndItsDerivedEdges() async throws {
    try await withFixture { store in
      var rule = GraphFixture.baBusinessRule
      rule.properties["carriers"] = ["AA"]
      rule.properties["fare_classes"] = nil
      let summary = try await store.upsert(GraphBatch(nodes: [rule, GraphFixture.heathrow]))
      #expect(summary.nodesUpdated == 1)
      #expect(summary.nodesUnchanged == 1)
      // BA, BA:I and BA:J go; AA comes; the program and document stay.
      #expect(summary.derivedEdgesRemoved == 3)
      #expect(summary.derivedEdgesWritten == 1)
      let snapshot = try await store.snapshot()
      let outgoing = Set(snapshot.outgoing(from: rule.id).map(\.id))
      #expect(
        outgoing == [
          "APPLIES_TO|rule:aa-on-ba-business|airline:AA|", "CREDITS_TO_PROGRAM|rule:aa-on-ba-business|program:aa-aadvantage|",
          "EXTRACTED_FROM|rule:aa-on-ba-business|doc:aa-partners|",
        ])
      #expect(try await store.node(rule.id).node == rule)
    }
  }

  @Test func oneBadNodeRejectsTheWholeBatch() async throws {
    try await withGraphStore { store in
      var badAirport = GraphFixture.kennedy
      badAirport.properties["iata"] = "jfk"
      let batch = GraphBatch(nodes: [GraphFixture.heathrow, GraphFixture.dallas, GraphFixture.document, badAirport])
      do {
        try await store.upsert(batch)
        Issue.record("a lower-case IATA code was accepted")
      } catch let error as GraphError {
        guard case .invalidArgument(let field, _) = error else { throw error }
        #expect(field == "nodes[3].properties.iata")
      }
      #expect(try await store.statistics().nodeCount == 0)
      #expect(try await store.statistics().lastSequence == 0)
    }
  }

  @Test func oneBadEdgeRejectsTheWholeBatch() async throws {
    try await withFixture { store in
      let before = try await store.statistics()
      var newAirport = GraphFixture.airport("ORD", "Chicago O'Hare", country: "United States", region: .northAmerica, 41.9786, -87.9048)
      newAirport.properties["city"] = "Chicago"
      let batch = GraphBatch(
        nodes: [newAirport],
        edges: [GraphFixture.route("ORD", "LHR", "AA"), GraphFixture.route("ORD", "XXX", "AA")])
      await expectGraphError(.referenceNotFound(field: "edges[1].to_id", id: "airport:XXX")) { try await store.upsert(batch) }
      #expect(try await store.statistics() == before)
      await expectGraphError(.nodeNotFound(id: "airport:ORD")) { try await store.node("airport:ORD") }
    }
  }

  @Test func duplicateIDsInOneBatchAreRefused() async throws {
    try await withGraphStore { store in
      await expectGraphError(.invalidArgument(field: "nodes[2].id", reason: "'airport:LHR' appears twice in the batch (also nodes[0])")) {
        try await store.upsert(GraphBatch(nodes: [GraphFixture.heathrow, GraphFixture.kennedy, GraphFixture.heathrow]))
      }
    }
  }

  /// Large batches are checked on several cores; the first problem in batch order is still
  /// the one reported.
  @Test func largeBatchesReportTheirFirstProblem() async throws {
    try await withGraphStore { store in
      let airports = (0..<6000).map { index in
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        let code = String([letters[index / 676], letters[index / 26 % 26], letters[index % 26]])
        return GraphFixture.airport(code, "Airport \(code)", country: "Peru", region: .southAmerica, -12, -77)
      }
      var late = airports
      late[5500].properties["latitude"] = 91
      late[5800] = late[10]
      await expectGraphError(.invalidArgument(field: "nodes[5500].properties.latitude", reason: "91.0 is outside -90.0…90.0")) {
        try await store.upsert(GraphBatch(nodes: late))
      }
      var early = late
      early[100] = early[10]
      await expectGraphError(.invalidArgument(field: "nodes[100].id", reason: "'airport:AAK' appears twice in the batch (also nodes[10])")) {
        try await store.upsert(GraphBatch(nodes: early))
      }
      let summary = try await store.upsert(GraphBatch(nodes: airports))
      #expect(summary.nodesCreated == 6000)
    }
  }

  @Test func nonFiniteNumbersAreRefused() async throws {
    try await withFixture { store in
      var rule = GraphFixture.baBusinessRule
      rule.properties["elite_metrics"] = [["name": "Loyalty Points", "per": "redeemable_mile", "amount": .number(.nan)]]
      await expectGraphError(.invalidArgument(field: "nodes[0].properties.elite_metrics[0].amount", reason: "nan is not a finite number")) {
        try await store.upsert(GraphBatch(nodes: [rule]))
      }
    }
  }

  @Test func referencesMustExistWithTheRightLabel() async throws {
    try await withFixture { store in
      var rule = GraphFixture.baBusinessRule
      rule.id = "rule:new"
      rule.properties["program_id"] = "xx-unknown"
      await expectGraphError(.referenceNotFound(field: "nodes[0].properties.program_id", id: "program:xx-unknown")) {
        try await store.upsert(GraphBatch(nodes: [rule]))
      }

      rule = GraphFixture.baBusinessRule
      rule.id = "rule:new"
      rule.properties["carriers"] = ["BA", "AA"]
      // fare:BA:I exists, fare:AA:I does not.
      await expectGraphError(.referenceNotFound(field: "nodes[0].properties.fare_classes[0]", id: "fare:AA:I")) {
        try await store.upsert(GraphBatch(nodes: [rule]))
      }

      rule = GraphFixture.baBusinessRule
      rule.id = "rule:new"
      rule.properties["source_document_id"] = "airline:BA"
      await expectGraphError(
        .wrongLabel(field: "nodes[0].properties.source_document_id", id: "airline:BA", label: .airline, expected: "WebSourceDocument")
      ) {
        try await store.upsert(GraphBatch(nodes: [rule]))
      }

      var transfer = GraphFixture.edges[5]
      transfer.properties["source_document_id"] = "doc:missing"
      await expectGraphError(.referenceNotFound(field: "edges[0].properties.source_document_id", id: "doc:missing")) {
        try await store.upsert(GraphBatch(edges: [transfer]))
      }

      // A reference to a node created in the same batch is fine.
      let document = GraphNode(
        id: "doc:new", label: .webSourceDocument, properties: ["url": "https://example.com/rules", "title": "Rules", "retrieved_date": "2025-02-01"])
      rule = GraphFixture.baBusinessRule
      rule.id = "rule:new"
      rule.properties["source_document_id"] = "doc:new"
      let summary = try await store.upsert(GraphBatch(nodes: [rule, document]))
      #expect(summary.nodesCreated == 2)
      #expect(try await store.edge("EXTRACTED_FROM|rule:new|doc:new|").derived)
    }
  }

  @Test func edgeEndpointsMustHaveTheLabelsTheTypeJoins() async throws {
    try await withFixture { store in
      let edge = GraphEdge(type: .memberOf, fromID: "airport:LHR", toID: "alliance:oneworld")
      await expectGraphError(
        .invalidArgument(field: "edges[0]", reason: "MEMBER_OF joins Airline → Alliance, not Airport → Alliance ('airport:LHR' → 'alliance:oneworld')")
      ) {
        try await store.upsert(GraphBatch(edges: [edge]))
      }
    }
  }

  @Test func derivedEdgesCannotBeWrittenOrDeletedDirectly() async throws {
    try await withFixture { store in
      let edge = GraphEdge(type: .creditsToProgram, fromID: "rule:aa-on-ba-business", toID: "program:ba-executive-club")
      do {
        try await store.upsert(GraphBatch(edges: [edge]))
        Issue.record("an explicit CREDITS_TO_PROGRAM edge was accepted")
      } catch let error as GraphError {
        guard case .invalidArgument(let field, let reason) = error else { throw error }
        #expect(field == "edges[0].type")
        #expect(reason.contains("program_id"))
      }
      await expectGraphError(
        .derivedEdge(id: "APPLIES_TO|rule:aa-on-ba-business|fare:BA:I|", owner: "rule:aa-on-ba-business", property: "fare_classes")
      ) {
        try await store.deleteEdge(type: .appliesTo, fromID: "rule:aa-on-ba-business", toID: "fare:BA:I", key: "")
      }
      await expectGraphError(
        .derivedEdge(id: "HAS_ELITE_TIER|program:aa-aadvantage|tier:aa-aadvantage:gold|", owner: "tier:aa-aadvantage:gold", property: "program_id")
      ) {
        try await store.deleteEdge(type: .hasEliteTier, fromID: "program:aa-aadvantage", toID: "tier:aa-aadvantage:gold", key: "")
      }
      // Labels without a source_document_id property may cite a document with an explicit edge.
      let cited = try await store.upsert(GraphBatch(edges: [GraphEdge(type: .extractedFrom, fromID: "airline:BA", toID: "doc:aa-partners")]))
      #expect(cited.edgesCreated == 1)
    }
  }

  @Test func aStoredNodeKeepsItsLabel() async throws {
    try await withFixture { store in
      let relabelled = GraphNode(id: "airline:BA", label: .alliance, properties: ["name": "British Airways"])
      await expectGraphError(.labelChange(field: "nodes[0].label", id: "airline:BA", stored: .airline, requested: .alliance)) {
        try await store.upsert(GraphBatch(nodes: [relabelled]))
      }
    }
  }

  // MARK: Delete

  @Test func deletingAReferencedNodeNamesItsReferrers() async throws {
    try await withFixture { store in
      await expectGraphError(
        .nodeReferenced(
          id: "program:aa-aadvantage", referrers: ["award:aa-ba-economy-0-3000", "rule:aa-on-ba-business", "tier:aa-aadvantage:gold"], total: 3)
      ) {
        try await store.deleteNode("program:aa-aadvantage")
      }
      // The document is cited by seven nodes and one edge; five are named.
      do {
        _ = try await store.deleteNode("doc:aa-partners")
        Issue.record("a cited document was deleted")
      } catch let GraphError.nodeReferenced(_, referrers, total) {
        #expect(total == 8)
        #expect(referrers.count == 5)
      }
      #expect(try await store.node("program:aa-aadvantage").node == GraphFixture.aadvantage)
    }
  }

  @Test func deletingANodeRemovesTheEdgesTouchingIt() async throws {
    try await withFixture { store in
      let rule = try await store.deleteNode("rule:aa-on-ba-business")
      #expect(rule.edgesDeleted == 5)
      let award = try await store.deleteNode("award:aa-ba-economy-0-3000")
      #expect(award.edgesDeleted == 3)
      let tier = try await store.deleteNode("tier:aa-aadvantage:gold")
      #expect(tier.edgesDeleted == 2)
      // Now nothing names the program in its properties; its own edges go with it.
      let program = try await store.deleteNode("program:aa-aadvantage")
      #expect(program.edgesDeleted == 3)
      await expectGraphError(.nodeNotFound(id: "program:aa-aadvantage")) { try await store.node("program:aa-aadvantage") }
      let snapshot = try await store.snapshot()
      #expect(!snapshot.edges.contains { $0.fromID == "program:aa-aadvantage" || $0.toID == "program:aa-aadvantage" })
      await expectGraphError(.nodeNotFound(id: "program:aa-aadvantage")) { try await store.deleteNode("program:aa-aadvantage") }
    }
  }

  @Test func deletingAnEdge() async throws {
    try await withFixture { store in
      let route = GraphFixture.route("LHR", "JFK", "AA")
      _ = try await store.deleteEdge(type: .route, fromID: route.fromID, toID: route.toID, key: route.key)
      await expectGraphError(.edgeNotFound(id: route.id)) { try await store.edge(route.id) }
      await expectGraphError(.edgeNotFound(id: route.id)) {
        try await store.deleteEdge(type: .route, fromID: route.fromID, toID: route.toID, key: route.key)
      }
      #expect(try await store.edge(GraphFixture.route("LHR", "JFK", "BA").id).edge.key == "BA")
    }
  }

  // MARK: Reads

  @Test func neighborsFilterByDirectionTypeAndLabel() async throws {
    try await withFixture { store in
      let all = try await store.neighbors(of: "program:aa-aadvantage")
      #expect(all.truncated == false)
      // Outgoing: HAS_ELITE_TIER, PARTNERS_WITH, EXTRACTED_FROM; incoming: HAS_LOYALTY_PROGRAM,
      // CREDITS_TO_PROGRAM, APPLIES_TO (award).
      #expect(all.neighbors.count == 6)
      #expect(all.neighbors.prefix(3).allSatisfy { $0.edge.edge.fromID == "program:aa-aadvantage" })

      let incoming = try await store.neighbors(of: "program:aa-aadvantage", direction: .incoming)
      #expect(Set(incoming.neighbors.map(\.node.node.id)) == ["airline:AA", "rule:aa-on-ba-business", "award:aa-ba-economy-0-3000"])

      let typed = try await store.neighbors(of: "program:aa-aadvantage", edgeTypes: [.hasEliteTier, .partnersWith])
      #expect(typed.neighbors.map(\.node.node.id) == ["tier:aa-aadvantage:gold", "airline:BA"])

      let labelled = try await store.neighbors(of: "program:aa-aadvantage", neighborLabels: [.earningRule, .awardChartEntry])
      #expect(labelled.neighbors.map(\.node.node.id) == ["award:aa-ba-economy-0-3000", "rule:aa-on-ba-business"])

      let limited = try await store.neighbors(of: "program:aa-aadvantage", limit: 4)
      #expect(limited.neighbors.count == 4)
      #expect(limited.truncated)
      let exact = try await store.neighbors(of: "program:aa-aadvantage", limit: 6)
      #expect(exact.truncated == false)

      let routes = try await store.neighbors(of: "airport:LHR", direction: .outgoing, edgeTypes: [.route])
      #expect(routes.neighbors.map(\.edge.edge.key) == ["AA", "BA"])
      #expect(routes.neighbors.allSatisfy { $0.node.node.id == "airport:JFK" })

      await expectGraphError(.nodeNotFound(id: "airport:XXX")) { try await store.neighbors(of: "airport:XXX") }
    }
  }

  @Test func traversalFollowsHopsFiltersAndLimits() async throws {
    try await withFixture { store in
      let oneHop = try await store.traverse(from: ["airline:AA"], maxDepth: 1, direction: .outgoing)
      #expect(oneHop.nodes.map(\.node.id) == ["airline:AA", "program:aa-aadvantage", "alliance:oneworld"])
      #expect(oneHop.depths == [0, 1, 1])
      #expect(Set(oneHop.edges.map(\.edge.type)) == [.memberOf, .hasLoyaltyProgram])
      #expect(oneHop.truncated == false)

      let twoHops = try await store.traverse(from: ["airline:AA"], maxDepth: 2, direction: .outgoing)
      #expect(twoHops.nodes.map(\.node.id) == [
        "airline:AA", "program:aa-aadvantage", "alliance:oneworld", "doc:aa-partners", "tier:aa-aadvantage:gold", "airline:BA",
      ])
      #expect(twoHops.depths == [0, 1, 1, 2, 2, 2])
      // Edges among visited nodes: AA's two, oneworld's and the program's citation, the tier,
      // the partnership.
      #expect(twoHops.edges.count == 6)

      let programsOnly = try await store.traverse(
        from: ["airline:AA", "airline:BA"], maxDepth: 3, direction: .both, edgeTypes: [.hasLoyaltyProgram, .transfersTo],
        nodeLabels: [.loyaltyProgram])
      #expect(programsOnly.nodes.map(\.node.id) == [
        "airline:AA", "airline:BA", "program:aa-aadvantage", "program:ba-executive-club", "program:amex-membership-rewards",
      ])
      #expect(programsOnly.depths == [0, 0, 1, 1, 2])

      let limited = try await store.traverse(from: ["airline:AA"], maxDepth: 4, limit: 4)
      #expect(limited.nodes.count == 4)
      #expect(limited.truncated)
      #expect(limited.edges.allSatisfy { edge in limited.nodes.contains { $0.node.id == edge.edge.fromID } && limited.nodes.contains { $0.node.id == edge.edge.toID } })

      await expectGraphError(.nodeNotFound(id: "airline:ZZ")) { try await store.traverse(from: ["airline:AA", "airline:ZZ"], maxDepth: 1) }
    }
  }

  @Test func statisticsCountByLabelAndType() async throws {
    try await withFixture { store in
      let statistics = try await store.statistics()
      #expect(statistics.nodeCount == Int64(GraphFixture.nodes.count))
      #expect(statistics.edgeCount == Int64(GraphFixture.edges.count + GraphFixture.derivedEdgeIDs.count))
      #expect(statistics.nodesByLabel["Airport"] == 3)
      #expect(statistics.nodesByLabel["LoyaltyProgram"] == 3)
      #expect(statistics.edgesByType["ROUTE"] == 5)
      #expect(statistics.edgesByType["APPLIES_TO"] == 5)
      #expect(statistics.edgesByType["EXTRACTED_FROM"] == 7)
      #expect(statistics.lastSequence == Int64(GraphFixture.nodes.count + GraphFixture.edges.count + GraphFixture.derivedEdgeIDs.count))
    }
  }

  // MARK: Snapshot

  @Test func snapshotIsSharedUntilTheJournalMovesOn() async throws {
    try await withFixture { store in
      let first = try await store.snapshot()
      let again = try await store.snapshot()
      #expect(first === again)
      #expect(first.node("airport:LHR") == GraphFixture.heathrow)
      #expect(first.nodes(labeled: .airport).map(\.id) == ["airport:DFW", "airport:JFK", "airport:LHR"])
      #expect(first.edges(ofType: .route).count == 5)
      #expect(first.incoming(to: "program:aa-aadvantage", type: .hasLoyaltyProgram).map(\.fromID) == ["airline:AA"])
      #expect(first.neighbors(of: "program:aa-aadvantage", via: .hasEliteTier).map(\.id) == ["tier:aa-aadvantage:gold"])
      #expect(first.sequence == (try await store.statistics().lastSequence))

      // An unchanged rewrite does not move the journal, so the snapshot stays.
      try await store.upsert(GraphFixture.batch)
      #expect(try await store.snapshot() === first)

      try await store.upsert(GraphBatch(edges: [GraphFixture.route("JFK", "DFW", "AA")]))
      let concurrent = try await withThrowingTaskGroup(of: GraphSnapshot.self) { group in
        for _ in 0..<8 { group.addTask { try await store.snapshot() } }
        return try await group.reduce(into: [GraphSnapshot]()) { $0.append($1) }
      }
      let second = concurrent[0]
      #expect(concurrent.allSatisfy { $0 === second })
      #expect(second.version > first.version)
      #expect(second.edges(ofType: .route).count == 6)
      #expect(first.edges(ofType: .route).count == 5)
    }
  }

  @Test func derivedValuesAreCachedPerSnapshotVersion() async throws {
    try await withFixture { store in
      let cache = SnapshotDerivedCache<Int>()
      let builds = BuildCounter()
      let snapshot = try await store.snapshot()
      #expect(cache.value(for: snapshot) { builds.increment(); return $0.nodeCount } == GraphFixture.nodes.count)
      #expect(cache.value(for: snapshot) { _ in builds.increment(); return -1 } == GraphFixture.nodes.count)
      #expect(builds.value == 1)
      _ = try await store.deleteEdge(type: .route, fromID: "airport:DFW", toID: "airport:JFK", key: "AA")
      let newer = try await store.snapshot()
      #expect(cache.value(for: newer) { builds.increment(); return $0.edgeCount } == newer.edgeCount)
      #expect(builds.value == 2)
    }
  }
}

/// A thread-safe count for checking how often a closure ran.
final class BuildCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var count = 0

  func increment() { lock.withLock { count += 1 } }
  var value: Int { lock.withLock { count } }
}
