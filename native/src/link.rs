//! Candidate pairs to clusters: the partition files of exact keys and LSH band keys are
//! read one at a time, sorted by (key, document), and every run of equal keys links its
//! documents in a union-find forest. An exact run links without question; a band run
//! links a document to an earlier member of the run only when the exact Jaccard similarity
//! of their shingle sets is at least `threshold`, trying at most `tries` earlier members. The twin in Python is `corpuskit.dedup.clusters.link`.
//!
//! Memory: one partition's records, the forest (4 bytes per document) and the offsets of
//! the shingle sets (8 bytes per document); the sets are read from their file as pairs
//! are checked.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::FileExt;

pub struct Forest {
    pub parent: Vec<u32>,
}

impl Forest {
    pub fn new(n: usize) -> Self {
        Forest { parent: (0..n as u32).collect() }
    }

    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// The smaller root becomes the root of both (the result does not depend on order).
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return false;
        }
        let (low, high) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[high as usize] = low;
        true
    }
}

/// The shingle sets of the documents: sorted u32 values, one set after another in a file,
/// found through their offsets (in values; n + 1 of them).
pub struct Sets {
    file: File,
    offsets: Vec<u64>,
    a: Vec<u32>,
    b: Vec<u32>,
    bytes: Vec<u8>,
}

impl Sets {
    pub fn open(path: &str, offsets: &[u8]) -> std::io::Result<Self> {
        let offsets = offsets.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().unwrap())).collect();
        Ok(Sets { file: File::open(path)?, offsets, a: Vec::new(), b: Vec::new(), bytes: Vec::new() })
    }

    fn read(file: &File, offsets: &[u64], doc: u32, bytes: &mut Vec<u8>, out: &mut Vec<u32>) -> std::io::Result<()> {
        let (start, end) = (offsets[doc as usize], offsets[doc as usize + 1]);
        bytes.resize(((end - start) * 4) as usize, 0);
        file.read_exact_at(bytes, start * 4)?;
        out.clear();
        out.extend(bytes.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().unwrap())));
        Ok(())
    }

    /// The exact Jaccard similarity of the shingle sets of documents x and y.
    pub fn similarity(&mut self, x: u32, y: u32) -> std::io::Result<f64> {
        Sets::read(&self.file, &self.offsets, x, &mut self.bytes, &mut self.a)?;
        Sets::read(&self.file, &self.offsets, y, &mut self.bytes, &mut self.b)?;
        Ok(crate::hashing::jaccard(&self.a, &self.b))
    }
}

fn read_all(path: &str) -> std::io::Result<Vec<u8>> {
    let mut data = Vec::new();
    File::open(path)?.read_to_end(&mut data)?;
    Ok(data)
}

pub struct LinkCounts {
    pub exact_links: u64,
    pub candidates: u64,
    pub checked: u64,
    pub near_links: u64,
}

pub fn link_exact(forest: &mut Forest, path: &str, counts: &mut LinkCounts) -> std::io::Result<()> {
    let data = read_all(path)?;
    let mut records: Vec<(u64, u64, u32)> = data
        .chunks_exact(20)
        .map(|c| {
            (
                u64::from_le_bytes(c[0..8].try_into().unwrap()),
                u64::from_le_bytes(c[8..16].try_into().unwrap()),
                u32::from_le_bytes(c[16..20].try_into().unwrap()),
            )
        })
        .collect();
    records.sort_unstable();
    let mut start = 0;
    while start < records.len() {
        let mut end = start + 1;
        while end < records.len() && records[end].0 == records[start].0 && records[end].1 == records[start].1 {
            if forest.union(records[start].2, records[end].2) {
                counts.exact_links += 1;
            }
            end += 1;
        }
        start = end;
    }
    Ok(())
}

pub fn link_bands(
    forest: &mut Forest,
    path: &str,
    sets: &mut Sets,
    threshold: f64,
    tries: usize,
    counts: &mut LinkCounts,
) -> std::io::Result<()> {
    let data = read_all(path)?;
    let mut records: Vec<(u64, u32)> = data
        .chunks_exact(12)
        .map(|c| (u64::from_le_bytes(c[0..8].try_into().unwrap()), u32::from_le_bytes(c[8..12].try_into().unwrap())))
        .collect();
    records.sort_unstable();
    let mut start = 0;
    while start < records.len() {
        let mut end = start + 1;
        while end < records.len() && records[end].0 == records[start].0 {
            end += 1;
        }
        for m in start + 1..end {
            let doc = records[m].1;
            counts.candidates += 1;
            for earlier in records[start..m].iter().take(tries) {
                if forest.find(doc) == forest.find(earlier.1) {
                    break;
                }
                counts.checked += 1;
                if sets.similarity(earlier.1, doc)? >= threshold {
                    forest.union(earlier.1, doc);
                    counts.near_links += 1;
                    break;
                }
            }
        }
        start = end;
    }
    Ok(())
}
