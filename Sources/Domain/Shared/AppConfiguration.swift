import Foundation
import Logging
import Mail
import Outbound
import Pooling
import Postgres
import Redis

/// Everything the API and the worker read from the environment, validated at start.
///
/// Every variable has a default that works on one machine (`scripts/serve`); an invalid value
/// stops the process with a message naming the variable.
public struct AppConfiguration: Sendable {
    public enum LogFormat: String, Sendable { case text, json }

    public var postgres: PostgresConfiguration
    public var redis: RedisConfiguration
    /// `nil`: write `.eml` files into ``mailDirectory``.
    public var smtp: SMTPConfiguration?
    public var mailDirectory: URL
    public var mailFrom: MailAddress
    public var publicURL: String
    /// At least 32 characters; keys derived from it encrypt secrets at rest (TOTP secrets).
    public var secretKey: String
    public var logLevel: Logger.Level
    public var logFormat: LogFormat
    public var host: String
    public var port: Int
    public var maxBodyBytes: Int
    public var queuePrefix: String
    public var retryPolicy: RetryPolicy
    public var consumerHeartbeatTTLMilliseconds: Int
    public var beatLeaderTTLMilliseconds: Int
    public var beatTickMilliseconds: Int
    public var outboxDispatchGraceSeconds: Int
    public var outboxRedispatchAfterSeconds: Int
    public var shutdownGraceSeconds: Int
    public var auth: AuthSettings
    /// Password hashes computed at once (each takes a core for about 0.3 s); more wait their turn.
    /// Half the cores by default: a login storm never holds more than half the machine.
    public var passwordHashThreads: Int
    /// How long audit entries are kept.
    public var auditRetention: Duration
    /// Incidents one user may notify per day (UTC); each incident of a notification counts.
    public var incidentDailyLimit: Int = 20
    /// How often the beat sweeps deadlines (overdue reports, reminders).
    public var incidentSweepSeconds: Int = 60
    /// Closed incidents are deleted this long after they were notified.
    public var incidentRetention: Duration = .seconds(86_400 * 1825)
    /// Declarations are deleted (every version) this long after their latest version was created.
    public var declarationRetention: Duration = .seconds(86_400 * 1825)
    /// Where links in e-mails lead (`FRONTEND_URL` and its path templates).
    public var frontend = FrontendLinks(base: "http://localhost:8080")
    /// The zone of the dates in documents that have none of their own (declarations); an
    /// incident's documents use the incident's.
    public var documentTimeZone = TimeZone(identifier: "Europe/Luxembourg") ?? TimeZone(identifier: "UTC") ?? .current
    /// The body limit of the file imports (standard sheets, declaration workbooks), which may
    /// exceed `maxBodyBytes`.
    public var importMaxBytes: Int = 16 * 1_048_576
    /// Standard sheets larger than this are imported by the worker (202 and a job to follow).
    public var importInlineBytes: Int = 262_144
    /// Hosts outbound calls (RT, webhooks) may reach whatever they resolve to, and over plain
    /// HTTP: for tests and on-premise systems. Everything else must be HTTPS to a public address.
    public var outboundPolicy = AddressPolicy()
    /// A webhook whose deliveries keep failing this long is switched off (0: at the first
    /// delivery that fails for good).
    public var webhookDisableAfter: Duration = .seconds(72 * 3600)
    /// How long webhook deliveries and RT messages are kept once finished.
    public var deliveryLogRetention: Duration = .seconds(86_400 * 30)
    /// Swagger UI's files (`swagger-ui-bundle.js`, `swagger-ui.css`) for `GET /docs`; `nil`: no page.
    public var docsDirectory: URL?
    /// Browser origins (`https://app.example.org`) allowed to call the API; none by default.
    public var corsAllowedOrigins: [String] = []
    /// Requests per window and bearer token, and per client address (0: no limit).
    public var rateLimit = RequestRateLimit.Settings()
    /// How long finished jobs (done or discarded) stay on record.
    public var jobRetention: Duration = .seconds(86_400 * 30)
    /// Outbound calls made at once per process; more wait their turn.
    public var outboundThreads: Int = 8
    /// How many proxies of one's own append to `X-Forwarded-For` in front of the API: the
    /// client address is the entry that many places from the right (0: the socket's address,
    /// the header ignored). Entries further left are whatever the client sent.
    public var trustedProxyHops: Int
    /// When set, `GET /metrics` (of the API and of the worker) answers only requests bearing
    /// `Authorization: Bearer <token>`.
    public var metricsToken: String?
    /// Without a token, whether `GET /metrics` is open to anyone (`METRICS_PUBLIC`); closed
    /// otherwise.
    public var metricsPublic = false
    /// Who may read `GET /metrics`.
    public var metricsAccess: MetricsAccess { MetricsAccess(token: metricsToken, isPublic: metricsPublic) }
    /// Where `governance-worker` serves `GET /metrics` (and `GET /health`); `nil`: not at all.
    public var workerMetricsPort: Int?

