//! The boundary: small functions that check their arguments, release the interpreter and
//! call the Rust modules over a whole batch. Python owns files, options and messages;
//! errors cross as ValueError / OSError with one-line messages.

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

pub mod batch;
pub mod c4;
pub mod chars;
pub mod english;
pub mod hashing;
pub mod lines;
pub mod link;
pub mod signals;
pub mod tables;

use batch::{u32_bytes, u64_bytes, Batch, BatchError};

impl From<BatchError> for PyErr {
    fn from(error: BatchError) -> PyErr {
        PyValueError::new_err(error.0)
    }
}

/// Hashes of every text as one u64 array, and how many each text has (u32).
fn flattened(py: Python<'_>, per_text: Vec<Vec<u64>>) -> (Bound<'_, PyBytes>, Bound<'_, PyBytes>) {
    let counts: Vec<u32> = per_text.iter().map(|h| h.len() as u32).collect();
    let flat: Vec<u64> = per_text.concat();
    (PyBytes::new(py, &u64_bytes(&flat)), PyBytes::new(py, &u32_bytes(&counts)))
}

fn threads_ok(threads: usize) -> PyResult<usize> {
    if threads == 0 || threads > 256 {
        return Err(PyValueError::new_err("threads must be between 1 and 256"));
    }
    Ok(threads)
}

fn minhash_ok(num_perm: usize, shingle: usize, bands: usize, rows: usize) -> PyResult<()> {
    if num_perm == 0 || shingle == 0 || bands * rows > num_perm {
        return Err(PyValueError::new_err("need num_perm > 0, shingle > 0 and bands * rows <= num_perm"));
    }
    Ok(())
}

/// Exact keys (xxh3-128, 16 little-endian bytes each) of a batch of canonical texts.
#[pyfunction]
fn exact_keys<'py>(py: Python<'py>, blob: &[u8], offsets: &[u8], threads: usize) -> PyResult<Bound<'py, PyBytes>> {
    let threads = threads_ok(threads)?;
    let batch = Batch::new(blob, offsets)?;
    let keys = py.detach(|| batch.map(threads, |_, text| hashing::exact_key(text)));
    let flat: Vec<u8> = keys.concat();
    Ok(PyBytes::new(py, &flat))
}

/// MinHash signatures (num_perm u32 per text), LSH band keys (bands u64 per text), and
/// the shingle sets (sorted u32, one after the other) with their sizes (u32 per text).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
fn minhash<'py>(
    py: Python<'py>,
    blob: &[u8],
    offsets: &[u8],
    num_perm: usize,
    shingle: usize,
    bands: usize,
    rows: usize,
    threads: usize,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let threads = threads_ok(threads)?;
    minhash_ok(num_perm, shingle, bands, rows)?;
    let batch = Batch::new(blob, offsets)?;
    let permutations = hashing::permutations(num_perm);
    let results = py.detach(|| {
        batch.map(threads, |_, text| {
            let signature = hashing::signature(text, shingle, &permutations);
            let keys = hashing::band_keys(&signature, bands, rows);
            let set = hashing::shingle_set(text, shingle);
            (signature, keys, set)
        })
    });
    let mut signatures = Vec::with_capacity(results.len() * num_perm * 4);
    let mut keys = Vec::with_capacity(results.len() * bands * 8);
    let mut sets = Vec::new();
    let mut sizes = Vec::with_capacity(results.len());
    for (signature, band, set) in &results {
        signatures.extend_from_slice(&u32_bytes(signature));
        keys.extend_from_slice(&u64_bytes(band));
        sets.extend_from_slice(&u32_bytes(set));
        sizes.push(set.len() as u32);
    }
    Ok((PyBytes::new(py, &signatures), PyBytes::new(py, &keys), PyBytes::new(py, &sets), PyBytes::new(py, &u32_bytes(&sizes))))
}

