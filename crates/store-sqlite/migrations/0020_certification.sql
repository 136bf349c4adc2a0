-- Certification (issue 6): bodies, certifier membership, applications
-- through certificates, findings and the event history.
-- Dates are 'YYYY-MM-DD' text, timestamps RFC 3339 text.

-- Standards that can be certified, with their validity. A small table of
-- its own so that certification does not depend on the readiness catalogue;
-- validity is data (DOMAIN.md §2c: set product by product).
CREATE TABLE certification_standards (
    code            TEXT PRIMARY KEY,
    title           TEXT NOT NULL,
    scheme          TEXT NOT NULL CHECK (scheme IN ('sni_type5', 'iso')),
    validity_months INTEGER NOT NULL CHECK (validity_months > 0),
    source          TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO certification_standards (code, title, scheme, validity_months, source) VALUES
    ('SNI 2983:2014', 'Kopi instan', 'sni_type5', 48, 'Permenperin 87/M-IND/PER/10/2014; SPPT SNI 4 tahun'),
    ('SNI 3747:2024', 'Kakao bubuk', 'sni_type5', 48, 'Permenperin 10/2025; SPPT SNI 4 tahun'),
    ('SNI 7709:2019', 'Minyak goreng sawit', 'sni_type5', 48, 'Permenperin 87/M-IND/PER/12/2013 dan perubahannya; SPPT SNI 4 tahun'),
    ('SNI 3553:2015', 'Air mineral', 'sni_type5', 48, 'Permenperin 78/M-IND/PER/11/2016; SPPT SNI 4 tahun'),
    ('SNI 3556:2010', 'Garam konsumsi beriodium', 'sni_type5', 48, 'SPPT SNI 4 tahun (pola umum)'),
    ('SNI 7617:2013', 'Pakaian bayi', 'sni_type5', 48, 'Permenperin 07/M-IND/PER/2/2014; SPPT SNI 4 tahun (pola umum)'),
    ('SNI ISO 9001:2015', 'Sistem manajemen mutu', 'iso', 36, 'ISO/IEC 17021-1 9.1.3: siklus 3 tahun'),
    ('SNI ISO 22000:2018', 'Sistem manajemen keamanan pangan', 'iso', 36, 'ISO/IEC 17021-1 9.1.3: siklus 3 tahun');

CREATE TABLE certification_bodies (
    id         INTEGER PRIMARY KEY,
    code       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('lspro', 'lssm')),
    kan_number TEXT NOT NULL,
    scope      TEXT NOT NULL -- JSON list of standard codes
);

-- A certifier account belongs to one body (the users table stays as it is).
CREATE TABLE certifier_bodies (
    user_id INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    body_id INTEGER NOT NULL REFERENCES certification_bodies (id)
);

CREATE TABLE certifications (
    id                   INTEGER PRIMARY KEY,
    enterprise_id        INTEGER NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    body_id              INTEGER NOT NULL REFERENCES certification_bodies (id),
    standard_code        TEXT NOT NULL REFERENCES certification_standards (code),
    scheme               TEXT NOT NULL,
    scope                TEXT NOT NULL,
    applied_on           TEXT NOT NULL,
    state                TEXT NOT NULL,
    number               TEXT UNIQUE,
    decided_on           TEXT,
    issued_on            TEXT,
    expires_on           TEXT,
    last_surveillance_on TEXT,
    surveillance_due_on  TEXT,
    testing_passed       INTEGER,
    reason               TEXT,
    state_since          TEXT NOT NULL,
    version              INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL
);
CREATE INDEX certifications_enterprise ON certifications (enterprise_id);
CREATE INDEX certifications_body ON certifications (body_id, state);

CREATE TABLE certification_findings (
    id                INTEGER PRIMARY KEY,
    certification_id  INTEGER NOT NULL REFERENCES certifications (id) ON DELETE CASCADE,
    grade             TEXT NOT NULL CHECK (grade IN ('major', 'minor', 'observation')),
    clause            TEXT NOT NULL,
    description       TEXT NOT NULL,
    raised_at         TEXT NOT NULL,
    raised_by         TEXT NOT NULL,
    corrective_action TEXT,
    evidence          TEXT,
    closed_at         TEXT,
    closed_by         TEXT
);
CREATE INDEX certification_findings_cert ON certification_findings (certification_id);

CREATE TABLE certification_events (
    certification_id INTEGER NOT NULL REFERENCES certifications (id) ON DELETE CASCADE,
    seq              INTEGER NOT NULL,
    at               TEXT NOT NULL,
    actor            TEXT NOT NULL,
    event            TEXT NOT NULL,
    from_state       TEXT,
    to_state         TEXT NOT NULL,
    note             TEXT,
    PRIMARY KEY (certification_id, seq)
) WITHOUT ROWID;
