import GraphModel
import IngestionCore
import Testing

@testable import IngestionService

@Suite struct GraphBatchBuilderTests {
  static let context = GraphContext(
    existingNodeIDs: ["program:ac-aeroplan", "airline:LH", "fare:LH:J"],
    programDetails: { id in ProgramDirectory.program(id: id).map { (name: $0.name, kind: $0.kind.rawValue, currencyName: $0.currency) } },
    airlineName: { AirlineDirectory.airline(code: $0)?.name })

  static func document(sha256: String = String(repeating: "a", count: 64), retrieved: String = "2026-12-05") -> SourceDocument {
    SourceDocument(
      key: "programs/ac/earn-lufthansa.html", sha256: sha256, title: "Earn Aeroplan points on Lufthansa",
      url: "https://www.aircanada.com/aeroplan/earn/lufthansa", retrievedDate: retrieved, versionNumber: 1)
  }

  static func rate(_ classes: [String], _ percent: Double, effective: String? = nil) -> ExtractedFact {
    ExtractedFact(
      .earningRate(
        EarningRate(program: "ac-aeroplan", carrier: "LH", fareClasses: classes, cabin: .business, accrualPercent: percent, carrierMatch: "operating", effectiveDate: effective)),
      confidence: 0.95)
  }

  func build(
    _ facts: [ExtractedFact], document: SourceDocument = document(), previous: GraphBatch? = nil, earlierPass: GraphBatch? = nil
  ) throws -> GraphBatchBuilder.Output {
    try GraphBatchBuilder(document: document, context: Self.context).build(facts: facts, previous: previous, earlierPass: earlierPass)
  }

  @Test func theSameContentMakesTheSameBatch() throws {
    let facts = [Self.rate(["J", "C"], 150), Self.rate(["Z"], 100)]
    let first = try build(facts)
    let second = try build(facts.reversed())
    #expect(first.batch == second.batch)
    let documentID = Self.document().nodeID
    #expect(documentID.hasPrefix("doc:ingest:programs-ac-earn-lufthansa-html:"))
    // Every fact cites the document; nodes the graph lacks are created, others are not resent.
    let rules = first.batch.nodes.filter { $0.label == .earningRule }
    #expect(rules.count == 2 && rules.allSatisfy { $0["source_document_id"] == .string(documentID) })
    let ids = Set(first.batch.nodes.map(\.id))
    #expect(ids.contains("fare:LH:C") && ids.contains("fare:LH:Z") && !ids.contains("fare:LH:J"))
    #expect(!ids.contains("program:ac-aeroplan") && !ids.contains("airline:LH"))
    #expect(first.batch.nodes.first { $0.id == "fare:LH:C" }?["cabin"] == .string("business"))
  }

  @Test func newContentGetsNewIdsAndExpiresTheOldRules() throws {
    let old = try build([Self.rate(["J", "C"], 150), Self.rate(["Z"], 100)], document: Self.document(retrieved: "2026-11-01"))
    let new = try build(
      [Self.rate(["J", "C"], 125, effective: "2027-01-01")],
      document: Self.document(sha256: String(repeating: "b", count: 64), retrieved: "2026-12-05"), previous: old.batch)
    let oldRules = Dictionary(uniqueKeysWithValues: old.batch.nodes.filter { $0.label == .earningRule }.map { ($0["accrual_percent"]!, $0) })
    let newNodes = Dictionary(uniqueKeysWithValues: new.batch.nodes.map { ($0.id, $0) })
    // The restated rule ends the day before its replacement takes effect…
    let restated = try #require(newNodes[oldRules[.number(150)]!.id])
    #expect(restated["expiration_date"] == .string("2026-12-31") && restated["state"] == .string("effective"))
    // …one the new version drops ends the day before the upload…
    let dropped = try #require(newNodes[oldRules[.number(100)]!.id])
    #expect(dropped["expiration_date"] == .string("2026-12-04"))
    // …and the replacement is a node of its own, citing the new document.
    let replacement = try #require(new.batch.nodes.first { $0.label == .earningRule && $0["accrual_percent"] == .number(125) })
    #expect(replacement.id != restated.id && replacement["effective_date"] == .string("2027-01-01"))
    #expect(replacement["source_document_id"] == .string(Self.document(sha256: String(repeating: "b", count: 64)).nodeID))
  }

