import LoyaltyRuntime
import NIOCore
import NIOHTTP2
import NIOPosix

/// One plaintext HTTP/2 connection to one upstream target, owned by one event loop, so that
/// a proxied stream and its upstream stream share a thread and never hop. Connects on first
/// use and again after the connection is lost.
final class UpstreamConnection {
  private enum State {
    case idle
    case connecting([EventLoopPromise<NIOHTTP2Handler.StreamMultiplexer>])
    case ready(any Channel, NIOHTTP2Handler.StreamMultiplexer)
  }

  let target: ServiceAddress
  let eventLoop: any EventLoop
  private var state = State.idle
  static let connectTimeout = TimeAmount.seconds(2)

  init(target: ServiceAddress, eventLoop: any EventLoop) {
    self.target = target
    self.eventLoop = eventLoop
  }

  /// Opens a stream whose pipeline ends in `handler`.
  func openStream(_ handler: any ChannelHandler & RemovableChannelHandler) -> EventLoopFuture<any Channel> {
    eventLoop.assertInEventLoop()
    let bound = NIOLoopBound(handler, eventLoop: eventLoop)
    return multiplexer().assumeIsolated().flatMap { multiplexer in
      let promise = self.eventLoop.makePromise(of: (any Channel).self)
      multiplexer.createStreamChannel(promise: promise) { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(bound.value)
        }
      }
      return promise.futureResult
    }.nonisolated()
  }

  func close() {
    switch state {
    case .ready(let channel, _):
      channel.close(promise: nil)
    case .connecting(let waiters):
      for waiter in waiters { waiter.fail(ChannelError.ioOnClosedChannel) }
    case .idle:
      break
    }
    state = .idle
  }

  /// The upstream is going away (GOAWAY): calls in flight finish on this connection, new
  /// ones open another.
  fileprivate func retire(_ channel: any Channel) {
    if case .ready(let current, _) = state, current === channel { state = .idle }
  }

  private func multiplexer() -> EventLoopFuture<NIOHTTP2Handler.StreamMultiplexer> {
    switch state {
    case .ready(let channel, let multiplexer) where channel.isActive:
      return eventLoop.makeSucceededFuture(multiplexer)
    case .connecting(var waiters):
      let promise = eventLoop.makePromise(of: NIOHTTP2Handler.StreamMultiplexer.self)
      waiters.append(promise)
      state = .connecting(waiters)
      return promise.futureResult
    case .idle, .ready:
      let promise = eventLoop.makePromise(of: NIOHTTP2Handler.StreamMultiplexer.self)
      state = .connecting([promise])
      connect()
      return promise.futureResult
    }
  }

  private func connect() {
    let multiplexerPromise = eventLoop.makePromise(of: NIOHTTP2Handler.StreamMultiplexer.self)
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    let connection = HTTP2Settings.connection
    let stream = HTTP2Settings.stream
    let bootstrap = ClientBootstrap(group: eventLoop)
      .connectTimeout(Self.connectTimeout)
      .channelOption(.socketOption(.tcp_nodelay), value: 1)
      .channelInitializer { [connection, stream, bound] channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(FlushCoalescingHandler())
          let multiplexer = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
            mode: .client, connectionConfiguration: connection, streamConfiguration: stream,
            inboundStreamInitializer: { channel in channel.close() })
          try channel.pipeline.syncOperations.addHandler(GoAwayObserver(connection: bound.value))
          multiplexerPromise.succeed(multiplexer)
        }
      }
    let connected = bootstrap.connect(host: target.host, port: target.port)
    connected.whenFailure { multiplexerPromise.fail($0) }
    connected.and(multiplexerPromise.futureResult).assumeIsolated().whenComplete { result in
      guard case .connecting(let waiters) = self.state else { return }
      switch result {
      case .success(let (channel, multiplexer)):
        self.state = .ready(channel, multiplexer)
        channel.closeFuture.assumeIsolated().whenComplete { _ in
          if case .ready(let current, _) = self.state, current === channel { self.state = .idle }
        }
        for waiter in waiters { waiter.succeed(multiplexer) }
      case .failure(let error):
        self.state = .idle
        for waiter in waiters { waiter.fail(error) }
      }
    }
  }
}

/// Sees the connection-level frames that pass the HTTP/2 handler and retires the connection
/// when the upstream announces it is going away.
private final class GoAwayObserver: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTP2Frame
  typealias InboundOut = HTTP2Frame

  private weak var connection: UpstreamConnection?

  init(connection: UpstreamConnection) {
    self.connection = connection
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    if case .goAway = unwrapInboundIn(data).payload {
      connection?.retire(context.channel)
    }
    context.fireChannelRead(data)
  }
}
