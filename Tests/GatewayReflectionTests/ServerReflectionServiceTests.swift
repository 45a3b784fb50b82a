import Foundation
import GRPCCore
import GatewayReflection
import LoyaltyAPI
import SwiftProtobuf
import Testing

@Suite struct ServerReflectionServiceTests {
  static let profileFile = "loyalty/profile/v1/profile.proto"
  static let timestampFile = "google/protobuf/timestamp.proto"
  static let fieldMaskFile = "google/protobuf/field_mask.proto"

  @Test func listsTheAdvertisedServicesAndItself() async throws {
    try await withReflectionServer { reflection in
      let request = ReflectionRequest.with { $0.host = "gateway.test"; $0.listServices = "*" }
      let response = try await reflection.exchange(request)
      guard case .listServicesResponse(let list)? = response.messageResponse else {
        Issue.record("not a list_services_response: \(response)")
        return
      }
      #expect(list.service.map(\.name) == [
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
        "loyalty.profile.v1.ProfileService",
      ])
      #expect(response.validHost == "gateway.test")
      #expect(response.originalRequest == request)
    }
  }

  @Test func describesAServiceWithItsImports() async throws {
    try await withReflectionServer { reflection in
      let response = try await reflection.exchange(.symbol(profileService))
      let files = try response.files()
      #expect(files.map(\.name) == [Self.profileFile, Self.fieldMaskFile, Self.timestampFile])
      let profile = try #require(files.first)
      #expect(profile.package == "loyalty.profile.v1")
      #expect(profile.service.map(\.name) == ["ProfileService"])
      #expect(profile.service.first?.method.contains { $0.name == "GetProfile" && $0.inputType == ".loyalty.profile.v1.GetProfileRequest" } == true)
      #expect(files[2].messageType.map(\.name) == ["Timestamp"])
      #expect(response.originalRequest.fileContainingSymbol == profileService)
    }
  }

  @Test func sendsEachFileOncePerStreamButAlwaysTheOneAskedFor() async throws {
    try await withReflectionServer { reflection in
      let responses = try await reflection.exchange([
        .symbol(profileService),
        .symbol("loyalty.replication.v1.Replication"),
        .file(Self.profileFile),
        .file(Self.timestampFile),
      ])
      #expect(try responses.map { try $0.fileNames() } == [
        [Self.profileFile, Self.fieldMaskFile, Self.timestampFile],
        ["loyalty/replication/v1/replication.proto"],
        [Self.profileFile],
        [Self.timestampFile],
      ])
      // A new stream starts afresh.
      #expect(try await reflection.exchange(.file(Self.profileFile)).fileNames() == [Self.profileFile, Self.fieldMaskFile, Self.timestampFile])
    }
  }

  @Test func findsFilesByName() async throws {
    try await withReflectionServer { reflection in
      #expect(try await reflection.exchange(.file(Self.timestampFile)).fileNames() == [Self.timestampFile])
      #expect(try await reflection.exchange(.file("grpc/health/v1/health.proto")).fileNames() == ["grpc/health/v1/health.proto"])
      let reflectionFile = try await reflection.exchange(.file("grpc/reflection/v1/reflection.proto")).files()
      #expect(reflectionFile.first?.service.first?.name == "ServerReflection")
    }
  }

  @Test(arguments: [
    "loyalty.profile.v1.ProfileService.GetProfile",
    "loyalty.profile.v1.Profile",
    "loyalty.profile.v1.Profile.home_airport",
    "loyalty.profile.v1.Alliance",
    "loyalty.profile.v1.UpdateProfileRequest.expected_version",
    ".loyalty.profile.v1.Membership",
  ])
  func findsTheFileDeclaringASymbol(symbol: String) async throws {
    try await withReflectionServer { reflection in
      let names = try await reflection.exchange(.symbol(symbol)).fileNames()
      #expect(names.first == Self.profileFile)
    }
  }

  @Test func findsNestedTypes() async throws {
    try await withReflectionServer { reflection in
      let responses = try await reflection.exchange([
        .symbol("grpc.health.v1.HealthCheckResponse.ServingStatus"),
        .symbol("grpc.health.v1.HealthCheckResponse.SERVING"),
      ])
      #expect(try responses.map { try $0.fileNames() } == [["grpc/health/v1/health.proto"], ["grpc/health/v1/health.proto"]])
    }
    try await withReflectionServer(descriptorSet: try catalogDescriptorSet(), advertising: []) { reflection in
      let responses = try await reflection.exchange([
        .symbol("test.catalog.Base.Inner"),
        .symbol("test.catalog.Base.Inner.label"),
        .symbol("test.catalog.Extras.rank"),
      ])
      #expect(try responses.map { try $0.fileNames() } == [
        ["test/catalog.proto"],
        ["test/catalog.proto"],
        ["test/extras.proto"],
      ])
    }
  }

  @Test func unknownNamesAreNotFoundAndTheStreamGoesOn() async throws {
    try await withReflectionServer { reflection in
      let responses = try await reflection.exchange([
        .symbol("loyalty.profile.v1.NoSuchService"),
        .file("loyalty/nothing.proto"),
        .symbol("loyalty.profile"),
        .symbol(profileService),
      ])
      #expect(responses.count == 4)
      #expect(responses[0].error?.code == .notFound)
      #expect(responses[0].error?.message == "symbol 'loyalty.profile.v1.NoSuchService' is not known to this server")
      #expect(responses[0].originalRequest.fileContainingSymbol == "loyalty.profile.v1.NoSuchService")
      #expect(responses[1].error?.code == .notFound)
      #expect(responses[1].error?.message == "file 'loyalty/nothing.proto' is not known to this server")
      #expect(responses[2].error?.code == .notFound)
      #expect(try responses[3].fileNames().first == Self.profileFile)
    }
  }

  @Test func aRequestWithoutAKindIsInvalid() async throws {
    try await withReflectionServer { reflection in
      let response = try await reflection.exchange(ReflectionRequest.with { $0.host = "h" })
      #expect(response.error?.code == .invalidArgument)
      #expect(response.validHost == "h")
    }
  }

  @Test func answersExtensionQueries() async throws {
    try await withReflectionServer(descriptorSet: try catalogDescriptorSet(), advertising: []) { reflection in
      let responses = try await reflection.exchange([
        .with { $0.allExtensionNumbersOfType = "test.catalog.Base" },
        .with { $0.fileContainingExtension = .with { $0.containingType = "test.catalog.Base"; $0.extensionNumber = 101 } },
        .with { $0.fileContainingExtension = .with { $0.containingType = "test.catalog.Base"; $0.extensionNumber = 100 } },
        .with { $0.fileContainingExtension = .with { $0.containingType = "test.catalog.Base"; $0.extensionNumber = 150 } },
        .with { $0.allExtensionNumbersOfType = "test.catalog.Base.Inner" },
        .with { $0.allExtensionNumbersOfType = "test.catalog.Nothing" },
        .symbol("test.catalog.nickname"),
      ])
      guard case .allExtensionNumbersResponse(let numbers)? = responses[0].messageResponse else {
        Issue.record("not an all_extension_numbers_response: \(responses[0])")
        return
      }
      #expect(numbers.baseTypeName == "test.catalog.Base")
      #expect(numbers.extensionNumber == [100, 101])
      #expect(try responses[1].fileNames() == ["test/extras.proto", "test/catalog.proto"])
      #expect(try responses[2].fileNames() == ["test/extras.proto"])
      #expect(responses[3].error?.code == .notFound)
      #expect(responses[4].allExtensionNumbersResponse.extensionNumber == [])
      #expect(responses[5].error?.code == .notFound)
      #expect(try responses[6].fileNames() == ["test/extras.proto"])
    }
  }

  @Test func v1alphaAnswersLikeV1() async throws {
    try await withReflectionServer { reflection in
      let requests: [ReflectionRequest] = [
        .with { $0.host = "gateway.test"; $0.listServices = "" },
        .symbol(profileService),
        .symbol("loyalty.profile.v1.ProfileService.GetProfile"),
        .file(Self.timestampFile),
        .symbol("loyalty.profile.v1.Nothing"),
      ]
      let alphaRequests = try requests.map { try AlphaRequest(serializedBytes: try $0.serializedBytes() as [UInt8]) }
      let v1 = try await reflection.exchange(requests)
      let v1alpha = try await reflection.exchange(alphaRequests)
      #expect(v1alpha.count == requests.count)
      for (alpha, expected) in zip(v1alpha, v1) {
        #expect(try ReflectionResponse(serializedBytes: try alpha.serializedBytes() as [UInt8]) == expected)
      }
      #expect(v1alpha[0].validHost == "gateway.test")
      #expect(v1alpha[0].listServicesResponse.service.count == 4)
      #expect(v1alpha[1].fileDescriptorResponse.fileDescriptorProto.count == 3)
      #expect(v1alpha[4].errorResponse.errorCode == Int32(Status.Code.notFound.rawValue))
    }
  }

  @Test func listedServicesAreExposed() throws {
    let service = try ServerReflectionService(descriptorSet: LoyaltyDescriptorSet.serialized, advertisedServices: [profileService, profileService])
    #expect(service.listedServices == [
      "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection", profileService,
    ])
    #expect(ServerReflectionService.reflectionServiceNames == ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"])
  }
}

