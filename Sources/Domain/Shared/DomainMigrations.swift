import Foundation
import Postgres

/// The platform's schema migrations, shipped as SQL files in the `Migrations` resource folder.
public enum DomainMigrations {
    /// Every migration, in order.
    public static func all() throws -> [Migration] {
        guard let directory = Bundle.module.url(forResource: "Migrations", withExtension: nil) else {
            throw MigrationError.badFileName("Migrations resource folder is missing")
        }
        return try Migration.load(from: directory)
    }
}