/// Everything dedup keeps of a batch of texts that are already NFC and casefolded: each
/// text's canonical form (words joined by one space) gives its exact key (16 bytes), its
/// length in characters (u32), and with `bands` > 0 its LSH band keys (u64 each) and
/// shingle set (sorted u32, one set after another, with the sizes as u32).
#[pyfunction]
#[allow(clippy::too_many_arguments, clippy::type_complexity)]
fn features<'py>(
    py: Python<'py>,
    blob: &[u8],
    offsets: &[u8],
    num_perm: usize,
    shingle: usize,
    bands: usize,
    rows: usize,
    threads: usize,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, Bound<'py, PyBytes>, Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let threads = threads_ok(threads)?;
    minhash_ok(num_perm, shingle, bands, rows)?;
    let batch = Batch::new(blob, offsets)?;
    let permutations = hashing::permutations(num_perm);
    let results = py.detach(|| {
        batch.map(threads, |_, text| {
            let canonical = hashing::collapse(text);
            let key = hashing::exact_key(&canonical);
            let length = hashing::chars(&canonical).min(u32::MAX as usize) as u32;
            if bands == 0 {
                return (key, length, Vec::new(), Vec::new());
            }
            let values = hashing::shingle_values(&canonical, shingle);
            let signature = hashing::signature_of(&values, &permutations);
            (key, length, hashing::band_keys(&signature, bands, rows), hashing::set_of(&values))
        })
    });
    let mut keys = Vec::with_capacity(results.len() * 16);
    let mut lengths = Vec::with_capacity(results.len());
    let mut band_keys = Vec::with_capacity(results.len() * bands * 8);
    let mut sets = Vec::new();
    let mut sizes = Vec::with_capacity(results.len());
    for (key, length, band, set) in &results {
        keys.extend_from_slice(key);
        lengths.push(*length);
        band_keys.extend_from_slice(&u64_bytes(band));
        sets.extend_from_slice(&u32_bytes(set));
        sizes.push(set.len() as u32);
    }
    Ok((PyBytes::new(py, &keys), PyBytes::new(py, &u32_bytes(&lengths)), PyBytes::new(py, &band_keys),
        PyBytes::new(py, &sets), PyBytes::new(py, &u32_bytes(&sizes))))
}

/// The exact Jaccard similarity of the shingle sets of pairs of documents (f64 each),
/// sets read from their file through their offsets (n + 1 u64, in values).
#[pyfunction]
fn jaccard_pairs<'py>(py: Python<'py>, sets_path: String, set_offsets: &[u8], pairs: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    if pairs.len() % 8 != 0 {
        return Err(PyValueError::new_err("pairs are (u32, u32) little-endian"));
    }
    let result = py.detach(|| -> std::io::Result<Vec<u8>> {
        let mut sets = link::Sets::open(&sets_path, set_offsets)?;
        let mut out = Vec::with_capacity(pairs.len());
        for pair in pairs.chunks_exact(8) {
            let x = u32::from_le_bytes(pair[0..4].try_into().unwrap());
            let y = u32::from_le_bytes(pair[4..8].try_into().unwrap());
            out.extend_from_slice(&sets.similarity(x, y)?.to_le_bytes());
        }
        Ok(out)
    });
    let out = result.map_err(|e| PyOSError::new_err(e.to_string()))?;
    Ok(PyBytes::new(py, &out))
}

/// Hashes of every line of every text (u64 each) and the number of lines per text (u32).
#[pyfunction]
fn line_hashes<'py>(py: Python<'py>, blob: &[u8], offsets: &[u8], threads: usize) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let threads = threads_ok(threads)?;
    let batch = Batch::new(blob, offsets)?;
    let per_text = py.detach(|| batch.map(threads, |_, text| hashing::line_hashes(text)));
    Ok(flattened(py, per_text))
}

/// Hashes of every run of n words of every text (u64 each) and their number per text (u32).
#[pyfunction]
fn ngram_hashes<'py>(py: Python<'py>, blob: &[u8], offsets: &[u8], n: usize, threads: usize) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let threads = threads_ok(threads)?;
    let batch = Batch::new(blob, offsets)?;
    let per_text = py.detach(|| batch.map(threads, |_, text| hashing::ngram_hashes(text, n)));
    Ok(flattened(py, per_text))
}

/// Union-find over the partition files (see link.rs): the root of every document (u32),
/// and (exact links, band candidates, pairs checked, near links).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
#[pyo3(name = "link")]
fn link_partitions<'py>(
    py: Python<'py>,
    documents: usize,
    exact_paths: Vec<String>,
    band_paths: Vec<String>,
    sets_path: Option<String>,
    set_offsets: &[u8],
    threshold: f64,
    tries: usize,
) -> PyResult<(Bound<'py, PyBytes>, (u64, u64, u64, u64))> {
    if documents > u32::MAX as usize {
        return Err(PyValueError::new_err("at most 4,294,967,295 documents per dedup run"));
    }
    let result = py.detach(|| -> std::io::Result<(Vec<u32>, link::LinkCounts)> {
        let mut forest = link::Forest::new(documents);
        let mut counts = link::LinkCounts { exact_links: 0, candidates: 0, checked: 0, near_links: 0 };
        for path in &exact_paths {
            link::link_exact(&mut forest, path, &mut counts)?;
        }
        if let Some(sets_path) = &sets_path {
            let mut sets = link::Sets::open(sets_path, set_offsets)?;
            for path in &band_paths {
                link::link_bands(&mut forest, path, &mut sets, threshold, tries, &mut counts)?;
            }
        }
        let roots: Vec<u32> = (0..documents as u32).map(|x| forest.find(x)).collect();
        Ok((roots, counts))
    });
    let (roots, counts) = result.map_err(|e| PyOSError::new_err(e.to_string()))?;
    Ok((PyBytes::new(py, &u32_bytes(&roots)), (counts.exact_links, counts.candidates, counts.checked, counts.near_links)))
}

