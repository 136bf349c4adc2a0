//! Certification pages: the public check (`/v`, `/v/{number}`), the list
//! with the application form, one certification with its lifecycle forms,
//! the printable certificate with its signed QR code, and the pipeline.

use super::enterprises::{check_csrf, get, FormMap};
use super::{base, field_errors, render};
use crate::error::{PageError, WithLang};
use crate::lang::UserLang;
use crate::session::{LoggedIn, MaybeSession};
use crate::state::AppState;
use crate::ui::login::ClientIp;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use minijinja::Value;
use naikkelas_app::certification::{qr_svg, ApplicationDraft, CertificationView, EventInput};
use naikkelas_app::i18n::Lang;
use naikkelas_app::AppError;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct VerifyQuery {
    pub number: Option<String>,
    pub p: Option<String>,
}

/// The search page; a submitted number goes to its page.
pub async fn search(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    MaybeSession(s): MaybeSession,
    Query(q): Query<VerifyQuery>,
) -> Response {
    if let Some(n) = q.number.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        return Redirect::to(&format!("/v/{}", crate::error::url_escape(n))).into_response();
    }
    let key = st.svc.public_keys().await.ok().map(|k| k.current);
    render(&st, "certification/verify.html", lang, base(s.as_ref(), "/v"), minijinja::context! { key => key })
        .into_response()
}

/// The public page of one certificate. With `?p=` (from the QR code) the
/// signed payload is checked too.
pub async fn verify_page(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    MaybeSession(s): MaybeSession,
    ClientIp(ip): ClientIp,
    Path(number): Path<String>,
    Query(q): Query<VerifyQuery>,
) -> Result<Response, PageError> {
    crate::api::certification::verify_limiter().check(&ip).page(lang)?;
    let path = format!("/v/{}", crate::error::url_escape(&number));
    let (status, ctx) = match st.svc.verify_certificate(&number).await {
        Ok(v) => {
            let payload = match q.p.as_deref().filter(|p| !p.is_empty()) {
                Some(p) => Some(if crate::api::certification::payload_matches(&st, p, &v).await {
                    "ok"
                } else if st.svc.check_payload(p).await.is_ok() {
                    "mismatch"
                } else {
                    "bad"
                }),
                None => None,
            };
            {
                let (status, number) = (v.status.as_str(), v.number.clone());
                let c = crate::api::certification::VerifyOut::from(v);
                (
                    StatusCode::OK,
                    minijinja::context! { c => Value::from_serialize(&c), status => status, payload => payload, number => number },
                )
            }
        }
        Err(AppError::NotFound) => (StatusCode::NOT_FOUND, minijinja::context! { not_found => true, number => number }),
        Err(AppError::Invalid(e)) => {
            (StatusCode::BAD_REQUEST, minijinja::context! { errors => field_errors(lang, &e), number => number })
        }
        Err(e) => return Err(PageError::new(e, lang)),
    };
    Ok((status, render(&st, "certification/verify.html", lang, base(s.as_ref(), &path), ctx)).into_response())
}

fn view_ctx(v: &CertificationView) -> Value {
    Value::from_serialize(crate::api::certification::CertificationOut::from(v.clone()))
}

/// Applications and certificates the user follows, and the application form.
pub async fn list(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
) -> Result<Response, PageError> {
    list_page(&st, lang, &s, &FormMap::new(), None, StatusCode::OK).await
}

async fn list_page(
    st: &AppState,
    lang: Lang,
    s: &naikkelas_app::auth::Session,
    values: &FormMap,
    errors: Option<&naikkelas_core::ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let items = st.svc.certifications(&s.actor, None).await.page(lang)?;
    let bodies = st.svc.certification_bodies().await.page(lang)?;
    let standards = st.svc.certification_standards().await.page(lang)?;
    let mut v = values.clone();
    if let (Some(n), false) = (&s.actor.enterprise, v.contains_key("nib")) {
        v.insert("nib".into(), n.to_string());
    }
    let ctx = minijinja::context! {
        items => items.iter().map(view_ctx).collect::<Vec<_>>(),
        bodies => Value::from_serialize(&bodies),
        standards => Value::from_serialize(&standards),
        can_apply => s.actor.can_apply_for_certification(),
        can_pipeline => s.actor.can_follow_pipeline(),
        v => Value::from_serialize(&v),
        errors => errors.map(|e| field_errors(lang, e)).unwrap_or_default(),
    };
    Ok((status, render(st, "certification/list.html", lang, base(Some(s), "/certifications"), ctx)).into_response())
}

