-- Insight rollups (naikkelas_store::insight): figures pre-aggregated by
-- year × province × regency × primary KBLI division × size class × quality
-- level, kept up to date by the triggers below in the transaction of every
-- write, so dashboards never scan the registry. Same cells as SQLite's
-- 0060_insight.sql; here one function applies a delta to both tables.
--
-- The quality level of each year: set from the enterprise's level when that
-- year's figures are written (a writer that does not name the column leaves
-- it NULL and the BEFORE trigger fills it); the latest year follows the
-- enterprise's level when it changes. Existing data: every year gets the
-- enterprise's current level (no history was recorded; this invents no
-- transitions), and `migrate` fills the cells, seeing `insight_rollups_stale`.

ALTER TABLE figures ADD COLUMN quality_level TEXT NOT NULL DEFAULT 'L0';
UPDATE figures f SET quality_level = e.quality_level FROM enterprises e WHERE e.id = f.enterprise_id;
ALTER TABLE figures ALTER COLUMN quality_level DROP DEFAULT;

-- The division of the primary (lowest position) KBLI code under which the
-- enterprise's figures are counted, '' without one: the KBLI rows are
-- replaced one by one, so the triggers compare against what was counted.
ALTER TABLE enterprises ADD COLUMN insight_division TEXT NOT NULL DEFAULT '';
UPDATE enterprises e SET insight_division = COALESCE(
    (SELECT k.division FROM enterprise_kbli k WHERE k.enterprise_id = e.id ORDER BY k.position LIMIT 1), '');

CREATE TABLE insight_rollup (
    year             INTEGER NOT NULL,
    province_code    TEXT NOT NULL,
    regency_code     TEXT NOT NULL,
    kbli_division    TEXT NOT NULL,
    size_class       TEXT NOT NULL,
    quality_level    TEXT NOT NULL,
    units            BIGINT NOT NULL,
    workers          BIGINT NOT NULL,
    investment_idr   BIGINT NOT NULL,
    production_idr   BIGINT NOT NULL,
    export_usd_cents BIGINT NOT NULL,
    exporters        BIGINT NOT NULL,
    upgraded         BIGINT NOT NULL,
    PRIMARY KEY (year, province_code, regency_code, kbli_division, size_class, quality_level)
);

CREATE TABLE insight_rollup_province (
    year             INTEGER NOT NULL,
    province_code    TEXT NOT NULL,
    kbli_division    TEXT NOT NULL,
    size_class       TEXT NOT NULL,
    quality_level    TEXT NOT NULL,
    units            BIGINT NOT NULL,
    workers          BIGINT NOT NULL,
    investment_idr   BIGINT NOT NULL,
    production_idr   BIGINT NOT NULL,
    export_usd_cents BIGINT NOT NULL,
    exporters        BIGINT NOT NULL,
    upgraded         BIGINT NOT NULL,
    PRIMARY KEY (year, province_code, kbli_division, size_class, quality_level)
);

INSERT INTO meta (key, value) VALUES ('insight_rollups_stale', '1')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;

CREATE FUNCTION insight_size_rank(s TEXT) RETURNS INTEGER IMMUTABLE LANGUAGE sql AS $$
    SELECT CASE s WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END
$$;

-- The division of the enterprise's primary KBLI code as its rows say now.
CREATE FUNCTION insight_primary_division(eid BIGINT) RETURNS TEXT STABLE LANGUAGE sql AS $$
    SELECT COALESCE((SELECT division FROM enterprise_kbli WHERE enterprise_id = eid ORDER BY position LIMIT 1), '')
$$;

-- 1 when (size, level) of year y is above the enterprise's figures of y - 1.
CREATE FUNCTION insight_upgraded(eid BIGINT, y INTEGER, sz TEXT, lvl TEXT) RETURNS BIGINT STABLE LANGUAGE sql AS $$
    SELECT count(*) FROM figures p
    WHERE p.enterprise_id = eid AND p.year = y - 1
        AND (insight_size_rank(sz) > insight_size_rank(p.size_class) OR lvl > p.quality_level)
