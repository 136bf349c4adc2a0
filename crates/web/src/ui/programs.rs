//! Programme pages: the list with the set-up form and absorption, one
//! programme with its rules, allocations, enrolment form and enrolments,
//! beneficiary exports, and one enrolment with its ledger and the forms of
//! each step. Every form posts with the session's CSRF token and works
//! without JavaScript; a refusal re-renders the page with every reason.

use super::enterprises::{check_csrf, get, FormMap};
use super::{base, render};
use crate::error::{PageError, WithLang};
use crate::lang::UserLang;
use crate::session::LoggedIn;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use minijinja::Value;
use naikkelas_app::auth::Session;
use naikkelas_app::export::ExportFormat;
use naikkelas_app::i18n::{self, Lang};
use naikkelas_app::programs::{AllocationForm, EnrolForm, MoneyForm, ProgramForm};
use naikkelas_app::AppError;
use naikkelas_core::programs::eligibility::format_percent;
use naikkelas_core::programs::{Benefit, ProgramKind};
use naikkelas_core::ValidationErrors;
use naikkelas_store::programs::{AbsorptionRow, ProgramRecord};
use serde::Deserialize;

/// Every reason of a refusal, in order (several eligibility rules share a field).
fn reasons(lang: Lang, e: Option<&ValidationErrors>) -> Vec<Value> {
    e.map(|e| {
        e.0.iter()
            .map(|f| minijinja::context! { field => f.field.clone(), code => f.code.clone(), message => i18n::reason(lang, f) })
            .collect()
    })
    .unwrap_or_default()
}

fn form_of<T: for<'de> Deserialize<'de> + Default>(f: &FormMap) -> T {
    serde_json::to_value(f).and_then(serde_json::from_value).unwrap_or_default()
}

fn absorption_ctx(rows: &[AbsorptionRow]) -> Vec<Value> {
    rows.iter()
        .map(|r| {
            minijinja::context! {
                program_id => r.program_id, year => r.year, kind => r.kind.as_str(), name => r.name.clone(),
                region => r.region.as_ref().map(|x| x.to_string()), budget => r.figures.budget.get(),
                approved => r.figures.approved, disbursed => r.figures.disbursed,
                absorption => format_percent(r.figures.absorption_permille()), beneficiaries => r.figures.beneficiaries,
            }
        })
        .collect()
}

fn program_ctx(st: &AppState, p: &ProgramRecord) -> Value {
    let benefit = match p.benefit {
        Benefit::MachinePrice(r) => minijinja::context! {
            kind => "machine", domestic => format_percent(r.domestic_permille), imported => format_percent(r.imported_permille),
            min => r.min.get(), max => r.max.get(),
        },
        Benefit::Flat { amount } => minijinja::context! { kind => "flat", amount => amount.get() },
    };
    let e = &p.eligibility;
    let regions: Vec<String> = e
        .regions
        .iter()
        .map(|r| format!("{} {}", r, st.svc.reference().region_name(r.as_str()).unwrap_or_default()))
        .collect();
    minijinja::context! {
        id => p.id, year => p.year, kind => p.kind.as_str(), name => p.name.clone(), owner_unit => p.owner_unit.clone(),
        budget => p.budget.get(), quota => p.quota, starts_on => p.starts_on.to_string(), ends_on => p.ends_on.to_string(),
        machine => matches!(p.benefit, Benefit::MachinePrice(_)), subsidy => p.kind.is_certification_subsidy(),
        benefit => benefit,
        size_classes => e.size_classes.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
        kbli_prefixes => e.kbli_prefixes.clone(), regions => regions,
        readiness => e.readiness.as_ref().map(|r| minijinja::context! { standard => r.standard.clone(), min => format_percent(r.min_permille) }),
        certificate => e.certificate.as_str(), max_investment => e.max_investment.map(|m| m.get()),
        first_time_only => e.first_time_only,
        allocations => p.allocations.iter().map(|a| minijinja::context! {
            region => a.region.to_string(), name => st.svc.reference().region_name(a.region.as_str()).unwrap_or_default(),
            amount => a.amount.get(),
        }).collect::<Vec<_>>(),
    }
}

#[derive(Debug, Deserialize)]
pub struct YearQuery {
    pub year: Option<String>,
}

pub async fn list(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Query(q): Query<YearQuery>,
) -> Result<Response, PageError> {
    let year = q.year.as_deref().and_then(|y| y.trim().parse().ok());
    list_page(&st, lang, &s, year, &FormMap::new(), None, StatusCode::OK).await
}

