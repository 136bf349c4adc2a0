//! Background imports started from the web UI.
//!
//! A job lives in memory on the node that runs it: the upload and the error
//! file sit in a private temporary directory, the progress in this table.
//! A restart forgets running jobs (their committed batches stay, and
//! re-importing the same file is idempotent), which is the trade for not
//! needing a job queue on a district office's single server.

use naikkelas_app::import::{ImportSummary, Progress};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub enum JobStatus {
    Running(Progress),
    Done(Box<ImportSummary>),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct ImportJob {
    pub id: String,
    /// Only the user who started the job may see it.
    pub owner_user_id: i64,
    pub file_name: String,
    pub dir: PathBuf,
    pub errors_file: PathBuf,
    pub status: JobStatus,
}

#[derive(Default, Clone)]
pub struct Jobs {
    inner: Arc<Mutex<HashMap<String, ImportJob>>>,
}

impl Jobs {
    pub fn insert(&self, job: ImportJob) {
        let mut m = self.inner.lock().expect("jobs lock");
        // Keep the table small: drop finished jobs beyond the newest 200.
        if m.len() > 200 {
            let finished: Vec<String> =
                m.values().filter(|j| !matches!(j.status, JobStatus::Running(_))).map(|j| j.id.clone()).collect();
            for id in finished.into_iter().take(m.len() - 200) {
                if let Some(j) = m.remove(&id) {
                    let _ = std::fs::remove_dir_all(&j.dir);
                }
            }
        }
        m.insert(job.id.clone(), job);
    }

    pub fn update(&self, id: &str, status: JobStatus) {
        if let Some(j) = self.inner.lock().expect("jobs lock").get_mut(id) {
            j.status = status;
        }
    }

    /// The job if it exists and belongs to `user_id`.
    pub fn get(&self, id: &str, user_id: i64) -> Option<ImportJob> {
        self.inner.lock().expect("jobs lock").get(id).filter(|j| j.owner_user_id == user_id).cloned()
    }
}
