import NIOCore
import NIOHTTP2
import NIOPosix
import Synchronization

/// The gateway's gRPC port: HTTP/2 without TLS (h2c, prior knowledge), one
/// `GRPCProxyHandler` per stream.
final class GRPCProxyServer: Sendable {
  private let services: GatewayServices
  private let group: any EventLoopGroup
  private let connections = Mutex<[ObjectIdentifier: any Channel]>([:])

  init(services: GatewayServices, group: any EventLoopGroup) {
    self.services = services
    self.group = group
  }

  func bind(host: String, port: Int) async throws -> any Channel {
    let connection = HTTP2Settings.connection
    let stream = HTTP2Settings.stream
    let services = self.services
    return try await ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 256)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
      .childChannelInitializer { [connection, stream] channel in
        let client = channel.remoteAddress?.ipAddress ?? "unknown"
        self.track(channel)
        return channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(FlushCoalescingHandler())
          _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
            mode: .server, connectionConfiguration: connection, streamConfiguration: stream
          ) { streamChannel in
            streamChannel.eventLoop.makeCompletedFuture {
              try streamChannel.pipeline.syncOperations.addHandler(
                GRPCProxyHandler(services: services, clientAddress: client))
            }
          }
        }
      }
      .bind(host: host, port: port).get()
  }

  private func track(_ channel: any Channel) {
    let id = ObjectIdentifier(channel)
    connections.withLock { $0[id] = channel }
    channel.closeFuture.whenComplete { [weak self] _ in
      _ = self?.connections.withLock { $0.removeValue(forKey: id) }
    }
  }

  /// Closes every client connection, once calls in flight had their grace period.
  func closeConnections() {
    let open = connections.withLock { Array($0.values) }
    for channel in open { channel.close(mode: .all, promise: nil) }
  }

  /// Tells every client to open no new streams here (HTTP/2 GOAWAY); calls in flight finish.
  func sendGoAway() {
    let open = connections.withLock { Array($0.values) }
    for channel in open {
      channel.eventLoop.execute {
        let frame = HTTP2Frame(streamID: .rootStream, payload: .goAway(lastStreamID: .maxID, errorCode: .noError, opaqueData: nil))
        channel.writeAndFlush(frame, promise: nil)
      }
    }
  }
}
