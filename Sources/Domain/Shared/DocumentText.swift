import Foundation

/// The fixed words of the documents the platform draws, in every language it speaks: one
/// catalogue, each key with its four texts side by side, so none can be missing.
public enum DocumentText: String, CaseIterable, Sendable {
    case pageLabel, incidentDetails, reference, notifiedBy, incidentStatus, open, closed, legalBasis, regulator, workflow, sectors
    case notificationType, crossBorder, significantImpact, yes, no, internalReference, complaintReference
    case timeline, timeZone, notified, detected, started, resolved
    case reports, report, due, firstSubmitted, versions, review, late, notSubmitted
    case contacts, notificationManager, technicalContact, name, jobTitle, email, telephone
    case noReport, incidentReport, version, submittedBy, submitted, afterDueTime, comment, question, answer, impacts
    case notReviewed, passed, revisionRequired, incident, nearMiss, cyberThreat
    case declarationTitle, maturityLevels, level, label, contents, operatorName, versionOf, year, standard, status, lastUpdate
    case progressLabel, progress, reviewProgress, reviewComment, score, completion, noMeasures, measure, evidence, implemented, justification
    case plannedActions, draft, passedPending, revisionRequiredPending, notStarted, partial, complete

    /// The text in `language`; `{name}` placeholders are filled from `values`.
    public func text(in language: Language, _ values: [String: String] = [:]) -> String {
        let texts = Self.catalogue[self] ?? (rawValue, rawValue, rawValue, rawValue)
        var text = switch language {
        case .en: texts.en
        case .fr: texts.fr
        case .de: texts.de
        case .nl: texts.nl
        }
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }

    typealias Texts = (en: String, fr: String, de: String, nl: String)

