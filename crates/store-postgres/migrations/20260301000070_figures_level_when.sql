-- The quality-level trigger of `figures` (20260301000060_insight.sql) runs
-- only when there is a level to fill. The import names the level of every
-- year it writes; calling the PL/pgSQL function for each of its rows only
-- for it to find nothing to do cost a third of the import's COPY into
-- `figures`. Writers that leave the level NULL get it filled as before.
DROP TRIGGER insight_figures_level ON figures;
CREATE TRIGGER insight_figures_level BEFORE INSERT ON figures
    FOR EACH ROW WHEN (NEW.quality_level IS NULL) EXECUTE FUNCTION insight_figures_level();
