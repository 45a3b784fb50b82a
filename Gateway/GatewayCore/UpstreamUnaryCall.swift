import Foundation
import NIOCore
import NIOHPACK
import NIOHTTP2

/// The outcome of one unary gRPC call made by the gateway itself (for a JSON route).
struct UnaryOutcome: Sendable {
  var code: Int
  var message: String
  /// The response message, serialized, when the call succeeded.
  var body: ByteBuffer?
  /// `grpc-status-details-bin`, decoded from base64.
  var statusDetails: [UInt8]?
  /// What went wrong, for the access log.
  var detail: String?
}

/// Sends one serialized request on an upstream stream and collects the response message and
/// status. Used by the JSON port, which transcodes to and from the same gRPC methods.
final class UpstreamUnaryCall: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTP2Frame.FramePayload
  typealias OutboundOut = HTTP2Frame.FramePayload

  private let promise: EventLoopPromise<UnaryOutcome>
  private var responseBuffer = ByteBuffer()
  private(set) var done = false
  private var status: (code: Int, message: String, details: [UInt8]?)?

  init(promise: EventLoopPromise<UnaryOutcome>) {
    self.promise = promise
  }

  /// The deadline covers connecting too; when it passes the call ends as DEADLINE_EXCEEDED
  /// before its stream is reset, so the reset cannot turn it into UNAVAILABLE.
  static func start(
    connection: UpstreamConnection, headers: HPACKHeaders, message: ByteBuffer, timeout: TimeAmount
  ) -> EventLoopFuture<UnaryOutcome> {
    let eventLoop = connection.eventLoop
    let promise = eventLoop.makePromise(of: UnaryOutcome.self)
    let handler = UpstreamUnaryCall(promise: promise)
    var stream: (any Channel)?
    let timer = eventLoop.assumeIsolated().scheduleTask(in: timeout) {
      handler.end(UnaryOutcome(code: 4, message: "deadline exceeded", body: nil, statusDetails: nil, detail: nil))
      stream?.close(promise: nil)
    }
    promise.futureResult.whenComplete { _ in timer.cancel() }
    connection.openStream(handler).assumeIsolated().whenComplete { result in
      switch result {
      case .success(let channel):
        guard !handler.done else {
          channel.close(promise: nil)
          return
        }
        stream = channel
        var framed = channel.allocator.buffer(capacity: message.readableBytes + 5)
        framed.writeInteger(UInt8(0))
        framed.writeInteger(UInt32(message.readableBytes))
        framed.writeImmutableBuffer(message)
        channel.write(HTTP2Frame.FramePayload.headers(.init(headers: headers, endStream: false)), promise: nil)
        channel.writeAndFlush(HTTP2Frame.FramePayload.data(.init(data: .byteBuffer(framed), endStream: true)), promise: nil)
      case .failure(let error):
        handler.fail("cannot reach \(connection.target): \(error)")
      }
    }
    return promise.futureResult
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .headers(let frame):
      if let code = frame.headers.first(name: "grpc-status").flatMap(Int.init) {
        let details = frame.headers.first(name: "grpc-status-details-bin").flatMap(Self.decodeBase64)
        status = (code, GRPCWire.percentDecode(frame.headers.first(name: "grpc-message") ?? ""), details)
      } else if let httpStatus = frame.headers.first(name: ":status"), httpStatus != "200" {
        status = (httpStatus == "503" ? 14 : 2, "the upstream answered HTTP \(httpStatus)", nil)
      }
      if frame.endStream { finish() }
    case .data(let frame):
      if case .byteBuffer(var bytes) = frame.data { responseBuffer.writeBuffer(&bytes) }
      if frame.endStream { finish() }
    case .rstStream(let code):
      fail("the upstream reset the stream (\(code))")
    default:
      break
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    fail("the upstream closed the stream")
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    fail("\(error)")
    context.close(promise: nil)
  }

  /// The upstream failed; the client hears only that it is unavailable, the log the reason.
  func fail(_ reason: String) {
    end(UnaryOutcome(code: 14, message: "upstream unavailable", body: nil, statusDetails: nil, detail: reason))
  }

  func end(_ outcome: UnaryOutcome) {
    guard !done else { return }
    done = true
    promise.succeed(outcome)
  }

  private func finish() {
    guard !done else { return }
    done = true
    guard let status else {
      promise.succeed(UnaryOutcome(code: 13, message: "the upstream sent no grpc-status", body: nil, statusDetails: nil, detail: nil))
      return
    }
    var body: ByteBuffer?
    if status.code == 0 {
      guard responseBuffer.readableBytes >= 5, let flag: UInt8 = responseBuffer.readInteger(),
        let length: UInt32 = responseBuffer.readInteger(), flag == 0,
        let message = responseBuffer.readSlice(length: Int(length))
      else {
        promise.succeed(UnaryOutcome(code: 13, message: "the upstream sent a malformed response message", body: nil, statusDetails: nil, detail: nil))
        return
      }
      body = message
    }
    promise.succeed(UnaryOutcome(code: status.code, message: status.message, body: body, statusDetails: status.details, detail: nil))
  }

  private static func decodeBase64(_ text: String) -> [UInt8]? {
    var padded = text
    while padded.count % 4 != 0 { padded.append("=") }
    return Array(base64Decoding: padded)
  }
}

extension Array where Element == UInt8 {
  init?(base64Decoding text: String) {
    guard let data = Data(base64Encoded: text) else { return nil }
    self = [UInt8](data)
  }
}
