//! C4's line pass (corpuskit.filter.c4._c4_pass): the lines C4 would keep (ending in
//! terminal punctuation, three words or more, no javascript or cookie-policy mention), the
//! sentences in them, lorem ipsum and curly braces in them, and the lines it would drop.
//! Citations (`[1]`, `[edit]`, `[citation needed]`) are taken out of a line first, as C4's
//! code does; the checks read the line lowered as `str.lower()` does (the two non-ASCII
//! letters that lower to ASCII ones, K and İ, included: tables.rs).

use crate::chars::classes;
use crate::tables::*;

pub const C4_SIGNALS: usize = 5;

pub struct C4Kit {
    pub end_punctuation: Vec<u32>, // corpuskit.filter.c4.END_PUNCTUATION
    pub policy: Vec<Vec<u8>>,      // corpuskit.filter.c4.POLICY, lower case ASCII
}

const OPEN: u32 = '[' as u32;
const CLOSE: u32 = ']' as u32;

/// `CITATION.sub("", line)`: `\[\d*]|\[edit]|\[citation needed]`, left to right.
fn without_citations(line: &[u32], cls: &[u32]) -> (Vec<u32>, bool) {
    let mut out = Vec::with_capacity(line.len());
    let mut found = false;
    let mut i = 0;
    while i < line.len() {
        if line[i] == OPEN {
            let mut j = i + 1;
            while j < line.len() && cls[j] & PY_DECIMAL != 0 {
                j += 1;
            }
            let end = if j < line.len() && line[j] == CLOSE {
                Some(j + 1)
            } else {
                ["[edit]", "[citation needed]"].iter().find_map(|word| {
                    let word: Vec<u32> = word.chars().map(|c| c as u32).collect();
                    (line.len() - i >= word.len() && line[i..i + word.len()] == word[..]).then_some(i + word.len())
                })
            };
            if let Some(end) = end {
                found = true;
                i = end;
                continue;
            }
        }
        out.push(line[i]);
        i += 1;
    }
    (out, found)
}

/// The line as `str.lower()` writes it, for finding ASCII phrases: every character that
/// lowers to no ASCII character is one placeholder (a phrase cannot run through it).
fn lowered_ascii(line: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(line.len());
    for &c in line {
        if c < 128 {
            out.push((c as u8).to_ascii_lowercase());
        } else if let Some(&(_, low)) = LOWER_TO_ASCII.iter().find(|&&(cp, _)| cp == c) {
            for ch in low.chars() {
                out.push(if ch.is_ascii() { ch as u8 } else { 0xFF });
            }
        } else {
            out.push(0xFF);
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.len() >= needle.len() && haystack.windows(needle.len()).any(|w| w == needle)
}

impl C4Kit {
    /// (sentences kept, lorem ipsum, curly brace, lines without end punctuation, javascript
    /// or policy lines) over `lines` (splitlines()), with `sentences(line, classes)`
    /// counting a kept line's sentences.
    pub fn pass<F: Fn(&[u32], &[u32]) -> u64>(&self, cps: &[u32], cls: &[u32], lines: &[(usize, usize)], sentences: F) -> (u64, u64, u64, u64, u64) {
        let table = classes();
        let (mut kept_sentences, mut lorem, mut curly, mut no_end, mut scripted) = (0u64, 0u64, 0u64, 0u64, 0u64);
        for &(a, b) in lines {
            let (mut sa, mut sb) = (a, b);
            while sa < sb && cls[sa] & PY_SPACE != 0 {
                sa += 1;
            }
            while sb > sa && cls[sb - 1] & PY_SPACE != 0 {
                sb -= 1;
            }
            // whitespace words of the stripped line, and the longest
            let (mut words, mut longest, mut run) = (0usize, 0usize, 0usize);
            for &k in &cls[sa..sb] {
                if k & PY_SPACE != 0 {
                    run = 0;
                } else {
                    if run == 0 {
                        words += 1;
                    }
                    run += 1;
                    longest = longest.max(run);
                }
            }
            if sb - sa > 1000 && longest > 1000 {
                continue;
            }
            let stripped = &cps[sa..sb];
            let cited = stripped.contains(&OPEN);
            let (line, line_cls): (Vec<u32>, Vec<u32>) = if cited {
                let (text, _) = without_citations(stripped, &cls[sa..sb]);
                let text_cls = text.iter().map(|&c| table[c as usize]).collect();
                (text, text_cls)
            } else {
                (stripped.to_vec(), cls[sa..sb].to_vec())
            };
            let last = line.last().copied();
            let ends = last.is_some_and(|c| self.end_punctuation.contains(&c));
            let dots = line.len() >= 3 && line[line.len() - 3..].iter().all(|&c| c == '.' as u32);
            if !ends || dots {
                if !line.is_empty() {
                    no_end += 1;
                }
                continue;
            }
            if words < 3 {
                continue;
            }
            let lower = lowered_ascii(&line);
            if contains(&lower, b"lorem ipsum") {
                lorem = 1;
                break;
            }
            if contains(&lower, b"javascript") {
                scripted += 1;
                continue;
            }
            if line.contains(&('{' as u32)) {
                curly = 1;
                break;
            }
            if self.policy.iter().any(|p| contains(&lower, p)) {
                scripted += 1;
                continue;
            }
            kept_sentences += sentences(&line, &line_cls);
        }
        (kept_sentences, lorem, curly, no_end, scripted)
    }
}
