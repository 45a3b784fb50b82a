import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import TestSupport
import Testing

/// graph-service (seeded with the curated seed) and ingestion-service loading into it.
final class RunningIngestionPair: @unchecked Sendable {
  let graph: RunningService
  let ingestion: RunningService

  init(graph: RunningService, ingestion: RunningService) {
    self.graph = graph
    self.ingestion = ingestion
  }

  static let curator = Principal(subject: "curator-it", role: .curator)

  static func with(ingestionArguments: [String] = [], _ body: (RunningIngestionPair) async throws -> Void) async throws {
    let graph = try await RunningService.start("graph-service", extraArguments: ["--profile-target", "none"])
    let ingestion: RunningService
    do {
      ingestion = try await RunningService.start(
        "ingestion-service", extraArguments: ["--graph-target", graph.address.description, "--max-backoff", "1"] + ingestionArguments)
    } catch {
      await graph.stop()
      throw error
    }
    let pair = RunningIngestionPair(graph: graph, ingestion: ingestion)
    do {
      try await body(pair)
    } catch {
      Issue.record("ingestion-service log:\n\(ingestion.logTail(lines: 40))")
      await pair.stop()
      throw error
    }
    await pair.stop()
  }

  func stop() async {
    for service in [ingestion, graph] {
      await service.stop()
      service.removeFiles()
    }
  }

  func withIngestion<Result: Sendable>(
    _ body: (Loyalty_Ingestion_V1_IngestionService.Client<HTTP2ClientTransport.Posix>) async throws -> Result
  ) async throws -> Result {
    try await ingestion.withClient(as: Self.curator) { try await body(Loyalty_Ingestion_V1_IngestionService.Client(wrapping: $0)) }
  }

  /// Uploads `content` in 64 KiB chunks.
  func upload(
    key: String, _ content: Data, sourceURL: String = "", fileName: String = ""
  ) async throws -> Loyalty_Ingestion_V1_UploadDocumentResponse {
    try await withIngestion { ingestion in
      try await ingestion.uploadDocument { writer in
        try await writer.write(
          .with {
            $0.header = .with {
              $0.key = key
              $0.sourceURL = sourceURL
              $0.fileName = fileName
            }
          })
        var offset = 0
        while offset < content.count {
          let end = min(offset + 65_536, content.count)
          try await writer.write(.with { $0.chunk = content.subdata(in: offset..<end) })
          offset = end
        }
      }
    }
  }

  /// Follows the run with WatchRuns until it reaches `state`; fails when it ends otherwise or
  /// waits for a curator instead.
  func waitFor(_ state: Loyalty_Ingestion_V1_RunState, run runID: String, timeout: Duration = .seconds(60)) async throws
    -> Loyalty_Ingestion_V1_Run
  {
    /// Ends the watch from the client side: a run waiting for review keeps its stream open.
    struct Reached: Error { var run: Loyalty_Ingestion_V1_Run }
    do {
      try await withIngestion { ingestion in
        var options = CallOptions.defaults
        options.timeout = timeout
        try await ingestion.watchRuns(.with { $0.runID = runID }, options: options) { response in
          for try await run in response.messages where run.state == state || [.done, .failed, .rejected, .needsReview].contains(run.state) {
            throw Reached(run: run)
          }
        }
      }
    } catch let reached as Reached {
      guard reached.run.state == state else {
        throw TestFailure("run \(runID) ended \(reached.run.state): \(reached.run.reason), expected \(state)")
      }
      return reached.run
    }
    throw TestFailure("the watch of run \(runID) ended before it reached \(state)")
  }

  func earnings(program: String, carrier: String, fareClass: String, from origin: String, to destination: String) async throws
    -> Loyalty_Advisor_V1_SegmentEarning
  {
    try await graph.withClient(as: Self.curator) { client in
      let advisor = Loyalty_Advisor_V1_AdvisorService.Client(wrapping: client)
      let response = try await advisor.calculateEarnings(
        .with {
          $0.itinerary.segments = [
            .with {
              $0.marketingCarrier = carrier
              $0.operatingCarrier = carrier
              $0.origin = origin
              $0.destination = destination
              $0.fareClass = fareClass
              $0.departureDate = "2027-06-15"
            }
          ]
          $0.programIds = [program]
        })
      return try #require(response.programs.first?.segments.first)
    }
  }

