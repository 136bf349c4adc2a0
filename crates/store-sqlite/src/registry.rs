//! Enterprise profiles and permits, and reading whole records back.

use crate::audit::{self, json};
use crate::figures;
use crate::Db;
use naikkelas_core::enterprise::EnterpriseProfile;
use naikkelas_core::permit::{Permit, PermitKind};
use naikkelas_core::quality::QualityInputs;
use naikkelas_core::reference::KBLI_VERSION;
use naikkelas_core::{FieldError, Kbli, Nib, QualityLevel, RegionCode};
use naikkelas_store::{AuditContext, EnterpriseRecord, PermitRecord, Result, StoreError};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::HashMap;
use time::Date;

pub(crate) const ENTERPRISE_COLUMNS: &str = "e.id, e.nib, e.name, e.owner_name, e.address, e.regency_code, \
     e.district_code, e.kbli, e.products, e.commodities, e.founded_year, e.phone, e.email, e.quality_level, \
     e.version, e.created_at, e.updated_at";

/// Stored text that no longer parses means the file was edited by hand or
/// by a newer program; say which value.
pub(crate) fn corrupt(what: &str, value: impl std::fmt::Debug) -> StoreError {
    StoreError::Backend(format!("stored {what} {value:?} is not valid"))
}

pub(crate) fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// What the search index holds for one enterprise: lowercased so that the
/// short-query `instr` scan is case-insensitive too, one field per line so
/// that a match cannot span the name and a product.
pub(crate) fn search_body(p: &EnterpriseProfile) -> String {
    search_body_of(&p.name, p.nib.as_str(), &p.products)
}

/// [`search_body`] from the stored columns (see `bulk.rs`).
pub(crate) fn search_body_of(name: &str, nib: &str, products: &[String]) -> String {
    let mut body = name.to_lowercase();
    body.push('\n');
    body.push_str(nib);
    for product in products {
        body.push('\n');
        body.push_str(&product.to_lowercase());
    }
    body
}

pub(crate) fn kbli_json(p: &EnterpriseProfile) -> String {
    json(&p.kbli.iter().map(|k| k.as_str()).collect::<Vec<_>>())
}

pub(crate) fn profile_from_row(r: &SqliteRow) -> Result<EnterpriseProfile> {
    let nib: String = r.try_get("nib").db()?;
    let regency: String = r.try_get("regency_code").db()?;
    let district: Option<String> = r.try_get("district_code").db()?;
    let kbli: String = r.try_get("kbli").db()?;
    let products: String = r.try_get("products").db()?;
    let commodities: String = r.try_get("commodities").db()?;
    let kbli: Vec<String> = serde_json::from_str(&kbli).map_err(|_| corrupt("KBLI list", &kbli))?;
    Ok(EnterpriseProfile {
        nib: Nib::parse(&nib).map_err(|_| corrupt("NIB", &nib))?,
        name: r.try_get("name").db()?,
        owner_name: r.try_get("owner_name").db()?,
        address: r.try_get("address").db()?,
        regency: RegionCode::parse(&regency).map_err(|_| corrupt("regency", &regency))?,
        district: district.map(|d| RegionCode::parse(&d).map_err(|_| corrupt("district", &d))).transpose()?,
        kbli: kbli.iter().map(|k| Kbli::parse(k).map_err(|_| corrupt("KBLI", k))).collect::<Result<_>>()?,
        products: serde_json::from_str(&products).map_err(|_| corrupt("product list", &products))?,
        commodities: serde_json::from_str(&commodities).map_err(|_| corrupt("commodity list", &commodities))?,
        founded_year: r.try_get("founded_year").db()?,
        phone: r.try_get("phone").db()?,
        email: r.try_get("email").db()?,
    })
}

pub(crate) fn quality_from(text: &str) -> Result<QualityLevel> {
    QualityLevel::parse(text).ok_or_else(|| corrupt("quality level", text))
}

