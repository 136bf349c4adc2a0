//! Registry pages: list with filters and counts, enterprise page, forms.

use super::{base, field_errors, render};
use crate::csrf;
use crate::error::{PageError, WithLang};
use crate::lang::UserLang;
use crate::session::LoggedIn;
use crate::state::AppState;
use axum::extract::{Path, Query, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use minijinja::Value;
use naikkelas_app::i18n::Lang;
use naikkelas_app::registry::ListFilters;
use naikkelas_app::AppError;
use naikkelas_core::enterprise::EnterpriseDraft;
use naikkelas_core::figures::FiguresDraft;
use naikkelas_core::reference::Reference;
use std::collections::HashMap;

pub type FormMap = HashMap<String, String>;

pub fn get<'a>(f: &'a FormMap, k: &str) -> &'a str {
    f.get(k).map(String::as_str).unwrap_or("")
}

pub fn check_csrf(s: &naikkelas_app::auth::Session, f: &FormMap, lang: Lang) -> Result<(), PageError> {
    if csrf::session_token_ok(s, get(f, "_csrf")) {
        Ok(())
    } else {
        Err(PageError::new(AppError::Forbidden, lang))
    }
}

fn name_of(r: &Reference, code: &str) -> String {
    r.region_name(code).unwrap_or(code).to_string()
}

fn division_name(r: &Reference, lang: Lang, code: &str) -> String {
    match r.kbli.get(code) {
        Some(k) if lang == Lang::En && !k.name_en.is_empty() => k.name_en.clone(),
        Some(k) => k.name_id.clone(),
        None => code.to_string(),
    }
}

/// Query string without the cursor, for building page and facet links.
fn query_without(raw: &Option<String>, drop: &[&str]) -> String {
    raw.as_deref()
        .unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter(|kv| !drop.iter().any(|d| kv.split('=').next() == Some(*d)))
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn list(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Query(f): Query<ListFilters>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let r = st.svc.reference();
    let (page, facets) = match st.svc.list_enterprises(&s.actor, &f).await {
        Ok(p) => (p, st.svc.enterprise_facets(&s.actor, &f).await.page(lang)?),
        Err(AppError::Invalid(e)) => {
            // Bad filters: show the page with the error, not an empty table that looks like "none".
            let ctx = minijinja::context! { filter_errors => field_errors(lang, &e), filters => Value::from_serialize(filter_echo(&f)) };
            return Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&st, "enterprises/list.html", lang, base(Some(&s), "/enterprises"), ctx),
            )
                .into_response());
        }
        Err(e) => return Err(PageError::new(e, lang)),
    };
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|i| {
            minijinja::context! {
                nib => i.nib.to_string(), name => i.name.clone(), regency => name_of(r, &i.regency_code),
                province => name_of(r, &i.province_code), kbli => i.kbli.clone(), products => i.products.join(", "),
                year => i.year, workers => i.workers, size_class => i.size_class.map(|c| c.as_str()),
                quality_level => i.quality_level.as_str(),
            }
        })
        .collect();
    let facet = |v: &Vec<(String, i64)>, name: &dyn Fn(&str) -> String| -> Vec<Value> {
        v.iter().map(|(code, n)| minijinja::context! { value => code, label => name(code), count => n }).collect()
    };
    let base_q = query_without(&raw, &["cursor"]);
    let ctx = minijinja::context! {
        items => items,
        total => page.total,
        next_cursor => page.next_cursor,
        query => base_q,
        filters => Value::from_serialize(filter_echo(&f)),
        facets => minijinja::context! {
            province => facet(&facets.province, &|c| name_of(r, c)),
            regency => facet(&facets.regency, &|c| name_of(r, c)),
            division => facet(&facets.division, &|c| format!("{c} {}", division_name(r, lang, c))),
            size_class => facet(&facets.size_class, &|c| c.to_string()),
            year => facets.year.iter().map(|(y, n)| minijinja::context! { value => y.to_string(), label => y.to_string(), count => n }).collect::<Vec<_>>(),
        },
        can_register => s.actor.can_register(),
        provinces => r.provinces.values().map(|p| minijinja::context! { code => p.code.clone(), name => p.name.clone() }).collect::<Vec<_>>(),
        regencies => regency_options(r, &f, &s.actor),
        export_query => query_without(&raw, &["cursor", "limit"]),
    };
    Ok(render(&st, "enterprises/list.html", lang, base(Some(&s), "/enterprises"), ctx).into_response())
}

