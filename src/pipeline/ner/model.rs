//! The slovnet NER network: loading the converted model directory and computing per-token tag scores.
//!
//! Network (slovnet `NER`): word embedding (navec, product-quantised: 100 sub-vectors of 3 dims, each one of
//! 256 centroids) ⊕ shape embedding (30 dims) → 330 → three `Conv1d(kernel 3, padding 1) → ReLU →
//! BatchNorm` layers (330→256→128→64) → linear 64→8 → emission scores for the CRF.
//!
//! The convolution needs no im2col copy: with the sequence stored row-major and padded by one zero row at each
//! end, the three input rows a window covers are contiguous, so the window matrix is the input itself read
//! with a row stride of one row and a row length of three rows; one sgemm per layer computes the layer.
//! Batch norm follows the ReLU, so it cannot be folded into the same convolution's weights exactly (the zero
//! padding of the next layer would not be normalised); it is applied as slovnet does, element-wise.
//!
//! Long texts are processed in chunks of [`CHUNK_TOKENS`] tokens plus a halo of one token per layer on each
//! side: every output then sees exactly the inputs it sees in the whole-text computation natasha does, and
//! memory stays bounded whatever the text length.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::pipeline::types::LoadError;

/// How many tokens one pass of the convolution stack handles (bounds the scratch memory to ~3 MB).
pub const CHUNK_TOKENS: usize = 1024;

/// `manifest.json` format this code reads.
const FORMAT: &str = "wirefeed-slovnet/1";

#[derive(Debug, Deserialize)]
struct ArrayEntry {
    file: String,
    shape: Vec<usize>,
}

#[derive(Debug, Deserialize)]
struct WordsEntry {
    file: String,
    count: usize,
    unk_id: u32,
}

#[derive(Debug, Deserialize)]
struct PqEntry {
    indexes: ArrayEntry,
    centroids: ArrayEntry,
    dim: usize,
}

#[derive(Debug, Deserialize)]
struct ShapesEntry {
    file: String,
}

#[derive(Debug, Deserialize)]
struct TagsEntry {
    items: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct ConvEntry {
    weight: ArrayEntry,
    bias: ArrayEntry,
    padding: usize,
}

#[derive(Debug, Deserialize)]
struct NormEntry {
    weight: ArrayEntry,
    bias: ArrayEntry,
    mean: ArrayEntry,
    std: ArrayEntry,
}

#[derive(Debug, Deserialize)]
struct LayerEntry {
    conv: ConvEntry,
    norm: NormEntry,
}

#[derive(Debug, Deserialize)]
struct LinearEntry {
    weight: ArrayEntry,
    bias: ArrayEntry,
}

#[derive(Debug, Deserialize)]
struct WeightOnly {
    weight: ArrayEntry,
}

#[derive(Debug, Deserialize)]
struct EmbEntry {
    shape: WeightOnly,
}

#[derive(Debug, Deserialize)]
struct EncoderEntry {
    layers: Vec<LayerEntry>,
}

#[derive(Debug, Deserialize)]
struct CrfEntry {
    transitions: ArrayEntry,
}

#[derive(Debug, Deserialize)]
struct HeadEntry {
    proj: LinearEntry,
    crf: CrfEntry,
}

#[derive(Debug, Deserialize)]
struct ModelEntry {
    emb: EmbEntry,
    encoder: EncoderEntry,
    head: HeadEntry,
}

#[derive(Debug, Deserialize)]
struct Manifest {
    format: String,
    words: WordsEntry,
    pq: PqEntry,
    shapes: ShapesEntry,
    tags: TagsEntry,
    model: ModelEntry,
}

/// Reads the files of one model directory, naming the file in every error.
struct DirReader<'d> {
    dir: &'d Path,
}

