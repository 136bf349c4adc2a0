//! Readiness pages: the standards catalogue, an enterprise's standards and
//! assessments, the assessment form (save as you go, resume), results with
//! ranked gaps, the action plan and a per-clause chart (server-rendered SVG,
//! no script), the gap report PDF, and the region view for officials.

use super::enterprises::{check_csrf, get, FormMap};
use super::{base, field_errors, render};
use crate::api::readiness::{
    percent, AssessmentOut, AssessmentSummaryOut, StandardPictureOut, StandardSummary, SuggestionOut,
};
use crate::error::{PageError, WithLang};
use crate::lang::UserLang;
use crate::session::{LoggedIn, MaybeSession};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use minijinja::Value;
use naikkelas_app::i18n::{self, Lang};
use naikkelas_app::readiness::{ActionDraft, AnswerDraft};
use naikkelas_app::AppError;
use naikkelas_core::Role;
use naikkelas_report::{Block, Document, Table};
use std::collections::HashMap;

/// Width in pixels of a full (100 %) bar of the clause chart.
const BAR: u32 = 240;

fn bar(permille: Option<u32>) -> u32 {
    permille.map_or(0, |p| p.min(1000) * BAR / 1000)
}

/// The public catalogue.
pub async fn catalogue(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    MaybeSession(s): MaybeSession,
) -> Result<Response, PageError> {
    let all = st.svc.standards().await.page(lang)?;
    let version = st.svc.store().readiness().catalogue_version().await.map_err(AppError::from).page(lang)?;
    let items: Vec<StandardSummary> = all.iter().map(|x| StandardSummary::of(x, lang)).collect();
    let ctx = minijinja::context! { standards => Value::from_serialize(&items), version => version };
    Ok(render(&st, "readiness/catalogue.html", lang, base(s.as_ref(), "/standards"), ctx).into_response())
}

/// `/readiness`: the region view for officials; owners go to their enterprise.
pub async fn region(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
) -> Result<Response, PageError> {
    if s.actor.role == Role::Owner {
        if let Some(n) = &s.actor.enterprise {
            return Ok(Redirect::to(&format!("/enterprises/{n}/readiness")).into_response());
        }
    }
    let v = st.svc.region_readiness(&s.actor).await.page(lang)?;
    let pictures: Vec<StandardPictureOut> = v.iter().map(|p| StandardPictureOut::of(p, lang)).collect();
    let scope = s
        .actor
        .region
        .as_ref()
        .map(|r| format!("{} ({r})", st.svc.reference().region_name(r.as_str()).unwrap_or(r.as_str())));
    let pictures: Vec<Value> = pictures
        .iter()
        .map(|p| {
            let max = p.bands.iter().map(|b| b.enterprises).max().unwrap_or(0).max(1);
            let bands: Vec<Value> = p
                .bands
                .iter()
                .map(|b| minijinja::context! { label => b.label.clone(), n => b.enterprises, width => b.enterprises as u32 * BAR / max as u32 })
                .collect();
            minijinja::context! { p => Value::from_serialize(p), bands => bands }
        })
        .collect();
    let ctx = minijinja::context! { pictures => pictures, scope => scope };
    Ok(render(&st, "readiness/region.html", lang, base(Some(&s), "/readiness"), ctx).into_response())
}