  func graphStatistics() async throws -> Loyalty_Graph_V1_GraphStatistics {
    try await graph.withClient { client in
      try await Loyalty_Graph_V1_GraphService.Client(wrapping: client).getStatistics(.init())
    }
  }
}

struct TestFailure: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// An earning chart in the layout airline sites use: a heading naming the program and the
/// partner, then a table of booking codes and the share of the flown distance they earn.
func earningChartPage(business: Int, economy: Int) -> Data {
  Data(
    """
    <!doctype html>
    <html lang="en"><head><meta charset="utf-8">
    <title>Earn Aeroplan points on Lufthansa</title>
    <link rel="canonical" href="https://www.aircanada.com/aeroplan/earn/lufthansa">
    <script>window.dataLayer = [{"offer": "1,000 points = 1,000 Avios"}];</script>
    <style>table { border: 1px solid }</style>
    </head><body>
    <nav><a href="/">Home</a> <a href="/earn">Earn points</a></nav>
    <h1>Earn Aeroplan points on Lufthansa</h1>
    <p>Aeroplan members earn points on flights operated by Lufthansa, based on the distance flown and the booking class.</p>
    <table>
    <thead><tr><th>Booking class</th><th>Cabin</th><th>Aeroplan points earned</th></tr></thead>
    <tbody>
    <tr><td>J, C, D</td><td>Business</td><td>\(business)%</td></tr>
    <tr><td>Y, B, M</td><td>Economy</td><td>\(economy)%</td></tr>
    </tbody></table>
    <footer>© 2026 Air Canada. Call 1-888-247-2262.</footer>
    </body></html>
    """.utf8)
}

@Suite(.serialized) struct IngestionIntegrationTests {
  @Test func anUploadedChartChangesTheAdvisorsAnswerAndItCitesTheDocument() async throws {
    try await RunningIngestionPair.with { pair in
      let before = try await pair.earnings(program: "ac-aeroplan", carrier: "LH", fareClass: "C", from: "FRA", to: "YYZ")
      #expect(before.redeemableMiles == 0 && !before.noEarningReason.isEmpty)

      let first = try await pair.upload(key: "programs/ac/earn-lufthansa.html", earningChartPage(business: 150, economy: 100))
      #expect(first.version.type == .html && first.run.state == .received)
      let done = try await pair.waitFor(.done, run: first.run.runID)
      #expect(done.factsExtracted == 2 && done.factsFlagged == 0 && done.graphSequence > 0)
      #expect(done.outputs.map(\.stage) == [.extractText, .extractFacts, .validate, .transform, .load])

      let after = try await pair.earnings(program: "ac-aeroplan", carrier: "LH", fareClass: "C", from: "FRA", to: "YYZ")
      #expect(after.distanceMiles > 3_000)
      #expect(after.baseMiles == Int64((Double(after.distanceMiles) * 1.5).rounded(.down)) || after.baseMiles == Int64((Double(after.distanceMiles) * 1.5).rounded()))
      #expect(after.sourceDocumentID == done.sourceDocumentID)
      #expect(after.sourceURL == "https://www.aircanada.com/aeroplan/earn/lufthansa")

      // The same page again changes nothing in the graph.
      let again = try await pair.upload(key: "programs/ac/earn-lufthansa.html", earningChartPage(business: 150, economy: 100))
      #expect(again.deduplicated)
      let sequenceBefore = try await pair.graphStatistics().lastSequence
      let repeated = try await pair.waitFor(.done, run: again.run.runID)
      #expect(repeated.sourceDocumentID == done.sourceDocumentID)
      #expect(try await pair.graphStatistics().lastSequence == sequenceBefore)

      // A new version supersedes the old rules; the answer follows it and cites it.
      let second = try await pair.upload(key: "programs/ac/earn-lufthansa.html", earningChartPage(business: 125, economy: 50))
      let secondDone = try await pair.waitFor(.done, run: second.run.runID)
      #expect(secondDone.sourceDocumentID != done.sourceDocumentID)
      let changed = try await pair.earnings(program: "ac-aeroplan", carrier: "LH", fareClass: "C", from: "FRA", to: "YYZ")
      #expect(changed.baseMiles < after.baseMiles)
      #expect(changed.sourceDocumentID == secondDone.sourceDocumentID)

      // Every version of the document is kept and readable.
      let versions = try await pair.withIngestion { try await $0.listVersions(.with { $0.key = "programs/ac/earn-lufthansa.html" }) }
      #expect(versions.versions.count == 3 && versions.versions.first?.isCurrent == true)
    }
  }

