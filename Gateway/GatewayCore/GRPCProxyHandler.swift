import Foundation
import GatewayAuth
import LoyaltyRuntime
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Proxies one client HTTP/2 stream (one gRPC call) to an upstream stream, frame by frame:
/// message bodies, metadata (including `-bin`), trailers and status details pass through
/// untouched. Before anything goes upstream the call is routed, authenticated, authorised
/// and rate limited; every refusal is a trailers-only gRPC response (HTTP 200 with
/// `grpc-status`). Runs entirely on the stream's event loop, which also owns the upstream
/// connection.
final class GRPCProxyHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTP2Frame.FramePayload
  typealias OutboundOut = HTTP2Frame.FramePayload

  private enum Phase {
    case awaitingHeaders
    /// Authentication, authorisation and (when the method names a user) the owner check.
    case admitting
    case connecting
    case forwarding
    case done
  }

  private let services: GatewayServices
  private let clientAddress: String
  private var context: ChannelHandlerContext?
  private var phase = Phase.awaitingHeaders

  private var requestHeaders = HPACKHeaders()
  private var requestID = ""
  private var route: RouteTable.ResolvedRoute?
  private var caller: Caller?
  private var decision: RateLimiter.Decision?
  private let started = NIODeadline.now()
  private var startedClock = ContinuousClock.now
  private var deadline = NIODeadline.distantFuture
  private var deadlineTimer: Scheduled<Void>?
  private var framer: GRPCMessageFramer
  private var awaitingOwnerField = false

  /// Request frames not yet written upstream.
  private var pending: [HTTP2Frame.FramePayload] = []
  /// The whole request, kept while a retry is still possible.
  private var retained: [HTTP2Frame.FramePayload]?
  private var requestEnded = false

  private var pool: UpstreamPool?
  private var poolReserved = false
  private var target: ServiceAddress?
  private var upstream: (any Channel)?
  private var upstreamHandler: UpstreamStreamHandler?
  private var attempts = 0
  private var responseHeadersSent = false
  private var upstreamPaused = false
  /// The upstream sent END_STREAM: nothing to reset when the call ends.
  private var upstreamEnded = false
  private var clientPaused = false
  private var pendingBytes = 0
  /// Why the upstream failed, for the access log (the client gets a message without addresses).
  private var failureDetail: String?
  private var upstreamNeedsFlush = false

  init(services: GatewayServices, clientAddress: String) {
    self.services = services
    self.clientAddress = clientAddress
    self.framer = GRPCMessageFramer(maxMessageBytes: services.maxRequestBytes, captureFirstMessage: false)
  }

  func handlerAdded(context: ChannelHandlerContext) {
    self.context = context
  }

  func handlerRemoved(context: ChannelHandlerContext) {
    self.context = nil
  }

  // MARK: Client side

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let payload = unwrapInboundIn(data)
    switch payload {
    case .headers(let headers):
      if phase == .awaitingHeaders {
        receiveRequestHeaders(headers.headers, endStream: headers.endStream)
      } else if headers.endStream {
        // Request trailers carry nothing gRPC uses; the end of the stream is what matters.
        receiveRequestData(.data(.init(data: .byteBuffer(ByteBuffer()), endStream: true)), bytes: nil)
      }
    case .data(let data):
      if case .byteBuffer(let buffer) = data.data {
        receiveRequestData(payload, bytes: buffer)
      } else {
        receiveRequestData(payload, bytes: nil)
      }
    case .rstStream:
      clientWentAway()
    default:
      break
    }
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    if upstreamNeedsFlush {
      upstreamNeedsFlush = false
      upstream?.flush()
    }
    context.fireChannelReadComplete()
  }

  func channelInactive(context: ChannelHandlerContext) {
    clientWentAway()
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    clientWentAway()
  }

  func channelWritabilityChanged(context: ChannelHandlerContext) {
    // Back-pressure: read from the upstream only as fast as the client takes the response.
    if context.channel.isWritable, upstreamPaused, let upstream {
      upstreamPaused = false
      upstream.setOption(ChannelOptions.autoRead, value: true).whenSuccess { upstream.read() }
    }
    context.fireChannelWritabilityChanged()
  }

  private func receiveRequestHeaders(_ headers: HPACKHeaders, endStream: Bool) {
    requestHeaders = headers
    services.callStarted()
    requestID = RequestContext.acceptable(headers.first(name: "x-request-id")) ?? GatewayServices.newRequestID()
    requestEnded = endStream
    phase = .admitting

    guard headers.first(name: ":method") == "POST",
      let contentType = headers.first(name: "content-type"), contentType.hasPrefix(GRPCWire.contentType)
    else {
      finish(code: 12, message: "the gRPC port accepts only gRPC calls (POST with content-type application/grpc)")
      return
    }
    let path = headers.first(name: ":path") ?? ""
    switch services.routes.resolve(path: path) {
    case .refused(let code, let message):
      finish(code: code, message: message)
      return
    case .route(let resolved):
      route = resolved
    }
    guard let route else { return }

    var budget = route.timeout
    if let requested = headers.first(name: "grpc-timeout") {
      guard let timeout = GRPCWire.parseTimeout(requested) else {
        finish(code: 3, message: "grpc-timeout '\(requested)' is malformed")
        return
      }
      budget = min(budget, timeout)
    }
    deadline = started + TimeAmount(budget)
    if let context {
      let limit = budget
      deadlineTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [weak self] in
        self?.deadlineExpired(budget: limit)
      }
    }

    let resolution = services.admission.authenticator.resolveImmediately(
      apiKey: headers.first(name: "x-api-key"), authorization: headers.first(name: "authorization"))
    switch resolution {
    case .resolved(let result):
      admit(result)
    case .needsJWTVerification:
      guard let context else { return }
      let authenticator = services.admission.authenticator
      let apiKey = headers.first(name: "x-api-key")
      let authorization = headers.first(name: "authorization")
      let verified = context.eventLoop.makeFutureWithTask {
        await authenticator.authenticate(apiKey: apiKey, authorization: authorization)
      }
      verified.assumeIsolated().whenSuccess { [weak self] result in self?.admit(result) }
    }
  }

  private func admit(_ result: Result<Caller, AuthenticationFailure>) {
    guard phase == .admitting, let route else { return }
    let caller: Caller
    switch result {
    case .failure(let failure):
      return refuse(services.admission.refuse(failure, clientAddress: clientAddress, method: route.method, path: route.path))
    case .success(let authenticated):
      caller = authenticated
    }
    self.caller = caller
    if let refusal = services.admission.authorize(caller, for: route.method, path: route.path) {
      return refuse(refusal)
    }
    let decision = services.admission.admitRate(caller, clientAddress: clientAddress, method: route.method)
    self.decision = decision
    guard decision.isAllowed else {
      return refuse(CallAdmission.refusal(for: decision, path: route.path))
    }
    if route.method.ownerFieldPath != nil, caller.principal.role == .traveler || caller.principal.role == .curator {
      awaitingOwnerField = true
      framer = GRPCMessageFramer(maxMessageBytes: services.maxRequestBytes, captureFirstMessage: true)
      // Frames that arrived during authentication are replayed through the new framer.
      for case .data(let data) in pending {
        if case .byteBuffer(let buffer) = data.data, case .tooLarge(let size) = framer.consume(buffer) {
          return refuseTooLarge(size)
        }
      }
      checkOwnerIfReady()
    } else {
      startUpstream()
    }
  }

  private func checkOwnerIfReady() {
    guard awaitingOwnerField, let route, let caller else { return }
    let user: String?
    if let message = framer.firstMessage {
      if framer.compressedFirstMessage {
        return refuse(
          CallAdmission.Refusal(code: 12, message: "compressed request messages are not accepted for \(route.path)"))
      }
      user = GRPCWire.string(atFieldPath: route.method.ownerFieldPath ?? [], in: message.readableBytesView)
    } else if requestEnded {
      user = nil
    } else {
      return
    }
    awaitingOwnerField = false
    if let refusal = services.admission.checkOwner(caller, requestedUser: user, path: route.path) {
      return refuse(refusal)
    }
    startUpstream()
  }

  private func receiveRequestData(_ payload: HTTP2Frame.FramePayload, bytes: ByteBuffer?) {
    if case .data(let data) = payload, data.endStream { requestEnded = true }
    switch phase {
    case .awaitingHeaders, .done:
      return
    case .admitting, .connecting:
      if let bytes, case .tooLarge(let size) = framer.consume(bytes) { return refuseTooLarge(size) }
      pending.append(payload)
      retained?.append(payload)
      pendingBytes += bytes?.readableBytes ?? 0
      if pendingBytes > services.maxRequestBytes + 5, !clientPaused, let context {
        // Enough is buffered to decide on the call; read more once it is forwarding.
        clientPaused = true
        context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
      }
      if phase == .admitting { checkOwnerIfReady() }
    case .forwarding:
      if let bytes, case .tooLarge(let size) = framer.consume(bytes) { return refuseTooLarge(size) }
      retained?.append(payload)
      writeUpstream(payload, flush: false)
      upstreamNeedsFlush = true
    }
  }

  private func refuseTooLarge(_ size: Int) {
    refuse(
      CallAdmission.Refusal(
        code: 8, message: "the request message of \(size) bytes is larger than the limit of \(services.maxRequestBytes) bytes"))
  }

  private func refuse(_ refusal: CallAdmission.Refusal) {
    var extra: [(String, String)] = []
    if let retryAfter = refusal.retryAfterSeconds { extra.append(("retry-after", String(retryAfter))) }
    finish(code: refusal.code, message: refusal.message, extraHeaders: extra)
  }

  private func clientWentAway() {
    guard phase != .done else { return }
    complete(code: 1)
  }

  private func deadlineExpired(budget: Duration) {
    guard phase != .done else { return }
    finish(code: 4, message: "deadline of \(budget.millisecondsText) ms exceeded")
  }

  /// Resets the upstream stream without hearing back from it.
  private func abandonUpstream() {
    upstreamHandler?.detach()
    upstreamHandler = nil
    upstream?.close(promise: nil)
    upstream = nil
  }

  // MARK: Upstream side

  private func startUpstream() {
    guard let route, let context else { return }
    guard let pool = services.pool(for: route) else {
      return finish(code: 14, message: "no upstream pool for \(route.path)")
    }
    self.pool = pool
    guard pool.reserve() else {
      return finish(
        code: 14, message: "upstream pool \(pool.name) is at its limit of \(pool.maxConcurrentRequests) concurrent calls")
    }
    poolReserved = true
    if route.method.idempotent, !route.method.clientStreaming, services.retry.maxAttempts > 1 {
      retained = pending
    }
    attempt(on: context.eventLoop, excluding: nil)
  }

  private func attempt(on eventLoop: any EventLoop, excluding failed: ServiceAddress?) {
    guard let pool, let route else { return }
    attempts += 1
    phase = .connecting
    let target = pool.pickTarget(excluding: failed)
    self.target = target
    let connection = services.pools.connection(to: target, on: eventLoop)
    let handler = UpstreamStreamHandler(proxy: self)
    upstreamHandler = handler
    connection.openStream(handler).assumeIsolated().whenComplete { [weak self] result in
      guard let self else { return }
      switch result {
      case .success(let channel):
        guard self.phase == .connecting else {
          channel.close(promise: nil)
          return
        }
        self.upstream = channel
        self.phase = .forwarding
        if self.clientPaused, let context = self.context {
          self.clientPaused = false
          context.channel.setOption(ChannelOptions.autoRead, value: true).assumeIsolated().whenSuccess { context.channel.read() }
        }
        self.writeUpstream(.headers(.init(headers: self.upstreamHeaders(route: route), endStream: self.requestEndedBeforeBody)), flush: false)
        let frames = self.pending
        self.pending.removeAll()
        for frame in frames { self.writeUpstream(frame, flush: false) }
        channel.flush()
      case .failure(let error):
        self.upstreamFailed(reason: "cannot reach \(target): \(error)")
      }
    }
  }

  /// True when the client sent headers with END_STREAM and no body at all.
  private var requestEndedBeforeBody: Bool {
    requestEnded && pending.isEmpty && (retained?.isEmpty ?? true)
  }

  private func upstreamHeaders(route: RouteTable.ResolvedRoute) -> HPACKHeaders {
    var headers = HPACKHeaders()
    headers.reserveCapacity(requestHeaders.count + 3)
    for (name, value, indexing) in requestHeaders {
      switch name {
      case "x-api-key", "authorization", InternalIdentity.metadataKey, "grpc-timeout", "x-request-id", "connection",
        "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
        continue
      default:
        headers.add(name: name, value: value, indexing: indexing)
      }
    }
    // Values that change with every call stay out of the HPACK table, where they would only
    // push out the entries that do repeat (the signed identity above all).
    headers.add(name: "x-request-id", value: requestID, indexing: .nonIndexable)
    if let caller {
      // Indexed on purpose: the same signed token is reused for 30 s, and it is far too long
      // to be guessed through header compression, which is what never-indexed guards against.
      headers.add(name: InternalIdentity.metadataKey, value: services.admission.identityToken(for: caller))
    }
    let remaining = deadline - NIODeadline.now()
    headers.add(
      name: "grpc-timeout", value: GRPCWire.encodeTimeout(.nanoseconds(max(remaining.nanoseconds, 1_000_000))),
      indexing: .nonIndexable)
    return headers
  }

  private func writeUpstream(_ payload: HTTP2Frame.FramePayload, flush: Bool) {
    guard let upstream else { return }
    upstream.write(payload, promise: nil)
    if flush { upstream.flush() }
    if !upstream.isWritable, let context {
      // Back-pressure: stop reading the client until the upstream drains.
      context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
    }
  }

  func upstreamBecameWritable() {
    guard let context, phase == .forwarding else { return }
    context.channel.setOption(ChannelOptions.autoRead, value: true).assumeIsolated().whenSuccess { context.channel.read() }
  }

  func upstreamResponseHeaders(_ headers: HPACKHeaders, endStream: Bool) {
    guard phase == .forwarding, let context else { return }
    if !responseHeadersSent {
      if endStream, headers.first(name: "grpc-status") == "14", retryPossible() {
        return retry(reason: GRPCWire.percentDecode(headers.first(name: "grpc-message") ?? "upstream unavailable"))
      }
      var outgoing = headers
      for (name, value) in responseExtras() {
        outgoing.replaceOrAdd(name: name, value: value, indexing: GRPCWire.indexing(forHeader: name))
      }
      responseHeadersSent = true
      retained = nil
      // The call is complete before its last frame goes out: writing it closes the client
      // stream, and that must not read as the client going away.
      if endStream {
        upstreamEnded = true
        complete(code: Int(headers.first(name: "grpc-status") ?? "") ?? 2)
      }
      context.write(wrapOutboundOut(.headers(.init(headers: outgoing, endStream: endStream))), promise: nil)
      if endStream { context.flush() }
    } else {
      if endStream {
        upstreamEnded = true
        complete(code: Int(headers.first(name: "grpc-status") ?? "") ?? 2)
      }
      context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers, endStream: endStream))), promise: nil)
    }
  }

  func upstreamResponseData(_ data: HTTP2Frame.FramePayload.Data) {
    guard phase == .forwarding, let context else { return }
    if data.endStream {
      // A gRPC response ends with trailers; one that ends in data carries no status.
      upstreamEnded = true
      failureDetail = "the upstream ended the response without trailers"
      complete(code: 13)
      context.writeAndFlush(wrapOutboundOut(.data(data)), promise: nil)
      return
    }
    context.write(wrapOutboundOut(.data(data)), promise: nil)
    if !context.channel.isWritable, let upstream, !upstreamPaused {
      upstreamPaused = true
      upstream.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
    }
  }

  func upstreamReadComplete() {
    context?.flush()
  }

  /// The upstream stream ended without a status (connection lost, stream reset).
  func upstreamClosed(reason: String) {
    guard phase == .forwarding || phase == .connecting else { return }
    upstreamFailed(reason: reason)
  }

  private func upstreamFailed(reason: String) {
    guard phase == .forwarding || phase == .connecting else { return }
    upstreamHandler?.detach()
    upstreamHandler = nil
    upstream = nil
    if retryPossible() {
      return retry(reason: reason)
    }
    failureDetail = reason
    finish(code: 14, message: "upstream \(pool?.name ?? "pool") is unavailable")
  }

  private func retryPossible() -> Bool {
    guard let route, route.method.idempotent, retained != nil, requestEnded, !responseHeadersSent else { return false }
    guard attempts < services.retry.maxAttempts else { return false }
    let backoff = TimeAmount.milliseconds(Int64(services.retry.backoffMilliseconds * attempts))
    return NIODeadline.now() + backoff < deadline
  }

  private func retry(reason: String) {
    guard let context else { return }
    abandonUpstream()
    pending = retained ?? []
    phase = .connecting
    let failed = target
    let backoff = TimeAmount.milliseconds(Int64(services.retry.backoffMilliseconds * attempts))
    context.eventLoop.assumeIsolated().scheduleTask(in: backoff) { [weak self] in
      guard let self, self.phase == .connecting, let context = self.context else { return }
      self.attempt(on: context.eventLoop, excluding: failed)
    }
  }

  // MARK: Finishing

  private func responseExtras() -> [(String, String)] {
    GatewayServices.responseHeaders(requestID: requestID, version: route?.version, decision: decision)
  }

  /// Ends the call with a status of the gateway's own.
  private func finish(code: Int, message: String, extraHeaders: [(String, String)] = []) {
    guard phase != .done, let context else { return }
    let headers: HPACKHeaders
    if responseHeadersSent {
      headers = GRPCWire.trailers(code: code, message: message)
    } else {
      headers = GRPCWire.trailersOnly(code: code, message: message, extra: responseExtras() + extraHeaders)
      responseHeadersSent = true
    }
    complete(code: code)
    context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers, endStream: true))), promise: nil)
  }

  private func complete(code: Int) {
    guard phase != .done else { return }
    let counted = phase != .awaitingHeaders
    phase = .done
    if counted { services.callEnded() }
    deadlineTimer?.cancel()
    deadlineTimer = nil
    if poolReserved {
      pool?.release()
      poolReserved = false
    }
    pending.removeAll()
    retained = nil
    if !upstreamEnded { abandonUpstream() }
    let record = CallRecord(
        transport: "grpc", route: route?.path ?? "unrouted", code: code,
        duration: ContinuousClock.now - startedClock, requestID: requestID,
        principalClass: caller?.principalClass ?? "unauthenticated", keyID: caller?.keyID,
        subject: caller?.principal.subject, client: clientAddress,
        limiter: decision?.outcome.rawValue ?? "not_checked",
        upstream: target.map { "\(pool?.name ?? "?")@\($0)" }, attempts: attempts, httpStatus: nil,
        detail: failureDetail)
    // Logged after the response's last frame has gone out, so the caller does not wait for
    // it: the final frame is written after this returns, and its flush is itself deferred to
    // a task (FlushCoalescingHandler), so queue behind that one.
    let telemetry = services.telemetry
    if let context {
      let eventLoop = context.eventLoop
      eventLoop.execute { eventLoop.execute { telemetry.record(record) } }
    } else {
      telemetry.record(record)
    }
  }
}