async fn enterprise_page(
    st: &AppState,
    lang: Lang,
    s: &naikkelas_app::auth::Session,
    nib: &str,
    errors: Option<Value>,
) -> Result<Response, PageError> {
    let rec = st.svc.readable_enterprise(&s.actor, nib).await.page(lang)?;
    let suggestions = st.svc.suggested_standards(&s.actor, nib).await.page(lang)?;
    let history = st.svc.enterprise_assessments(&s.actor, nib).await.page(lang)?;
    let open: HashMap<String, i64> = history
        .iter()
        .filter(|a| a.status == naikkelas_store::readiness::AssessmentStatus::InProgress)
        .map(|a| (a.standard.clone(), a.id))
        .collect();
    let sug: Vec<Value> = suggestions
        .iter()
        .map(|x| {
            minijinja::context! { s => Value::from_serialize(SuggestionOut::of(x, lang)), open => open.get(&x.code).copied() }
        })
        .collect();
    let hist: Vec<AssessmentSummaryOut> = history.iter().map(|a| AssessmentSummaryOut::of(a, lang)).collect();
    let can_edit = s.actor.can_edit_enterprise(&rec.profile.regency, &rec.profile.nib);
    let status = if errors.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let ctx = minijinja::context! {
        nib => rec.profile.nib.to_string(), name => rec.profile.name.clone(),
        suggestions => sug, history => Value::from_serialize(&hist), can_edit => can_edit, errors => errors,
    };
    let path = format!("/enterprises/{nib}/readiness");
    Ok((status, render(st, "readiness/enterprise.html", lang, base(Some(s), &path), ctx)).into_response())
}

pub async fn enterprise(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(nib): Path<String>,
) -> Result<Response, PageError> {
    enterprise_page(&st, lang, &s, &nib, None).await
}

pub async fn start(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(nib): Path<String>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    match st.svc.start_assessment(&s.actor, &nib, get(&f, "standard")).await {
        Ok(id) => Ok(Redirect::to(&format!("/assessments/{id}")).into_response()),
        Err(AppError::Invalid(e)) => {
            let errs = Value::from_serialize(field_errors(lang, &e));
            enterprise_page(&st, lang, &s, &nib, Some(errs)).await
        }
        Err(e) => Err(PageError::new(e, lang)),
    }
}

async fn assessment_page(
    st: &AppState,
    lang: Lang,
    s: &naikkelas_app::auth::Session,
    id: i64,
    form: Option<(&FormMap, Value)>,
    saved: bool,
) -> Result<Response, PageError> {
    let out = crate::api::readiness::assessment_out(st, &s.actor, id, lang)
        .await
        .map_err(|e| PageError::new(e.error, lang))?;
    let chart: Vec<Value> = out
        .clauses
        .iter()
        .map(|c| {
            let prev = out
                .previous
                .as_ref()
                .and_then(|p| p.clauses.iter().find(|d| d.clause == c.clause))
                .and_then(|d| d.previous);
            minijinja::context! {
                clause => c.clause.clone(), title => c.title.clone(), percent => c.percent.clone(),
                bar => bar(c.permille), prev => prev.map(|p| bar(Some(p))), prev_percent => percent(lang, prev),
            }
        })
        .collect();
    // What the user typed wins over what is stored, so an error loses nothing.
    let typed: HashMap<String, String> = form.as_ref().map(|(f, _)| (*f).clone()).unwrap_or_default();
    let items: Vec<Value> = out
        .items
        .iter()
        .map(|i| {
            let answer = typed.get(&format!("a.{}", i.item_id)).cloned().or_else(|| i.answer.clone());
            let evidence = typed.get(&format!("e.{}", i.item_id)).cloned().or_else(|| i.evidence.clone());
            minijinja::context! { i => Value::from_serialize(i), answer => answer, evidence => evidence }
        })
        .collect();
    let status = if form.is_some() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let ctx = minijinja::context! {
        a => Value::from_serialize(&out), items => items, chart => chart, bar_full => BAR,
        errors => form.map(|(_, e)| e), saved => saved,
        answers => ["ya", "sebagian", "tidak", "tidak_berlaku"], statuses => ["open", "in_progress", "done"],
        threshold => percent(lang, Some(out.score.threshold_permille)),
        capped_note => i18n::fill(i18n::t(lang, "readiness.capped"), &[("p".into(), percent(lang, out.score.uncapped_permille).unwrap_or_default())]),
    };
    let path = format!("/assessments/{id}");
    Ok((status, render(st, "readiness/show.html", lang, base(Some(s), &path), ctx)).into_response())
}

