import Foundation
import GatewayAuth
import LoyaltyRuntime
import NIOCore
import NIOHPACK
import NIOHTTP1
import SwiftProtobuf

struct JSONRequest: Sendable {
  var method: HTTPMethod
  var uri: String
  var headers: HTTPHeaders
  var body: Data
  var clientAddress: String
}

struct JSONResponse: Sendable {
  var status: HTTPResponseStatus
  var headers: [(String, String)]
  var body: String
}

/// The JSON port's logic: CORS, health endpoints, and REST routes transcoded to the gRPC
/// methods they name, with the same admission as the gRPC port and gRPC status mapped to
/// HTTP status with a JSON error body.
struct JSONTranscoder: Sendable {
  let services: GatewayServices
  let healthSummary: @Sendable () -> UpstreamHealthSummary
  let health: HealthRegistry

  static let exposedHeaders = "x-request-id, ratelimit-limit, ratelimit-remaining, ratelimit-reset, retry-after, deprecation, sunset"
  static let allowedHeaders = "authorization, x-api-key, content-type, x-request-id"

  func handle(_ request: JSONRequest, on eventLoop: any EventLoop) async -> JSONResponse {
    let started = ContinuousClock.now
    let requestID = RequestContext.acceptable(request.headers.first(name: "x-request-id")) ?? GatewayServices.newRequestID()
    let (path, query) = Self.split(request.uri)
    var record = CallRecord(
      transport: "http", route: "unrouted", code: 0, duration: .zero, requestID: requestID,
      principalClass: "unauthenticated", keyID: nil, subject: nil, client: request.clientAddress,
      limiter: "not_checked", upstream: nil, attempts: 0, httpStatus: nil)
    var response = await respond(to: request, path: path, query: query, requestID: requestID, record: &record, eventLoop: eventLoop)
    response.headers.append(("x-request-id", requestID))
    if let origin = request.headers.first(name: "origin") {
      response.headers.append(("access-control-allow-origin", origin))
      response.headers.append(("vary", "origin"))
      response.headers.append(("access-control-expose-headers", Self.exposedHeaders))
    }
    record.duration = ContinuousClock.now - started
    record.httpStatus = Int(response.status.code)
    if path != "/healthz", path != "/readyz" { services.telemetry.record(record) }
    return response
  }

