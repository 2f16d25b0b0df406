//! Batches as they cross the boundary: one byte blob of texts (UTF-8, or Python's
//! `surrogatepass` bytes for a lone surrogate) and an array of n + 1 offsets, so that a
//! batch of thousands of documents is two Python objects, not thousands.
//!
//! Work over a batch runs on a pool of `threads` threads; with one thread it runs inline
//! and never touches a pool (corpuskit forks worker processes, and a pool created before
//! a fork has no threads in the child).

use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub struct Batch<'a> {
    blob: &'a [u8],
    offsets: Vec<usize>,
}

#[derive(Debug)]
pub struct BatchError(pub String);

impl<'a> Batch<'a> {
    pub fn new(blob: &'a [u8], offsets: &[u8]) -> Result<Self, BatchError> {
        if offsets.len() % 8 != 0 || offsets.len() < 8 {
            return Err(BatchError("offsets must be n + 1 little-endian u64 values".into()));
        }
        let offsets: Vec<usize> = offsets
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap()) as usize)
            .collect();
        if offsets[0] != 0 || *offsets.last().unwrap() != blob.len() || offsets.windows(2).any(|w| w[0] > w[1]) {
            return Err(BatchError("offsets must rise from 0 to the blob's length".into()));
        }
        Ok(Batch { blob, offsets })
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn get(&self, i: usize) -> &'a [u8] {
        &self.blob[self.offsets[i]..self.offsets[i + 1]]
    }

    /// `f(i, text)` for every text, in order, on `threads` threads.
    pub fn map<T: Send, F: Fn(usize, &[u8]) -> T + Sync + Send>(&self, threads: usize, f: F) -> Vec<T> {
        let n = self.len();
        if threads <= 1 || n < 2 {
            return (0..n).map(|i| f(i, self.get(i))).collect();
        }
        pool(threads).install(|| (0..n).into_par_iter().map(|i| f(i, self.get(i))).collect())
    }
}

fn pools() -> &'static Mutex<HashMap<usize, Arc<rayon::ThreadPool>>> {
    static POOLS: OnceLock<Mutex<HashMap<usize, Arc<rayon::ThreadPool>>>> = OnceLock::new();
    POOLS.get_or_init(|| Mutex::new(HashMap::new()))
}

pub fn pool(threads: usize) -> Arc<rayon::ThreadPool> {
    let mut map = pools().lock().unwrap();
    map.entry(threads)
        .or_insert_with(|| Arc::new(rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool")))
        .clone()
}

/// Values as little-endian bytes (what numpy.frombuffer reads on every machine corpuskit runs on).
pub fn u64_bytes(values: &[u64]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 8);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

pub fn u32_bytes(values: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(values.len() * 4);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}
