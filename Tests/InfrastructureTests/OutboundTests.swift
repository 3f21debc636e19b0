import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import Outbound
import Pooling
import Synchronization
import Testing

/// Outbound HTTP behind its request-forgery guard: which addresses are refused, URLs checked
/// before anything is resolved, the host resolved and checked before connecting, and calls to a
/// listed local host made for real (headers, body, status), redirects not followed.
@Suite("Outbound HTTP")
struct OutboundTests {
    static func address(_ text: String) throws -> [UInt8] {
        try #require(try OutboundHTTP.resolve(text).first)
    }

    @Test("addresses: loopback, private, shared, link-local (metadata), multicast, reserved and IPv4 inside IPv6 refused; public ones pass",
          arguments: [
              ("127.0.0.1", false), ("10.1.2.3", false), ("172.16.0.1", false), ("172.31.255.255", false), ("172.32.0.1", true),
              ("192.168.1.1", false), ("169.254.169.254", false), ("100.64.0.1", false), ("100.128.0.1", true), ("0.0.0.0", false),
              ("224.0.0.1", false), ("255.255.255.255", false), ("198.18.0.1", false), ("203.0.113.5", false), ("8.8.8.8", true),
              ("93.184.216.34", true), ("::1", false), ("::", false), ("::ffff:127.0.0.1", false), ("::ffff:8.8.8.8", true),
              ("fd00:ec2::254", false), ("fe80::1", false), ("ff02::1", false), ("64:ff9b::a00:1", false), ("2002:7f00:1::", false),
              ("2001:db8::1", false), ("2606:4700:4700::1111", true), ("2001:0:4136:e378:8000:63bf:3fff:fdd2", false),
              ("64:ff9b:1::a00:1", false), ("64:ff9b:1:ffff::808:808", false), ("2001:4860:4860::8888", true),
          ])
    func addresses(_ text: String, _ allowed: Bool) throws {
        let reason = AddressPolicy.refusal(try Self.address(text))
        #expect((reason == nil) == allowed, "\(text): \(reason ?? "allowed")")
    }

    @Test("URLs: https only, no credentials, absolute; a host resolving to loopback refused before any connection unless listed")
    func urls() async throws {
        let threads = BlockingWorkPool(name: "outbound-test", threads: 1)
        let guarded = OutboundHTTP(policy: AddressPolicy(), threads: threads)
        for (url, expected) in [("http://example.com/hook", "only https:// URLs are called"), ("ftp://example.com/", "only https:// URLs are called"),
                                ("https://user:secret@example.com/", "credentials do not belong in the URL"), ("/relative", "not an absolute URL")] {
            await #expect(throws: OutboundError.refused(expected)) { try await guarded.check(url: url) }
        }
        // Refused without saying what the name resolves to.
        await #expect(throws: OutboundError.refused("localhost is not an address the platform calls (public addresses only)")) {
            try await guarded.check(url: "https://localhost:8443/hook")
        }
        await #expect(throws: OutboundError.refused("169.254.169.254 is not an address the platform calls (public addresses only)")) {
            try await guarded.check(url: "https://169.254.169.254/latest/meta-data/")
        }
        let listed = OutboundHTTP(policy: AddressPolicy(allowedHosts: ["localhost"]), threads: threads)
        try await listed.check(url: "https://localhost:8443/hook")
        try await listed.check(url: "http://localhost:8080/hook")
        await threads.shutdown()
    }

    @Test("calls: headers and body delivered to a listed local host, status and answer read back, redirects not followed, refused hosts never called")
    func calls() async throws {
        let received = Mutex<[(path: String, signature: String?, body: String)]>([])
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            received.withLock { $0.append(("/hook", request.headers[HTTPField.Name("X-Signature")!], String(buffer: body))) }
            return Response(status: .created, body: .init(byteBuffer: ByteBuffer(string: "thanks")))
        }
        router.post("/moved") { _, _ -> Response in
            Response(status: .found, headers: [.location: "/hook"])
        }
        router.get("/large") { _, _ -> Response in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "x"), count: 200_000)))
        }
        let threads = BlockingWorkPool(name: "outbound-test", threads: 2)
        try await Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0))).test(.live) { client in
            let base = "http://127.0.0.1:\(try #require(client.port))"
            let listed = OutboundHTTP(policy: AddressPolicy(allowedHosts: ["127.0.0.1"]), threads: threads)
            let answer = try await listed.send(OutboundRequest(url: "\(base)/hook", headers: [("Content-Type", "application/json"), ("X-Signature", "t=1,v1=ab")],
                                                               body: Data(#"{"event":"test"}"#.utf8)))
            #expect(answer.status == 201 && String(decoding: answer.body, as: UTF8.self) == "thanks" && answer.address == "127.0.0.1")
            #expect(received.withLock { $0.map(\.body) } == [#"{"event":"test"}"#] && received.withLock { $0.first?.signature } == "t=1,v1=ab")

            let moved = try await listed.send(OutboundRequest(url: "\(base)/moved", body: Data("{}".utf8)))
            #expect(moved.status == 302 && received.withLock { $0.count } == 1, "the redirect is answered, not followed")
            let large = try await listed.send(OutboundRequest(method: "GET", url: "\(base)/large"))
            #expect(large.status == 200 && large.body.count == OutboundHTTP.responseLimit)

            // Not listed: refused before connecting, and plain HTTP is for listed hosts only.
            let guarded = OutboundHTTP(policy: AddressPolicy(), threads: threads)
            await #expect(throws: OutboundError.refused("only https:// URLs are called")) {
                _ = try await guarded.send(OutboundRequest(url: "\(base)/hook", body: Data("{}".utf8)))
            }
            await #expect(throws: OutboundError.self) {
                _ = try await guarded.send(OutboundRequest(url: "https://127.0.0.1:\(client.port!)/hook", body: Data("{}".utf8)))
            }
            #expect(received.withLock { $0.count } == 1)
        }
        // Nothing listening: no answer, worth another attempt.
        let listed = OutboundHTTP(policy: AddressPolicy(allowedHosts: ["127.0.0.1"]), threads: threads)
        do {
            _ = try await listed.send(OutboundRequest(url: "http://127.0.0.1:9/hook", body: Data("{}".utf8), timeoutMilliseconds: 2_000))
            Issue.record("a call to a closed port answered")
        } catch let error as OutboundError {
            guard case .unreachable = error else { Issue.record("expected unreachable, got \(error)"); return }
        }
        await threads.shutdown()
    }
}
