import ArgumentParser
import Foundation
import GRPCCore
import LoyaltyAPI
import LoyaltyRuntime
import SwiftProtobuf
import UnixSignals

/// The service executables of the suite, in start order, with their default ports.
struct SuiteMember: Sendable {
  var name: String
  var executable: String
  var grpcPort: Int
  var adminPort: Int
  /// The HTTP/1.1 JSON port, for the gateway.
  var httpPort: Int?
  var healthService: String
  /// The v1 services it hosts, with the gateway alias each is routed through.
  var routedServices: [(alias: String, service: String)] = []
  /// Flags beyond the common ones (data folder, secret, host, ports), given the launcher (its
  /// port offset and data folder).
  var extraArguments: @Sendable (_ suite: SuiteLauncher) -> [String] = { _ in [] }

  static let profile = SuiteMember(
    name: "profile", executable: "profile-service", grpcPort: 50052, adminPort: 9052,
    healthService: "loyalty.profile.v1.ProfileService",
    routedServices: [("profile-v1", "loyalty.profile.v1.ProfileService")])

  /// After profile-service, which the advisor reads travellers' statuses and balances from.
  /// Loads the curated seed into an empty graph on its first start.
  static let graph = SuiteMember(
    name: "graph", executable: "graph-service", grpcPort: 50051, adminPort: 9051,
    healthService: "loyalty.advisor.v1.AdvisorService",
    routedServices: [("graph-v1", "loyalty.graph.v1.GraphService"), ("advisor-v1", "loyalty.advisor.v1.AdvisorService")],
    extraArguments: { suite in
      ["--profile-target", "127.0.0.1:\(suite.port(SuiteMember.profile.grpcPort))"]
    })

  /// After graph-service, which it loads extracted facts into; before backup-service, which
  /// backs up its documents and runs. Keeps the landing zone (every version of every uploaded
  /// page) in its data folder.
  static let ingestion = SuiteMember(
    name: "ingestion", executable: "ingestion-service", grpcPort: 50053, adminPort: 9053,
    healthService: "loyalty.ingestion.v1.IngestionService",
    routedServices: [("ingestion-v1", "loyalty.ingestion.v1.IngestionService")],
    extraArguments: { suite in
      ["--graph-target", "127.0.0.1:\(suite.port(SuiteMember.graph.grpcPort))"]
    })

  /// After the services it backs up, which it starts shipping change logs from at once; before
  /// the gateway, which routes the backup API to it. Its catalog and primary target live in
  /// its data folder, and every object is copied to a second folder standing in for the DR
  /// region. Encrypts with the suite's backup key, made on the first start.
  static let backup = SuiteMember(
    name: "backup", executable: "backup-service", grpcPort: 50054, adminPort: 9054,
    healthService: "loyalty.backup.v1.BackupService",
    routedServices: [("backup-v1", "loyalty.backup.v1.BackupService")],
    extraArguments: { suite in
      var arguments = [
        "--profile-target", "127.0.0.1:\(suite.port(SuiteMember.profile.grpcPort))",
        "--graph-target", "127.0.0.1:\(suite.port(SuiteMember.graph.grpcPort))",
        "--key-file", suite.backupKeyFile.path,
        "--primary-target", suite.backupPrimaryTarget.path,
        "--dr-target", suite.backupDRTarget.path,
      ]
      // Only when the suite runs ingestion-service: backup-service would otherwise report a
      // service it cannot reach.
      if suite.hasExecutable(SuiteMember.ingestion) {
        arguments += ["--ingestion-target", "127.0.0.1:\(suite.port(SuiteMember.ingestion.grpcPort))"]
      }
      return arguments
    })

  /// After the services it routes to. The targets only matter when the gateway creates its
  /// configuration file (first start); later starts are reconciled by
  /// `SuiteLauncher.pointGatewayAtServices`.
  static let gateway = SuiteMember(
    name: "gateway", executable: "gateway", grpcPort: 8080, adminPort: 9080, httpPort: 8081,
    healthService: "loyalty.gateway.v1.GatewayAdmin",
    extraArguments: { suite in
      [
        "--http-port", "\(suite.port(8081))",
        "--profile-target", "127.0.0.1:\(suite.port(SuiteMember.profile.grpcPort))",
        "--graph-target", "127.0.0.1:\(suite.port(SuiteMember.graph.grpcPort))",
        "--ingestion-target", "127.0.0.1:\(suite.port(SuiteMember.ingestion.grpcPort))",
        "--backup-target", "127.0.0.1:\(suite.port(SuiteMember.backup.grpcPort))",
      ]
    })

