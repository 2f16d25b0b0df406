//! The line, paragraph and unit signals of the filter, as corpuskit/filter/ computes them
//! in Python: Gopher's bullet, ellipsis and repetition shares over `splitlines()`, `\n+`
//! lines and blank-line paragraphs; FineWeb's over non-empty lines; the news pack's over
//! units (`corpuskit.filter.text.paragraph_units`: hard-wrapped paragraphs rejoined, a
//! one- or two-line article cut into sentences). Strings are compared whole (no hashing
//! shortcuts), so a repeated line is exactly what Python's set finds.

use crate::tables::*;
use rustc_hash::FxHashMap;

pub const LINE_SIGNALS: usize = 12;

pub struct LineKit {
    pub terminal: Vec<u32>, // corpuskit.filter.fineweb.TERMINAL
    pub ends: Vec<u32>,     // corpuskit.filter.text._ENDS (sentence marks and …)
    pub closers: Vec<u32>,  // corpuskit.filter.text._CLOSERS
}

const NL: u32 = '\n' as u32;

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Python's `str.strip()` bounds of cps[a..b].
fn strip(cls: &[u32], mut a: usize, mut b: usize) -> (usize, usize) {
    while a < b && cls[a] & PY_SPACE != 0 {
        a += 1;
    }
    while b > a && cls[b - 1] & PY_SPACE != 0 {
        b -= 1;
    }
    (a, b)
}

/// `str.splitlines()` (the breaks Python knows, `\r\n` as one; no empty last line).
pub fn splitlines(cps: &[u32]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < cps.len() {
        let c = cps[i];
        let is_break = matches!(c, 0x0A | 0x0B | 0x0C | 0x0D | 0x1C | 0x1D | 0x1E | 0x85 | 0x2028 | 0x2029);
        if is_break {
            out.push((start, i));
            if c == 0x0D && i + 1 < cps.len() && cps[i + 1] == NL {
                i += 1;
            }
            start = i + 1;
        }
        i += 1;
    }
    if start < cps.len() {
        out.push((start, cps.len()));
    }
    out
}

/// `text.split("\n")`
fn split_newlines(cps: &[u32], a: usize, b: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = a;
    for (i, &c) in cps.iter().enumerate().take(b).skip(a) {
        if c == NL {
            out.push((start, i));
            start = i + 1;
        }
    }
    out.push((start, b));
    out
}

/// FineWeb's lines: split at `\n`, those holding more than whitespace.
pub fn nonempty_lines(cps: &[u32], cls: &[u32]) -> Vec<(usize, usize)> {
    split_newlines(cps, 0, cps.len()).into_iter().filter(|&(a, b)| (a..b).any(|i| cls[i] & PY_SPACE == 0)).collect()
}

