// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
  .swiftLanguageMode(.v6),
  .enableUpcomingFeature("ExistentialAny"),
  .enableUpcomingFeature("MemberImportVisibility"),
]

extension Target.Dependency {
  static let grpcCore = Self.product(name: "GRPCCore", package: "grpc-swift-2")
  static let grpcInProcess = Self.product(name: "GRPCInProcessTransport", package: "grpc-swift-2")
  static let grpcHTTP2 = Self.product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport")
  static let grpcProtobuf = Self.product(name: "GRPCProtobuf", package: "grpc-swift-protobuf")
  static let swiftProtobuf = Self.product(name: "SwiftProtobuf", package: "swift-protobuf")
  static let nioCore = Self.product(name: "NIOCore", package: "swift-nio")
  static let nioPosix = Self.product(name: "NIOPosix", package: "swift-nio")
  static let nioHTTP1 = Self.product(name: "NIOHTTP1", package: "swift-nio")
  static let argumentParser = Self.product(name: "ArgumentParser", package: "swift-argument-parser")
  static let logging = Self.product(name: "Logging", package: "swift-log")
  static let metrics = Self.product(name: "Metrics", package: "swift-metrics")
  static let prometheus = Self.product(name: "Prometheus", package: "swift-prometheus")
  static let serviceLifecycle = Self.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
  static let unixSignals = Self.product(name: "UnixSignals", package: "swift-service-lifecycle")
  static let grdb = Self.product(name: "GRDB", package: "GRDB.swift")
  static let grdbSQLite = Self.product(name: "GRDBSQLite", package: "GRDB.swift")
  static let crypto = Self.product(name: "Crypto", package: "swift-crypto")
  static let nioHTTP2 = Self.product(name: "NIOHTTP2", package: "swift-nio-http2")
  static let nioHPACK = Self.product(name: "NIOHPACK", package: "swift-nio-http2")
  static let jwtKit = Self.product(name: "JWTKit", package: "jwt-kit")
  static let asyncHTTPClient = Self.product(name: "AsyncHTTPClient", package: "async-http-client")

  /// What every gRPC-speaking target needs.
  static let grpc: [Self] = [.grpcCore, .grpcProtobuf, .swiftProtobuf]
}

/// `dependencies` plus the gRPC core and protobuf libraries.
func withGRPC(_ dependencies: [Target.Dependency]) -> [Target.Dependency] {
  dependencies + Target.Dependency.grpc
}