  @Test func aRunSurvivesARestartAndWaitsForTheGraphToComeBack() async throws {
    try await RunningIngestionPair.with { pair in
      await pair.graph.stop()
      let uploaded = try await pair.upload(key: "programs/ac/earn-lufthansa.html", earningChartPage(business: 150, economy: 100))
      // The graph is down: the run gets as far as it can and retries.
      var retrying: Loyalty_Ingestion_V1_Run?
      for _ in 0..<300 {
        let run = try await pair.withIngestion { try await $0.getRun(.with { $0.runID = uploaded.run.runID }) }
        if run.attempts >= 2 {
          retrying = run
          break
        }
        try await Task.sleep(for: .milliseconds(50))
      }
      let waiting = try #require(retrying)
      #expect(waiting.state == .validated && waiting.stage == .transform && waiting.reason.contains("graph-service"))

      // ingestion-service dies mid-run; the graph comes back; the run resumes and loads.
      await pair.ingestion.killHard()
      try await pair.graph.launch(reusingPorts: true)
      try await pair.ingestion.launch(reusingPorts: true)
      let done = try await pair.waitFor(.done, run: uploaded.run.runID)
      #expect(done.graphSequence > 0)
      let earning = try await pair.earnings(program: "ac-aeroplan", carrier: "LH", fareClass: "J", from: "FRA", to: "YYZ")
      #expect(earning.sourceDocumentID == done.sourceDocumentID)
    }
  }

  @Test func badInputGetsAClearErrorOrAFailedRunAndLoadsNothing() async throws {
    try await RunningIngestionPair.with(ingestionArguments: ["--max-document-bytes", "1048576"]) { pair in
      let initial = try await pair.graphStatistics()

      let empty = await rpcError { try await pair.upload(key: "empty.html", Data()) }
      #expect(empty?.code == .invalidArgument && empty?.message.contains("empty") == true)

      var junk = Data([0x00, 0xFF, 0x13, 0x37])
      junk.append(randomData(4_096))
      let binary = await rpcError { try await pair.upload(key: "junk.html", junk, fileName: "junk.html") }
      #expect(binary?.code == .invalidArgument)

      let huge = await rpcError { try await pair.upload(key: "huge.html", Data(repeating: UInt8(ascii: "a"), count: 2 << 20)) }
      #expect(huge?.code == .resourceExhausted)

      let badKey = await rpcError { try await pair.upload(key: "../etc/passwd", Data("hello".utf8)) }
      #expect(badKey?.code == .invalidArgument && badKey?.message.hasPrefix("key") == true)

      let klingon = Data(
        "<html><head><meta charset=\"x-klingon\"><title>t</title></head><body><p>Earn 150%</p></body></html>".utf8)
      let encoded = await rpcOutcome { try await pair.upload(key: "klingon.html", klingon) }
      if encoded.code == nil {
        // Accepted by content; the run must fail at text extraction with the reason.
        let runs = try await pair.withIngestion { try await $0.listRuns(.with { $0.documentKey = "klingon.html" }) }
        let run = try #require(runs.runs.first)
        let failed = try await pair.waitFor(.failed, run: run.runID)
        #expect(failed.stage == .extractText && failed.reason.contains("x-klingon"))
      } else {
        #expect(encoded.code == .invalidArgument && encoded.message.contains("x-klingon"))
      }

      // Scripts never reach the text; a page without facts fails at validation, loading nothing.
      let scripted = Data(
        """
        <html><head><title>News</title><script>var offer = "Earn 150% on J, C, D";</script></head>
        <body><script>document.write("1,000 points = 1,000 Avios")</script><p>Our lounges are open.</p></body></html>
        """.utf8)
      let uploaded = try await pair.upload(key: "news.html", scripted)
      let failed = try await pair.waitFor(.failed, run: uploaded.run.runID)
      #expect(failed.stage == .validate)
      let textOutput = try #require(failed.outputs.first { $0.stage == .extractText })
      let text = try await pair.withIngestion { ingestion in
        try await ingestion.getDocument(.with {
          $0.key = textOutput.key
          $0.versionID = textOutput.versionID
        }) { response in
          var content = Data()
          for try await part in response.messages { if case .chunk(let chunk) = part.part { content.append(chunk) } }
          return String(decoding: content, as: UTF8.self)
        }
      }
      #expect(text.contains("Our lounges are open.") && !text.contains("Avios") && !text.contains("var offer"))

      let final = try await pair.graphStatistics()
      #expect(final.nodeCount == initial.nodeCount && final.lastSequence == initial.lastSequence)
    }
  }