pub async fn apply(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let d = ApplicationDraft {
        nib: get(&f, "nib").into(),
        body: get(&f, "body").into(),
        standard: get(&f, "standard").into(),
        scope: get(&f, "scope").into(),
    };
    match st.svc.apply_for_certification(&s.actor, &d).await {
        Ok(id) => Ok(Redirect::to(&format!("/certifications/{id}")).into_response()),
        Err(AppError::Invalid(e)) => list_page(&st, lang, &s, &f, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(PageError::new(e, lang)),
    }
}

async fn show_page(
    st: &AppState,
    lang: Lang,
    s: &naikkelas_app::auth::Session,
    id: i64,
    errors: Option<&naikkelas_core::ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let v = st.svc.certification_view(&s.actor, id).await.page(lang)?;
    let subsidies = st.svc.enrolments_for_certification(&s.actor, &v.record.nib, id).await.unwrap_or_default();
    let ctx = minijinja::context! {
        subsidies => subsidies.iter().map(|e| minijinja::context! { id => e.id, program_name => e.program_name.clone(), approved => e.totals.approved, disbursed => e.totals.disbursed }).collect::<Vec<_>>(),
        v => view_ctx(&v),
        open_findings => v.record.findings.iter().filter(|f| f.is_open()).map(|f| minijinja::context! { id => f.id, label => f.reference() }).collect::<Vec<_>>(),
        errors => errors.map(|e| field_errors(lang, e)).unwrap_or_default(),
    };
    Ok((status, render(st, "certification/show.html", lang, base(Some(s), &format!("/certifications/{id}")), ctx))
        .into_response())
}

pub async fn show(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    show_page(&st, lang, &s, id, None, StatusCode::OK).await
}

pub async fn event(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let opt = |k: &str| Some(get(&f, k).to_string()).filter(|x| !x.trim().is_empty());
    let input = EventInput {
        event: get(&f, "event").into(),
        note: opt("note"),
        grade: opt("grade"),
        clause: opt("clause"),
        description: opt("description"),
        finding_id: get(&f, "finding_id").trim().parse().ok(),
        corrective_action: opt("corrective_action"),
        evidence: opt("evidence"),
        passed: match get(&f, "passed") {
            "1" | "true" => Some(true),
            "0" | "false" => Some(false),
            _ => None,
        },
    };
    match st.svc.certification_event(&s.actor, id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/certifications/{id}")).into_response()),
        Err(AppError::Invalid(e)) => show_page(&st, lang, &s, id, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(PageError::new(e, lang)),
    }
}

/// The base address printed in QR codes: `NAIKKELAS_PUBLIC_URL`, else this request's host.
fn public_base(headers: &HeaderMap) -> String {
    if let Ok(u) = std::env::var("NAIKKELAS_PUBLIC_URL") {
        return u.trim_end_matches('/').to_string();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}

/// The certificate as a printable page with its signed QR code.
pub async fn certificate(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let v = st.svc.certification_view(&s.actor, id).await.page(lang)?;
    let payload = st
        .svc
        .certificate_payload(&v.record)
        .await
        .page(lang)?
        .ok_or_else(|| PageError::new(AppError::NotFound, lang))?;
    let number = v.record.status.number.as_ref().map(|n| n.to_string()).unwrap_or_default();
    let url = format!("{}/v/{number}?p={payload}", public_base(&headers));
    let ctx = minijinja::context! { v => view_ctx(&v), qr => Value::from_safe_string(qr_svg(&url)), url => url, payload => payload };
    Ok(render(
        &st,
        "certification/certificate.html",
        lang,
        base(Some(&s), &format!("/certifications/{id}/certificate")),
        ctx,
    )
    .into_response())
}

pub async fn pipeline(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
) -> Result<Response, PageError> {
    let p = st.svc.certification_pipeline(&s.actor).await.page(lang)?;
    let out = crate::api::certification::pipeline_out(p.clone());
    let rows: Vec<Value> = p
        .counts
        .iter()
        .map(|(st_, n)| {
            let days = p.mean_days.iter().find(|(x, _)| x == st_).map(|(_, d)| format!("{d:.1}"));
            minijinja::context! { state => st_.as_str(), count => n, days => days }
        })
        .collect();
    let ctx = minijinja::context! { rows => rows, due => Value::from_serialize(&out.due) };
    Ok(render(&st, "certification/pipeline.html", lang, base(Some(&s), "/certifications/pipeline"), ctx)
        .into_response())
}

pub async fn pipeline_csv(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
) -> Result<Response, PageError> {
    let p = st.svc.certification_pipeline(&s.actor).await.page(lang)?;
    let name = format!("attachment; filename=\"sertifikasi-{}.csv\"", st.svc.now().date());
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()), (header::CONTENT_DISPOSITION, name)],
        p.to_csv(),
    )
        .into_response())
}