impl DirReader<'_> {
    fn path(&self, file: &str) -> PathBuf {
        self.dir.join(file)
    }

    fn bytes(&self, file: &str) -> Result<Vec<u8>, LoadError> {
        let path = self.path(file);
        std::fs::read(&path).map_err(|source| LoadError::Io { path: path.display().to_string(), source })
    }

    fn text(&self, file: &str) -> Result<String, LoadError> {
        String::from_utf8(self.bytes(file)?).map_err(|_| self.invalid(file, "not UTF-8"))
    }

    fn invalid(&self, file: &str, message: impl Into<String>) -> LoadError {
        LoadError::Syntax { path: self.path(file).display().to_string(), line: 0, message: message.into() }
    }

    /// A little-endian f32 array, checked against the shape the manifest gives.
    fn f32s(&self, entry: &ArrayEntry, shape: &[usize]) -> Result<Vec<f32>, LoadError> {
        if entry.shape != shape {
            return Err(self.invalid(&entry.file, format!("shape {:?}, expected {shape:?}", entry.shape)));
        }
        let bytes = self.bytes(&entry.file)?;
        let count: usize = shape.iter().product();
        if bytes.len() != count * 4 {
            return Err(self.invalid(&entry.file, format!("{} bytes, expected {}", bytes.len(), count * 4)));
        }
        Ok(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
    }
}

/// The word vocabulary: the sorted `words.txt` kept as raw bytes (only ever compared bytewise, so no UTF-8
/// validation at load), searched by binary search (no hash map to build at load; 5 MB instead of ~20 MB).
#[derive(Debug)]
struct Vocab {
    text: Vec<u8>,
    /// Byte offset of each line's start, plus one past the end.
    starts: Vec<u32>,
    unk_id: u32,
}

impl Vocab {
    fn new(text: Vec<u8>, unk_id: u32) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 16);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', &text).map(|i| i as u32 + 1));
        if !text.ends_with(b"\n") {
            starts.push(text.len() as u32 + 1);
        }
        Vocab { text, starts, unk_id }
    }

    fn len(&self) -> usize {
        self.starts.len() - 1
    }

    fn word(&self, id: usize) -> &[u8] {
        &self.text[self.starts[id] as usize..self.starts[id + 1] as usize - 1]
    }

    /// The id of `word` (already lower-cased), `<unk>` when it is not in the vocabulary.
    fn id(&self, word: &str) -> u32 {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.word(mid).cmp(word.as_bytes()) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return mid as u32,
            }
        }
        self.unk_id
    }

    fn is_sorted(&self) -> bool {
        (1..self.len()).all(|i| self.word(i - 1) < self.word(i))
    }
}

/// One `Conv1d → ReLU → BatchNorm1d` layer.
#[derive(Debug)]
struct ConvLayer {
    inputs: usize,
    outputs: usize,
    /// `[kernel × inputs, outputs]`: row `k * inputs + i` holds the weights of input channel `i` at tap `k`,
    /// the order in which a window's rows lie in memory.
    weight: Vec<f32>,
    bias: Vec<f32>,
    norm_weight: Vec<f32>,
    norm_bias: Vec<f32>,
    norm_mean: Vec<f32>,
    norm_std: Vec<f32>,
}

/// Kernel width of every convolution (slovnet's NER uses 3 with padding 1).
const KERNEL: usize = 3;

impl ConvLayer {
    fn load(reader: &DirReader, entry: &LayerEntry, inputs: usize) -> Result<Self, LoadError> {
        let outputs = entry.conv.weight.shape.first().copied().unwrap_or(0);
        if entry.conv.padding != KERNEL / 2 {
            return Err(reader.invalid(&entry.conv.weight.file, "only kernel 3 with padding 1 is supported"));
        }
        let raw = reader.f32s(&entry.conv.weight, &[outputs, inputs, KERNEL])?;
        let mut weight = vec![0f32; raw.len()];
        for o in 0..outputs {
            for i in 0..inputs {
                for k in 0..KERNEL {
                    weight[(k * inputs + i) * outputs + o] = raw[(o * inputs + i) * KERNEL + k];
                }
            }
        }
        let vector = |e: &ArrayEntry| reader.f32s(e, &[outputs]);
        Ok(ConvLayer {
            inputs,
            outputs,
            weight,
            bias: vector(&entry.conv.bias)?,
            norm_weight: vector(&entry.norm.weight)?,
            norm_bias: vector(&entry.norm.bias)?,
            norm_mean: vector(&entry.norm.mean)?,
            norm_std: vector(&entry.norm.std)?,
        })
    }

