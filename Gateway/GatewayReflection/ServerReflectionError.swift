/// Why a descriptor set cannot back a ``ServerReflectionService``.
public enum ServerReflectionError: Error, Hashable, CustomStringConvertible {
  /// The bytes are not a serialized `google.protobuf.FileDescriptorSet`.
  case malformedDescriptorSet(reason: String)
  /// Two files in the set have the same name.
  case duplicateFile(name: String)
  /// A file imports a file the set does not hold (protoc needs `--include_imports`).
  case missingDependency(file: String, dependency: String)
  /// Two files declare the same fully qualified symbol.
  case duplicateSymbol(name: String, files: [String])
  /// An advertised service is not declared by any file in the set.
  case unknownService(name: String)

  public var description: String {
    switch self {
    case .malformedDescriptorSet(let reason):
      "the descriptor set is not a serialized google.protobuf.FileDescriptorSet: \(reason)"
    case .duplicateFile(let name):
      "the descriptor set holds '\(name)' more than once"
    case .missingDependency(let file, let dependency):
      "'\(file)' imports '\(dependency)', which the descriptor set does not hold (generate it with --include_imports)"
    case .duplicateSymbol(let name, let files):
      "'\(name)' is declared in both \(files.map { "'\($0)'" }.joined(separator: " and "))"
    case .unknownService(let name):
      "advertised service '\(name)' is not declared in the descriptor set"
    }
  }
}
