/// The fixed words of a yearly report, in each of its languages.
struct ReportWording: Sendable {
    var annualReport: String
    /// The start of the PDF's file name (the reference had no Dutch one).
    var fileStem: String
    var contents: String
    var pageLabel: String
    var operatorName: String, sector: String, standard: String, referenceYear: String, yearsCompared: String
    var highRiskThreshold: String, topRanking: String, publicationDate: String
    var sections: [ReportSection: String]
    var chartObjectivesByLevel: String, chartDomains: String, chartDomainsWithSector: String, chartObjectives: String
    var chartAverageRisk: String, chartHighRiskRate: String, chartAverageHighRisk: String, chartHighestRisks: String
    var objective: String, domain: String, evolution: String, sectorAverage: String, rank: String
    var sectorRanking: String, sectorScores: String, operatorScores: String, highest: String, lowest: String
    var id: String, asset: String, threat: String, vulnerability: String, currentRiskMax: String, residualRisk: String, treatment: String
    var indicator: String, treatedRisks: String, untreatedRisks: String, averageTreatedCurrentRisk: String, highRisks: String
    var averageHighRisk: String, averageResidualRisk: String, reducedRisks: String, deniedRisks: String, acceptedRisks: String, sharedRisks: String
    var threats: String, vulnerabilities: String, occurrences: String
    var recommendation: String, deadline: String, status: String
    var statuses: [RiskFigures.RecommendationStatus: String]
    var treatments: [RiskTreatment: String]
    var maturityLevels: String, downward: String, stable: String, upward: String
    var allServices: String, comment: String, noObservations: String, noData: String

    static func of(_ language: Language) -> ReportWording {
        switch language {
        case .en: english
        case .fr: french
        case .nl: dutch
        case .de: german
        }
    }

    /// "Sector average 2026".
    func sectorAverage(_ year: Int) -> String { "\(sectorAverage) \(year)" }

    static let english = ReportWording(
        annualReport: "Annual report", fileStem: "annual_report", contents: "Contents", pageLabel: "Page {page} of {pages}",
        operatorName: "Operator", sector: "Sector", standard: "Standard", referenceYear: "Reference year", yearsCompared: "Years compared",
        highRiskThreshold: "High-risk threshold", topRanking: "Ranking size", publicationDate: "Published",
        sections: [.context: "Context", .maturityLevels: "Security objectives by maturity level", .domains: "Evolution by domain",
                   .objectives: "Evolution of the security objectives", .sectorRanking: "Ranking in the sector",
                   .weakestObjectives: "Weakest security objectives", .riskLevels: "Risk levels", .highestRisks: "Highest risks",
                   .riskSummary: "Risk summary", .threatsAndVulnerabilities: "Threats and vulnerabilities",
                   .recommendations: "Recommendations", .observations: "Observations"],
        chartObjectivesByLevel: "Security objectives by maturity level", chartDomains: "Maturity by domain",
        chartDomainsWithSector: "Maturity by domain, with the sector average", chartObjectives: "Maturity by security objective",
        chartAverageRisk: "Average current risk by service", chartHighRiskRate: "High-risk rate by service",
        chartAverageHighRisk: "Average high-risk level by service", chartHighestRisks: "Current risk of the highest risks",
        objective: "Objective", domain: "Domain", evolution: "Evolution", sectorAverage: "Sector average", rank: "#",
        sectorRanking: "Sector ranking", sectorScores: "Sector score", operatorScores: "Operator score", highest: "Highest in the sector",
        lowest: "Lowest in the sector", id: "ID", asset: "Asset", threat: "Threat", vulnerability: "Vulnerability",
        currentRiskMax: "Current risk (max)", residualRisk: "Residual risk", treatment: "Treatment", indicator: "Indicator",
        treatedRisks: "Treated risks", untreatedRisks: "Untreated risks", averageTreatedCurrentRisk: "Average current risk of treated risks",
        highRisks: "High risks", averageHighRisk: "Average high-risk level", averageResidualRisk: "Average residual risk",
        reducedRisks: "Reduced risks", deniedRisks: "Denied risks", acceptedRisks: "Accepted risks", sharedRisks: "Shared risks",
        threats: "Most frequent threats", vulnerabilities: "Most frequent vulnerabilities", occurrences: "Occurrences",
        recommendation: "Recommendation", deadline: "Deadline", status: "Status",
        statuses: [.new: "New", .closed: "Closed", .postponed: "Postponed", .toCheck: "To check"],
        treatments: [.reduction: "Reduction", .denial: "Denial", .acceptance: "Acceptance", .sharing: "Sharing", .untreated: "Untreated"],
        maturityLevels: "Maturity levels", downward: "Downward", stable: "Stable", upward: "Upward", allServices: "All services",
        comment: "Comment", noObservations: "No observations.", noData: "No data for this part of the report.")

