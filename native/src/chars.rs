//! Characters as the filter's Python code sees them: the class bits of every code point
//! (tables.rs, generated from Python), the bare form of Latin letters, and the code points
//! of a text as Python's `surrogatepass` UTF-8 carries them.

use crate::tables::*;
use std::sync::OnceLock;

pub fn classes() -> &'static [u16] {
    static TABLE: OnceLock<Vec<u16>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = vec![0u16; 0x110000];
        for &(first, last, bits) in RANGES.iter() {
            for slot in &mut table[first as usize..=last as usize] {
                *slot = bits;
            }
        }
        table
    })
}

/// Bare forms of Latin letters by code point (the Latin letters lie below U+20000).
pub fn bare_table() -> &'static [&'static str] {
    static TABLE: OnceLock<Vec<&'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = vec![""; 0x20000];
        for &(cp, bare) in BARE.iter() {
            table[cp as usize] = bare;
        }
        table
    })
}

/// Code points of Python's `surrogatepass` UTF-8 (lone surrogates are three-byte sequences).
pub fn code_points(text: &[u8]) -> Vec<u32> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let b = text[i] as u32;
        let (cp, width) = if b < 0x80 {
            (b, 1)
        } else if b >> 5 == 0b110 && i + 1 < text.len() {
            (((b & 0x1F) << 6) | (text[i + 1] as u32 & 0x3F), 2)
        } else if b >> 4 == 0b1110 && i + 2 < text.len() {
            (((b & 0x0F) << 12) | ((text[i + 1] as u32 & 0x3F) << 6) | (text[i + 2] as u32 & 0x3F), 3)
        } else if b >> 3 == 0b11110 && i + 3 < text.len() {
            (((b & 0x07) << 18) | ((text[i + 1] as u32 & 0x3F) << 12) | ((text[i + 2] as u32 & 0x3F) << 6) | (text[i + 3] as u32 & 0x3F), 4)
        } else {
            (0xFFFD, 1) // not produced by Python's encoder; counted as one character
        };
        out.push(cp.min(0x10FFFF));
        i += width;
    }
    out
}

