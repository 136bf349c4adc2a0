-- Insight rollups (naikkelas_store::insight): figures pre-aggregated by
-- year × province × regency × primary KBLI division × size class × quality
-- level, kept up to date by the triggers below in the transaction of every
-- write, so dashboards never scan the registry.
--
-- The quality level of each year: set from the enterprise's level when that
-- year's figures are written; the latest year follows the enterprise's level
-- when it changes. Writers that do not name the column leave '' ("pending"),
-- which the fill trigger replaces at once. A pending row counts nowhere (not
-- in the cells, not as anyone's previous year) until it is filled; during a
-- bulk load (meta `bulk_load_in_progress`, store-sqlite/src/bulk.rs) no
-- trigger maintains anything and the end of the load fills the pending rows
-- and rebuilds the cells (src/insight.rs).
--
-- Existing data: every year gets the enterprise's current level (the
-- history was never recorded; this invents no transitions), and `migrate`
-- fills the cells, seeing `insight_rollups_stale`.

ALTER TABLE figures ADD COLUMN quality_level TEXT NOT NULL DEFAULT '';
UPDATE figures SET quality_level = (SELECT e.quality_level FROM enterprises e WHERE e.id = figures.enterprise_id);

CREATE TABLE insight_rollup (
    year             INTEGER NOT NULL,
    province_code    TEXT NOT NULL,
    regency_code     TEXT NOT NULL,
    kbli_division    TEXT NOT NULL,
    size_class       TEXT NOT NULL,
    quality_level    TEXT NOT NULL,
    units            INTEGER NOT NULL,
    workers          INTEGER NOT NULL,
    investment_idr   INTEGER NOT NULL,
    production_idr   INTEGER NOT NULL,
    export_usd_cents INTEGER NOT NULL,
    exporters        INTEGER NOT NULL,
    upgraded         INTEGER NOT NULL,
    PRIMARY KEY (year, province_code, regency_code, kbli_division, size_class, quality_level)
) WITHOUT ROWID;

-- The same cells summed over regencies: national and provincial views read
-- a few thousand rows. Maintained from insight_rollup by triggers.
CREATE TABLE insight_rollup_province (
    year             INTEGER NOT NULL,
    province_code    TEXT NOT NULL,
    kbli_division    TEXT NOT NULL,
    size_class       TEXT NOT NULL,
    quality_level    TEXT NOT NULL,
    units            INTEGER NOT NULL,
    workers          INTEGER NOT NULL,
    investment_idr   INTEGER NOT NULL,
    production_idr   INTEGER NOT NULL,
    export_usd_cents INTEGER NOT NULL,
    exporters        INTEGER NOT NULL,
    upgraded         INTEGER NOT NULL,
    PRIMARY KEY (year, province_code, kbli_division, size_class, quality_level)
) WITHOUT ROWID;

INSERT INTO meta (key, value) VALUES ('insight_rollups_stale', '1')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;

-- ----- provincial cells follow the regency cells -----
-- (skipped while a rebuild writes both tables itself: meta `insight_rebuild`)

CREATE TRIGGER insight_rollup_ins AFTER INSERT ON insight_rollup
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'insight_rebuild')
BEGIN
    INSERT INTO insight_rollup_province VALUES (NEW.year, NEW.province_code, NEW.kbli_division, NEW.size_class,
        NEW.quality_level, NEW.units, NEW.workers, NEW.investment_idr, NEW.production_idr, NEW.export_usd_cents,
        NEW.exporters, NEW.upgraded)
    ON CONFLICT DO UPDATE SET units = units + excluded.units, workers = workers + excluded.workers,
        investment_idr = investment_idr + excluded.investment_idr,
        production_idr = production_idr + excluded.production_idr,
        export_usd_cents = export_usd_cents + excluded.export_usd_cents,
        exporters = exporters + excluded.exporters, upgraded = upgraded + excluded.upgraded;
END;

CREATE TRIGGER insight_rollup_upd AFTER UPDATE ON insight_rollup
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'insight_rebuild')
BEGIN
    UPDATE insight_rollup_province SET units = units + NEW.units - OLD.units,
        workers = workers + NEW.workers - OLD.workers,
        investment_idr = investment_idr + NEW.investment_idr - OLD.investment_idr,
        production_idr = production_idr + NEW.production_idr - OLD.production_idr,
        export_usd_cents = export_usd_cents + NEW.export_usd_cents - OLD.export_usd_cents,
        exporters = exporters + NEW.exporters - OLD.exporters, upgraded = upgraded + NEW.upgraded - OLD.upgraded
    WHERE year = NEW.year AND province_code = NEW.province_code AND kbli_division = NEW.kbli_division
        AND size_class = NEW.size_class AND quality_level = NEW.quality_level;