    static let french = ReportWording(
        annualReport: "Rapport annuel", fileStem: "rapport_annuel", contents: "Table des matières", pageLabel: "Page {page} sur {pages}",
        operatorName: "Opérateur", sector: "Secteur", standard: "Référentiel", referenceYear: "Année de référence", yearsCompared: "Années comparées",
        highRiskThreshold: "Seuil de risque élevé", topRanking: "Taille du classement", publicationDate: "Publié le",
        sections: [.context: "Contexte", .maturityLevels: "Objectifs de sécurité par niveau de maturité", .domains: "Évolution par domaine",
                   .objectives: "Évolution des objectifs de sécurité", .sectorRanking: "Classement dans le secteur",
                   .weakestObjectives: "Objectifs de sécurité les plus faibles", .riskLevels: "Niveaux de risque", .highestRisks: "Risques les plus élevés",
                   .riskSummary: "Synthèse des risques", .threatsAndVulnerabilities: "Menaces et vulnérabilités",
                   .recommendations: "Recommandations", .observations: "Observations"],
        chartObjectivesByLevel: "Objectifs de sécurité par niveau de maturité", chartDomains: "Maturité par domaine",
        chartDomainsWithSector: "Maturité par domaine, avec la moyenne du secteur", chartObjectives: "Maturité par objectif de sécurité",
        chartAverageRisk: "Risque actuel moyen par service", chartHighRiskRate: "Taux de risques élevés par service",
        chartAverageHighRisk: "Niveau moyen des risques élevés par service", chartHighestRisks: "Risque actuel des risques les plus élevés",
        objective: "Objectif", domain: "Domaine", evolution: "Évolution", sectorAverage: "Moyenne du secteur", rank: "#",
        sectorRanking: "Classement du secteur", sectorScores: "Score du secteur", operatorScores: "Score de l'opérateur",
        highest: "Les plus élevés du secteur", lowest: "Les plus faibles du secteur", id: "ID", asset: "Actif", threat: "Menace",
        vulnerability: "Vulnérabilité", currentRiskMax: "Risque actuel (max)", residualRisk: "Risque résiduel", treatment: "Traitement",
        indicator: "Indicateur", treatedRisks: "Risques traités", untreatedRisks: "Risques non traités",
        averageTreatedCurrentRisk: "Risque actuel moyen des risques traités", highRisks: "Risques élevés", averageHighRisk: "Niveau moyen des risques élevés",
        averageResidualRisk: "Risque résiduel moyen", reducedRisks: "Risques réduits", deniedRisks: "Risques refusés",
        acceptedRisks: "Risques acceptés", sharedRisks: "Risques partagés", threats: "Menaces les plus fréquentes",
        vulnerabilities: "Vulnérabilités les plus fréquentes", occurrences: "Occurrences", recommendation: "Recommandation", deadline: "Échéance",
        status: "Statut", statuses: [.new: "Nouvelle", .closed: "Clôturée", .postponed: "Reportée", .toCheck: "À vérifier"],
        treatments: [.reduction: "Réduction", .denial: "Refus", .acceptance: "Acceptation", .sharing: "Partage", .untreated: "Non traité"],
        maturityLevels: "Niveaux de maturité", downward: "En baisse", stable: "Stable", upward: "En hausse", allServices: "Tous les services",
        comment: "Commentaire", noObservations: "Aucune observation.", noData: "Pas de données pour cette partie du rapport.")

