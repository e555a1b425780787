import KruispuntRDF

/// Versioned schema migrations, applied in order at start inside one transaction each.
/// A migration never changes once released: add a new one instead.
public enum Migrations {
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String
        /// Work after the SQL that needs the store's code (in the same transaction).
        public var then: (@Sendable (Connection) throws -> Void)? = nil
    }

    /// Every migration, oldest first.
    public static let all: [Migration] = [
        Migration(version: 1, name: "quad store", sql: """
            -- Dictionary of RDF terms: a stable 64-bit id per term, found through the 128-bit
            -- hash of its N-Triples form (never by scanning text). Typed values for range filters.
            CREATE TABLE terms (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                key uuid NOT NULL UNIQUE,
                kind smallint NOT NULL,           -- 0 IRI, 1 blank node, 2 literal
                lex text NOT NULL,
                datatype text,
                lang text,
                num numeric,
                ts timestamptz
            );
            CREATE INDEX terms_num ON terms (num) WHERE num IS NOT NULL;
            CREATE INDEX terms_ts ON terms (ts) WHERE ts IS NOT NULL;
            -- Quads of term ids; g = 0 is the default graph.
            CREATE TABLE quads (
                g bigint NOT NULL, s bigint NOT NULL, p bigint NOT NULL, o bigint NOT NULL,
                PRIMARY KEY (g, s, p, o)
            );
            CREATE INDEX quads_spog ON quads (s, p, o, g);
            CREATE INDEX quads_posg ON quads (p, o, s, g);
            CREATE INDEX quads_ospg ON quads (o, s, p, g);
            """),
        Migration(version: 2, name: "ANPR staging", sql: """
            -- Accepted detections (short retention). No plate hash is kept: the pseudonym is
            -- HMAC-SHA256(period key, plate hash), linkable only inside one key period; the
            -- fingerprint is a per-detection hash of (camera, instant, pseudonym) to drop duplicates.
            CREATE TABLE ingest_batches (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                source text NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now(),
                lines integer NOT NULL DEFAULT 0,
                accepted integer NOT NULL DEFAULT 0,
                duplicates integer NOT NULL DEFAULT 0,
                quarantined integer NOT NULL DEFAULT 0,
                speeds_discarded integer NOT NULL DEFAULT 0,  -- speeds outside 0 < s <= 250, kept as missing
                header text                                   -- the CSV header line (null for NDJSON)
            );
            CREATE TABLE detections (
                id bigint GENERATED ALWAYS AS IDENTITY,   -- arrival order, for checkpoints and retention
                fingerprint uuid PRIMARY KEY,
                camera_id text NOT NULL,
                backoffice_id text,
                pseudonym bytea NOT NULL,
                observed_at timestamptz NOT NULL,
                utc_offset_minutes smallint NOT NULL,
                latitude double precision,        -- null: the camera registry's position applies
                longitude double precision,
                nationality text NOT NULL,        -- ISO 3166-1 alpha-2 or 'unknown'
                speed_kmh real,                   -- null when missing or implausible
                vehicle_class text NOT NULL,      -- car, light_truck, heavy_truck, bus, motorcycle, unknown
                batch_id bigint NOT NULL      -- ingest_batches.id; no foreign key: a per-row check halves COPY speed
            );
            -- Ids only grow: a block-range index serves the range scans at a fraction of a btree's cost.
            CREATE INDEX detections_id ON detections USING brin (id) WITH (pages_per_range = 32);
            -- Uploads with an Idempotency-Key: a retried upload returns the first result, applied once.
            CREATE TABLE ingest_requests (
                idempotency_key text PRIMARY KEY,
                batch_id bigint NOT NULL REFERENCES ingest_batches (id),
                content_digest text,                      -- SHA-256 of the upload, to refuse a reused key
                summary text NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now()
            );
            -- Lines that failed validation, with the reason, kept for inspection (same retention).
            CREATE TABLE quarantine (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                batch_id bigint NOT NULL REFERENCES ingest_batches (id),
                line_number integer NOT NULL,
                reason text NOT NULL,
                raw text NOT NULL
            );
            -- Camera registry: imported (cameras.csv) or learned from detections (then flagged for review).
            CREATE TABLE cameras (
                camera_id text PRIMARY KEY,
                backoffice_id text,
                name text,
                municipality text,
                latitude double precision,
                longitude double precision,
                bearing double precision,
                source text NOT NULL DEFAULT 'detection',     -- 'registry' or 'detection'
                needs_review boolean NOT NULL DEFAULT false,
                first_seen timestamptz,
                last_seen timestamptz
            );
            """),
        Migration(version: 3, name: "zones", sql: """
            -- Zones (cordons) with their entry, exit and inside cameras; a GeoJSON outline for maps.
            CREATE TABLE zones (
                zone_id text PRIMARY KEY,
                name text NOT NULL,
                geojson text
            );
            CREATE TABLE zone_cameras (
                zone_id text NOT NULL REFERENCES zones (zone_id) ON DELETE CASCADE,
                camera_id text NOT NULL,
                role text NOT NULL CHECK (role IN ('entry', 'exit', 'inside')),
                PRIMARY KEY (zone_id, camera_id, role)
            );
            """),
        Migration(version: 4, name: "treatment state", sql: """
            CREATE TABLE treatment_checkpoints (
                name text PRIMARY KEY,
                last_detection_id bigint NOT NULL,
                last_run_at timestamptz
            );
            -- Running counts per camera and bucket ('H' local hour, 'D' local day), with the
            -- version number of the last published observation.
            CREATE TABLE count_cells (
                camera_id text NOT NULL,
                period char(1) NOT NULL,
                start_utc timestamptz NOT NULL,
                end_utc timestamptz NOT NULL,
                count bigint NOT NULL,
                version integer NOT NULL DEFAULT 0,
                PRIMARY KEY (camera_id, period, start_utc)
            );
            CREATE TABLE treatment_runs (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                run_at timestamptz NOT NULL,
                up_to_detection_id bigint NOT NULL,   -- the checkpoint after the run (for retention)
                detections bigint NOT NULL,
                observations bigint NOT NULL,
                min_count integer NOT NULL
            );
            """),
        Migration(version: 5, name: "event stream members", sql: """
            -- Members of each event stream in the order they were published.
            CREATE TABLE stream_members (
                stream text NOT NULL,
                seq bigint GENERATED ALWAYS AS IDENTITY,
                member bigint NOT NULL REFERENCES terms (id),
                version_of bigint NOT NULL REFERENCES terms (id),
                generated_at timestamptz NOT NULL,
                PRIMARY KEY (stream, seq)
            );
            CREATE INDEX stream_members_version_of ON stream_members (stream, version_of, seq DESC);
            """),
        Migration(version: 6, name: "settings", sql: """
            -- Facts about the store itself, such as the base URL every stored IRI starts with.
            CREATE TABLE settings (key text PRIMARY KEY, value text NOT NULL);
            """),
        Migration(version: 7, name: "every scenario-1 metric", sql: """
            -- The running counts of the first slice give way to per-day recomputation.
            DROP TABLE count_cells;
            DELETE FROM treatment_checkpoints;
            ALTER TABLE treatment_checkpoints ADD COLUMN max_event_ms bigint NOT NULL DEFAULT 0,
                ADD COLUMN watermark_ms bigint NOT NULL DEFAULT 0;
            ALTER TABLE treatment_runs ADD COLUMN late_after_purge bigint NOT NULL DEFAULT 0;
            -- What consumers see of every observation and its version number. `value` is the
            -- true value, internal to the treatment (profiles and sums are computed from it).
            CREATE TABLE published_cells (
                key text PRIMARY KEY,             -- the observation path below /id/observation/
                day date NOT NULL,                -- the local day it belongs to (the unit of recomputation)
                state text NOT NULL,              -- '=value', 's' (suppressed) or '-' (withdrawn)
                value double precision NOT NULL,
                version integer NOT NULL
            );
            CREATE INDEX published_cells_day ON published_cells (day);
            -- Local days with detections: to recompute (dirty), all buckets closed, raw data purged.
            CREATE TABLE treatment_days (
                day date PRIMARY KEY,
                dirty boolean NOT NULL DEFAULT true,
                closed boolean NOT NULL DEFAULT false,
                purged boolean NOT NULL DEFAULT false
            );
            -- A zone's own transit limit (null: the treatment's default).
            ALTER TABLE zones ADD COLUMN transit_limit_seconds integer CHECK (transit_limit_seconds > 0);
            """),
        Migration(version: 8, name: "member quarantine", sql: """
            -- Observation versions the treatment did not publish because they failed their SHACL
            -- shape, with the validation report (N-Triples). Holds no detection data.
            CREATE TABLE member_quarantine (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                key text NOT NULL,                -- the observation path below /id/observation/
                state text NOT NULL,
                report text NOT NULL,
                at timestamptz NOT NULL DEFAULT now()
            );
            """),
        Migration(version: 9, name: "load tables", sql: """
            -- Large loads become tables of their own that inherit from quads (quads_1, quads_2, ...),
            -- indexed once after COPY; queries on quads see them all.
            CREATE SEQUENCE quad_tables;
            """),
        Migration(version: 10, name: "stream time buckets and horizons", sql: """
            -- Members per stream and UTC hour of publication: the time-fragmented view's nodes and
            -- their tree:remainingItems, without counting members. Kept when retention removes
            -- the members (the pages that list them never change).
            CREATE TABLE stream_buckets (
                stream text NOT NULL,
                hour timestamptz NOT NULL,
                members bigint NOT NULL,
                PRIMARY KEY (stream, hour)
            );
            INSERT INTO stream_buckets (stream, hour, members)
                SELECT stream, date_trunc('hour', generated_at, 'UTC'), count(*) FROM stream_members GROUP BY 1, 2;
            CREATE INDEX stream_members_time ON stream_members (stream, generated_at, seq);
            CREATE INDEX stream_members_generated_at ON stream_members (generated_at);
            -- Retention of published members: members of a stream published before
            -- removed_before are gone (their pages answer 410 Gone).
            CREATE TABLE stream_horizons (stream text PRIMARY KEY, removed_before timestamptz NOT NULL);
            """),
        Migration(version: 11, name: "time series", sql: """
            -- Time series read one feature's observations by path prefix (any collation).
            CREATE INDEX published_cells_prefix ON published_cells (key text_pattern_ops, day);
            """),
        Migration(version: 12, name: "SPARQL-lite", sql: """
            -- The numeric datatype an operand brings to arithmetic (integer types as xsd:integer),
            -- and the type of a result by promotion (SPARQL 17.3): one call each, so that nested
            -- expressions do not repeat their operands.
            CREATE FUNCTION kp_numeric_type(num numeric, dt text) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                SELECT CASE WHEN num IS NULL THEN NULL
                    WHEN dt IN ('http://www.w3.org/2001/XMLSchema#decimal', 'http://www.w3.org/2001/XMLSchema#double',
                                'http://www.w3.org/2001/XMLSchema#float') THEN dt
                    ELSE 'http://www.w3.org/2001/XMLSchema#integer' END
            $$;
            CREATE FUNCTION kp_promote(a text, b text, division boolean) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                SELECT CASE WHEN a IS NULL OR b IS NULL THEN NULL
                    WHEN a = 'http://www.w3.org/2001/XMLSchema#double' OR b = 'http://www.w3.org/2001/XMLSchema#double'
                        THEN 'http://www.w3.org/2001/XMLSchema#double'
                    WHEN a = 'http://www.w3.org/2001/XMLSchema#float' OR b = 'http://www.w3.org/2001/XMLSchema#float'
                        THEN 'http://www.w3.org/2001/XMLSchema#float'
                    WHEN a = 'http://www.w3.org/2001/XMLSchema#decimal' OR b = 'http://www.w3.org/2001/XMLSchema#decimal' OR division
                        THEN 'http://www.w3.org/2001/XMLSchema#decimal'
                    ELSE 'http://www.w3.org/2001/XMLSchema#integer' END
            $$;
            -- A number as mantissa (one digit before the point) and exponent: 1.5E3.
            CREATE FUNCTION kp_scientific(n numeric, e int) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                SELECT CASE WHEN m::text LIKE '%.%' THEN m::text ELSE m::text || '.0' END || 'E' || e
                FROM (SELECT trim_scale(round(n / power(10::numeric, e), 15)) AS m) x
            $$;
            -- The canonical lexical form of a number SPARQL-lite computed (xsd:integer, decimal,
            -- float or double), so that results read back as the terms a client expects.
            CREATE FUNCTION kp_numeric_lexical(n numeric, dt text) RETURNS text
            LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
                SELECT CASE
                    WHEN n IS NULL THEN NULL
                    WHEN dt IN ('http://www.w3.org/2001/XMLSchema#double', 'http://www.w3.org/2001/XMLSchema#float')
                        THEN CASE WHEN n = 0 THEN '0.0E0' ELSE kp_scientific(n, floor(log(abs(n)))::int) END
                    WHEN dt = 'http://www.w3.org/2001/XMLSchema#decimal'
                        THEN CASE WHEN trim_scale(n) = trunc(n) THEN trunc(n)::text || '.0' ELSE trim_scale(n)::text END
                    ELSE trunc(n)::text
                END
            $$;
            """),
        Migration(version: 13, name: "SPARQL-lite: observation index", sql: ObservationIndex.schema + """
            -- A SPARQL value's fields as one (MIN and MAX keep the first row by SPARQL's order
            -- with one sort, not one per field).
            CREATE TYPE kp_value AS (k smallint, l text, d text, g text, n numeric, t timestamptz);
            """, then: ObservationIndex.rebuild),
        Migration(version: 14, name: "date-times without a time zone in the implicit one", sql: "SELECT 1",
                  then: { try TypedValue.dating(XSD.dateTime, on: $0) }),
        Migration(version: 15, name: "no JIT compilation", sql: """
            -- The store's statements are short and their row estimates over joined quads are
            -- rough: JIT compiling a SPARQL query's expressions took a second where the query
            -- itself runs in a fraction of one (sessions opened from now on).
            DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET jit = off', current_database()); END $$;
            """),
        Migration(version: 16, name: "dates by value", sql: "SELECT 1", then: { try TypedValue.dating(XSD.date, on: $0) }),
        Migration(version: 17, name: "observation index in order of start", sql: """
            -- A range of starts is read a page at a time through a block-range index, the rows in
            -- the order `ObservationIndex.physicalOrder` writes them: a month of a year's data
            -- took 320 ms through the B-tree (a heap fetch per row), 250 ms this way.
            DROP INDEX observation_rows_start;
            CREATE TEMP TABLE observation_rows_ordered ON COMMIT DROP AS
                SELECT * FROM observation_rows ORDER BY \(ObservationIndex.physicalOrder(start: "start_t", sensor: "sensor"));
            TRUNCATE observation_rows;
            INSERT INTO observation_rows SELECT * FROM observation_rows_ordered;
            -- New pages join it when a large load ends (`ObservationIndex`) or at the next
            -- vacuum: until then a range scan reads them all (a few pages between vacuums live;
            -- autosummarize would queue a request per 16 pages of a load, most of them dropped).
            CREATE INDEX observation_rows_start ON observation_rows USING brin (start_t) WITH (pages_per_range = 16);
            ANALYZE observation_rows
            """),
        Migration(version: 18, name: "members in order of publication", sql: """
            -- The dashboard's live feed reads the newest members of every stream (`LiveFeed`).
            CREATE INDEX stream_members_seq ON stream_members (seq)
            """),
        Migration(version: 19, name: "links from superseded versions", sql: "SELECT 1",
                  then: { try VersionLinks.backfill(on: $0) }),
        Migration(version: 20, name: "access log", sql: AccessLog.schema),
        Migration(version: 21, name: "ingest statistics per camera and day", sql: """
            -- Valid lines (received) and new detections (accepted) per local day, camera and
            -- channel (upload, drop, cli), kept after the detections themselves are purged.
            CREATE TABLE ingest_camera_days (
                day date NOT NULL,
                camera_id text NOT NULL,
                channel text NOT NULL,
                received bigint NOT NULL,
                accepted bigint NOT NULL,
                PRIMARY KEY (day, camera_id, channel)
            );
            -- Detections still staged count as received and accepted (their duplicates are gone).
            INSERT INTO ingest_camera_days (day, camera_id, channel, received, accepted)
            SELECT (d.observed_at AT TIME ZONE 'Europe/Brussels')::date, d.camera_id,
                   CASE WHEN b.source LIKE 'upload:%' THEN 'upload' WHEN b.source LIKE 'drop:%' THEN 'drop' ELSE 'cli' END,
                   count(*), count(*)
            FROM detections d JOIN ingest_batches b ON b.id = d.batch_id
            GROUP BY 1, 2, 3;
            -- The watermark after each run: the treatment's lag over time.
            ALTER TABLE treatment_runs ADD COLUMN watermark_ms bigint;
            """),
        Migration(version: 22, name: "incidents", sql: Incidents.schema),
        Migration(version: 23, name: "data quality", sql: """
            -- Valid lines per camera and UTC hour as received (duplicates included): the duplicate
            -- share of a camera-hour is 1 - detections / received.
            CREATE TABLE ingest_camera_hours (
                hour timestamptz NOT NULL,
                camera_id text NOT NULL,
                received bigint NOT NULL,
                PRIMARY KEY (hour, camera_id)
            );
            -- The treatment's data-quality measures per camera and UTC hour, the rules that fired
            -- and the published version (stream `data-quality`).
            CREATE TABLE quality_hours (
                camera_id text NOT NULL,
                hour timestamptz NOT NULL,
                detections integer NOT NULL,
                measures jsonb NOT NULL,
                fired text[] NOT NULL,
                version integer NOT NULL,
                PRIMARY KEY (camera_id, hour)
            );
            CREATE INDEX quality_hours_hour ON quality_hours (hour);
            """),
        Migration(version: 24, name: "tenants and API tokens", sql: APITokens.schema),
        Migration(version: 25, name: "quarantined lines per camera-hour", sql: """
            -- Lines quarantined per camera and UTC hour, for lines whose camera was valid (the
            -- hour of their timestamp, or of their arrival when the timestamp was not).
            ALTER TABLE ingest_camera_hours ADD COLUMN quarantined bigint NOT NULL DEFAULT 0;
            """),
        Migration(version: 26, name: "tenant municipalities", sql: Tenants.municipalitiesSchema),
        Migration(version: 27, name: "purpose grants", sql: PurposeGrants.schema),
        Migration(version: 28, name: "vehicle registry extract", sql: """
            -- The vehicle-registry extract (kruispunt enrich import), pseudonymised per key period
            -- like the detections (no plate hash is kept); first registration as a year only.
            CREATE TABLE vehicle_registry (
                pseudonym bytea PRIMARY KEY,
                period_first date NOT NULL,     -- the key period's first and last local day
                period_last date NOT NULL,
                euro_class text CHECK (euro_class ~ '^([0-6]|6d)$'),
                first_registration_year smallint,
                fuel text NOT NULL,
                category text NOT NULL,
                country text NOT NULL
            );
            CREATE INDEX vehicle_registry_period ON vehicle_registry (period_last);
            """),
        Migration(version: 29, name: "browser sessions", sql: Sessions.schema),
        Migration(version: 30, name: "restricted observations and LEZ rules", sql: RestrictedStore.schema),
        Migration(version: 31, name: "restricted quads for SPARQL", sql: RestrictedStore.quadsSchema),
    ]

    /// Applies the migrations the database does not have yet; returns the versions applied.
    @discardableResult
    public static func apply(on db: Connection) throws -> [Int] {
        try db.transaction {
            try db.execute("SELECT pg_advisory_xact_lock(7212001)")
            try db.execute("""
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                """)
            let applied = Set(try db.query("SELECT version FROM schema_migrations").compactMap { $0[0].flatMap(Int.init) })
            var done: [Int] = []
            for m in all where !applied.contains(m.version) {
                do {
                    try db.execute(m.sql)
                    try m.then?(db)
                } catch {
                    throw StoreError("migration \(m.version) (\(m.name)) failed: \(error)")
                }
                try db.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [String(m.version), m.name])
                done.append(m.version)
            }
            return done
        }
    }

    /// The highest version applied, or 0.
    public static func currentVersion(on db: Connection) throws -> Int {
        let rows = try db.query("SELECT coalesce(max(version), 0) FROM schema_migrations")
        return rows.first?[0].flatMap(Int.init) ?? 0
    }
}
