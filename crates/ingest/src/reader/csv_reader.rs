//! CSV: delimiter sniffed on the header line (`;`, `,` or tab), UTF-8 with
//! or without BOM, CRLF or LF, quoted fields with delimiters and newlines.

use super::{RawRow, ReadError, RowIssue};
use std::io::{BufRead, BufReader, Cursor, Read};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// Picks the delimiter that occurs most often outside quotes in `line`;
/// a tie (or none) is a comma.
pub fn sniff_delimiter(line: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in line {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    if counts[1] > counts[0] && counts[1] >= counts[2] {
        b';'
    } else if counts[2] > counts[0] && counts[2] > counts[1] {
        b'\t'
    } else {
        b','
    }
}

type Source = Box<dyn Read + Send>;

/// Line ends normalised to LF (`\r\n` and a lone `\r` become `\n`, also
/// inside quoted cells), and a final LF added when the input lacks one, so
/// that every record ends with exactly one `\n` and line counting is exact.
struct LfOnly {
    inner: Source,
    tmp: Vec<u8>,
    pending_cr: bool,
    /// The last byte passed on; `None` before the first. (A zero byte is
    /// data: a file may end with NUL padding.)
    last: Option<u8>,
    done: bool,
    /// Set once the end of the input has been reported to the reader.
    ended: Arc<AtomicBool>,
}

impl Read for LfOnly {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.done {
            self.ended.store(true, Ordering::Relaxed);
            return Ok(0);
        }
        if out.len() < 2 {
            return Ok(0);
        }
        let cap = out.len() - 1;
        self.tmp.resize(cap, 0);
        let n = loop {
            match self.inner.read(&mut self.tmp[..cap]) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => break r?,
            }
        };
        let mut w = 0;
        if n == 0 {
            self.done = true;
            if self.pending_cr || self.last.is_some_and(|b| b != b'\n') {
                out[0] = b'\n';
                return Ok(1);
            }
            self.ended.store(true, Ordering::Relaxed);
            return Ok(0);
        }
        for &b in &self.tmp[..n] {
            if self.pending_cr {
                self.pending_cr = false;
                out[w] = b'\n';
                w += 1;
                if b == b'\n' {
                    continue;
                }
            }
            if b == b'\r' {
                self.pending_cr = true;
                continue;
            }
            out[w] = b;
            w += 1;
        }
        if w > 0 {
            self.last = Some(out[w - 1]);
        } else if self.pending_cr {
            // Only a CR so far: ask again rather than report end of input.
            return self.read(out);
        }
        Ok(w)
    }
}

/// Streaming CSV rows after the header.
pub struct CsvRows {
    rdr: csv::Reader<std::io::Chain<Cursor<Vec<u8>>, BufReader<Source>>>,
    rec: csv::ByteRecord,
    delimiter: u8,
    bom: bool,
    /// Blank physical lines before the header (they are spreadsheet rows).
    lead: u64,
    /// Newlines inside quoted fields so far (physical lines that are not rows).
    embedded: u64,
    /// Bytes consumed so far (after line-end normalisation), for progress.
    bytes: Arc<AtomicU64>,
    /// The input's end was reached (see [`LfOnly::ended`]).
    ended: Arc<AtomicBool>,
}

fn is_blank(line: &[u8]) -> bool {
    line.iter().all(|b| b.is_ascii_whitespace())
}

