import Domain
import Foundation
import Postgres

extension UUID {
    /// The lower-case form used in every response.
    var apiString: String { lowercasedString }
}

extension LanguageMap {
    var api: Components.Schemas.OptionalTranslations {
        .init(en: values["en"], fr: values["fr"], nl: values["nl"], de: values["de"])
    }

    /// The text in the request's language, or `nil` when there is none at all (optional texts).
    func optionalText(in language: Language) -> String? {
        let text = text(in: language)
        return text.isEmpty ? nil : text
    }
}

extension Components.Schemas.Sector {
    init(_ sector: Sector, _ language: Language) {
        self.init(
            id: sector.id.apiString, parentId: sector.parentID?.apiString, name: sector.name.text(in: language), nameTranslations: sector.name.api,
            acronym: sector.acronym, createdByRegulatorId: sector.createdByRegulatorID?.apiString, isSelectable: sector.isSelectable,
            createdAt: sector.createdAt, updatedAt: sector.updatedAt)
    }
}

extension Components.Schemas.Regulation {
    init(_ regulation: Regulation, _ language: Language) {
        self.init(
            id: regulation.id.apiString, label: regulation.label.text(in: language), labelTranslations: regulation.label.api,
            regulatorIds: regulation.regulatorIDs.map(\.apiString), createdAt: regulation.createdAt, updatedAt: regulation.updatedAt)
    }
}

extension Components.Schemas.EntityCategory {
    init(_ category: EntityCategory, _ language: Language) {
        self.init(
            id: category.id.apiString, code: category.code, label: category.label.text(in: language), labelTranslations: category.label.api,
            createdAt: category.createdAt, updatedAt: category.updatedAt)
    }
}

extension Components.Schemas.Regulator {
    init(_ regulator: Regulator, _ language: Language) {
        let profile = regulator.profile
        self.init(
            id: regulator.id.apiString, name: profile.name.text(in: language), nameTranslations: profile.name.api,
            fullName: profile.fullName.optionalText(in: language), fullNameTranslations: profile.fullName.api,
            description: profile.description.optionalText(in: language), descriptionTranslations: profile.description.api,
            country: profile.country, address: profile.address, notificationEmail: profile.notificationEmail,
            modules: profile.modules.compactMap { Components.Schemas.Module(rawValue: $0.rawValue) },
            createdAt: regulator.createdAt, updatedAt: regulator.updatedAt)
    }
}

extension Components.Schemas.Observer {
    init(_ observer: Observer, _ language: Language) {
        let profile = observer.profile
        self.init(
            id: observer.id.apiString, name: profile.name.text(in: language), nameTranslations: profile.name.api,
            fullName: profile.fullName.optionalText(in: language), fullNameTranslations: profile.fullName.api,
            description: profile.description.optionalText(in: language), descriptionTranslations: profile.description.api,
            country: profile.country, address: profile.address, notificationEmail: profile.notificationEmail,
            modules: profile.modules.compactMap { Components.Schemas.Module(rawValue: $0.rawValue) },
            receivesAllIncidents: observer.receivesAllIncidents, createdAt: observer.createdAt, updatedAt: observer.updatedAt)
    }
}

extension Components.Schemas.RoutingRule {
    init(_ rule: ObserverRoutingRule) {
        self.init(
            observerId: rule.observerID.apiString, regulationId: rule.regulationID.apiString,
            conditions: rule.conditions.map { .init(include: $0.include, exclude: $0.exclude) }, updatedAt: rule.updatedAt)
    }
}

extension Components.Schemas.Operator {
    init(_ value: Operator) {
        self.init(
            id: value.id.apiString, identifier: value.identifier, name: value.name, country: value.country, address: value.address,
            email: value.email, phone: value.phone, sectorIds: value.sectorIDs.map(\.apiString),
            entityCategoryIds: value.entityCategoryIDs.map(\.apiString), createdAt: value.createdAt, updatedAt: value.updatedAt)
    }
}

extension Components.Schemas.Membership {
    init(_ membership: Membership) {
        let (type, id): (OrganisationTypePayload, UUID?) = switch membership.organisation {
        case .regulator(let id): (.regulator, id)
        case .observer(let id): (.observer, id)
        case .operator(let id): (._operator, id)
        case .platform: (.regulator, nil)
        }
        self.init(
            organisationType: type, organisationId: id?.apiString ?? "", userId: membership.userID.apiString, email: membership.email,
            firstName: membership.firstName, lastName: membership.lastName, isActive: membership.isActive,
            isAdministrator: membership.isAdministrator, isApproved: membership.isApproved, canExportIncidents: membership.canExportIncidents,
            sectorIds: membership.sectorIDs.map(\.apiString), createdAt: membership.createdAt)
    }
}

extension Components.Schemas.Affiliations {
    init(_ affiliations: Affiliations) {
        self.init(
            regulator: affiliations.regulator.map {
                .init(regulatorId: $0.regulatorID.apiString, isAdministrator: $0.isAdministrator, canExportIncidents: $0.canExportIncidents,
                      sectorIds: $0.sectorIDs.map(\.apiString))
            },
            observer: affiliations.observer.map {
                .init(observerId: $0.observerID.apiString, isAdministrator: $0.isAdministrator, canExportIncidents: $0.canExportIncidents)
            },
            operators: affiliations.operators.map { .init(operatorId: $0.operatorID.apiString, isAdministrator: $0.isAdministrator,
                                                          isApproved: $0.isApproved) })
    }
}
