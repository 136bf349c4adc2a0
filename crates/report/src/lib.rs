//! PDF rendering of naikkelas reports.
//!
//! A [`Document`] is a title, a few label/value lines and blocks (headings,
//! paragraphs, tables with optional percentage bars). It is drawn on A4 pages
//! with the PDF standard fonts Helvetica and Helvetica-Bold in WinAnsi
//! encoding, so nothing is embedded and the file stays small; characters
//! outside WinAnsi (rare in Bahasa Indonesia) are replaced. Built on
//! `pdf-writer` alone (no layout engine): this crate is its own compilation
//! unit so that handlers never recompile it.

pub mod dashboard;

use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str, TextStr};

/// A report to print.
#[derive(Debug, Clone, Default)]
pub struct Document {
    pub title: String,
    /// Label/value lines under the title (enterprise, standard, date …).
    pub meta: Vec<(String, String)>,
    pub blocks: Vec<Block>,
    /// Printed at the bottom of every page, with the page number.
    pub footer: String,
}

#[derive(Debug, Clone)]
pub enum Block {
    Heading(String),
    Paragraph(String),
    Table(Table),
}

#[derive(Debug, Clone, Default)]
pub struct Table {
    pub header: Vec<String>,
    /// Relative column widths; equal when empty.
    pub widths: Vec<f32>,
    pub rows: Vec<Vec<String>>,
    /// A column whose cells hold a per-mille value (0–1000) drawn as a bar
    /// after the text; the cell's text is shown as is.
    pub bar_column: Option<(usize, Vec<Option<u32>>)>,
}

const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 50.0;
const BODY: f32 = 9.5;
const LEADING: f32 = 12.5;

/// Helvetica advance widths (per 1000 em) for ASCII 32–126.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833,
    722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556,
    556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334,
    260, 334, 584,
];

fn char_width(c: char, bold: bool) -> f32 {
    let w = match c as u32 {
        32..=126 => f32::from(HELVETICA[(c as u32 - 32) as usize]),
        _ => 556.0,
    };
    if bold {
        w * 1.06
    } else {
        w
    }
}

/// Width of `s` in points at `size`.
pub fn text_width(s: &str, size: f32, bold: bool) -> f32 {
    s.chars().map(|c| char_width(c, bold)).sum::<f32>() * size / 1000.0
}

/// UTF-8 to WinAnsi (CP-1252) bytes; characters it lacks become close
/// equivalents or `?`.
pub fn winansi(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{20}'..='\u{7e}' => out.push(c as u8),
            '\u{a0}'..='\u{ff}' => out.push(c as u32 as u8),
            '€' => out.push(0x80),
            '…' => out.push(0x85),
            '†' => out.push(0x86),
            '‘' => out.push(0x91),
            '’' => out.push(0x92),
            '“' => out.push(0x93),
            '”' => out.push(0x94),
            '•' => out.push(0x95),
            '–' => out.push(0x96),
            '—' => out.push(0x97),
            '≥' => out.extend_from_slice(b">="),
            '≤' => out.extend_from_slice(b"<="),
            '→' | '›' => out.push(0x9b),
            '\n' | '\t' => out.push(b' '),
            _ => out.push(b'?'),
        }
    }
    out
}

/// Greedy word wrap to `width` points.
pub fn wrap(s: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for para in s.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if text_width(&candidate, size, bold) <= width || line.is_empty() {
                line = candidate;
                // A single word wider than the column is cut by characters.
                while text_width(&line, size, bold) > width && line.chars().count() > 1 {
                    let mut head = String::new();
                    for c in line.chars() {
                        if text_width(&format!("{head}{c}"), size, bold) > width {
                            break;
                        }
                        head.push(c);
                    }
                    let rest: String = line.chars().skip(head.chars().count().max(1)).collect();
                    lines.push(if head.is_empty() { line.chars().take(1).collect() } else { head });
                    line = rest;
                }
            } else {
                lines.push(std::mem::take(&mut line));
                line = word.to_string();
            }
        }
        lines.push(line);
    }
    lines
}