  static let all: [SuiteMember] = [profile, graph, ingestion, backup, gateway]

  /// The gateway's upstream pool each service is reached through, and whether the gateway's
  /// readiness depends on it (travellers' calls never need ingestion-service or backup-service).
  static let pools: [(pool: String, member: SuiteMember, required: Bool)] = [
    ("profile", profile, true), ("graph", graph, true), ("ingestion", ingestion, false), ("backup", backup, false),
  ]
}

struct SuiteCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "suite",
    abstract: "Runs the whole suite locally.",
    subcommands: [Up.self]
  )

  struct Up: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      abstract: "Starts every service on loopback with one data folder, seeds it on first start, and stops them all on Ctrl-C.",
      discussion: """
        On first start it also creates an admin API key for the gateway (saved in <data>/admin-api-key),
        an API key for the demo traveller (<data>/demo-traveler-api-key) and the key that encrypts
        backups (<data>/backup-key); later starts reuse them.
        """
    )

    @Option(help: "Folder for every service's data, logs, the internal secret and the first API keys.")
    var dataDir: String = "data"

    @Option(help: "Folder holding the service executables; default: beside this one.")
    var binDir: String?

    @Option(help: "Added to every default port, to run a second suite beside the first.")
    var portOffset: Int = 0

    func validate() throws {
      // 15000 keeps the highest port (backup-service, 50054) below 65536.
      guard (0...15_000).contains(portOffset) else { throw ValidationError("--port-offset must be between 0 and 15000") }
    }

    func run() async throws {
      let launcher = SuiteLauncher(
        dataDirectory: URL(fileURLWithPath: dataDir, isDirectory: true).standardizedFileURL,
        binDirectory: binDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? SuiteLauncher.ownDirectory(),
        portOffset: portOffset)
      try await launcher.run()
    }
  }
}

/// One `loyalty suite up`: starts the members in order, bootstraps data and keys, prints how
/// to call the suite, and stops everything on SIGINT/SIGTERM (also during start-up) or when a
/// member exits.
struct SuiteLauncher: Sendable {
  let dataDirectory: URL
  let binDirectory: URL
  let portOffset: Int

  var secretFile: URL { dataDirectory.appendingPathComponent("internal-secret") }
  var adminKeyFile: URL { dataDirectory.appendingPathComponent("admin-api-key") }
  var demoKeyFile: URL { dataDirectory.appendingPathComponent("demo-traveler-api-key") }
  var backupKeyFile: URL { dataDirectory.appendingPathComponent("backup-key") }
  var backupPrimaryTarget: URL {
    memberDataDirectory(SuiteMember.backup).appendingPathComponent("targets/primary", isDirectory: true)
  }
  /// The folder standing in for the storage of a second region.
  var backupDRTarget: URL { memberDataDirectory(SuiteMember.backup).appendingPathComponent("targets/dr", isDirectory: true) }
  static let demoTraveler = "demo-traveler"

  func port(_ base: Int) -> Int { base + portOffset }

  /// Whether the member's executable is in the bin folder; the suite runs the members it finds.
  func hasExecutable(_ member: SuiteMember) -> Bool {
    FileManager.default.isExecutableFile(atPath: binDirectory.appendingPathComponent(member.executable).path)
  }

