@testable import KruispuntStore
import Testing

/// The server log as pgaudit writes it, read into access-log entries: multi-line statements,
/// sub-statements, sessions without an application name, and a record still being written.
@Suite struct DatabaseAuditTests {
    @Test func auditLinesBecomeEntriesAndAnUnfinishedOneWaits() throws {
        let complete = [
            "waiting for server to start.... done",
            "2026-11-30 02:39:05.679 UTC [6270] LOG:  database system is ready to accept connections",
            "2026-11-30 02:39:12.006 UTC [6290] <postgres@kruispunt|psql|[local]> LOG:  AUDIT: SESSION,1,1,READ,SELECT,,,\"SELECT a, \"\"b\"\"",
            "  FROM terms\",<not logged>",
            "2026-11-30 02:39:13.500 UTC [6291] <admin@kruispunt||10.0.0.5(41234)> LOG:  AUDIT: SESSION,2,1,DDL,CREATE TABLE,,,CREATE TABLE x (a int),<not logged>",
            "2026-11-30 02:39:13.500 UTC [6291] <admin@kruispunt||10.0.0.5(41234)> LOG:  AUDIT: SESSION,2,2,DDL,CREATE INDEX,,,CREATE TABLE x (a int),<not logged>",
        ].joined(separator: "\n") + "\n"
        let unfinished = "2026-11-30 02:39:14.000 UTC [6292] <postgres@kruispunt|psql|[local]> LOG:  AUDIT: SESSION,1,1,WRITE,INSERT,,,\"INSERT INTO t VALUES ('x\n"
        let (entries, consumed) = DatabaseAudit.parse(complete + unfinished)
        #expect(consumed == complete.utf8.count)
        #expect(entries.count == 2)
        let read = try #require(entries.first)
        #expect(read.kind == "database" && read.identity == "db:postgres" && read.client == "local" && read.method == "READ")
        #expect(read.path == "database:kruispunt/psql" && read.query == "SELECT a, \"b\"\n  FROM terms")
        #expect(read.atMillis == 1_796_006_352_006)
        let ddl = try #require(entries.last)
        #expect(ddl.identity == "db:admin" && ddl.path == "database:kruispunt" && ddl.client == "10.0.0.5(41234)" && ddl.method == "DDL")
        // Once the statement is complete, the next import takes it.
        let (later, rest) = DatabaseAudit.parse(unfinished + "',1)\",<not logged>\n")
        #expect(later.count == 1 && later[0].query == "INSERT INTO t VALUES ('x\n',1)" && rest == (unfinished + "',1)\",<not logged>\n").utf8.count)
    }
}
