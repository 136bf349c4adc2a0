//! Linkage on PostgreSQL: buyer profiles, sourcing requests, candidates from
//! live certificates, interests, supplies and the public directory. Each
//! write is one transaction with its audit entry. Dates and times are text,
//! as in the certification tables, so both backends compare them alike.

use crate::audit;
use crate::{corrupt, db, PgStore};
use async_trait::async_trait;
use naikkelas_core::audit::AuditRecord;
use naikkelas_core::certification::Scheme;
use naikkelas_core::linkage::{BuyerProfile, Capacity, CapacityUnit, InterestStatus, RequestStatus, SourcingRequest};
use naikkelas_core::{FieldError, Kbli, Nib, RegionCode};
use naikkelas_store::linkage::*;
use naikkelas_store::{AuditContext, Result, StoreError};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};
use std::collections::HashMap;
use time::Date;

fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    serde_json::to_string(v).expect("domain records always serialise")
}

/// The audit record of a store write, as the SQLite backend writes it.
fn record(
    ctx: &AuditContext,
    action: &str,
    entity_type: &str,
    entity_id: &str,
    before: Option<String>,
    after: Option<String>,
) -> AuditRecord {
    AuditRecord {
        at: ctx.at_text(),
        actor: ctx.actor.clone(),
        action: action.to_string(),
        entity_type: entity_type.to_string(),
        entity_id: entity_id.to_string(),
        before,
        after,
    }
}

async fn id_of(conn: &mut PgConnection, nib: &Nib) -> Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM enterprises WHERE nib = $1")
        .bind(nib.as_str())
        .fetch_optional(&mut *conn)
        .await
        .map_err(db)
}

fn parse_day(s: &str) -> Result<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| corrupt("date", s))
}

fn list<T: serde::de::DeserializeOwned>(r: &PgRow, col: &str) -> Result<Vec<T>> {
    let text: String = r.try_get(col).map_err(db)?;
    serde_json::from_str(&text).map_err(|_| corrupt(col, &text))
}

/// Appends the condition "certificate `c` is active on `today`"; see
/// [`LIVE_STATES`] and `core::certification::schedule::live_status`.
fn push_live(qb: &mut QueryBuilder<'_, Postgres>, today: Date) {
    let day = today.to_string();
    qb.push("c.state IN ('certified', 'surveillance', 'renewal') AND c.number IS NOT NULL AND c.expires_on > ");
    qb.push_bind(day.clone());
    qb.push(" AND NOT (c.state = 'certified' AND c.surveillance_due_on IS NOT NULL AND c.surveillance_due_on < ");
    qb.push_bind(day);
    qb.push(")");
}

const REQUEST_COLUMNS: &str = "SELECT r.id, r.buyer_user_id, b.company_name, r.title, r.kbli_code, r.keywords, \
     r.standards, r.min_monthly, r.capacity_unit, r.regions, r.deadline, r.status, r.version, r.created_at, \
     r.updated_at FROM sourcing_requests r LEFT JOIN buyer_profiles b ON b.user_id = r.buyer_user_id";

fn request_from(r: &PgRow) -> Result<RequestRecord> {
    let kbli: String = r.try_get("kbli_code").map_err(db)?;
    let unit: String = r.try_get("capacity_unit").map_err(db)?;
    let status: String = r.try_get("status").map_err(db)?;
    let regions: Vec<String> = list(r, "regions")?;
    Ok(RequestRecord {
        id: r.try_get("id").map_err(db)?,
        buyer_user_id: r.try_get("buyer_user_id").map_err(db)?,
        buyer_company: r.try_get("company_name").map_err(db)?,
        request: SourcingRequest {
            title: r.try_get("title").map_err(db)?,
            kbli: Kbli::parse(&kbli).map_err(|_| corrupt("KBLI", &kbli))?,
            keywords: list(r, "keywords")?,
            standards: list(r, "standards")?,
            min_monthly: Capacity {
                amount: r.try_get("min_monthly").map_err(db)?,
                unit: CapacityUnit::parse(&unit).ok_or_else(|| corrupt("capacity unit", &unit))?,
            },
            regions: regions
                .iter()
                .map(|c| RegionCode::parse(c).map_err(|_| corrupt("region", c)))
                .collect::<Result<_>>()?,
            deadline: parse_day(&r.try_get::<String, _>("deadline").map_err(db)?)?,
            status: RequestStatus::parse(&status).ok_or_else(|| corrupt("request status", &status))?,
        },
        version: r.try_get("version").map_err(db)?,
        created_at: r.try_get("created_at").map_err(db)?,
        updated_at: r.try_get("updated_at").map_err(db)?,
    })
}