  func run() async throws {
    try FileManager.default.createDirectory(at: dataDirectory.appendingPathComponent("logs"), withIntermediateDirectories: true)
    try Self.ensureSecret(at: secretFile)

    let members = SuiteMember.all.filter(hasExecutable)
    guard !members.isEmpty else {
      throw ValidationError("no service executables in \(binDirectory.path); build with 'swift build' first")
    }
    if members.contains(where: { $0.name == SuiteMember.backup.name }), try Self.ensureSecret(at: backupKeyFile, byteCount: 32) {
      say("created the backup encryption key in \(backupKeyFile.path); keep a copy somewhere safe: backups cannot be read without it")
    }

    let events = AsyncStream.makeStream(of: SuiteEvent.self)
    // Trapped before anything starts, so that Ctrl-C during start-up stops what already runs.
    let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
    let startup = Task { try await startAll(members, events: events.continuation) }
    let signalTask = Task {
      for await signal in signals {
        events.continuation.yield(.signal("\(signal)"))
        startup.cancel()
        break
      }
    }
    defer { signalTask.cancel() }

    let suite: RunningSuite
    do {
      suite = try await startup.value
    } catch {
      if startup.isCancelled {
        say("\nstart-up interrupted; the suite is stopped")
        return
      }
      throw error
    }
    printSummary(suite)

    var exitCode: Int32 = 0
    for await event in events.stream {
      switch event {
      case .signal(let name):
        say("\nreceived \(name); stopping the suite")
      case .exited(let name, let status):
        printError("\(name) exited unexpectedly with status \(status); see \(dataDirectory.path)/logs/\(name).log")
        exitCode = 1
      }
      break
    }
    await Self.stopAll(suite.members)
    say("suite stopped")
    if exitCode != 0 { throw ExitCode(exitCode) }
  }

  // MARK: Start-up

  struct RunningSuite: Sendable {
    var members: [RunningMember]
    /// The gateway's keys, when the gateway runs.
    var adminKey: String?
    var demoKeySaved = false
  }

  /// Starts the members one after another, each SERVING before the next; on any failure (or
  /// cancellation by a signal) stops those already running.
  private func startAll(_ members: [SuiteMember], events: AsyncStream<SuiteEvent>.Continuation) async throws -> RunningSuite {
    var suite = RunningSuite(members: [])
    do {
      for member in members {
        if member.name == SuiteMember.gateway.name {
          try pointGatewayAtServices()
          suite.adminKey = try ensureAdminKey()
        }
        let running = try start(member, events: events)
        suite.members.append(running)
        try await waitUntilServing(running)
      }
      if members.contains(where: { $0.name == SuiteMember.profile.name }) {
        try await seedIfFirstStart()
      }
      if let adminKey = suite.adminKey {
        suite.demoKeySaved = try await ensureDemoTravelerKey(adminKey: adminKey)
      }
      try Task.checkCancellation()
    } catch {
      await Self.stopAll(suite.members)
      throw error
    }
    return suite
  }

  private func start(_ member: SuiteMember, events: AsyncStream<SuiteEvent>.Continuation) throws -> RunningMember {
    let process = Process()
    process.executableURL = binDirectory.appendingPathComponent(member.executable)
    process.arguments =
      [
        "--data-dir", memberDataDirectory(member).path,
        "--internal-secret-file", secretFile.path,
        "--host", "127.0.0.1",
        "--grpc-port", "\(port(member.grpcPort))",
        "--admin-port", "\(port(member.adminPort))",
      ] + member.extraArguments(self)
    let log = try openLog(member.name)
    process.standardOutput = log
    process.standardError = log
    process.standardInput = FileHandle.nullDevice
    let name = member.name
    process.terminationHandler = { process in
      events.yield(.exited(name, process.terminationStatus))
    }
    try process.run()
    say("started \(member.executable) (pid \(process.processIdentifier)) on 127.0.0.1:\(port(member.grpcPort))")
    return RunningMember(member: member, process: process)
  }

  func memberDataDirectory(_ member: SuiteMember) -> URL {
    dataDirectory.appendingPathComponent(member.name, isDirectory: true)
  }

  private func openLog(_ name: String) throws -> FileHandle {
    let logURL = dataDirectory.appendingPathComponent("logs/\(name).log")
    if !FileManager.default.fileExists(atPath: logURL.path) {
      _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
    }
    let log = try FileHandle(forWritingTo: logURL)
    try log.seekToEnd()
    return log
  }

