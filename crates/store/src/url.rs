//! Database URLs: `sqlite://PATH` or `postgres://…`.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(String),
    Postgres(String),
}

impl DbUrl {
    pub fn parse(raw: &str) -> Result<DbUrl, String> {
        let s = raw.trim();
        if let Some(path) = s.strip_prefix("sqlite://").or_else(|| s.strip_prefix("sqlite:")) {
            if path.is_empty() {
                return Err(format!("{s}: the SQLite URL names no file (use sqlite://naikkelas.db)"));
            }
            return Ok(DbUrl::Sqlite(path.to_string()));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(DbUrl::Postgres(s.to_string()));
        }
        Err(format!("{}: unsupported database URL (expected sqlite://PATH or postgres://…)", mask_password(s)))
    }

    pub fn masked(&self) -> String {
        match self {
            DbUrl::Sqlite(p) => format!("sqlite://{p}"),
            DbUrl::Postgres(u) => mask_password(u),
        }
    }
}

/// Debug never prints a password.
impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn mask_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return url.to_string() };
    let rest = &url[scheme_end + 3..];
    let Some(at) = rest.find('@') else { return url.to_string() };
    let userinfo = &rest[..at];
    match userinfo.find(':') {
        Some(colon) => format!("{}{}:***{}", &url[..scheme_end + 3], &userinfo[..colon], &rest[at..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_masks() {
        assert_eq!(DbUrl::parse("sqlite://x.db").unwrap(), DbUrl::Sqlite("x.db".into()));
        let pg = DbUrl::parse("postgres://nk:s3cret@127.0.0.1:5432/test").unwrap();
        assert_eq!(pg.masked(), "postgres://nk:***@127.0.0.1:5432/test");
        assert_eq!(format!("{pg:?}"), "postgres://nk:***@127.0.0.1:5432/test");
        assert!(DbUrl::parse("mysql://root:pw@h/db").unwrap_err().contains("root:***@h"));
        assert!(DbUrl::parse("sqlite://").is_err());
    }
}