/// Regencies offered in the filter: those of the chosen province, or of the
/// officer's own province.
fn regency_options(r: &Reference, f: &ListFilters, actor: &naikkelas_core::Actor) -> Vec<Value> {
    let province = f
        .province
        .as_deref()
        .map(str::trim)
        .filter(|p| p.len() == 2)
        .map(str::to_string)
        .or_else(|| actor.region.as_ref().map(|r| r.province().to_string()));
    match province {
        Some(p) => {
            r.regencies_of(&p).map(|g| minijinja::context! { code => g.code.clone(), name => g.name.clone() }).collect()
        }
        None => Vec::new(),
    }
}

fn filter_echo(f: &ListFilters) -> HashMap<&'static str, String> {
    let v = |o: &Option<String>| o.clone().unwrap_or_default();
    HashMap::from([
        ("province", v(&f.province)),
        ("regency", v(&f.regency)),
        ("division", v(&f.division)),
        ("kbli", v(&f.kbli)),
        ("size_class", v(&f.size_class)),
        ("year", v(&f.year)),
        ("quality_level", v(&f.quality_level)),
        ("q", v(&f.q)),
    ])
}

pub async fn show(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(nib): Path<String>,
) -> Result<Response, PageError> {
    let v = st.svc.enterprise_view(&s.actor, &nib).await.page(lang)?;
    let facilitation = crate::ui::programs::facilitation_ctx(&st, &s, &v.record.profile.nib).await;
    Ok(render(
        &st,
        "enterprises/show.html",
        lang,
        base(Some(&s), &format!("/enterprises/{nib}")),
        minijinja::context! { facilitation => facilitation, ..view_ctx(&st, lang, &v, None) },
    )
    .into_response())
}

/// The enterprise page's context, optionally with errors of a figures or
/// permit form to show inline.
pub fn view_ctx(st: &AppState, lang: Lang, v: &naikkelas_app::registry::EnterpriseView, form: Option<Value>) -> Value {
    let r = st.svc.reference();
    let rec = &v.record;
    let p = &rec.profile;
    let figures: Vec<Value> = rec
        .figures
        .iter()
        .rev()
        .map(|f| {
            let y = &f.figures;
            minijinja::context! {
                year => y.year, workers => y.workers, investment => y.investment.get(), production => y.production.get(),
                export_cents => y.export.cents(), capacity => y.capacity, capacity_unit => y.capacity_unit.clone(),
                size_class => f.size_class.as_str(), bps_band => y.bps_band().as_str(),
                finalised => f.finalised_at.is_some(), finalised_at => f.finalised_at.clone(), finalised_by => f.finalised_by.clone(),
                corrections => f.corrections,
            }
        })
        .collect();
    let revisions: Vec<Value> = v
        .revisions
        .iter()
        .map(|x| {
            minijinja::context! {
                year => x.year, workers => x.previous.workers, investment => x.previous.investment.get(),
                production => x.previous.production.get(), export_cents => x.previous.export.cents(),
                reason => x.reason.clone(), by => x.corrected_by.clone(), at => x.corrected_at.clone(),
            }
        })
        .collect();
    let permits: Vec<Value> = rec
        .permits
        .iter()
        .map(|x| {
            minijinja::context! {
                id => x.id, kind => x.permit.kind.as_str(), number => x.permit.number.clone(), issuer => x.permit.issuer.clone(),
                valid_from => x.permit.valid_from.to_string(), valid_until => x.permit.valid_until.map(|d| d.to_string()),
                valid_now => x.permit.is_valid_on(st.svc.now().date()),
            }
        })
        .collect();
    let history: Vec<Value> = v
        .history
        .iter()
        .map(|h| minijinja::context! { at => h.at.clone(), actor => h.actor.clone(), action => h.action.clone() })
        .collect();
    let kbli: Vec<Value> = p
        .kbli
        .iter()
        .map(|k| {
            let name = r.kbli.get(k.as_str()).map(|e| {
                if lang == Lang::En && !e.name_en.is_empty() {
                    e.name_en.clone()
                } else {
                    e.name_id.clone()
                }
            });
            minijinja::context! { code => k.to_string(), name => name.unwrap_or_default() }
        })
        .collect();
    minijinja::context! {
        e => minijinja::context! {
            nib => p.nib.to_string(), name => p.name.clone(), owner_name => p.owner_name.clone(), address => p.address.clone(),
            regency => name_of(r, p.regency.as_str()), regency_code => p.regency.to_string(),
            province => name_of(r, p.province_code()), district => p.district.as_ref().map(|d| name_of(r, d.as_str())),
            kbli => kbli, products => p.products.join(", "), commodities => p.commodities.join(", "),
            founded_year => p.founded_year, phone => p.phone.clone(), email => p.email.clone(),
            quality_level => v.quality_level.as_str(), version => rec.version,
            size_class => rec.latest_figures().map(|f| f.size_class.as_str()),
        },
        figures => figures, revisions => revisions, permits => permits, history => history,
        can_edit => v.can_edit, can_finalise => v.can_finalise, can_delete => v.can_delete,
        this_year => st.svc.this_year(),
        form => form,
    }
}

