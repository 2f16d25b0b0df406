//! The filter's quality signals over one document, as corpuskit/filter/ computes them in
//! Python (the specification): the simple tokenizer of `corpuskit.filter.text.words` for
//! every language but English, the token signals of Gopher (counts, shares, n-gram
//! repetition) and the news and Vietnamese signals that read characters and words.
//!
//! Everything is counted in code points, as Python's `len` counts, and characters are
//! classified by the tables generated from Python (tables.rs), never by Rust's own Unicode
//! data, so that both paths give the same numbers. A ratio is computed as Python computes
//! it (two integers divided once, in f64), so the values are the same bits.

use crate::chars::{bare_table, classes, code_points};
use crate::tables::*;
use rustc_hash::{FxHashMap, FxHashSet};

/// The signals in the order they are returned (corpuskit.filter.native names them).
pub const TOKEN_SIGNALS: usize = 16; // word_count .. dup_10gram_char_ratio: NaN in English mode
pub const TEXT_SIGNALS: usize = 6; // ws_word_count .. typing_residue_ratio

/// What a kit is built with once: the sentence marks, Vietnamese onsets and rhymes
/// without marks (the toneless-syllable test) and the packs' stop-word lists.
pub struct Kit {
    pub english: crate::english::English,
    pub c4: crate::c4::C4Kit,
    pub lines: crate::lines::LineKit,
    pub marks: FxHashSet<u32>,
    pub onsets: FxHashSet<Vec<u8>>,
    pub rhymes: FxHashSet<Vec<u8>>,
    pub stops: Vec<FxHashSet<Vec<u32>>>,
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

const JOINERS: [u32; 7] = ['.' as u32, ',' as u32, '\'' as u32, '\u{2019}' as u32, ':' as u32, '/' as u32, '-' as u32];

/// `corpuskit.filter.text._SIMPLE_TOKEN.findall`: (start, end) of each token.
pub fn simple_tokens(cps: &[u32], cls: &[u32]) -> Vec<(u32, u32)> {
    let n = cps.len();
    let word = |i: usize| cls[i] & PY_ALNUM != 0 && cls[i] & UNSPACED_BLOCK == 0;
    let mut out = Vec::with_capacity(n / 4);
    let mut i = 0;
    while i < n {
        let c = cps[i];
        let k = cls[i];
        let start = i;
        if k & UNSPACED_BLOCK != 0 {
            i += 1;
        } else if word(i) {
            i += 1;
            while i < n && word(i) {
                i += 1;
            }
            while i + 1 < n && JOINERS.contains(&cps[i]) && word(i + 1) {
                i += 2;
                while i < n && word(i) {
                    i += 1;
                }
            }
        } else if c == '.' as u32 && i + 1 < n && cps[i + 1] == '.' as u32 {
            i += 2;
            while i < n && cps[i] == '.' as u32 {
                i += 1;
            }
        } else if c == '_' as u32 {
            while i < n && cps[i] == '_' as u32 {
                i += 1;
            }
        } else if k & PY_SPACE == 0 && k & PY_ALNUM == 0 {
            i += 1; // `…` or any other symbol: one token
        } else {
            i += 1; // whitespace
            continue;
        }
        out.push((start as u32, i as u32));
    }
    out
}

/// Dense ids of equal token sequences, and the count of each id.
struct Grams {
    ids: Vec<u32>,
    counts: Vec<u32>,
}

fn unigrams(cps: &[u32], tokens: &[(u32, u32)]) -> Grams {
    let mut map: FxHashMap<&[u32], u32> = FxHashMap::with_capacity_and_hasher(tokens.len(), Default::default());
    let mut ids = Vec::with_capacity(tokens.len());
    let mut counts: Vec<u32> = Vec::new();
    for &(a, b) in tokens {
        let next = counts.len() as u32;
        let id = *map.entry(&cps[a as usize..b as usize]).or_insert(next);
        if id == next {
            counts.push(0);
        }
        counts[id as usize] += 1;
        ids.push(id);
    }
    Grams { ids, counts }
}

/// n-gram ids from the (n-1)-gram ids: an n-gram whose first n-1 tokens occur once is
/// itself unique and gets a fresh id without a lookup (most of news is such).
fn extend(previous: &Grams, unigram: &Grams, n: usize) -> Grams {
    let len = unigram.ids.len() + 1 - n;
    let mut map: FxHashMap<u64, u32> = FxHashMap::with_capacity_and_hasher(len, Default::default());
    let mut ids = Vec::with_capacity(len);
    let mut counts: Vec<u32> = Vec::new();
    for i in 0..len {
        let head = previous.ids[i];
        let id = if previous.counts[head as usize] == 1 {
            counts.push(0);
            counts.len() as u32 - 1
        } else {
            let key = ((head as u64) << 32) | unigram.ids[i + n - 1] as u64;
            let next = counts.len() as u32;
            let id = *map.entry(key).or_insert(next);
            if id == next {
                counts.push(0);
            }
            id
        };
        counts[id as usize] += 1;
        ids.push(id);
    }
    Grams { ids, counts }
}

fn top_ngram(grams: &Grams, lengths: &[u64], n: usize, chars: u64) -> f64 {
    let best = *grams.counts.iter().max().unwrap_or(&0);
    if best == 0 {
        return 0.0;
    }
    // the first position of an n-gram with the highest count
    let start = grams.ids.iter().position(|&id| grams.counts[id as usize] == best).unwrap();
    let covered: u64 = lengths[start..start + n].iter().sum::<u64>() + n as u64 - 1;
    ratio(covered * best as u64, chars)
}

fn dup_ngram(grams: &Grams, lengths: &[u64], n: usize, chars: u64) -> f64 {
    if grams.counts.len() == grams.ids.len() {
        return 0.0;
    }
    let mut seen = vec![false; grams.counts.len()];
    let mut covered = 0u64;
    let mut i = 0;
    while i < grams.ids.len() {
        let id = grams.ids[i] as usize;
        if grams.counts[id] > 1 {
            if seen[id] {
                covered += lengths[i..i + n].iter().sum::<u64>();
                i += n;
                continue;
            }
            seen[id] = true;
        }
        i += 1;
    }
    ratio(covered, chars)
}

fn count_subsequence(cps: &[u32], what: &[u32]) -> u64 {
    // non-overlapping, left to right, as str.count
    let mut count = 0;
    let mut i = 0;
    while i + what.len() <= cps.len() {
        if &cps[i..i + what.len()] == what {
            count += 1;
            i += what.len();
        } else {
            i += 1;
        }
    }
    count
}

const DOT: u32 = '.' as u32;

impl Kit {
    /// The token signals (TOKEN_SIGNALS values; tokens by spaCy's English rules when
    /// `english`, by the simple tokenizer otherwise), the text signals (TEXT_SIGNALS
    /// values) and the distinct stop words of each list.
    pub fn document(&self, text: &[u8], english: bool) -> Vec<f64> {
        let table = classes();
        let cps = code_points(text);
        let cls: Vec<u32> = cps.iter().map(|&c| table[c as usize]).collect();
        let chars = cps.len() as u64;
        let mut out = Vec::with_capacity(TOKEN_SIGNALS + TEXT_SIGNALS + crate::lines::LINE_SIGNALS + crate::c4::C4_SIGNALS + self.stops.len());
        let mut stop_counts = vec![0.0; self.stops.len()];
        {
            let tokens = if english { self.english.tokens(&cps, &cls) } else { simple_tokens(&cps, &cls) };
            let t = tokens.len() as u64;
            let has = |(a, b): (u32, u32), bit: u32| cls[a as usize..b as usize].iter().any(|&k| k & bit != 0);
            let lengths: Vec<u64> = tokens.iter().map(|&(a, b)| (b - a) as u64).collect();
            let (mut words, mut word_chars, mut lettered) = (0u64, 0u64, 0u64);
            for &token in &tokens {
                let is_word = has(token, RX_WORD);
                if is_word {
                    words += 1;
                    word_chars += (token.1 - token.0) as u64;
                }
                if has(token, RX_LETTER) {
                    lettered += 1;
                }
            }
            let sentences = self.sentences(&cps, &cls, &tokens);
            let hashes = cps.iter().filter(|&&c| c == '#' as u32).count() as u64;
            let ellipses = count_subsequence(&cps, &[DOT, DOT, DOT]) + cps.iter().filter(|&&c| c == 0x2026).count() as u64;
            let newlines = cps.iter().filter(|&&c| c == '\n' as u32).count() as u64;
            out.push(words as f64);
            out.push(ratio(word_chars, words));
            out.push(ratio(lettered, t));
            out.push(sentences as f64);
            out.push(ratio(hashes, t));
            out.push(ratio(ellipses, t));
            out.push(ratio(newlines, t));
            // n-gram repetition: top 2-4, dup 5-10
            let uni = unigrams(&cps, &tokens);
            for (s, stops) in self.stops.iter().enumerate() {
                let mut distinct = 0u64;
                let mut first = vec![true; uni.counts.len()];
                for (i, &(a, b)) in tokens.iter().enumerate() {
                    let id = uni.ids[i] as usize;
                    if first[id] {
                        first[id] = false;
                        if stops.contains(&cps[a as usize..b as usize]) {
                            distinct += 1;
                        }
                    }
                }
                stop_counts[s] = distinct as f64;
            }
            let mut previous: Option<Grams> = None; // the (n-1)-grams, past the unigrams
            let mut no_repeat = false;
            for n in 2..=10usize {
                if tokens.len() < n || (no_repeat && n >= 5) {
                    out.push(0.0);
                    continue;
                }
                let grams = extend(previous.as_ref().unwrap_or(&uni), &uni, n);
                if n <= 4 {
                    out.push(top_ngram(&grams, &lengths, n, chars));
                } else {
                    out.push(dup_ngram(&grams, &lengths, n, chars));
                }
                if grams.counts.len() == grams.ids.len() {
                    no_repeat = true;
                }
                previous = Some(grams);
            }
        }
        debug_assert_eq!(out.len(), TOKEN_SIGNALS);
        self.text_signals(&cps, &cls, &mut out);
        self.lines.signals(&cps, &cls, &mut out);
        self.c4_signals(&cps, &cls, english, &mut out);
        out.extend(stop_counts);
        out
    }