END;

CREATE TRIGGER insight_rollup_del AFTER DELETE ON insight_rollup
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'insight_rebuild')
BEGIN
    UPDATE insight_rollup_province SET units = units - OLD.units, workers = workers - OLD.workers,
        investment_idr = investment_idr - OLD.investment_idr, production_idr = production_idr - OLD.production_idr,
        export_usd_cents = export_usd_cents - OLD.export_usd_cents, exporters = exporters - OLD.exporters,
        upgraded = upgraded - OLD.upgraded
    WHERE year = OLD.year AND province_code = OLD.province_code AND kbli_division = OLD.kbli_division
        AND size_class = OLD.size_class AND quality_level = OLD.quality_level;
    DELETE FROM insight_rollup_province
    WHERE year = OLD.year AND province_code = OLD.province_code AND kbli_division = OLD.kbli_division
        AND size_class = OLD.size_class AND quality_level = OLD.quality_level AND units = 0;
END;

-- ----- figures -----
-- Size classes compare by rank (kecil < menengah < besar); levels L0–L5 as text.

CREATE TRIGGER insight_figures_fill AFTER INSERT ON figures
WHEN NEW.quality_level = '' AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'bulk_load_in_progress')
BEGIN
    UPDATE figures SET quality_level = (SELECT quality_level FROM enterprises WHERE id = NEW.enterprise_id)
    WHERE enterprise_id = NEW.enterprise_id AND year = NEW.year;
END;