fn draft_from(f: &FormMap) -> EnterpriseDraft {
    EnterpriseDraft {
        nib: get(f, "nib").to_string(),
        name: get(f, "nama_usaha").to_string(),
        owner_name: get(f, "nama_pemilik").to_string(),
        address: get(f, "alamat").to_string(),
        regency_code: get(f, "kode_wilayah").to_string(),
        district_code: get(f, "kode_kecamatan").to_string(),
        kbli: get(f, "kbli").to_string(),
        products: get(f, "produk").to_string(),
        commodities: get(f, "komoditas").to_string(),
        founded_year: get(f, "tahun_berdiri").to_string(),
        phone: get(f, "telepon").to_string(),
        email: get(f, "email").to_string(),
    }
}

pub fn figures_from(f: &FormMap) -> FiguresDraft {
    FiguresDraft {
        year: get(f, "tahun_data").to_string(),
        workers: get(f, "tenaga_kerja").to_string(),
        investment: get(f, "nilai_investasi").to_string(),
        production: get(f, "nilai_produksi").to_string(),
        export: get(f, "nilai_ekspor").to_string(),
        capacity: get(f, "kapasitas").to_string(),
        capacity_unit: get(f, "satuan_kapasitas").to_string(),
    }
}

fn regencies_ctx(r: &Reference, scope: &naikkelas_core::Scope) -> Vec<Value> {
    r.regencies
        .values()
        .filter(|g| match scope {
            naikkelas_core::Scope::Region(code) => code.contains(&naikkelas_core::RegionCode::parse(&g.code).expect("shipped codes parse")),
            _ => true,
        })
        .map(|g| minijinja::context! { code => g.code.clone(), name => format!("{} — {}", g.name, r.provinces.get(&g.province_code).map(|p| p.name.as_str()).unwrap_or("")) })
        .collect()
}

fn form_page(
    st: &AppState,
    lang: Lang,
    s: &naikkelas_app::auth::Session,
    mode: &str,
    values: &FormMap,
    errors: Option<&naikkelas_core::ValidationErrors>,
    nib: Option<&str>,
) -> axum::response::Html<String> {
    let r = st.svc.reference();
    let path = nib.map(|n| format!("/enterprises/{n}/edit")).unwrap_or_else(|| "/enterprises/new".into());
    let ctx = minijinja::context! {
        mode => mode,
        v => Value::from_serialize(values),
        errors => errors.map(|e| field_errors(lang, e)).unwrap_or_default(),
        regencies => regencies_ctx(r, &s.actor.registry_scope()),
        nib => nib,
        this_year => st.svc.this_year(),
    };
    render(st, "enterprises/form.html", lang, base(Some(s), &path), ctx)
}

pub async fn new_form(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
) -> Result<Response, PageError> {
    if !s.actor.can_register() {
        return Err(PageError::new(AppError::Forbidden, lang));
    }
    let mut v = FormMap::new();
    if let Some(naikkelas_core::Scope::Region(r)) = Some(s.actor.registry_scope()) {
        if r.level() == naikkelas_core::RegionLevel::Regency {
            v.insert("kode_wilayah".into(), r.to_string());
        }
    }
    v.insert("tahun_data".into(), (st.svc.this_year() - 1).to_string());
    Ok(form_page(&st, lang, &s, "new", &v, None, None).into_response())
}