    /// C4's five signals (corpuskit.filter.c4), in the order corpuskit.filter.batch names them.
    fn c4_signals(&self, cps: &[u32], cls: &[u32], english: bool, out: &mut Vec<f64>) {
        let lines = crate::lines::splitlines(cps);
        let (sentences, lorem, curly, no_end, scripted) = self.c4.pass(cps, cls, &lines, |line, line_cls| {
            let tokens = if english { self.english.tokens(line, line_cls) } else { simple_tokens(line, line_cls) };
            self.sentences(line, line_cls, &tokens)
        });
        let nonempty = crate::lines::nonempty_lines(cps, cls).len() as u64;
        out.extend([sentences as f64, lorem as f64, curly as f64, ratio(no_end, nonempty), scripted as f64]);
    }

    /// `count_sentences(tokens)`: a new sentence at the first word after a sentence mark.
    fn sentences(&self, cps: &[u32], cls: &[u32], tokens: &[(u32, u32)]) -> u64 {
        if tokens.is_empty() {
            return 0;
        }
        let (mut count, mut seen_mark) = (1u64, false);
        for &(a, b) in tokens {
            if b - a == 1 && self.marks.contains(&cps[a as usize]) {
                seen_mark = true;
            } else if seen_mark && cls[a as usize..b as usize].iter().any(|&k| k & RX_WORD != 0) {
                count += 1;
                seen_mark = false;
            }
        }
        count
    }