  private func waitUntilServing(_ running: RunningMember) async throws {
    let member = running.member
    let address = ServiceAddress(host: "127.0.0.1", port: port(member.grpcPort))
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline {
      guard running.process.isRunning else {
        throw ValidationError("\(member.executable) stopped during start-up; see \(dataDirectory.path)/logs/\(member.name).log")
      }
      var options = CallOptions.defaults
      options.timeout = .seconds(1)
      let status = try? await withServiceClient(address, identity: nil, principal: .anonymous) { client in
        try await Grpc_Health_V1_Health.Client(wrapping: client).check(.with { $0.service = "" }, options: options).status
      }
      if status == .serving { return }
      try await Task.sleep(for: .milliseconds(200))
    }
    throw ValidationError("\(member.executable) did not become SERVING within 60 s; see \(dataDirectory.path)/logs/\(member.name).log")
  }

  /// A demo traveller, created once per data folder, so the suite is ready to call.
  private func seedIfFirstStart() async throws {
    let marker = dataDirectory.appendingPathComponent(".seeded")
    guard !FileManager.default.fileExists(atPath: marker.path) else { return }
    let identity = try InternalIdentity(secret: RuntimeConfig.loadSecret(file: secretFile.path, inline: nil))
    let address = ServiceAddress(host: "127.0.0.1", port: port(SuiteMember.profile.grpcPort))
    let demo = Loyalty_Profile_V1_Profile.with {
      $0.userID = Self.demoTraveler
      $0.displayName = "Demo Traveler"
      $0.homeAirport = "DFW"
      $0.preferredAirlines = ["AA", "BA"]
      $0.preferredAlliances = [.oneworld]
      $0.memberships = [
        .with {
          $0.programID = "aa-aadvantage"
          $0.memberNumber = "DEMO123"
          $0.eliteTier = "Gold"
          $0.balance = 42_000
          $0.balanceAsOf = Google_Protobuf_Timestamp(date: Date())
        }
      ]
      $0.statusGoals = [.with { $0.programID = "aa-aadvantage"; $0.targetTier = "Platinum Pro" }]
    }
    do {
      _ = try await withServiceClient(address, identity: identity, principal: Principal(subject: "suite-seed", role: .service)) { client in
        try await Loyalty_Profile_V1_ProfileService.Client(wrapping: client).createProfile(.with { $0.profile = demo })
      }
    } catch let error as RPCError where error.code == .alreadyExists {
      // Seeded before the marker was written; nothing to do.
    }
    _ = FileManager.default.createFile(atPath: marker.path, contents: Data())
    say("seeded the demo traveller profile '\(Self.demoTraveler)'")
  }

  // MARK: Gateway

  /// The gateway writes the service targets into its configuration file only when it
  /// creates it; when the suite runs with another port offset later, each local pool
  /// (`profile`, `graph`, `ingestion`, `backup`) is pointed at this run's service, and a pool
  /// missing from a file written by an older suite is added with its routes. Nothing else in
  /// the file changes.
  func pointGatewayAtServices() throws {
    let file = memberDataDirectory(SuiteMember.gateway).appendingPathComponent("gateway.json")
    guard let data = FileManager.default.contents(atPath: file.path),
      var config = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
      var upstreams = config["upstreams"] as? [[String: Any]]
    else { return }
    var changed = false
    for (pool, member, required) in SuiteMember.pools {
      let expected = "127.0.0.1:\(port(member.grpcPort))"
      guard let index = upstreams.firstIndex(where: { $0["name"] as? String == pool }) else {
        upstreams.append(["name": pool, "targets": [expected], "required": required])
        var aliases = config["aliases"] as? [[String: Any]] ?? []
        var routes = config["routes"] as? [[String: Any]] ?? []
        for (alias, service) in member.routedServices where !aliases.contains(where: { $0["name"] as? String == alias }) {
          aliases.append(["name": alias, "pools": [["pool": pool, "weight": 100]]])
          if !routes.contains(where: { $0["service"] as? String == service }) {
            routes.append(["apiVersion": "v1", "service": service, "alias": alias])
          }
        }
        config["aliases"] = aliases
        config["routes"] = routes
        changed = true
        say("added the '\(pool)' pool (\(expected)) and its routes to \(file.path)")
        continue
      }
      guard let targets = upstreams[index]["targets"] as? [String], targets != [expected], targets.count == 1,
        targets[0].hasPrefix("127.0.0.1:")
      else { continue }
      upstreams[index]["targets"] = [expected]
      changed = true
      say("pointed the gateway's '\(pool)' pool at \(expected) (was \(targets[0])) in \(file.path)")
    }
    guard changed else { return }
    config["upstreams"] = upstreams
    let updated = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    try updated.write(to: file, options: .atomic)
  }

