//! `corpuskit.filter.text.english_words`: spaCy's English tokenizer as the filter
//! reproduces it (prefixes peeled one at a time, suffixes from the end in a bounded window,
//! infixes split inside, exceptions and URLs whole). Each step below names the Python
//! expression it stands for; the character sets of `_PREFIX`, `_SUFFIX` and `_INFIX` are
//! spelled here as they are there. Tokens are (start, end) code-point ranges of the text:
//! every token the Python function returns is a slice of its chunk.

use crate::tables::*;
use rustc_hash::FxHashSet;

pub struct English {
    pub exceptions: FxHashSet<Vec<u32>>,
    pub max_exception: usize,
    pub simple_suffixes: Vec<u32>,
    pub simple_prefixes: Vec<u32>,
}

const MAX_URL: usize = 2048;
const SUFFIX_WINDOW: usize = 8;
const DOT: u32 = '.' as u32;
const ELLIPSIS: u32 = 0x2026;

fn c(ch: char) -> u32 {
    ch as u32
}

struct Chunk<'a> {
    cps: &'a [u32],
    cls: &'a [u32],
    lo: usize, // where the chunk starts: Python's chunk is a new string, its look-behinds stop here
}

impl<'a> Chunk<'a> {
    fn has(&self, i: usize, bit: u32) -> bool {
        self.cls[i] & bit != 0
    }
    fn is_alnum(&self, a: usize, b: usize) -> bool {
        b > a && (a..b).all(|i| self.has(i, PY_ALNUM))
    }
    fn is_ascii(&self, a: usize, b: usize) -> bool {
        self.cps[a..b].iter().all(|&x| x < 128)
    }
    fn has_unspaced(&self, a: usize, b: usize) -> bool {
        (a..b).any(|i| self.has(i, RX_UNSPACED))
    }
    /// regex's `\w`: RX_WORD (`[^\W_]|\p{M}`, which holds every mark) with `_` (checked over
    /// all of Unicode when the tables were made).
    fn rx_w(&self, i: usize) -> bool {
        self.has(i, RX_WORD) || self.cps[i] == c('_')
    }
    /// Python's `str.isupper` of cps[a..b].
    fn is_upper(&self, a: usize, b: usize) -> bool {
        let mut cased = false;
        for i in a..b {
            if self.has(i, PY_LOWER_TITLE) {
                return false;
            }
            cased |= self.has(i, PY_UPPER);
        }
        cased
    }
    fn contains(&self, a: usize, b: usize, what: &str) -> bool {
        let what: Vec<u32> = what.chars().map(|x| x as u32).collect();
        b - a >= what.len() && self.cps[a..b].windows(what.len()).any(|w| w == what.as_slice())
    }
}

impl English {
    /// Tokens of the whole text, chunk by chunk (`text.split()`).
    pub fn tokens(&self, cps: &[u32], cls: &[u32]) -> Vec<(u32, u32)> {
        let mut out = Vec::with_capacity(cps.len() / 4);
        let n = cps.len();
        let mut i = 0;
        while i < n {
            if cls[i] & PY_SPACE != 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i < n && cls[i] & PY_SPACE == 0 {
                i += 1;
            }
            self.chunk(&Chunk { cps, cls, lo: start }, start, i, &mut out);
        }
        out
    }

    fn chunk(&self, ch: &Chunk, a: usize, b: usize, out: &mut Vec<(u32, u32)>) {
        let cps = ch.cps;
        if ch.is_alnum(a, b) {
            if ch.is_ascii(a, b) || !ch.has_unspaced(a, b) {
                out.push((a as u32, b as u32));
            } else {
                unspaced_split(ch, a, b, out);
            }
            return;
        }
        // `word,` `word.` `(word`
        let last = cps[b - 1];
        let core_end = b - 1;
        if ch.is_alnum(a, core_end) && (ch.is_ascii(a, b) || !ch.has_unspaced(a, core_end)) {
            if self.simple_suffixes.contains(&last) {
                out.push((a as u32, core_end as u32));
                out.push((core_end as u32, b as u32));
                return;
            }
            if last == DOT && !self.is_exception(ch, a, b) {
                let end = core_end - 1;
                if ch.has(end, PY_LOWER) || ch.has(end, PY_DIGIT) || (core_end - a > 1 && ch.is_upper(core_end - 2, core_end)) {
                    out.push((a as u32, core_end as u32));
                    out.push((core_end as u32, b as u32));
                } else {
                    out.push((a as u32, b as u32));
                }
                return;
            }
        } else if self.simple_prefixes.contains(&cps[a]) && ch.is_alnum(a + 1, b) && ch.is_ascii(a, b) {
            out.push((a as u32, a as u32 + 1));
            out.push((a as u32 + 1, b as u32));
            return;
        }
        self.split_chunk(ch, a, b, out);
    }

