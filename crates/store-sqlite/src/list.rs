//! The registry list: filters, search, keyset pages, facets and export.
//!
//! All four readers share one filter builder, so a facet count and the list
//! it sits beside can never disagree about what a filter means.

use crate::figures::size_from;
use crate::registry::{self, corrupt, quality_from, ENTERPRISE_COLUMNS};
use crate::Db;
use naikkelas_core::{FieldError, Nib, RegionLevel, Scope};
use naikkelas_store::{
    EnterprisePage, EnterpriseQuery, EnterpriseRecord, EnterpriseSummary, Facets, Result, StoreError,
};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

pub(crate) const MAX_LIMIT: u32 = 500;

/// The filter a facet leaves out when counting its own values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Except {
    Nothing,
    Province,
    Regency,
    Division,
    Size,
    Year,
}

/// Shortest query the trigram index can answer; shorter ones scan.
const TRIGRAM: usize = 3;

/// Appends ` AND …` for the scope and every filter but `except`. The caller
/// has already answered `Scope::Nothing` with an empty result.
fn push_filters(qb: &mut QueryBuilder<'static, Sqlite>, q: &EnterpriseQuery, except: Except) {
    match &q.scope {
        Scope::National | Scope::Nothing => {}
        Scope::Region(r) => {
            let column = match r.level() {
                RegionLevel::Province => "e.province_code",
                RegionLevel::Regency => "e.regency_code",
                RegionLevel::District => "e.district_code",
            };
            qb.push(format!(" AND {column} = ")).push_bind(r.as_str().to_string());
        }
        Scope::Enterprise(n) => {
            qb.push(" AND e.nib = ").push_bind(n.as_str().to_string());
        }
    }
    if let (Some(p), true) = (&q.province, except != Except::Province) {
        qb.push(" AND e.province_code = ").push_bind(p.clone());
    }
    if let (Some(r), true) = (&q.regency, except != Except::Regency) {
        qb.push(" AND e.regency_code = ").push_bind(r.as_str().to_string());
    }
    if let (Some(d), true) = (&q.division, except != Except::Division) {
        qb.push(" AND e.id IN (SELECT enterprise_id FROM enterprise_kbli WHERE division = ")
            .push_bind(d.clone())
            .push(")");
    }
    if let Some(k) = &q.kbli {
        qb.push(" AND e.id IN (SELECT enterprise_id FROM enterprise_kbli WHERE kbli_code = ")
            .push_bind(k.as_str().to_string())
            .push(")");
    }
    let year = q.year.filter(|_| except != Except::Year);
    let size = q.size_class.filter(|_| except != Except::Size);
    match (year, size) {
        (Some(y), Some(s)) => {
            qb.push(" AND e.id IN (SELECT enterprise_id FROM figures WHERE year = ")
                .push_bind(y)
                .push(" AND size_class = ")
                .push_bind(s.as_str())
                .push(")");
        }
        (Some(y), None) => {
            qb.push(" AND e.id IN (SELECT enterprise_id FROM figures WHERE year = ").push_bind(y).push(")");
        }
        (None, Some(s)) => {
            qb.push(" AND e.latest_size_class = ").push_bind(s.as_str());
        }
        (None, None) => {}
    }
    if let Some(l) = q.quality_level {
        qb.push(" AND e.quality_level = ").push_bind(l.as_str());
    }
    if let Some(text) = q.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        let text = text.to_lowercase();
        if text.chars().count() >= TRIGRAM {
            // One FTS5 phrase: trigrams in sequence, i.e. a substring match.
            // Doubling quotes keeps every character literal.
            let phrase = format!("\"{}\"", text.replace('"', "\"\""));
            qb.push(" AND e.id IN (SELECT rowid FROM enterprise_search WHERE enterprise_search MATCH ")
                .push_bind(phrase)
                .push(")");
        } else {
            qb.push(" AND e.id IN (SELECT rowid FROM enterprise_search WHERE instr(body, ")
                .push_bind(text)
                .push(") > 0)");
        }
    }
}

