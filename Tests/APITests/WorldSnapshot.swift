import Foundation
import Postgres

/// A copy of every table of a test database, put back on demand: permission rows that change
/// something (an operator created, a user deactivated) are undone before the next call, so every
/// actor of every row meets the same world. The copy lives in the schema `world_snapshot`;
/// restoring deletes and reinserts each table with foreign-key triggers off (the test database
/// belongs to a superuser).
struct WorldSnapshot {
    let postgres: PostgresClient

    static func take(_ postgres: PostgresClient) async throws -> WorldSnapshot {
        try await postgres.withTransaction { session in
            try await session.query("DROP SCHEMA IF EXISTS world_snapshot CASCADE")
            try await session.query("CREATE SCHEMA world_snapshot")
            for row in try await session.query("""
                SELECT table_name FROM information_schema.tables
                WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations'
                """) {
                let table: String = try row.decode("table_name")
                try await session.query("CREATE TABLE world_snapshot.\(quoted(table)) AS TABLE public.\(quoted(table))")
            }
            try await session.query("""
                CREATE OR REPLACE FUNCTION world_snapshot.restore() RETURNS void LANGUAGE plpgsql AS $$
                DECLARE t record; columns text;
                BEGIN
                    PERFORM set_config('session_replication_role', 'replica', true);
                    FOR t IN SELECT table_name FROM information_schema.tables WHERE table_schema = 'world_snapshot' AND table_type = 'BASE TABLE' LOOP
                        SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position) INTO columns FROM information_schema.columns
                        WHERE table_schema = 'public' AND table_name = t.table_name AND is_generated = 'NEVER';
                        EXECUTE format('DELETE FROM public.%I', t.table_name);
                        EXECUTE format('INSERT INTO public.%I (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM world_snapshot.%I',
                                       t.table_name, columns, columns, t.table_name);
                    END LOOP;
                END $$
                """)
        }
        return WorldSnapshot(postgres: postgres)
    }

    /// Puts every table back as it was when the snapshot was taken.
    func restore() async throws {
        try await postgres.withTransaction { session in _ = try await session.query("SELECT world_snapshot.restore()") }
    }

    private static func quoted(_ name: String) -> String { "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
}