    fn is_exception(&self, ch: &Chunk, a: usize, b: usize) -> bool {
        b - a <= self.max_exception && self.exceptions.contains(&ch.cps[a..b])
    }

    /// `_whole`: an exception or a URL / e-mail address.
    fn whole(&self, ch: &Chunk, i: usize, j: usize, url_possible: bool) -> bool {
        self.is_exception(ch, i, j) || (url_possible && j - i <= MAX_URL && url_fullmatch(ch, i, j))
    }

    /// `_split_chunk`
    fn split_chunk(&self, ch: &Chunk, a: usize, b: usize, out: &mut Vec<(u32, u32)>) {
        let mut suffixes: Vec<(u32, u32)> = Vec::new();
        let (mut i, mut j) = (a, b);
        let url_possible = ch.contains(a, b, "://") || ch.contains(a, b, "www.") || ch.cps[a..b].contains(&c('@'));
        while j - i > 1 && !self.whole(ch, i, j, url_possible) {
            if let Some(end) = prefix_match(ch, i, j) {
                if end < j {
                    out.push((i as u32, end as u32));
                    i = end;
                    continue;
                }
            }
            if let Some(start) = suffix_start(ch, i, j) {
                if start > i {
                    suffixes.push((start as u32, j as u32));
                    j = start;
                    continue;
                }
            }
            break;
        }
        if self.whole(ch, i, j, url_possible) {
            out.push((i as u32, j as u32));
        } else {
            infix_split(ch, i, j, out);
        }
        out.extend(suffixes.into_iter().rev());
    }
}

/// `_URL.fullmatch(chunk, i, j)`: `(?:https?://|www\.)\S*[\w/]|[\w.+-]+@[\w-]+(?:\.[\w-]+)+`
fn url_fullmatch(ch: &Chunk, i: usize, j: usize) -> bool {
    let cps = &ch.cps[i..j];
    let starts = |p: &[u8]| cps.len() >= p.len() && cps.iter().zip(p).all(|(&x, &y)| x == y as u32);
    for prefix in [&b"http://"[..], b"https://", b"www."] {
        if starts(prefix) {
            let rest = i + prefix.len();
            if rest < j
                && (rest..j).all(|k| !ch.has(k, RX_SPACE))
                && (ch.rx_w(j - 1) || ch.cps[j - 1] == c('/'))
            {
                return true;
            }
        }
    }
    // e-mail: the local part runs up to the first @ (the class holds none), as the
    // pattern reads it: a character outside the class before any @ ends the try at once
    let mut at = i;
    while at < j && (ch.rx_w(at) || [c('.'), c('+'), c('-')].contains(&ch.cps[at])) {
        at += 1;
    }
    if at == i || at == j || ch.cps[at] != c('@') {
        return false;
    }
    // domain: labels of [\w-]+ joined by single dots, at least two
    let mut labels = 0;
    let mut len = 0;
    for k in at + 1..j {
        let x = ch.cps[k];
        if x == DOT {
            if len == 0 {
                return false;
            }
            labels += 1;
            len = 0;
        } else if ch.rx_w(k) || x == c('-') {
            len += 1;
        } else {
            return false;
        }
    }
    len > 0 && labels >= 1
}

/// `_PREFIX.match(chunk, i, j)`: the end of the prefix at i, if any.
fn prefix_match(ch: &Chunk, i: usize, j: usize) -> Option<usize> {
    let cps = ch.cps;
    let x = cps[i];
    if x == DOT {
        let mut k = i;
        while k < j && cps[k] == DOT {
            k += 1;
        }
        return if k - i >= 2 { Some(k) } else { None };
    }
    if x == ELLIPSIS || "§%=—–*&~#$£€¥\"'`«»“”‘’([{<>_!".chars().any(|p| p as u32 == x) {
        return Some(i + 1);
    }
    if x == c('+') && !(i + 1 < j && ch.has(i + 1, RX_DIGIT)) {
        return Some(i + 1);
    }
    None
}

/// `_suffix_start`: where the suffix ending at j starts (the leftmost match of `_SUFFIX`
/// in the window; its look-behinds see the whole chunk, as the `regex` module's do).
fn suffix_start(ch: &Chunk, i: usize, j: usize) -> Option<usize> {
    let cps = ch.cps;
    if cps[j - 1] == DOT && j - i >= 2 && cps[j - 2] == DOT {
        let mut start = j - 2;
        while start > i && cps[start - 1] == DOT {
            start -= 1;
        }
        return Some(start);
    }
    let from = i.max(j.saturating_sub(SUFFIX_WINDOW));
    (from..j).find(|&p| suffix_at(ch, p, j))
}