CREATE TRIGGER insight_figures_ins AFTER INSERT ON figures
WHEN NEW.quality_level <> '' AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'bulk_load_in_progress')
BEGIN
    -- The row's own cell.
    INSERT INTO insight_rollup
    SELECT NEW.year, e.province_code, e.regency_code, COALESCE(substr(json_extract(e.kbli, '$[0]'), 1, 2), ''),
        NEW.size_class, NEW.quality_level, 1, NEW.workers, NEW.investment_idr, NEW.production_idr,
        NEW.export_usd_cents, NEW.export_usd_cents > 0,
        EXISTS (SELECT 1 FROM figures p WHERE p.enterprise_id = NEW.enterprise_id AND p.year = NEW.year - 1
            AND p.quality_level <> ''
            AND ((CASE NEW.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
                 > (CASE p.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
                 OR NEW.quality_level > p.quality_level))
    FROM enterprises e WHERE e.id = NEW.enterprise_id
    ON CONFLICT DO UPDATE SET units = units + excluded.units, workers = workers + excluded.workers,
        investment_idr = investment_idr + excluded.investment_idr,
        production_idr = production_idr + excluded.production_idr,
        export_usd_cents = export_usd_cents + excluded.export_usd_cents,
        exporters = exporters + excluded.exporters, upgraded = upgraded + excluded.upgraded;
    -- The next year now has a year before to move up from.
    INSERT INTO insight_rollup
    SELECT n.year, e.province_code, e.regency_code, COALESCE(substr(json_extract(e.kbli, '$[0]'), 1, 2), ''),
        n.size_class, n.quality_level, 0, 0, 0, 0, 0, 0, 1
    FROM figures n JOIN enterprises e ON e.id = n.enterprise_id
    WHERE n.enterprise_id = NEW.enterprise_id AND n.year = NEW.year + 1 AND n.quality_level <> ''
        AND ((CASE n.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
             > (CASE NEW.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
             OR n.quality_level > NEW.quality_level)
    ON CONFLICT DO UPDATE SET upgraded = upgraded + excluded.upgraded;
END;

CREATE TRIGGER insight_figures_del AFTER DELETE ON figures
WHEN OLD.quality_level <> '' AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'bulk_load_in_progress')
BEGIN
    INSERT INTO insight_rollup
    SELECT OLD.year, e.province_code, e.regency_code, COALESCE(substr(json_extract(e.kbli, '$[0]'), 1, 2), ''),
        OLD.size_class, OLD.quality_level, -1, -OLD.workers, -OLD.investment_idr, -OLD.production_idr,
        -OLD.export_usd_cents, -(OLD.export_usd_cents > 0),
        -EXISTS (SELECT 1 FROM figures p WHERE p.enterprise_id = OLD.enterprise_id AND p.year = OLD.year - 1
            AND p.quality_level <> ''
            AND ((CASE OLD.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
                 > (CASE p.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
                 OR OLD.quality_level > p.quality_level))
    FROM enterprises e WHERE e.id = OLD.enterprise_id
    ON CONFLICT DO UPDATE SET units = units + excluded.units, workers = workers + excluded.workers,
        investment_idr = investment_idr + excluded.investment_idr,
        production_idr = production_idr + excluded.production_idr,
        export_usd_cents = export_usd_cents + excluded.export_usd_cents,
        exporters = exporters + excluded.exporters, upgraded = upgraded + excluded.upgraded;
    INSERT INTO insight_rollup
    SELECT n.year, e.province_code, e.regency_code, COALESCE(substr(json_extract(e.kbli, '$[0]'), 1, 2), ''),
        n.size_class, n.quality_level, 0, 0, 0, 0, 0, 0, -1
    FROM figures n JOIN enterprises e ON e.id = n.enterprise_id
    WHERE n.enterprise_id = OLD.enterprise_id AND n.year = OLD.year + 1 AND n.quality_level <> ''
        AND ((CASE n.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
             > (CASE OLD.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
             OR n.quality_level > OLD.quality_level)
    ON CONFLICT DO UPDATE SET upgraded = upgraded + excluded.upgraded;
    DELETE FROM insight_rollup
    WHERE year = OLD.year AND units = 0
        AND province_code = (SELECT province_code FROM enterprises WHERE id = OLD.enterprise_id)
        AND regency_code = (SELECT regency_code FROM enterprises WHERE id = OLD.enterprise_id);
END;

-- An update is the old row leaving and the new one arriving; a filled
-- pending row only arrives.
CREATE TRIGGER insight_figures_upd AFTER UPDATE OF workers, investment_idr, production_idr, export_usd_cents,
    size_class, quality_level ON figures
WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'bulk_load_in_progress')
BEGIN
    INSERT INTO insight_rollup
    SELECT OLD.year, e.province_code, e.regency_code, COALESCE(substr(json_extract(e.kbli, '$[0]'), 1, 2), ''),
        OLD.size_class, OLD.quality_level, -1, -OLD.workers, -OLD.investment_idr, -OLD.production_idr,
        -OLD.export_usd_cents, -(OLD.export_usd_cents > 0),
        -EXISTS (SELECT 1 FROM figures p WHERE p.enterprise_id = OLD.enterprise_id AND p.year = OLD.year - 1
            AND p.quality_level <> ''
            AND ((CASE OLD.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
                 > (CASE p.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
                 OR OLD.quality_level > p.quality_level))
    FROM enterprises e WHERE e.id = OLD.enterprise_id AND OLD.quality_level <> ''
    ON CONFLICT DO UPDATE SET units = units + excluded.units, workers = workers + excluded.workers,
        investment_idr = investment_idr + excluded.investment_idr,
        production_idr = production_idr + excluded.production_idr,
        export_usd_cents = export_usd_cents + excluded.export_usd_cents,
        exporters = exporters + excluded.exporters, upgraded = upgraded + excluded.upgraded;
    INSERT INTO insight_rollup
    SELECT n.year, e.province_code, e.regency_code, COALESCE(substr(json_extract(e.kbli, '$[0]'), 1, 2), ''),
        n.size_class, n.quality_level, 0, 0, 0, 0, 0, 0, -1
    FROM figures n JOIN enterprises e ON e.id = n.enterprise_id
    WHERE OLD.quality_level <> '' AND n.enterprise_id = OLD.enterprise_id AND n.year = OLD.year + 1
        AND n.quality_level <> ''
        AND ((CASE n.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
             > (CASE OLD.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
             OR n.quality_level > OLD.quality_level)
    ON CONFLICT DO UPDATE SET upgraded = upgraded + excluded.upgraded;
    INSERT INTO insight_rollup
    SELECT NEW.year, e.province_code, e.regency_code, COALESCE(substr(json_extract(e.kbli, '$[0]'), 1, 2), ''),
        NEW.size_class, NEW.quality_level, 1, NEW.workers, NEW.investment_idr, NEW.production_idr,
        NEW.export_usd_cents, NEW.export_usd_cents > 0,
        EXISTS (SELECT 1 FROM figures p WHERE p.enterprise_id = NEW.enterprise_id AND p.year = NEW.year - 1
            AND p.quality_level <> ''
            AND ((CASE NEW.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
                 > (CASE p.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
                 OR NEW.quality_level > p.quality_level))
    FROM enterprises e WHERE e.id = NEW.enterprise_id AND NEW.quality_level <> ''
    ON CONFLICT DO UPDATE SET units = units + excluded.units, workers = workers + excluded.workers,
        investment_idr = investment_idr + excluded.investment_idr,
        production_idr = production_idr + excluded.production_idr,
        export_usd_cents = export_usd_cents + excluded.export_usd_cents,
        exporters = exporters + excluded.exporters, upgraded = upgraded + excluded.upgraded;
    INSERT INTO insight_rollup
    SELECT n.year, e.province_code, e.regency_code, COALESCE(substr(json_extract(e.kbli, '$[0]'), 1, 2), ''),
        n.size_class, n.quality_level, 0, 0, 0, 0, 0, 0, 1
    FROM figures n JOIN enterprises e ON e.id = n.enterprise_id
    WHERE NEW.quality_level <> '' AND n.enterprise_id = NEW.enterprise_id AND n.year = NEW.year + 1
        AND n.quality_level <> ''
        AND ((CASE n.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
             > (CASE NEW.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
             OR n.quality_level > NEW.quality_level)
    ON CONFLICT DO UPDATE SET upgraded = upgraded + excluded.upgraded;
    DELETE FROM insight_rollup
    WHERE year = OLD.year AND units = 0
        AND province_code = (SELECT province_code FROM enterprises WHERE id = OLD.enterprise_id)
        AND regency_code = (SELECT regency_code FROM enterprises WHERE id = OLD.enterprise_id);
END;

-- ----- enterprises -----

-- Deleting the figures first, while the enterprise still says where they
-- counted, lets the figures trigger take them out of their cells.
CREATE TRIGGER insight_enterprise_del BEFORE DELETE ON enterprises
BEGIN
    DELETE FROM figures WHERE enterprise_id = OLD.id;
END;

-- Another regency or primary KBLI division moves every year's contribution.
CREATE TRIGGER insight_enterprise_move AFTER UPDATE OF province_code, regency_code, kbli ON enterprises
WHEN (OLD.regency_code IS NOT NEW.regency_code OR OLD.province_code IS NOT NEW.province_code
        OR COALESCE(substr(json_extract(OLD.kbli, '$[0]'), 1, 2), '')
            IS NOT COALESCE(substr(json_extract(NEW.kbli, '$[0]'), 1, 2), ''))
    AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'bulk_load_in_progress')
BEGIN
    INSERT INTO insight_rollup
    SELECT f.year, x.province_code, x.regency_code, x.kbli_division, f.size_class, f.quality_level,
        x.sign, x.sign * f.workers, x.sign * f.investment_idr, x.sign * f.production_idr,
        x.sign * f.export_usd_cents, x.sign * (f.export_usd_cents > 0),
        x.sign * EXISTS (SELECT 1 FROM figures p WHERE p.enterprise_id = f.enterprise_id AND p.year = f.year - 1
            AND p.quality_level <> ''
            AND ((CASE f.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
                 > (CASE p.size_class WHEN 'kecil' THEN 1 WHEN 'menengah' THEN 2 WHEN 'besar' THEN 3 ELSE 0 END)
                 OR f.quality_level > p.quality_level))
    FROM figures f,
        (SELECT -1 AS sign, OLD.province_code AS province_code, OLD.regency_code AS regency_code,
             COALESCE(substr(json_extract(OLD.kbli, '$[0]'), 1, 2), '') AS kbli_division
         UNION ALL
         SELECT 1, NEW.province_code, NEW.regency_code, COALESCE(substr(json_extract(NEW.kbli, '$[0]'), 1, 2), '')) x
    WHERE f.enterprise_id = NEW.id AND f.quality_level <> ''
    ON CONFLICT DO UPDATE SET units = units + excluded.units, workers = workers + excluded.workers,
        investment_idr = investment_idr + excluded.investment_idr,
        production_idr = production_idr + excluded.production_idr,
        export_usd_cents = export_usd_cents + excluded.export_usd_cents,
        exporters = exporters + excluded.exporters, upgraded = upgraded + excluded.upgraded;
    DELETE FROM insight_rollup
    WHERE year IN (SELECT year FROM figures WHERE enterprise_id = NEW.id) AND units = 0
        AND province_code = OLD.province_code AND regency_code = OLD.regency_code;
END;

-- The latest year's figures follow the enterprise's level.
CREATE TRIGGER insight_enterprise_level AFTER UPDATE OF quality_level ON enterprises
WHEN OLD.quality_level IS NOT NEW.quality_level
BEGIN
    UPDATE figures SET quality_level = NEW.quality_level
    WHERE enterprise_id = NEW.id AND quality_level <> ''
        AND year = (SELECT MAX(year) FROM figures WHERE enterprise_id = NEW.id);
END;