/// `regex.split(r"\n{min,}", text[a..b])`
fn split_runs(cps: &[u32], a: usize, b: usize, min: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut start, mut i) = (a, a);
    while i < b {
        if cps[i] == NL {
            let mut j = i;
            while j < b && cps[j] == NL {
                j += 1;
            }
            if j - i >= min {
                out.push((start, i));
                start = j;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    out.push((start, b));
    out
}

/// `duplicates(items)`: items equal to an earlier one, and their characters.
fn duplicates<'a, I: IntoIterator<Item = &'a [u32]>>(items: I) -> (u64, u64) {
    let mut seen: rustc_hash::FxHashSet<&[u32]> = rustc_hash::FxHashSet::default();
    let (mut count, mut chars) = (0u64, 0u64);
    for item in items {
        if !seen.insert(item) {
            count += 1;
            chars += item.len() as u64;
        }
    }
    (count, chars)
}

impl LineKit {
    /// `ends_sentence`: the line, spaces and closing marks taken off its end, ends in a sentence mark.
    fn ends_sentence(&self, cps: &[u32], cls: &[u32]) -> bool {
        let mut b = cps.len();
        while b > 0 && cls[b - 1] & PY_SPACE != 0 {
            b -= 1;
        }
        while b > 0 && self.closers.contains(&cps[b - 1]) {
            b -= 1;
        }
        b > 0 && self.ends.contains(&cps[b - 1])
    }

    /// The LINE_SIGNALS values, in the order corpuskit.filter.batch names them.
    pub fn signals(&self, cps: &[u32], cls: &[u32], out: &mut Vec<f64>) {
        let chars = cps.len() as u64;
        let newlines = cps.iter().filter(|&&c| c == NL).count() as u64;
        // Gopher, over splitlines()
        let lines = splitlines(cps);
        let (mut bullets, mut ellipses) = (0u64, 0u64);
        for &(a, b) in &lines {
            let (sa, sb) = strip(cls, a, b);
            let starts = sa < b && (cps[sa] == '•' as u32 || cps[sa] == '-' as u32);
            bullets += starts as u64;
            let end = &cps[a..sb];
            let dots = end.len() >= 3 && end[end.len() - 3..].iter().all(|&c| c == '.' as u32);
            ellipses += (dots || end.last() == Some(&0x2026)) as u64;
        }
        out.push(ratio(bullets, lines.len() as u64));
        out.push(ratio(ellipses, lines.len() as u64));
        let gopher_lines = split_runs(cps, 0, cps.len(), 1);
        let (count, dup_chars) = duplicates(gopher_lines.iter().map(|&(a, b)| &cps[a..b]));
        out.push(ratio(count, gopher_lines.len() as u64));
        out.push(ratio(dup_chars, chars));
        let (sa, sb) = strip(cls, 0, cps.len());
        let paragraphs = split_runs(cps, sa, sb, 2);
        let (count, dup_chars) = duplicates(paragraphs.iter().map(|&(a, b)| &cps[a..b]));
        out.push(ratio(count, paragraphs.len() as u64));
        out.push(ratio(dup_chars, chars));
        // FineWeb, over the lines that hold more than whitespace
        let nonempty = nonempty_lines(cps, cls);
        let punct = nonempty.iter().filter(|&&(_, b)| self.terminal.contains(&cps[b - 1])).count() as u64;
        let short = nonempty.iter().filter(|&&(a, b)| b - a <= 30).count() as u64;
        out.push(ratio(punct, nonempty.len() as u64));
        out.push(ratio(short, nonempty.len() as u64));
        let (_, dup_chars) = duplicates(nonempty.iter().map(|&(a, b)| &cps[a..b]));
        out.push(ratio(dup_chars, chars - newlines));
        // the news pack, over units
        let units = self.units(cps, cls);
        let table = crate::chars::classes();
        let (mut prose, mut short) = (0u64, 0u64);
        let mut counts: FxHashMap<&[u32], u64> = FxHashMap::default();
        for unit in &units {
            let unit_cls: Vec<u32> = unit.iter().map(|&c| table[c as usize]).collect();
            let spaces = unit.iter().filter(|&&c| c == ' ' as u32).count();
            if self.ends_sentence(unit, &unit_cls) || (unit.len() >= 80 && spaces >= 11) {
                prose += 1;
            }
            short += (unit.len() <= 30) as u64;
            *counts.entry(unit.as_slice()).or_insert(0) += 1;
        }
        out.push(ratio(prose, units.len() as u64));
        out.push(ratio(short, units.len() as u64));
        let repeated: Vec<(&[u32], u64)> = counts.into_iter().filter(|&(_, n)| n > 1).collect();
        if repeated.is_empty() {
            out.push(0.0);
        } else {
            let total: u64 = repeated.iter().map(|&(u, n)| (n - 1) * u.len() as u64).sum();
            let longest = repeated.iter().map(|&(u, _)| u.len() as u64).max().unwrap();
            out.push(ratio(total - longest, chars - newlines));
        }
    }

    /// `paragraph_units`, as owned strings (a rejoined paragraph is not a slice of the text).
    fn units(&self, cps: &[u32], cls: &[u32]) -> Vec<Vec<u32>> {
        let lines: Vec<(usize, usize)> =
            split_newlines(cps, 0, cps.len()).into_iter().map(|(a, b)| strip(cls, a, b)).collect();
        let nonblank: Vec<(usize, usize)> = lines.iter().copied().filter(|&(a, b)| b > a).collect();
        if nonblank.len() <= 2 {
            let mut sentences = Vec::new();
            for &(a, b) in &nonblank {
                for (pa, pb) in self.sentence_split(cps, cls, a, b) {
                    let (sa, sb) = strip(cls, pa, pb);
                    if sb > sa {
                        sentences.push(cps[sa..sb].to_vec());
                    }
                }
            }
            if sentences.len() >= 3 {
                return sentences;
            }
        }
        if !self.is_hard_wrapped(cps, cls, &nonblank) {
            return nonblank.iter().map(|&(a, b)| cps[a..b].to_vec()).collect();
        }
        let width = nonblank.iter().map(|&(a, b)| b - a).max().unwrap_or(0);
        let mut units = Vec::new();
        let mut current: Vec<u32> = Vec::new();
        let mut open = false;
        for &(a, b) in &lines {
            if b == a {
                if open {
                    units.push(std::mem::take(&mut current));
                    open = false;
                }
                continue;
            }
            if open {
                current.push(' ' as u32);
            }
            current.extend_from_slice(&cps[a..b]);
            open = true;
            let len = b - a;
            if (len as i64) < width as i64 - 12 || (self.ends_sentence(&cps[a..b], &cls[a..b]) && (len as i64) < width as i64 - 4) {
                units.push(std::mem::take(&mut current));
                open = false;
            }
        }
        if open {
            units.push(current);
        }
        units
    }

    /// `is_hard_wrapped(lines)`
    fn is_hard_wrapped(&self, cps: &[u32], cls: &[u32], lines: &[(usize, usize)]) -> bool {
        if lines.len() < 5 {
            return false;
        }
        let width = lines.iter().map(|&(a, b)| b - a).max().unwrap();
        if width > 100 {
            return false;
        }
        let near = lines.iter().filter(|&&(a, b)| b - a + 12 >= width).count();
        let run_on = lines
            .windows(2)
            .filter(|w| {
                let (a, b) = w[0];
                let (c, _) = w[1];
                !self.ends_sentence(&cps[a..b], &cls[a..b]) && cls[c] & PY_LOWER != 0
            })
            .count();
        near as f64 >= 0.6 * lines.len() as f64 && run_on as f64 >= 0.3 * (lines.len() - 1) as f64
    }

    /// `_SENTENCE_BREAK.split(line)`: `(?<=[.!?…][closers]*)\s+(?=\S)| \. `
    fn sentence_split(&self, cps: &[u32], cls: &[u32], a: usize, b: usize) -> Vec<(usize, usize)> {
        let space = |i: usize| cls[i] & RX_SPACE != 0;
        let mut out = Vec::new();
        let (mut piece, mut p) = (a, a);
        while p < b {
            let mut end = None;
            if space(p) {
                let mut k = p;
                while k > a && self.closers.contains(&cps[k - 1]) {
                    k -= 1;
                }
                if k > a && matches!(cps[k - 1], 0x2E | 0x21 | 0x3F | 0x2026) {
                    let mut j = p;
                    while j < b && space(j) {
                        j += 1;
                    }
                    if j < b {
                        end = Some(j);
                    }
                }
            }
            if end.is_none() && p + 3 <= b && cps[p] == ' ' as u32 && cps[p + 1] == '.' as u32 && cps[p + 2] == ' ' as u32 {
                end = Some(p + 3);
            }
            match end {
                Some(e) => {
                    out.push((piece, p));
                    piece = e;
                    p = e;
                }
                None => p += 1,
            }
        }
        out.push((piece, b));
        out
    }
}
