import Advisor
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Phrases the advisor's answers with a model behind an OpenAI-compatible chat completions
/// API (`POST {baseURL}/chat/completions`).
///
/// The model only rewords: it gets the question, the draft answer and the facts behind it, and
/// the advisor keeps its reply only when every number in it is one the tools produced. Any
/// failure here (network, timeout, HTTP status, unreadable reply) is thrown to the advisor,
/// which then answers with its own draft.
public struct ChatCompletionPhraser: AnswerPhrasing {
  /// e.g. `http://127.0.0.1:11434/v1` or `https://api.openai.com/v1`.
  public var baseURL: String
  public var model: String
  /// Sent as `Authorization: Bearer <key>` when not nil.
  public var apiKey: String?
  /// For the whole exchange; at most 10 seconds.
  public var timeout: TimeAmount
  private let client: HTTPClient

  /// - Parameters:
  ///   - baseURL: the API root, without `/chat/completions`; a trailing slash is ignored.
  ///   - model: the model name sent in every request.
  ///   - apiKey: the bearer token, if the endpoint needs one.
  ///   - timeout: capped at 10 seconds.
  ///   - client: the HTTP client to use; by default one shared by every phraser of the
  ///     process, which gives up on an endpoint it cannot connect to within 2 seconds instead
  ///     of retrying until the timeout (an answer should not wait 10 seconds for a model that
  ///     is down).
  public init(baseURL: String, model: String, apiKey: String? = nil, timeout: TimeAmount = .seconds(10), client: HTTPClient? = nil)
    throws(ChatCompletionPhraserError)
  {
    let trimmed = baseURL.trimmingCharacters(in: .whitespaces)
    guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
      throw .invalidConfiguration("llm.url: '\(baseURL)' is not an http(s) URL")
    }
    guard !model.trimmingCharacters(in: .whitespaces).isEmpty else {
      throw .invalidConfiguration("llm.model: is required when llm.url is set")
    }
    self.baseURL = trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
    self.model = model
    self.apiKey = apiKey.flatMap { $0.isEmpty ? nil : $0 }
    self.timeout = min(timeout, .seconds(10))
    self.client = client ?? Self.sharedClient
  }

  /// Lives as long as the process, like `HTTPClient.shared`, so it is never shut down.
  private static let sharedClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(2), read: .seconds(10))
    configuration.connectionPool.retryConnectionEstablishment = false
    return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
  }()

  public var name: String { model }

  public func phrase(question: String, draft: String, facts: [String]) async throws -> String {
    var request = HTTPClientRequest(url: "\(baseURL)/chat/completions")
    request.method = .POST
    request.headers.add(name: "Content-Type", value: "application/json")
    request.headers.add(name: "Accept", value: "application/json")
    if let apiKey { request.headers.add(name: "Authorization", value: "Bearer \(apiKey)") }
    let body = ChatCompletionRequest(
      model: model,
      messages: [
        .init(role: "system", content: Self.instructions),
        .init(role: "user", content: Self.prompt(question: question, draft: draft, facts: facts)),
      ],
      temperature: 0
    )
    request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(body)))

    let deadline = NIODeadline.now() + timeout
    let response = try await client.execute(request, deadline: deadline)
    let bytes = try await response.body.collect(upTo: 1 << 20)
    guard (200..<300).contains(response.status.code) else {
      throw ChatCompletionPhraserError.httpStatus(Int(response.status.code), String(buffer: bytes).prefix(200).description)
    }
    let reply: ChatCompletionResponse
    do {
      reply = try JSONDecoder().decode(ChatCompletionResponse.self, from: Data(bytes.readableBytesView))
    } catch {
      throw ChatCompletionPhraserError.unreadableReply("not a chat completion: \(error)")
    }
    guard let text = reply.choices.first?.message.content?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else {
      throw ChatCompletionPhraserError.unreadableReply("the reply has no message content")
    }
    return text
  }

  static let instructions = """
    You rewrite answers about airline loyalty programs for a traveller. Keep the meaning of the \
    draft answer exactly. Use only numbers that appear in the draft or the facts, written the \
    same way; never calculate, estimate or add a number. Answer in at most four sentences of \
    plain text, without markdown.
    """

  static func prompt(question: String, draft: String, facts: [String]) -> String {
    var text = "Question: \(question)\n\nDraft answer: \(draft)"
    if !facts.isEmpty {
      text += "\n\nFacts:\n" + facts.map { "- \($0)" }.joined(separator: "\n")
    }
    return text
  }
}

/// Why the chat completions endpoint could not phrase an answer.
public enum ChatCompletionPhraserError: Error, Equatable, CustomStringConvertible {
  case invalidConfiguration(String)
  case httpStatus(Int, String)
  case unreadableReply(String)

  public var description: String {
    switch self {
    case .invalidConfiguration(let message): message
    case .httpStatus(let status, let body): "the chat completions endpoint answered HTTP \(status): \(body)"
    case .unreadableReply(let message): message
    }
  }
}

private struct ChatCompletionRequest: Encodable {
  struct Message: Codable {
    var role: String
    var content: String
  }

  var model: String
  var messages: [Message]
  var temperature: Double
}

private struct ChatCompletionResponse: Decodable {
  struct Choice: Decodable {
    struct Message: Decodable {
      var content: String?
    }

    var message: Message
  }

  var choices: [Choice]
}
