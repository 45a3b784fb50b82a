import Foundation
import SwiftProtobuf

/// The files of a descriptor set, found by name, by the symbols they declare and by the
/// extensions they declare. Immutable once built, shared by every reflection stream.
struct DescriptorIndex: Sendable {
  struct File: Sendable {
    /// The serialized `google.protobuf.FileDescriptorProto`, as reflection sends it.
    let serialized: Data
    /// The names of the files it imports, in declaration order.
    let dependencies: [String]
  }

  private var files: [String: File] = [:]
  /// Fully qualified name (no leading dot) of every service, method, message, field, oneof,
  /// enum, enum value and extension to the file declaring it.
  private var fileDeclaring: [String: String] = [:]
  private var services: Set<String> = []
  private var messages: Set<String> = []
  /// Extended message type to extension number to the file declaring the extension.
  private var extensions: [String: [Int32: String]] = [:]

  /// Indexes a serialized `google.protobuf.FileDescriptorSet`. A file may appear more than
  /// once only with identical contents (so sets can be concatenated); every import must be in
  /// the set.
  init(descriptorSet: [UInt8]) throws(ServerReflectionError) {
    let set: Google_Protobuf_FileDescriptorSet
    do {
      set = try Google_Protobuf_FileDescriptorSet(serializedBytes: descriptorSet)
    } catch {
      throw .malformedDescriptorSet(reason: "\(error)")
    }
    for file in set.file {
      let serialized: Data
      do {
        serialized = try file.serializedBytes()
      } catch {
        throw .malformedDescriptorSet(reason: "'\(file.name)' cannot be serialized: \(error)")
      }
      if let known = files[file.name] {
        guard known.serialized == serialized else { throw .duplicateFile(name: file.name) }
        continue
      }
      files[file.name] = File(serialized: serialized, dependencies: file.dependency)
      try index(file)
    }
    for (name, file) in files.sorted(by: { $0.key < $1.key }) {
      if let missing = file.dependencies.first(where: { files[$0] == nil }) {
        throw .missingDependency(file: name, dependency: missing)
      }
    }
  }

  func file(named name: String) -> File? {
    files[name]
  }

  /// The name of the file declaring `symbol` (fully qualified; a leading dot is accepted).
  func fileName(declaring symbol: String) -> String? {
    fileDeclaring[symbol.hasPrefix(".") ? String(symbol.dropFirst()) : symbol]
  }

  func declaresService(_ name: String) -> Bool {
    services.contains(name)
  }

  /// The extension numbers of a message type in ascending order, or nil for an unknown type.
  func extensionNumbers(of messageType: String) -> [Int32]? {
    guard messages.contains(messageType) else { return nil }
    return extensions[messageType, default: [:]].keys.sorted()
  }

  /// The name of the file declaring extension `number` of `messageType`.
  func fileName(extending messageType: String, number: Int32) -> String? {
    extensions[messageType]?[number]
  }

  // MARK: - Building

  private mutating func index(_ file: Google_Protobuf_FileDescriptorProto) throws(ServerReflectionError) {
    let scope = file.package
    for message in file.messageType {
      try index(message, in: scope, file: file.name)
    }
    for type in file.enumType {
      try index(type, in: scope, file: file.name)
    }
    for field in file.extension {
      try indexExtension(field, in: scope, file: file.name)
    }
    for service in file.service {
      let name = qualified(service.name, in: scope)
      try declare(name, in: file.name)
      services.insert(name)
      for method in service.method {
        try declare(qualified(method.name, in: name), in: file.name)
      }
    }
  }

  private mutating func index(_ message: Google_Protobuf_DescriptorProto, in scope: String, file: String) throws(ServerReflectionError) {
    let name = qualified(message.name, in: scope)
    try declare(name, in: file)
    messages.insert(name)
    for field in message.field {
      try declare(qualified(field.name, in: name), in: file)
    }
    for oneof in message.oneofDecl {
      try declare(qualified(oneof.name, in: name), in: file)
    }
    for nested in message.nestedType {
      try index(nested, in: name, file: file)
    }
    for type in message.enumType {
      try index(type, in: name, file: file)
    }
    for field in message.extension {
      try indexExtension(field, in: name, file: file)
    }
  }

  private mutating func index(_ type: Google_Protobuf_EnumDescriptorProto, in scope: String, file: String) throws(ServerReflectionError) {
    try declare(qualified(type.name, in: scope), in: file)
    // Enum values are siblings of their enum (C++ scoping), as protoc resolves them.
    for value in type.value {
      try declare(qualified(value.name, in: scope), in: file)
    }
  }

  private mutating func indexExtension(_ field: Google_Protobuf_FieldDescriptorProto, in scope: String, file: String) throws(ServerReflectionError) {
    try declare(qualified(field.name, in: scope), in: file)
    let extendee = field.extendee.hasPrefix(".") ? String(field.extendee.dropFirst()) : field.extendee
    extensions[extendee, default: [:]][field.number] = extensions[extendee]?[field.number] ?? file
  }

  private mutating func declare(_ symbol: String, in file: String) throws(ServerReflectionError) {
    if let other = fileDeclaring[symbol] {
      throw .duplicateSymbol(name: symbol, files: [other, file])
    }
    fileDeclaring[symbol] = file
  }

  private func qualified(_ name: String, in scope: String) -> String {
    scope.isEmpty ? name : "\(scope).\(name)"
  }
}
