//! The tamper-evident audit chain.
//!
//! Every entry's hash covers the previous entry's hash and the entry's own
//! content, so changing, removing or reordering any entry breaks every link
//! after it. Before/after images are kept as the exact JSON text that was
//! hashed, so a database that reorders JSON keys cannot break the chain.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// RFC 3339 UTC timestamp.
    pub at: String,
    pub actor: String,
    /// `create`, `update`, `delete`, `finalise`, `correct`, `login` …
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

/// The content of an entry before it is chained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl AuditRecord {
    pub fn chain(self, seq: i64, prev_hash: &str) -> AuditEntry {
        let hash = entry_hash(seq, prev_hash, &self);
        AuditEntry {
            seq,
            at: self.at,
            actor: self.actor,
            action: self.action,
            entity_type: self.entity_type,
            entity_id: self.entity_id,
            before: self.before,
            after: self.after,
            prev_hash: prev_hash.to_string(),
            hash,
        }
    }
}

fn entry_hash(seq: i64, prev: &str, r: &AuditRecord) -> String {
    let mut h = Sha256::new();
    // Length-prefixed fields, so no two different entries share an encoding.
    let mut field = |s: &str| {
        h.update((s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    field(prev);
    field(&seq.to_string());
    field(&r.at);
    field(&r.actor);
    field(&r.action);
    field(&r.entity_type);
    field(&r.entity_id);
    field(r.before.as_deref().unwrap_or("\u{0}"));
    field(r.after.as_deref().unwrap_or("\u{0}"));
    hex::encode(h.finalize())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit chain broken at entry {seq}: {reason}")]
pub struct BrokenLink {
    pub seq: i64,
    pub reason: String,
}

/// Walks entries in sequence order and checks each link. Call with the
/// previous hash (`GENESIS` for the first page) and carry the returned hash
/// into the next page, so the whole log never has to sit in memory.
pub fn verify_page(prev: &str, expected_seq: i64, entries: &[AuditEntry]) -> Result<(String, i64), BrokenLink> {
    let mut prev = prev.to_string();
    let mut seq = expected_seq;
    for e in entries {
        if e.seq != seq {
            return Err(BrokenLink { seq, reason: format!("entry missing (next entry found is {})", e.seq) });
        }
        if e.prev_hash != prev {
            return Err(BrokenLink {
                seq: e.seq,
                reason: "previous-hash field does not match the previous entry".into(),
            });
        }
        let record = AuditRecord {
            at: e.at.clone(),
            actor: e.actor.clone(),
            action: e.action.clone(),
            entity_type: e.entity_type.clone(),
            entity_id: e.entity_id.clone(),
            before: e.before.clone(),
            after: e.after.clone(),
        };
        if entry_hash(e.seq, &prev, &record) != e.hash {
            return Err(BrokenLink { seq: e.seq, reason: "content does not match its hash (entry altered)".into() });
        }
        prev = e.hash.clone();
        seq += 1;
    }
    Ok((prev, seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(n: i64) -> AuditRecord {
        AuditRecord {
            at: format!("2026-11-27T10:00:{n:02}Z"),
            actor: "admin".into(),
            action: "update".into(),
            entity_type: "enterprise".into(),
            entity_id: "1234567890123".into(),
            before: Some(format!("{{\"n\":{n}}}")),
            after: None,
        }
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let e = rec(i).chain(i, &prev);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_in_pages() {
        let c = chain(5);
        let (h, next) = verify_page(GENESIS, 1, &c[..2]).unwrap();
        assert_eq!(verify_page(&h, next, &c[2..]).unwrap().1, 6);
    }

    #[test]
    fn tampering_is_found_at_the_first_broken_link() {
        let mut c = chain(5);
        c[2].after = Some("{\"x\":1}".into());
        assert_eq!(verify_page(GENESIS, 1, &c).unwrap_err().seq, 3);
        let mut c = chain(5);
        c.remove(3);
        assert_eq!(verify_page(GENESIS, 1, &c).unwrap_err().seq, 4);
        let mut c = chain(5);
        c.swap(1, 2);
        assert_eq!(verify_page(GENESIS, 1, &c).unwrap_err().seq, 2);
    }
}
