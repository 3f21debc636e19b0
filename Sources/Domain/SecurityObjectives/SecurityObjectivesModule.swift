import Foundation
import Logging
import Pooling
import Postgres

/// The security objectives module: regulators' standards, operators' yearly declarations
/// against them, their review and their PDFs. Switched on per regulator.
public struct SecurityObjectivesModule: PlatformModule {
    public let standards: StandardCatalogue
    public let declarations: Declarations
    public let query: DeclarationQuery
    public let documents: DeclarationDocuments
    public let retention: DeclarationRetention

    init(configuration settings: AppConfiguration, logger: Logger, postgres: PostgresClient, outbox: Outbox, documents store: DocumentStore,
         files: BlockingWorkPool, now: @escaping @Sendable () -> Date = { Date() }) {
        standards = StandardCatalogue(postgres: postgres, files: files)
        declarations = Declarations(postgres: postgres, outbox: outbox,
                                    emails: DeclarationEmails(sender: settings.mailFrom, publicURL: settings.publicURL), files: files, now: now)
        query = DeclarationQuery(postgres: postgres)
        documents = DeclarationDocuments(postgres: postgres, outbox: outbox, documents: store)
        retention = DeclarationRetention(postgres: postgres, logger: logger, retention: settings.declarationRetention)
    }

    public func registerJobs(in registry: inout JobHandlerRegistry) {
        registry.register(.renderDeclarationPDF, RenderDeclarationPDFHandler(documents: documents))
    }

    public func jobSubjects() -> [String: JobSubjectCheck] {
        ["declaration": { [documents] principal, id in try await documents.canSee(principal, declarationID: id) }]
    }

    public func periodicTasks() -> [PeriodicTask] {
        [
            PeriodicTask(name: "purge_declarations", interval: .seconds(86_400)) { [retention] _ in
                try await retention.purge()
            },
        ]
    }
}
