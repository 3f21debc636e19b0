import Foundation
import Logging
import Pooling
import Postgres

/// The security objectives module: regulators' standards, operators' yearly declarations
/// against them, their review and their PDFs, and sheet imports. Switched on per regulator.
public struct SecurityObjectivesModule: PlatformModule {
    public let standards: StandardCatalogue
    public let imports: StandardImports
    public let declarations: Declarations
    public let query: DeclarationQuery
    public let documents: DeclarationDocuments
    public let retention: DeclarationRetention

    init(configuration settings: AppConfiguration, logger: Logger, postgres: PostgresClient, outbox: Outbox, documents store: DocumentStore,
         files: BlockingWorkPool, auth: AuthService, now: @escaping @Sendable () -> Date = { Date() }) {
        standards = StandardCatalogue(postgres: postgres, files: files)
        imports = StandardImports(catalogue: standards, postgres: postgres, outbox: outbox, auth: auth, logger: logger,
                                  inlineBytes: settings.importInlineBytes)
        declarations = Declarations(postgres: postgres, outbox: outbox,
                                    emails: DeclarationEmails(sender: settings.mailFrom, links: settings.frontend), files: files, now: now)
        query = DeclarationQuery(postgres: postgres)
        documents = DeclarationDocuments(postgres: postgres, outbox: outbox, documents: store, zone: settings.documentTimeZone)
        retention = DeclarationRetention(postgres: postgres, logger: logger, retention: settings.declarationRetention)
    }

    public func registerJobs(in registry: inout JobHandlerRegistry) {
        registry.register(.renderDeclarationPDF, RenderDeclarationPDFHandler(documents: documents))
        registry.register(.importStandardSheet, ImportStandardSheetHandler(imports: imports))
    }

    public func jobSubjects() -> [String: JobSubjectCheck] {
        [
            "declaration": { [documents] principal, id in try await documents.canSee(principal, declarationID: id) },
            "standard_import": { [imports] principal, id in try await imports.canSee(principal, importID: id) },
        ]
    }

    public func periodicTasks() -> [PeriodicTask] {
        [
            PeriodicTask(name: "purge_declarations", interval: .seconds(86_400)) { [retention] _ in
                try await retention.purge()
            },
            PeriodicTask(name: "purge_standard_imports", interval: .seconds(86_400)) { [imports] _ in
                try await imports.purge()
            },
        ]
    }
}
