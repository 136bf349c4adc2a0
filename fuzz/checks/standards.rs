//! The standards catalogue loader (core standards): any text either loads
//! or is refused with a located reason, never a panic.

use naikkelas_core::standards::{Catalogue, Standard};

pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match Standard::parse("fuzz.toml", text) {
        Ok(s) => {
            for item in &s.items {
                assert!(s.item(&item.id).is_some());
            }
            let _ = s.top_clauses().count();
            let _ = s.applies_to(&["10761"], &["kopi"]);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
    let _ = Catalogue::parse(&[("a.toml", text), ("b.toml", text)]);
}