    static let dutch = ReportWording(
        annualReport: "Jaarverslag", fileStem: "jaarverslag", contents: "Inhoud", pageLabel: "Pagina {page} van {pages}",
        operatorName: "Exploitant", sector: "Sector", standard: "Norm", referenceYear: "Referentiejaar", yearsCompared: "Vergeleken jaren",
        highRiskThreshold: "Drempel voor hoog risico", topRanking: "Omvang van de rangschikking", publicationDate: "Gepubliceerd",
        sections: [.context: "Context", .maturityLevels: "Beveiligingsdoelstellingen per maturiteitsniveau", .domains: "Evolutie per domein",
                   .objectives: "Evolutie van de beveiligingsdoelstellingen", .sectorRanking: "Rangschikking in de sector",
                   .weakestObjectives: "Zwakste beveiligingsdoelstellingen", .riskLevels: "Risiconiveaus", .highestRisks: "Hoogste risico's",
                   .riskSummary: "Overzicht van de risico's", .threatsAndVulnerabilities: "Dreigingen en kwetsbaarheden",
                   .recommendations: "Aanbevelingen", .observations: "Opmerkingen"],
        chartObjectivesByLevel: "Beveiligingsdoelstellingen per maturiteitsniveau", chartDomains: "Maturiteit per domein",
        chartDomainsWithSector: "Maturiteit per domein, met het sectorgemiddelde", chartObjectives: "Maturiteit per beveiligingsdoelstelling",
        chartAverageRisk: "Gemiddeld huidig risico per dienst", chartHighRiskRate: "Aandeel hoge risico's per dienst",
        chartAverageHighRisk: "Gemiddeld niveau van de hoge risico's per dienst", chartHighestRisks: "Huidig risico van de hoogste risico's",
        objective: "Doelstelling", domain: "Domein", evolution: "Evolutie", sectorAverage: "Sectorgemiddelde", rank: "#",
        sectorRanking: "Rangschikking in de sector", sectorScores: "Score van de sector", operatorScores: "Score van de exploitant",
        highest: "Hoogste in de sector", lowest: "Laagste in de sector", id: "ID", asset: "Asset", threat: "Dreiging",
        vulnerability: "Kwetsbaarheid", currentRiskMax: "Huidig risico (max)", residualRisk: "Restrisico", treatment: "Behandeling",
        indicator: "Indicator", treatedRisks: "Behandelde risico's", untreatedRisks: "Onbehandelde risico's",
        averageTreatedCurrentRisk: "Gemiddeld huidig risico van de behandelde risico's", highRisks: "Hoge risico's",
        averageHighRisk: "Gemiddeld niveau van de hoge risico's", averageResidualRisk: "Gemiddeld restrisico", reducedRisks: "Verminderde risico's",
        deniedRisks: "Geweigerde risico's", acceptedRisks: "Aanvaarde risico's", sharedRisks: "Gedeelde risico's",
        threats: "Meest voorkomende dreigingen", vulnerabilities: "Meest voorkomende kwetsbaarheden", occurrences: "Aantal",
        recommendation: "Aanbeveling", deadline: "Termijn", status: "Status",
        statuses: [.new: "Nieuw", .closed: "Afgesloten", .postponed: "Uitgesteld", .toCheck: "Te controleren"],
        treatments: [.reduction: "Vermindering", .denial: "Weigering", .acceptance: "Aanvaarding", .sharing: "Deling", .untreated: "Onbehandeld"],
        maturityLevels: "Maturiteitsniveaus", downward: "Dalend", stable: "Stabiel", upward: "Stijgend", allServices: "Alle diensten",
        comment: "Commentaar", noObservations: "Geen opmerkingen.", noData: "Geen gegevens voor dit deel van het verslag.")

