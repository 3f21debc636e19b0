import Foundation
import Logging
import Redis

/// `send_email`: delivers one stored e-mail.
struct SendEmailHandler: JobHandler {
    let delivery: EmailDelivery

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        let payload = try JobPayloadCoding.decode(SendEmailPayload.self, from: job.payload)
        let outcome = try await delivery.deliver(payload.emailId)
        logger.info("e-mail handled", metadata: ["email_id": "\(payload.emailId)", "outcome": "\(outcome)"])
    }
}

/// `render_pdf`: renders a document description and stores the PDF with its checksum.
struct RenderPDFHandler: JobHandler {
    let documents: DocumentStore

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        // A long document's payload is megabytes of JSON: decoded off the async threads too.
        let text = job.payload
        let payload = try await documents.renderingThreads.run { try JobPayloadCoding.decode(RenderPDFPayload.self, from: text) }
        let stored = try await documents.render(payload)
        logger.info("document handled", metadata: ["document_id": "\(payload.documentId)", "stored": "\(stored)"])
    }
}

/// `noop`: sleeps `sleep_ms` (default 0) and succeeds; used to check and measure the pipeline.
struct NoopHandler: JobHandler {
    struct Payload: Decodable {
        var sleepMs: Int?
    }

    func run(_ job: JobEnvelope, logger: Logger) async throws {
        guard job.payload != "{}" else { return }
        let payload = try JobPayloadCoding.decode(Payload.self, from: job.payload)
        if let milliseconds = payload.sleepMs, milliseconds > 0 {
            try await Task.sleep(for: .milliseconds(milliseconds))
        }
    }
}