  /// The saved admin key, or on first start a new one made with `gateway keys create`
  /// straight on the gateway's database (before the gateway starts, so it loads it at once).
  func ensureAdminKey() throws -> String {
    if let saved = try Self.readKey(adminKeyFile) { return saved }
    let process = Process()
    process.executableURL = binDirectory.appendingPathComponent(SuiteMember.gateway.executable)
    process.arguments = [
      "keys", "create", "--data-dir", memberDataDirectory(SuiteMember.gateway).path,
      "--subject", "operator", "--role", "admin", "--label", "first admin key, made by loyalty suite up",
    ]
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let secret = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    process.waitUntilExit()
    guard process.terminationStatus == 0, !secret.isEmpty, !secret.contains(where: \.isWhitespace) else {
      throw ValidationError("cannot create the first admin API key with 'gateway keys create' (status \(process.terminationStatus)): \(message)")
    }
    try Self.writePrivateFile(adminKeyFile, contents: secret + "\n")
    say("created the first admin API key \(Self.keyID(secret) ?? "") (subject 'operator'); saved in \(adminKeyFile.path)")
    return secret
  }

  /// The demo traveller's key, created once through the gateway's admin API with the admin
  /// key. Returns whether a usable key file exists.
  func ensureDemoTravelerKey(adminKey: String) async throws -> Bool {
    let address = ServiceAddress(host: "127.0.0.1", port: port(SuiteMember.gateway.grpcPort))
    var metadata = Metadata()
    metadata.addString(adminKey, forKey: "x-api-key")
    let saved = try Self.readKey(demoKeyFile)
    do {
      return try await withServiceClient(address, identity: nil, principal: .anonymous) { client in
        let admin = Loyalty_Gateway_V1_GatewayAdmin.Client(wrapping: client)
        var options = CallOptions.defaults
        options.timeout = .seconds(10)
        let active = try await admin.listApiKeys(.init(), metadata: metadata, options: options).keys
        if let saved {
          if let id = Self.keyID(saved), !active.contains(where: { $0.id == id }) {
            printError("the demo traveller's key in \(demoKeyFile.path) is not an active key of this gateway (revoked?); delete the file and restart the suite for a new one")
          }
          return true
        }
        let created = try await admin.createApiKey(
          .with {
            $0.subject = Self.demoTraveler
            $0.role = "traveler"
            $0.label = "demo traveller, made by loyalty suite up"
          }, metadata: metadata, options: options)
        try Self.writePrivateFile(demoKeyFile, contents: created.secret + "\n")
        say("created an API key for '\(Self.demoTraveler)' (\(created.key.id)); saved in \(demoKeyFile.path)")
        return true
      }
    } catch let error as RPCError where error.code == .unauthenticated || error.code == .permissionDenied {
      printError(
        "the gateway refuses the admin key in \(adminKeyFile.path) (\(error.code): \(error.message)); "
          + "delete the file and restart the suite to create a new one")
      return saved != nil
    }
  }

  /// The id inside an API key `lmk_<id>_<secret>`.
  static func keyID(_ key: String) -> String? {
    let parts = key.split(separator: "_", maxSplits: 2)
    return parts.count == 3 && parts[0] == "lmk" ? String(parts[1]) : nil
  }

  static func readKey(_ url: URL) throws -> String? {
    guard FileManager.default.fileExists(atPath: url.path) else { return nil }
    guard let data = FileManager.default.contents(atPath: url.path) else {
      throw ValidationError("cannot read \(url.path)")
    }
    let key = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    guard !key.isEmpty else { throw ValidationError("\(url.path) is empty; delete it and restart the suite for a new key") }
    return key
  }

