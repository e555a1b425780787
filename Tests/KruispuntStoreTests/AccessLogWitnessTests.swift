import Foundation
import KruispuntStore
import Testing

/// Entries removed from the end of the access log break no link of the chain; the witness file
/// names the newest entry written and stops moving once the log lost it, so `verify` finds the cut
/// even after new entries were chained onto it.
extension EmbeddedStoreTests {
    @Test func theWitnessFindsEntriesRemovedFromTheEnd() throws {
        try withCluster { db, dir in
            let witness = AccessLogWitness(file: dir.appendingPathComponent("access-log.head"))
            func entries(_ n: Int, _ path: String) -> [AccessLog.Entry] {
                (0..<n).map { AccessLog.Entry(atMillis: 1_796_000_000_000 + Int64($0), identity: "anonymous", method: "GET", path: path) }
            }
            try AccessLog.append(entries(5, "/a"), on: db, witness: witness)
            #expect(witness.read()?.seq == 5)
            #expect(try AccessLog.verify(on: db, witness: witness).intact)

            // Cut the newest two with the guard off: the chain alone still holds.
            try db.execute("SET session_replication_role = replica")
            try db.execute("DELETE FROM access_log WHERE seq > 3")
            try db.execute("SET session_replication_role = origin")
            #expect(try AccessLog.verify(on: db).intact)
            let cut = try AccessLog.verify(on: db, witness: witness)
            #expect(cut.firstBroken == 4 && cut.reason?.contains("removed from the end") == true)

            // New entries chained onto the cut do not move the witness on: the cut stays visible.
            try AccessLog.append(entries(4, "/b"), on: db, witness: witness)
            #expect(witness.read()?.seq == 5)
            let covered = try AccessLog.verify(on: db, witness: witness)
            #expect(covered.firstBroken == 5 && covered.reason?.contains("witness") == true)
        }
    }
}

/// Entries go in through binary COPY: every field comes back as it was given (NUL, which
/// PostgreSQL text cannot hold, as U+FFFD), and the chain hashes what was stored.
extension EmbeddedStoreTests {
    @Test func entriesComeBackAsWrittenAndTheChainHolds() throws {
        try withCluster { db, _ in
            let odd = AccessLog.Entry(kind: "http", atMillis: 1_796_000_000_123, identity: "analyst:mechelen:3fa2c1d0e9b8",
                                      tenant: "mechelen", client: "2001:db8::1", method: "POST", path: "/sparql",
                                      query: "SELECT * WHERE { ?s ?p \"tab\there\\nnewline\u{0}nul é 🚦\" }",
                                      status: 200, items: 12_345_678_901, bytes: 1 << 40, durationMicros: 987_654_321)
            let bare = AccessLog.Entry(atMillis: 946_684_799_999, identity: "anonymous", method: "GET", path: "/")
            try AccessLog.append([odd, bare], on: db)
            let listed = try AccessLog.list(.init(), limit: 10, on: db)
            #expect(listed.map(\.seq) == [2, 1])
            var expected = odd
            expected.query = "SELECT * WHERE { ?s ?p \"tab\there\\nnewline\u{FFFD}nul é 🚦\" }"
            #expect(listed.last?.entry == expected)
            #expect(listed.first?.entry == bare)
            #expect(try AccessLog.verify(on: db).intact)
        }
    }
}