fn encode_cursor(name_key: &str, nib: &str) -> String {
    hex::encode(format!("{name_key}\u{1f}{nib}"))
}

fn decode_cursor(c: &str) -> Result<(String, String)> {
    let bad = || StoreError::Conflict(FieldError::new("cursor", "cursor.invalid"));
    let text = String::from_utf8(hex::decode(c).map_err(|_| bad())?).map_err(|_| bad())?;
    let (name, nib) = text.rsplit_once('\u{1f}').ok_or_else(bad)?;
    Ok((name.to_string(), nib.to_string()))
}

pub(crate) async fn list(pool: &SqlitePool, q: &EnterpriseQuery) -> Result<EnterprisePage> {
    if q.scope == Scope::Nothing {
        return Ok(EnterprisePage { items: Vec::new(), next_cursor: None, total: 0 });
    }
    let limit = q.limit.clamp(1, MAX_LIMIT);
    let mut count: QueryBuilder<'static, Sqlite> = QueryBuilder::new("SELECT count(*) FROM enterprises e WHERE 1 = 1");
    push_filters(&mut count, q, Except::Nothing);
    // Count and page from one snapshot, so `total` matches the pages.
    let mut tx = pool.begin().await.db()?;
    let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await.db()?;

    // With a year filter the row shows that year's figures, the ones its
    // size class was filtered by; otherwise the latest year's.
    let mut qb: QueryBuilder<'static, Sqlite> = QueryBuilder::new(
        "SELECT e.nib, e.name, e.name_key, e.province_code, e.regency_code, e.kbli, e.products, e.quality_level, ",
    );
    match q.year {
        Some(y) => {
            qb.push(
                "fy.year AS s_year, fy.workers AS s_workers, fy.size_class AS s_size FROM enterprises e
                 LEFT JOIN figures fy ON fy.enterprise_id = e.id AND fy.year = ",
            )
            .push_bind(y);
        }
        None => {
            qb.push(
                "e.latest_year AS s_year, e.latest_workers AS s_workers, e.latest_size_class AS s_size
                 FROM enterprises e",
            );
        }
    }
    qb.push(" WHERE 1 = 1");
    push_filters(&mut qb, q, Except::Nothing);
    if let Some(c) = &q.cursor {
        let (name_key, nib) = decode_cursor(c)?;
        qb.push(" AND (e.name_key, e.nib) > (").push_bind(name_key).push(", ").push_bind(nib).push(")");
    }
    qb.push(" ORDER BY e.name_key, e.nib LIMIT ").push_bind(i64::from(limit) + 1);
    let rows = qb.build().fetch_all(&mut *tx).await.db()?;
    tx.commit().await.db()?;

    let more = rows.len() > limit as usize;
    let mut items = Vec::with_capacity(rows.len().min(limit as usize));
    let mut next_cursor = None;
    for r in rows.iter().take(limit as usize) {
        let nib: String = r.try_get("nib").db()?;
        let kbli: String = r.try_get("kbli").db()?;
        let products: String = r.try_get("products").db()?;
        let quality: String = r.try_get("quality_level").db()?;
        let size: Option<String> = r.try_get("s_size").db()?;
        if more {
            next_cursor = Some(encode_cursor(&r.try_get::<String, _>("name_key").db()?, &nib));
        }
        items.push(EnterpriseSummary {
            nib: Nib::parse(&nib).map_err(|_| corrupt("NIB", &nib))?,
            name: r.try_get("name").db()?,
            province_code: r.try_get("province_code").db()?,
            regency_code: r.try_get("regency_code").db()?,
            kbli: serde_json::from_str(&kbli).map_err(|_| corrupt("KBLI list", &kbli))?,
            products: serde_json::from_str(&products).map_err(|_| corrupt("product list", &products))?,
            year: r.try_get("s_year").db()?,
            workers: r.try_get("s_workers").db()?,
            size_class: size.as_deref().map(size_from).transpose()?,
            quality_level: quality_from(&quality)?,
        });
    }
    Ok(EnterprisePage { items, next_cursor, total })
}