  /// Writes `contents` to a new file readable by the owner only (mode 0600 from the moment
  /// it exists), then moves it into place. With `replacing: false` an existing file is kept
  /// as it is. Returns whether the file was written.
  @discardableResult
  static func writePrivateFile(_ url: URL, contents: String, replacing: Bool = true) throws -> Bool {
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(getpid()).tmp")
    unlink(temporary.path)
    let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard descriptor >= 0 else {
      throw ValidationError("cannot create \(temporary.path): \(String(cString: strerror(errno)))")
    }
    let bytes = Array(contents.utf8)
    let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    let synced = fsync(descriptor)
    let writeError = errno
    close(descriptor)
    guard written == bytes.count, synced == 0 else {
      unlink(temporary.path)
      throw ValidationError("cannot write \(url.path): \(String(cString: strerror(writeError)))")
    }
    // link(2), unlike rename(2), fails rather than replace a file that exists.
    let moved = replacing ? rename(temporary.path, url.path) : link(temporary.path, url.path)
    let moveError = errno
    unlink(temporary.path)
    if moved == 0 { return true }
    if !replacing, moveError == EEXIST { return false }
    throw ValidationError("cannot write \(url.path): \(String(cString: strerror(moveError)))")
  }

  // MARK: Summary

  private func printSummary(_ suite: RunningSuite) {
    let loyalty = Self.shellQuoted(Self.ownDirectory().appendingPathComponent("loyalty").path)
    func runs(_ member: SuiteMember) -> Bool { suite.members.contains { $0.member.name == member.name } }
    say("")
    say("Loyalty Maximizer is running on loopback (data in \(dataDirectory.path)):")
    for member in suite.members.map(\.member) {
      var line = "  \(member.executable.padding(toLength: 18, withPad: " ", startingAt: 0)) grpc 127.0.0.1:\(port(member.grpcPort))"
      if let httpPort = member.httpPort { line += "   JSON http://127.0.0.1:\(port(httpPort))" }
      line += "   metrics http://127.0.0.1:\(port(member.adminPort))/metrics"
      say(line)
    }
    if let adminKey = suite.adminKey, let httpPort = SuiteMember.gateway.httpPort {
      let grpc = "127.0.0.1:\(port(SuiteMember.gateway.grpcPort))"
      let http = "http://127.0.0.1:\(port(httpPort))"
      let adminFile = Self.shellQuoted(adminKeyFile.path)
      let demoFile = Self.shellQuoted(demoKeyFile.path)
      say("")
      say("The gateway is the way in for clients: gRPC \(grpc), JSON \(http).")
      say("  admin API key:          \(adminKey)")
      say("                          (saved in \(adminKeyFile.path), readable by you only)")
      if suite.demoKeySaved {
        say("  demo traveller's key:   saved in \(demoKeyFile.path)")
      }
      say("")
      say("Try it: gRPC with the CLI (the admin API), JSON with curl:")
      say("  export LOYALTY_GATEWAY_TARGET=\(grpc)")
      say("  export LOYALTY_API_KEY_FILE=\(adminFile)")
      say("  \(loyalty) gateway routing")
      say("  \(loyalty) gateway upstreams")
      say("  \(loyalty) keys create --subject alice --role traveler --label 'Alice, mobile app'")
      say("  \(loyalty) keys list")
      say("  \(loyalty) graph stats")
      if suite.demoKeySaved {
        say("  \(loyalty) ask --api-key-file \(demoFile) 'How many AAdvantage miles do I earn on BA from LHR to JFK in I class?'")
        say("  \(loyalty) advisor earnings --api-key-file \(demoFile) --segment AA50:DFW-LHR:O:2026-12-01 --segment AA51:LHR-DFW:O:2026-12-08 --base-fare 1436 --fees 458")
        say("  curl -s -H \"x-api-key: $(cat \(demoFile))\" \(http)/v1/profiles/\(SuiteLauncher.demoTraveler)")
      }
      say("  curl -s -H \"x-api-key: $(cat \(adminFile))\" \(http)/v1/profiles")
      if runs(SuiteMember.ingestion) {
        say("  \(loyalty) ingest submit partners.html --key programs/aa/partners.html --url https://www.aa.com/partners --wait")
        say("  \(loyalty) ingest runs")
        say("  curl -s -H \"x-api-key: $(cat \(adminFile))\" \(http)/v1/ingestion/runs")
      }
      if runs(SuiteMember.backup) {
        say("  curl -s -H \"x-api-key: $(cat \(adminFile))\" \(http)/v1/backups/status")
      }
      say("  \(loyalty) health --target \(grpc)")
    }
    if runs(SuiteMember.profile) || runs(SuiteMember.backup) {
      say("")
      say("Or call the services directly (the CLI signs as admin with the suite's internal secret):")
      say("  export LOYALTY_INTERNAL_SECRET_FILE=\(Self.shellQuoted(secretFile.path))")
    }
    if runs(SuiteMember.profile) {
      say("  export LOYALTY_PROFILE_TARGET=127.0.0.1:\(port(SuiteMember.profile.grpcPort))")
      say("  \(loyalty) profile get \(SuiteLauncher.demoTraveler)")
      say("  \(loyalty) health --target 127.0.0.1:\(port(SuiteMember.profile.grpcPort))")
    }
    if runs(SuiteMember.ingestion) {
      say("")
      say("ingestion-service (127.0.0.1:\(port(SuiteMember.ingestion.grpcPort))) turns pages curators upload into graph facts:")
      say("  landing zone:           \(memberDataDirectory(SuiteMember.ingestion).path) (every version of every page)")
      say("  upload and follow:      \(loyalty) ingest submit FILE... --key PREFIX/ --wait")
      say("  review:                 \(loyalty) ingest runs --state needs-review, then ingest approve|reject RUN")
    }
    if runs(SuiteMember.backup) {
      let backup = "127.0.0.1:\(port(SuiteMember.backup.grpcPort))"
      let backedUp = runs(SuiteMember.ingestion) ? "profiles, the graph and ingested documents" : "profiles and the graph"
      say("")
      say("backup-service (\(backup)) keeps every change to \(backedUp), encrypted:")
      say("  primary target:         \(backupPrimaryTarget.path)")
      say("  DR copy:                \(backupDRTarget.path) (standing in for a second region)")
      say("  backup key:             \(backupKeyFile.path) (keep a copy elsewhere)")
      say("  status:                 \(loyalty) backup status --target \(backup)")
    }
    say("Press Ctrl-C to stop every service.")
  }

