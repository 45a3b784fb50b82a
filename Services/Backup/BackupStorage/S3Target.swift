import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Objects in a bucket of an S3-compatible store (AWS S3, MinIO, Ceph RGW, moto), spoken to
/// over HTTP with requests signed by ``SigV4Signer``.
///
/// - `put(ifAbsent: true)` sends `If-None-Match: *`; the store answers 412 when the key
///   exists, reported as ``StorageError/alreadyExists(target:key:)``. The store must support
///   conditional writes (AWS S3 since August 2024, recent MinIO); one that ignores the header
///   overwrites instead.
/// - `putFile` uploads files above ``S3Configuration/multipartThreshold`` in parts
///   (``S3Configuration/partSize``, a few at a time) and aborts the upload if any step fails;
///   with `ifAbsent` the completion is conditional.
/// - `getFile` streams the object into a temporary file next to the destination and moves it
///   into place once complete.
/// - Connection failures, timeouts, HTTP 5xx, `RequestTimeout` and `ConditionalRequestConflict`
///   are ``StorageError/unavailable(target:detail:)``; idempotent requests are retried
///   ``S3Configuration/maxRetries`` times with backoff first, conditional writes only when the
///   store said it did not apply them (503, 409 ConditionalRequestConflict). Other refusals are
///   ``StorageError/refused(target:status:detail:)`` with S3's error code and message.
/// - A missing key is ``StorageError/notFound(target:key:)`` (`head` returns nil), but a
///   missing bucket is a refusal (`NoSuchBucket`).
///
/// The target owns an `HTTPClient`: call ``shutdown()`` once it is no longer used (debug
/// builds trap when a client is released without being shut down).
public final class S3Target: StorageTarget {
  public let name: String
  public let configuration: S3Configuration
  let endpoint: S3Endpoint
  let signer: SigV4Signer
  let client: HTTPClient
  let logger: Logger

