-- naikkelas SQLite schema, version 1.
--
-- Reference tables are reloaded by `migrate` whenever the shipped data
-- changes, so registry rows refer to region and KBLI codes by value, not by
-- foreign key: a renumbered regency must not block a reload.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE provinces (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE regencies (
    code          TEXT PRIMARY KEY,
    province_code TEXT NOT NULL REFERENCES provinces (code),
    name          TEXT NOT NULL,
    kind          TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE districts (
    code         TEXT PRIMARY KEY,
    regency_code TEXT NOT NULL REFERENCES regencies (code),
    name         TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE kbli (
    code     TEXT NOT NULL,
    version  TEXT NOT NULL,
    level    TEXT NOT NULL,
    division TEXT NOT NULL,
    name_id  TEXT NOT NULL,
    name_en  TEXT NOT NULL,
    PRIMARY KEY (code, version)
) WITHOUT ROWID;

CREATE TABLE enterprises (
    id                INTEGER PRIMARY KEY,
    nib               TEXT NOT NULL UNIQUE,
    name              TEXT NOT NULL,
    -- Unicode-lowercased name, computed by the program: the keyset order.
    name_key          TEXT NOT NULL,
    owner_name        TEXT NOT NULL,
    address           TEXT NOT NULL,
    province_code     TEXT NOT NULL,
    regency_code      TEXT NOT NULL,
    district_code     TEXT,
    founded_year      INTEGER,
    phone             TEXT,
    email             TEXT,
    -- JSON arrays, in the order given; enterprise_kbli is the searchable copy.
    kbli              TEXT NOT NULL,
    products          TEXT NOT NULL,
    commodities       TEXT NOT NULL,
    quality_level     TEXT NOT NULL DEFAULT 'L0',
    -- Derived from the newest year of figures on every figures write.
    latest_year       INTEGER,
    latest_size_class TEXT,
    latest_workers    INTEGER,
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX enterprises_order ON enterprises (name_key, nib);
CREATE INDEX enterprises_province ON enterprises (province_code, name_key, nib);
CREATE INDEX enterprises_regency ON enterprises (regency_code, name_key, nib);
CREATE INDEX enterprises_district ON enterprises (district_code) WHERE district_code IS NOT NULL;
CREATE INDEX enterprises_size ON enterprises (latest_size_class, name_key, nib);
CREATE INDEX enterprises_quality ON enterprises (quality_level);

CREATE TABLE enterprise_kbli (
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    kbli_code     TEXT NOT NULL,
    kbli_version  TEXT NOT NULL,
    division      TEXT NOT NULL,
    PRIMARY KEY (enterprise_id, position)
) WITHOUT ROWID;
CREATE INDEX enterprise_kbli_code ON enterprise_kbli (kbli_code, enterprise_id);
CREATE INDEX enterprise_kbli_division ON enterprise_kbli (division, enterprise_id);

CREATE TABLE figures (
    enterprise_id    INTEGER NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    year             INTEGER NOT NULL,
    workers          INTEGER NOT NULL,
    investment_idr   INTEGER NOT NULL,
    production_idr   INTEGER NOT NULL,
    export_usd_cents INTEGER NOT NULL,
    capacity         INTEGER,
    capacity_unit    TEXT,
    size_class       TEXT NOT NULL,
    finalised_at     TEXT,
    finalised_by     TEXT,
    corrections      INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (enterprise_id, year)
) WITHOUT ROWID;
CREATE INDEX figures_year ON figures (year, size_class, enterprise_id);

CREATE TABLE figure_revisions (
    id               INTEGER PRIMARY KEY,
    enterprise_id    INTEGER NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    year             INTEGER NOT NULL,
    workers          INTEGER NOT NULL,
    investment_idr   INTEGER NOT NULL,
    production_idr   INTEGER NOT NULL,
    export_usd_cents INTEGER NOT NULL,
    capacity         INTEGER,
    capacity_unit    TEXT,
    reason           TEXT NOT NULL,
    corrected_by     TEXT NOT NULL,
    corrected_at     TEXT NOT NULL
);
CREATE INDEX figure_revisions_enterprise ON figure_revisions (enterprise_id, id);

CREATE TABLE permits (
    id            INTEGER PRIMARY KEY,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    kind          TEXT NOT NULL,
    number        TEXT NOT NULL,
    issuer        TEXT NOT NULL,
    valid_from    TEXT NOT NULL,
    valid_until   TEXT
);
CREATE INDEX permits_enterprise ON permits (enterprise_id);

-- Search body per enterprise (rowid = enterprises.id): lowercased name, NIB
-- and products, one per line. Trigram tokens give substring matching for
-- queries of three characters or more; shorter ones scan with instr().
CREATE VIRTUAL TABLE enterprise_search USING fts5 (body, tokenize = 'trigram');

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    role           TEXT NOT NULL,
    region_code    TEXT,
    enterprise_nib TEXT,
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     TEXT NOT NULL
);

-- Times as Unix microseconds: expiry is compared in SQL, and RFC 3339 text
-- with a variable number of fraction digits does not sort correctly.
CREATE TABLE sessions (
    id_hash    TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_expiry ON sessions (expires_at);

CREATE TABLE api_tokens (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE audit_log (
    seq         INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id   TEXT NOT NULL,
    before      TEXT,
    after       TEXT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, seq);

-- The log is append-only; the hash chain finds tampering from outside the
-- program, these triggers stop accidents from inside it.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
