/// A configuration value that cannot be used. The message names the key and says what to fix.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
  public var key: String
  public var message: String

  public init(key: String, message: String) {
    self.key = key
    self.message = message
  }

  public var description: String { "invalid configuration '\(key)': \(message)" }
}
