import CCurl
import Foundation
import NIOPosix

/// Where and how to reach an SMTP server.
public struct SMTPConfiguration: Sendable, Equatable {
    public enum Security: String, Sendable {
        /// No TLS (a local relay).
        case none
        /// Plain connection upgraded with STARTTLS, required.
        case startTLS
        /// TLS from the first byte (`smtps`, usually port 465).
        case implicitTLS
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    public var connectTimeoutMilliseconds: Int
    public var timeoutMilliseconds: Int
    /// PEM file of the certificate authorities to trust for TLS (default: the system's).
    public var caFile: String?

    public init(
        host: String, port: Int, security: Security = .none, username: String? = nil, password: String? = nil,
        connectTimeoutMilliseconds: Int = 10_000, timeoutMilliseconds: Int = 60_000, caFile: String? = nil
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.connectTimeoutMilliseconds = connectTimeoutMilliseconds
        self.timeoutMilliseconds = timeoutMilliseconds
        self.caFile = caFile
    }

    /// Parses `smtp://[user:password@]host[:port]` (no TLS), `smtp+starttls://...` (STARTTLS
    /// required) or `smtps://...` (implicit TLS).
    public init(url: String) throws {
        guard let components = URLComponents(string: url), let scheme = components.scheme, let host = components.host, !host.isEmpty else {
            throw MailError(isTransient: false, message: "SMTP_URL must look like smtp://[user:password@]host[:port]")
        }
        let security: Security
        let defaultPort: Int
        switch scheme {
        case "smtp": (security, defaultPort) = (.none, 25)
        case "smtp+starttls": (security, defaultPort) = (.startTLS, 587)
        case "smtps": (security, defaultPort) = (.implicitTLS, 465)
        default: throw MailError(isTransient: false, message: "SMTP_URL scheme must be smtp, smtp+starttls or smtps")
        }
        self.init(
            host: host, port: components.port ?? defaultPort, security: security,
            username: components.user?.removingPercentEncoding, password: components.password?.removingPercentEncoding)
    }
}

/// Sends mail over SMTP with libcurl, on its own threads (libcurl's easy interface blocks).
public final class SMTPTransport: MailTransport {
    public let configuration: SMTPConfiguration
    private let threads: NIOThreadPool

    /// - Parameter concurrentDeliveries: how many messages may be in flight at once.
    public init(configuration: SMTPConfiguration, concurrentDeliveries: Int = 4) {
        _ = Self.globalInit
        self.configuration = configuration
        threads = NIOThreadPool(numberOfThreads: concurrentDeliveries)
        threads.start()
    }

    deinit {
        threads.shutdownGracefully { _ in }
    }

    // curl_global_init is not thread-safe: run it once, before any handle exists.
    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    public func send(_ message: MailMessage) async throws {
        let configuration = self.configuration
        let bytes = MIMEEncoder.encode(message)
        try await threads.runIfActive {
            try Self.deliver(bytes, from: message.from.email, to: message.recipients.map(\.email), configuration: configuration)
        }
    }

    private final class Upload {
        let bytes: [UInt8]
        var offset = 0
        init(_ data: Data) { bytes = [UInt8](data) }
    }

    private static func deliver(_ data: Data, from sender: String, to recipients: [String], configuration: SMTPConfiguration) throws {
        guard let handle = curl_easy_init() else { throw MailError(isTransient: true, message: "curl_easy_init failed") }
        defer { curl_easy_cleanup(handle) }
        var recipientList: UnsafeMutablePointer<curl_slist>? = nil
        for recipient in recipients { recipientList = curl_slist_append(recipientList, "<\(recipient)>") }
        defer { curl_slist_free_all(recipientList) }

        let scheme = configuration.security == .implicitTLS ? "smtps" : "smtp"
        let host = configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host
        gp_curl_set_string(handle, CURLOPT_URL, "\(scheme)://\(host):\(configuration.port)")
        gp_curl_set_string(handle, CURLOPT_MAIL_FROM, "<\(sender)>")
        gp_curl_set_slist(handle, CURLOPT_MAIL_RCPT, recipientList)
        gp_curl_set_long(handle, CURLOPT_UPLOAD, 1)
        gp_curl_set_long(handle, CURLOPT_NOSIGNAL, 1)
        gp_curl_set_long(handle, CURLOPT_CONNECTTIMEOUT_MS, configuration.connectTimeoutMilliseconds)
        gp_curl_set_long(handle, CURLOPT_TIMEOUT_MS, configuration.timeoutMilliseconds)
        if configuration.security == .startTLS { gp_curl_set_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        if let username = configuration.username { gp_curl_set_string(handle, CURLOPT_USERNAME, username) }
        if let password = configuration.password { gp_curl_set_string(handle, CURLOPT_PASSWORD, password) }
        if let caFile = configuration.caFile { gp_curl_set_string(handle, CURLOPT_CAINFO, caFile) }

        let upload = Upload(data)
        let code: CURLcode = withExtendedLifetime(upload) {
            gp_curl_set_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(upload).toOpaque())
            gp_curl_set_read_function(handle) { buffer, size, count, context in
                let upload = Unmanaged<Upload>.fromOpaque(context!).takeUnretainedValue()
                let length = min(size * count, upload.bytes.count - upload.offset)
                guard length > 0, let buffer else { return 0 }
                upload.bytes.withUnsafeBufferPointer { source in
                    UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + upload.offset, byteCount: length)
                }
                upload.offset += length
                return length
            }
            return curl_easy_perform(handle)
        }
        guard code != CURLE_OK else { return }

        var reply = 0
        gp_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &reply)
        let description = String(cString: curl_easy_strerror(code))
        if reply >= 500 {
            throw MailError(isTransient: false, smtpCode: reply, message: description)
        }
        if reply >= 400 {
            throw MailError(isTransient: true, smtpCode: reply, message: description)
        }
        let permanent: Set<UInt32> = [CURLE_LOGIN_DENIED.rawValue, CURLE_URL_MALFORMAT.rawValue, CURLE_UNSUPPORTED_PROTOCOL.rawValue]
        throw MailError(isTransient: !permanent.contains(code.rawValue), smtpCode: reply == 0 ? nil : reply, message: description)
    }
}