pub(crate) async fn id_of(conn: &mut SqliteConnection, nib: &Nib) -> Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM enterprises WHERE nib = ?")
        .bind(nib.as_str())
        .fetch_optional(&mut *conn)
        .await
        .db()
}

/// Replaces the KBLI rows and the search entry of one enterprise.
pub(crate) async fn write_side_tables(conn: &mut SqliteConnection, id: i64, p: &EnterpriseProfile) -> Result<()> {
    sqlx::query("DELETE FROM enterprise_kbli WHERE enterprise_id = ?").bind(id).execute(&mut *conn).await.db()?;
    let mut qb: QueryBuilder<Sqlite> =
        QueryBuilder::new("INSERT INTO enterprise_kbli (enterprise_id, position, kbli_code, kbli_version, division) ");
    qb.push_values(p.kbli.iter().enumerate(), |mut b, (i, k)| {
        b.push_bind(id).push_bind(i as i64).push_bind(k.as_str()).push_bind(KBLI_VERSION).push_bind(k.division());
    });
    if !p.kbli.is_empty() {
        qb.build().execute(&mut *conn).await.db()?;
    }
    sqlx::query("DELETE FROM enterprise_search WHERE rowid = ?").bind(id).execute(&mut *conn).await.db()?;
    sqlx::query("INSERT INTO enterprise_search (rowid, body) VALUES (?, ?)")
        .bind(id)
        .bind(search_body(p))
        .execute(&mut *conn)
        .await
        .db()?;
    Ok(())
}

pub(crate) async fn register(conn: &mut SqliteConnection, p: &EnterpriseProfile, audit: &AuditContext) -> Result<()> {
    // Checked explicitly rather than by parsing the driver's constraint text.
    if id_of(conn, &p.nib).await?.is_some() {
        return Err(StoreError::Conflict(FieldError::new("nib", "nib.duplicate").with("value", &p.nib)));
    }
    let at = audit.at_text();
    let done = sqlx::query(
        "INSERT INTO enterprises (nib, name, name_key, owner_name, address, province_code, regency_code, district_code,
             founded_year, phone, email, kbli, products, commodities, quality_level, version, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'L0', 1, ?, ?)",
    )
    .bind(p.nib.as_str())
    .bind(&p.name)
    .bind(name_key(&p.name))
    .bind(&p.owner_name)
    .bind(&p.address)
    .bind(p.province_code())
    .bind(p.regency.as_str())
    .bind(p.district.as_ref().map(|d| d.as_str()))
    .bind(p.founded_year)
    .bind(&p.phone)
    .bind(&p.email)
    .bind(kbli_json(p))
    .bind(json(&p.products))
    .bind(json(&p.commodities))
    .bind(&at)
    .bind(&at)
    .execute(&mut *conn)
    .await
    .db()?;
    write_side_tables(conn, done.last_insert_rowid(), p).await?;
    audit::append(conn, audit::record(audit, "create", "enterprise", p.nib.as_str(), None, Some(json(p)))).await?;
    Ok(())
}

pub(crate) async fn update(
    conn: &mut SqliteConnection,
    p: &EnterpriseProfile,
    expected_version: Option<i64>,
    audit: &AuditContext,
) -> Result<()> {
    let sql = format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprises e WHERE e.nib = ?");
    let row =
        sqlx::query(&sql).bind(p.nib.as_str()).fetch_optional(&mut *conn).await.db()?.ok_or(StoreError::NotFound)?;
    let id: i64 = row.try_get("id").db()?;
    let version: i64 = row.try_get("version").db()?;
    if expected_version.is_some_and(|v| v != version) {
        return Err(StoreError::StaleVersion);
    }
    let before = profile_from_row(&row)?;
    sqlx::query(
        "UPDATE enterprises SET name = ?, name_key = ?, owner_name = ?, address = ?, province_code = ?,
             regency_code = ?, district_code = ?, founded_year = ?, phone = ?, email = ?, kbli = ?, products = ?,
             commodities = ?, version = version + 1, updated_at = ?
         WHERE id = ?",
    )
    .bind(&p.name)
    .bind(name_key(&p.name))
    .bind(&p.owner_name)
    .bind(&p.address)
    .bind(p.province_code())
    .bind(p.regency.as_str())
    .bind(p.district.as_ref().map(|d| d.as_str()))
    .bind(p.founded_year)
    .bind(&p.phone)
    .bind(&p.email)
    .bind(kbli_json(p))
    .bind(json(&p.products))
    .bind(json(&p.commodities))
    .bind(audit.at_text())
    .bind(id)
    .execute(&mut *conn)
    .await
    .db()?;
    write_side_tables(conn, id, p).await?;
    let rec = audit::record(audit, "update", "enterprise", p.nib.as_str(), Some(json(&before)), Some(json(p)));
    audit::append(conn, rec).await?;
    Ok(())
}