/// The upstream half of a proxied call: hands the upstream stream's frames back to the
/// proxy handler, which lives on the same event loop.
final class UpstreamStreamHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTP2Frame.FramePayload

  private weak var proxy: GRPCProxyHandler?
  private var ended = false

  init(proxy: GRPCProxyHandler) {
    self.proxy = proxy
  }

  /// Stops reporting to the proxy, which has given up on this stream.
  func detach() {
    proxy = nil
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .headers(let headers):
      if headers.endStream { ended = true }
      proxy?.upstreamResponseHeaders(headers.headers, endStream: headers.endStream)
    case .data(let data):
      if data.endStream { ended = true }
      proxy?.upstreamResponseData(data)
    case .rstStream(let code):
      if !ended {
        ended = true
        proxy?.upstreamClosed(reason: "the upstream reset the stream (\(code))")
      }
    default:
      break
    }
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    proxy?.upstreamReadComplete()
  }

  func channelWritabilityChanged(context: ChannelHandlerContext) {
    if context.channel.isWritable { proxy?.upstreamBecameWritable() }
  }

  func channelInactive(context: ChannelHandlerContext) {
    if !ended {
      ended = true
      proxy?.upstreamClosed(reason: "the upstream connection closed")
    }
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    if !ended {
      ended = true
      proxy?.upstreamClosed(reason: "\(error)")
    }
    context.close(promise: nil)
  }
}