async fn grouped(pool: &SqlitePool, mut qb: QueryBuilder<'static, Sqlite>) -> Result<Vec<(String, i64)>> {
    qb.push(" GROUP BY 1 ORDER BY 1");
    qb.build_query_as().fetch_all(pool).await.db()
}

pub(crate) async fn facets(pool: &SqlitePool, q: &EnterpriseQuery) -> Result<Facets> {
    if q.scope == Scope::Nothing {
        return Ok(Facets::default());
    }
    let mut f = Facets::default();

    let mut qb = QueryBuilder::new("SELECT e.province_code, count(*) FROM enterprises e WHERE 1 = 1");
    push_filters(&mut qb, q, Except::Province);
    f.province = grouped(pool, qb).await?;

    // Regencies only make sense inside one province: the filtered one, or
    // the one the regency filter lies in.
    let province = q.province.clone().or_else(|| q.regency.as_ref().map(|r| r.province().to_string()));
    if let Some(p) = province {
        let mut qb = QueryBuilder::new("SELECT e.regency_code, count(*) FROM enterprises e WHERE 1 = 1");
        push_filters(&mut qb, q, Except::Regency);
        qb.push(" AND e.province_code = ").push_bind(p);
        f.regency = grouped(pool, qb).await?;
    }

    let mut qb = QueryBuilder::new(
        "SELECT k.division, count(DISTINCT e.id) FROM enterprises e
         JOIN enterprise_kbli k ON k.enterprise_id = e.id WHERE 1 = 1",
    );
    push_filters(&mut qb, q, Except::Division);
    f.division = grouped(pool, qb).await?;

    let mut qb = match q.year {
        Some(y) => {
            let mut qb = QueryBuilder::new(
                "SELECT f.size_class, count(*) FROM enterprises e
                 JOIN figures f ON f.enterprise_id = e.id AND f.year = ",
            );
            qb.push_bind(y).push(" WHERE 1 = 1");
            qb
        }
        None => QueryBuilder::new(
            "SELECT e.latest_size_class, count(*) FROM enterprises e WHERE e.latest_size_class IS NOT NULL",
        ),
    };
    push_filters(&mut qb, q, Except::Size);
    f.size_class = grouped(pool, qb).await?;

    let mut qb = QueryBuilder::new(
        "SELECT f.year, count(*) FROM enterprises e JOIN figures f ON f.enterprise_id = e.id WHERE 1 = 1",
    );
    push_filters(&mut qb, q, Except::Year);
    qb.push(" GROUP BY 1 ORDER BY 1");
    f.year = qb.build_query_as().fetch_all(pool).await.db()?;
    Ok(f)
}

pub(crate) async fn export_page(
    pool: &SqlitePool,
    q: &EnterpriseQuery,
    after_nib: Option<&Nib>,
    limit: u32,
) -> Result<Vec<EnterpriseRecord>> {
    if q.scope == Scope::Nothing || limit == 0 {
        return Ok(Vec::new());
    }
    let mut qb: QueryBuilder<'static, Sqlite> =
        QueryBuilder::new(format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprises e WHERE 1 = 1"));
    push_filters(&mut qb, q, Except::Nothing);
    if let Some(n) = after_nib {
        qb.push(" AND e.nib > ").push_bind(n.as_str().to_string());
    }
    qb.push(" ORDER BY e.nib LIMIT ").push_bind(i64::from(limit));
    let mut tx = pool.begin().await.db()?;
    let rows = qb.build().fetch_all(&mut *tx).await.db()?;
    let out = registry::records(&mut tx, rows).await?;
    tx.commit().await.db()?;
    Ok(out)
}

pub(crate) async fn counts_by_province(pool: &SqlitePool) -> Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT province_code, count(*) FROM enterprises GROUP BY province_code ORDER BY province_code")
        .fetch_all(pool)
        .await
        .db()
}