fn regions_json(r: &SourcingRequest) -> String {
    json(&r.regions.iter().map(|c| c.as_str()).collect::<Vec<_>>())
}

const INTEREST_COLUMNS: &str = "SELECT i.id, i.request_id, r.title, r.buyer_user_id, b.company_name, e.nib, \
     e.name AS business_name, e.regency_code, i.message, i.status, i.created_at, i.decided_at, e.owner_name, \
     e.phone, e.email, s.id AS supply_id, s.started_on, s.note, s.recorded_at, s.recorded_by \
     FROM sourcing_interests i JOIN sourcing_requests r ON r.id = i.request_id \
     JOIN enterprises e ON e.id = i.enterprise_id \
     LEFT JOIN buyer_profiles b ON b.user_id = r.buyer_user_id \
     LEFT JOIN supply_relationships s ON s.interest_id = i.id";

fn interest_from(r: &PgRow) -> Result<InterestRecord> {
    let nib: String = r.try_get("nib").map_err(db)?;
    let regency: String = r.try_get("regency_code").map_err(db)?;
    let status: String = r.try_get("status").map_err(db)?;
    let id: i64 = r.try_get("id").map_err(db)?;
    let supply_id: Option<i64> = r.try_get("supply_id").map_err(db)?;
    let supply = match supply_id {
        Some(sid) => Some(SupplyRecord {
            id: sid,
            interest_id: id,
            started_on: parse_day(&r.try_get::<String, _>("started_on").map_err(db)?)?,
            note: r.try_get("note").map_err(db)?,
            recorded_at: r.try_get("recorded_at").map_err(db)?,
            recorded_by: r.try_get("recorded_by").map_err(db)?,
        }),
        None => None,
    };
    Ok(InterestRecord {
        id,
        request_id: r.try_get("request_id").map_err(db)?,
        request_title: r.try_get("title").map_err(db)?,
        buyer_user_id: r.try_get("buyer_user_id").map_err(db)?,
        buyer_company: r.try_get("company_name").map_err(db)?,
        nib: Nib::parse(&nib).map_err(|_| corrupt("NIB", &nib))?,
        business_name: r.try_get("business_name").map_err(db)?,
        regency: RegionCode::parse(&regency).map_err(|_| corrupt("regency", &regency))?,
        message: r.try_get("message").map_err(db)?,
        status: InterestStatus::parse(&status).ok_or_else(|| corrupt("interest status", &status))?,
        created_at: r.try_get("created_at").map_err(db)?,
        decided_at: r.try_get("decided_at").map_err(db)?,
        contact: SupplierContact {
            owner_name: r.try_get("owner_name").map_err(db)?,
            phone: r.try_get("phone").map_err(db)?,
            email: r.try_get("email").map_err(db)?,
        },
        supply,
    })
}

fn certificate_from(r: &PgRow) -> Result<(i64, ActiveCertificate)> {
    let scheme: String = r.try_get("scheme").map_err(db)?;
    Ok((
        r.try_get("enterprise_id").map_err(db)?,
        ActiveCertificate {
            number: r.try_get("number").map_err(db)?,
            standard_code: r.try_get("standard_code").map_err(db)?,
            scheme: Scheme::parse(&scheme).ok_or_else(|| corrupt("scheme", &scheme))?,
            expires_on: parse_day(&r.try_get::<String, _>("expires_on").map_err(db)?)?,
        },
    ))
}

