import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// One S3 request before it is signed.
struct S3Request: Sendable {
  /// The S3 operation's name, for messages (`PutObject`).
  var operation: String
  var method: HTTPMethod
  /// The object; nil for a request on the bucket itself.
  var key: String?
  var query: [(name: String, value: String)] = []
  var headers: HTTPHeaders = [:]
  var body: ByteBuffer?
  var payloadSHA256: String = SigV4Signer.emptyPayloadSHA256

  init(_ operation: String, _ method: HTTPMethod, key: String?, query: [(name: String, value: String)] = []) {
    self.operation = operation
    self.method = method
    self.key = key
    self.query = query
  }

  mutating func setBody(_ data: some DataProtocol) {
    body = ByteBuffer(bytes: data)
    payloadSHA256 = SigV4Signer.hexSHA256(data)
  }
}

/// When a failed attempt may be sent again.
enum S3RetryPolicy {
  /// Sending the request twice has the effect of sending it once: retry whenever the store
  /// was unavailable.
  case idempotent
  /// Retry only when the store answered that it did not apply the request (throttling, a
  /// concurrent conditional write): a lost answer may hide a success (a conditional write
  /// that then fails with 412 although it won).
  case onlyWhenNotApplied
}

/// Why one attempt at a request failed.
enum S3AttemptFailure: Error {
  /// No answer, or a broken one (connection refused or reset, timeout).
  case transport(String)
  /// An answer with an error status, and S3's error code and message when it sent them.
  case status(Int, code: String?, message: String?)
  /// A failure that retrying cannot change, reported as it is.
  case final(StorageError)

  func isRetryable(under policy: S3RetryPolicy) -> Bool {
    switch self {
    case .final: false
    case .transport: policy == .idempotent
    case .status(let status, let code, _):
      switch (status, code) {
      case (503, _), (409, "ConditionalRequestConflict"): true
      case (500..., _), (400, "RequestTimeout"): policy == .idempotent
      default: false
      }
    }
  }
}

extension S3Target {
  /// Sends `request` until it succeeds or fails for good, then lets `handle` read the answer
  /// (a 2xx status, or one listed in `accepting`). A transport failure inside `handle`, such
  /// as a connection lost while streaming the body, counts as a failed attempt too.
  func perform<Value: Sendable>(
    _ request: S3Request, retry policy: S3RetryPolicy, accepting accepted: Set<Int> = [],
    handle: (HTTPClientResponse) async throws(S3AttemptFailure) -> Value
  ) async throws(StorageError) -> Value {
    var attempt = 0
    while true {
      do throws(S3AttemptFailure) {
        let response = try await send(request)
        let status = Int(response.status.code)
        guard (200..<300).contains(status) || accepted.contains(status) else { throw await failure(from: response) }
        return try await handle(response)
      } catch {
        attempt += 1
        guard attempt <= configuration.maxRetries, error.isRetryable(under: policy), !Task.isCancelled else {
          throw storageError(error, request)
        }
        logger.debug(
          "retrying S3 request",
          metadata: [
            "target": "\(name)", "operation": "\(request.operation)", "key": "\(request.key ?? "")",
            "attempt": "\(attempt)", "error": "\(storageError(error, request))",
          ])
        do { try await Task.sleep(for: backoff(attempt)) } catch { throw storageError(error, request) }
      }
    }
  }

  /// Signs and sends one request; the response body is still to be read.
  func send(_ request: S3Request) async throws(S3AttemptFailure) -> HTTPClientResponse {
    let path = endpoint.path(for: request.key)
    var headers = request.headers
    headers.replaceOrAdd(name: "Host", value: endpoint.host)
    signer.sign(
      method: request.method.rawValue, encodedPath: path, query: request.query, headers: &headers,
      payloadSHA256: request.payloadSHA256, date: Date())
    var http = HTTPClientRequest(url: endpoint.url(path: path, query: request.query))
    http.method = request.method
    http.headers = headers
    if let body = request.body { http.body = .bytes(body) }
    do {
      // The client's connect and idle timeouts bound every wait; a large part may take long
      // in total, so there is no overall deadline.
      return try await client.execute(http, deadline: .distantFuture, logger: logger)
    } catch {
      throw .transport(String(describing: error))
    }
  }

  /// Reads the whole body of an answer (at most `limit` bytes).
  func body(of response: HTTPClientResponse, limit: Int = 64 << 20) async throws(S3AttemptFailure) -> Data {
    do {
      let buffer = try await response.body.collect(upTo: limit)
      return Data(buffer.readableBytesView)
    } catch {
      throw .transport("reading the answer failed: \(error)")
    }
  }

  private func failure(from response: HTTPClientResponse) async -> S3AttemptFailure {
    let status = Int(response.status.code)
    let data = (try? await body(of: response, limit: 1 << 20)) ?? Data()
    let document = S3ErrorDocument(data)
    return .status(status, code: document?.code, message: document?.message)
  }

  func storageError(_ failure: S3AttemptFailure, _ request: S3Request) -> StorageError {
    let subject = request.key.map { "\(request.operation) '\($0)'" } ?? "\(request.operation) on bucket '\(configuration.bucket)'"
    switch failure {
    case .final(let error):
      return error
    case .transport(let detail):
      return .unavailable(target: name, detail: "\(subject): \(detail)")
    case .status(let status, let code, let message):
      let reason = [code, message].compactMap { $0 }.joined(separator: ": ")
      let detail = "\(subject): \(reason.isEmpty ? HTTPResponseStatus(statusCode: status).reasonPhrase : reason)"
      if status == 404, code == "NoSuchKey" || code == "NoSuchUpload" || code == nil, let key = request.key {
        return .notFound(target: name, key: key)
      }
      if status >= 500 || code == "ConditionalRequestConflict" || code == "RequestTimeout" {
        return .unavailable(target: name, detail: "HTTP \(status) \(detail)")
      }
      return .refused(target: name, status: status, detail: detail)
    }
  }

  private func storageError(_ error: any Error, _ request: S3Request) -> StorageError {
    .unavailable(target: name, detail: "\(request.operation) '\(request.key ?? "")': cancelled (\(error))")
  }

  /// `retryBaseDelay · 2^(attempt-1)`, between half and all of it at random.
  private func backoff(_ attempt: Int) -> Duration {
    let full = configuration.retryBaseDelay * (1 << min(attempt - 1, 10))
    return full * Double.random(in: 0.5...1.0)
  }
}