  @Test func aRuleReplacedBeforeItTookEffectIsCancelled() throws {
    let old = try build([Self.rate(["J"], 150)])
    let new = try build([Self.rate(["J"], 125)], document: Self.document(sha256: String(repeating: "c", count: 64)), previous: old.batch)
    let ended = try #require(new.batch.nodes.first { $0.label == .earningRule && $0["accrual_percent"] == .number(150) })
    #expect(ended["state"] == .string("cancelled") && ended["expiration_date"] == .string("2026-12-05"))
  }

  @Test func reloadingTheSameVersionSupersedesNothing() throws {
    let batch = try build([Self.rate(["J"], 150)]).batch
    let again = try build([Self.rate(["J"], 150)], previous: batch)
    #expect(again.batch == batch && again.notes.isEmpty)
  }

  @Test func currentStateFactsAreUpdatedInPlaceAndDroppedOnesReported() throws {
    let tier = ExtractedFact(.eliteTier(EliteTierFact(program: "ac-aeroplan", name: "25K", rank: 1, qualification: ["SQC": 25_000])), confidence: 0.9)
    let partner = ExtractedFact(.partner(Partner(program: "ac-aeroplan", airline: "LH", earn: true, redeem: true)), confidence: 0.9)
    let transfer = ExtractedFact(
      .transferRatio(TransferRatio(fromProgram: "amex-membership-rewards", toProgram: "ac-aeroplan", fromPoints: 1, toPoints: 1, minimum: 1000, increment: 1000)),
      confidence: 0.9)
    let old = try build([tier, partner, transfer])
    #expect(old.batch.nodes.contains { $0.id == "tier:ac-aeroplan:25k" })
    // A program the graph lacks comes from the extractors' directory.
    let amex = try #require(old.batch.nodes.first { $0.id == "program:amex-membership-rewards" })
    #expect(amex["kind"] == .string("bank"))
    let new = try build([tier], document: Self.document(sha256: String(repeating: "d", count: 64)), previous: old.batch)
    #expect(new.batch.nodes.contains { $0.id == "tier:ac-aeroplan:25k" })
    #expect(new.notes.count == 2 && new.notes.allSatisfy { $0.hasPrefix("kept:") })
  }

  @Test func factsTheGraphCannotHoldAreNotedOrRefused() throws {
    let cabinOnly = ExtractedFact(
      .earningRate(EarningRate(program: "ac-aeroplan", carrier: "LH", fareClasses: [], cabin: .economy, accrualPercent: 50)), confidence: 0.9)
    let output = try build([cabinOnly])
    #expect(output.batch.nodes.allSatisfy { $0.label != .earningRule })
    #expect(output.notes.first?.contains("names no booking codes") == true)

    let unknown = ExtractedFact(
      .earningRate(EarningRate(program: "zz-unknown", carrier: "LH", fareClasses: ["J"], cabin: .business, accrualPercent: 50)), confidence: 0.9)
    #expect(throws: IngestionError.self) { try build([unknown]) }
  }

  @Test func aReRunWithdrawsWhatItsEarlierPassNoLongerFinds() throws {
    let earlier = try build([Self.rate(["J"], 150), Self.rate(["Z"], 100)])
    let again = try build([Self.rate(["J"], 150)], earlierPass: earlier.batch)
    let z = try #require(again.batch.nodes.first { $0.label == .earningRule && $0["accrual_percent"] == .number(100) })
    #expect(z["state"] == .string("cancelled"))
    let j = try #require(again.batch.nodes.first { $0.label == .earningRule && $0["accrual_percent"] == .number(150) })
    #expect(j["state"] == .string("effective"))
    #expect(again.notes.contains { $0.hasPrefix("withdrawn: \(z.id)") })
  }

  @Test func anOpenEndedDistanceBandReachesTheLongestFlight() throws {
    let band = ExtractedFact(
      .awardPrice(AwardPrice(program: "ac-aeroplan", chart: "distance", minDistance: 7_001, cabin: .business, points: 110_000, operatedBy: "partner")),
      confidence: 0.9)
    let entry = try #require(try build([band]).batch.nodes.first { $0.label == .awardChartEntry })
    #expect(entry["min_distance"] == .number(7_001) && entry["max_distance"] == .number(30_000))
  }
}
