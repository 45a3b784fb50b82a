import NIOCore

/// Sits next to the socket and turns the flushes of one event-loop tick into one. A proxied
/// call flushes its stream when its frames are written, and every stream flush would
/// otherwise be its own `writev` on a connection that is not in its own read loop — the
/// upstream connection while the client connection is being read, and the other way round.
final class FlushCoalescingHandler: ChannelOutboundHandler, RemovableChannelHandler {
  typealias OutboundIn = Any

  private var flushScheduled = false

  /// Writes made in the same tick as a close still go out.
  func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
    if flushScheduled { context.flush() }
    context.close(mode: mode, promise: promise)
  }

  func flush(context: ChannelHandlerContext) {
    guard !flushScheduled else { return }
    flushScheduled = true
    let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
    context.eventLoop.execute {
      let (handler, context) = bound.value
      handler.flushScheduled = false
      context.flush()
    }
  }
}