    /// Apply the layer to `rows` tokens. `input` holds `rows + 2` rows of `inputs` (first and last zero);
    /// `output` gets `rows + 2` rows of `outputs`, first and last zero, ready to be the next layer's input.
    fn forward(&self, input: &[f32], rows: usize, output: &mut Vec<f32>) {
        debug_assert_eq!(input.len(), (rows + 2) * self.inputs);
        output.clear();
        output.resize((rows + 2) * self.outputs, 0.0);
        if rows == 0 {
            return;
        }
        let body = &mut output[self.outputs..(rows + 1) * self.outputs];
        // SAFETY: A is read as `rows` windows of KERNEL*inputs floats starting one row apart; the last window
        // ends at row rows+1, inside `input` ((rows+2) rows). B is `weight`, (KERNEL*inputs) x outputs. C is
        // `body`, rows x outputs, exclusively borrowed. All strides are in elements and positive.
        unsafe {
            matrixmultiply::sgemm(
                rows,
                KERNEL * self.inputs,
                self.outputs,
                1.0,
                input.as_ptr(),
                self.inputs as isize,
                1,
                self.weight.as_ptr(),
                self.outputs as isize,
                1,
                0.0,
                body.as_mut_ptr(),
                self.outputs as isize,
                1,
            );
        }
        for row in body.chunks_exact_mut(self.outputs) {
            for (c, value) in row.iter_mut().enumerate() {
                let activated = (*value + self.bias[c]).max(0.0);
                *value = (activated - self.norm_mean[c]) / self.norm_std[c] * self.norm_weight[c]
                    + self.norm_bias[c];
            }
        }
    }
}

/// The loaded network and its vocabularies.
#[derive(Debug)]
pub struct Network {
    vocab: Vocab,
    /// `[words × subspaces]` centroid numbers.
    pq_indexes: Vec<u8>,
    /// `[subspaces × centroids × subdim]`.
    pq_centroids: Vec<f32>,
    subspaces: usize,
    centroids: usize,
    subdim: usize,
    shape_ids: HashMap<String, u16>,
    other_shape: u16,
    shape_emb: Vec<f32>,
    shape_dim: usize,
    layers: Vec<ConvLayer>,
    proj_weight: Vec<f32>,
    proj_bias: Vec<f32>,
    /// `[from × to]`.
    pub(crate) transitions: Vec<f32>,
    /// Tag names in model order (`<pad>`, `O`, `B-PER`, …).
    pub(crate) tags: Vec<String>,
}

/// Scratch buffers reused across the chunks of one text.
#[derive(Default)]
struct Scratch {
    a: Vec<f32>,
    b: Vec<f32>,
}

