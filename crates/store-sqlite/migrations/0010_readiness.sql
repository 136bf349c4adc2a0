-- Standards catalogue (reloaded by `migrate` when the shipped stamp changes)
-- and readiness self-assessments with their answers and action plans.

CREATE TABLE standards (
    code     TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,
    number   TEXT NOT NULL,
    revision TEXT NOT NULL,
    position INTEGER NOT NULL,
    -- The parsed standard as JSON (naikkelas_core::standards::Standard).
    body     TEXT NOT NULL
);

CREATE TABLE assessments (
    id                INTEGER PRIMARY KEY,
    enterprise_id     INTEGER NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    standard_code     TEXT NOT NULL,
    standard_revision TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('in_progress', 'completed')),
    started_by        TEXT NOT NULL,
    started_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    completed_at      TEXT,
    score_permille    INTEGER CHECK (score_permille BETWEEN 0 AND 1000),
    meets_threshold   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX assessments_enterprise ON assessments (enterprise_id, standard_code, status, id);
CREATE UNIQUE INDEX assessments_one_open ON assessments (enterprise_id, standard_code) WHERE status = 'in_progress';

CREATE TABLE assessment_answers (
    assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    item_id       TEXT NOT NULL,
    answer        TEXT NOT NULL CHECK (answer IN ('ya', 'sebagian', 'tidak', 'tidak_berlaku')),
    evidence      TEXT,
    answered_by   TEXT NOT NULL,
    answered_at   TEXT NOT NULL,
    PRIMARY KEY (assessment_id, item_id)
);

CREATE TABLE assessment_actions (
    id            INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    item_id       TEXT NOT NULL,
    critical      INTEGER NOT NULL,
    priority      INTEGER NOT NULL,
    text          TEXT,
    owner         TEXT NOT NULL DEFAULT '',
    due_date      TEXT,
    status        TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done')),
    updated_at    TEXT NOT NULL,
    UNIQUE (assessment_id, item_id)
);