@Suite struct ServerReflectionConfigurationTests {
  @Test func refusesAnAdvertisedServiceOutsideTheSet() {
    #expect(throws: ServerReflectionError.unknownService(name: "loyalty.ingestion.v2.IngestionService")) {
      try ServerReflectionService(descriptorSet: LoyaltyDescriptorSet.serialized, advertisedServices: ["loyalty.ingestion.v2.IngestionService"])
    }
  }

  @Test func refusesMalformedBytes() {
    #expect {
      try ServerReflectionService(descriptorSet: [0xFF, 0xFF, 0xFF], advertisedServices: [])
    } throws: { error in
      guard case .malformedDescriptorSet? = error as? ServerReflectionError else { return false }
      return true
    }
  }

  @Test func refusesASetMissingAnImport() throws {
    let set = try Google_Protobuf_FileDescriptorSet(serializedBytes: LoyaltyDescriptorSet.serialized)
    var incomplete = set
    incomplete.file.removeAll { $0.name == "google/protobuf/timestamp.proto" }
    let error = #expect(throws: ServerReflectionError.self) {
      try ServerReflectionService(descriptorSet: try incomplete.serializedBytes(), advertisedServices: [])
    }
    guard case .missingDependency(_, let dependency)? = error else {
      Issue.record("unexpected error \(String(describing: error))")
      return
    }
    #expect(dependency == "google/protobuf/timestamp.proto")
  }

  @Test func acceptsRepeatedIdenticalFilesButNotConflictingOnes() throws {
    let set = try Google_Protobuf_FileDescriptorSet(serializedBytes: LoyaltyDescriptorSet.serialized)
    var doubled = set
    doubled.file += set.file
    _ = try ServerReflectionService(descriptorSet: try doubled.serializedBytes(), advertisedServices: [profileService])

    var conflicting = set
    var changed = try #require(set.file.first { $0.name == "google/protobuf/timestamp.proto" })
    changed.messageType[0].name = "Instant"
    conflicting.file.append(changed)
    #expect(throws: ServerReflectionError.duplicateFile(name: "google/protobuf/timestamp.proto")) {
      try ServerReflectionService(descriptorSet: try conflicting.serializedBytes(), advertisedServices: [])
    }
  }

  @Test func refusesASymbolDeclaredTwice() throws {
    var set = try Google_Protobuf_FileDescriptorSet(serializedBytes: try catalogDescriptorSet())
    set.file.append(.with {
      $0.name = "test/copy.proto"
      $0.package = "test.catalog"
      $0.messageType = [.with { $0.name = "Base" }]
    })
    #expect(throws: ServerReflectionError.duplicateSymbol(name: "test.catalog.Base", files: ["test/catalog.proto", "test/copy.proto"])) {
      try ServerReflectionService(descriptorSet: try set.serializedBytes(), advertisedServices: [])
    }
  }

  @Test func theSuiteDescriptorSetHoldsEveryProtoAndItsImports() throws {
    let set = try Google_Protobuf_FileDescriptorSet(serializedBytes: LoyaltyDescriptorSet.serialized)
    let names = Set(set.file.map(\.name))
    for name in [
      "grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto", "grpc/reflection/v1alpha/reflection.proto",
      "loyalty/profile/v1/profile.proto", "loyalty/replication/v1/replication.proto",
      "google/protobuf/timestamp.proto", "google/protobuf/field_mask.proto",
    ] {
      #expect(names.contains(name), "\(name) is missing from LoyaltyDescriptorSet")
    }
  }
}
