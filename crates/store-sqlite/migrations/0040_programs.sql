-- Facilitation programmes (issue 7): programmes with their rules and
-- regional allocations, enrolments, and the append-only money ledger.
-- Money is whole rupiah (INTEGER); dates 'YYYY-MM-DD', timestamps RFC 3339.

CREATE TABLE programs (
    id          INTEGER PRIMARY KEY,
    year        INTEGER NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('restrukturisasi_mesin', 'subsidi_sertifikasi_sni', 'subsidi_halal',
                                             'pelatihan_pendampingan', 'promosi', 'digital')),
    name        TEXT NOT NULL,
    owner_unit  TEXT NOT NULL,
    budget      INTEGER NOT NULL CHECK (budget > 0),
    quota       INTEGER CHECK (quota > 0),
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    -- naikkelas_core::programs::Eligibility and Benefit as JSON: rules are
    -- data of the programme year (DOMAIN.md §9: rates change between years).
    eligibility TEXT NOT NULL,
    benefit     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE INDEX programs_year ON programs (year, name);

-- Budget per province or regency; allocations of one programme do not nest.
CREATE TABLE program_allocations (
    program_id  INTEGER NOT NULL REFERENCES programs (id),
    region_code TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    PRIMARY KEY (program_id, region_code)
) WITHOUT ROWID;

-- One row per application of an enterprise to a programme. Read by the
-- analytics of programme impact; the columns they rely on:
--   program_id, enterprise_id  who takes part in what;
--   status                     applied | verified | approved | rejected;
--   applied_at                 when the application was made;
--   verified_at                when an official verified it;
--   decided_at                 when it was approved or rejected (see status);
--   regency_code               the enterprise's regency at application;
--   certification_id           the certification a subsidy paid for.
-- Amounts approved and disbursed are in program_ledger, never here.
CREATE TABLE program_enrolments (
    id                INTEGER PRIMARY KEY,
    program_id        INTEGER NOT NULL REFERENCES programs (id),
    enterprise_id     INTEGER NOT NULL REFERENCES enterprises (id),
    regency_code      TEXT NOT NULL,
    -- The allocation drawn on (NULL when the programme has none).
    allocation_region TEXT,
    status            TEXT NOT NULL CHECK (status IN ('applied', 'verified', 'approved', 'rejected')),
    machine_price     INTEGER CHECK (machine_price >= 0),
    machine_origin    TEXT CHECK (machine_origin IN ('domestic', 'imported')),
    requested_amount  INTEGER NOT NULL CHECK (requested_amount >= 0),
    note              TEXT,
    applied_at        TEXT NOT NULL,
    applied_by        TEXT NOT NULL,
    applied_by_user   INTEGER NOT NULL,
    verified_at       TEXT,
    verified_by       TEXT,
    verified_by_user  INTEGER,
    decided_at        TEXT,
    decided_by        TEXT,
    decided_by_user   INTEGER,
    rejection_reason  TEXT,
    certification_id  INTEGER REFERENCES certifications (id),
    updated_at        TEXT NOT NULL
);
CREATE UNIQUE INDEX program_enrolments_live ON program_enrolments (program_id, enterprise_id)
    WHERE status <> 'rejected';
CREATE INDEX program_enrolments_enterprise ON program_enrolments (enterprise_id);
CREATE INDEX program_enrolments_program ON program_enrolments (program_id, status);

-- Approvals and disbursements. Append-only: a correction is a row with the
-- negated amount naming the row it reverses (at most once).
CREATE TABLE program_ledger (
    id                INTEGER PRIMARY KEY,
    program_id        INTEGER NOT NULL REFERENCES programs (id),
    enrolment_id      INTEGER NOT NULL REFERENCES program_enrolments (id),
    kind              TEXT NOT NULL CHECK (kind IN ('approval', 'disbursement')),
    amount            INTEGER NOT NULL CHECK (amount <> 0),
    reverses          INTEGER UNIQUE REFERENCES program_ledger (id),
    allocation_region TEXT,
    at                TEXT NOT NULL,
    actor             TEXT NOT NULL,
    note              TEXT,
    CHECK ((reverses IS NULL) = (amount > 0))
);
CREATE INDEX program_ledger_enrolment ON program_ledger (enrolment_id, kind);
CREATE INDEX program_ledger_program ON program_ledger (program_id, allocation_region, kind);

CREATE TRIGGER program_ledger_no_update BEFORE UPDATE ON program_ledger
BEGIN
    SELECT RAISE(ABORT, 'the programme ledger is append-only');
END;
CREATE TRIGGER program_ledger_no_delete BEFORE DELETE ON program_ledger
BEGIN
    SELECT RAISE(ABORT, 'the programme ledger is append-only');
END;
