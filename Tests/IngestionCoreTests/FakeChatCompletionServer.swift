import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An OpenAI-compatible chat completions endpoint on 127.0.0.1 (a free port) that records
/// every request and answers them with scripted replies, in order; the last reply answers
/// every request after it.
final class FakeChatCompletionServer: Sendable {
  enum Reply: Sendable {
    /// HTTP 200 with a chat completion whose one message has this content.
    case content(String)
    /// Any status with this body, as given.
    case status(Int, body: String)
    /// Reads the request and never answers.
    case silence
  }

  struct Request: Sendable {
    var method: String
    var uri: String
    /// Lower-cased names.
    var headers: [String: String]
    var body: String

    /// The body as a JSON object, empty when it is not one.
    var json: [String: Any] {
      (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    /// The content of each message, by role.
    func message(_ role: String) -> String? {
      (json["messages"] as? [[String: Any]])?.first { $0["role"] as? String == role }?["content"] as? String
    }
  }

  /// What the connections' handlers share with the server.
  final class Script: Sendable {
    private let replies: Mutex<[Reply]>
    private let recorded = Mutex<[Request]>([])

    init(_ replies: [Reply]) { self.replies = Mutex(replies) }

    var requests: [Request] { recorded.withLock { $0 } }

    /// Records the request and returns the reply it gets.
    func answer(_ request: Request) -> Reply {
      recorded.withLock { $0.append(request) }
      return replies.withLock { replies in
        replies.count > 1 ? replies.removeFirst() : replies.first ?? .status(500, body: "no reply scripted")
      }
    }
  }

  private let channel: any Channel
  private let script: Script
  /// The API root, as an extractor is configured with it: `http://127.0.0.1:<port>/v1`.
  let baseURL: String

  private init(channel: any Channel, script: Script) {
    self.channel = channel
    self.script = script
    self.baseURL = "http://127.0.0.1:\(channel.localAddress?.port ?? 0)/v1"
  }

  var requests: [Request] { script.requests }

  static func start(_ replies: [Reply]) async throws -> FakeChatCompletionServer {
    let script = Script(replies)
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline()
          try channel.pipeline.syncOperations.addHandler(ChatCompletionHandler(script: script))
        }
      }
      .bind(host: "127.0.0.1", port: 0).get()
    return FakeChatCompletionServer(channel: channel, script: script)
  }

  /// Stops listening; connections still open end when their clients close them.
  func stop() async {
    try? await channel.close()
  }

  /// The body of a chat completion whose one message has `content`.
  static func chatCompletion(content: String) -> String {
    let reply: [String: Any] = [
      "id": "chatcmpl-1", "object": "chat.completion", "model": "fake",
      "choices": [["index": 0, "message": ["role": "assistant", "content": content], "finish_reason": "stop"]],
    ]
    return String(decoding: (try? JSONSerialization.data(withJSONObject: reply)) ?? Data(), as: UTF8.self)
  }
}

/// Runs `body` with a server answering `replies` and stops the server afterwards, whatever
/// happens.
@discardableResult
func withFakeChatCompletionServer<Result>(
  _ replies: FakeChatCompletionServer.Reply..., body: (FakeChatCompletionServer) async throws -> Result
) async throws -> Result {
  let server = try await FakeChatCompletionServer.start(replies)
  do {
    let result = try await body(server)
    await server.stop()
    return result
  } catch {
    await server.stop()
    throw error
  }
}

private final class ChatCompletionHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  let script: FakeChatCompletionServer.Script
  var head: HTTPRequestHead?
  var body = ""

  init(script: FakeChatCompletionServer.Script) {
    self.script = script
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
      let reply = script.answer(.init(method: head.method.rawValue, uri: head.uri, headers: headers, body: body))
      let status: Int
      let text: String
      switch reply {
      case .content(let content): (status, text) = (200, FakeChatCompletionServer.chatCompletion(content: content))
      case .status(let code, let body): (status, text) = (code, body)
      case .silence: return
      }
      let bytes = ByteBuffer(string: text)
      var responseHeaders = HTTPHeaders()
      responseHeaders.add(name: "Content-Type", value: "application/json")
      responseHeaders.add(name: "Content-Length", value: "\(bytes.readableBytes)")
      let responseHead = HTTPResponseHead(version: head.version, status: .init(statusCode: status), headers: responseHeaders)
      context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
      context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
      context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
  }
}
