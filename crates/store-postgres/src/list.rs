//! Registry lists, facets and export pages; all served by the read pool.

use crate::registry::{load_records, quality_of, size_of, snapshot};
use crate::{corrupt, db};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use naikkelas_core::{FieldError, Nib, RegionLevel, Scope};
use naikkelas_store::{
    EnterprisePage, EnterpriseQuery, EnterpriseRecord, EnterpriseSummary, Facets, Result, StoreError,
};
use sqlx::{PgPool, Postgres, QueryBuilder, Row};

pub(crate) const MAX_LIMIT: u32 = 500;

/// The filter a facet leaves out when counting its own values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Skip {
    Nothing,
    Province,
    Regency,
    Division,
    SizeClass,
    Year,
}

/// `%term%` for ILIKE with the user's own `%`, `_` and `\` taken literally.
pub(crate) fn like_pattern(term: &str) -> String {
    let mut p = String::with_capacity(term.len() + 2);
    p.push('%');
    for c in term.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Appends ` AND …` for the scope and every filter of `q` but `skip`.
/// Returns false when the scope admits nothing, so callers skip the query.
fn push_filters(qb: &mut QueryBuilder<'_, Postgres>, q: &EnterpriseQuery, skip: Skip) -> bool {
    match &q.scope {
        Scope::National => {}
        Scope::Region(r) => {
            let column = match r.level() {
                RegionLevel::Province => " AND e.province_code = ",
                RegionLevel::Regency => " AND e.regency_code = ",
                RegionLevel::District => " AND e.district_code = ",
            };
            qb.push(column).push_bind(r.as_str().to_string());
        }
        Scope::Enterprise(n) => {
            qb.push(" AND e.nib = ").push_bind(n.as_str().to_string());
        }
        Scope::Nothing => return false,
    }
    if let (Some(p), false) = (&q.province, skip == Skip::Province) {
        qb.push(" AND e.province_code = ").push_bind(p.clone());
    }
    if let (Some(r), false) = (&q.regency, skip == Skip::Regency) {
        qb.push(" AND e.regency_code = ").push_bind(r.as_str().to_string());
    }
    if let (Some(d), false) = (&q.division, skip == Skip::Division) {
        qb.push(" AND EXISTS (SELECT 1 FROM enterprise_kbli k WHERE k.enterprise_id = e.id AND k.division = ")
            .push_bind(d.clone())
            .push(")");
    }
    if let Some(k) = &q.kbli {
        qb.push(" AND EXISTS (SELECT 1 FROM enterprise_kbli k WHERE k.enterprise_id = e.id AND k.kbli_code = ")
            .push_bind(k.as_str().to_string())
            .push(")");
    }
    let year = q.year.filter(|_| skip != Skip::Year);
    if let (Some(size), false) = (q.size_class, skip == Skip::SizeClass) {
        match year {
            Some(y) => {
                qb.push(" AND EXISTS (SELECT 1 FROM figures f WHERE f.enterprise_id = e.id AND f.year = ")
                    .push_bind(y)
                    .push(" AND f.size_class = ")
                    .push_bind(size.as_str())
                    .push(")");
            }
            None => {
                qb.push(" AND e.latest_size_class = ").push_bind(size.as_str());
            }
        }
    }
    if let Some(y) = year {
        qb.push(" AND EXISTS (SELECT 1 FROM figures f WHERE f.enterprise_id = e.id AND f.year = ")
            .push_bind(y)
            .push(")");
    }
    if let Some(level) = q.quality_level {
        qb.push(" AND e.quality_level = ").push_bind(level.as_str());
    }
    if let Some(t) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        qb.push(" AND e.search_text ILIKE ").push_bind(like_pattern(t));
    }
    true
}

/// Cursor: URL-safe base64 of the JSON `[name_key, nib]` of the last row shown.
fn encode_cursor(name: &str, nib: &str) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&(name, nib)).expect("serialises"))
}