$$;

-- Adds a delta to one cell and its provincial sum; emptied cells go.
CREATE FUNCTION insight_add(y INTEGER, prov TEXT, reg TEXT, div TEXT, sz TEXT, lvl TEXT, u BIGINT, w BIGINT,
    inv BIGINT, prod BIGINT, ex BIGINT, exps BIGINT, up BIGINT) RETURNS VOID LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO insight_rollup AS r VALUES (y, prov, reg, div, sz, lvl, u, w, inv, prod, ex, exps, up)
    ON CONFLICT (year, province_code, regency_code, kbli_division, size_class, quality_level) DO UPDATE
    SET units = r.units + excluded.units, workers = r.workers + excluded.workers,
        investment_idr = r.investment_idr + excluded.investment_idr,
        production_idr = r.production_idr + excluded.production_idr,
        export_usd_cents = r.export_usd_cents + excluded.export_usd_cents,
        exporters = r.exporters + excluded.exporters, upgraded = r.upgraded + excluded.upgraded;
    DELETE FROM insight_rollup WHERE year = y AND province_code = prov AND regency_code = reg
        AND kbli_division = div AND size_class = sz AND quality_level = lvl AND units = 0;
    INSERT INTO insight_rollup_province AS r VALUES (y, prov, div, sz, lvl, u, w, inv, prod, ex, exps, up)
    ON CONFLICT (year, province_code, kbli_division, size_class, quality_level) DO UPDATE
    SET units = r.units + excluded.units, workers = r.workers + excluded.workers,
        investment_idr = r.investment_idr + excluded.investment_idr,
        production_idr = r.production_idr + excluded.production_idr,
        export_usd_cents = r.export_usd_cents + excluded.export_usd_cents,
        exporters = r.exporters + excluded.exporters, upgraded = r.upgraded + excluded.upgraded;
    DELETE FROM insight_rollup_province WHERE year = y AND province_code = prov AND kbli_division = div
        AND size_class = sz AND quality_level = lvl AND units = 0;
END
$$;

-- One figures row arriving (sign 1) or leaving (sign -1): its own cell, and
-- the next year's "moved up", which depends on it.
CREATE FUNCTION insight_row(eid BIGINT, y INTEGER, sz TEXT, lvl TEXT, w BIGINT, inv BIGINT, prod BIGINT, ex BIGINT,
    sign INTEGER) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    e RECORD;
    n RECORD;
BEGIN
    SELECT province_code, regency_code, insight_division INTO e FROM enterprises WHERE id = eid;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM insight_add(y, e.province_code, e.regency_code, e.insight_division, sz, lvl, sign, sign * w, sign * inv, sign * prod,
        sign * ex, sign * (ex > 0)::INTEGER, sign * insight_upgraded(eid, y, sz, lvl));
    SELECT size_class, quality_level INTO n FROM figures WHERE enterprise_id = eid AND year = y + 1;
    IF FOUND AND (insight_size_rank(n.size_class) > insight_size_rank(sz) OR n.quality_level > lvl) THEN
        PERFORM insight_add(y + 1, e.province_code, e.regency_code, e.insight_division, n.size_class, n.quality_level,
            0, 0, 0, 0, 0, 0, sign);
    END IF;
END
$$;

-- Every year of an enterprise leaving (sign -1) or arriving (1) at a place.
CREATE FUNCTION insight_enterprise(eid BIGINT, prov TEXT, reg TEXT, div TEXT, sign INTEGER) RETURNS VOID
LANGUAGE plpgsql AS $$
DECLARE
    f RECORD;
BEGIN
    FOR f IN SELECT * FROM figures WHERE enterprise_id = eid LOOP
        PERFORM insight_add(f.year, prov, reg, div, f.size_class, f.quality_level, sign, sign * f.workers,
            sign * f.investment_idr, sign * f.production_idr, sign * f.export_usd_cents,
            sign * (f.export_usd_cents > 0)::INTEGER,
            sign * insight_upgraded(eid, f.year, f.size_class, f.quality_level));
    END LOOP;
