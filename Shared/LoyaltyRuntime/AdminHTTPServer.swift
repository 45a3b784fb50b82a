import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// The admin HTTP endpoint of a service: `/metrics` (Prometheus text), `/healthz` (the
/// process is up) and `/readyz` (200 only while the process health is SERVING).
public final class AdminHTTPServer: Sendable {
  private let host: String
  private let port: Int
  private let registry: PrometheusCollectorRegistry
  private let health: HealthRegistry

  public init(host: String, port: Int, registry: PrometheusCollectorRegistry, health: HealthRegistry) {
    self.host = host
    self.port = port
    self.registry = registry
    self.health = health
  }

  /// Binds the listener; the returned channel serves until closed.
  public func bind() async throws -> any Channel {
    let registry = self.registry
    let health = self.health
    return try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline()
          try channel.pipeline.syncOperations.addHandler(AdminHTTPHandler(registry: registry, health: health))
        }
      }
      .bind(host: host, port: port)
      .get()
  }
}

private final class AdminHTTPHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private let registry: PrometheusCollectorRegistry
  private let health: HealthRegistry
  private var requestHead: HTTPRequestHead?

  init(registry: PrometheusCollectorRegistry, health: HealthRegistry) {
    self.registry = registry
    self.health = health
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head):
      requestHead = head
    case .body:
      break
    case .end:
      guard let head = requestHead else { return }
      requestHead = nil
      respond(to: head, context: context)
    }
  }

  private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
    let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
    let (status, contentType, body): (HTTPResponseStatus, String, [UInt8])
    switch (head.method, path) {
    case (.GET, "/metrics"):
      (status, contentType, body) = (.ok, "text/plain; version=0.0.4; charset=utf-8", registry.emitToBuffer())
    case (.GET, "/healthz"):
      (status, contentType, body) = (.ok, "application/json", Array(#"{"status":"ok"}"#.utf8))
    case (.GET, "/readyz"):
      let ready = health.overallStatus == .serving
      (status, contentType, body) = (
        ready ? .ok : .serviceUnavailable, "application/json",
        Array((ready ? #"{"status":"SERVING"}"# : #"{"status":"NOT_SERVING"}"#).utf8)
      )
    case (_, "/metrics"), (_, "/healthz"), (_, "/readyz"):
      (status, contentType, body) = (.methodNotAllowed, "application/json", Array(#"{"error":"use GET"}"#.utf8))
    default:
      (status, contentType, body) = (.notFound, "application/json", Array(#"{"error":"not found; try /metrics, /healthz or /readyz"}"#.utf8))
    }
    var headers = HTTPHeaders()
    headers.add(name: "content-type", value: contentType)
    headers.add(name: "content-length", value: "\(body.count)")
    let keepAlive = head.isKeepAlive
    if !keepAlive { headers.add(name: "connection", value: "close") }
    context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
    context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
    let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
    if !keepAlive {
      let channel = context.channel
      done.whenComplete { _ in channel.close(promise: nil) }
    }
  }
}
