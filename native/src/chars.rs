//! Characters as the filter's Python code sees them: the class bits of every code point
//! (tables.rs, generated from Python), the bare form of Latin letters, and the code points
//! of a text as Python's `surrogatepass` UTF-8 carries them.

use crate::tables::*;
use std::sync::OnceLock;

pub fn classes() -> &'static [u32] {
    static TABLE: OnceLock<Vec<u32>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = vec![0u32; 0x110000];
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


/// Python's `round(x, 6)`: the multiple of 10^-6 nearest to the exact binary value of x,
/// ties to even (as dtoa's correctly rounded mode 3), read back as the nearest double (as
/// strtod reads Python's decimal string).
pub fn round6(x: f64) -> f64 {
    if !x.is_finite() || x == 0.0 {
        return x;
    }
    let negative = x < 0.0;
    let bits = x.abs().to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    let (mantissa, power) = if exponent == 0 { (fraction, -1074) } else { (fraction | (1u64 << 52), exponent - 1075) };
    if power >= 0 {
        return x; // an integer: nothing after the point
    }
    let scaled = (mantissa as u128) * 1_000_000u128; // |x| * 10^6 = scaled / 2^shift, exactly
    let shift = (-power) as u32;
    let millionths = if shift >= 128 {
        0 // below 2^-75: far under half a millionth
    } else {
        let whole = scaled >> shift;
        let rest = scaled - (whole << shift);
        let half = 1u128 << (shift - 1);
        if rest > half || (rest == half && whole & 1 == 1) {
            whole + 1
        } else {
            whole
        }
    };
    let value = if millionths < (1u128 << 53) {
        millionths as f64 / 1e6 // both exact: one correctly rounded division
    } else {
        format!("{millionths}e-6").parse::<f64>().unwrap_or(f64::NAN)
    };
    if negative {
        -value
    } else {
        value
    }
}