  private func respond(
    to request: JSONRequest, path: String, query: [(String, String)], requestID: String, record: inout CallRecord,
    eventLoop: any EventLoop
  ) async -> JSONResponse {
    switch path {
    case "/healthz":
      return JSONResponse(status: .ok, headers: [("content-type", "application/json")], body: #"{"status":"SERVING"}"#)
    case "/readyz":
      let summary = healthSummary().message
      let ready = health.overallStatus == .serving
      let body = (try? summary.jsonString()) ?? "{}"
      return JSONResponse(status: ready ? .ok : .serviceUnavailable, headers: [("content-type", "application/json")], body: body)
    default:
      break
    }

    if request.method == .OPTIONS {
      return preflight(request, path: path)
    }

    let route: RESTRoute
    let parameters: [(field: String, value: String)]
    switch RESTRoutes.lookup(request.method, path: path) {
    case .found(let found, let bound):
      route = found
      parameters = bound
    case .methodNotAllowed(let allowed):
      var response = error(code: 12, message: "\(request.method.rawValue) is not allowed on \(path)", record: &record)
      response.status = .methodNotAllowed
      response.headers.append(("allow", allowed.map(\.rawValue).joined(separator: ", ")))
      return response
    case .notFound:
      let first = path.split(separator: "/").first.map(String.init) ?? ""
      if ServiceCatalog.apiVersion(ofService: "x.\(first).X") != nil, services.routes.version(named: first) == nil {
        return error(
          code: 12,
          message: "API version \(first) is not supported; supported versions: \(services.routes.supportedVersions.joined(separator: ", "))",
          record: &record, status: .notFound)
      }
      return error(code: 12, message: "no route for \(request.method.rawValue) \(path)", record: &record, status: .notFound)
    }

    let resolved: RouteTable.ResolvedRoute
    switch services.routes.resolve(service: route.service, method: route.rpc) {
    case .refused(let code, let message):
      return error(code: code, message: message, record: &record, status: code == 12 ? .notFound : nil)
    case .route(let found):
      resolved = found
    }
    record.route = resolved.path
    var extras = GatewayServices.responseHeaders(requestID: requestID, version: resolved.version, decision: nil)
    extras.removeAll { $0.0 == "x-request-id" }

    let admission = services.admission
    let authenticated = await admission.authenticator.authenticate(
      apiKey: request.headers.first(name: "x-api-key"), authorization: request.headers.first(name: "authorization"))
    let caller: Caller
    switch authenticated {
    case .failure(let failure):
      let refused = admission.refuse(failure, clientAddress: request.clientAddress, method: resolved.method, path: resolved.path)
      return refusal(refused, extras: extras, record: &record)
    case .success(let found):
      caller = found
    }
    record.principalClass = caller.principalClass
    record.keyID = caller.keyID
    record.subject = caller.principal.subject
    if let refusal = admission.authorize(caller, for: resolved.method, path: resolved.path) {
      return self.refusal(refusal, extras: extras, record: &record)
    }
    let decision = admission.admitRate(caller, clientAddress: request.clientAddress, method: resolved.method)
    record.limiter = decision.outcome.rawValue
    extras = GatewayServices.responseHeaders(requestID: requestID, version: resolved.version, decision: decision)
    extras.removeAll { $0.0 == "x-request-id" }
    guard decision.isAllowed else {
      return refusal(CallAdmission.refusal(for: decision, path: resolved.path), extras: extras, record: &record)
    }

    let message: Data
    do {
      let includeQuery = request.method == .GET || request.method == .DELETE
      let json = try RESTRoutes.requestJSON(body: request.body, pathParameters: parameters, query: includeQuery ? query : [])
      message = try route.decodeRequest(json)
    } catch let failure as TranscodingError {
      return error(code: 3, message: failure.message, record: &record, extras: extras)
    } catch {
      return self.error(code: 3, message: "the request body does not match \(resolved.path)'s request: \(error)", record: &record, extras: extras)
    }
    if let ownerPath = resolved.method.ownerFieldPath {
      let user = GRPCWire.string(atFieldPath: ownerPath, in: ByteBuffer(bytes: message).readableBytesView)
      if let refusal = admission.checkOwner(caller, requestedUser: user, path: resolved.path) {
        return self.refusal(refusal, extras: extras, record: &record)
      }
    }

    let outcome = await call(resolved, message: message, caller: caller, requestID: requestID, record: &record, eventLoop: eventLoop)
    record.code = outcome.code
    record.detail = outcome.detail
    guard outcome.code == 0, let body = outcome.body else {
      return error(code: outcome.code, message: outcome.message, record: &record, extras: extras, details: outcome.statusDetails)
    }
    do {
      let json = try route.encodeResponse(Data(body.readableBytesView))
      return JSONResponse(status: .ok, headers: [("content-type", "application/json")] + extras, body: json)
    } catch {
      return self.error(code: 13, message: "the upstream response could not be read: \(error)", record: &record, extras: extras)
    }
  }

  /// One unary call upstream, retried on UNAVAILABLE for idempotent methods while time remains.
  private func call(
    _ route: RouteTable.ResolvedRoute, message: Data, caller: Caller, requestID: String, record: inout CallRecord,
    eventLoop: any EventLoop
  ) async -> UnaryOutcome {
    guard let pool = services.pool(for: route) else {
      return UnaryOutcome(code: 14, message: "no upstream pool for \(route.path)", body: nil, statusDetails: nil, detail: nil)
    }
    guard pool.reserve() else {
      return UnaryOutcome(
        code: 14, message: "upstream pool \(pool.name) is at its limit of \(pool.maxConcurrentRequests) concurrent calls",
        body: nil, statusDetails: nil, detail: nil)
    }
    services.callStarted()
    defer {
      pool.release()
      services.callEnded()
    }
    let deadline = ContinuousClock.now + route.timeout
    let maxAttempts = route.method.idempotent ? services.retry.maxAttempts : 1
    var failed: ServiceAddress?
    var outcome = UnaryOutcome(code: 14, message: "not attempted", body: nil, statusDetails: nil, detail: nil)
    let token = services.admission.identityToken(for: caller)
    for attempt in 1...maxAttempts {
      let remaining = deadline - ContinuousClock.now
      guard remaining > .zero else {
        return UnaryOutcome(code: 4, message: "deadline exceeded", body: nil, statusDetails: nil, detail: nil)
      }
      let target = pool.pickTarget(excluding: failed)
      record.attempts = attempt
      record.upstream = "\(pool.name)@\(target)"
      var headers = HPACKHeaders()
      headers.add(name: ":method", value: "POST")
      headers.add(name: ":scheme", value: "http")
      headers.add(name: ":path", value: route.path)
      headers.add(name: ":authority", value: target.description)
      headers.add(name: "content-type", value: GRPCWire.contentType)
      headers.add(name: "te", value: "trailers")
      headers.add(name: "grpc-timeout", value: GRPCWire.encodeTimeout(remaining))
      headers.add(name: "x-request-id", value: requestID)
      headers.add(name: InternalIdentity.metadataKey, value: token)
      let pools = services.pools
      let requestHeaders = headers
      do {
        outcome = try await eventLoop.flatSubmit {
          UpstreamUnaryCall.start(
            connection: pools.connection(to: target, on: eventLoop), headers: requestHeaders,
            message: ByteBuffer(bytes: message), timeout: TimeAmount(remaining))
        }.get()
      } catch {
        outcome = UnaryOutcome(code: 14, message: "upstream unavailable", body: nil, statusDetails: nil, detail: "\(error)")
      }
      if outcome.code == 14, outcome.detail != nil {
        outcome.message = "upstream \(pool.name) is unavailable"
      }
      guard outcome.code == 14, attempt < maxAttempts else { return outcome }
      failed = target
      let backoff = Duration.milliseconds(services.retry.backoffMilliseconds * attempt)
      guard ContinuousClock.now + backoff < deadline else { return outcome }
      try? await Task.sleep(for: backoff)
    }
    return outcome
  }

  private func preflight(_ request: JSONRequest, path: String) -> JSONResponse {
    let methods = RESTRoutes.all.filter { $0.match(path.split(separator: "/")) != nil }.map(\.method.rawValue)
    guard !methods.isEmpty else {
      return JSONResponse(
        status: .notFound, headers: [("content-type", "application/json")],
        body: HTTPStatusMapping.errorBody(code: 12, message: "no route for \(path)", statusDetails: nil))
    }
    return JSONResponse(
      status: .noContent,
      headers: [
        ("access-control-allow-methods", (methods + ["OPTIONS"]).joined(separator: ", ")),
        ("access-control-allow-headers", Self.allowedHeaders),
        ("access-control-max-age", "600"),
      ],
      body: "")
  }

  private func refusal(_ refusal: CallAdmission.Refusal, extras: [(String, String)], record: inout CallRecord) -> JSONResponse {
    var headers = extras
    if let retryAfter = refusal.retryAfterSeconds { headers.append(("retry-after", String(retryAfter))) }
    return error(code: refusal.code, message: refusal.message, record: &record, extras: headers)
  }

  private func error(
    code: Int, message: String, record: inout CallRecord, status: HTTPResponseStatus? = nil,
    extras: [(String, String)] = [], details: [UInt8]? = nil
  ) -> JSONResponse {
    record.code = code
    var headers = [("content-type", "application/json")] + extras
    if code == 16 {
      headers.append(("www-authenticate", #"Bearer realm="loyalty-maximizer", error="invalid_token""#))
    }
    return JSONResponse(
      status: status ?? HTTPStatusMapping.httpStatus(forGRPCCode: code), headers: headers,
      body: HTTPStatusMapping.errorBody(code: code, message: message, statusDetails: details))
  }

  static func split(_ uri: String) -> (String, [(String, String)]) {
    guard let mark = uri.firstIndex(of: "?") else { return (uri, []) }
    let path = String(uri[..<mark])
    let query = uri[uri.index(after: mark)...].split(separator: "&").map { pair -> (String, String) in
      let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ") }
      return (parts[0].removingPercentEncoding ?? parts[0], parts.count > 1 ? (parts[1].removingPercentEncoding ?? parts[1]) : "")
    }
    return (path, query)
  }
}