    /// Reads and validates the configuration.
    ///
    /// - Throws: ``ConfigurationError`` listing every invalid variable at once.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> AppConfiguration {
        var reader = EnvironmentReader(environment)
        let databaseURL = reader.string("DATABASE_URL", default: "postgres://governance:governance@127.0.0.1:5432/governance")
        if !(databaseURL.hasPrefix("postgres://") || databaseURL.hasPrefix("postgresql://")) {
            reader.fail("DATABASE_URL", "must start with postgres:// or postgresql://")
        }
        let postgres = PostgresConfiguration(
            url: databaseURL,
            poolSize: reader.integer("DATABASE_POOL_SIZE", default: 10, in: 1...500),
            connectTimeoutSeconds: reader.integer("DATABASE_CONNECT_TIMEOUT_SECONDS", default: 5, in: 2...120),
            statementTimeoutMilliseconds: reader.integer("DATABASE_STATEMENT_TIMEOUT_MS", default: 30_000, in: 0...3_600_000))

        var redis = RedisConfiguration()
        let redisURL = reader.string("REDIS_URL", default: "redis://127.0.0.1:6379/0")
        do {
            redis = try RedisConfiguration(url: redisURL)
        } catch {
            reader.fail("REDIS_URL", "must look like redis://[:password@]host[:port][/db]")
        }
        redis.poolSize = reader.integer("REDIS_POOL_SIZE", default: 16, in: 1...1000)

        var smtp: SMTPConfiguration?
        if let url = reader.optional("SMTP_URL") {
            do {
                smtp = try SMTPConfiguration(url: url)
                smtp?.caFile = reader.optional("SMTP_CA_FILE")
            } catch {
                reader.fail("SMTP_URL", "must look like smtp://, smtp+starttls:// or smtps://[user:password@]host[:port]")
            }
        }
        let mailFromAddress = reader.string("MAIL_FROM", default: "noreply@governance.localhost")
        if !mailFromAddress.contains("@") { reader.fail("MAIL_FROM", "must be an e-mail address") }

        let secretKey = reader.optional("SECRET_KEY") ?? ""
        if secretKey.isEmpty {
            reader.fail("SECRET_KEY", "is required: at least 32 random characters, e.g. from `head -c 48 /dev/urandom | base64`")
        } else if secretKey.utf8.count < 32 {
            reader.fail("SECRET_KEY", "must be at least 32 characters")
        }

        let logLevel = reader.string("LOG_LEVEL", default: "info")
        let level = Logger.Level(rawValue: logLevel.lowercased())
        if level == nil { reader.fail("LOG_LEVEL", "must be one of trace, debug, info, notice, warning, error, critical") }
        let format = LogFormat(rawValue: reader.string("LOG_FORMAT", default: "text").lowercased())
        if format == nil { reader.fail("LOG_FORMAT", "must be text or json") }