pub async fn create(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let draft = draft_from(&f);
    // Validate both parts first so nothing is half-written.
    let with_figures = !get(&f, "tenaga_kerja").trim().is_empty() || !get(&f, "nilai_investasi").trim().is_empty();
    let mut errors = naikkelas_core::ValidationErrors::default();
    if let Err(AppError::Invalid(e)) = st.svc.validate_draft(&draft) {
        errors.0.extend(e.0);
    }
    if with_figures {
        if let Err(e) = figures_from(&f).validate(st.svc.this_year()) {
            errors.0.extend(e.0);
        }
    }
    if errors.is_empty() {
        match st.svc.register_enterprise(&s.actor, &draft).await {
            Ok(p) => {
                if with_figures {
                    st.svc.record_figures(&s.actor, p.nib.as_str(), &figures_from(&f)).await.page(lang)?;
                }
                return Ok(Redirect::to(&format!("/enterprises/{}?created=1", p.nib)).into_response());
            }
            Err(AppError::Invalid(e)) => errors = e,
            Err(e) => return Err(PageError::new(e, lang)),
        }
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, form_page(&st, lang, &s, "new", &f, Some(&errors), None)).into_response())
}

pub async fn edit_form(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(nib): Path<String>,
) -> Result<Response, PageError> {
    let v = st.svc.enterprise_view(&s.actor, &nib).await.page(lang)?;
    if !v.can_edit {
        return Err(PageError::new(AppError::Forbidden, lang));
    }
    let d = EnterpriseDraft::from(&v.record.profile);
    let mut m = FormMap::new();
    for (k, val) in [
        ("nib", d.nib),
        ("nama_usaha", d.name),
        ("nama_pemilik", d.owner_name),
        ("alamat", d.address),
        ("kode_wilayah", d.regency_code),
        ("kode_kecamatan", d.district_code),
        ("kbli", d.kbli),
        ("produk", d.products),
        ("komoditas", d.commodities),
        ("tahun_berdiri", d.founded_year),
        ("telepon", d.phone),
        ("email", d.email),
        ("version", v.record.version.to_string()),
    ] {
        m.insert(k.to_string(), val);
    }
    Ok(form_page(&st, lang, &s, "edit", &m, None, Some(&nib)).into_response())
}

pub async fn update(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(nib): Path<String>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    let version = get(&f, "version").parse::<i64>().ok();
    match st.svc.update_enterprise(&s.actor, &nib, &draft_from(&f), version).await {
        Ok(_) => Ok(Redirect::to(&format!("/enterprises/{nib}?saved=1")).into_response()),
        Err(AppError::Invalid(e)) => {
            Ok((StatusCode::UNPROCESSABLE_ENTITY, form_page(&st, lang, &s, "edit", &f, Some(&e), Some(&nib)))
                .into_response())
        }
        Err(e) => Err(PageError::new(e, lang)),
    }
}

pub async fn delete(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(nib): Path<String>,
    Form(f): Form<FormMap>,
) -> Result<Response, PageError> {
    check_csrf(&s, &f, lang)?;
    st.svc.delete_enterprise(&s.actor, &nib).await.page(lang)?;
    Ok(Redirect::to("/enterprises?deleted=1").into_response())
}

/// CSV or XLSX of what the list shows (same filters, same scope), in the
/// import format so it can be edited and imported back.
pub async fn export(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(ext): Path<String>,
    Query(f): Query<ListFilters>,
) -> Result<Response, PageError> {
    use axum::http::header;
    let format =
        naikkelas_app::export::ExportFormat::parse(&ext).ok_or_else(|| PageError::new(AppError::NotFound, lang))?;
    let dir = std::env::temp_dir().join(format!("naikkelas-export-{}", naikkelas_app::auth::random_token()));
    std::fs::create_dir_all(&dir).map_err(|e| PageError::new(AppError::Internal(e.to_string()), lang))?;
    let path = dir.join(format!("ikm.{ext}"));
    let result = st.svc.export_enterprises(&s.actor, &f, format, &path).await;
    let bytes = result.and_then(|_| std::fs::read(&path).map_err(|e| AppError::Internal(e.to_string())));
    let _ = std::fs::remove_dir_all(&dir);
    let bytes = bytes.page(lang)?;
    let mime = match format {
        naikkelas_app::export::ExportFormat::Csv => "text/csv; charset=utf-8",
        naikkelas_app::export::ExportFormat::Xlsx => {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        }
    };
    let disposition = format!("attachment; filename=\"ikm-{}.{ext}\"", st.svc.now().date());
    Ok(([(header::CONTENT_TYPE, mime.to_string()), (header::CONTENT_DISPOSITION, disposition)], bytes).into_response())
}
