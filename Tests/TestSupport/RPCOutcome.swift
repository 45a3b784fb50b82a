import GRPCCore

/// The gRPC status code a call failed with, or nil when it succeeded; any other error is
/// reported as UNKNOWN, as a client would see it.
public func statusCode(_ call: () async throws -> some Any) async -> RPCError.Code? {
  do {
    _ = try await call()
    return nil
  } catch let error as RPCError {
    return error.code
  } catch {
    return .unknown
  }
}

/// The error a call failed with, or nil when it succeeded.
public func rpcError(_ call: () async throws -> some Any) async -> RPCError? {
  do {
    _ = try await call()
    return nil
  } catch {
    return error as? RPCError
  }
}

/// How a call ended: its status code (nil on success) and message.
public struct RPCOutcome: Sendable, CustomStringConvertible {
  public var code: RPCError.Code?
  public var message: String

  public var description: String { "\(code.map { "\($0)" } ?? "ok"): \(message)" }
}

public func rpcOutcome(_ call: () async throws -> some Any) async -> RPCOutcome {
  do {
    _ = try await call()
    return RPCOutcome(code: nil, message: "")
  } catch let error as RPCError {
    return RPCOutcome(code: error.code, message: error.message)
  } catch {
    return RPCOutcome(code: .unknown, message: "\(error)")
  }
}