    fn text_signals(&self, cps: &[u32], cls: &[u32], out: &mut Vec<f64>) {
        let n = cps.len();
        // whitespace words, and those with a letter
        let (mut ws_words, mut ws_lettered) = (0u64, 0u64);
        let mut i = 0;
        while i < n {
            if cls[i] & PY_SPACE != 0 {
                i += 1;
                continue;
            }
            let mut letter = false;
            while i < n && cls[i] & PY_SPACE == 0 {
                letter |= cls[i] & RX_LETTER != 0;
                i += 1;
            }
            ws_words += 1;
            ws_lettered += letter as u64;
        }
        out.push(ws_words as f64);
        out.push(ratio(ws_lettered, ws_words));
        // letter share
        let letters = cls.iter().filter(|&&k| k & RX_LETTER_MARK != 0).count() as u64;
        let spaces = cls.iter().filter(|&&k| k & RX_SPACE != 0).count() as u64;
        out.push(ratio(letters, n as u64 - spaces));
        out.push(self.mash(cps, cls));
        // marked syllables: runs of letters holding a letter other than A-Z a-z
        let (mut runs, mut marked) = (0u64, 0u64);
        let mut i = 0;
        while i < n {
            if cls[i] & RX_LETTER == 0 {
                i += 1;
                continue;
            }
            let mut other = false;
            while i < n && cls[i] & RX_LETTER != 0 {
                other |= !(cps[i] < 128 && (cps[i] as u8).is_ascii_alphabetic());
                i += 1;
            }
            runs += 1;
            marked += other as u64;
        }
        out.push(ratio(marked, runs));
        out.push(self.typing_residue(cps));
    }