impl CsvRows {
    /// Reads the header; returns the row stream and the header cells.
    pub fn new<R: Read + Send + 'static>(source: R) -> Result<(CsvRows, Vec<String>), ReadError> {
        let io = |source| ReadError::Io { path: "input".into(), source };
        let ended = Arc::new(AtomicBool::new(false));
        let lf = LfOnly {
            inner: Box::new(source),
            tmp: Vec::new(),
            pending_cr: false,
            last: None,
            done: false,
            ended: ended.clone(),
        };
        let mut buf = BufReader::with_capacity(1 << 16, Box::new(lf) as Source);
        let bom = {
            let head = buf.fill_buf().map_err(io)?;
            head.starts_with(b"\xEF\xBB\xBF")
        };
        if bom {
            buf.consume(3);
        }
        let mut first = Vec::new();
        let mut lead = 0;
        loop {
            first.clear();
            if buf.read_until(b'\n', &mut first).map_err(io)? == 0 {
                return Err(ReadError::NoHeader);
            }
            if !is_blank(&first) {
                break;
            }
            lead += 1;
        }
        let delimiter = sniff_delimiter(&first);
        let rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .terminator(csv::Terminator::Any(b'\n'))
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(1 << 16)
            .from_reader(Cursor::new(first).chain(buf));
        let mut rows = CsvRows {
            rdr,
            rec: csv::ByteRecord::new(),
            delimiter,
            bom,
            lead,
            embedded: 0,
            bytes: Arc::default(),
            ended,
        };
        let (header, issue) = match rows.next_row() {
            Some(Ok((r, issue))) => (r, issue),
            Some(Err(e)) => return Err(e),
            None => return Err(ReadError::NoHeader),
        };
        if issue.is_some() {
            return Err(ReadError::HeaderEncoding);
        }
        Ok((rows, header.cells))
    }

    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    pub fn had_bom(&self) -> bool {
        self.bom
    }

    /// A shared counter of the bytes consumed so far.
    pub fn byte_counter(&self) -> Arc<AtomicU64> {
        self.bytes.clone()
    }

    /// The next row with any content (the header first).
    pub fn next_row(&mut self) -> Option<Result<(RawRow, Option<RowIssue>), ReadError>> {
        loop {
            match self.rdr.read_byte_record(&mut self.rec) {
                Ok(false) => return None,
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    return Some(Err(ReadError::Csv { line, message: e.to_string() }));
                }
                Ok(true) => {}
            }
            // Every record ends with one consumed LF, so the reader's line
            // is one past the record's last line; except a quoted cell left
            // open at the end of the input: that record is ended by the end
            // of the input, reached while reading it (found by fuzzing). A
            // record ended by its LF never reads past it.
            self.bytes.store(self.rdr.position().byte(), Ordering::Relaxed);
            let inside: u64 = self.rec.iter().map(|f| f.iter().filter(|b| **b == b'\n').count() as u64).sum();
            let terminated = u64::from(!self.ended.load(Ordering::Relaxed));
            let start_line = self.rdr.position().line() - terminated - inside;
            let row = start_line + self.lead - self.embedded;
            self.embedded += inside;
            let mut issue = None;
            let mut cells = Vec::with_capacity(self.rec.len());
            for field in self.rec.iter() {
                match std::str::from_utf8(field) {
                    Ok(s) => cells.push(s.to_string()),
                    Err(_) => {
                        issue = Some(RowIssue::Encoding);
                        cells.push(String::from_utf8_lossy(field).into_owned());
                    }
                }
            }
            let raw = RawRow { row, cells };
            if raw.is_blank() {
                continue;
            }
            return Some(Ok((raw, issue)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read(text: &[u8]) -> (Vec<String>, Vec<RawRow>) {
        let (mut r, h) = CsvRows::new(Cursor::new(text.to_vec())).unwrap();
        let mut out = Vec::new();
        while let Some(x) = r.next_row() {
            out.push(x.unwrap().0);
        }
        (h, out)
    }

    #[test]
    fn sniffs_semicolon_and_strips_bom_with_crlf() {
        let (h, rows) =
            read(b"\xEF\xBB\xBFnib;nama_usaha;nilai_investasi\r\n1234567890123;Tempe Bu Sri;\"1.250.000,50\"\r\n");
        assert_eq!(h, ["nib", "nama_usaha", "nilai_investasi"]);
        assert_eq!(
            rows,
            [RawRow { row: 2, cells: vec!["1234567890123".into(), "Tempe Bu Sri".into(), "1.250.000,50".into()] }]
        );
    }

    #[test]
    fn blank_lines_are_skipped_but_counted() {
        let (_, rows) = read(b"a,b\n1,2\n\n3,4\n,\n  \n5,6\n");
        let nums: Vec<u64> = rows.iter().map(|r| r.row).collect();
        assert_eq!(nums, [2, 4, 7]);
    }

    #[test]
    fn a_last_row_ending_in_a_zero_byte_keeps_its_number() {
        // Found by fuzzing (fuzz/regressions/ingest_csv): without a final
        // newline the row took the number of the row before it.
        let (_, rows) = read(b"a,b\n1,2\n3,\0");
        let nums: Vec<u64> = rows.iter().map(|r| r.row).collect();
        assert_eq!(nums, [2, 3]);
    }

    #[test]
    fn a_quote_left_open_at_the_end_keeps_the_row_number() {
        let (_, rows) = read(b"a,b\n1,2\n\"3,\n");
        let nums: Vec<u64> = rows.iter().map(|r| r.row).collect();
        assert_eq!(nums, [2, 3]);
    }

    #[test]
    fn quoted_fields_with_delimiters_and_newlines() {
        let (_, rows) = read(b"a,b\n\"x, y\",\"line1\nline2\"\n\"q \"\"z\"\"\",w\n");
        assert_eq!(rows[0].cells, ["x, y", "line1\nline2"]);
        assert_eq!(rows[0].row, 2);
        assert_eq!(rows[1].cells, ["q \"z\"", "w"]);
        assert_eq!(rows[1].row, 3, "an embedded newline is one spreadsheet row");
    }

    #[test]
    fn comma_wins_ties_and_decimal_commas_in_quotes_do_not_fool_the_sniffer() {
        assert_eq!(sniff_delimiter(b"a;b;c"), b';');
        assert_eq!(sniff_delimiter(b"a,b,c"), b',');
        assert_eq!(sniff_delimiter(b"\"a,b\";c;d"), b';');
        assert_eq!(sniff_delimiter(b"abc"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\tc"), b'\t');
    }

    #[test]
    fn leading_blank_lines_and_empty_input() {
        let (h, rows) = read(b"\n\na,b\n1,2\n");
        assert_eq!(h, ["a", "b"]);
        assert_eq!(rows[0].row, 4);
        assert!(matches!(CsvRows::new(Cursor::new(b"\n\n".to_vec())), Err(ReadError::NoHeader)));
    }

    #[test]
    fn invalid_utf8_is_a_row_issue() {
        let (mut r, _) = CsvRows::new(Cursor::new(b"a,b\n\xff,2\n".to_vec())).unwrap();
        let (row, issue) = r.next_row().unwrap().unwrap();
        assert_eq!(issue, Some(RowIssue::Encoding));
        assert_eq!(row.row, 2);
    }

    proptest! {
        /// Any table written with either delimiter, with or without BOM and
        /// CRLF, reads back cell for cell with the right row numbers.
        #[test]
        fn roundtrip(cells in prop::collection::vec(prop::collection::vec("[a-zA-Z0-9 ,;\"\\.]{0,8}", 3), 1..8),
                     semi in any::<bool>(), bom in any::<bool>(), crlf in any::<bool>()) {
            let d = if semi { b';' } else { b',' };
            let mut w = csv::WriterBuilder::new().delimiter(d)
                .terminator(if crlf { csv::Terminator::CRLF } else { csv::Terminator::Any(b'\n') })
                .quote_style(csv::QuoteStyle::Always)
                .from_writer(Vec::new());
            w.write_record(["h1", "h2", "h3"]).unwrap();
            for r in &cells { w.write_record(r).unwrap(); }
            let mut bytes = w.into_inner().unwrap();
            if bom { bytes.splice(0..0, b"\xEF\xBB\xBF".iter().copied()); }
            let (h, rows) = read(&bytes);
            prop_assert_eq!(h, vec!["h1", "h2", "h3"]);
            let expected: Vec<(u64, &Vec<String>)> = cells.iter().enumerate()
                .filter(|(_, r)| !r.iter().all(|c| c.trim().is_empty()))
                .map(|(i, r)| (i as u64 + 2, r)).collect();
            prop_assert_eq!(rows.len(), expected.len());
            for (got, (n, want)) in rows.iter().zip(expected) {
                prop_assert_eq!(got.row, n);
                prop_assert_eq!(&got.cells, want);
            }
        }
    }
}