END
$$;

CREATE FUNCTION insight_figures_level() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.quality_level IS NULL THEN
        NEW.quality_level := COALESCE((SELECT quality_level FROM enterprises WHERE id = NEW.enterprise_id), 'L0');
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER insight_figures_level BEFORE INSERT ON figures
    FOR EACH ROW EXECUTE FUNCTION insight_figures_level();

CREATE FUNCTION insight_figures() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM insight_row(OLD.enterprise_id, OLD.year, OLD.size_class, OLD.quality_level, OLD.workers,
            OLD.investment_idr, OLD.production_idr, OLD.export_usd_cents, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM insight_row(NEW.enterprise_id, NEW.year, NEW.size_class, NEW.quality_level, NEW.workers,
            NEW.investment_idr, NEW.production_idr, NEW.export_usd_cents, 1);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER insight_figures_ins AFTER INSERT OR DELETE ON figures
    FOR EACH ROW EXECUTE FUNCTION insight_figures();
CREATE TRIGGER insight_figures_upd AFTER UPDATE ON figures
    FOR EACH ROW
    WHEN ((OLD.workers, OLD.investment_idr, OLD.production_idr, OLD.export_usd_cents, OLD.size_class,
           OLD.quality_level)
          IS DISTINCT FROM (NEW.workers, NEW.investment_idr, NEW.production_idr, NEW.export_usd_cents,
           NEW.size_class, NEW.quality_level))
    EXECUTE FUNCTION insight_figures();

-- Deleting the figures first, while the enterprise still says where they
-- counted, takes them out of their cells (the cascade would come too late).
CREATE FUNCTION insight_enterprise_del() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM figures WHERE enterprise_id = OLD.id;
    RETURN OLD;
END
$$;
CREATE TRIGGER insight_enterprise_del BEFORE DELETE ON enterprises
    FOR EACH ROW EXECUTE FUNCTION insight_enterprise_del();

CREATE FUNCTION insight_enterprise_upd() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF (OLD.province_code, OLD.regency_code) IS DISTINCT FROM (NEW.province_code, NEW.regency_code) THEN
        PERFORM insight_enterprise(NEW.id, OLD.province_code, OLD.regency_code, OLD.insight_division, -1);
        PERFORM insight_enterprise(NEW.id, NEW.province_code, NEW.regency_code, OLD.insight_division, 1);
    END IF;
    IF OLD.quality_level IS DISTINCT FROM NEW.quality_level THEN
        UPDATE figures SET quality_level = NEW.quality_level
        WHERE enterprise_id = NEW.id AND year = (SELECT max(year) FROM figures WHERE enterprise_id = NEW.id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER insight_enterprise_upd AFTER UPDATE OF province_code, regency_code, quality_level ON enterprises
    FOR EACH ROW EXECUTE FUNCTION insight_enterprise_upd();

-- A change of the KBLI rows that changes the primary division moves every
-- year to the new division.
CREATE FUNCTION insight_primary_kbli() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
    e RECORD;
    eid BIGINT;
    d TEXT;
BEGIN
    IF TG_OP = 'DELETE' THEN
        eid := OLD.enterprise_id;
    ELSE
        eid := NEW.enterprise_id;
    END IF;
    SELECT province_code, regency_code, insight_division INTO e FROM enterprises WHERE id = eid;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    d := insight_primary_division(eid);
    IF d <> e.insight_division THEN
        PERFORM insight_enterprise(eid, e.province_code, e.regency_code, e.insight_division, -1);
        PERFORM insight_enterprise(eid, e.province_code, e.regency_code, d, 1);
        UPDATE enterprises SET insight_division = d WHERE id = eid;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER insight_primary_kbli AFTER INSERT OR UPDATE OR DELETE ON enterprise_kbli
    FOR EACH ROW EXECUTE FUNCTION insight_primary_kbli();
