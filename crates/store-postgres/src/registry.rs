//! Enterprise profiles and permits, and reading whole records back.

use crate::{audit, corrupt, db, is_unique_violation};
use naikkelas_core::enterprise::EnterpriseProfile;
use naikkelas_core::figures::YearlyFigures;
use naikkelas_core::permit::{Permit, PermitKind};
use naikkelas_core::quality::QualityInputs;
use naikkelas_core::{FieldError, Kbli, Nib, QualityLevel, RegionCode, Rupiah, SizeClass, UsdCents};
use naikkelas_store::{rfc3339, AuditContext, EnterpriseRecord, FiguresRecord, PermitRecord, Result, StoreError};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};
use std::collections::HashMap;
use time::OffsetDateTime;

/// The profile columns of `enterprises e`, in the order [`profile_of`] reads.
pub(crate) const PROFILE_COLUMNS: &str = "e.id, e.nib, e.name, e.owner_name, e.address, e.regency_code, \
     e.district_code, e.products, e.commodities, e.founded_year, e.phone, e.email, \
     ARRAY(SELECT k.kbli_code FROM enterprise_kbli k WHERE k.enterprise_id = e.id ORDER BY k.position) AS kbli, \
     e.quality_level, e.version, e.created_at, e.updated_at";

/// The sort key of a name: case-insensitive, the same as the SQLite backend.
pub(crate) fn name_key(name: &str) -> String {
    name.to_lowercase()
}

/// Lower-cased name, NIB and products; U+001F keeps a match inside one field.
pub(crate) fn search_text(p: &EnterpriseProfile) -> String {
    let mut parts = Vec::with_capacity(p.products.len() + 2);
    parts.push(p.name.to_lowercase());
    parts.push(p.nib.to_string());
    parts.extend(p.products.iter().map(|x| x.to_lowercase()));
    parts.join("\u{1f}")
}

pub(crate) fn profile_json(p: &EnterpriseProfile) -> String {
    serde_json::to_string(p).expect("a profile always serialises")
}

/// Reads the columns of [`PROFILE_COLUMNS`] into (id, profile).
pub(crate) fn profile_of(row: &PgRow) -> Result<(i64, EnterpriseProfile)> {
    let nib: String = row.get(1);
    let regency: String = row.get(5);
    let district: Option<String> = row.get(6);
    let kbli: Vec<String> = row.get(12);
    let p = EnterpriseProfile {
        nib: Nib::parse(&nib).map_err(|e| corrupt("NIB", e))?,
        name: row.get(2),
        owner_name: row.get(3),
        address: row.get(4),
        regency: RegionCode::parse(&regency).map_err(|e| corrupt("regency", e))?,
        district: district.map(|d| RegionCode::parse(&d).map_err(|e| corrupt("district", e))).transpose()?,
        kbli: kbli.iter().map(|k| Kbli::parse(k).map_err(|e| corrupt("KBLI", e))).collect::<Result<_>>()?,
        products: row.get(7),
        commodities: row.get(8),
        founded_year: row.get(9),
        phone: row.get(10),
        email: row.get(11),
    };
    Ok((row.get(0), p))
}

pub(crate) fn quality_of(s: &str) -> Result<QualityLevel> {
    QualityLevel::parse(s).ok_or_else(|| corrupt("quality level", s))
}

pub(crate) fn size_of(s: &str) -> Result<SizeClass> {
    SizeClass::parse(s).ok_or_else(|| corrupt("size class", s))
}

/// The enterprise row locked for a write, with its current profile.
pub(crate) async fn lock(conn: &mut PgConnection, nib: &Nib) -> Result<Option<(i64, i64, EnterpriseProfile)>> {
    let sql = format!("SELECT {PROFILE_COLUMNS} FROM enterprises e WHERE e.nib = $1 FOR UPDATE OF e");
    let Some(row) = sqlx::query(&sql).bind(nib.as_str()).fetch_optional(&mut *conn).await.map_err(db)? else {
        return Ok(None);
    };
    let (id, p) = profile_of(&row)?;
    Ok(Some((id, row.get::<i64, _>(14), p)))
}

/// Just the id, locked: for writes that do not need the old profile.
pub(crate) async fn lock_id(conn: &mut PgConnection, nib: &Nib) -> Result<i64> {
    sqlx::query_scalar("SELECT id FROM enterprises WHERE nib = $1 FOR UPDATE")
        .bind(nib.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)?
        .ok_or(StoreError::NotFound)
}