async fn list_page(
    st: &AppState,
    lang: Lang,
    s: &Session,
    year: Option<i32>,
    values: &FormMap,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let programs = st.svc.programs(&s.actor, year).await.page(lang)?;
    let absorption = match st.svc.absorption(&s.actor, year).await {
        Ok(rows) => absorption_ctx(&rows),
        Err(AppError::Forbidden) => Vec::new(),
        Err(e) => return Err(PageError::new(e, lang)),
    };
    let ctx = minijinja::context! {
        programs => programs.iter().map(|p| program_ctx(st, p)).collect::<Vec<_>>(),
        absorption => absorption,
        year => year,
        can_manage => s.actor.can_manage_programs(),
        kinds => ProgramKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        v => Value::from_serialize(values),
        errors => reasons(lang, errors),
    };
    Ok((status, render(st, "programs/list.html", lang, base(Some(s), "/programs"), ctx)).into_response())
}

pub async fn create(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let form: ProgramForm = form_of(&f);
    match st.svc.create_program(&s.actor, &form).await {
        Ok(id) => Ok(Redirect::to(&format!("/programs/{id}")).into_response()),
        Err(AppError::Invalid(e)) => {
            list_page(&st, lang, &s, None, &f, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(PageError::new(e, lang)),
    }
}

async fn show_page(
    st: &AppState,
    lang: Lang,
    s: &Session,
    id: i64,
    values: &FormMap,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let v = st.svc.program_view(&s.actor, id).await.page(lang)?;
    let mut values = values.clone();
    if let (Some(n), false) = (&v.own_nib, values.contains_key("nib")) {
        values.insert("nib".into(), n.to_string());
    }
    let enrolments: Vec<Value> = v
        .enrolments
        .iter()
        .map(|e| {
            minijinja::context! {
                id => e.id, nib => e.nib.to_string(), business_name => e.business_name.clone(),
                regency_code => e.regency_code.clone(), status => e.state.as_str(), requested => e.requested.get(),
                approved => e.totals.approved, disbursed => e.totals.disbursed, applied_at => e.applied_at.clone(),
            }
        })
        .collect();
    let ctx = minijinja::context! {
        p => program_ctx(st, &v.program),
        absorption => absorption_ctx(&v.absorption),
        enrolments => enrolments,
        can_manage => v.can_manage,
        can_enrol => matches!(s.actor.role, naikkelas_core::Role::Admin | naikkelas_core::Role::Officer | naikkelas_core::Role::Owner),
        v => Value::from_serialize(&values),
        errors => reasons(lang, errors),
    };
    Ok((status, render(st, "programs/show.html", lang, base(Some(s), &format!("/programs/{id}")), ctx)).into_response())
}

pub async fn show(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    show_page(&st, lang, &s, id, &FormMap::new(), None, StatusCode::OK).await
}

pub async fn allocate(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let form: AllocationForm = form_of(&f);
    match st.svc.set_allocation(&s.actor, id, &form).await {
        Ok(()) => Ok(Redirect::to(&format!("/programs/{id}")).into_response()),
        Err(AppError::Invalid(e)) => show_page(&st, lang, &s, id, &f, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(PageError::new(e, lang)),
    }
}

pub async fn enrol(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let form: EnrolForm = form_of(&f);
    match st.svc.enrol(&s.actor, id, &form).await {
        Ok(eid) => Ok(Redirect::to(&format!("/enrolments/{eid}")).into_response()),
        Err(AppError::Invalid(e)) => show_page(&st, lang, &s, id, &f, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await,
        Err(e) => Err(PageError::new(e, lang)),
    }
}

/// The beneficiaries of a programme as CSV or XLSX (the ingest writers).
pub async fn beneficiaries(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path((id, ext)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let format = ExportFormat::parse(&ext).ok_or_else(|| PageError::new(AppError::NotFound, lang))?;
    let dir = std::env::temp_dir().join(format!("naikkelas-export-{}", naikkelas_app::auth::random_token()));
    std::fs::create_dir_all(&dir).map_err(|e| PageError::new(AppError::Internal(e.to_string()), lang))?;
    let path = dir.join(format!("penerima.{ext}"));
    let result = st.svc.export_beneficiaries(&s.actor, id, format, &path).await;
    let bytes = result.and_then(|_| std::fs::read(&path).map_err(|e| AppError::Internal(e.to_string())));
    let _ = std::fs::remove_dir_all(&dir);
    let bytes = bytes.page(lang)?;
    let mime = match format {
        ExportFormat::Csv => "text/csv; charset=utf-8",
        ExportFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    };
    let disposition = format!("attachment; filename=\"penerima-program-{id}.{ext}\"");
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}

async fn enrolment_page(
    st: &AppState,
    lang: Lang,
    s: &Session,
    id: i64,
    errors: Option<&ValidationErrors>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let v = st.svc.enrolment_view(&s.actor, id).await.page(lang)?;
    let r = &v.record;
    let entries: Vec<Value> = r
        .entries
        .iter()
        .map(|e| {
            let reversed = r.entries.iter().any(|x| x.reverses == Some(e.id));
            minijinja::context! {
                id => e.id, kind => e.kind.as_str(), amount => e.amount, reverses => e.reverses, at => e.at.clone(),
                actor => e.actor.clone(), note => e.note.clone(), reversible => e.reverses.is_none() && !reversed,
            }
        })
        .collect();
    let ctx = minijinja::context! {
        p => program_ctx(st, &v.program),
        r => minijinja::context! {
            id => r.id, nib => r.nib.to_string(), business_name => r.business_name.clone(), regency_code => r.regency_code.clone(),
            allocation_region => r.allocation_region.clone(), status => r.state.as_str(),
            machine_price => r.purchase.map(|p| p.price.get()), machine_origin => r.purchase.map(|p| p.origin.as_str()),
            requested => r.requested.get(), approved => r.totals.approved, disbursed => r.totals.disbursed,
            applied_at => r.applied_at.clone(), applied_by => r.applied_by.clone(), verified_at => r.verified_at.clone(),
            verified_by => r.verified_by.clone(), decided_at => r.decided_at.clone(), decided_by => r.decided_by.clone(),
            rejection_reason => r.rejection_reason.clone(), certification_id => r.certification_id, note => r.note.clone(),
        },
        entries => entries,
        can_verify => v.can_verify, can_decide => v.can_decide, can_disburse => v.can_disburse,
        can_reverse => v.can_reverse, can_link => v.can_link,
        linkable => v.linkable.iter().map(|(id, label)| minijinja::context! { id => id, label => label.clone() }).collect::<Vec<_>>(),
        errors => reasons(lang, errors),
    };
    Ok((status, render(st, "programs/enrolment.html", lang, base(Some(s), &format!("/enrolments/{id}")), ctx))
        .into_response())
}

pub async fn enrolment(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    enrolment_page(&st, lang, &s, id, None, StatusCode::OK).await
}

/// One step on an enrolment: `verify`, `approve`, `reject`, `disburse`, `reverse` or `link`.
pub async fn step(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path((id, action)): Path<(i64, String)>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let money = || MoneyForm { amount: get(&f, "amount").into(), note: get(&f, "note").into() };
    let done = match action.as_str() {
        "verify" => st.svc.verify_enrolment(&s.actor, id).await,
        "approve" => st.svc.approve_enrolment(&s.actor, id, &money()).await.map(|_| ()),
        "reject" => st.svc.reject_enrolment(&s.actor, id, get(&f, "reason")).await,
        "disburse" => st.svc.disburse(&s.actor, id, &money()).await.map(|_| ()),
        "reverse" => {
            let entry = get(&f, "entry_id").trim().parse().unwrap_or(0);
            st.svc.reverse_entry(&s.actor, id, entry, get(&f, "reason")).await.map(|_| ())
        }
        "link" => {
            let cert = get(&f, "certification_id").trim().parse().ok();
            st.svc.link_certification(&s.actor, id, cert).await
        }
        _ => Err(AppError::NotFound),
    };
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/enrolments/{id}")).into_response()),
        Err(AppError::Invalid(e)) => {
            enrolment_page(&st, lang, &s, id, Some(&e), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(PageError::new(e, lang)),
    }
}

/// The facilitation an enterprise received, for its page.
pub async fn facilitation_ctx(st: &AppState, s: &Session, nib: &naikkelas_core::Nib) -> Vec<Value> {
    st.svc
        .enrolments_of(&s.actor, nib)
        .await
        .unwrap_or_default()
        .iter()
        .map(|e| {
            minijinja::context! {
                id => e.id, program_id => e.program_id, program_name => e.program_name.clone(), year => e.program_year,
                kind => e.program_kind.as_str(), status => e.state.as_str(), approved => e.totals.approved,
                disbursed => e.totals.disbursed, certification_id => e.certification_id,
            }
        })
        .collect()
}