/// The filter's signals over batches of documents, built once with the sentence marks,
/// the Vietnamese onsets and rhymes (without marks) and the packs' stop-word lists.
#[pyclass(frozen)]
struct SignalKit {
    kit: signals::Kit,
}

#[pymethods]
impl SignalKit {
    #[new]
    #[allow(clippy::too_many_arguments)]
    fn new(
        marks: &str,
        onsets: Vec<String>,
        rhymes: Vec<String>,
        stop_lists: Vec<Vec<String>>,
        exceptions: Vec<String>,
        simple_suffixes: &str,
        simple_prefixes: &str,
        terminal: &str,
        ends: &str,
        closers: &str,
        end_punctuation: &str,
        policy: Vec<String>,
    ) -> Self {
        let points = |s: &str| s.chars().map(|c| c as u32).collect::<Vec<u32>>();
        let lines = lines::LineKit { terminal: points(terminal), ends: points(ends), closers: points(closers) };
        let exceptions: rustc_hash::FxHashSet<Vec<u32>> = exceptions.iter().map(|w| w.chars().map(|c| c as u32).collect()).collect();
        let english = english::English {
            max_exception: exceptions.iter().map(Vec::len).max().unwrap_or(0),
            exceptions,
            simple_suffixes: simple_suffixes.chars().map(|c| c as u32).collect(),
            simple_prefixes: simple_prefixes.chars().map(|c| c as u32).collect(),
        };
        let c4 = c4::C4Kit { end_punctuation: points(end_punctuation), policy: policy.into_iter().map(String::into_bytes).collect() };
        let kit = signals::Kit {
            english,
            c4,
            lines,
            marks: marks.chars().map(|c| c as u32).collect(),
            onsets: onsets.into_iter().map(String::into_bytes).collect(),
            rhymes: rhymes.into_iter().map(String::into_bytes).collect(),
            stops: stop_lists
                .into_iter()
                .map(|list| list.iter().map(|w| w.chars().map(|c| c as u32).collect()).collect())
                .collect(),
        };
        SignalKit { kit }
    }

    /// Values per document (f64, little-endian, rounded to 6 places as Python's `round`),
    /// `width()` of them: the token signals
    /// (English tokens where `english[i]` is 1), the text signals, the distinct stop words
    /// of each list.
    fn signals<'py>(&self, py: Python<'py>, blob: &[u8], offsets: &[u8], english: &[u8], threads: usize) -> PyResult<Bound<'py, PyBytes>> {
        let threads = threads_ok(threads)?;
        let batch = Batch::new(blob, offsets)?;
        if english.len() != batch.len() {
            return Err(PyValueError::new_err("one tokenizer flag per text"));
        }
        let kit = &self.kit;
        let rows = py.detach(|| batch.map(threads, |i, text| kit.document(text, english[i] != 0)));
        let mut out = Vec::with_capacity(rows.len() * self.width() * 8);
        for row in rows {
            for value in row {
                // rounded as `judge` stores a value (counts are whole and stay as they are)
                out.extend_from_slice(&chars::round6(value).to_le_bytes());
            }
        }
        Ok(PyBytes::new(py, &out))
    }

    fn width(&self) -> usize {
        signals::TOKEN_SIGNALS + signals::TEXT_SIGNALS + lines::LINE_SIGNALS + c4::C4_SIGNALS + self.kit.stops.len()
    }
}

/// `round(x, 6)` of each f64 (little-endian), as Python computes it: the filter's values
/// leave the core rounded as `judge` stores them.
#[pyfunction]
fn round6<'py>(py: Python<'py>, values: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    if values.len() % 8 != 0 {
        return Err(PyValueError::new_err("values are f64, little-endian"));
    }
    let out: Vec<u8> = values
        .chunks_exact(8)
        .flat_map(|c| chars::round6(f64::from_le_bytes(c.try_into().unwrap())).to_le_bytes())
        .collect();
    Ok(PyBytes::new(py, &out))
}

#[pymodule]
fn corpuskit_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__doc__", "corpuskit's compiled core: batch functions behind corpuskit.native.")?;
    m.add("ABI", 1)?;
    m.add_function(wrap_pyfunction!(exact_keys, m)?)?;
    m.add_function(wrap_pyfunction!(minhash, m)?)?;
    m.add_function(wrap_pyfunction!(features, m)?)?;
    m.add_function(wrap_pyfunction!(jaccard_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(line_hashes, m)?)?;
    m.add_function(wrap_pyfunction!(ngram_hashes, m)?)?;
    m.add_function(wrap_pyfunction!(link_partitions, m)?)?;
    m.add_class::<SignalKit>()?;
    m.add_function(wrap_pyfunction!(round6, m)?)?;
    Ok(())
}
