// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
  .swiftLanguageMode(.v6),
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
  name: "LoyaltyMaximizer",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "profile-service", targets: ["profile-service"]),
    .executable(name: "loyalty", targets: ["loyalty"]),
    .executable(name: "echo-server", targets: ["echo-server"]),
  ],
  dependencies: [
    .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
    .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
    .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
    .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
  ],
  targets: [
    // Generated protobuf messages and gRPC stubs for every API of the suite.
    .target(
      name: "LoyaltyAPI",
      dependencies: [
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      path: "Shared/LoyaltyAPI",
      swiftSettings: swiftSettings
    ),
    // What every executable shares: config, lifecycle, health, identity, logging, metrics,
    // the SQLite store with its change journal, and the replication API.
    .target(
      name: "LoyaltyRuntime",
      dependencies: [
        "LoyaltyAPI",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      path: "Shared/LoyaltyRuntime",
      swiftSettings: swiftSettings
    ),
    .target(
      name: "ProfileService",
      dependencies: [
        "LoyaltyAPI",
        "LoyaltyRuntime",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Logging", package: "swift-log"),
      ],
      path: "Services/Profile/ProfileService",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "profile-service",
      dependencies: [
        "ProfileService",
        "LoyaltyRuntime",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Services/Profile/profile-service",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "loyalty",
      dependencies: [
        "LoyaltyAPI",
        "LoyaltyRuntime",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
      ],
      path: "Services/CLI",
      swiftSettings: swiftSettings
    ),
    // The stack's ceiling for benchmarks: a bare grpc-swift server that echoes its input.
    .executableTarget(
      name: "echo-server",
      dependencies: [
        "LoyaltyAPI",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Benchmarks/EchoServer",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "LoyaltyRuntimeTests",
      dependencies: [
        "LoyaltyRuntime",
        "LoyaltyAPI",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Tests/LoyaltyRuntimeTests",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "ProfileServiceTests",
      dependencies: [
        "ProfileService",
        "LoyaltyRuntime",
        "LoyaltyAPI",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
      ],
      path: "Tests/ProfileServiceTests",
      swiftSettings: swiftSettings
    ),
    // Starts the real executables on loopback; depending on them makes `swift test` build them.
    .testTarget(
      name: "IntegrationTests",
      dependencies: [
        "LoyaltyAPI",
        "LoyaltyRuntime",
        "profile-service",
        "loyalty",
        .product(name: "GRPCCore", package: "grpc-swift-2"),
        .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
        .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
        .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Crypto", package: "swift-crypto"),
      ],
      path: "Tests/IntegrationTests",
      swiftSettings: swiftSettings
    ),
  ]
)
