-- Linkage with large industry (issue 9): buyer profiles, sourcing requests,
-- interests between buyer and supplier, supply relationships.
-- Dates are 'YYYY-MM-DD' text, timestamps RFC 3339 text, lists JSON text.

CREATE TABLE buyer_profiles (
    user_id       INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    company_name  TEXT NOT NULL,
    industry      TEXT NOT NULL,
    province_code TEXT NOT NULL,
    contact_name  TEXT NOT NULL,
    contact_phone TEXT,
    contact_email TEXT,
    updated_at    TEXT NOT NULL
);

CREATE TABLE sourcing_requests (
    id            INTEGER PRIMARY KEY,
    buyer_user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    kbli_code     TEXT NOT NULL,
    keywords      TEXT NOT NULL,
    standards     TEXT NOT NULL,
    min_monthly   INTEGER NOT NULL CHECK (min_monthly > 0),
    capacity_unit TEXT NOT NULL,
    regions       TEXT NOT NULL,
    deadline      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX sourcing_requests_buyer ON sourcing_requests (buyer_user_id, id);
CREATE INDEX sourcing_requests_status ON sourcing_requests (status, id);

CREATE TABLE sourcing_interests (
    id            INTEGER PRIMARY KEY,
    request_id    INTEGER NOT NULL REFERENCES sourcing_requests (id) ON DELETE CASCADE,
    enterprise_id INTEGER NOT NULL REFERENCES enterprises (id) ON DELETE CASCADE,
    message       TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined')),
    created_at    TEXT NOT NULL,
    decided_at    TEXT,
    decided_by    TEXT,
    UNIQUE (request_id, enterprise_id)
);
CREATE INDEX sourcing_interests_enterprise ON sourcing_interests (enterprise_id, id);

CREATE TABLE supply_relationships (
    id          INTEGER PRIMARY KEY,
    interest_id INTEGER NOT NULL UNIQUE REFERENCES sourcing_interests (id) ON DELETE CASCADE,
    started_on  TEXT NOT NULL,
    note        TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL
);

-- Matching and the directory start from live certificates, which are few:
-- this index finds them without reading the registry.
CREATE INDEX certifications_live ON certifications (state, expires_on, standard_code, enterprise_id);