pub(crate) async fn register(pool: &PgPool, p: &EnterpriseProfile, ctx: &AuditContext) -> Result<()> {
    let duplicate = || StoreError::Conflict(FieldError::new("nib", "nib.duplicate").with("value", &p.nib));
    let mut tx = pool.begin().await.map_err(db)?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM enterprises WHERE nib = $1)")
        .bind(p.nib.as_str())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
    if exists {
        return Err(duplicate());
    }
    let inserted = sqlx::query_scalar(
        "INSERT INTO enterprises (nib, name, owner_name, address, province_code, regency_code, district_code, \
         products, commodities, founded_year, phone, email, search_text, created_at, updated_at, name_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15) RETURNING id",
    )
    .bind(p.nib.as_str())
    .bind(&p.name)
    .bind(&p.owner_name)
    .bind(&p.address)
    .bind(p.province_code())
    .bind(p.regency.as_str())
    .bind(p.district.as_ref().map(|d| d.as_str()))
    .bind(&p.products)
    .bind(&p.commodities)
    .bind(p.founded_year)
    .bind(&p.phone)
    .bind(&p.email)
    .bind(search_text(p))
    .bind(ctx.at)
    .bind(name_key(&p.name))
    .fetch_one(&mut *tx)
    .await;
    // A concurrent registration of the same NIB passes the check above and
    // loses here.
    let id: i64 = match inserted {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e, "enterprises_nib_key") => return Err(duplicate()),
        Err(e) => return Err(db(e)),
    };
    replace_kbli(&mut tx, id, &p.kbli).await?;
    audit::record(&mut tx, ctx, "create", "enterprise", p.nib.as_str(), None, Some(profile_json(p))).await?;
    tx.commit().await.map_err(db)
}

pub(crate) async fn replace_kbli(conn: &mut PgConnection, id: i64, kbli: &[Kbli]) -> Result<()> {
    sqlx::query("DELETE FROM enterprise_kbli WHERE enterprise_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    let codes: Vec<&str> = kbli.iter().map(|k| k.as_str()).collect();
    let divisions: Vec<&str> = kbli.iter().map(|k| k.division()).collect();
    sqlx::query(
        "INSERT INTO enterprise_kbli (enterprise_id, position, kbli_code, kbli_version, division) \
         SELECT $1, t.ord::int, t.code, $4, t.division FROM UNNEST($2::text[], $3::text[]) WITH ORDINALITY AS t(code, division, ord)",
    )
    .bind(id)
    .bind(codes)
    .bind(divisions)
    .bind(naikkelas_core::reference::KBLI_VERSION)
    .execute(&mut *conn)
    .await
    .map_err(db)?;
    Ok(())
}

pub(crate) async fn update(
    pool: &PgPool,
    p: &EnterpriseProfile,
    expected: Option<i64>,
    ctx: &AuditContext,
) -> Result<()> {
    let mut tx = pool.begin().await.map_err(db)?;
    let (id, version, old) = lock(&mut tx, &p.nib).await?.ok_or(StoreError::NotFound)?;
    if expected.is_some_and(|v| v != version) {
        return Err(StoreError::StaleVersion);
    }
    sqlx::query(
        "UPDATE enterprises SET name = $2, owner_name = $3, address = $4, province_code = $5, regency_code = $6, \
         district_code = $7, products = $8, commodities = $9, founded_year = $10, phone = $11, email = $12, \
         search_text = $13, version = version + 1, updated_at = $14, name_key = $15 WHERE id = $1",
    )
    .bind(id)
    .bind(&p.name)
    .bind(&p.owner_name)
    .bind(&p.address)
    .bind(p.province_code())
    .bind(p.regency.as_str())
    .bind(p.district.as_ref().map(|d| d.as_str()))
    .bind(&p.products)
    .bind(&p.commodities)
    .bind(p.founded_year)
    .bind(&p.phone)
    .bind(&p.email)
    .bind(search_text(p))
    .bind(ctx.at)
    .bind(name_key(&p.name))
    .execute(&mut *tx)
    .await
    .map_err(db)?;
    replace_kbli(&mut tx, id, &p.kbli).await?;
    audit::record(
        &mut tx,
        ctx,
        "update",
        "enterprise",
        p.nib.as_str(),
        Some(profile_json(&old)),
        Some(profile_json(p)),
    )
    .await?;
    tx.commit().await.map_err(db)
}

pub(crate) async fn delete(pool: &PgPool, nib: &Nib, ctx: &AuditContext) -> Result<()> {
    let mut tx = pool.begin().await.map_err(db)?;
    let (id, _, old) = lock(&mut tx, nib).await?.ok_or(StoreError::NotFound)?;
    // Programme enrolments and their append-only ledger keep the money trail,
    // so they hold on to the enterprise: refuse by name rather than fail on
    // the foreign key. The row lock above makes a concurrent enrolment wait.
    let enrolled: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM program_enrolments WHERE enterprise_id = $1)")
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db)?;
    if enrolled {
        return Err(StoreError::Conflict(FieldError::new("nib", "enterprise.has_programs").with("value", nib)));
    }
    // Figures, revisions, permits and KBLI links go by ON DELETE CASCADE.
    sqlx::query("DELETE FROM enterprises WHERE id = $1").bind(id).execute(&mut *tx).await.map_err(db)?;
    audit::record(&mut tx, ctx, "delete", "enterprise", nib.as_str(), Some(profile_json(&old)), None).await?;
    tx.commit().await.map_err(db)
}

