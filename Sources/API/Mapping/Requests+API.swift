import Domain
import Foundation

// Request bodies → Domain inputs. The contract has one translations schema per length limit;
// they share a shape, read through `TranslationsPayload`.

protocol TranslationsPayload {
    var translations: [String: String?] { get }
}

extension TranslationsPayload {
    var languageMap: LanguageMap { LanguageMap(translations.compactMapValues { $0 }) }
}

extension Components.Schemas.Translations: TranslationsPayload {
    var translations: [String: String?] { ["en": en, "fr": fr, "nl": nl, "de": de] }
}

extension Components.Schemas.OptionalTranslations: TranslationsPayload {
    var translations: [String: String?] { ["en": en, "fr": fr, "nl": nl, "de": de] }
}

extension Components.Schemas.ShortTranslations: TranslationsPayload {
    var translations: [String: String?] { ["en": en, "fr": fr, "nl": nl, "de": de] }
}

extension Components.Schemas.NameTranslations: TranslationsPayload {
    var translations: [String: String?] { ["en": en, "fr": fr, "nl": nl, "de": de] }
}

extension Components.Schemas.LabelTranslations: TranslationsPayload {
    var translations: [String: String?] { ["en": en, "fr": fr, "nl": nl, "de": de] }
}

extension Components.Schemas.LongOptionalTranslations: TranslationsPayload {
    var translations: [String: String?] { ["en": en, "fr": fr, "nl": nl, "de": de] }
}

extension AuthorityInput {
    init(_ body: Components.Schemas.RegulatorCreate) {
        self.init(name: body.name.languageMap, fullName: body.fullName?.languageMap, description: body.description?.languageMap,
                  country: body.country?.rawValue, address: body.address, notificationEmail: body.notificationEmail,
                  modules: body.modules?.compactMap { Module(rawValue: $0.rawValue) })
    }

    init(_ body: Components.Schemas.RegulatorUpdate) {
        self.init(name: body.name?.languageMap, fullName: body.fullName?.languageMap, description: body.description?.languageMap,
                  country: body.country?.rawValue, address: body.address, notificationEmail: body.notificationEmail,
                  modules: body.modules?.compactMap { Module(rawValue: $0.rawValue) })
    }

    init(_ body: Components.Schemas.ObserverCreate) {
        self.init(name: body.name.languageMap, fullName: body.fullName?.languageMap, description: body.description?.languageMap,
                  country: body.country?.rawValue, address: body.address, notificationEmail: body.notificationEmail,
                  modules: body.modules?.compactMap { Module(rawValue: $0.rawValue) }, receivesAllIncidents: body.receivesAllIncidents)
    }

    init(_ body: Components.Schemas.ObserverUpdate) {
        self.init(name: body.name?.languageMap, fullName: body.fullName?.languageMap, description: body.description?.languageMap,
                  country: body.country?.rawValue, address: body.address, notificationEmail: body.notificationEmail,
                  modules: body.modules?.compactMap { Module(rawValue: $0.rawValue) }, receivesAllIncidents: body.receivesAllIncidents)
    }
}

extension OperatorInput {
    init(_ body: Components.Schemas.OperatorCreate) throws {
        self.init(identifier: body.identifier, name: body.name, country: body.country?.rawValue, address: body.address, email: body.email,
                  phone: body.phone, sectorIDs: try APIService.uuids(body.sectorIds, field: "sector_ids"),
                  entityCategoryIDs: try APIService.uuids(body.entityCategoryIds, field: "entity_category_ids"))
    }

    init(_ body: Components.Schemas.OperatorUpdate) throws {
        self.init(identifier: body.identifier, name: body.name, country: body.country?.rawValue, address: body.address, email: body.email,
                  phone: body.phone, sectorIDs: try APIService.uuids(body.sectorIds, field: "sector_ids"),
                  entityCategoryIDs: try APIService.uuids(body.entityCategoryIds, field: "entity_category_ids"))
    }
}

extension MembershipInput {
    init(isAdministrator: Bool?, canExportIncidents: Bool?, sectorIds: [String]?) throws {
        self.init(isAdministrator: isAdministrator, canExportIncidents: canExportIncidents,
                  sectorIDs: try APIService.uuids(sectorIds, field: "sector_ids"))
    }
}

extension APIService {
    /// UUIDs of a body's list; the contract already checked their format.
    static func uuids(_ texts: [String]?, field: String) throws -> [UUID]? {
        try texts.map { try $0.map(uuid(field: field)) }
    }
}
