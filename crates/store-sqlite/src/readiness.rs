//! The standards catalogue and readiness assessments (see
//! `naikkelas_store::readiness`). Writes take the write lock
//! (`BEGIN IMMEDIATE`) and append their audit entry in the same transaction.

use crate::audit::{self, json};
use crate::registry::{corrupt, id_of};
use crate::{Db, SqliteStore};
use async_trait::async_trait;
use naikkelas_core::standards::score::Answer;
use naikkelas_core::standards::Standard;
use naikkelas_core::{Nib, RegionCode, RegionLevel, Scope};
use naikkelas_store::readiness::*;
use naikkelas_store::{standards_data, AuditContext, Result, StoreError};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection, SqlitePool};
use time::Date;

/// Loads the shipped catalogue when its stamp differs from the stored one.
pub(crate) async fn load_catalogue(pool: &SqlitePool) -> Result<()> {
    let c = standards_data::shipped().map_err(StoreError::backend)?;
    let stored: Option<String> = sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(standards_data::STAMP_KEY)
        .fetch_optional(pool)
        .await
        .db()?;
    if stored.as_deref() == Some(c.version.as_str()) {
        return Ok(());
    }
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await.db()?;
    sqlx::query("DELETE FROM standards").execute(&mut *tx).await.db()?;
    for (position, s) in ordered(c.standards.values()).into_iter().enumerate() {
        sqlx::query("INSERT INTO standards (code, kind, number, revision, position, body) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(&s.code)
            .bind(s.kind.as_str())
            .bind(&s.number)
            .bind(&s.revision)
            .bind(position as i64)
            .bind(json(s))
            .execute(&mut *tx)
            .await
            .db()?;
    }
    sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(standards_data::STAMP_KEY)
        .bind(&c.version)
        .execute(&mut *tx)
        .await
        .db()?;
    tx.commit().await.db()
}

/// Management systems first, then products, each by code.
pub(crate) fn ordered<'a>(it: impl Iterator<Item = &'a Standard>) -> Vec<&'a Standard> {
    let mut v: Vec<&Standard> = it.collect();
    v.sort_by(|a, b| {
        (a.kind.as_str() != "management_system", &a.code).cmp(&(b.kind.as_str() != "management_system", &b.code))
    });
    v
}

fn standard_of(body: &str) -> Result<Standard> {
    serde_json::from_str(body).map_err(|e| corrupt("standard", e.to_string()))
}

fn date_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn parse_date(s: &str) -> Result<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).map_err(|_| corrupt("date", s))
}

fn answer_of(s: &str) -> Result<Answer> {
    Answer::parse(s).ok_or_else(|| corrupt("answer", s))
}

/// Re-derives the stored quality level of enterprise `id` (permits valid on
/// the day of the write and assessment readiness).
async fn refresh_quality(conn: &mut SqliteConnection, id: i64, audit: &AuditContext) -> Result<()> {
    crate::registry::recompute_quality(conn, id, audit).await
}

/// The L2 input for the enterprise with row id `id`.
pub(crate) async fn ready(conn: &mut SqliteConnection, id: i64) -> Result<bool> {
    let ready: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM assessments a
         WHERE a.enterprise_id = ? AND a.status = 'completed' AND a.meets_threshold = 1
           AND a.id = (SELECT MAX(b.id) FROM assessments b
                       WHERE b.enterprise_id = a.enterprise_id AND b.standard_code = a.standard_code
                         AND b.status = 'completed')
           AND NOT EXISTS (SELECT 1 FROM assessment_actions x
                           WHERE x.assessment_id = a.id AND x.critical = 1 AND x.status <> 'done')
         LIMIT 1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .db()?;
    Ok(ready.is_some())
}