#[derive(serde::Deserialize)]
pub struct ShowQuery {
    saved: Option<String>,
}

pub async fn show(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    assessment_page(&st, lang, &s, id, None, q.saved.is_some()).await
}

/// The form posts `a.<item>` (answer) and `e.<item>` (evidence) for every item.
fn drafts(f: &FormMap) -> Vec<AnswerDraft> {
    let mut out: Vec<AnswerDraft> = f
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("a.").map(|item| (item, v)))
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(item, v)| AnswerDraft {
            item_id: item.to_string(),
            answer: v.clone(),
            evidence: f.get(&format!("e.{item}")).cloned(),
        })
        .collect();
    out.sort_by(|a, b| a.item_id.cmp(&b.item_id));
    out
}

pub async fn save_answers(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let result = st.svc.answer(&s.actor, id, &drafts(&f)).await;
    let result = match (result, get(&f, "then")) {
        (Ok(()), "complete") => st.svc.complete_assessment(&s.actor, id).await.map(|_| "#results"),
        (Ok(()), _) => Ok("?saved=1"),
        (Err(e), _) => Err(e),
    };
    match result {
        Ok(anchor) => Ok(Redirect::to(&format!("/assessments/{id}{anchor}")).into_response()),
        Err(AppError::Invalid(e)) => {
            let errs = Value::from_serialize(field_errors(lang, &e));
            let mut list: Vec<String> = e.0.iter().map(|x| i18n::reason(lang, x)).collect();
            list.dedup();
            let errs = minijinja::context! { fields => errs, list => list };
            assessment_page(&st, lang, &s, id, Some((&f, errs)), false).await
        }
        Err(e) => Err(PageError::new(e, lang)),
    }
}

pub async fn update_action(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path((id, action_id)): Path<(i64, i64)>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let d = ActionDraft {
        text: f.get("text").cloned(),
        owner: get(&f, "owner").to_string(),
        due_date: get(&f, "due_date").to_string(),
        status: get(&f, "status").to_string(),
    };
    match st.svc.update_action(&s.actor, id, action_id, &d).await {
        Ok(()) => Ok(Redirect::to(&format!("/assessments/{id}#plan")).into_response()),
        Err(AppError::Invalid(e)) => {
            let list: Vec<String> = e.0.iter().map(|x| i18n::reason(lang, x)).collect();
            let errs = minijinja::context! { fields => Value::from_serialize(field_errors(lang, &e)), list => list };
            assessment_page(&st, lang, &s, id, Some((&f, errs)), false).await
        }
        Err(e) => Err(PageError::new(e, lang)),
    }
}

fn answer_label(lang: Lang, a: &str) -> String {
    i18n::t(lang, &format!("readiness.answer.{a}")).to_string()
}