/// Active certificates on `today`, of the given standards (all when empty),
/// optionally only of the given enterprises.
async fn live_certificates(
    conn: &mut PgConnection,
    today: Date,
    standards: &[String],
    enterprises: Option<&[i64]>,
    kbli: Option<&Kbli>,
) -> Result<Vec<(i64, ActiveCertificate)>> {
    let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
        "SELECT c.enterprise_id, c.number, c.standard_code, c.scheme, c.expires_on FROM certifications c WHERE ",
    );
    push_live(&mut qb, today);
    if !standards.is_empty() {
        qb.push(" AND c.standard_code IN (");
        let mut sep = qb.separated(", ");
        for s in standards {
            sep.push_bind(s.clone());
        }
        sep.push_unseparated(")");
    }
    if let Some(k) = kbli {
        // The class filter here, on the covering (kbli_code, enterprise_id)
        // index, so that only enterprises of the class are read afterwards.
        qb.push(" AND EXISTS (SELECT 1 FROM enterprise_kbli k WHERE k.kbli_code = ")
            .push_bind(k.as_str().to_string())
            .push(" AND k.enterprise_id = c.enterprise_id)");
    }
    if let Some(ids) = enterprises {
        qb.push(" AND c.enterprise_id IN (");
        let mut sep = qb.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        sep.push_unseparated(")");
    }
    let rows = qb.build().fetch_all(&mut *conn).await.map_err(db)?;
    rows.iter().map(certificate_from).collect()
}

/// The upper rungs of the ladder for enterprise row `id` on `day`
/// (DESIGN.md §3): an active product certificate (L3), an active system
/// certificate (L4), and exports in the latest figures year or an accepted
/// supply to large industry (with L3/L4: L5).
pub(crate) async fn ladder_inputs(conn: &mut PgConnection, id: i64, day: Date) -> Result<(bool, bool, bool)> {
    let certs = live_certificates(conn, day, &[], Some(&[id]), None).await?;
    let product = certs.iter().any(|(_, c)| c.scheme.is_product());
    let system = certs.iter().any(|(_, c)| !c.scheme.is_product());
    let exports_or_supplies: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM enterprises e JOIN figures f ON f.enterprise_id = e.id AND f.year = e.latest_year
                        WHERE e.id = $1 AND f.export_usd_cents > 0)
             OR EXISTS (SELECT 1 FROM supply_relationships s JOIN sourcing_interests i ON i.id = s.interest_id
                        WHERE i.enterprise_id = $1 AND i.status = 'accepted')",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await
    .map_err(db)?;
    Ok((product, system, exports_or_supplies))
}

