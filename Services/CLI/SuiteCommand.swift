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
  var healthService: String

  static let all: [SuiteMember] = [
    SuiteMember(
      name: "profile", executable: "profile-service", grpcPort: 50052, adminPort: 9052,
      healthService: "loyalty.profile.v1.ProfileService")
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
      abstract: "Starts every service on loopback with one data folder, seeds it on first start, and stops them all on Ctrl-C."
    )

    @Option(help: "Folder for every service's data, logs and the internal secret.")
    var dataDir: String = "data"

    @Option(help: "Folder holding the service executables; default: beside this one.")
    var binDir: String?

    @Option(help: "Added to every default port, to run a second suite beside the first.")
    var portOffset: Int = 0

    func validate() throws {
      guard (0...10_000).contains(portOffset) else { throw ValidationError("--port-offset must be between 0 and 10000") }
    }

    func run() async throws {
      let dataDirectory = URL(fileURLWithPath: dataDir, isDirectory: true).standardizedFileURL
      let binDirectory = binDir.map { URL(fileURLWithPath: $0, isDirectory: true) } ?? Self.ownDirectory()
      try FileManager.default.createDirectory(at: dataDirectory.appendingPathComponent("logs"), withIntermediateDirectories: true)
      let secretFile = dataDirectory.appendingPathComponent("internal-secret")
      try Self.ensureSecret(at: secretFile)

      let members = SuiteMember.all.filter {
        FileManager.default.isExecutableFile(atPath: binDirectory.appendingPathComponent($0.executable).path)
      }
      guard !members.isEmpty else {
        throw ValidationError("no service executables in \(binDirectory.path); build with 'swift build' first")
      }

      let events = AsyncStream.makeStream(of: SuiteEvent.self)
      var running: [(SuiteMember, Process)] = []
      do {
        for member in members {
          let process = try start(member, binDirectory: binDirectory, dataDirectory: dataDirectory, secretFile: secretFile, events: events.continuation)
          running.append((member, process))
          try await waitUntilServing(member, process: process, dataDirectory: dataDirectory)
        }
        try await seedIfFirstStart(dataDirectory: dataDirectory, secretFile: secretFile)
      } catch {
        await stopAll(running)
        throw error
      }

      printSummary(running.map(\.0), dataDirectory: dataDirectory, secretFile: secretFile)

      let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
      let signalTask = Task {
        for await signal in signals {
          events.continuation.yield(.signal("\(signal)"))
          break
        }
      }
      defer { signalTask.cancel() }
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
      await stopAll(running)
      say("suite stopped")
      if exitCode != 0 { throw ExitCode(exitCode) }
    }

    private func port(_ base: Int) -> Int { base + portOffset }

    private func start(
      _ member: SuiteMember, binDirectory: URL, dataDirectory: URL, secretFile: URL,
      events: AsyncStream<SuiteEvent>.Continuation
    ) throws -> Process {
      let process = Process()
      process.executableURL = binDirectory.appendingPathComponent(member.executable)
      process.arguments = [
        "--data-dir", dataDirectory.appendingPathComponent(member.name).path,
        "--internal-secret-file", secretFile.path,
        "--host", "127.0.0.1",
        "--grpc-port", "\(port(member.grpcPort))",
        "--admin-port", "\(port(member.adminPort))",
      ]
      let logURL = dataDirectory.appendingPathComponent("logs/\(member.name).log")
      if !FileManager.default.fileExists(atPath: logURL.path) {
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
      }
      let log = try FileHandle(forWritingTo: logURL)
      try log.seekToEnd()
      process.standardOutput = log
      process.standardError = log
      process.standardInput = FileHandle.nullDevice
      let name = member.name
      process.terminationHandler = { process in
        events.yield(.exited(name, process.terminationStatus))
      }
      try process.run()
      say("started \(member.executable) (pid \(process.processIdentifier)) on 127.0.0.1:\(port(member.grpcPort))")
      return process
    }

    private func waitUntilServing(_ member: SuiteMember, process: Process, dataDirectory: URL) async throws {
      let address = ServiceAddress(host: "127.0.0.1", port: port(member.grpcPort))
      let deadline = ContinuousClock.now + .seconds(60)
      while ContinuousClock.now < deadline {
        guard process.isRunning else {
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
    private func seedIfFirstStart(dataDirectory: URL, secretFile: URL) async throws {
      let marker = dataDirectory.appendingPathComponent(".seeded")
      guard !FileManager.default.fileExists(atPath: marker.path) else { return }
      let identity = try InternalIdentity(secret: RuntimeConfig.loadSecret(file: secretFile.path, inline: nil))
      let address = ServiceAddress(host: "127.0.0.1", port: port(50052))
      let demo = Loyalty_Profile_V1_Profile.with {
        $0.userID = "demo-traveler"
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
      say("seeded the demo traveller profile 'demo-traveler'")
    }

    private func printSummary(_ members: [SuiteMember], dataDirectory: URL, secretFile: URL) {
      say("")
      say("Loyalty Maximizer is running on loopback (data in \(dataDirectory.path)):")
      for member in members {
        say("  \(member.executable.padding(toLength: 18, withPad: " ", startingAt: 0)) grpc 127.0.0.1:\(port(member.grpcPort))   metrics http://127.0.0.1:\(port(member.adminPort))/metrics")
      }
      say("")
      let loyalty = Self.ownDirectory().appendingPathComponent("loyalty").path
      say("Try it (the CLI acts as admin with the suite's internal secret):")
      say("  export LOYALTY_INTERNAL_SECRET_FILE=\(secretFile.path)")
      say("  export LOYALTY_PROFILE_TARGET=127.0.0.1:\(port(50052))")
      say("  \(loyalty) profile get demo-traveler")
      say("  \(loyalty) health --target 127.0.0.1:\(port(50052))")
      say("Press Ctrl-C to stop every service.")
    }

    private func stopAll(_ running: [(SuiteMember, Process)]) async {
      for (_, process) in running.reversed() where process.isRunning {
        process.terminate()
      }
      let deadline = ContinuousClock.now + .seconds(15)
      for (member, process) in running.reversed() {
        while process.isRunning && ContinuousClock.now < deadline {
          try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
          printError("\(member.executable) did not stop within 15 s; killing it")
          kill(process.processIdentifier, SIGKILL)
        }
      }
    }

    static func ownDirectory() -> URL {
      URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// 48 random bytes, base64, readable by the owner only; kept across runs.
    static func ensureSecret(at url: URL) throws {
      guard !FileManager.default.fileExists(atPath: url.path) else { return }
      var generator = SystemRandomNumberGenerator()
      let bytes = (0..<48).map { _ in UInt8.random(in: 0...255, using: &generator) }
      let text = Data(bytes).base64EncodedString() + "\n"
      guard FileManager.default.createFile(atPath: url.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
        throw ValidationError("cannot write the internal secret to \(url.path)")
      }
    }
  }
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
