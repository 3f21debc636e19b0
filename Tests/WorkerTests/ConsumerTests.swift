import Consumer
import Documents
import Domain
import Foundation
import Logging
import Mail
import Redis
import Synchronization
import Testing
import TestSupport

/// Fails every run, recording when; transient unless told otherwise.
struct FailingHandler: JobHandler {
    let recorder: Recorder
    let permanent: Bool

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        recorder.attempts.withLock { $0.append(Date()) }
        if permanent { throw PermanentJobError("cannot ever work") }
        throw CancellationError()
    }
}

final class Recorder: Sendable {
    let attempts = Mutex<[Date]>([])
    var count: Int { attempts.withLock { $0.count } }
    var times: [Date] { attempts.withLock { $0 } }
}

@Suite("Consumer")
struct ConsumerTests {
    @Test("an e-mail recorded with a change is sent once, even when its job is delivered twice")
    func emailThroughOutbox() async throws {
        let harness = try await WorkerHarness()
        let recipient = "invitee-\(TestEnvironment.uniqueName())@example.test"
        let template = try MailTemplate(subject: "Bienvenue, {{name}}", text: "Bonjour {{name}}, votre accès est prêt.", html: "<p>Bonjour {{name}}</p>")
        let (emailID, jobID) = try await harness.platform.outbox.transaction { unit -> (UUID, UUID) in
            let emailID = try await unit.sendEmail(
                OutgoingEmail(to: [MailAddress(recipient)], template: template, values: ["name": "Zoë"]), from: harness.platform.configuration.mailFrom)
            let jobID = try await unit.session.query("SELECT id FROM outbox WHERE lower(payload->>'email_id') = $1", emailID.postgresText).first!.decode("id", as: UUID.self)
            return (emailID, jobID)
        }
        // A duplicate push of the same job, as a redelivery would cause.
        try await harness.platform.queue.enqueue(JobEnvelope(id: jobID.postgresText, kind: "send_email", queue: "mail",
                                                             payload: #"{"email_id":"\#(emailID.postgresText)"}"#, tracked: true))
        harness.start()
        #expect(try await eventually { try ReceivedMailFiles.count(to: recipient) >= 1 })
        try await Task.sleep(for: .milliseconds(500))
        try await harness.stop()
        #expect(try ReceivedMailFiles.count(to: recipient) == 1)
        let email = try #require(try await harness.platform.postgres.query("SELECT sent_at, attempts, subject FROM emails WHERE id = $1", emailID).first)
        #expect(try email.decode("sent_at", as: Date?.self) != nil)
        #expect(try email.decode("attempts", as: Int.self) == 1)
        #expect(try email.decode("subject", as: String.self) == "Bienvenue, Zoë")
        let job = try await harness.outboxRow(jobID)
        #expect(try job.decode("completed_at", as: Date?.self) != nil)
        #expect(try await harness.platform.queue.length(of: "mail") == 0)
        await harness.shutdown()
    }

    @Test("render_pdf stores the PDF with its SHA-256, once")
    func renderPDF() async throws {
        let harness = try await WorkerHarness()
        let documentID = UUID()
        let document = Document(title: "Déclaration 2026", author: "Opérateur", blocks: [
            .heading(level: 1, text: "Déclaration annuelle"), .paragraph(text: "Maturité moyenne : 2,5 — révisée."),
        ])
        try await harness.platform.outbox.transaction { unit in
            try await unit.enqueue(.renderPDF, payload: RenderPDFPayload(documentId: documentID, filename: "declaration.pdf", document: document))
        }
        harness.start()
        #expect(try await eventually { try await harness.platform.documents.exists(documentID) })
        try await harness.stop()
        let stored = try #require(try await harness.platform.documents.find(documentID))
        #expect(stored.sha256 == SHA256.hex(stored.content))
        #expect(stored.filename == "declaration.pdf")
        #expect(stored.contentType == "application/pdf")
        let text = try PDFInspection(stored.content).text
        #expect(text.contains("Déclaration annuelle"))
        #expect(text.contains("Maturité moyenne : 2,5 — révisée."))
        // Rendering again under the same id keeps the first document.
        #expect(try await harness.platform.documents.render(RenderPDFPayload(documentId: documentID, filename: "other.pdf", document: document)) == false)
        #expect(try await harness.platform.documents.find(documentID)?.filename == "declaration.pdf")
        await harness.shutdown()
    }

    @Test("a document that cannot be drawn (an invalid PNG) fails for good at once, without retries")
    func undrawableDocument() async throws {
        let harness = try await WorkerHarness()
        let document = Document(title: "Broken", author: "Test", logoPNG: Data("not a png".utf8), blocks: [.paragraph(text: "Text")])
        let jobID = try await harness.platform.outbox.transaction { unit in
            try await unit.enqueue(.renderPDF, payload: RenderPDFPayload(documentId: UUID(), filename: "broken.pdf", document: document))
        }
        harness.start()
        #expect(try await eventually { try await harness.outboxRow(jobID).decode("failed_at", as: Date?.self) != nil })
        try await harness.stop()
        let row = try await harness.outboxRow(jobID)
        #expect(try row.decode("attempts", as: Int.self) == 1)
        #expect(try row.decode("last_error", as: String?.self)?.contains("cannot be drawn") == true)
        #expect(try await harness.platform.queue.delayedCount() == 0)
        #expect(try await harness.platform.queue.deadJobs().map(\.id) == [jobID.postgresText])
        await harness.shutdown()
    }

    @Test("a consumer serving two queues takes the jobs of the busy one without waiting on the empty one")
    func busyAndEmptyQueues() async throws {
        let harness = try await WorkerHarness()
        var ids: [UUID] = []
        for _ in 0..<10 {
            ids.append(try await harness.platform.outbox.transaction { unit in try await unit.enqueue(.noop, payload: ["sleep_ms": 0], queue: "mail") })
        }
        // One slot, which waits on "default" when every queue is empty, 12 s at a time: serving
        // "mail" must never wait that out.
        harness.start(concurrency: 1, queues: ["default", "mail"], popTimeoutSeconds: 12)
        let done = try await eventually(timeout: .seconds(6)) {
            try await harness.platform.postgres.query("SELECT 1 FROM outbox WHERE id = ANY($1::uuid[]) AND completed_at IS NOT NULL", ids).count == 10
        }
        #expect(done)
        // A job on the queue the slot waits on ends its wait, so the consumer stops at once.
        try await harness.platform.outbox.transaction { unit in try await unit.enqueue(.noop, payload: ["sleep_ms": 0]) }
        try await harness.stop()
        await harness.shutdown()
    }

    @Test("a failing job is retried with exponential backoff, then moved to the dead letter and recorded")
    func retriesThenDeadLetter() async throws {
        let harness = try await WorkerHarness()
        let recorder = Recorder()
        var handlers = JobHandlerRegistry()
        handlers.register(.noop, FailingHandler(recorder: recorder, permanent: false))
        let jobID = try await harness.platform.outbox.transaction { unit in try await unit.enqueue(.noop, payload: ["sleep_ms": 0]) }
        let policy = RetryPolicy(maximumAttempts: 4, baseDelayMilliseconds: 300, maximumDelayMilliseconds: 10_000)
        harness.start(handlers: handlers, beat: true, retryPolicy: policy)
        #expect(try await eventually(timeout: .seconds(15)) { try await harness.outboxRow(jobID).decode("failed_at", as: Date?.self) != nil })
        try await harness.stop()
        let times = recorder.times
        #expect(times.count == 4)
        // Gaps follow the backoff: at least half of 300, 600 and 1200 ms (the jitter's floor). The
        // upper bound only catches a runaway delay: with the whole suite running on two cores, the
        // promotion of a delayed job has been seen to lag by 3 s.
        let gaps = zip(times, times.dropFirst()).map { $1.timeIntervalSince($0) }
        for (gap, ceiling) in zip(gaps, [0.3, 0.6, 1.2]) {
            #expect(gap >= ceiling / 2 - 0.01, "gap \(gap) for ceiling \(ceiling)")
            #expect(gap <= ceiling + 5, "gap \(gap) for ceiling \(ceiling)")
        }
        let dead = try await harness.platform.queue.deadJobs()
        #expect(dead.map(\.id) == [jobID.postgresText])
        #expect(dead.first?.attempt == 4)
        let row = try await harness.outboxRow(jobID)
        #expect(try row.decode("attempts", as: Int.self) == 4)
        #expect(try row.decode("last_error", as: String?.self)?.contains("CancellationError") == true)
        await harness.shutdown()
    }

    @Test("a permanent failure goes to the dead letter at once")
    func permanentFailure() async throws {
        let harness = try await WorkerHarness()
        let recorder = Recorder()
        var handlers = JobHandlerRegistry()
        handlers.register(.noop, FailingHandler(recorder: recorder, permanent: true))
        let jobID = try await harness.platform.outbox.transaction { unit in try await unit.enqueue(.noop, payload: ["sleep_ms": 0]) }
        harness.start(handlers: handlers)
        #expect(try await eventually { try await harness.outboxRow(jobID).decode("failed_at", as: Date?.self) != nil })
        try await harness.stop()
        #expect(recorder.count == 1)
        #expect(try await harness.platform.queue.deadJobs().first?.lastError == "cannot ever work")
        #expect(try await harness.platform.queue.delayedCount() == 0)
        await harness.shutdown()
    }

    @Test("graceful shutdown lets the running job finish and deregisters the consumer")
    func gracefulShutdown() async throws {
        let harness = try await WorkerHarness()
        let jobID = try await harness.platform.outbox.transaction { unit in try await unit.enqueue(.noop, payload: ["sleep_ms": 800]) }
        harness.start(consumerID: "graceful")
        #expect(try await eventually { try await harness.outboxRow(jobID).decode("attempts", as: Int.self) == 1 })
        try await harness.stop()
        #expect(try await harness.outboxRow(jobID).decode("completed_at", as: Date?.self) != nil)
        let consumers = try await harness.platform.redis.send("HKEYS", "\(harness.platform.queue.prefix):consumers").array ?? []
        #expect(!consumers.contains(.string("graceful")))
        await harness.shutdown()
    }

    @Test("work accepted while Redis is down is delivered by the outbox sweep once Redis is back")
    func redisOutage() async throws {
        let redis = try PrivateRedis()
        let harness = try await WorkerHarness(overrides: ["REDIS_URL": redis.url, "OUTBOX_DISPATCH_GRACE_SECONDS": "0"])
        redis.stop()
        let jobID = try await harness.platform.outbox.transaction { unit in try await unit.enqueue(.noop, payload: ["sleep_ms": 0]) }
        let row = try await harness.outboxRow(jobID)
        #expect(try row.decode("dispatched_at", as: Date?.self) == nil)
        await #expect(throws: (any Error).self) { try await harness.platform.outbox.sweep(graceSeconds: 0, redispatchAfterSeconds: 60) }
        try redis.start()
        harness.start(beat: true)
        #expect(try await eventually { try await harness.outboxRow(jobID).decode("completed_at", as: Date?.self) != nil })
        try await harness.stop()
        #expect(try await harness.outboxRow(jobID).decode("attempts", as: Int.self) == 1)
        await harness.shutdown()
    }
}

enum ReceivedMailFiles {
    /// Messages the test SMTP server accepted for `recipient`.
    static func count(to recipient: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(at: TestEnvironment.smtpDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }
            .filter { (try? String(contentsOf: $0, encoding: .utf8))?.contains(recipient) == true }
            .count
    }
}
