//! Hashes for deduplication: exact keys, MinHash signatures and LSH band keys, and the
//! hashes of normalized lines (for lines repeated across documents).
//!
//! Every function here has a pure-Python twin in `corpuskit/dedup/minhash.py` that is the
//! specification; the tests compare the two byte for byte. The definitions:
//!
//! - exact key: xxh3-128 of the canonical text's bytes;
//! - shingles: the canonical text (single spaces) cut into words at b' '; every run of
//!   `k` consecutive words joined by one space (the whole text when it has fewer words);
//! - shingle hash x: xxh3-64 (seed 0) of the shingle's bytes;
//! - shingle value x: the upper 32 bits of the shingle hash;
//! - permutation i: `a_i * x + b_i` modulo 2^32, where `a_i` (made odd) and `b_i` are the
//!   lower 32 bits of outputs 2i and 2i + 1 of splitmix64 started at SEED; the signature
//!   value is the minimum over the shingles (on hashed input an affine map estimates
//!   Jaccard similarity without bias, as well as a 64-bit one, and it runs eight lanes
//!   wide where the processor has AVX2);
//! - band j (of `rows` values): xxh3-64 with seed j of those values as little-endian u32;
//! - shingle set: the upper 32 bits of each shingle hash, sorted, without repeats (what
//!   candidate pairs are checked on: their exact Jaccard similarity);
//! - a line's hash: xxh3-64 of the line with runs of Python whitespace made one space and
//!   the ends trimmed (the caller casefolds the text and maps digits to 0 first); 0 for a
//!   blank line.

use xxhash_rust::xxh3::{xxh3_128, xxh3_64, xxh3_64_with_seed};

pub const SEED: u64 = 0x636f_7270_7573_6b69; // "corpuski"

pub fn splitmix_seeds(n: usize) -> Vec<u64> {
    let mut state = SEED;
    (0..n)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            mix(state)
        })
        .collect()
}

#[inline(always)]
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub fn exact_key(text: &[u8]) -> [u8; 16] {
    xxh3_128(text).to_le_bytes()
}

/// The hashes of the shingles of one canonical text (with repeats; the minimum does not care).
pub fn shingle_hashes(text: &[u8], k: usize) -> Vec<u64> {
    let mut starts: Vec<usize> = Vec::with_capacity(text.len() / 5 + 1);
    starts.push(0);
    for (i, &b) in text.iter().enumerate() {
        if b == b' ' {
            starts.push(i + 1);
        }
    }
    let words = starts.len();
    if words < k || k == 0 {
        return vec![xxh3_64(text)];
    }
    let mut out = Vec::with_capacity(words - k + 1);
    for first in 0..=(words - k) {
        let start = starts[first];
        let end = if first + k < words { starts[first + k] - 1 } else { text.len() };
        out.push(xxh3_64(&text[start..end]));
    }
    out
}

/// The (a, b) of each permutation.
pub fn permutations(num_perm: usize) -> Vec<(u32, u32)> {
    let seeds = splitmix_seeds(2 * num_perm);
    (0..num_perm).map(|i| ((seeds[2 * i] as u32) | 1, seeds[2 * i + 1] as u32)).collect()
}

#[inline(always)]
fn signature_loop(values: &[u32], permutations: &[(u32, u32)], out: &mut Vec<u32>) {
    for &(a, b) in permutations {
        let mut m = u32::MAX;
        for &x in values {
            m = m.min(a.wrapping_mul(x).wrapping_add(b));
        }
        out.push(m);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn signature_loop_avx2(values: &[u32], permutations: &[(u32, u32)], out: &mut Vec<u32>) {
    signature_loop(values, permutations, out)
}

/// The MinHash signature of shingle values (upper 32 bits of the shingle hashes): one
/// value per permutation. The same integer arithmetic on every path, so the same values.
pub fn signature_of(values: &[u32], permutations: &[(u32, u32)]) -> Vec<u32> {
    let mut out = Vec::with_capacity(permutations.len());
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: the processor has AVX2 (checked just above).
            unsafe { signature_loop_avx2(values, permutations, &mut out) };
            return out;
        }
    }
    signature_loop(values, permutations, &mut out);
    out
}

pub fn shingle_values(text: &[u8], k: usize) -> Vec<u32> {
    shingle_hashes(text, k).into_iter().map(|h| (h >> 32) as u32).collect()
}

pub fn signature(text: &[u8], k: usize, permutations: &[(u32, u32)]) -> Vec<u32> {
    signature_of(&shingle_values(text, k), permutations)
}