/// Status and enterprise row id of an assessment, for writes.
async fn head(conn: &mut SqliteConnection, id: i64) -> Result<(AssessmentStatus, i64)> {
    let row: Option<(String, i64)> = sqlx::query_as("SELECT status, enterprise_id FROM assessments WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .db()?;
    let (status, eid) = row.ok_or(StoreError::NotFound)?;
    Ok((AssessmentStatus::parse(&status).ok_or_else(|| corrupt("assessment status", &status))?, eid))
}

fn action_of(r: &SqliteRow) -> Result<ActionRecord> {
    let status: String = r.try_get("status").db()?;
    let due: Option<String> = r.try_get("due_date").db()?;
    let priority: i64 = r.try_get("priority").db()?;
    Ok(ActionRecord {
        id: r.try_get("id").db()?,
        item_id: r.try_get("item_id").db()?,
        critical: r.try_get::<i64, _>("critical").db()? != 0,
        priority: priority as u32,
        text: r.try_get("text").db()?,
        owner: r.try_get("owner").db()?,
        due_date: due.as_deref().map(parse_date).transpose()?,
        status: ActionStatus::parse(&status).ok_or_else(|| corrupt("action status", &status))?,
        updated_at: r.try_get("updated_at").db()?,
    })
}

async fn record(conn: &mut SqliteConnection, id: i64) -> Result<Option<AssessmentRecord>> {
    let Some(r) = sqlx::query(
        "SELECT a.id, e.nib, e.regency_code, a.standard_code, a.standard_revision, a.status, a.started_by,
                a.started_at, a.updated_at, a.completed_at, a.score_permille, a.meets_threshold
         FROM assessments a JOIN enterprises e ON e.id = a.enterprise_id WHERE a.id = ?",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .db()?
    else {
        return Ok(None);
    };
    let nib: String = r.try_get("nib").db()?;
    let regency: String = r.try_get("regency_code").db()?;
    let status: String = r.try_get("status").db()?;
    let score: Option<i64> = r.try_get("score_permille").db()?;
    let mut answers = Vec::new();
    for a in sqlx::query(
        "SELECT item_id, answer, evidence, answered_by, answered_at FROM assessment_answers
         WHERE assessment_id = ? ORDER BY item_id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .db()?
    {
        let answer: String = a.try_get("answer").db()?;
        answers.push(AnswerRecord {
            item_id: a.try_get("item_id").db()?,
            answer: answer_of(&answer)?,
            evidence: a.try_get("evidence").db()?,
            answered_by: a.try_get("answered_by").db()?,
            answered_at: a.try_get("answered_at").db()?,
        });
    }
    let actions = sqlx::query(
        "SELECT id, item_id, critical, priority, text, owner, due_date, status, updated_at
         FROM assessment_actions WHERE assessment_id = ? ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await
    .db()?
    .iter()
    .map(action_of)
    .collect::<Result<Vec<_>>>()?;
    Ok(Some(AssessmentRecord {
        id,
        nib: Nib::parse(&nib).map_err(|_| corrupt("NIB", &nib))?,
        regency: RegionCode::parse(&regency).map_err(|_| corrupt("regency", &regency))?,
        standard: r.try_get("standard_code").db()?,
        standard_revision: r.try_get("standard_revision").db()?,
        status: AssessmentStatus::parse(&status).ok_or_else(|| corrupt("assessment status", &status))?,
        started_by: r.try_get("started_by").db()?,
        started_at: r.try_get("started_at").db()?,
        updated_at: r.try_get("updated_at").db()?,
        completed_at: r.try_get("completed_at").db()?,
        score_permille: score.map(|s| s as u32),
        meets_threshold: r.try_get::<i64, _>("meets_threshold").db()? != 0,
        answers,
        actions,
    }))
}

#[async_trait]
impl ReadinessStore for SqliteStore {
    async fn standards(&self) -> Result<Vec<Standard>> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT body FROM standards ORDER BY position").fetch_all(self.pool()).await.db()?;
        rows.iter().map(|(b,)| standard_of(b)).collect()
    }

    async fn standard(&self, code: &str) -> Result<Option<Standard>> {
        let body: Option<String> = sqlx::query_scalar("SELECT body FROM standards WHERE code = ?")
            .bind(code)
            .fetch_optional(self.pool())
            .await
            .db()?;
        body.as_deref().map(standard_of).transpose()
    }

    async fn catalogue_version(&self) -> Result<Option<String>> {
        sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
            .bind(standards_data::STAMP_KEY)
            .fetch_optional(self.pool())
            .await
            .db()
    }

    async fn start_assessment(&self, nib: &Nib, standard: &Standard, audit: &AuditContext) -> Result<i64> {
        let mut tx = self.write().await?;
        let eid = id_of(&mut tx, nib).await?.ok_or(StoreError::NotFound)?;
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM assessments WHERE enterprise_id = ? AND standard_code = ? AND status = 'in_progress'",
        )
        .bind(eid)
        .bind(&standard.code)
        .fetch_optional(&mut *tx)
        .await
        .db()?;
        if let Some(open) = open {
            return Err(already_open_error(open));
        }
        let at = audit.at_text();
        let done = sqlx::query(
            "INSERT INTO assessments (enterprise_id, standard_code, standard_revision, status, started_by, started_at,
                 updated_at) VALUES (?, ?, ?, 'in_progress', ?, ?, ?)",
        )
        .bind(eid)
        .bind(&standard.code)
        .bind(&standard.revision)
        .bind(&audit.actor)
        .bind(&at)
        .bind(&at)
        .execute(&mut *tx)
        .await
        .db()?;
        let id = done.last_insert_rowid();
        let after = serde_json::json!({"nib": nib, "standard": standard.code, "revision": standard.revision});
        let rec =
            audit::record(audit, "start_assessment", "assessment", &id.to_string(), None, Some(after.to_string()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await.db()?;
        Ok(id)
    }

    async fn assessment(&self, id: i64) -> Result<Option<AssessmentRecord>> {
        let mut tx = self.pool().begin().await.db()?;
        let r = record(&mut tx, id).await?;
        tx.commit().await.db()?;
        Ok(r)
    }

    async fn assessments_of(&self, nib: &Nib) -> Result<Vec<AssessmentSummary>> {
        let rows = sqlx::query(
            "SELECT a.id, a.standard_code, a.status, a.started_at, a.completed_at, a.score_permille, a.meets_threshold,
                    (SELECT COUNT(*) FROM assessment_answers x WHERE x.assessment_id = a.id) AS answered
             FROM assessments a JOIN enterprises e ON e.id = a.enterprise_id
             WHERE e.nib = ? ORDER BY a.id DESC",
        )
        .bind(nib.as_str())
        .fetch_all(self.pool())
        .await
        .db()?;
        rows.iter()
            .map(|r| {
                let status: String = r.try_get("status").db()?;
                let score: Option<i64> = r.try_get("score_permille").db()?;
                Ok(AssessmentSummary {
                    id: r.try_get("id").db()?,
                    standard: r.try_get("standard_code").db()?,
                    status: AssessmentStatus::parse(&status).ok_or_else(|| corrupt("assessment status", &status))?,
                    started_at: r.try_get("started_at").db()?,
                    completed_at: r.try_get("completed_at").db()?,
                    score_permille: score.map(|s| s as u32),
                    meets_threshold: r.try_get::<i64, _>("meets_threshold").db()? != 0,
                    answered: r.try_get("answered").db()?,
                })
            })
            .collect()
    }

    async fn save_answers(&self, id: i64, answers: &[AnswerInput], audit: &AuditContext) -> Result<()> {
        let mut tx = self.write().await?;
        let (status, _) = head(&mut tx, id).await?;
        if status == AssessmentStatus::Completed {
            return Err(completed_error());
        }
        let at = audit.at_text();
        for a in answers {
            sqlx::query(
                "INSERT INTO assessment_answers (assessment_id, item_id, answer, evidence, answered_by, answered_at)
                 VALUES (?, ?, ?, ?, ?, ?)
                 ON CONFLICT (assessment_id, item_id) DO UPDATE SET answer = excluded.answer,
                     evidence = excluded.evidence, answered_by = excluded.answered_by,
                     answered_at = excluded.answered_at",
            )
            .bind(id)
            .bind(&a.item_id)
            .bind(a.answer.as_str())
            .bind(&a.evidence)
            .bind(&audit.actor)
            .bind(&at)
            .execute(&mut *tx)
            .await
            .db()?;
        }
        sqlx::query("UPDATE assessments SET updated_at = ? WHERE id = ?")
            .bind(&at)
            .bind(id)
            .execute(&mut *tx)
            .await
            .db()?;
        let rec = audit::record(audit, "answer", "assessment", &id.to_string(), None, Some(json(answers)));
        audit::append(&mut tx, rec).await?;
        tx.commit().await.db()
    }

    async fn complete_assessment(&self, id: i64, c: &Completion, audit: &AuditContext) -> Result<()> {
        let mut tx = self.write().await?;
        let (status, eid) = head(&mut tx, id).await?;
        if status == AssessmentStatus::Completed {
            return Err(completed_error());
        }
        let at = audit.at_text();
        sqlx::query(
            "UPDATE assessments SET status = 'completed', completed_at = ?, updated_at = ?, score_permille = ?,
                 meets_threshold = ? WHERE id = ?",
        )
        .bind(&at)
        .bind(&at)
        .bind(c.score_permille.map(i64::from))
        .bind(i64::from(c.meets_threshold))
        .bind(id)
        .execute(&mut *tx)
        .await
        .db()?;
        if !c.actions.is_empty() {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
                "INSERT INTO assessment_actions (assessment_id, position, item_id, critical, priority, owner, due_date,
                     status, updated_at) ",
            );
            qb.push_values(c.actions.iter().enumerate(), |mut b, (i, a)| {
                b.push_bind(id)
                    .push_bind(i as i64)
                    .push_bind(a.item_id.clone())
                    .push_bind(i64::from(a.critical))
                    .push_bind(i64::from(a.priority))
                    .push_bind(a.owner.clone())
                    .push_bind(a.due_date.map(date_text))
                    .push_bind("open")
                    .push_bind(at.clone());
            });
            qb.build().execute(&mut *tx).await.db()?;
        }
        refresh_quality(&mut tx, eid, audit).await?;
        let rec = audit::record(audit, "complete_assessment", "assessment", &id.to_string(), None, Some(json(c)));
        audit::append(&mut tx, rec).await?;
        tx.commit().await.db()
    }

    async fn update_action(
        &self,
        assessment_id: i64,
        action_id: i64,
        u: &ActionUpdate,
        audit: &AuditContext,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let (_, eid) = head(&mut tx, assessment_id).await?;
        let before = sqlx::query(
            "SELECT id, item_id, critical, priority, text, owner, due_date, status, updated_at
             FROM assessment_actions WHERE id = ? AND assessment_id = ?",
        )
        .bind(action_id)
        .bind(assessment_id)
        .fetch_optional(&mut *tx)
        .await
        .db()?
        .ok_or(StoreError::NotFound)?;
        let before = action_of(&before)?;
        sqlx::query(
            "UPDATE assessment_actions SET text = ?, owner = ?, due_date = ?, status = ?, updated_at = ? WHERE id = ?",
        )
        .bind(&u.text)
        .bind(&u.owner)
        .bind(u.due_date.map(date_text))
        .bind(u.status.as_str())
        .bind(audit.at_text())
        .bind(action_id)
        .execute(&mut *tx)
        .await
        .db()?;
        refresh_quality(&mut tx, eid, audit).await?;
        let rec = audit::record(
            audit,
            "update_action",
            "assessment",
            &assessment_id.to_string(),
            Some(json(&before)),
            Some(json(&serde_json::json!({"action_id": action_id, "update": u}))),
        );
        audit::append(&mut tx, rec).await?;
        tx.commit().await.db()
    }

    async fn assessment_ready(&self, nib: &Nib) -> Result<bool> {
        let mut conn = self.pool().acquire().await.db()?;
        match id_of(&mut conn, nib).await? {
            Some(id) => ready(&mut conn, id).await,
            None => Ok(false),
        }
    }

    async fn latest_in_scope(&self, scope: &Scope) -> Result<Vec<LatestAssessment>> {
        if *scope == Scope::Nothing {
            return Ok(Vec::new());
        }
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT a.id, e.nib, e.regency_code, a.standard_code, a.score_permille,
                    (SELECT group_concat(x.item_id, char(31)) FROM assessment_actions x WHERE x.assessment_id = a.id)
                        AS gaps
             FROM assessments a JOIN enterprises e ON e.id = a.enterprise_id
             WHERE a.status = 'completed'
               AND a.id = (SELECT MAX(b.id) FROM assessments b WHERE b.enterprise_id = a.enterprise_id
                           AND b.standard_code = a.standard_code AND b.status = 'completed')",
        );
        match scope {
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
        qb.push(" ORDER BY a.standard_code, e.nib");
        let rows = qb.build().fetch_all(self.pool()).await.db()?;
        rows.iter()
            .map(|r| {
                let nib: String = r.try_get("nib").db()?;
                let regency: String = r.try_get("regency_code").db()?;
                let score: Option<i64> = r.try_get("score_permille").db()?;
                let gaps: Option<String> = r.try_get("gaps").db()?;
                Ok(LatestAssessment {
                    assessment_id: r.try_get("id").db()?,
                    nib: Nib::parse(&nib).map_err(|_| corrupt("NIB", &nib))?,
                    regency: RegionCode::parse(&regency).map_err(|_| corrupt("regency", &regency))?,
                    standard: r.try_get("standard_code").db()?,
                    score_permille: score.map(|s| s as u32),
                    gap_items: gaps
                        .map(|g| g.split('\u{1f}').map(str::to_string).collect::<Vec<_>>())
                        .unwrap_or_default(),
                })
            })
            .collect()
    }
}