        var auth = AuthSettings()
        auth.sessionIdleTimeout = .seconds(60 * reader.integer("SESSION_IDLE_MINUTES", default: 15, in: 1...1440))
        auth.sessionLifetime = .seconds(3600 * reader.integer("SESSION_LIFETIME_HOURS", default: 12, in: 1...720))
        auth.maximumFailuresPerAccount = reader.integer("LOGIN_MAX_FAILURES_PER_ACCOUNT", default: 5, in: 1...1000)
        auth.maximumFailuresPerAddress = reader.integer("LOGIN_MAX_FAILURES_PER_ADDRESS", default: 30, in: 1...100_000)
        auth.failureWindow = .seconds(60 * reader.integer("LOGIN_FAILURE_WINDOW_MINUTES", default: 15, in: 1...1440))
        auth.unactivatedRegistrationLifetime = .seconds(3600 * reader.integer("UNACTIVATED_REGISTRATION_HOURS", default: 168, in: 73...8760))
        auth.termsValidity = .seconds(86_400 * reader.integer("TERMS_VALIDITY_DAYS", default: 365, in: 1...3650))
        auth.passwordHashIterations = reader.integer("PASSWORD_HASH_ITERATIONS", default: 600_000, in: 1_000...10_000_000)
        auth.requireSecondFactor = reader.boolean("REQUIRE_TOTP", default: true)
        auth.idleIndependentUserLifetime = .seconds(86_400 * reader.integer("IDLE_INDEPENDENT_USER_DAYS", default: 90, in: 1...36_500))
        if reader.optional("TRUST_PROXY_HEADERS") != nil {
            reader.fail("TRUST_PROXY_HEADERS", "was replaced by TRUSTED_PROXY_HOPS, the number of proxies of yours that append to "
                            + "X-Forwarded-For (1 behind one ingress or nginx); remove it")
        }
        let trustedProxyHops = reader.integer("TRUSTED_PROXY_HOPS", default: 0, in: 0...10)
        let metricsToken = reader.optional("METRICS_TOKEN")
        if let metricsToken, metricsToken.utf8.count < 16 { reader.fail("METRICS_TOKEN", "must be at least 16 characters") }