struct Writer {
    pages: Vec<Content>,
    y: f32,
    footer: String,
}

impl Writer {
    fn new(footer: String) -> Self {
        Writer { pages: vec![Content::new()], y: PAGE_H - MARGIN, footer }
    }
    fn page(&mut self) -> &mut Content {
        self.pages.last_mut().expect("at least one page")
    }
    /// Starts a new page when fewer than `h` points are left.
    fn need(&mut self, h: f32) {
        if self.y - h < MARGIN + 20.0 {
            self.pages.push(Content::new());
            self.y = PAGE_H - MARGIN;
        }
    }
    fn text(&mut self, x: f32, y: f32, s: &str, size: f32, bold: bool) {
        let font = if bold { Name(b"F2") } else { Name(b"F1") };
        let bytes = winansi(s);
        let c = self.page();
        c.begin_text();
        c.set_font(font, size);
        c.next_line(x, y);
        c.show(Str(&bytes));
        c.end_text();
    }
    fn lines(&mut self, s: &str, size: f32, bold: bool, leading: f32) {
        for l in wrap(s, size, bold, PAGE_W - 2.0 * MARGIN) {
            self.need(leading);
            self.y -= leading;
            let y = self.y;
            self.text(MARGIN, y, &l, size, bold);
        }
    }
    fn table(&mut self, t: &Table) {
        let full = PAGE_W - 2.0 * MARGIN;
        let n = t.header.len().max(t.rows.first().map_or(0, Vec::len)).max(1);
        let weights: Vec<f32> = if t.widths.len() == n { t.widths.clone() } else { vec![1.0; n] };
        let total: f32 = weights.iter().sum();
        let widths: Vec<f32> = weights.iter().map(|w| w / total * full).collect();
        let draw_row = |w: &mut Writer, cells: &[String], bold: bool, bar: Option<Option<u32>>| {
            let wrapped: Vec<Vec<String>> =
                cells.iter().zip(&widths).map(|(c, cw)| wrap(c, BODY, bold, cw - 6.0)).collect();
            let height = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * LEADING + 4.0;
            w.need(height);
            let top = w.y;
            if bold {
                let c = w.page();
                c.set_fill_rgb(0.9, 0.93, 0.96);
                c.rect(MARGIN, top - height, full, height);
                c.fill_nonzero();
                c.set_fill_rgb(0.0, 0.0, 0.0);
            }
            let mut x = MARGIN;
            for (i, lines) in wrapped.iter().enumerate() {
                for (k, l) in lines.iter().enumerate() {
                    w.text(x + 3.0, top - LEADING * (k as f32 + 1.0), l, BODY, bold);
                }
                if let (Some((col, _)), Some(Some(p))) = (t.bar_column.as_ref(), bar) {
                    if *col == i {
                        let text_w = lines.first().map_or(0.0, |l| text_width(l, BODY, false));
                        let room = (widths[i] - text_w - 12.0).max(0.0);
                        let c = w.page();
                        c.set_fill_rgb(0.16, 0.45, 0.7);
                        c.rect(x + text_w + 8.0, top - LEADING + 1.0, room * p.min(1000) as f32 / 1000.0, 7.0);
                        c.fill_nonzero();
                        c.set_fill_rgb(0.0, 0.0, 0.0);
                    }
                }
                x += widths[i];
            }
            let c = w.page();
            c.set_stroke_rgb(0.75, 0.75, 0.75);
            c.set_line_width(0.5);
            c.move_to(MARGIN, top - height);
            c.line_to(MARGIN + full, top - height);
            c.stroke();
            w.y = top - height;
        };
        if !t.header.is_empty() {
            draw_row(self, &t.header, true, None);
        }
        for (i, r) in t.rows.iter().enumerate() {
            let bar = t.bar_column.as_ref().map(|(_, v)| v.get(i).copied().flatten());
            draw_row(self, r, false, bar);
        }
    }
}