  /// Throws when the configuration cannot work (see ``S3Configuration/validate()``).
  public init(name: String, configuration: S3Configuration, logger: Logger = Logger(label: "loyalty.backup.storage"))
    throws(S3ConfigurationError)
  {
    try configuration.validate()
    self.name = name
    self.configuration = configuration
    self.endpoint = S3Endpoint(configuration)
    self.signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region)
    self.logger = logger
    let idle = TimeAmount(configuration.idleTimeout)
    var http = HTTPClient.Configuration(
      redirectConfiguration: .disallow,  // a redirect goes to another host, which the signature does not cover
      timeout: .init(connect: TimeAmount(configuration.connectTimeout), read: idle, write: idle))
    // A refused connection fails the request at once; this target's own retries take over.
    http.connectionPool.retryConnectionEstablishment = false
    self.client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http, backgroundActivityLogger: logger)
  }

  /// Closes the connections; the target cannot be used afterwards.
  public func shutdown() async throws {
    try await client.shutdown()
  }

  public func put(_ key: String, data: Data, ifAbsent: Bool) async throws(StorageError) {
    try ObjectKey.validate(key)
    try await putObject(key, body: data, sha256: SigV4Signer.hexSHA256(data), ifAbsent: ifAbsent)
  }

  public func putFile(_ key: String, from file: URL, ifAbsent: Bool) async throws(StorageError) {
    try ObjectKey.validate(key)
    let path = file.path
    let size = try await BlockingIO.run { () throws(StorageError) -> Int64 in
      guard let status = try FileStatus.of(path), status.isRegularFile else {
        throw .localFile(path: path, detail: "no such file to upload")
      }
      return status.size
    }
    if size > Int64(configuration.multipartThreshold) {
      try await uploadInParts(key, path: path, size: size, ifAbsent: ifAbsent)
      return
    }
    let (data, sha256) = try await BlockingIO.run { () throws(StorageError) -> (Data, String) in
      guard let file = try LocalFile.openForReading(path) else { throw .localFile(path: path, detail: "no such file to upload") }
      let data = try file.read(count: Int(size), at: 0)
      return (data, SigV4Signer.hexSHA256(data))
    }
    try await putObject(key, body: data, sha256: sha256, ifAbsent: ifAbsent)
  }

  public func get(_ key: String) async throws(StorageError) -> Data {
    try ObjectKey.validate(key)
    return try await perform(S3Request("GetObject", .GET, key: key), retry: .idempotent) {
      response throws(S3AttemptFailure) in
      let data = try await body(of: response, limit: Int.max)
      try checkLength(of: response, received: Int64(data.count))
      return data
    }
  }

  public func getFile(_ key: String, to file: URL) async throws(StorageError) {
    try ObjectKey.validate(key)
    let destination = file.path
    try await perform(S3Request("GetObject", .GET, key: key), retry: .idempotent) { response throws(S3AttemptFailure) in
      let staged = try await local { () throws(StorageError) in
        try StagedFile.begin(destination: destination, createFolders: true)
      }
      var body = response.body.makeAsyncIterator()
      var pending = ByteBuffer()
      var received: Int64 = 0
      var finished = false
      while !finished {
        do {
          if var chunk = try await body.next() {
            received += Int64(chunk.readableBytes)
            pending.writeBuffer(&chunk)
          } else {
            finished = true
          }
        } catch {
          throw .transport("the download broke off after \(received) bytes: \(error)")
        }
        if pending.readableBytes >= LocalFile.chunkSize || (finished && pending.readableBytes > 0) {
          let data = Data(pending.readableBytesView)
          pending.clear()
          try await local { () throws(StorageError) in try staged.file.write(data) }
        }
      }
      try checkLength(of: response, received: received)
      _ = try await local { () throws(StorageError) in try staged.commit(replacing: true) }
    }
  }

  public func head(_ key: String) async throws(StorageError) -> StoredObject? {
    try ObjectKey.validate(key)
    return try await perform(S3Request("HeadObject", .HEAD, key: key), retry: .idempotent, accepting: [404]) {
      response throws(S3AttemptFailure) in
      _ = try await body(of: response)
      if response.status == .notFound { return nil }
      guard let size = response.headers.first(name: "Content-Length").flatMap({ Int64($0) }) else {
        throw .transport("HeadObject answered without a Content-Length")
      }
      let modified = response.headers.first(name: "Last-Modified").flatMap(S3Dates.httpDate)
      return StoredObject(key: key, size: size, lastModified: modified)
    }
  }

  public func list(prefix: String) async throws(StorageError) -> [StoredObject] {
    try ObjectKey.validatePrefix(prefix)
    var objects: [StoredObject] = []
    var token: String?
    repeat {
      var query = [(name: "list-type", value: "2"), (name: "prefix", value: prefix)]
      query.append((name: "max-keys", value: String(configuration.listPageSize)))
      if let token { query.append((name: "continuation-token", value: token)) }
      let page = try await perform(S3Request("ListObjectsV2", .GET, key: nil, query: query), retry: .idempotent) {
        response throws(S3AttemptFailure) in
        guard let page = S3ListPage(try await body(of: response)) else {
          throw .transport("ListObjectsV2 answered with something other than a ListBucketResult document")
        }
        return page
      }
      objects += page.objects
      token = page.continuationToken
    } while token != nil
    return objects
  }

  public func delete(_ key: String) async throws(StorageError) {
    try ObjectKey.validate(key)
    do {
      try await perform(S3Request("DeleteObject", .DELETE, key: key), retry: .idempotent) {
        response throws(S3AttemptFailure) in _ = try await body(of: response)
      }
    } catch .notFound {
      return
    }
  }

  func putObject(_ key: String, body: Data, sha256: String, ifAbsent: Bool) async throws(StorageError) {
    var request = S3Request("PutObject", .PUT, key: key)
    request.headers.add(name: "Content-Type", value: "application/octet-stream")
    if ifAbsent { request.headers.add(name: "If-None-Match", value: "*") }
    request.body = ByteBuffer(bytes: body)
    request.payloadSHA256 = sha256
    let name = self.name
    try await perform(request, retry: ifAbsent ? .onlyWhenNotApplied : .idempotent, accepting: [412]) {
      response throws(S3AttemptFailure) in
      _ = try await self.body(of: response)
      if response.status == .preconditionFailed { throw .final(.alreadyExists(target: name, key: key)) }
    }
  }

  /// Runs local file work whose failures end the request (retrying would not help).
  func local<Value: Sendable>(_ work: @escaping @Sendable () throws(StorageError) -> Value) async throws(S3AttemptFailure) -> Value {
    do {
      return try await BlockingIO.run(work)
    } catch {
      throw .final(error)
    }
  }

  private func checkLength(of response: HTTPClientResponse, received: Int64) throws(S3AttemptFailure) {
    if let expected = response.headers.first(name: "Content-Length").flatMap({ Int64($0) }), expected != received {
      throw .transport("the answer ended after \(received) of \(expected) bytes")
    }
  }
}