fn suffix_at(ch: &Chunk, p: usize, j: usize) -> bool {
    let cps = ch.cps;
    let len = j - p;
    if len >= 2 && cps[p..j].iter().all(|&x| x == DOT) {
        return true;
    }
    if len == 1 {
        let x = cps[p];
        if x == ELLIPSIS || ")]}>\"'`»“”‘’,;:!?%*([_".chars().any(|s| s as u32 == x) {
            return true;
        }
        if x == DOT && p > ch.lo {
            let before = p - 1;
            if ch.has(before, RX_LL) || ch.has(before, RX_DIGIT) || ")]\"'%’”".chars().any(|s| s as u32 == cps[before]) {
                return true;
            }
            if p >= ch.lo + 2 && ch.has(p - 2, RX_LU) && ch.has(p - 1, RX_LU) {
                return true;
            }
        }
        if x == c('+') && p > ch.lo && ch.has(p - 1, RX_DIGIT) {
            return true;
        }
        return false;
    }
    if p > ch.lo && ch.has(p - 1, RX_LETTER) && (len == 2 || len == 3) {
        let tail: String = cps[p..j].iter().map(|&x| char::from_u32(x).unwrap_or('\u{FFFD}')).collect();
        return matches!(
            tail.as_str(),
            "'s" | "'S" | "'d" | "'D" | "'m" | "'M" | "'re" | "'ve" | "'ll" | "’s" | "’S" | "’d" | "’D" | "’m" | "’M"
                | "’re" | "’ve" | "’ll" | "n't" | "n’t"
        );
    }
    false
}

/// `_INFIX.split(chunk[i:j])`, then unspaced pieces cut into characters. Look-behinds see
/// only the slice (Python splits a new string).
fn infix_split(ch: &Chunk, i: usize, j: usize, out: &mut Vec<(u32, u32)>) {
    let cps = ch.cps;
    let letter = |k: usize| k < j && ch.has(k, RX_LETTER);
    let letter_or_digit_before = |k: usize| k > i && (ch.has(k - 1, RX_LETTER) || ch.has(k - 1, RX_DIGIT));
    let mut piece = i;
    let mut p = i;
    while p < j {
        let x = cps[p];
        let mut end = None;
        if x == DOT && p + 1 < j && cps[p + 1] == DOT {
            let mut k = p;
            while k < j && cps[k] == DOT {
                k += 1;
            }
            end = Some(k);
        } else if x == ELLIPSIS {
            end = Some(p + 1);
        } else if letter_or_digit_before(p) && x == c('-') {
            let mut k = p;
            while k < j && cps[k] == c('-') {
                k += 1;
            }
            if letter(k) {
                end = Some(k); // `--+` (or one `-`) before a letter
            }
        } else if letter_or_digit_before(p) && (x == c('–') || x == c('—') || x == c('~')) && letter(p + 1) {
            end = Some(p + 1);
        }
        if end.is_none() && letter_or_digit_before(p) && [c(':'), c('<'), c('>'), c('='), c('/')].contains(&x) && letter(p + 1) {
            end = Some(p + 1);
        }
        if end.is_none() && x == c(',') && p > i && ch.has(p - 1, RX_LETTER) && letter(p + 1) {
            end = Some(p + 1);
        }
        if end.is_none()
            && p > i
            && ch.has(p - 1, RX_DIGIT)
            && [c('+'), c('-'), c('*'), c('^')].contains(&x)
            && p + 1 < j
            && (ch.has(p + 1, RX_DIGIT) || cps[p + 1] == c('-'))
        {
            end = Some(p + 1);
        }
        if end.is_none() && x == DOT && p > i && ch.has(p - 1, RX_LL) && p + 1 < j && ch.has(p + 1, RX_LU) {
            end = Some(p + 1);
        }
        match end {
            Some(e) => {
                emit(ch, piece, p, out);
                emit(ch, p, e, out);
                piece = e;
                p = e;
            }
            None => p += 1,
        }
    }
    emit(ch, piece, j, out);
}

/// One piece of the split (nothing when empty), cut at characters of unspaced scripts.
fn emit(ch: &Chunk, a: usize, b: usize, out: &mut Vec<(u32, u32)>) {
    if a >= b {
        return;
    }
    if ch.has_unspaced(a, b) {
        unspaced_split(ch, a, b, out);
    } else {
        out.push((a as u32, b as u32));
    }
}

/// `_UNSPACED_SPLIT.split(piece)` without the empty pieces: each character of an unspaced
/// script alone, the runs between them whole.
fn unspaced_split(ch: &Chunk, a: usize, b: usize, out: &mut Vec<(u32, u32)>) {
    let mut run = a;
    for k in a..b {
        if ch.has(k, RX_UNSPACED) {
            if run < k {
                out.push((run as u32, k as u32));
            }
            out.push((k as u32, k as u32 + 1));
            run = k + 1;
        }
    }
    if run < b {
        out.push((run as u32, b as u32));
    }
}
