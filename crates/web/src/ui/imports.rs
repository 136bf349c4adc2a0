//! Importing a spreadsheet from the browser: upload, background processing
//! with progress, then the summary and the file of rejected rows.

use super::{base, render};
use crate::csrf;
use crate::error::PageError;
use crate::jobs::{ImportJob, JobStatus};
use crate::lang::UserLang;
use crate::session::LoggedIn;
use crate::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use naikkelas_app::import::ImportOptions;
use naikkelas_app::AppError;

fn may_import(s: &naikkelas_app::auth::Session) -> bool {
    s.actor.can_register()
}

pub async fn new_form(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
) -> Result<Response, PageError> {
    if !may_import(&s) {
        return Err(PageError::new(AppError::Forbidden, lang));
    }
    Ok(render(&st, "imports/new.html", lang, base(Some(&s), "/imports/new"), minijinja::context! {}).into_response())
}

pub async fn upload(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    mut form: Multipart,
) -> Result<Response, PageError> {
    if !may_import(&s) {
        return Err(PageError::new(AppError::Forbidden, lang));
    }
    let internal = |e: String| PageError::new(AppError::Internal(e), lang);
    let id = naikkelas_app::auth::random_token()[..16].to_string();
    let dir = std::env::temp_dir().join(format!("naikkelas-import-{id}"));
    std::fs::create_dir_all(&dir).map_err(|e| internal(e.to_string()))?;
    let mut token = String::new();
    let mut saved: Option<(String, std::path::PathBuf)> = None;
    let mut sheet = String::new();
    while let Some(field) = form.next_field().await.map_err(|e| internal(e.to_string()))? {
        match field.name().unwrap_or("") {
            "_csrf" => token = field.text().await.unwrap_or_default(),
            "sheet" => sheet = field.text().await.unwrap_or_default(),
            "file" => {
                let name = field.file_name().unwrap_or("upload.csv").to_string();
                let ext = if name.to_ascii_lowercase().ends_with(".xlsx") { "xlsx" } else { "csv" };
                let path = dir.join(format!("upload.{ext}"));
                let bytes = field.bytes().await.map_err(|e| internal(e.to_string()))?;
                if !bytes.is_empty() {
                    std::fs::write(&path, &bytes).map_err(|e| internal(e.to_string()))?;
                    saved = Some((name, path));
                }
            }
            _ => {}
        }
    }
    if !csrf::session_token_ok(&s, &token) {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(PageError::new(AppError::Forbidden, lang));
    }
    let Some((file_name, path)) = saved else {
        let _ = std::fs::remove_dir_all(&dir);
        let ctx = minijinja::context! { error => naikkelas_app::i18n::t(lang, "import.no_file") };
        return Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&st, "imports/new.html", lang, base(Some(&s), "/imports/new"), ctx),
        )
            .into_response());
    };
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("csv").to_string();
    let errors_file = dir.join(format!("baris-ditolak.{ext}"));
    st.jobs.insert(ImportJob {
        id: id.clone(),
        owner_user_id: s.actor.user_id,
        file_name,
        dir: dir.clone(),
        errors_file: errors_file.clone(),
        status: JobStatus::Running(Default::default()),
    });
    let opts = ImportOptions {
        errors_out: Some(errors_file),
        sheet: Some(sheet.trim().to_string()).filter(|s| !s.is_empty()),
        lang,
        ..Default::default()
    };
    let (svc, jobs, actor, job_id) = (st.svc.clone(), st.jobs.clone(), s.actor.clone(), id.clone());
    tokio::spawn(async move {
        let progress_jobs = jobs.clone();
        let pid = job_id.clone();
        let result =
            svc.import_file(&actor, &path, &opts, &move |p| progress_jobs.update(&pid, JobStatus::Running(p))).await;
        let status = match result {
            Ok(summary) => JobStatus::Done(Box::new(summary)),
            Err(AppError::Invalid(e)) => JobStatus::Failed(
                e.0.iter().map(|f| naikkelas_app::i18n::reason(opts.lang, f)).collect::<Vec<_>>().join("; "),
            ),
            Err(e) => JobStatus::Failed(e.to_string()),
        };
        jobs.update(&job_id, status);
    });
    Ok(Redirect::to(&format!("/imports/{id}")).into_response())
}

pub async fn show(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let job = st.jobs.get(&id, s.actor.user_id).ok_or_else(|| PageError::new(AppError::NotFound, lang))?;
    let ctx = match &job.status {
        JobStatus::Running(p) => minijinja::context! {
            id => id, file_name => job.file_name, running => true,
            rows => p.rows_read, inserted => p.inserted, updated => p.updated, unchanged => p.unchanged, rejected => p.rejected,
            percent => match (p.bytes_read, p.bytes_total) { (Some(r), Some(t)) if t > 0 => Some((r * 100 / t).min(100)), _ => None },
        },
        JobStatus::Done(sum) => minijinja::context! {
            id => id, file_name => job.file_name, done => true,
            rows => sum.rows_read, inserted => sum.inserted, updated => sum.updated, unchanged => sum.unchanged,
            rejected => sum.rejected_rows, rejected_list => minijinja::Value::from_serialize(sum.rejected.iter().take(200).collect::<Vec<_>>()),
            warnings => sum.warnings(lang), has_errors_file => sum.rejected_rows > 0 && job.errors_file.exists(),
        },
        JobStatus::Failed(msg) => minijinja::context! { id => id, file_name => job.file_name, failed => msg },
    };
    Ok(render(&st, "imports/show.html", lang, base(Some(&s), &format!("/imports/{id}")), ctx).into_response())
}

pub async fn errors_file(
    State(st): State<AppState>,
    UserLang(lang): UserLang,
    LoggedIn(s): LoggedIn,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let job = st.jobs.get(&id, s.actor.user_id).ok_or_else(|| PageError::new(AppError::NotFound, lang))?;
    let bytes = std::fs::read(&job.errors_file).map_err(|_| PageError::new(AppError::NotFound, lang))?;
    let name = job.errors_file.file_name().and_then(|n| n.to_str()).unwrap_or("errors.csv").to_string();
    let mime = if name.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "text/csv; charset=utf-8"
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}
