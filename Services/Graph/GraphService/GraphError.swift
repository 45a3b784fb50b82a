import GRPCCore
import GraphModel
import Logging
import LoyaltyRuntime

/// What can go wrong with a graph request, with the status and a message a caller can act on.
public enum GraphError: Error, Equatable, CustomStringConvertible, RPCErrorConvertible {
  /// A field of the request is malformed or out of range.
  case invalidArgument(field: String, reason: String)
  /// A field names a node that exists neither in the graph nor (for batches) in the request.
  case referenceNotFound(field: String, id: String)
  /// A field names a node of the wrong label, e.g. an edge whose endpoint labels its type
  /// does not join.
  case wrongLabel(field: String, id: String, label: NodeLabel, expected: String)
  case nodeNotFound(id: String)
  case edgeNotFound(id: String)
  case airportNotFound(code: String)
  case airlineNotFound(code: String)
  /// Other facts still name the node in their properties (or edges touch it by reference).
  case nodeReferenced(id: String, referrers: [String], total: Int)
  /// An upsert would change the label of a stored node.
  case labelChange(field: String, id: String, stored: NodeLabel, requested: NodeLabel)
  /// Derived edges follow their node's properties and cannot be written or deleted directly.
  case derivedEdge(id: String, owner: String, property: String)
  case noRoute(origin: String, destination: String, maxSegments: Int)

  public init(_ error: GraphValidationError) {
    self = .invalidArgument(field: error.field, reason: error.message)
  }

  public var rpcErrorCode: RPCError.Code {
    switch self {
    case .invalidArgument, .wrongLabel: .invalidArgument
    case .referenceNotFound, .nodeNotFound, .edgeNotFound, .airportNotFound, .airlineNotFound, .noRoute: .notFound
    case .nodeReferenced, .labelChange, .derivedEdge: .failedPrecondition
    }
  }

  public var rpcErrorMessage: String { description }

  public var description: String {
    switch self {
    case .invalidArgument(let field, let reason):
      "\(field): \(reason)"
    case .referenceNotFound(let field, let id):
      "\(field): node '\(id)' not found (neither in this batch nor in the graph)"
    case .wrongLabel(let field, let id, let label, let expected):
      "\(field): node '\(id)' is \(article(label.rawValue)) \(label.rawValue), expected \(expected)"
    case .nodeNotFound(let id):
      "node '\(id)' not found"
    case .edgeNotFound(let id):
      "edge '\(id)' not found"
    case .airportNotFound(let code):
      "airport '\(code)' not found"
    case .airlineNotFound(let code):
      "airline '\(code)' not found"
    case .nodeReferenced(let id, let referrers, let total):
      "node '\(id)' is still referenced by \(total) other fact\(total == 1 ? "" : "s") (\(referrers.joined(separator: ", "))\(total > referrers.count ? ", …" : "")); change or delete them first"
    case .labelChange(let field, let id, let stored, let requested):
      "\(field): node '\(id)' is stored as \(stored.rawValue), not \(requested.rawValue); delete it first to change its label"
    case .derivedEdge(let id, let owner, let property):
      "edge '\(id)' follows the '\(property)' property of node '\(owner)'; change that property instead"
    case .noRoute(let origin, let destination, let maxSegments):
      "no route from \(origin) to \(destination) within \(maxSegments) segment\(maxSegments == 1 ? "" : "s")"
    }
  }
}

/// Runs a graph operation, keeping domain errors and mapping storage failures to statuses
/// (never INTERNAL for what a caller sent).
func runGraphOperation<T>(logger: Logger, _ operation: () async throws -> T) async throws -> T {
  do {
    return try await operation()
  } catch let error as GraphError {
    throw error
  } catch let error as GraphValidationError {
    throw GraphError(error)
  } catch let error as RPCError {
    throw error
  } catch {
    let mapped = RPCError(storageError: error)
    if mapped.code == .internalError {
      logger.withCurrentRequest.error("graph storage failure", metadata: ["error": "\(error)"])
    }
    throw mapped
  }
}
