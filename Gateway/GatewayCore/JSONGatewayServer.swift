import Foundation
import LoyaltyRuntime
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The gateway's HTTP/1.1 + JSON port.
final class JSONGatewayServer: Sendable {
  private let transcoder: JSONTranscoder
  private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

  init(services: GatewayServices, healthSummary: @escaping @Sendable () -> UpstreamHealthSummary, health: HealthRegistry) {
    self.transcoder = JSONTranscoder(services: services, healthSummary: healthSummary, health: health)
  }

  func bind(host: String, port: Int, group: any EventLoopGroup) async throws -> any Channel {
    let transcoder = self.transcoder
    return try await ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 256)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .childChannelInitializer { channel in
        let id = ObjectIdentifier(channel)
        self.connections.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { _ in _ = self.connections.withLock { $0.removeValue(forKey: id) } }
        return channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
          try channel.pipeline.syncOperations.addHandler(
            JSONRequestHandler(transcoder: transcoder, clientAddress: channel.remoteAddress?.ipAddress ?? "unknown"))
        }
      }
      .bind(host: host, port: port).get()
  }

  func closeConnections() {
    let open = connections.withLock { Array($0.values) }
    for channel in open { channel.close(promise: nil) }
  }
}

/// Collects one request (refusing bodies over the limit with 413 JSON), hands it to the
/// transcoder and writes the answer.
final class JSONRequestHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private let transcoder: JSONTranscoder
  private let clientAddress: String
  private var head: HTTPRequestHead?
  private var body = ByteBuffer()
  private var refused = false

  init(transcoder: JSONTranscoder, clientAddress: String) {
    self.transcoder = transcoder
    self.clientAddress = clientAddress
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head):
      self.head = head
      body.clear()
      refused = false
      if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > limit {
        refuseTooLarge(context: context, size: length)
      }
    case .body(var part):
      guard !refused else { return }
      if body.readableBytes + part.readableBytes > limit {
        refuseTooLarge(context: context, size: body.readableBytes + part.readableBytes)
        return
      }
      body.writeBuffer(&part)
    case .end:
      guard !refused, let head else { return }
      self.head = nil
      let request = JSONRequest(
        method: head.method, uri: head.uri, headers: head.headers, body: Data(body.readableBytesView), clientAddress: clientAddress)
      body.clear()
      let transcoder = self.transcoder
      let eventLoop = context.eventLoop
      let keepAlive = head.isKeepAlive
      let version = head.version
      let bound = NIOLoopBound((self, context), eventLoop: eventLoop)
      eventLoop.makeFutureWithTask { await transcoder.handle(request, on: eventLoop) }.whenSuccess { response in
        let (handler, context) = bound.value
        handler.write(response, version: version, keepAlive: keepAlive, context: context)
      }
    }
  }

  private var limit: Int { transcoder.services.maxRequestBytes }

  /// The rest of an oversized body is not read: the answer goes out and the connection closes.
  private func refuseTooLarge(context: ChannelHandlerContext, size: Int) {
    refused = true
    let response = JSONResponse(
      status: .payloadTooLarge, headers: [("content-type", "application/json")],
      body: HTTPStatusMapping.errorBody(
        code: 8, message: "the request body of \(size) bytes is larger than the limit of \(limit) bytes", statusDetails: nil))
    write(response, version: head?.version ?? .http1_1, keepAlive: false, context: context)
  }

  private func write(_ response: JSONResponse, version: HTTPVersion, keepAlive: Bool, context: ChannelHandlerContext) {
    var headers = HTTPHeaders(response.headers)
    var buffer = context.channel.allocator.buffer(capacity: response.body.utf8.count)
    buffer.writeString(response.body)
    headers.replaceOrAdd(name: "content-length", value: String(buffer.readableBytes))
    if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
    context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: response.status, headers: headers))), promise: nil)
    if buffer.readableBytes > 0 { context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil) }
    let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
    if !keepAlive {
      let channel = context.channel
      done.whenComplete { _ in channel.close(promise: nil) }
    }
  }
}