async fn request_in(conn: &mut PgConnection, id: i64) -> Result<Option<RequestRecord>> {
    let sql = format!("{REQUEST_COLUMNS} WHERE r.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *conn).await.map_err(db)?;
    row.as_ref().map(request_from).transpose()
}

async fn interest_in(conn: &mut PgConnection, id: i64) -> Result<Option<InterestRecord>> {
    let sql = format!("{INTEREST_COLUMNS} WHERE i.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *conn).await.map_err(db)?;
    row.as_ref().map(interest_from).transpose()
}

#[async_trait]
impl LinkageStore for PgStore {
    async fn buyer_profile(&self, user_id: i64) -> Result<Option<BuyerRecord>> {
        let row = sqlx::query(
            "SELECT b.user_id, u.username, b.company_name, b.industry, b.province_code, b.contact_name,
                    b.contact_phone, b.contact_email, b.updated_at
             FROM buyer_profiles b JOIN users u ON u.id = b.user_id WHERE b.user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.primary)
        .await
        .map_err(db)?;
        let Some(r) = row else { return Ok(None) };
        let province: String = r.try_get("province_code").map_err(db)?;
        Ok(Some(BuyerRecord {
            user_id: r.try_get("user_id").map_err(db)?,
            username: r.try_get("username").map_err(db)?,
            profile: BuyerProfile {
                company_name: r.try_get("company_name").map_err(db)?,
                industry: r.try_get("industry").map_err(db)?,
                province: RegionCode::parse(&province).map_err(|_| corrupt("province", &province))?,
                contact_name: r.try_get("contact_name").map_err(db)?,
                contact_phone: r.try_get("contact_phone").map_err(db)?,
                contact_email: r.try_get("contact_email").map_err(db)?,
            },
            updated_at: r.try_get("updated_at").map_err(db)?,
        }))
    }

    async fn save_buyer_profile(&self, user_id: i64, p: &BuyerProfile, audit: &AuditContext) -> Result<()> {
        let before = self.buyer_profile(user_id).await?.map(|b| json(&b.profile));
        let mut tx = self.primary.begin().await.map_err(db)?;
        let role: Option<String> = sqlx::query_scalar("SELECT role FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if role.as_deref() != Some("buyer") {
            return Err(StoreError::NotFound);
        }
        sqlx::query(
            "INSERT INTO buyer_profiles (user_id, company_name, industry, province_code, contact_name, contact_phone,
                                         contact_email, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (user_id) DO UPDATE SET company_name = excluded.company_name, industry = excluded.industry,
                 province_code = excluded.province_code, contact_name = excluded.contact_name,
                 contact_phone = excluded.contact_phone, contact_email = excluded.contact_email,
                 updated_at = excluded.updated_at",
        )
        .bind(user_id)
        .bind(&p.company_name)
        .bind(&p.industry)
        .bind(p.province.as_str())
        .bind(&p.contact_name)
        .bind(&p.contact_phone)
        .bind(&p.contact_email)
        .bind(audit.at_text())
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let action = if before.is_some() { "update" } else { "create" };
        let rec = record(audit, action, "buyer_profile", &user_id.to_string(), before, Some(json(p)));
        audit::append(&mut tx, rec).await?;
        tx.commit().await.map_err(db)
    }

    async fn create_request(&self, buyer_user_id: i64, r: &SourcingRequest, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sourcing_requests (buyer_user_id, title, kbli_code, keywords, standards, min_monthly,
                 capacity_unit, regions, deadline, status, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(buyer_user_id)
        .bind(&r.title)
        .bind(r.kbli.as_str())
        .bind(json(&r.keywords))
        .bind(json(&r.standards))
        .bind(r.min_monthly.amount)
        .bind(r.min_monthly.unit.as_str())
        .bind(regions_json(r))
        .bind(r.deadline.to_string())
        .bind(r.status.as_str())
        .bind(audit.at_text())
        .bind(audit.at_text())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let rec = record(audit, "create", "sourcing_request", &id.to_string(), None, Some(json(r)));
        audit::append(&mut tx, rec).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn update_request(
        &self,
        id: i64,
        r: &SourcingRequest,
        expected_version: Option<i64>,
        audit: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let before = request_in(&mut tx, id).await?.ok_or(StoreError::NotFound)?;
        if expected_version.is_some_and(|v| v != before.version) {
            return Err(StoreError::StaleVersion);
        }
        sqlx::query(
            "UPDATE sourcing_requests SET title = $1, kbli_code = $2, keywords = $3, standards = $4, min_monthly = $5,
                 capacity_unit = $6, regions = $7, deadline = $8, status = $9, updated_at = $10, version = version + 1
             WHERE id = $11",
        )
        .bind(&r.title)
        .bind(r.kbli.as_str())
        .bind(json(&r.keywords))
        .bind(json(&r.standards))
        .bind(r.min_monthly.amount)
        .bind(r.min_monthly.unit.as_str())
        .bind(regions_json(r))
        .bind(r.deadline.to_string())
        .bind(r.status.as_str())
        .bind(audit.at_text())
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        let rec =
            record(audit, "update", "sourcing_request", &id.to_string(), Some(json(&before.request)), Some(json(r)));
        audit::append(&mut tx, rec).await?;
        tx.commit().await.map_err(db)
    }

    async fn request(&self, id: i64) -> Result<Option<RequestRecord>> {
        let mut conn = self.primary.acquire().await.map_err(db)?;
        request_in(&mut conn, id).await
    }

    async fn list_requests(&self, q: &RequestQuery) -> Result<Vec<RequestRecord>> {
        let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(REQUEST_COLUMNS);
        qb.push(" WHERE 1 = 1");
        if let Some(b) = q.buyer_user_id {
            qb.push(" AND r.buyer_user_id = ").push_bind(b);
        }
        if let Some(s) = q.status {
            qb.push(" AND r.status = ").push_bind(s.as_str());
        }
        qb.push(" ORDER BY r.id DESC LIMIT ").push_bind(i64::from(q.limit.max(1)));
        let rows = qb.build().fetch_all(&self.primary).await.map_err(db)?;
        rows.iter().map(request_from).collect()
    }

    async fn candidates(&self, q: &CandidateQuery) -> Result<Vec<CandidateRecord>> {
        // The primary, not a replica: a suspension just recorded must drop the holder at once.
        let mut conn = self.primary.acquire().await.map_err(db)?;
        let mut holders = holders_of_all(
            live_certificates(&mut conn, q.today, &q.standards, None, q.kbli.as_ref()).await?,
            &q.standards,
        );
        let ids: Vec<i64> = holders.keys().copied().collect();
        let mut out = Vec::new();
        for chunk in ids.chunks(500) {
            let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
                "SELECT e.id, e.nib, e.name, e.regency_code, e.products, e.quality_level, f.capacity, f.capacity_unit,
                        (SELECT a.score_permille::bigint FROM assessments a WHERE a.enterprise_id = e.id
                           AND a.status = 'completed' ORDER BY a.id DESC LIMIT 1) AS readiness
                 FROM enterprises e LEFT JOIN figures f ON f.enterprise_id = e.id AND f.year = e.latest_year
                 WHERE e.id IN (",
            );
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            for r in qb.build().fetch_all(&mut *conn).await.map_err(db)? {
                let nib: String = r.try_get("nib").map_err(db)?;
                let regency: String = r.try_get("regency_code").map_err(db)?;
                let nib = Nib::parse(&nib).map_err(|_| corrupt("NIB", &nib))?;
                let regency = RegionCode::parse(&regency).map_err(|_| corrupt("regency", &regency))?;
                if !q.scope.permits(&regency, &nib) {
                    continue;
                }
                let id: i64 = r.try_get("id").map_err(db)?;
                out.push(CandidateRecord {
                    nib,
                    name: r.try_get("name").map_err(db)?,
                    regency,
                    products: r.try_get("products").map_err(db)?,
                    quality_level: r.try_get("quality_level").map_err(db)?,
                    certificates: holders.remove(&id).unwrap_or_default(),
                    capacity: r.try_get("capacity").map_err(db)?,
                    capacity_unit: r.try_get("capacity_unit").map_err(db)?,
                    readiness_permille: r.try_get("readiness").map_err(db)?,
                });
            }
        }
        Ok(out)
    }

    async fn create_interest(&self, n: &NewInterest, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let eid = id_of(&mut tx, &n.nib).await?.ok_or(StoreError::NotFound)?;
        request_in(&mut tx, n.request_id).await?.ok_or(StoreError::NotFound)?;
        let dup: Option<i64> =
            sqlx::query_scalar("SELECT id FROM sourcing_interests WHERE request_id = $1 AND enterprise_id = $2")
                .bind(n.request_id)
                .bind(eid)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        if dup.is_some() {
            return Err(StoreError::Conflict(FieldError::new("nib", "interest.duplicate").with("value", &n.nib)));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO sourcing_interests (request_id, enterprise_id, message, status, created_at)
             VALUES ($1, $2, $3, 'pending', $4) RETURNING id",
        )
        .bind(n.request_id)
        .bind(eid)
        .bind(&n.message)
        .bind(audit.at_text())
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        let after = json(&serde_json::json!({
            "request_id": n.request_id, "nib": n.nib, "message": n.message, "status": "pending",
        }));
        let rec = record(audit, "create", "sourcing_interest", &id.to_string(), None, Some(after));
        audit::append(&mut tx, rec).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn interest(&self, id: i64) -> Result<Option<InterestRecord>> {
        let mut conn = self.primary.acquire().await.map_err(db)?;
        interest_in(&mut conn, id).await
    }

    async fn interests(&self, q: &InterestQuery) -> Result<Vec<InterestRecord>> {
        let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(INTEREST_COLUMNS);
        qb.push(" WHERE 1 = 1");
        if let Some(r) = q.request_id {
            qb.push(" AND i.request_id = ").push_bind(r);
        }
        if let Some(n) = &q.nib {
            qb.push(" AND e.nib = ").push_bind(n.as_str().to_string());
        }
        if let Some(b) = q.buyer_user_id {
            qb.push(" AND r.buyer_user_id = ").push_bind(b);
        }
        qb.push(" ORDER BY i.id DESC LIMIT ").push_bind(i64::from(q.limit.max(1)));
        let rows = qb.build().fetch_all(&self.primary).await.map_err(db)?;
        let mut out = Vec::new();
        for r in &rows {
            let i = interest_from(r)?;
            if q.scope.permits(&i.regency, &i.nib) {
                out.push(i);
            }
        }
        Ok(out)
    }

    async fn decide_interest(&self, id: i64, status: InterestStatus, audit: &AuditContext) -> Result<()> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let done = sqlx::query(
            "UPDATE sourcing_interests SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4 AND status = 'pending'",
        )
        .bind(status.as_str())
        .bind(audit.at_text())
        .bind(&audit.actor)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(db)?;
        if done.rows_affected() != 1 {
            return Err(if interest_in(&mut tx, id).await?.is_some() {
                StoreError::StaleVersion
            } else {
                StoreError::NotFound
            });
        }
        let rec = record(
            audit,
            status.as_str(),
            "sourcing_interest",
            &id.to_string(),
            Some(json(&serde_json::json!({ "status": "pending" }))),
            Some(json(&serde_json::json!({ "status": status }))),
        );
        audit::append(&mut tx, rec).await?;
        tx.commit().await.map_err(db)
    }

    async fn record_supply(&self, s: &NewSupply, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.primary.begin().await.map_err(db)?;
        let row: Option<(i64, String)> =
            sqlx::query_as("SELECT enterprise_id, status FROM sourcing_interests WHERE id = $1")
                .bind(s.interest_id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db)?;
        let (eid, _) = row.ok_or(StoreError::NotFound)?;
        let dup: Option<i64> = sqlx::query_scalar("SELECT id FROM supply_relationships WHERE interest_id = $1")
            .bind(s.interest_id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        if dup.is_some() {
            return Err(StoreError::Conflict(FieldError::new("interest", "supply.duplicate")));
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO supply_relationships (interest_id, started_on, note, recorded_at, recorded_by)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(s.interest_id)
        .bind(s.started_on.to_string())
        .bind(&s.note)
        .bind(audit.at_text())
        .bind(&audit.actor)
        .fetch_one(&mut *tx)
        .await
        .map_err(db)?;
        crate::registry::refresh_quality(&mut tx, eid, audit).await?;
        let after = json(&serde_json::json!({
            "interest_id": s.interest_id, "started_on": s.started_on.to_string(), "note": s.note,
        }));
        audit::append(&mut tx, record(audit, "create", "supply", &id.to_string(), None, Some(after))).await?;
        tx.commit().await.map_err(db)?;
        Ok(id)
    }

    async fn directory(&self, q: &DirectoryQuery) -> Result<Vec<DirectoryEntry>> {
        let mut conn = self.read.acquire().await.map_err(db)?;
        let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
            "SELECT e.id, e.name, e.regency_code, e.products FROM enterprises e
             WHERE e.id IN (SELECT c.enterprise_id FROM certifications c WHERE ",
        );
        push_live(&mut qb, q.today);
        if let Some(s) = &q.standard {
            qb.push(" AND c.standard_code = ").push_bind(s.clone());
        }
        qb.push(")");
        if let Some(r) = &q.region {
            let column = if r.regency().is_some() { "e.regency_code" } else { "e.province_code" };
            qb.push(format!(" AND {column} = ")).push_bind(r.as_str().to_string());
        }
        if let Some(words) = q.q.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
            let pattern = format!("%{}%", words.to_lowercase().replace(['%', '_'], ""));
            qb.push(" AND (lower(array_to_string(e.products, ' ')) LIKE ").push_bind(pattern.clone());
            qb.push(" OR lower(e.name) LIKE ").push_bind(pattern).push(")");
        }
        qb.push(" ORDER BY e.name_key, e.nib LIMIT ").push_bind(i64::from(q.limit.max(1)));
        qb.push(" OFFSET ").push_bind(i64::from(q.offset));
        let rows = qb.build().fetch_all(&mut *conn).await.map_err(db)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.try_get("id")).collect::<Result<_, _>>().map_err(db)?;
        let mut certs: HashMap<i64, Vec<ActiveCertificate>> = HashMap::new();
        if !ids.is_empty() {
            for (id, c) in live_certificates(&mut conn, q.today, &[], Some(&ids), None).await? {
                certs.entry(id).or_default().push(c);
            }
        }
        let mut out = Vec::new();
        for r in &rows {
            let id: i64 = r.try_get("id").map_err(db)?;
            let regency: String = r.try_get("regency_code").map_err(db)?;
            let mut c = certs.remove(&id).unwrap_or_default();
            c.sort_by(|a, b| a.standard_code.cmp(&b.standard_code));
            out.push(DirectoryEntry {
                name: r.try_get("name").map_err(db)?,
                regency: RegionCode::parse(&regency).map_err(|_| corrupt("regency", &regency))?,
                products: r.try_get("products").map_err(db)?,
                certificates: c,
            });
        }
        Ok(out)
    }
}
