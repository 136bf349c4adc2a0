//! The standards catalogue shipped in `data/standards/`, embedded so that
//! `migrate` can load it with nothing beside the executable. Adding a
//! standard is a new file there plus one line here; the rules in core do
//! not change. See `data/standards/SOURCES.md`.

use naikkelas_core::standards::{Catalogue, CatalogueError};

pub const FILES: &[(&str, &str)] = &[
    ("iso-9001-2015.toml", include_str!("../../../data/standards/iso-9001-2015.toml")),
    ("iso-22000-2018.toml", include_str!("../../../data/standards/iso-22000-2018.toml")),
    ("sni-2983-2014.toml", include_str!("../../../data/standards/sni-2983-2014.toml")),
    ("sni-3747-2024.toml", include_str!("../../../data/standards/sni-3747-2024.toml")),
    ("sni-3553-2015.toml", include_str!("../../../data/standards/sni-3553-2015.toml")),
    ("sni-7709-2019.toml", include_str!("../../../data/standards/sni-7709-2019.toml")),
    ("sni-3556-2010.toml", include_str!("../../../data/standards/sni-3556-2010.toml")),
    ("sni-iso-8124-2010.toml", include_str!("../../../data/standards/sni-iso-8124-2010.toml")),
    ("sni-1811-2007.toml", include_str!("../../../data/standards/sni-1811-2007.toml")),
    ("sni-7617-2013.toml", include_str!("../../../data/standards/sni-7617-2013.toml")),
];

/// The key under which backends keep the loaded catalogue's version in `meta`.
pub const STAMP_KEY: &str = "standards_catalogue_version";

pub fn shipped() -> Result<Catalogue, CatalogueError> {
    Catalogue::parse(FILES)
}

#[cfg(test)]
mod tests {
    use naikkelas_core::standards::StandardKind;

    #[test]
    fn shipped_catalogue_parses_with_the_expected_contents() {
        let c = super::shipped().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.standards.len(), 10);
        let iso = &c.standards["iso-9001-2015"];
        let tops: Vec<&str> = iso.top_clauses().map(|c| c.id.as_str()).collect();
        assert_eq!(tops, ["4", "5", "6", "7", "8", "9", "10"]);
        assert!(iso.items.len() >= 50 && iso.items.iter().any(|i| i.critical));
        let products: Vec<_> = c.standards.values().filter(|s| s.kind == StandardKind::Product).collect();
        assert_eq!(products.len(), 8);
        for s in products {
            assert!(s.mandatory && s.regulation.is_some() && s.scheme.is_some(), "{}", s.code);
            assert!(!s.applicability.is_empty(), "{}", s.code);
            assert_eq!(s.top_clauses().count(), 4, "{}", s.code);
        }
        assert_eq!(
            c.standards["sni-2983-2014"].applies_to(&["10761"], &[]),
            Some(c.standards["sni-2983-2014"].applicability[0].source.as_str())
        );
        assert!(c.standards["iso-22000-2018"].clause("8.5").is_some_and(|c| c.unverified));
    }
}
