/// Why the advisor cannot answer a request: bad input (with the field), or a fact it needs
/// that the graph does not hold (with the id). The gRPC layer maps these to INVALID_ARGUMENT
/// and NOT_FOUND.
public struct AdvisorError: Error, Equatable, CustomStringConvertible {
  public enum Kind: Sendable, Equatable {
    case invalidArgument
    case notFound
  }

  public var kind: Kind
  public var message: String

  public static func invalid(_ field: String, _ problem: String) -> AdvisorError {
    AdvisorError(kind: .invalidArgument, message: "\(field): \(problem)")
  }

  public static func notFound(_ what: String) -> AdvisorError {
    AdvisorError(kind: .notFound, message: what)
  }

  public var description: String { message }
}