let package = Package(
  name: "LoyaltyMaximizer",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "graph-service", targets: ["graph-service"]),
    .executable(name: "profile-service", targets: ["profile-service"]),
    .executable(name: "backup-service", targets: ["backup-service"]),
    .executable(name: "ingestion-service", targets: ["ingestion-service"]),
    .executable(name: "gateway", targets: ["gateway"]),
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
    .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
    .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
    .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
  ],
  targets: [
    // Generated protobuf messages and gRPC stubs for every API of the suite.
    .target(name: "LoyaltyAPI", dependencies: withGRPC([]), path: "Shared/LoyaltyAPI", swiftSettings: swiftSettings),
    // What every executable shares: config, lifecycle, health, identity, logging, metrics,
    // the SQLite store with its change journal, and the replication API.
    .target(
      name: "LoyaltyRuntime",
      dependencies: withGRPC([
        "LoyaltyAPI", .grpcHTTP2, .nioCore, .nioPosix, .nioHTTP1, .argumentParser, .logging, .metrics,
        .prometheus, .serviceLifecycle, .unixSignals, .grdb, .crypto,
      ]),
      path: "Shared/LoyaltyRuntime",
      swiftSettings: swiftSettings
    ),
    // The knowledge graph's vocabulary: labels, edge types, the property schema, distances,
    // the OpenFlights format and the curated seed's file format. No I/O.
    .target(
      name: "GraphModel",
      dependencies: ["LoyaltyAPI", .swiftProtobuf],
      path: "Services/Graph/GraphModel",
      swiftSettings: swiftSettings
    ),
    // The advisor's domain logic over an in-memory view of the graph: earnings, crediting
    // recommendations, award pathways and questions in English.
    .target(
      name: "Advisor",
      dependencies: ["GraphModel", "LoyaltyAPI", .swiftProtobuf],
      path: "Services/Graph/Advisor",
      swiftSettings: swiftSettings
    ),
    .target(
      name: "GraphService",
      dependencies: withGRPC([
        "GraphModel", "Advisor", "LoyaltyAPI", "LoyaltyRuntime", .grpcHTTP2, .grdb, .logging, .metrics, .prometheus,
        .asyncHTTPClient, .nioCore, .nioHTTP1,
      ]),
      path: "Services/Graph/GraphService",
      resources: [.copy("Seed/curated-seed.json")],
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "graph-service",
      dependencies: ["GraphService", "LoyaltyRuntime", .argumentParser, .logging, .prometheus],
      path: "Services/Graph/graph-service",
      swiftSettings: swiftSettings
    ),
    // Backup object storage: a local directory or any S3-compatible store (SigV4, multipart,
    // conditional writes) on async-http-client.
    .target(
      name: "BackupStorage",
      dependencies: [.asyncHTTPClient, .crypto, .nioCore, .nioHTTP1, .logging],
      path: "Services/Backup/BackupStorage",
      swiftSettings: swiftSettings
    ),
    // What backups are made of: sealed (encrypted, checksummed) objects, journal segments,
    // the catalog of recovery points, and point-in-time restore planning and replay.
    .target(
      name: "BackupCore",
      dependencies: withGRPC(["BackupStorage", "LoyaltyAPI", "LoyaltyRuntime", .grdb, .grdbSQLite, .crypto, .logging]),
      path: "Services/Backup/BackupCore",
      swiftSettings: swiftSettings
    ),
    // backup-service: the targets, schedule, log shippers, restores, drills and API.
    .target(
      name: "BackupService",
      dependencies: withGRPC([
        "BackupCore", "BackupStorage", "LoyaltyAPI", "LoyaltyRuntime", .grpcHTTP2, .logging, .metrics, .prometheus,
        .serviceLifecycle,
      ]),
      path: "Services/Backup/BackupService",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "backup-service",
      dependencies: ["BackupService", "LoyaltyRuntime", .argumentParser, .logging, .prometheus],
      path: "Services/Backup/backup-service",
      swiftSettings: swiftSettings
    ),
    // libxml2's HTML parser (Debian's libxml2-dev).
    .systemLibrary(
      name: "CLibXML2",
      path: "Services/Ingestion/CLibXML2",
      pkgConfig: "libxml-2.0",
      providers: [.apt(["libxml2-dev"])]
    ),
    // What the pipeline does to a document, without I/O of its own: content sniffing and
    // decoding, text extraction (HTML through libxml2, PDF through pdftotext), the fact schema,
    // the offline and LLM extractors, and validation.
    .target(
      name: "IngestionCore",
      dependencies: ["CLibXML2", "GraphModel", .asyncHTTPClient, .nioCore, .nioHTTP1, .logging],
      path: "Services/Ingestion/IngestionCore",
      swiftSettings: swiftSettings
    ),
    // ingestion-service: the landing zone, the durable pipeline, the graph load and the API.
    .target(
      name: "IngestionService",
      dependencies: withGRPC([
        "IngestionCore", "GraphModel", "LoyaltyAPI", "LoyaltyRuntime", .grpcHTTP2, .grdb, .logging, .metrics, .prometheus,
        .serviceLifecycle, .crypto, .asyncHTTPClient,
      ]),
      path: "Services/Ingestion/IngestionService",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "ingestion-service",
      dependencies: ["IngestionService", "LoyaltyRuntime", .argumentParser, .logging, .prometheus],
      path: "Services/Ingestion/ingestion-service",
      swiftSettings: swiftSettings
    ),
    .target(
      name: "ProfileService",
      dependencies: withGRPC(["LoyaltyAPI", "LoyaltyRuntime", .grdb, .logging, .prometheus]),
      path: "Services/Profile/ProfileService",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "profile-service",
      dependencies: ["ProfileService", "LoyaltyRuntime", .argumentParser, .logging, .metrics, .prometheus, .serviceLifecycle],
      path: "Services/Profile/profile-service",
      swiftSettings: swiftSettings
    ),
    // The gateway: callers' credentials (API keys, JWTs) turned into principals.
    .target(
      name: "GatewayAuth",
      dependencies: ["LoyaltyRuntime", "LoyaltyAPI", .grpcCore, .jwtKit, .crypto, .grdb, .logging],
      path: "Gateway/GatewayAuth",
      swiftSettings: swiftSettings
    ),
    // The gateway: gRPC server reflection over the routed services' descriptors.
    .target(
      name: "GatewayReflection",
      dependencies: withGRPC(["LoyaltyAPI"]),
      path: "Gateway/GatewayReflection",
      swiftSettings: swiftSettings
    ),
    // The gateway: HTTP/2 gRPC proxy, JSON transcoding, routing, rate limits, upstream health.
    .target(
      name: "GatewayCore",
      dependencies: withGRPC([
        "GatewayAuth", "GatewayReflection", "LoyaltyAPI", "LoyaltyRuntime", .grpcHTTP2, .nioCore, .nioPosix,
        .nioHTTP1, .nioHTTP2, .nioHPACK, .argumentParser, .logging, .metrics, .prometheus, .serviceLifecycle,
      ]),
      path: "Gateway/GatewayCore",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "gateway",
      dependencies: ["GatewayCore", "GatewayAuth", "LoyaltyRuntime", .argumentParser, .logging, .prometheus],
      path: "Gateway/gateway",
      swiftSettings: swiftSettings
    ),
    .executableTarget(
      name: "loyalty",
      dependencies: withGRPC(["LoyaltyAPI", "LoyaltyRuntime", "GraphModel", .grpcHTTP2, .argumentParser, .unixSignals]),
      path: "Services/CLI",
      swiftSettings: swiftSettings
    ),
    // The stack's ceiling for benchmarks: a bare grpc-swift server that echoes its input.
    .executableTarget(
      name: "echo-server",
      dependencies: withGRPC(["LoyaltyAPI", .grpcHTTP2, .argumentParser]),
      path: "Benchmarks/EchoServer",
      swiftSettings: swiftSettings
    ),
    // Helpers shared by the test targets.
    .target(name: "TestSupport", dependencies: [.grpcCore], path: "Tests/TestSupport", swiftSettings: swiftSettings),
    .testTarget(
      name: "LoyaltyRuntimeTests",
      dependencies: withGRPC(["LoyaltyRuntime", "LoyaltyAPI", .grpcInProcess, .grdb, .logging, .argumentParser]),
      path: "Tests/LoyaltyRuntimeTests",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "ProfileServiceTests",
      dependencies: withGRPC(["ProfileService", "LoyaltyRuntime", "LoyaltyAPI", "TestSupport", .grpcInProcess, .grdb, .logging]),
      path: "Tests/ProfileServiceTests",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "GraphModelTests",
      dependencies: ["GraphModel", "LoyaltyAPI"],
      path: "Tests/GraphModelTests",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "AdvisorTests",
      dependencies: ["Advisor", "GraphModel", "LoyaltyAPI", .swiftProtobuf],
      path: "Tests/AdvisorTests",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "GraphServiceTests",
      dependencies: withGRPC([
        "GraphService", "GraphModel", "Advisor", "LoyaltyRuntime", "LoyaltyAPI", "TestSupport", .grpcInProcess, .grdb, .logging,
        .nioCore, .nioPosix, .nioHTTP1,
      ]),
      path: "Tests/GraphServiceTests",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "BackupStorageTests",
      dependencies: ["BackupStorage", "TestSupport", .asyncHTTPClient, .crypto, .nioCore, .logging],
      path: "Tests/BackupStorageTests",
      exclude: ["sigv4_reference.py", "moto_s3_setup.py"],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "BackupCoreTests",
      dependencies: withGRPC([
        "BackupCore", "BackupStorage", "LoyaltyAPI", "LoyaltyRuntime", "TestSupport", .grpcInProcess, .grdb, .crypto, .logging,
      ]),
      path: "Tests/BackupCoreTests",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "BackupServiceTests",
      dependencies: ["BackupService", "BackupCore", "BackupStorage", "LoyaltyRuntime", .argumentParser, .logging],
      path: "Tests/BackupServiceTests",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "IngestionCoreTests",
      dependencies: ["IngestionCore", "GraphModel", "TestSupport", .asyncHTTPClient, .nioCore, .nioPosix, .nioHTTP1, .logging],
      path: "Tests/IngestionCoreTests",
      resources: [.copy("Corpus")],
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "IngestionServiceTests",
      dependencies: withGRPC([
        "IngestionService", "IngestionCore", "GraphModel", "LoyaltyRuntime", "LoyaltyAPI", "TestSupport", .grpcInProcess, .grdb, .logging,
        .metrics,
      ]),
      path: "Tests/IngestionServiceTests",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "GatewayAuthTests",
      dependencies: ["GatewayAuth", "LoyaltyRuntime", "LoyaltyAPI", "TestSupport", .grpcCore, .jwtKit, .crypto, .grdb, .logging],
      path: "Tests/GatewayAuthTests",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "GatewayReflectionTests",
      dependencies: withGRPC(["GatewayReflection", "LoyaltyAPI", "TestSupport", .grpcInProcess]),
      path: "Tests/GatewayReflectionTests",
      swiftSettings: swiftSettings
    ),
    .testTarget(
      name: "GatewayCoreTests",
      dependencies: withGRPC(["GatewayCore", "GatewayAuth", "LoyaltyRuntime", "LoyaltyAPI", "TestSupport", .nioCore, .nioHTTP1, .nioHTTP2, .nioHPACK, .logging]),
      path: "Tests/GatewayCoreTests",
      swiftSettings: swiftSettings
    ),
    // Starts the real executables on loopback; depending on them makes `swift test` build them.
    .testTarget(
      name: "IntegrationTests",
      dependencies: withGRPC([
        "LoyaltyAPI", "LoyaltyRuntime", "TestSupport", "profile-service", "graph-service", "backup-service", "ingestion-service", "gateway", "loyalty", .grpcHTTP2, .logging, .crypto,
      ]),
      path: "Tests/IntegrationTests",
      swiftSettings: swiftSettings
    ),
  ]
)