fn decode_cursor(c: &str) -> Result<(String, String)> {
    let invalid = || StoreError::Conflict(FieldError::new("cursor", "cursor.invalid"));
    let bytes = URL_SAFE_NO_PAD.decode(c.trim()).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

pub(crate) async fn list(pool: &PgPool, q: &EnterpriseQuery) -> Result<EnterprisePage> {
    if q.scope == Scope::Nothing {
        return Ok(EnterprisePage { items: Vec::new(), next_cursor: None, total: 0 });
    }
    let limit = q.limit.clamp(1, MAX_LIMIT);
    let after = q.cursor.as_deref().map(decode_cursor).transpose()?;

    let mut count = QueryBuilder::new("SELECT count(*) FROM enterprises e WHERE TRUE");
    push_filters(&mut count, q, Skip::Nothing);

    // With a year filter the row shows that year's figures, else the latest.
    let mut qb = QueryBuilder::new(
        "SELECT e.nib, e.name, e.name_key, e.province_code, e.regency_code, e.products, e.quality_level, \
         ARRAY(SELECT k.kbli_code FROM enterprise_kbli k WHERE k.enterprise_id = e.id ORDER BY k.position), ",
    );
    match q.year {
        Some(y) => {
            qb.push("fy.year, fy.workers, fy.size_class FROM enterprises e LEFT JOIN figures fy ON fy.enterprise_id = e.id AND fy.year = ")
                .push_bind(y);
        }
        None => {
            qb.push("e.latest_year, e.latest_workers, e.latest_size_class FROM enterprises e");
        }
    }
    qb.push(" WHERE TRUE");
    push_filters(&mut qb, q, Skip::Nothing);
    if let Some((name, nib)) = after {
        qb.push(" AND (e.name_key, e.nib) > (").push_bind(name).push(", ").push_bind(nib).push(")");
    }
    qb.push(" ORDER BY e.name_key, e.nib LIMIT ").push_bind(i64::from(limit) + 1);

    let (total, rows) =
        tokio::try_join!(async { count.build_query_scalar::<i64>().fetch_one(pool).await.map_err(db) }, async {
            qb.build().fetch_all(pool).await.map_err(db)
        },)?;
    let mut items = Vec::with_capacity(rows.len());
    let mut last_key = String::new();
    for row in rows.iter().take(limit as usize) {
        let nib: String = row.get(0);
        let level: String = row.get(6);
        let size: Option<String> = row.get(10);
        last_key = row.get(2);
        items.push(EnterpriseSummary {
            nib: Nib::parse(&nib).map_err(|e| corrupt("NIB", e))?,
            name: row.get(1),
            province_code: row.get(3),
            regency_code: row.get(4),
            products: row.get(5),
            quality_level: quality_of(&level)?,
            kbli: row.get(7),
            year: row.get(8),
            workers: row.get(9),
            size_class: size.as_deref().map(size_of).transpose()?,
        });
    }
    let next_cursor =
        (rows.len() > limit as usize).then(|| items.last().map(|i| encode_cursor(&last_key, i.nib.as_str()))).flatten();
    Ok(EnterprisePage { items, next_cursor, total })
}

async fn string_counts(pool: &PgPool, mut qb: QueryBuilder<'_, Postgres>) -> Result<Vec<(String, i64)>> {
    qb.push(" GROUP BY 1 ORDER BY 1");
    qb.build_query_as::<(String, i64)>().fetch_all(pool).await.map_err(db)
}

pub(crate) async fn facets(pool: &PgPool, q: &EnterpriseQuery) -> Result<Facets> {
    if q.scope == Scope::Nothing {
        return Ok(Facets::default());
    }
    let mut province = QueryBuilder::new("SELECT e.province_code, count(*) FROM enterprises e WHERE TRUE");
    push_filters(&mut province, q, Skip::Province);
    let mut regency = QueryBuilder::new("SELECT e.regency_code, count(*) FROM enterprises e WHERE TRUE");
    push_filters(&mut regency, q, Skip::Regency);
    // An enterprise with two KBLI codes of one division counts once there.
    let mut division = QueryBuilder::new(
        "SELECT d.division, count(*) FROM enterprises e \
         JOIN LATERAL (SELECT DISTINCT division FROM enterprise_kbli k WHERE k.enterprise_id = e.id) d ON TRUE WHERE TRUE",
    );
    push_filters(&mut division, q, Skip::Division);
    let mut size = match q.year {
        Some(y) => {
            let mut b = QueryBuilder::new(
                "SELECT fs.size_class, count(*) FROM enterprises e JOIN figures fs ON fs.enterprise_id = e.id AND fs.year = ",
            );
            b.push_bind(y).push(" WHERE TRUE");
            b
        }
        None => QueryBuilder::new(
            "SELECT e.latest_size_class, count(*) FROM enterprises e WHERE e.latest_size_class IS NOT NULL",
        ),
    };
    push_filters(&mut size, q, Skip::SizeClass);
    let mut year = QueryBuilder::new(
        "SELECT fy.year, count(*) FROM enterprises e JOIN figures fy ON fy.enterprise_id = e.id WHERE TRUE",
    );
    push_filters(&mut year, q, Skip::Year);
    year.push(" GROUP BY 1 ORDER BY 1");

    let (province, regency, division, size_class, year) = tokio::try_join!(
        string_counts(pool, province),
        string_counts(pool, regency),
        string_counts(pool, division),
        string_counts(pool, size),
        async { year.build_query_as::<(i32, i64)>().fetch_all(pool).await.map_err(db) },
    )?;
    Ok(Facets { province, regency, division, size_class, year })
}

pub(crate) async fn export_page(
    pool: &PgPool,
    q: &EnterpriseQuery,
    after_nib: Option<&Nib>,
    limit: u32,
) -> Result<Vec<EnterpriseRecord>> {
    if q.scope == Scope::Nothing || limit == 0 {
        return Ok(Vec::new());
    }
    let mut tx = snapshot(pool).await?;
    let mut qb = QueryBuilder::new("SELECT e.id FROM enterprises e WHERE TRUE");
    push_filters(&mut qb, q, Skip::Nothing);
    if let Some(n) = after_nib {
        qb.push(" AND e.nib > ").push_bind(n.as_str().to_string());
    }
    qb.push(" ORDER BY e.nib LIMIT ").push_bind(i64::from(limit));
    let ids: Vec<i64> = qb.build_query_scalar().fetch_all(&mut *tx).await.map_err(db)?;
    let records = load_records(&mut tx, &ids).await?;
    tx.commit().await.map_err(db)?;
    Ok(records)
}

pub(crate) async fn counts_by_province(pool: &PgPool) -> Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT province_code, count(*) FROM enterprises GROUP BY 1 ORDER BY 1")
        .fetch_all(pool)
        .await
        .map_err(db)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_take_wildcards_literally() {
        assert_eq!(like_pattern("TeMpe"), "%tempe%");
        assert_eq!(like_pattern("50%_a\\b"), "%50\\%\\_a\\\\b%");
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = encode_cursor("Tempe \"Bu\" Sri", "0000000000101");
        assert_eq!(decode_cursor(&c).unwrap(), ("Tempe \"Bu\" Sri".to_string(), "0000000000101".to_string()));
        assert!(matches!(decode_cursor("not a cursor!"), Err(StoreError::Conflict(_))));
    }
}