impl Network {
    /// Load a directory written by `scripts/convert_slovnet.py`.
    pub fn load(dir: &Path) -> Result<Network, LoadError> {
        let reader = DirReader { dir };
        let manifest: Manifest = serde_json::from_str(&reader.text("manifest.json")?)
            .map_err(|e| reader.invalid("manifest.json", e.to_string()))?;
        if manifest.format != FORMAT {
            return Err(
                reader.invalid("manifest.json", format!("format {}, expected {FORMAT}", manifest.format))
            );
        }
        let vocab = Vocab::new(reader.bytes(&manifest.words.file)?, manifest.words.unk_id);
        if vocab.text.len() > u32::MAX as usize {
            return Err(reader.invalid(&manifest.words.file, "larger than 4 GiB"));
        }
        if vocab.len() != manifest.words.count || manifest.words.unk_id as usize >= vocab.len() {
            return Err(reader.invalid(&manifest.words.file, "word count differs from manifest"));
        }
        if cfg!(debug_assertions) && !vocab.is_sorted() {
            return Err(reader.invalid(&manifest.words.file, "words are not sorted by UTF-8 bytes"));
        }
        let (pq_indexes, pq_centroids, subspaces, centroids, subdim) = Self::load_pq(&reader, &manifest)?;
        let shapes_text = reader.text(&manifest.shapes.file)?;
        let shape_ids: HashMap<String, u16> =
            shapes_text.lines().enumerate().map(|(i, s)| (s.to_owned(), i as u16)).collect();
        let other_shape =
            *shape_ids.get("OTHER").ok_or_else(|| reader.invalid(&manifest.shapes.file, "no OTHER"))?;
        let shape_weight = &manifest.model.emb.shape.weight;
        let shape_dim = shape_weight.shape.get(1).copied().unwrap_or(0);
        let shape_emb = reader.f32s(shape_weight, &[shape_ids.len(), shape_dim])?;

        let mut layers = Vec::new();
        let mut width = manifest.pq.dim + shape_dim;
        for entry in &manifest.model.encoder.layers {
            let layer = ConvLayer::load(&reader, entry, width)?;
            width = layer.outputs;
            layers.push(layer);
        }
        let tags = manifest.tags.items;
        let proj_weight = reader.f32s(&manifest.model.head.proj.weight, &[width, tags.len()])?;
        let proj_bias = reader.f32s(&manifest.model.head.proj.bias, &[tags.len()])?;
        let transitions = reader.f32s(&manifest.model.head.crf.transitions, &[tags.len(), tags.len()])?;
        if tags.len() > usize::from(u8::MAX) {
            return Err(reader.invalid("manifest.json", "too many tags"));
        }
        Ok(Network {
            vocab,
            pq_indexes,
            pq_centroids,
            subspaces,
            centroids,
            subdim,
            shape_ids,
            other_shape,
            shape_emb,
            shape_dim,
            layers,
            proj_weight,
            proj_bias,
            transitions,
            tags,
        })
    }

    #[allow(clippy::type_complexity)]
    fn load_pq(
        reader: &DirReader,
        manifest: &Manifest,
    ) -> Result<(Vec<u8>, Vec<f32>, usize, usize, usize), LoadError> {
        let pq = &manifest.pq;
        let (words, subspaces) = match pq.indexes.shape[..] {
            [w, s] => (w, s),
            _ => return Err(reader.invalid(&pq.indexes.file, "expected 2 dimensions")),
        };
        let (centroids, subdim) = match pq.centroids.shape[..] {
            [s, c, d] if s == subspaces && c <= 256 && s * d == pq.dim => (c, d),
            _ => return Err(reader.invalid(&pq.centroids.file, "centroids do not match the indexes")),
        };
        let indexes = reader.bytes(&pq.indexes.file)?;
        if words != manifest.words.count || indexes.len() != words * subspaces {
            return Err(reader.invalid(&pq.indexes.file, "size differs from the manifest"));
        }
        let centroid_values = reader.f32s(&pq.centroids, &[subspaces, centroids, subdim])?;
        Ok((indexes, centroid_values, subspaces, centroids, subdim))
    }

    /// Number of tags the network scores.
    pub fn tag_count(&self) -> usize {
        self.tags.len()
    }

    /// The word id of a token (slovnet looks words up lower-cased).
    pub fn word_id(&self, token: &str) -> u32 {
        self.vocab.id(&token.to_lowercase())
    }

    /// The shape id of a token.
    pub fn shape_id(&self, token: &str) -> u16 {
        self.shape_ids.get(&super::shape::word_shape(token)).copied().unwrap_or(self.other_shape)
    }

    fn input_width(&self) -> usize {
        self.subspaces * self.subdim + self.shape_dim
    }

    /// Write the embedding of one token (`input_width` floats) into `row`.
    fn embed(&self, word: u32, shape: u16, row: &mut [f32]) {
        let codes = &self.pq_indexes[word as usize * self.subspaces..(word as usize + 1) * self.subspaces];
        let (word_part, shape_part) = row.split_at_mut(self.subspaces * self.subdim);
        for (q, (&code, out)) in codes.iter().zip(word_part.chunks_exact_mut(self.subdim)).enumerate() {
            let at = (q * self.centroids + usize::from(code)) * self.subdim;
            out.copy_from_slice(&self.pq_centroids[at..at + self.subdim]);
        }
        let at = usize::from(shape) * self.shape_dim;
        shape_part.copy_from_slice(&self.shape_emb[at..at + self.shape_dim]);
    }