pub(crate) async fn by_nib(pool: &PgPool, nib: &Nib) -> Result<Option<EnterpriseRecord>> {
    let mut tx = snapshot(pool).await?;
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM enterprises WHERE nib = $1")
        .bind(nib.as_str())
        .fetch_optional(&mut *tx)
        .await
        .map_err(db)?;
    let Some(id) = id else { return Ok(None) };
    let mut records = load_records(&mut tx, &[id]).await?;
    tx.commit().await.map_err(db)?;
    Ok(records.pop())
}

/// A read-only transaction with one snapshot, so a record's profile, figures
/// and permits are read as of the same moment.
pub(crate) async fn snapshot(pool: &PgPool) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
    let mut tx = pool.begin().await.map_err(db)?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await.map_err(db)?;
    Ok(tx)
}

/// Whole records for `ids`, in the order given; missing ids are skipped.
pub(crate) async fn load_records(conn: &mut PgConnection, ids: &[i64]) -> Result<Vec<EnterpriseRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT {PROFILE_COLUMNS} FROM enterprises e WHERE e.id = ANY($1)");
    let rows = sqlx::query(&sql).bind(ids).fetch_all(&mut *conn).await.map_err(db)?;
    let mut by_id: HashMap<i64, EnterpriseRecord> = HashMap::with_capacity(rows.len());
    for row in &rows {
        let (id, profile) = profile_of(row)?;
        let level: String = row.get(13);
        let created: OffsetDateTime = row.get(15);
        let updated: OffsetDateTime = row.get(16);
        by_id.insert(
            id,
            EnterpriseRecord {
                profile,
                figures: Vec::new(),
                permits: Vec::new(),
                quality_level: quality_of(&level)?,
                version: row.get(14),
                created_at: rfc3339(created),
                updated_at: rfc3339(updated),
            },
        );
    }
    let figs = sqlx::query(
        "SELECT enterprise_id, year, workers, investment_idr, production_idr, export_usd_cents, capacity, \
         capacity_unit, size_class, finalised_at, finalised_by, corrections \
         FROM figures WHERE enterprise_id = ANY($1) ORDER BY enterprise_id, year",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    for row in &figs {
        let id: i64 = row.get(0);
        let size: String = row.get(8);
        let finalised_at: Option<OffsetDateTime> = row.get(9);
        if let Some(r) = by_id.get_mut(&id) {
            r.figures.push(FiguresRecord {
                figures: figures_of(row, 1),
                size_class: size_of(&size)?,
                finalised_at: finalised_at.map(rfc3339),
                finalised_by: row.get(10),
                corrections: row.get(11),
            });
        }
    }
    let permits = sqlx::query(
        "SELECT enterprise_id, id, kind, number, issuer, valid_from, valid_until \
         FROM permits WHERE enterprise_id = ANY($1) ORDER BY enterprise_id, id",
    )
    .bind(ids)
    .fetch_all(&mut *conn)
    .await
    .map_err(db)?;
    for row in &permits {
        let id: i64 = row.get(0);
        let kind: String = row.get(2);
        if let Some(r) = by_id.get_mut(&id) {
            r.permits.push(PermitRecord {
                id: row.get(1),
                permit: Permit {
                    kind: PermitKind::parse(&kind).ok_or_else(|| corrupt("permit kind", &kind))?,
                    number: row.get(3),
                    issuer: row.get(4),
                    valid_from: row.get(5),
                    valid_until: row.get(6),
                },
            });
        }
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// Yearly figures from seven columns starting at `at`: year, workers,
/// investment, production, export, capacity, capacity unit.
pub(crate) fn figures_of(row: &PgRow, at: usize) -> YearlyFigures {
    YearlyFigures {
        year: row.get(at),
        workers: row.get(at + 1),
        investment: Rupiah::new_unchecked(row.get(at + 2)),
        production: Rupiah::new_unchecked(row.get(at + 3)),
        export: UsdCents::new_unchecked(row.get(at + 4)),
        capacity: row.get(at + 5),
        capacity_unit: row.get(at + 6),
    }
}

/// Re-derives the stored quality level from what the store knows on the day
/// of the write (permits, a ready assessment, active certificates, exports or
/// an accepted supply: `linkage.rs`); the service recomputes it for display.
pub(crate) async fn refresh_quality(conn: &mut PgConnection, id: i64, ctx: &AuditContext) -> Result<()> {
    let day = ctx.at.to_offset(time::UtcOffset::UTC).date();
    let has_valid_product_permit: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM permits WHERE enterprise_id = $1 AND valid_from <= $2 \
         AND (valid_until IS NULL OR valid_until >= $2))",
    )
    .bind(id)
    .bind(day)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    let assessment_ready = crate::readiness::ready(conn, id).await?;
    let (active_product_certificate, active_system_certificate, exports_or_supplies) =
        crate::linkage::ladder_inputs(conn, id, day).await?;
    let level = QualityLevel::compute(QualityInputs {
        has_valid_product_permit,
        assessment_ready,
        active_product_certificate,
        active_system_certificate,
        exports_or_supplies,
    });
    sqlx::query("UPDATE enterprises SET quality_level = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(level.as_str())
        .bind(ctx.at)
        .execute(&mut *conn)
        .await
        .map_err(db)?;
    Ok(())
}

pub(crate) async fn add_permit(pool: &PgPool, nib: &Nib, p: &Permit, ctx: &AuditContext) -> Result<i64> {
    let mut tx = pool.begin().await.map_err(db)?;
    let id = lock_id(&mut tx, nib).await?;
    let permit_id: i64 = sqlx::query_scalar(
        "INSERT INTO permits (enterprise_id, kind, number, issuer, valid_from, valid_until) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(id)
    .bind(p.kind.as_str())
    .bind(&p.number)
    .bind(&p.issuer)
    .bind(p.valid_from)
    .bind(p.valid_until)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    refresh_quality(&mut tx, id, ctx).await?;
    let after = serde_json::to_string(&PermitRecord { id: permit_id, permit: p.clone() }).expect("serialises");
    audit::record(&mut tx, ctx, "add_permit", "enterprise", nib.as_str(), None, Some(after)).await?;
    tx.commit().await.map_err(db)?;
    Ok(permit_id)
}

pub(crate) async fn remove_permit(pool: &PgPool, nib: &Nib, permit_id: i64, ctx: &AuditContext) -> Result<()> {
    let mut tx = pool.begin().await.map_err(db)?;
    let id = lock_id(&mut tx, nib).await?;
    let row = sqlx::query(
        "DELETE FROM permits WHERE id = $1 AND enterprise_id = $2 \
         RETURNING id, kind, number, issuer, valid_from, valid_until",
    )
    .bind(permit_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db)?
    .ok_or(StoreError::NotFound)?;
    let kind: String = row.get(1);
    let before = PermitRecord {
        id: row.get(0),
        permit: Permit {
            kind: PermitKind::parse(&kind).ok_or_else(|| corrupt("permit kind", &kind))?,
            number: row.get(2),
            issuer: row.get(3),
            valid_from: row.get(4),
            valid_until: row.get(5),
        },
    };
    refresh_quality(&mut tx, id, ctx).await?;
    let before = serde_json::to_string(&before).expect("serialises");
    audit::record(&mut tx, ctx, "remove_permit", "enterprise", nib.as_str(), Some(before), None).await?;
    tx.commit().await.map_err(db)
}