pub(crate) async fn delete(conn: &mut SqliteConnection, nib: &Nib, audit: &AuditContext) -> Result<()> {
    let Some(before) = record(conn, nib).await? else { return Err(StoreError::NotFound) };
    let id = id_of(conn, nib).await?.ok_or(StoreError::NotFound)?;
    // Programme enrolments and their append-only ledger keep the money trail,
    // so they hold on to the enterprise: refuse by name rather than fail on
    // the foreign key.
    let enrolled: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM program_enrolments WHERE enterprise_id = ?)")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
        .db()?;
    if enrolled {
        return Err(StoreError::Conflict(FieldError::new("nib", "enterprise.has_programs").with("value", nib)));
    }
    // Figures, revisions, permits and KBLI rows go by ON DELETE CASCADE.
    sqlx::query("DELETE FROM enterprises WHERE id = ?").bind(id).execute(&mut *conn).await.db()?;
    sqlx::query("DELETE FROM enterprise_search WHERE rowid = ?").bind(id).execute(&mut *conn).await.db()?;
    audit::append(conn, audit::record(audit, "delete", "enterprise", nib.as_str(), Some(json(&before)), None)).await?;
    Ok(())
}

/// The whole record of one enterprise.
pub(crate) async fn record(conn: &mut SqliteConnection, nib: &Nib) -> Result<Option<EnterpriseRecord>> {
    let sql = format!("SELECT {ENTERPRISE_COLUMNS} FROM enterprises e WHERE e.nib = ?");
    let Some(row) = sqlx::query(&sql).bind(nib.as_str()).fetch_optional(&mut *conn).await.db()? else {
        return Ok(None);
    };
    Ok(records(conn, vec![row]).await?.pop())
}

/// Whole records for enterprise rows (selected with [`ENTERPRISE_COLUMNS`]),
/// in the order given, with two queries for all their figures and permits.
pub(crate) async fn records(conn: &mut SqliteConnection, rows: Vec<SqliteRow>) -> Result<Vec<EnterpriseRecord>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.try_get("id")).collect::<std::result::Result<_, _>>().db()?;
    let mut figures = figures::for_enterprises(conn, &ids).await?;
    let mut permits = permits_for(conn, &ids).await?;
    let mut out = Vec::with_capacity(rows.len());
    for (row, id) in rows.iter().zip(ids) {
        let quality: String = row.try_get("quality_level").db()?;
        out.push(EnterpriseRecord {
            profile: profile_from_row(row)?,
            figures: figures.remove(&id).unwrap_or_default(),
            permits: permits.remove(&id).unwrap_or_default(),
            quality_level: quality_from(&quality)?,
            version: row.try_get("version").db()?,
            created_at: row.try_get("created_at").db()?,
            updated_at: row.try_get("updated_at").db()?,
        });
    }
    Ok(out)
}

fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn parse_date(s: &str) -> Result<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| corrupt("date", s))
}