/// Bytes that can start a Python whitespace character (the ASCII ones, and the lead
/// bytes of U+0085, U+00A0, U+1680, U+2000-U+205F and U+3000).
const MAY_BE_SPACE: [bool; 256] = {
    let mut table = [false; 256];
    let starts = [b'\t', b'\n', 0x0b, 0x0c, b'\r', 0x1c, 0x1d, 0x1e, 0x1f, b' ', 0xC2, 0xE1, 0xE2, 0xE3];
    let mut i = 0;
    while i < starts.len() {
        table[starts[i] as usize] = true;
        i += 1;
    }
    table
};

/// A casefolded text's canonical form: its words (split at runs of Python whitespace)
/// joined by one space, as `" ".join(text.split())`. Runs of other bytes are copied whole.
pub fn collapse(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    let mut pending_space = false;
    while i < text.len() {
        let width = if MAY_BE_SPACE[text[i] as usize] { python_space(text, i) } else { 0 };
        if width > 0 {
            pending_space = !out.is_empty();
            i += width;
            continue;
        }
        if pending_space {
            out.push(b' ');
            pending_space = false;
        }
        let start = i;
        i += 1;
        while i < text.len() && !MAY_BE_SPACE[text[i] as usize] {
            i += 1;
        }
        out.extend_from_slice(&text[start..i]);
    }
    out
}

/// Characters (code points) of UTF-8 (or surrogatepass) bytes: the bytes that do not
/// continue a character.
pub fn chars(text: &[u8]) -> usize {
    text.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

pub fn shingle_set(text: &[u8], k: usize) -> Vec<u32> {
    set_of(&shingle_values(text, k))
}

pub fn set_of(values: &[u32]) -> Vec<u32> {
    let mut set: Vec<u32> = values.to_vec();
    set.sort_unstable();
    set.dedup();
    set
}

/// |A ∩ B| / |A ∪ B| of two sorted sets without repeats (1 for two empty sets).
pub fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    if union == 0 {
        1.0
    } else {
        common as f64 / union as f64
    }
}

pub fn band_keys(signature: &[u32], bands: usize, rows: usize) -> Vec<u64> {
    let mut bytes = Vec::with_capacity(rows * 4);
    (0..bands)
        .map(|j| {
            bytes.clear();
            for v in &signature[j * rows..(j + 1) * rows] {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            xxh3_64_with_seed(&bytes, j as u64)
        })
        .collect()
}

/// Length in bytes of the Python whitespace character starting at `i` (0 if none).
#[inline]
pub fn python_space(text: &[u8], i: usize) -> usize {
    let b = text[i];
    match b {
        b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0x1c..=0x1f | b' ' => 1,
        0xC2 if i + 1 < text.len() && (text[i + 1] == 0x85 || text[i + 1] == 0xA0) => 2,
        0xE1 if i + 2 < text.len() && text[i + 1] == 0x9A && text[i + 2] == 0x80 => 3,
        0xE2 if i + 2 < text.len() => {
            let (c, d) = (text[i + 1], text[i + 2]);
            if (c == 0x80 && ((0x80..=0x8A).contains(&d) || d == 0xA8 || d == 0xA9 || d == 0xAF)) || (c == 0x81 && d == 0x9F) {
                3
            } else {
                0
            }
        }
        0xE3 if i + 2 < text.len() && text[i + 1] == 0x80 && text[i + 2] == 0x80 => 3,
        _ => 0,
    }
}

/// One hash per line of the text (split at b'\n'): the line's canonical form (`collapse`).
pub fn line_hashes(text: &[u8]) -> Vec<u64> {
    text.split(|&b| b == b'\n')
        .map(|line| {
            let canonical = collapse(line);
            if canonical.is_empty() {
                0
            } else {
                xxh3_64(&canonical)
            }
        })
        .collect()
}

/// The hashes of every run of `n` words (split at Python whitespace) of a text, for
/// decontamination against evaluation sets (the caller casefolds first).
pub fn ngram_hashes(text: &[u8], n: usize) -> Vec<u64> {
    let mut words: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    let mut start: Option<usize> = None;
    while i < text.len() {
        let width = python_space(text, i);
        if width > 0 {
            if let Some(s) = start.take() {
                words.push((s, i));
            }
            i += width;
        } else {
            if start.is_none() {
                start = Some(i);
            }
            i += 1;
        }
    }
    if let Some(s) = start {
        words.push((s, text.len()));
    }
    if n == 0 || words.len() < n {
        return Vec::new();
    }
    let mut buffer = Vec::new();
    (0..=(words.len() - n))
        .map(|first| {
            buffer.clear();
            for (j, &(s, e)) in words[first..first + n].iter().enumerate() {
                if j > 0 {
                    buffer.push(b' ');
                }
                buffer.extend_from_slice(&text[s..e]);
            }
            xxh3_64(&buffer)
        })
        .collect()
}