    /// Every key's texts; a test checks each key has its entry.
    static let catalogue: [DocumentText: Texts] = [
        .pageLabel: ("Page {page} of {pages}", "Page {page} sur {pages}", "Seite {page} von {pages}", "Pagina {page} van {pages}"),
        .incidentDetails: ("Incident details", "Détails de l'incident", "Angaben zum Vorfall", "Gegevens van het incident"),
        .reference: ("Reference", "Référence", "Referenz", "Referentie"),
        .notifiedBy: ("Notified by", "Notifié par", "Gemeldet von", "Gemeld door"),
        .incidentStatus: ("Incident status", "Statut de l'incident", "Status des Vorfalls", "Status van het incident"),
        .open: ("Open", "Ouvert", "Offen", "Open"),
        .closed: ("Closed", "Clôturé", "Abgeschlossen", "Gesloten"),
        .legalBasis: ("Legal basis", "Base légale", "Rechtsgrundlage", "Rechtsgrond"),
        .regulator: ("Regulator", "Régulateur", "Aufsichtsbehörde", "Toezichthouder"),
        .workflow: ("Workflow", "Processus de notification", "Meldeverfahren", "Meldingsprocedure"),
        .sectors: ("Sectors", "Secteurs", "Sektoren", "Sectoren"),
        .notificationType: ("Notification type", "Type de notification", "Art der Meldung", "Soort melding"),
        .crossBorder: ("Cross-border", "Transfrontalier", "Grenzüberschreitend", "Grensoverschrijdend"),
        .significantImpact: ("Significant impact", "Impact significatif", "Erhebliche Auswirkungen", "Aanzienlijke gevolgen"),
        .yes: ("Yes", "Oui", "Ja", "Ja"),
        .no: ("No", "Non", "Nein", "Nee"),
        .internalReference: ("Internal reference", "Référence interne", "Interne Referenz", "Interne referentie"),
        .complaintReference: ("Complaint reference", "Référence de la plainte", "Referenz der Anzeige", "Referentie van de klacht"),
        .timeline: ("Timeline", "Chronologie", "Zeitlicher Ablauf", "Tijdlijn"),
        .timeZone: ("Time zone", "Fuseau horaire", "Zeitzone", "Tijdzone"),
        .notified: ("Notified", "Notifié", "Gemeldet", "Gemeld"),
        .detected: ("Detected", "Détecté", "Erkannt", "Vastgesteld"),
        .started: ("Started", "Début", "Beginn", "Begonnen"),
        .resolved: ("Resolved", "Résolu", "Behoben", "Opgelost"),
        .reports: ("Reports", "Rapports", "Berichte", "Rapporten"),
        .report: ("Report", "Rapport", "Bericht", "Rapport"),
        .due: ("Due", "Échéance", "Fällig", "Uiterlijk"),
        .firstSubmitted: ("First submitted", "Première soumission", "Erstmals eingereicht", "Eerst ingediend"),
        .versions: ("Versions", "Versions", "Versionen", "Versies"),
        .review: ("Review", "Revue", "Prüfung", "Beoordeling"),
        .late: ("late", "en retard", "verspätet", "te laat"),
        .notSubmitted: ("not submitted", "non soumis", "nicht eingereicht", "niet ingediend"),
        .contacts: ("Contacts", "Contacts", "Kontakte", "Contactpersonen"),
        .notificationManager: ("Incident notification manager", "Responsable de la notification", "Verantwortlich für die Meldung",
                               "Verantwoordelijke voor de melding"),
        .technicalContact: ("Technical contact", "Contact technique", "Technischer Kontakt", "Technisch contactpersoon"),
        .name: ("Name", "Nom", "Name", "Naam"),
        .jobTitle: ("Job title", "Fonction", "Funktion", "Functie"),
        .email: ("E-mail", "Courriel", "E-Mail", "E-mail"),
        .telephone: ("Telephone", "Téléphone", "Telefon", "Telefoon"),
        .noReport: ("No report has been submitted.", "Aucun rapport n'a été soumis.", "Es wurde noch kein Bericht eingereicht.",
                    "Er is nog geen rapport ingediend."),
        .incidentReport: ("Incident report", "Rapport d'incident", "Vorfallsbericht", "Incidentrapport"),
        .version: ("Version {number}", "Version {number}", "Version {number}", "Versie {number}"),
        .submittedBy: ("Submitted by", "Soumis par", "Eingereicht von", "Ingediend door"),
        .submitted: ("Submitted", "Soumis", "Eingereicht", "Ingediend"),
        .afterDueTime: ("after the due time", "après l'échéance", "nach Fristablauf", "na de termijn"),
        .comment: ("Comment", "Commentaire", "Kommentar", "Opmerking"),
        .question: ("Question", "Question", "Frage", "Vraag"),
        .answer: ("Answer", "Réponse", "Antwort", "Antwoord"),
        .impacts: ("Impacts", "Impacts", "Auswirkungen", "Gevolgen"),
        .notReviewed: ("Not reviewed yet", "Pas encore revu", "Noch nicht geprüft", "Nog niet beoordeeld"),
        .passed: ("Passed", "Validé", "Angenommen", "Goedgekeurd"),
        .revisionRequired: ("Revision required", "Révision demandée", "Überarbeitung erforderlich", "Herziening vereist"),
        .incident: ("Incident", "Incident", "Vorfall", "Incident"),
        .nearMiss: ("Near miss", "Quasi-incident", "Beinahe-Vorfall", "Bijna-incident"),
        .cyberThreat: ("Cyber threat", "Cybermenace", "Cyberbedrohung", "Cyberdreiging"),
        .declarationTitle: ("Security objectives declaration", "Déclaration des objectifs de sécurité", "Erklärung zu den Sicherheitszielen",
                            "Verklaring over de beveiligingsdoelstellingen"),
        .maturityLevels: ("Maturity levels", "Niveaux de maturité", "Reifegrade", "Volwassenheidsniveaus"),
        .level: ("Level", "Niveau", "Stufe", "Niveau"),
        .label: ("Label", "Libellé", "Bezeichnung", "Omschrijving"),
        .contents: ("Contents", "Sommaire", "Inhalt", "Inhoud"),
        .operatorName: ("Operator", "Opérateur", "Betreiber", "Exploitant"),
        .versionOf: ("{reference} (version {number})", "{reference} (version {number})", "{reference} (Version {number})",
                     "{reference} (versie {number})"),
        .year: ("Year", "Année", "Jahr", "Jaar"),
        .standard: ("Standard", "Référentiel", "Standard", "Norm"),
        .status: ("Status", "Statut", "Status", "Status"),
        .lastUpdate: ("Last update", "Dernière modification", "Letzte Änderung", "Laatste wijziging"),
        .progressLabel: ("Progress", "Avancement", "Fortschritt", "Voortgang"),
        .progress: ("{complete} of {total} objectives complete ({percent} %)", "{complete} objectifs complets sur {total} ({percent} %)",
                    "{complete} von {total} Zielen vollständig ({percent} %)", "{complete} van {total} doelstellingen volledig ({percent} %)"),
        .reviewProgress: ("{reviewed} of {total} objectives reviewed ({percent} %)", "{reviewed} objectifs revus sur {total} ({percent} %)",
                          "{reviewed} von {total} Zielen geprüft ({percent} %)", "{reviewed} van {total} doelstellingen beoordeeld ({percent} %)"),
        .reviewComment: ("Review comment", "Commentaire de revue", "Prüfkommentar", "Opmerking bij de beoordeling"),
        .score: ("Score", "Score", "Punktzahl", "Score"),
        .completion: ("Completion", "Complétude", "Vollständigkeit", "Volledigheid"),
        .noMeasures: ("This objective has no measures: its planned actions answer it.",
                      "Cet objectif n'a pas de mesures : ses actions prévues y répondent.",
                      "Dieses Ziel hat keine Maßnahmen: die geplanten Maßnahmen beantworten es.",
                      "Deze doelstelling heeft geen maatregelen: de geplande acties beantwoorden haar."),
        .measure: ("Measure", "Mesure", "Maßnahme", "Maatregel"),
        .evidence: ("Evidence", "Preuve", "Nachweis", "Bewijs"),
        .implemented: ("Implemented", "Mise en œuvre", "Umgesetzt", "Uitgevoerd"),
        .justification: ("Justification", "Justification", "Begründung", "Verantwoording"),
        .plannedActions: ("Planned actions", "Actions prévues", "Geplante Maßnahmen", "Geplande acties"),
        .draft: ("Draft", "Brouillon", "Entwurf", "Concept"),
        .passedPending: ("Passed (verdict not sent yet)", "Validé (décision pas encore envoyée)", "Angenommen (Entscheidung noch nicht versandt)",
                         "Goedgekeurd (oordeel nog niet verzonden)"),
        .revisionRequiredPending: ("Revision required (verdict not sent yet)", "Révision demandée (décision pas encore envoyée)",
                                   "Überarbeitung erforderlich (Entscheidung noch nicht versandt)",
                                   "Herziening vereist (oordeel nog niet verzonden)"),
        .notStarted: ("Not started", "Non commencé", "Nicht begonnen", "Niet begonnen"),
        .partial: ("Partial", "Partiel", "Teilweise", "Gedeeltelijk"),
        .complete: ("Complete", "Complet", "Vollständig", "Volledig"),
    ]
}

/// Dates in documents: in the reader's zone, with the zone as people of that language write
/// it (CET and CEST in English and Dutch, MEZ and MESZ in German), from CLDR through Foundation.
public struct DocumentDates {
    private let formatter: DateFormatter

    public init(zone: TimeZone, language: Language) {
        formatter = DateFormatter()
        formatter.locale = Locale(identifier: Self.locales[language] ?? "en_GB")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd HH:mm zzz"
    }

    public func format(_ date: Date) -> String { formatter.string(from: date) }

    private static let locales: [Language: String] = [.en: "en_GB", .fr: "fr_FR", .de: "de_DE", .nl: "nl_NL"]
}