        let configuration = AppConfiguration(
            postgres: postgres,
            redis: redis,
            smtp: smtp,
            mailDirectory: URL(fileURLWithPath: reader.string("MAIL_DIRECTORY", default: "var/mail")),
            mailFrom: MailAddress(mailFromAddress, name: reader.string("MAIL_FROM_NAME", default: "Governance Platform")),
            publicURL: reader.string("PUBLIC_URL", default: "http://localhost:8080"),
            secretKey: secretKey,
            logLevel: level ?? .info,
            logFormat: format ?? .text,
            host: reader.string("HOST", default: "127.0.0.1"),
            port: reader.integer("PORT", default: 8080, in: 0...65535),
            maxBodyBytes: reader.integer("MAX_BODY_BYTES", default: 1_048_576, in: 1024...1_073_741_824),
            queuePrefix: reader.string("QUEUE_PREFIX", default: "gp"),
            retryPolicy: RetryPolicy(
                maximumAttempts: reader.integer("JOB_MAX_ATTEMPTS", default: 8, in: 1...100),
                baseDelayMilliseconds: Int64(reader.integer("JOB_RETRY_BASE_MS", default: 2_000, in: 1...86_400_000)),
                maximumDelayMilliseconds: Int64(reader.integer("JOB_RETRY_MAX_MS", default: 3_600_000, in: 1...86_400_000))),
            consumerHeartbeatTTLMilliseconds: reader.integer("CONSUMER_HEARTBEAT_TTL_MS", default: 15_000, in: 500...600_000),
            beatLeaderTTLMilliseconds: reader.integer("BEAT_LEADER_TTL_MS", default: 10_000, in: 500...600_000),
            beatTickMilliseconds: reader.integer("BEAT_TICK_MS", default: 1_000, in: 50...60_000),
            outboxDispatchGraceSeconds: reader.integer("OUTBOX_DISPATCH_GRACE_SECONDS", default: 5, in: 0...3600),
            outboxRedispatchAfterSeconds: reader.integer("OUTBOX_REDISPATCH_AFTER_SECONDS", default: 900, in: 1...86_400),
            shutdownGraceSeconds: reader.integer("SHUTDOWN_GRACE_SECONDS", default: 30, in: 1...3600),
            auth: auth,
            passwordHashThreads: reader.integer("PASSWORD_HASH_THREADS", default: max(1, BlockingWorkPool.activeProcessors / 2), in: 1...256),
            auditRetention: .seconds(86_400 * reader.integer("AUDIT_RETENTION_DAYS", default: 1825, in: 30...36_500)),
            trustedProxyHops: trustedProxyHops,
            metricsToken: metricsToken,
            workerMetricsPort: reader.optional("WORKER_METRICS_PORT") == nil ? nil : reader.integer("WORKER_METRICS_PORT", default: 0, in: 1...65535))
        var result = configuration
        result.metricsPublic = reader.boolean("METRICS_PUBLIC", default: false)
        result.incidentDailyLimit = reader.integer("INCIDENT_DAILY_LIMIT", default: 20, in: 1...10_000)
        result.incidentSweepSeconds = reader.integer("INCIDENT_SWEEP_SECONDS", default: 60, in: 1...3600)
        result.incidentRetention = .seconds(86_400 * reader.integer("INCIDENT_RETENTION_DAYS", default: 1825, in: 30...36_500))
        result.declarationRetention = .seconds(86_400 * reader.integer("SECURITY_OBJECTIVE_RETENTION_DAYS", default: 1825, in: 30...36_500))
        result.frontend = FrontendLinks(base: reader.string("FRONTEND_URL", default: result.publicURL))
        if !result.frontend.base.hasPrefix("http://") && !result.frontend.base.hasPrefix("https://") {
            reader.fail("FRONTEND_URL", "must start with http:// or https://")
        }
        for (name, placeholder, path) in [("FRONTEND_INCIDENT_PATH", "{id}", \FrontendLinks.incidentPath),
                                          ("FRONTEND_DECLARATION_PATH", "{id}", \FrontendLinks.declarationPath),
                                          ("FRONTEND_PASSWORD_RESET_PATH", "{token}", \FrontendLinks.passwordResetPath),
                                          ("FRONTEND_ACTIVATION_PATH", "{token}", \FrontendLinks.activationPath)] {
            let template = reader.string(name, default: result.frontend[keyPath: path])
            if !template.hasPrefix("/") || !template.contains(placeholder) {
                reader.fail(name, "must start with / and hold \(placeholder)")
            }
            result.frontend[keyPath: path] = template
        }
        let documentZone = reader.string("DOCUMENT_TIME_ZONE", default: "Europe/Luxembourg")
        if let zone = TimeZone(identifier: documentZone), TimeZone.knownTimeZoneIdentifiers.contains(documentZone) {
            result.documentTimeZone = zone
        } else {
            reader.fail("DOCUMENT_TIME_ZONE", "must be an IANA time zone such as Europe/Luxembourg")
        }
        result.importMaxBytes = reader.integer("IMPORT_MAX_BYTES", default: 16 * 1_048_576, in: 1024...1_073_741_824)
        result.importInlineBytes = reader.integer("IMPORT_INLINE_BYTES", default: 262_144, in: 0...1_073_741_824)
        let allowedHosts = reader.string("OUTBOUND_ALLOWED_HOSTS", default: "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if allowedHosts.contains(where: { $0.contains("/") || $0.contains(" ") }) {
            reader.fail("OUTBOUND_ALLOWED_HOSTS", "must be a comma-separated list of host names or addresses, without scheme or path")
        }
        result.outboundPolicy = AddressPolicy(allowedHosts: Set(allowedHosts))
        result.outboundThreads = reader.integer("OUTBOUND_THREADS", default: 8, in: 1...256)
        result.deliveryLogRetention = .seconds(86_400 * reader.integer("DELIVERY_LOG_RETENTION_DAYS", default: 30, in: 1...3650))
        result.jobRetention = .seconds(86_400 * reader.integer("JOB_RETENTION_DAYS", default: 30, in: 1...3650))
        if let directory = reader.optional("DOCS_DIRECTORY"), !directory.isEmpty {
            result.docsDirectory = URL(fileURLWithPath: directory)
            for file in ["swagger-ui-bundle.js", "swagger-ui.css"] where !FileManager.default.fileExists(atPath: "\(directory)/\(file)") {
                reader.fail("DOCS_DIRECTORY", "\(directory) holds no \(file) (Swagger UI's dist files are expected)")
            }
        }
        result.corsAllowedOrigins = reader.string("CORS_ALLOWED_ORIGINS", default: "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if let bad = result.corsAllowedOrigins.first(where: { !Self.isOrigin($0) }) {
            reader.fail("CORS_ALLOWED_ORIGINS", "\(bad) is not an origin: scheme, host and optional port, e.g. https://app.example.org (no path, no wildcard)")
        }
        result.rateLimit = RequestRateLimit.Settings(
            perToken: reader.integer("RATE_LIMIT_PER_TOKEN", default: 1200, in: 0...10_000_000),
            perAddress: reader.integer("RATE_LIMIT_PER_ADDRESS", default: 3000, in: 0...10_000_000),
            windowSeconds: reader.integer("RATE_LIMIT_WINDOW_SECONDS", default: 60, in: 1...86_400))
        result.webhookDisableAfter = .seconds(3600 * reader.integer("WEBHOOK_DISABLE_AFTER_HOURS", default: 72, in: 0...8760))
        if !reader.problems.isEmpty { throw ConfigurationError(problems: reader.problems) }
        return result
    }
}

