import ArgumentParser
import Foundation
import KruispuntANPR
import KruispuntRDF
import KruispuntServer
import KruispuntStore

/// `kruispunt token create|list|revoke`: API tokens, shown once and stored as their SHA-256.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "API tokens: create (shown once), list, revoke.",
        discussion: """
            Roles: analyst (of a tenant), operator, admin, ingest. Only the token's SHA-256 is stored; \
            the access log names a token by the first 12 hex digits of it. A revoked token stops working \
            within 5 seconds on a running server.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a token and print it (it is never shown again).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "analyst, operator, admin or ingest.") var role: String
        @Option(help: "The tenant of an analyst (kruispunt tenant create).") var tenant: String?
        @Option(help: "Valid for this long: an ISO 8601 duration such as P90D, P2W, PT12H.") var expires: String?
        @Option(help: "Valid through this day (Europe/Brussels) or until this date-time.") var until: String?
        @Option(help: "Who or what the token is for (shown in the list).") var label: String?

        func validate() throws {
            guard Role(rawValue: role) != nil else { throw ValidationError("--role must be one of analyst, operator, admin, ingest") }
            if expires != nil && until != nil { throw ValidationError("give --expires or --until, not both") }
        }

        func run() async throws {
            let now = Int64(Date.now.timeIntervalSince1970 * 1000)
            var expiresMillis: Int64?
            if let expires {
                guard let seconds = ISODuration.seconds(expires), seconds > 0 else {
                    throw ValidationError("--expires must be an ISO 8601 duration such as P90D, P2W or PT12H (got '\(expires)')")
                }
                expiresMillis = now + seconds * 1000
            }
            if let until {
                if let instant = XSDDateTime(until) {
                    expiresMillis = instant.epochMillis
                } else if let day = XSDDateTime(until + "T00:00:00Z") {
                    expiresMillis = BrusselsTime.dayStart(Int(day.epochMillis / 86_400_000) + 1)
                } else {
                    throw ValidationError("--until must be a date (YYYY-MM-DD) or a date-time (got '\(until)')")
                }
                if expiresMillis! <= now { throw ValidationError("--until lies in the past") }
            }
            let runtime = try global.runtime(label: "token create")
            defer { runtime.shutdown() }
            let (secret, token) = try APITokens.create(role: Role(rawValue: role)!, tenant: tenant, expiresMillis: expiresMillis,
                                                       label: label, on: try runtime.connect())
            StandardOutput.write(secret + "\n")
            var about = "token \(token.id): \(token.role.rawValue)" + (token.tenant.map { " of \($0)" } ?? "")
            about += token.expiresMillis.map { ", valid until \(BrusselsTime.format($0))" } ?? ", no expiry"
            FileHandle.standardError.write(Data((about + "; store it now, it is not shown again\n").utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every token (never its secret) as CSV, newest first.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let runtime = try global.runtime(label: "token list")
            defer { runtime.shutdown() }
            let now = Int64(Date.now.timeIntervalSince1970 * 1000)
            var text = "id,role,tenant,label,digest,created,expires,state\n"
            for t in try APITokens.list(on: try runtime.connect()) {
                let fields = [String(t.id), t.role.rawValue, t.tenant ?? "", t.label ?? "", t.digest, AccessLog.iso(t.createdMillis),
                              t.expiresMillis.map(AccessLog.iso) ?? "", t.state(atMillis: now).rawValue]
                text += fields.map(CSVField.quoted).joined(separator: ",") + "\n"
            }
            StandardOutput.write(text)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a token by its id (see token list).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The token's id.") var id: Int64

        func run() async throws {
            let runtime = try global.runtime(label: "token revoke")
            defer { runtime.shutdown() }
            guard try APITokens.revoke(id: id, on: try runtime.connect()) else {
                throw ValidationError("no token \(id), or it was revoked already")
            }
            StandardOutput.write("revoked token \(id)\n")
        }
    }
}

/// `kruispunt tenant create|update|list`: the cities (and other bodies) analysts work for.
struct TenantCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tenant", abstract: "Tenants: create, update, list.",
        discussion: """
            A tenant's own cameras are those whose municipality in the camera registry (cameras.csv) is \
            one of the tenant's municipalities; its analysts see the data quality of those cameras.
            """, subcommands: [Create.self, Update.self, List.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a tenant.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Its id: lower-case letters, digits and hyphens (mechelen).") var id: String
        @Option(help: "Its name (Stad Mechelen).") var name: String
        @Option(help: "A municipality whose cameras are its own (repeat, or comma-separated).") var municipality: [String] = []

        func run() async throws {
            let runtime = try global.runtime(label: "tenant create")
            defer { runtime.shutdown() }
            let db = try runtime.connect()
            let tenant = try Tenants.create(id: id, name: name, municipalities: municipality, on: db)
            StandardOutput.write(try TenantCommand.describe(tenant, on: db))
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Change a tenant's name or municipalities.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The tenant's id.") var id: String
        @Option(help: "Its new name.") var name: String?
        @Option(help: "Its municipalities, replacing the ones it had (repeat, or comma-separated; \"\" for none).")
        var municipality: [String] = []

        func run() async throws {
            guard name != nil || !municipality.isEmpty else { throw ValidationError("give --name or --municipality") }
            let runtime = try global.runtime(label: "tenant update")
            defer { runtime.shutdown() }
            let db = try runtime.connect()
            let tenant = try Tenants.update(id: id, name: name, municipalities: municipality.isEmpty ? nil : municipality, on: db)
            StandardOutput.write(try TenantCommand.describe(tenant, on: db))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every tenant as CSV, with its municipalities and how many cameras it owns.")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            let runtime = try global.runtime(label: "tenant list")
            defer { runtime.shutdown() }
            let db = try runtime.connect()
            var text = "id,name,municipalities,cameras\n"
            for t in try Tenants.list(on: db) {
                text += [t.id, t.name, t.municipalities.joined(separator: ";"), String(try Tenants.cameras(of: t.id, on: db).count)]
                    .map(CSVField.quoted).joined(separator: ",") + "\n"
            }
            StandardOutput.write(text)
        }
    }

    static func describe(_ t: Tenants.Tenant, on db: Connection) throws -> String {
        let cameras = try Tenants.cameras(of: t.id, on: db).count
        let places = t.municipalities.isEmpty ? "no municipality" : t.municipalities.joined(separator: ", ")
        return "tenant \(t.id): \(t.name) (\(places); \(cameras) camera\(cameras == 1 ? "" : "s") now)\n"
    }
}

/// `kruispunt purpose grant|list|revoke`: the legal purposes that let a tenant receive restricted
/// (scenario-2) metrics.
struct PurposeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "purpose", abstract: "Purposes granted to tenants: grant, list, revoke.",
        discussion: """
            A grant lets a tenant's analysts receive restricted metrics (\(PurposeGrants.restrictedMetrics.joined(separator: ", "))) \
            for a legal purpose until a day. A purpose a tenant holds is revoked before it is granted again, so every \
            change is a grant or a revocation in the access log.
            """, subcommands: [Grant.self, List.self, Revoke.self])

    struct Grant: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Grant a purpose to a tenant.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The tenant (kruispunt tenant create).") var tenant: String
        @Option(help: "The purpose: lower-case letters, digits and hyphens (lez-monitoring).") var purpose: String
        @Option(help: "Restricted metrics, comma-separated.") var metrics: String
        @Option(help: "The last day the grant holds (YYYY-MM-DD).") var until: String
        @Option(help: "The legal basis, for the record (a council decision, an agreement).") var basis: String?

        func run() async throws {
            let runtime = try global.runtime(label: "purpose grant")
            defer { runtime.shutdown() }
            let g = try PurposeGrants.grant(tenant: tenant, purpose: purpose, metrics: [metrics], until: until, basis: basis,
                                            on: try runtime.connect())
            StandardOutput.write("grant \(g.id): \(g.tenant) \(g.purpose) (\(g.metrics.joined(separator: ", "))) until \(g.until)\n")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every grant as CSV, revoked and expired ones too.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this tenant's.") var tenant: String?

        func run() async throws {
            let runtime = try global.runtime(label: "purpose list")
            defer { runtime.shutdown() }
            var text = "id,tenant,purpose,metrics,until,basis,granted,revoked\n"
            for g in try PurposeGrants.list(tenant: tenant, on: try runtime.connect()) {
                text += [String(g.id), g.tenant, g.purpose, g.metrics.joined(separator: ";"), g.until, g.basis ?? "", g.grantedAt, g.revokedAt ?? ""]
                    .map(CSVField.quoted).joined(separator: ",") + "\n"
            }
            StandardOutput.write(text)
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a grant by its id (see purpose list).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The grant's id.") var id: Int64

        func run() async throws {
            let runtime = try global.runtime(label: "purpose revoke")
            defer { runtime.shutdown() }
            guard try PurposeGrants.revoke(id: id, on: try runtime.connect()) else {
                throw ValidationError("no grant \(id), or it was revoked already")
            }
            StandardOutput.write("revoked grant \(id)\n")
        }
    }
}
