import Advisor
import Foundation
import GraphModel
import GraphService
import LoyaltyAPI
import NIOCore
import NIOHTTP1
import NIOPosix
import SwiftProtobuf
import Synchronization
import Testing

@Suite struct ChatCompletionPhraserTests {
  static let reply = #"{"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":" You earn 8,605 miles. "}}]}"#

  @Test func postsTheChatCompletionAndReadsTheReply() async throws {
    try await withStubServer(.respond(status: 200, body: Self.reply)) { server in
    let phraser = try ChatCompletionPhraser(baseURL: server.baseURL + "/", model: "test-model", apiKey: "secret-key")

    let text = try await phraser.phrase(question: "How many miles?", draft: "It earns 8,605 miles.", facts: ["3,442 mi × 250% = 8,605"])

    #expect(text == "You earn 8,605 miles.")
    #expect(phraser.name == "test-model")
    let request = try #require(server.requests.first)
    #expect(request.method == "POST")
    #expect(request.uri == "/v1/chat/completions")
    #expect(request.headers["authorization"] == "Bearer secret-key")
    #expect(request.headers["content-type"] == "application/json")
    let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body.utf8)) as? [String: Any])
    #expect(body["model"] as? String == "test-model")
    #expect(body["temperature"] as? Double == 0)
    let messages = try #require(body["messages"] as? [[String: String]])
    #expect(messages.map { $0["role"] } == ["system", "user"])
    let prompt = try #require(messages.last?["content"])
    #expect(prompt.contains("Question: How many miles?"))
    #expect(prompt.contains("Draft answer: It earns 8,605 miles."))
    #expect(prompt.contains("- 3,442 mi × 250% = 8,605"))
    }
  }

  @Test func sendsNoAuthorizationWithoutAKey() async throws {
    try await withStubServer(.respond(status: 200, body: Self.reply)) { server in
      let phraser = try ChatCompletionPhraser(baseURL: server.baseURL, model: "local")
      _ = try await phraser.phrase(question: "q", draft: "d", facts: [])
      #expect(server.requests.count == 1)
      #expect(server.requests.first?.headers["authorization"] == nil)
    }
  }

  @Test func httpErrorsAndUnreadableRepliesThrow() async throws {
    try await withStubServer(.respond(status: 500, body: #"{"error":"overloaded"}"#)) { failing in
      await #expect(throws: ChatCompletionPhraserError.httpStatus(500, #"{"error":"overloaded"}"#)) {
        _ = try await ChatCompletionPhraser(baseURL: failing.baseURL, model: "m").phrase(question: "q", draft: "d", facts: [])
      }
    }
    try await withStubServer(.respond(status: 200, body: #"{"choices":[]}"#)) { garbled in
      await #expect(throws: ChatCompletionPhraserError.unreadableReply("the reply has no message content")) {
        _ = try await ChatCompletionPhraser(baseURL: garbled.baseURL, model: "m").phrase(question: "q", draft: "d", facts: [])
      }
    }
    try await withStubServer(.respond(status: 200, body: "<html>")) { html in
      await #expect(throws: ChatCompletionPhraserError.self) {
        _ = try await ChatCompletionPhraser(baseURL: html.baseURL, model: "m").phrase(question: "q", draft: "d", facts: [])
      }
    }
  }

  @Test func aSilentEndpointTimesOut() async throws {
    try await withStubServer(.neverRespond) { server in
      let phraser = try ChatCompletionPhraser(baseURL: server.baseURL, model: "m", timeout: .milliseconds(300))
      let started = ContinuousClock.now
      await #expect(throws: (any Error).self) { _ = try await phraser.phrase(question: "q", draft: "d", facts: []) }
      // Far below the phraser's 10 s default, with room for a loaded machine.
      #expect(ContinuousClock.now - started < .seconds(8))
    }
  }

  @Test func configurationIsChecked() {
    #expect(throws: ChatCompletionPhraserError.self) { try ChatCompletionPhraser(baseURL: "ftp://example.com", model: "m") }
    #expect(throws: ChatCompletionPhraserError.self) { try ChatCompletionPhraser(baseURL: "not a url", model: "m") }
    #expect(throws: ChatCompletionPhraserError.self) { try ChatCompletionPhraser(baseURL: "http://127.0.0.1:1/v1", model: " ") }
    #expect((try? ChatCompletionPhraser(baseURL: "http://127.0.0.1:1/v1", model: "m", timeout: .seconds(60)))?.timeout == .seconds(10))
  }

  @Test func askKeepsTheModelsWordingOnlyWithoutInventedNumbers() async throws {
    let answerer = QuestionAnswerer(facts: TiersGraph.facts)
    let question = Loyalty_Advisor_V1_AskRequest.with { $0.question = "What are the AAdvantage elite tiers?" }

    try await withStubServer(.respond(status: 200, body: #"{"choices":[{"message":{"content":"AAdvantage has Gold at 40000 Loyalty Points."}}]}"#)) { faithful in
      let phrased = try await answerer.answer(question, phraser: try ChatCompletionPhraser(baseURL: faithful.baseURL, model: "stub-model"))
      #expect(phrased.phrasedBy == "stub-model")
      #expect(phrased.answer == "AAdvantage has Gold at 40000 Loyalty Points.")
    }

    try await withStubServer(.respond(status: 200, body: #"{"choices":[{"message":{"content":"Gold needs 35,000 Loyalty Points."}}]}"#)) { inventing in
      let rejected = try await answerer.answer(question, phraser: try ChatCompletionPhraser(baseURL: inventing.baseURL, model: "stub-model"))
      #expect(rejected.phrasedBy == "offline")
      #expect(rejected.answer.hasPrefix("American Airlines AAdvantage elite tiers, lowest first: Gold (40,000 Loyalty Points)."))
      #expect(rejected.answer.contains("35,000"))
    }

    // Nothing listens on a closed port: the answer is still given, offline.
    let closedURL = try await withStubServer(.respond(status: 200, body: Self.reply)) { $0.baseURL }
    let started = ContinuousClock.now
    let offline = try await answerer.answer(question, phraser: try ChatCompletionPhraser(baseURL: closedURL, model: "stub-model"))
    #expect(ContinuousClock.now - started < .seconds(3), "a refused connection should not wait for the full timeout")
    #expect(offline.phrasedBy == "offline")
    #expect(offline.answer.contains("Gold (40,000 Loyalty Points)"))
  }
}

/// A program with one tier: enough for Ask to answer offline.
private enum TiersGraph {
  static var facts: LoyaltyFacts {
    LoyaltyFacts(
      nodes: [
        GraphNode(
          id: "doc:tiers", label: .webSourceDocument,
          properties: ["url": "https://example.com/tiers", "title": "Tiers", "retrieved_date": "2025-05-01"]),
        GraphNode(
          id: "program:aa-aadvantage", label: .loyaltyProgram,
          properties: ["name": "American Airlines AAdvantage", "kind": "airline", "currency_name": "miles"]),
        GraphNode(
          id: "tier:aa-aadvantage:gold", label: .eliteTier,
          properties: [
            "program_id": "aa-aadvantage", "name": "Gold", "rank": 1, "qualification": ["Loyalty Points": 40_000],
            "source_document_id": "doc:tiers",
          ]),
      ],
      edges: [GraphEdge(type: .hasEliteTier, fromID: "program:aa-aadvantage", toID: "tier:aa-aadvantage:gold")])
  }
}

/// An HTTP/1.1 server on 127.0.0.1 that records requests and answers each with a fixed reply,
/// or never answers.
private final class ChatStubServer: Sendable {
  enum Behaviour: Sendable {
    case respond(status: Int, body: String)
    case neverRespond
  }

  struct Request: Sendable {
    var method: String
    var uri: String
    /// Lower-cased names.
    var headers: [String: String]
    var body: String
  }

  private let channel: any Channel
  private let recorded: Mutex<[Request]>
  let baseURL: String

  private init(channel: any Channel, port: Int) {
    self.channel = channel
    self.recorded = Mutex([])
    self.baseURL = "http://127.0.0.1:\(port)/v1"
  }

  var requests: [Request] { recorded.withLock { $0 } }

  static func start(_ behaviour: Behaviour) async throws -> ChatStubServer {
    let box = RequestLog()
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline()
          try channel.pipeline.syncOperations.addHandler(StubHandler(behaviour: behaviour, log: box))
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    let server = ChatStubServer(channel: channel, port: channel.localAddress?.port ?? 0)
    box.server.withLock { $0 = server }
    return server
  }

  func record(_ request: Request) { recorded.withLock { $0.append(request) } }

  func stop() async {
    try? await channel.close()
  }
}

/// Runs `body` with a stub server and stops the server afterwards, whatever happens.
@discardableResult
private func withStubServer<Result>(_ behaviour: ChatStubServer.Behaviour, _ body: (ChatStubServer) async throws -> Result) async throws -> Result {
  let server = try await ChatStubServer.start(behaviour)
  do {
    let result = try await body(server)
    await server.stop()
    return result
  } catch {
    await server.stop()
    throw error
  }
}

/// Lets handlers reach the server that owns them once it exists.
private final class RequestLog: Sendable {
  let server = Mutex<ChatStubServer?>(nil)
}

private final class StubHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  let behaviour: ChatStubServer.Behaviour
  let log: RequestLog
  var head: HTTPRequestHead?
  var body = ""

  init(behaviour: ChatStubServer.Behaviour, log: RequestLog) {
    self.behaviour = behaviour
    self.log = log
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let requestHead):
      head = requestHead
      body = ""
    case .body(let buffer):
      body += String(buffer: buffer)
    case .end:
      guard let head else { return }
      let headers = Dictionary(head.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
      log.server.withLock { $0 }?.record(.init(method: head.method.rawValue, uri: head.uri, headers: headers, body: body))
      guard case .respond(let status, let text) = behaviour else { return }
      let bytes = ByteBuffer(string: text)
      var responseHeaders = HTTPHeaders()
      responseHeaders.add(name: "Content-Type", value: "application/json")
      responseHeaders.add(name: "Content-Length", value: "\(bytes.readableBytes)")
      context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .init(statusCode: status), headers: responseHeaders))), promise: nil)
      context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
      context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
  }
}