extension AppConfiguration {
    /// The configuration of a process starting up, with logging set up from it; on invalid
    /// configuration, prints every problem prefixed by `program` and exits with 78 (EX_CONFIG).
    /// Whether `text` is a browser origin as sent in `Origin`: `http` or `https`, a host, an
    /// optional port, nothing else.
    static func isOrigin(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme, ["http", "https"].contains(scheme),
              let host = components.host, !host.isEmpty, !host.contains("*"), components.path.isEmpty, components.query == nil,
              components.fragment == nil, components.user == nil, components.password == nil else { return false }
        return text == "\(scheme)://\(host)" + (components.port.map { ":\($0)" } ?? "")
    }

    public static func loadForStartUp(program: String) -> AppConfiguration {
        do {
            let configuration = try fromEnvironment()
            LogSetup.bootstrap(configuration)
            return configuration
        } catch {
            FileHandle.standardError.write(Data("\(program): \(error)\n".utf8))
            exit(78)
        }
    }
}

/// Invalid environment variables, all of them.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    /// `(variable, what is wrong)` pairs.
    public let problems: [Problem]

    public struct Problem: Equatable, Sendable {
        public let variable: String
        public let message: String
    }

    public var description: String {
        "invalid configuration:\n" + problems.map { "  \($0.variable): \($0.message)" }.joined(separator: "\n")
    }
}

struct EnvironmentReader {
    let environment: [String: String]
    var problems: [ConfigurationError.Problem] = []

    init(_ environment: [String: String]) {
        self.environment = environment
    }

    mutating func fail(_ variable: String, _ message: String) {
        problems.append(.init(variable: variable, message: message))
    }

    func optional(_ variable: String) -> String? {
        guard let value = environment[variable]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func string(_ variable: String, default value: String) -> String { optional(variable) ?? value }

    mutating func boolean(_ variable: String, default value: Bool) -> Bool {
        guard let text = optional(variable)?.lowercased() else { return value }
        guard text == "true" || text == "false" else {
            fail(variable, "must be true or false")
            return value
        }
        return text == "true"
    }

    mutating func integer(_ variable: String, default value: Int, in range: ClosedRange<Int>) -> Int {
        guard let text = optional(variable) else { return value }
        guard let number = Int(text), range.contains(number) else {
            fail(variable, "must be an integer in \(range.lowerBound)...\(range.upperBound)")
            return value
        }
        return number
    }
}