    /// corpuskit.filter.news.mash_word_ratio
    fn mash(&self, cps: &[u32], cls: &[u32]) -> f64 {
        let bare = bare_table();
        let n = cps.len();
        let (mut words, mut mashed) = (0u64, 0u64);
        let mut i = 0;
        let mut letters: Vec<u8> = Vec::with_capacity(32);
        while i < n {
            if cls[i] & RX_LATIN == 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i < n && cls[i] & RX_LATIN != 0 {
                i += 1;
            }
            if i - start < 3 || is_upper(&cls[start..i]) {
                continue;
            }
            words += 1;
            letters.clear();
            for &c in &cps[start..i] {
                if c < 128 {
                    letters.push((c as u8).to_ascii_lowercase()); // an ASCII letter's bare form
                } else {
                    letters.extend_from_slice(bare.get(c as usize).copied().unwrap_or("").as_bytes());
                }
            }
            if is_mashed(&letters) {
                mashed += 1;
            }
        }
        ratio(mashed, words)
    }

    /// corpuskit.filter.vi.typing_residue_ratio
    fn typing_residue(&self, cps: &[u32]) -> f64 {
        let n = cps.len();
        let (mut words, mut residue) = (0u64, 0u64);
        let mut i = 0;
        let mut word: Vec<u8> = Vec::with_capacity(32);
        let ascii_alnum = |c: u32| c < 128 && (c as u8).is_ascii_alphanumeric();
        while i < n {
            if !ascii_alnum(cps[i]) {
                i += 1;
                continue;
            }
            word.clear();
            while i < n && ascii_alnum(cps[i]) {
                word.push(cps[i] as u8);
                i += 1;
            }
            if word.len() < 3 || word.len() > 24 || word.iter().all(|b| b.is_ascii_digit()) {
                continue;
            }
            words += 1;
            word.make_ascii_lowercase();
            if self.is_residue(&word) {
                residue += 1;
            }
        }
        ratio(residue, words)
    }