  /// `text` as one shell word.
  static func shellQuoted(_ text: String) -> String {
    let plain = text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-+:=@,".contains($0)) }
    return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  // MARK: Stopping

  /// SIGTERM to each member in reverse start order (the gateway before the services it
  /// calls), waiting up to 15 s for each to finish its calls in flight.
  static func stopAll(_ running: [RunningMember]) async {
    for member in running.reversed() {
      let process = member.process
      guard process.isRunning else { continue }
      process.terminate()
      let deadline = ContinuousClock.now + .seconds(15)
      while process.isRunning && ContinuousClock.now < deadline {
        try? await Task.sleep(for: .milliseconds(50))
      }
      if process.isRunning {
        printError("\(member.member.executable) did not stop within 15 s; killing it")
        kill(process.processIdentifier, SIGKILL)
      }
    }
  }

  static func ownDirectory() -> URL {
    URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
  }

  /// `byteCount` random bytes, base64, readable by the owner only; an existing file is never
  /// replaced. Returns whether the file was created.
  @discardableResult
  static func ensureSecret(at url: URL, byteCount: Int = 48) throws -> Bool {
    guard !FileManager.default.fileExists(atPath: url.path) else { return false }
    var generator = SystemRandomNumberGenerator()
    let bytes = (0..<byteCount).map { _ in UInt8.random(in: 0...255, using: &generator) }
    return try writePrivateFile(url, contents: Data(bytes).base64EncodedString() + "\n", replacing: false)
  }
}

/// A started member and its process.
struct RunningMember: @unchecked Sendable {
  let member: SuiteMember
  /// Only read (`isRunning`, `terminate`, the pid) after start.
  let process: Process
}

enum SuiteEvent: Sendable {
  case signal(String)
  case exited(String, Int32)
}

/// Writes a line straight to standard output, unbuffered, so that progress shows at once
/// even when the output is a file or a pipe.
func say(_ line: String) {
  FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