/// Renders `doc` to the bytes of a PDF file.
pub fn render(doc: &Document) -> Vec<u8> {
    let mut w = Writer::new(doc.footer.clone());
    w.lines(&doc.title, 16.0, true, 20.0);
    w.y -= 4.0;
    for (label, value) in &doc.meta {
        let wrapped = wrap(value, BODY + 0.5, false, PAGE_W - 2.0 * MARGIN - 140.0);
        for (i, l) in wrapped.iter().enumerate() {
            w.need(LEADING);
            w.y -= LEADING;
            let y = w.y;
            if i == 0 {
                w.text(MARGIN, y, label, BODY + 0.5, true);
            }
            w.text(MARGIN + 140.0, y, l, BODY + 0.5, false);
        }
    }
    for b in &doc.blocks {
        match b {
            Block::Heading(h) => {
                w.need(40.0);
                w.y -= 10.0;
                w.lines(h, 12.0, true, 16.0);
                w.y -= 2.0;
            }
            Block::Paragraph(p) => w.lines(p, BODY, false, LEADING),
            Block::Table(t) => w.table(t),
        }
    }

    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let count = w.pages.len();
    let page_ids: Vec<Ref> = (0..count).map(|i| Ref::new(10 + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(count as i32);
    pdf.type1_font(regular).base_font(Name(b"Helvetica")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold).base_font(Name(b"Helvetica-Bold")).encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.document_info(info).title(TextStr(&doc.title)).producer(TextStr("naikkelas"));
    let footer = w.footer.clone();
    let pages = std::mem::take(&mut w.pages);
    for (i, mut content) in pages.into_iter().enumerate() {
        let text = format!("{footer} · {}/{count}", i + 1);
        let bytes = winansi(&text);
        content.begin_text();
        content.set_font(Name(b"F1"), 8.0);
        content.next_line(MARGIN, MARGIN - 10.0);
        content.show(Str(&bytes));
        content.end_text();
        let id = page_ids[i];
        let content_id = Ref::new(id.get() + 1);
        let mut page = pdf.page(id);
        page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H));
        page.parent(tree);
        page.contents(content_id);
        page.resources().fonts().pair(Name(b"F1"), regular).pair(Name(b"F2"), bold);
        drop(page);
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn winansi_keeps_latin_text_and_replaces_the_rest() {
        assert_eq!(winansi("Rp 1.250.000 – ≥80 %"), b"Rp 1.250.000 \x96 >=80 %".to_vec());
        assert_eq!(winansi("é漢"), vec![0xe9, b'?']);
    }

    #[test]
    fn wrap_respects_the_width() {
        let lines = wrap("Apakah alat ukur dikalibrasi dan ada sertifikatnya?", 10.0, false, 100.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, 10.0, false) <= 100.0));
        assert_eq!(wrap("", 10.0, false, 50.0), vec![String::new()]);
        assert!(wrap("Supercalifragilisticexpialidocious", 10.0, false, 40.0).len() > 1);
    }

    #[test]
    fn renders_a_multi_page_pdf() {
        let rows: Vec<Vec<String>> = (0..120).map(|i| vec![format!("{i}"), "Ruang produksi bersih".into()]).collect();
        let doc = Document {
            title: "Laporan kesenjangan".into(),
            meta: vec![("IKM".into(), "Kopi Mahakam".into())],
            blocks: vec![
                Block::Heading("Skor per klausul".into()),
                Block::Table(Table {
                    header: vec!["No".into(), "Butir".into()],
                    widths: vec![1.0, 6.0],
                    bar_column: Some((1, vec![Some(500); 120])),
                    rows,
                }),
            ],
            footer: "naikkelas".into(),
        };
        let bytes = render(&doc);
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/Helvetica-Bold") && text.contains("/WinAnsiEncoding"));
        assert!(text.contains("/Count 3") || text.contains("/Count 4"), "several pages");
    }
}
