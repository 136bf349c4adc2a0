//! Certification bodies and schemes.

use serde::{Deserialize, Serialize};

/// The kind of a certification body, accredited by KAN (Komite Akreditasi Nasional).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// Lembaga Sertifikasi Produk: SNI product certification (ISO/IEC 17065).
    Lspro,
    /// Lembaga Sertifikasi Sistem Manajemen: ISO management systems (ISO/IEC 17021-1).
    Lssm,
}

impl BodyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BodyKind::Lspro => "lspro",
            BodyKind::Lssm => "lssm",
        }
    }
    pub fn parse(s: &str) -> Option<BodyKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "lspro" => Some(BodyKind::Lspro),
            "lssm" => Some(BodyKind::Lssm),
            _ => None,
        }
    }
    /// The scheme this kind of body certifies under.
    pub fn scheme(self) -> Scheme {
        match self {
            BodyKind::Lspro => Scheme::SniType5,
            BodyKind::Lssm => Scheme::Iso,
        }
    }
}

/// How a standard is certified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scheme {
    /// SNI product certification, type 5: factory audit, sampling and
    /// laboratory testing, surveillance (DOMAIN.md §2c). Gives SPPT SNI.
    SniType5,
    /// Management-system certification, two-stage audit, 3-year cycle
    /// with yearly surveillance (DOMAIN.md §3c).
    Iso,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::SniType5 => "sni_type5",
            Scheme::Iso => "iso",
        }
    }
    pub fn parse(s: &str) -> Option<Scheme> {
        match s.trim() {
            "sni_type5" => Some(Scheme::SniType5),
            "iso" => Some(Scheme::Iso),
            _ => None,
        }
    }
    /// The prefix of certificate numbers issued under this scheme.
    pub fn number_prefix(self) -> &'static str {
        match self {
            Scheme::SniType5 => "SNI",
            Scheme::Iso => "ISO",
        }
    }
    /// Product certificates make quality level L3, system certificates L4.
    pub fn is_product(self) -> bool {
        self == Scheme::SniType5
    }
}