/// The gap report as a PDF document (Bahasa Indonesia unless the user chose English).
pub fn report_document(a: &AssessmentOut, lang: Lang) -> Document {
    let t = |k: &str| i18n::t(lang, k).to_string();
    let mut meta = vec![
        (t("readiness.enterprise"), format!("{} (NIB {})", a.enterprise, a.nib)),
        (t("field.kode_wilayah"), format!("{} ({})", a.regency, a.regency_code)),
        (t("field.standard"), format!("{} — {}", a.standard.number, a.standard.title)),
        (t("field.status"), t(&format!("readiness.status.{}", a.status))),
        (t("readiness.started"), a.started_at.get(..10).unwrap_or(&a.started_at).to_string()),
    ];
    if let Some(c) = &a.completed_at {
        meta.push((t("readiness.completed_at"), c.get(..10).unwrap_or(c).to_string()));
    }
    meta.push((t("readiness.overall"), a.score.overall.clone().unwrap_or_else(|| "—".into())));
    let mut blocks =
        vec![Block::Paragraph(if a.score.ready { t("readiness.ready") } else { t("readiness.not_ready") })];
    if a.score.capped {
        let p = a.score.uncapped_permille.map(|p| percent(lang, Some(p)).unwrap_or_default()).unwrap_or_default();
        blocks.push(Block::Paragraph(i18n::fill(i18n::t(lang, "readiness.capped"), &[("p".into(), p)])));
    }
    blocks.push(Block::Heading(t("readiness.clauses")));
    let has_prev = a.previous.is_some();
    let mut header = vec![t("readiness.clause"), t("readiness.score")];
    if has_prev {
        header.push(t("readiness.previous"));
    }
    blocks.push(Block::Table(Table {
        header,
        widths: if has_prev { vec![4.0, 3.0, 1.2] } else { vec![4.0, 3.0] },
        rows: a
            .clauses
            .iter()
            .map(|c| {
                let mut row =
                    vec![format!("{} {}", c.clause, c.title), c.percent.clone().unwrap_or_else(|| "—".into())];
                if let Some(p) = &a.previous {
                    let prev = p.clauses.iter().find(|d| d.clause == c.clause).and_then(|d| d.previous_percent.clone());
                    row.push(prev.unwrap_or_else(|| "—".into()));
                }
                row
            })
            .collect(),
        bar_column: Some((1, a.clauses.iter().map(|c| c.permille).collect())),
    }));
    blocks.push(Block::Heading(t("readiness.gaps")));
    if a.gaps.is_empty() {
        blocks.push(Block::Paragraph(t("readiness.no_gaps")));
    } else {
        blocks.push(Block::Table(Table {
            header: vec![
                t("readiness.rank"),
                t("readiness.clause"),
                t("readiness.question"),
                t("field.answer"),
                t("readiness.weight"),
            ],
            widths: vec![0.5, 0.8, 5.0, 1.3, 0.8],
            rows: a
                .gaps
                .iter()
                .map(|g| {
                    let crit = if g.critical { format!(" [{}]", t("readiness.critical")) } else { String::new() };
                    vec![
                        g.rank.to_string(),
                        g.clause.clone(),
                        format!("{}{crit}", g.question),
                        answer_label(lang, &g.answer),
                        g.weight.to_string(),
                    ]
                })
                .collect(),
            bar_column: None,
        }));
    }
    if !a.actions.is_empty() {
        blocks.push(Block::Heading(t("readiness.plan")));
        blocks.push(Block::Table(Table {
            header: vec![t("field.text"), t("field.owner"), t("field.due_date"), t("field.status")],
            widths: vec![5.0, 1.8, 1.2, 1.2],
            rows: a
                .actions
                .iter()
                .map(|x| {
                    let crit = if x.critical { format!("[{}] ", t("readiness.critical")) } else { String::new() };
                    vec![
                        format!("{crit}{} ({})", x.text, x.item_id),
                        x.owner.clone(),
                        x.due_date.clone().unwrap_or_else(|| "—".into()),
                        t(&format!("readiness.action_status.{}", x.status)),
                    ]
                })
                .collect(),
            bar_column: None,
        }));
    }
    blocks.push(Block::Paragraph(String::new()));
    blocks.push(Block::Paragraph(t("readiness.report_rules")));
    Document { title: t("readiness.report_title"), meta, blocks, footer: t("readiness.report_footer") }
}

pub async fn report_pdf(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let out = crate::api::readiness::assessment_out(&st, &s.actor, id, lang)
        .await
        .map_err(|e| PageError::new(e.error, lang))?;
    let doc = report_document(&out, lang);
    let bytes = tokio::task::spawn_blocking(move || naikkelas_report::render(&doc))
        .await
        .map_err(|e| PageError::new(AppError::Internal(e.to_string()), lang))?;
    let name = format!("attachment; filename=\"kesenjangan-{}-{}.pdf\"", out.nib, out.standard.code);
    Ok(([(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, name)], bytes)
        .into_response())
}