    static let german = ReportWording(
        annualReport: "Jahresbericht", fileStem: "Jahresbericht", contents: "Inhaltsverzeichnis", pageLabel: "Seite {page} von {pages}",
        operatorName: "Betreiber", sector: "Sektor", standard: "Standard", referenceYear: "Bezugsjahr", yearsCompared: "Verglichene Jahre",
        highRiskThreshold: "Schwelle für hohe Risiken", topRanking: "Umfang der Rangliste", publicationDate: "Veröffentlicht",
        sections: [.context: "Kontext", .maturityLevels: "Sicherheitsziele nach Reifegrad", .domains: "Entwicklung nach Bereich",
                   .objectives: "Entwicklung der Sicherheitsziele", .sectorRanking: "Rangfolge im Sektor",
                   .weakestObjectives: "Schwächste Sicherheitsziele", .riskLevels: "Risikoniveaus", .highestRisks: "Höchste Risiken",
                   .riskSummary: "Risikoübersicht", .threatsAndVulnerabilities: "Bedrohungen und Schwachstellen",
                   .recommendations: "Empfehlungen", .observations: "Beobachtungen"],
        chartObjectivesByLevel: "Sicherheitsziele nach Reifegrad", chartDomains: "Reifegrad nach Bereich",
        chartDomainsWithSector: "Reifegrad nach Bereich, mit dem Sektordurchschnitt", chartObjectives: "Reifegrad nach Sicherheitsziel",
        chartAverageRisk: "Durchschnittliches aktuelles Risiko je Dienst", chartHighRiskRate: "Anteil hoher Risiken je Dienst",
        chartAverageHighRisk: "Durchschnittliches Niveau hoher Risiken je Dienst", chartHighestRisks: "Aktuelles Risiko der höchsten Risiken",
        objective: "Ziel", domain: "Bereich", evolution: "Entwicklung", sectorAverage: "Sektordurchschnitt", rank: "#",
        sectorRanking: "Rangfolge im Sektor", sectorScores: "Wert des Sektors", operatorScores: "Wert des Betreibers",
        highest: "Höchste im Sektor", lowest: "Niedrigste im Sektor", id: "ID", asset: "Asset", threat: "Bedrohung",
        vulnerability: "Schwachstelle", currentRiskMax: "Aktuelles Risiko (max)", residualRisk: "Restrisiko", treatment: "Behandlung",
        indicator: "Kennzahl", treatedRisks: "Behandelte Risiken", untreatedRisks: "Unbehandelte Risiken",
        averageTreatedCurrentRisk: "Durchschnittliches aktuelles Risiko behandelter Risiken", highRisks: "Hohe Risiken",
        averageHighRisk: "Durchschnittliches Niveau hoher Risiken", averageResidualRisk: "Durchschnittliches Restrisiko",
        reducedRisks: "Reduzierte Risiken", deniedRisks: "Abgelehnte Risiken", acceptedRisks: "Akzeptierte Risiken", sharedRisks: "Geteilte Risiken",
        threats: "Häufigste Bedrohungen", vulnerabilities: "Häufigste Schwachstellen", occurrences: "Vorkommen",
        recommendation: "Empfehlung", deadline: "Frist", status: "Status",
        statuses: [.new: "Neu", .closed: "Abgeschlossen", .postponed: "Verschoben", .toCheck: "Zu prüfen"],
        treatments: [.reduction: "Reduzierung", .denial: "Ablehnung", .acceptance: "Akzeptanz", .sharing: "Teilung", .untreated: "Unbehandelt"],
        maturityLevels: "Reifegrade", downward: "Fallend", stable: "Stabil", upward: "Steigend", allServices: "Alle Dienste",
        comment: "Kommentar", noObservations: "Keine Beobachtungen.", noData: "Keine Daten für diesen Teil des Berichts.")
}