async fn permits_for(conn: &mut SqliteConnection, ids: &[i64]) -> Result<HashMap<i64, Vec<PermitRecord>>> {
    let mut out: HashMap<i64, Vec<PermitRecord>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT id, enterprise_id, kind, number, issuer, valid_from, valid_until FROM permits WHERE enterprise_id IN ",
        );
        qb.push_tuples(chunk, |mut b, id| {
            b.push_bind(*id);
        });
        qb.push(" ORDER BY id");
        for r in qb.build().fetch_all(&mut *conn).await.db()? {
            let kind: String = r.try_get("kind").db()?;
            let from: String = r.try_get("valid_from").db()?;
            let until: Option<String> = r.try_get("valid_until").db()?;
            let permit = Permit {
                kind: PermitKind::parse(&kind).ok_or_else(|| corrupt("permit kind", &kind))?,
                number: r.try_get("number").db()?,
                issuer: r.try_get("issuer").db()?,
                valid_from: parse_date(&from)?,
                valid_until: until.as_deref().map(parse_date).transpose()?,
            };
            out.entry(r.try_get("enterprise_id").db()?)
                .or_default()
                .push(PermitRecord { id: r.try_get("id").db()?, permit });
        }
    }
    Ok(out)
}

/// The ladder as of the day of the write: L1 with a valid permit, L2 with a
/// ready assessment (`readiness.rs`), L3/L4 with active certificates and L5
/// with exports or an accepted supply as well (`linkage.rs`).
pub(crate) async fn recompute_quality(conn: &mut SqliteConnection, id: i64, audit: &AuditContext) -> Result<()> {
    let permits = permits_for(conn, &[id]).await?.remove(&id).unwrap_or_default();
    let day = audit.at.date();
    let (active_product_certificate, active_system_certificate, exports_or_supplies) =
        crate::linkage::ladder_inputs(conn, id, day).await?;
    let inputs = QualityInputs {
        has_valid_product_permit: permits.iter().any(|p| p.permit.is_valid_on(day)),
        assessment_ready: crate::readiness::ready(conn, id).await?,
        active_product_certificate,
        active_system_certificate,
        exports_or_supplies,
    };
    sqlx::query("UPDATE enterprises SET quality_level = ?, updated_at = ? WHERE id = ?")
        .bind(QualityLevel::compute(inputs).as_str())
        .bind(audit.at_text())
        .bind(id)
        .execute(&mut *conn)
        .await
        .db()?;
    Ok(())
}

pub(crate) async fn add_permit(
    conn: &mut SqliteConnection,
    nib: &Nib,
    p: &Permit,
    audit: &AuditContext,
) -> Result<i64> {
    let id = id_of(conn, nib).await?.ok_or(StoreError::NotFound)?;
    let done = sqlx::query(
        "INSERT INTO permits (enterprise_id, kind, number, issuer, valid_from, valid_until) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(p.kind.as_str())
    .bind(&p.number)
    .bind(&p.issuer)
    .bind(date_text(p.valid_from))
    .bind(p.valid_until.map(date_text))
    .execute(&mut *conn)
    .await
    .db()?;
    let permit_id = done.last_insert_rowid();
    recompute_quality(conn, id, audit).await?;
    let after = json(&PermitRecord { id: permit_id, permit: p.clone() });
    audit::append(conn, audit::record(audit, "add_permit", "enterprise", nib.as_str(), None, Some(after))).await?;
    Ok(permit_id)
}

pub(crate) async fn remove_permit(
    conn: &mut SqliteConnection,
    nib: &Nib,
    permit_id: i64,
    audit: &AuditContext,
) -> Result<()> {
    let id = id_of(conn, nib).await?.ok_or(StoreError::NotFound)?;
    let before = permits_for(conn, &[id])
        .await?
        .remove(&id)
        .unwrap_or_default()
        .into_iter()
        .find(|p| p.id == permit_id)
        .ok_or(StoreError::NotFound)?;
    sqlx::query("DELETE FROM permits WHERE id = ?").bind(permit_id).execute(&mut *conn).await.db()?;
    recompute_quality(conn, id, audit).await?;
    let rec = audit::record(audit, "remove_permit", "enterprise", nib.as_str(), Some(json(&before)), None);
    audit::append(conn, rec).await?;
    Ok(())
}
