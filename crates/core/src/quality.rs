//! The quality ladder (tingkat mutu), DESIGN.md §3: the highest level that holds.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum QualityLevel {
    /// Terdaftar: in the registry with a valid NIB.
    L0,
    /// Legal produk: holds a basic product permit (P-IRT, BPOM MD, halal).
    L1,
    /// Siap sertifikasi: latest assessment ≥ 80 % with no open critical gap.
    L2,
    /// Bersertifikat produk: an active SPPT SNI.
    L3,
    /// Bersertifikat sistem: an active management-system certificate.
    L4,
    /// Pemasok/eksportir: L3 or L4, and exports or supplies large industry.
    L5,
}

/// What the ladder looks at. Later capabilities fill in the higher rungs;
/// everything defaults to "not yet".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QualityInputs {
    pub has_valid_product_permit: bool,
    pub assessment_ready: bool,
    pub active_product_certificate: bool,
    pub active_system_certificate: bool,
    pub exports_or_supplies: bool,
}

impl QualityLevel {
    pub const ALL: [QualityLevel; 6] =
        [QualityLevel::L0, QualityLevel::L1, QualityLevel::L2, QualityLevel::L3, QualityLevel::L4, QualityLevel::L5];

    /// The highest level whose condition holds. Levels are rungs, not a
    /// checklist: a certified firm without a recorded permit is still L3.
    pub fn compute(i: QualityInputs) -> QualityLevel {
        let certified = i.active_product_certificate || i.active_system_certificate;
        if certified && i.exports_or_supplies {
            QualityLevel::L5
        } else if i.active_system_certificate {
            QualityLevel::L4
        } else if i.active_product_certificate {
            QualityLevel::L3
        } else if i.assessment_ready {
            QualityLevel::L2
        } else if i.has_valid_product_permit {
            QualityLevel::L1
        } else {
            QualityLevel::L0
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QualityLevel::L0 => "L0",
            QualityLevel::L1 => "L1",
            QualityLevel::L2 => "L2",
            QualityLevel::L3 => "L3",
            QualityLevel::L4 => "L4",
            QualityLevel::L5 => "L5",
        }
    }

    pub fn parse(s: &str) -> Option<QualityLevel> {
        QualityLevel::ALL.into_iter().find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
    }

    pub fn rank(self) -> u8 {
        self as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ladder_takes_the_highest_rung() {
        let none = QualityInputs::default();
        assert_eq!(QualityLevel::compute(none), QualityLevel::L0);
        let permit = QualityInputs { has_valid_product_permit: true, ..none };
        assert_eq!(QualityLevel::compute(permit), QualityLevel::L1);
        let ready = QualityInputs { assessment_ready: true, ..permit };
        assert_eq!(QualityLevel::compute(ready), QualityLevel::L2);
        let sni = QualityInputs { active_product_certificate: true, ..none };
        assert_eq!(QualityLevel::compute(sni), QualityLevel::L3);
        let iso = QualityInputs { active_system_certificate: true, ..sni };
        assert_eq!(QualityLevel::compute(iso), QualityLevel::L4);
        let exporter = QualityInputs { exports_or_supplies: true, ..sni };
        assert_eq!(QualityLevel::compute(exporter), QualityLevel::L5);
        // Exporting alone, without a certificate, does not make L5.
        let uncertified_exporter = QualityInputs { exports_or_supplies: true, ..permit };
        assert_eq!(QualityLevel::compute(uncertified_exporter), QualityLevel::L1);
    }
}