  @Test func travellersCannotUseTheLandingZone() async throws {
    try await RunningIngestionPair.with { pair in
      let code = await statusCode {
        try await pair.ingestion.withClient(as: Principal(subject: "alice", role: .traveler)) { client in
          try await Loyalty_Ingestion_V1_IngestionService.Client(wrapping: client).listRuns(.init())
        }
      }
      #expect(code == .permissionDenied)
      let anonymous = await statusCode {
        try await pair.ingestion.withClient(as: nil) { client in
          try await Loyalty_Ingestion_V1_IngestionService.Client(wrapping: client).listRuns(.init())
        }
      }
      #expect(anonymous == .unauthenticated)
    }
  }
}

/// An award chart that never says which cabin its prices are for: the extractor keeps the
/// prices but is not sure enough of them to load without a curator.
let awardGridWithoutCabin = Data(
  """
  <html><head><title>AAdvantage partner awards</title></head><body>
  <h1>AAdvantage partner awards</h1>
  <p>Miles needed for a one-way partner award with AAdvantage.</p>
  <table>
  <tr><th>From</th><th>Europe</th><th>North Asia</th></tr>
  <tr><td>North America</td><td>30,000</td><td>35,000</td></tr>
  </table>
  </body></html>
  """.utf8)

@Suite(.serialized) struct IngestionReviewIntegrationTests {
  @Test func curatorsApproveRejectAndRetryRuns() async throws {
    try await RunningIngestionPair.with { pair in
      let uploaded = try await pair.upload(key: "programs/aa/partner-awards.html", awardGridWithoutCabin)
      let waiting = try await pair.waitFor(.needsReview, run: uploaded.run.runID)
      #expect(waiting.factsFlagged > 0 && !waiting.reason.isEmpty)
      let sequenceBefore = try await pair.graphStatistics().lastSequence

      // Only a run in review can be approved or rejected.
      let early = await rpcError {
        try await pair.withIngestion { try await $0.retryRun(.with { $0.runID = uploaded.run.runID }) }
      }
      #expect(early?.code == .failedPrecondition)
      let approved = try await pair.withIngestion {
        try await $0.approveRun(.with {
          $0.runID = uploaded.run.runID
          $0.comment = "checked"
        })
      }
      #expect(approved.state == .approved && approved.reviewedBy == "curator-it")
      let done = try await pair.waitFor(.done, run: uploaded.run.runID)
      #expect(try await pair.graphStatistics().lastSequence > sequenceBefore)
      let again = await rpcError {
        try await pair.withIngestion { try await $0.rejectRun(.with { $0.runID = done.runID }) }
      }
      #expect(again?.code == .failedPrecondition)

      // A re-run from the facts stage (as after an extractor change) loads the same facts:
      // nothing changes in the graph.
      let loadedAt = try await pair.graphStatistics().lastSequence
      let rerun = try await pair.withIngestion {
        try await $0.retryRun(.with {
          $0.runID = done.runID
          $0.fromStage = .extractFacts
        })
      }
      #expect(rerun.state == .textExtracted && rerun.reviewedBy.isEmpty)
      // The same uncertain facts need a curator again.
      _ = try await pair.waitFor(.needsReview, run: done.runID)
      _ = try await pair.withIngestion { try await $0.approveRun(.with { $0.runID = done.runID }) }
      _ = try await pair.waitFor(.done, run: done.runID)
      #expect(try await pair.graphStatistics().lastSequence == loadedAt)

      // A second page waits for review and is rejected: nothing of it is loaded.
      let other = try await pair.upload(key: "programs/aa/partner-awards-2.html", awardGridWithoutCabin + Data(" ".utf8))
      _ = try await pair.waitFor(.needsReview, run: other.run.runID)
      let rejected = try await pair.withIngestion { try await $0.rejectRun(.with { $0.runID = other.run.runID }) }
      #expect(rejected.state == .rejected)
      #expect(try await pair.graphStatistics().lastSequence == loadedAt)
      let unknown = await rpcError { try await pair.withIngestion { try await $0.getRun(.with { $0.runID = "run-nope" }) } }
      #expect(unknown?.code == .notFound)
    }
  }
}
