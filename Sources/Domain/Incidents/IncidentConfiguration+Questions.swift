import Foundation
import Postgres

extension IncidentConfiguration {
    // MARK: Questions

    public func questions(_ principal: Principal, kind: QuestionKind? = nil) async throws -> [Question] {
        let regulatorID = try readableRegulator(principal)
        return try await postgres.query("""
            SELECT \(Question.columns) FROM questions q WHERE q.regulator_id = $1 AND ($2::text IS NULL OR q.kind = $2)
            ORDER BY lower(q.reference), q.id
            """, regulatorID, kind?.rawValue).map(Question.init(row:))
    }

    public func question(_ principal: Principal, id: UUID) async throws -> Question {
        let regulatorID = try readableRegulator(principal, object: "question")
        return try await postgres.withSession { try await loadQuestion(id, regulatorID: regulatorID, session: $0) }
    }

    /// Creates (`id == nil`) or replaces a question with its ordered options.
    public func saveQuestion(_ principal: Principal, id: UUID?, _ input: QuestionInput, client: ClientInfo) async throws -> Question {
        let regulatorID = try writableRegulator(principal, object: id == nil ? nil : "question")
        var validator = Validator()
        let reference = validator.text(input.reference, "reference", required: true, maximumLength: 255)
        let label = validator.languageMap(input.label, "label", required: true, maximumLength: 10_000)
        let tooltip = validator.languageMap(input.tooltip, "tooltip", required: false, maximumLength: 1000)
        var options: [(id: UUID?, label: LanguageMap)] = []
        for (index, option) in input.options.enumerated() {
            options.append((option.id, validator.languageMap(option.label, "options[\(index)].label", required: true, maximumLength: 1000)))
        }
        if input.kind.hasOptions {
            validator.check(!options.isEmpty, "options", "required", "A \(input.kind.rawValue) question needs at least one option.")
        } else {
            validator.check(options.isEmpty, "options", "not_allowed", "Only choice questions have options.")
        }
        validator.check(options.count <= 100, "options", "too_many", "A question has at most 100 options.")
        _ = validator.distinct(options.compactMap(\.id), "options")
        try validator.throwIfInvalid()
        let questionID = id ?? UUID()
        return try await mappingConflicts(duplicate: "Another question already has the reference \(reference!).") {
            try await postgres.withTransaction { session in
                if id == nil {
                    try await session.query("""
                        INSERT INTO questions (id, regulator_id, reference, kind, label, tooltip) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)
                        """, questionID, regulatorID, reference!, input.kind.rawValue, label.json, tooltip.json)
                } else {
                    guard try await session.query("""
                        UPDATE questions SET reference = $3, kind = $4, label = $5::jsonb, tooltip = $6::jsonb, updated_at = now()
                        WHERE id = $1 AND regulator_id = $2 RETURNING id
                        """, questionID, regulatorID, reference!, input.kind.rawValue, label.json, tooltip.json).count == 1 else {
                        throw DomainError.notFound("No such question.")
                    }
                }
                try await Self.replaceOptions(of: questionID, with: options, session: session)
                try await audit("question.\(id == nil ? "created" : "updated")", principal, objectType: "question", objectID: questionID,
                                regulatorID: regulatorID, client: client, in: session)
                return try await loadQuestion(questionID, regulatorID: regulatorID, session: session)
            }
        }
    }

    /// A copy of the question and its options: reference "<reference> (copy)" (numbered when
    /// taken), labels suffixed " (copy)".
    public func duplicateQuestion(_ principal: Principal, id: UUID, client: ClientInfo) async throws -> Question {
        let regulatorID = try writableRegulator(principal, object: "question")
        return try await postgres.withTransaction { session in
            let original = try await loadQuestion(id, regulatorID: regulatorID, session: session)
            let taken = Set(try await session.query("SELECT lower(reference) AS reference FROM questions WHERE regulator_id = $1", regulatorID)
                .map { try $0.decode("reference", as: String.self) })
            var reference = ""
            for number in 1... {
                let suffix = number == 1 ? " (copy)" : " (copy \(number))"
                reference = String(original.reference.prefix(255 - suffix.count)) + suffix
                if !taken.contains(reference.lowercased()) { break }
            }
            let label = LanguageMap(original.label.values.mapValues { String($0.prefix(10_000 - 7)) + " (copy)" })
            let copyID = UUID()
            try await session.query("""
                INSERT INTO questions (id, regulator_id, reference, kind, label, tooltip) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)
                """, copyID, regulatorID, reference, original.kind.rawValue, label.json, original.tooltip.json)
            try await Self.replaceOptions(of: copyID, with: original.options.map { (nil, $0.label) }, session: session)
            try await audit("question.created", principal, objectType: "question", objectID: copyID, regulatorID: regulatorID,
                            client: client, in: session)
            return try await loadQuestion(copyID, regulatorID: regulatorID, session: session)
        }
    }

    public func deleteQuestion(_ principal: Principal, id: UUID, client: ClientInfo) async throws {
        try await deleteOwned(principal, table: "questions", objectType: "question", noun: "question", id: id,
                              inUse: "The question is in a report type's questionnaire; take it out there first.", client: client)
    }

    private func loadQuestion(_ id: UUID, regulatorID: UUID, session: PostgresSession) async throws -> Question {
        guard let row = try await session.query("SELECT \(Question.columns) FROM questions q WHERE q.id = $1 AND q.regulator_id = $2",
                                                id, regulatorID).first else { throw DomainError.notFound("No such question.") }
        return try Question(row: row)
    }

    /// Makes `options` the question's options, in order: given ids are kept (they must be the
    /// question's own), new ones created, missing ones removed.
    private static func replaceOptions(of questionID: UUID, with options: [(id: UUID?, label: LanguageMap)],
                                       session: PostgresSession) async throws {
        let existing = Set(try await session.query("SELECT id FROM question_options WHERE question_id = $1", questionID)
            .map { try $0.decode("id", as: UUID.self) })
        let unknown = options.enumerated().filter { $0.element.id.map { !existing.contains($0) } ?? false }
        guard unknown.isEmpty else {
            throw DomainError.validation(unknown.map { FieldError(field: "options[\($0.offset)].id", code: "not_found",
                                                                  message: "Not an option of this question; leave the id out for a new option.") })
        }
        try await session.query("DELETE FROM question_options WHERE question_id = $1 AND NOT (id = ANY($2::uuid[]))",
                                questionID, options.compactMap(\.id))
        for (position, option) in options.enumerated() {
            try await session.query("""
                INSERT INTO question_options (id, question_id, position, label) VALUES ($1, $2, $3, $4::jsonb)
                ON CONFLICT (id) DO UPDATE SET position = excluded.position, label = excluded.label
                """, option.id ?? UUID(), questionID, position, option.label.json)
        }
    }
}