    /// `_is_residue` of a word already in lower case (its patterns ignore case).
    fn is_residue(&self, lower: &[u8]) -> bool {
        if telex(lower) || (vni(lower) && !lower[lower.len() - 1].is_ascii_digit()) {
            return true;
        }
        let last = lower[lower.len() - 1];
        if b"sfrxj".contains(&last) && lower.len() >= 3 {
            return self.toneless(&lower[..lower.len() - 1]) && !self.toneless(lower);
        }
        false
    }

    /// `_TONELESS_SYLLABLE.fullmatch`: an optional onset and a rhyme.
    fn toneless(&self, word: &[u8]) -> bool {
        (0..=word.len()).any(|k| (k == 0 || self.onsets.contains(&word[..k])) && self.rhymes.contains(&word[k..]))
    }
}

/// Python's `str.isupper` over a word: a cased character and none lower or title case.
fn is_upper(cls: &[u32]) -> bool {
    let mut cased = false;
    for &k in cls {
        if k & PY_LOWER_TITLE != 0 {
            return false;
        }
        cased |= k & PY_UPPER != 0;
    }
    cased
}

const fn byte_set(members: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < members.len() {
        table[members[i] as usize] = true;
        i += 1;
    }
    table
}

static VOWELS: [bool; 256] = byte_set(b"aeiouy");
static CONSONANTS: [bool; 256] = byte_set(b"bcdfghjklmnpqrstvwxz");

/// `^(?:[^aeiouy\n]+|[^\n]*?[bcdfghjklmnpqrstvwxz]{5}[^\n]*)$` over one bare word.
fn is_mashed(bare: &[u8]) -> bool {
    if bare.is_empty() {
        return false;
    }
    if !bare.iter().any(|&b| VOWELS[b as usize]) {
        return true;
    }
    let mut run = 0;
    for &b in bare {
        if CONSONANTS[b as usize] {
            run += 1;
            if run >= 5 {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
}

/// `_TELEX.search` on a lower-case ASCII word.
fn telex(w: &[u8]) -> bool {
    const PAIRS: [&[u8]; 7] = [b"aa", b"ee", b"oo", b"aw", b"ow", b"uw", b"dd"];
    const TONES: &[u8] = b"sfrxj";
    for p in 0..w.len().saturating_sub(1) {
        let pair = &w[p..p + 2];
        if !PAIRS.contains(&pair) {
            continue;
        }
        if pair != b"dd" && p + 2 < w.len() && TONES.contains(&w[p + 2]) {
            return true;
        }
        let rest = &w[p + 2..];
        if rest.iter().all(|b| b.is_ascii_lowercase()) && rest.iter().any(|b| TONES.contains(b)) {
            return true;
        }
    }
    false
}

/// `_VNI.match` on a lower-case ASCII word: letters, then one or two digits 1-9 among letters.
fn vni(w: &[u8]) -> bool {
    if w.is_empty() || !w[0].is_ascii_lowercase() {
        return false;
    }
    let digits = w.iter().filter(|b| b.is_ascii_digit()).count();
    (1..=2).contains(&digits) && w.iter().all(|&b| b.is_ascii_lowercase() || (b'1'..=b'9').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_of_a_price() {
        let text = "Giá 1.500.000 đồng, tăng 3,5%...";
        let cps = code_points(text.as_bytes());
        let table = classes();
        let cls: Vec<u32> = cps.iter().map(|&c| table[c as usize]).collect();
        let tokens: Vec<String> = simple_tokens(&cps, &cls)
            .iter()
            .map(|&(a, b)| cps[a as usize..b as usize].iter().map(|&c| char::from_u32(c).unwrap()).collect())
            .collect();
        assert_eq!(tokens, ["Giá", "1.500.000", "đồng", ",", "tăng", "3,5", "%", "..."]);
    }

    #[test]
    fn telex_and_vni() {
        assert!(telex(b"vieejt"));
        assert!(telex(b"nuwowcs"));
        assert!(!telex(b"book"));
        assert!(vni(b"vie65t"));
        assert!(!vni(b"6viet"));
    }
}
