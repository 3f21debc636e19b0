import Foundation

/// A built executable of this package run as a child process, with its output kept in a file.
public final class ChildProcess: @unchecked Sendable {
    // Invariant: `process` is configured before `run()` and only read afterwards.
    public let process = Process()
    public let outputFile: URL

    /// Starts `.build/debug/<executable>` (or the program at the path `executable` when
    /// `executablePath`) with `arguments` and `environment`.
    public init(_ executable: String, _ arguments: [String], environment: [String: String], executablePath: Bool = false) throws {
        let binary = executablePath ? URL(fileURLWithPath: executable)
            : TestEnvironment.packageRoot.appendingPathComponent(".build/debug/\(executable)")
        process.executableURL = binary
        process.arguments = arguments
        process.environment = environment
        outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(binary.lastPathComponent)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: outputFile.path, contents: nil)
        let handle = try FileHandle(forWritingTo: outputFile)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits for the process to exit, up to `timeout`; returns its status, or nil if it still runs.
    public func wait(timeout: Duration = .seconds(30)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        return process.isRunning ? nil : process.terminationStatus
    }

    /// Kills the process if it still runs.
    public func stop() async {
        if process.isRunning {
            signal(SIGKILL)
            _ = await wait(timeout: .seconds(5))
        }
    }
}

/// Polls `condition` until it holds or `timeout` passes.
public func eventually(timeout: Duration = .seconds(20), every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: interval)
    }
    return try await condition()
}

/// Runs a tool of the system (pdftotext...) and returns its standard output.
public func runTool(_ path: String, _ arguments: [String], input: Data? = nil) throws -> String {
    String(decoding: try runToolData(path, arguments), as: UTF8.self)
}

/// What a tool writes on its standard output, as bytes.
public func runToolData(_ path: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return data
}

/// Whether `needles` occur in `haystack` in this order; otherwise the first one missing.
public func occursInOrder(_ needles: [String], in haystack: String) -> (Bool, String?) {
    var rest = haystack[...]
    for needle in needles {
        guard let range = rest.range(of: needle) else { return (false, needle) }
        rest = rest[range.upperBound...]
    }
    return (true, nil)
}

/// Text, page count and page sizes of a PDF, through poppler's pdftotext and pdfinfo; the
/// colours of a page through pdftoppm.
public struct PDFInspection {
    public let text: String
    public let pages: [String]
    public let info: String
    /// Width and height of each page, in points.
    public let pageSizes: [(width: Double, height: Double)]
    let pdf: Data

    public init(_ pdf: Data) throws {
        self.pdf = pdf
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).pdf")
        try pdf.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        text = try runTool("/usr/bin/pdftotext", ["-layout", "-enc", "UTF-8", file.path, "-"])
        pages = text.components(separatedBy: "\u{0C}").dropLast().map { $0 }
        info = try runTool("/usr/bin/pdfinfo", [file.path])
        // "Page    3 size: 841.89 x 595.28 pts (A4)"
        let count = info.split(separator: "\n").first { $0.hasPrefix("Pages:") }.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        pageSizes = try runTool("/usr/bin/pdfinfo", ["-f", "1", "-l", String(max(count, 1)), file.path]).split(separator: "\n")
            .filter { $0.hasPrefix("Page ") && $0.contains(" size: ") }
            .map { line in
                let numbers = line.components(separatedBy: " size: ")[1].split(separator: " ")
                return (Double(numbers[0]) ?? 0, Double(numbers[2]) ?? 0)
            }
    }

    /// The colours painted on page `page` (1-based) as `0xRRGGBB`, from a 36 dpi rendering.
    public func colours(page: Int) throws -> Set<UInt32> {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).pdf")
        try pdf.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let image = [UInt8](try runToolData("/usr/bin/pdftoppm", ["-r", "36", "-f", String(page), "-l", String(page), file.path]))
        // A binary PPM: "P6", width, height, maximum value, one whitespace, then RGB triples.
        var fields: [String] = []
        var index = 0
        while fields.count < 4, index < image.count {
            while index < image.count, image[index] == 0x20 || image[index] == 0x0A { index += 1 }
            var field = ""
            while index < image.count, image[index] != 0x20, image[index] != 0x0A {
                field.append(Character(UnicodeScalar(image[index])))
                index += 1
            }
            fields.append(field)
        }
        index += 1
        var colours = Set<UInt32>()
        while index + 2 < image.count {
            colours.insert(UInt32(image[index]) << 16 | UInt32(image[index + 1]) << 8 | UInt32(image[index + 2]))
            index += 3
        }
        return colours
    }

    public var pageCount: Int? {
        info.split(separator: "\n").first { $0.hasPrefix("Pages:") }.flatMap { Int($0.split(separator: " ").last ?? "") }
    }

    public func infoField(_ name: String) -> String? {
        info.split(separator: "\n").first { $0.hasPrefix("\(name):") }.map {
            $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
        }
    }
}

/// A redis-server of the test's own on a free port, which the test may stop and restart.
public final class PrivateRedis: @unchecked Sendable {
    // Invariant: used by one test at a time.
    public let port: Int
    private var process: Process?

    public init() throws {
        port = Int.random(in: 10_000..<14_000)
        try start()
    }

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    public func start() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestEnvironment.variable("REDIS_SERVER_BIN"))
        process.arguments = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", NSTemporaryDirectory()]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        // Wait until it accepts connections.
        for _ in 0..<100 {
            if (try? runTool("/usr/bin/redis-cli", ["-p", String(port), "ping"]))?.contains("PONG") == true { return }
            usleep(50_000)
        }
    }

    public func stop() {
        guard process != nil else { return }
        // SHUTDOWN NOSAVE answers only once the server has stopped listening.
        _ = try? runTool("/usr/bin/redis-cli", ["-p", String(port), "shutdown", "nosave"])
        for _ in 0..<100 {
            if (try? runTool("/usr/bin/redis-cli", ["-p", String(port), "ping"]))?.contains("PONG") != true { break }
            usleep(20_000)
        }
        process = nil
    }

    deinit { stop() }
}

/// A TCP port on 127.0.0.1 that accepts connections (the kernel completes the handshake) and
/// never answers a byte: a dependency that hangs rather than refuses.
public final class SilentListener: @unchecked Sendable {
    // Invariant: `descriptor` is set once in init and closed once in deinit.
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 64) == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
