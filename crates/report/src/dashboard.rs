//! The dashboard report: key figures as a two-column table, then one table
//! per breakdown (trend, KBLI divisions, areas), each with a bar column for
//! its first measure so the shape reads at a glance on paper.

use crate::{Block, Document, Table};

/// A dashboard as printed text: the caller formats numbers in the reader's
/// language; this only lays them out.
#[derive(Debug, Clone, Default)]
pub struct DashboardReport {
    pub title: String,
    pub meta: Vec<(String, String)>,
    /// Label and formatted value.
    pub key_figures: Vec<(String, String)>,
    pub sections: Vec<Section>,
    /// Printed after the tables (sources, what "certified" counts).
    pub notes: Vec<String>,
    pub footer: String,
}

/// One breakdown: a header and rows of formatted cells, with the raw value
/// of the first measure column for its bar.
#[derive(Debug, Clone, Default)]
pub struct Section {
    pub heading: String,
    pub header: Vec<String>,
    pub rows: Vec<(Vec<String>, i64)>,
}

/// The printable document of a dashboard.
pub fn document(r: &DashboardReport) -> Document {
    let mut blocks = vec![Block::Table(Table {
        header: Vec::new(),
        widths: vec![2.0, 3.0],
        rows: r.key_figures.iter().map(|(k, v)| vec![k.clone(), v.clone()]).collect(),
        bar_column: None,
    })];
    for s in &r.sections {
        blocks.push(Block::Heading(s.heading.clone()));
        let max = s.rows.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
        let bars = s.rows.iter().map(|(_, v)| Some(((*v).max(0) as i128 * 1000 / max as i128) as u32)).collect();
        let mut widths = vec![2.5];
        widths.extend(std::iter::repeat_n(1.2, s.header.len().saturating_sub(1)));
        blocks.push(Block::Table(Table {
            header: s.header.clone(),
            widths,
            rows: s.rows.iter().map(|(cells, _)| cells.clone()).collect(),
            bar_column: Some((1, bars)),
        }));
    }
    for n in &r.notes {
        blocks.push(Block::Paragraph(n.clone()));
    }
    Document { title: r.title.clone(), meta: r.meta.clone(), blocks, footer: r.footer.clone() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_row_and_the_pdf_renders() {
        let r = DashboardReport {
            title: "Dasbor IKM".into(),
            key_figures: vec![("Unit".into(), "12".into())],
            sections: vec![Section {
                heading: "Tren".into(),
                header: vec!["Tahun".into(), "Unit".into()],
                rows: vec![(vec!["2023".into(), "5".into()], 5), (vec!["2024".into(), "10".into()], 10)],
            }],
            ..DashboardReport::default()
        };
        let d = document(&r);
        let Block::Table(t) = &d.blocks[2] else { panic!("a table after the heading") };
        assert_eq!(t.bar_column.as_ref().unwrap().1, vec![Some(500), Some(1000)]);
        assert!(crate::render(&d).starts_with(b"%PDF"));
    }
}
