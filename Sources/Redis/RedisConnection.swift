import CHiredis
import Foundation
import Pooling

/// One blocking hiredis connection. Used only through ``RedisClient``, on its thread pool.
public final class RedisConnection: PooledResource, @unchecked Sendable {
    // Invariant: leased to one task at a time, each call on one pool thread.
    private let context: UnsafeMutablePointer<redisContext>
    private let commandTimeout: Double

    /// Connects, authenticates and selects the database; blocking.
    public init(configuration: RedisConfiguration) throws {
        guard let context = redisConnectWithTimeout(configuration.host, Int32(configuration.port),
                                                    timeval(seconds: configuration.connectTimeoutSeconds)) else {
            throw RedisError(kind: .connection, message: "out of memory")
        }
        if context.pointee.err != 0 {
            let message = Self.errorText(context)
            redisFree(context)
            throw RedisError(kind: .connection, message: "\(configuration.host):\(configuration.port): \(message)")
        }
        self.context = context
        commandTimeout = configuration.commandTimeoutSeconds
        redisSetTimeout(context, timeval(seconds: commandTimeout))
        do {
            if let password = configuration.password { try expectOK(command(["AUTH", password])) }
            if configuration.database != 0 { try expectOK(command(["SELECT", String(configuration.database)])) }
        } catch {
            redisFree(context)
            throw error
        }
    }

    private func expectOK(_ value: RedisValue) throws {
        if case .error(let message) = value { throw RedisError(kind: .reply, message: message) }
    }

    public func isHealthy() -> Bool {
        guard context.pointee.err == 0 else { return false }
        // An idle connection has nothing to read: replies come only after commands, and a lease
        // reads every reply of its commands. Anything readable here is the server closing the
        // socket (a restart, a timeout, CLIENT KILL), so the connection is replaced before use.
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    public func close() { redisFree(context) }

    /// Sends one command and waits for its reply; blocking. Error replies are returned as
    /// ``RedisValue/error(_:)``, not thrown.
    ///
    /// - Parameter blockingSeconds: for blocking commands (BLMOVE...), how long the server may
    ///   hold the reply; the socket timeout is extended by that much.
    public func command(_ arguments: [String], blockingSeconds: Double = 0) throws -> RedisValue {
        if blockingSeconds > 0 { redisSetTimeout(context, timeval(seconds: commandTimeout + blockingSeconds)) }
        defer { if blockingSeconds > 0 { redisSetTimeout(context, timeval(seconds: commandTimeout)) } }
        let reply = withArguments(arguments) { argc, argv, lengths in
            redisCommandArgv(context, argc, argv, lengths)
        }
        guard let reply else { throw RedisError(kind: .connection, message: Self.errorText(context)) }
        defer { freeReplyObject(reply) }
        return Self.value(of: reply.assumingMemoryBound(to: redisReply.self))
    }

    /// Sends several commands in one round trip and returns their replies in order; blocking.
    public func pipeline(_ commands: [[String]]) throws -> [RedisValue] {
        for arguments in commands {
            let status = withArguments(arguments) { argc, argv, lengths in
                redisAppendCommandArgv(context, argc, argv, lengths)
            }
            guard status == REDIS_OK else { throw RedisError(kind: .connection, message: Self.errorText(context)) }
        }
        var replies: [RedisValue] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var reply: UnsafeMutableRawPointer?
            guard redisGetReply(context, &reply) == REDIS_OK, let reply else {
                throw RedisError(kind: .connection, message: Self.errorText(context))
            }
            replies.append(Self.value(of: reply.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(reply)
        }
        return replies
    }

    private func withArguments<R>(_ arguments: [String], _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) -> R {
        // hiredis takes a pointer and a length per argument, so values are binary-safe.
        var lengths: [Int] = []
        var pointers: [UnsafePointer<CChar>?] = []
        lengths.reserveCapacity(arguments.count)
        pointers.reserveCapacity(arguments.count)
        for argument in arguments {
            var utf8 = argument.utf8CString
            let count = utf8.count - 1
            let copy = UnsafeMutablePointer<CChar>.allocate(capacity: count + 1)
            utf8.withUnsafeMutableBufferPointer { copy.initialize(from: $0.baseAddress!, count: count + 1) }
            pointers.append(UnsafePointer(copy))
            lengths.append(count)
        }
        defer { for pointer in pointers { UnsafeMutablePointer(mutating: pointer)?.deallocate() } }
        return pointers.withUnsafeMutableBufferPointer { argv in
            body(Int32(arguments.count), argv.baseAddress!, lengths)
        }
    }

    private static func value(of reply: UnsafeMutablePointer<redisReply>) -> RedisValue {
        let reply = reply.pointee
        switch reply.type {
        case REDIS_REPLY_STRING:
            let bytes = UnsafeRawBufferPointer(start: reply.str, count: reply.len)
            return .string(String(decoding: bytes, as: UTF8.self))
        case REDIS_REPLY_STATUS:
            return .status(String(cString: reply.str))
        case REDIS_REPLY_ERROR:
            return .error(String(cString: reply.str))
        case REDIS_REPLY_INTEGER:
            return .integer(Int(reply.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<reply.elements).map { value(of: reply.element[$0]!) })
        default:
            return .null
        }
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }
}

extension timeval {
    init(seconds: Double) {
        let whole = Int(seconds)
        self.init(tv_sec: whole, tv_usec: Int((seconds - Double(whole)) * 1_000_000))
    }
}