    /// Emission scores (`words.len() × tag_count`, row-major) for one token sequence.
    pub fn emissions(&self, words: &[u32], shapes: &[u16]) -> Vec<f32> {
        let halo = self.layers.len() * (KERNEL / 2);
        let tags = self.tag_count();
        let mut out = Vec::with_capacity(words.len() * tags);
        let mut scratch = Scratch::default();
        let mut start = 0;
        while start < words.len() {
            let end = (start + CHUNK_TOKENS).min(words.len());
            let lo = start.saturating_sub(halo);
            let hi = (end + halo).min(words.len());
            let chunk = self.chunk_emissions(&words[lo..hi], &shapes[lo..hi], &mut scratch);
            out.extend_from_slice(&chunk[(start - lo) * tags..(end - lo) * tags]);
            start = end;
        }
        out
    }

    /// Run the whole network on one chunk, zero-padded at both ends.
    fn chunk_emissions(&self, words: &[u32], shapes: &[u16], scratch: &mut Scratch) -> Vec<f32> {
        let rows = words.len();
        let width = self.input_width();
        let Scratch { a, b } = scratch;
        a.clear();
        a.resize((rows + 2) * width, 0.0);
        for (t, (&word, &shape)) in words.iter().zip(shapes).enumerate() {
            self.embed(word, shape, &mut a[(t + 1) * width..(t + 2) * width]);
        }
        for layer in &self.layers {
            layer.forward(a, rows, b);
            std::mem::swap(a, b);
        }
        self.project(a, rows)
    }

    /// The linear layer from the last convolution's rows (padded) to tag scores.
    fn project(&self, hidden: &[f32], rows: usize) -> Vec<f32> {
        let tags = self.tag_count();
        let width = self.proj_weight.len() / tags;
        let mut out = Vec::with_capacity(rows * tags);
        for row in hidden[width..(rows + 1) * width].chunks_exact(width) {
            for j in 0..tags {
                let dot: f32 = row.iter().enumerate().map(|(i, x)| x * self.proj_weight[i * tags + j]).sum();
                out.push(dot + self.proj_bias[j]);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocab_binary_search_finds_every_word() {
        let vocab = Vocab::new("<unk>\nа\nб\nяблоко\n".into(), 0);
        assert_eq!(vocab.len(), 4);
        assert!(vocab.is_sorted());
        assert_eq!(vocab.id("яблоко"), 3);
        assert_eq!(vocab.id("а"), 1);
        assert_eq!(vocab.id("груша"), 0);
    }

    #[test]
    fn conv_layer_matches_direct_convolution() {
        // 2 inputs -> 1 output, identity norm: y[t] = relu(b + sum_k sum_i w[i][k] * x[t + k - 1][i])
        let raw = [1.0f32, 2.0, 3.0, -1.0, 0.5, 0.25];
        let mut weight = vec![0f32; 6];
        for i in 0..2 {
            for k in 0..3 {
                weight[k * 2 + i] = raw[i * 3 + k];
            }
        }
        let layer = ConvLayer {
            inputs: 2,
            outputs: 1,
            weight,
            bias: vec![0.5],
            norm_weight: vec![1.0],
            norm_bias: vec![0.0],
            norm_mean: vec![0.0],
            norm_std: vec![1.0],
        };
        let x = [[1.0f32, 2.0], [3.0, -4.0], [0.5, 1.0]];
        let mut padded = vec![0f32; 2];
        padded.extend(x.iter().flatten());
        padded.extend([0.0, 0.0]);
        let mut out = Vec::new();
        layer.forward(&padded, 3, &mut out);
        for t in 0..3usize {
            let mut expected = 0.5;
            for k in 0..3 {
                let Some(row) = (t + k).checked_sub(1).and_then(|p| x.get(p)) else { continue };
                expected += raw[k] * row[0] + raw[3 + k] * row[1];
            }
            assert!((out[t + 1] - f32::max(expected, 0.0)).abs() < 1e-5, "t={t}");
        }
        assert_eq!((out[0], out[4]), (0.0, 0.0));
    }
}
