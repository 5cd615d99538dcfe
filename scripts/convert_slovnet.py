#!/usr/bin/env python3
"""Convert natasha's slovnet NER model and navec embeddings into the directory wirefeed loads.

Reads the two tar files shipped in the natasha 1.6.0 wheel (MIT) once and writes `models/slovnet_ner_news_v1/`:

- `manifest.json`   shapes, dtypes and file names of every array, the layer layout, special ids, tags, shapes
- `words.txt`       the word vocabulary, one word a line, sorted by UTF-8 bytes (so Rust can binary-search it
                    without building a hash map at load); the line number is the word id
- `pq_indexes.u8`   navec product-quantisation codes: one row of 100 centroid numbers per word id (rows
                    permuted into the sorted order of `words.txt`); kept quantised, 25 MB instead of 300 MB dense
- `pq_centroids.f32` navec centroids: [100 sub-spaces x 256 centroids x 3 dims]
- `shapes.txt`, `tags.txt`  the shape and tag vocabularies, in model order (line number = id)
- `*.f32`           every other array of the slovnet model, little-endian float32, row-major, original layout

Usage:
    pip download natasha==1.6.0 --no-deps -d /tmp/natasha && (cd /tmp/natasha && unzip -o natasha-*.whl)
    python3 scripts/convert_slovnet.py /tmp/natasha/natasha/data models/slovnet_ner_news_v1

Needs numpy only.
"""
import gzip
import io
import json
import os
import sys
import tarfile

import numpy as np

NER_TAR = 'model/slovnet_ner_news_v1.tar'
NAVEC_TAR = 'emb/navec_news_v1_1B_250K_300d_100q.tar'


def read_tar(path):
    with tarfile.open(path) as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}


def gz_lines(data):
    text = gzip.decompress(data).decode('utf-8')
    return text.split('\n')


def load_navec_pq(data):
    """navec/pq.py: u32 vectors, dim, qdim, centroids; u8 indexes [vectors x qdim]; f32 codes."""
    vectors, dim, qdim, centroids = np.frombuffer(data[:16], np.uint32)
    offset = 16
    indexes = np.frombuffer(data[offset:offset + vectors * qdim], np.uint8).reshape(vectors, qdim)
    codes = np.frombuffer(data[offset + vectors * qdim:], '<f4').reshape(qdim, centroids, -1)
    return int(vectors), int(dim), int(qdim), int(centroids), indexes, codes


def array_files(node, prefix, arrays, out):
    """Walk model.json; every weight with an `array` id becomes `<path>.f32`."""
    if isinstance(node, dict):
        if 'array' in node and 'shape' in node:
            name = prefix + '.f32'
            array = np.frombuffer(arrays[node['array']], '<f4')
            assert array.size == int(np.prod(node['shape'])), name
            out[name] = (array, node['shape'])
            return {'file': name, 'shape': node['shape'], 'dtype': 'f32'}
        return {k: array_files(v, prefix + '.' + k if prefix else k, arrays, out) for k, v in node.items()}
    if isinstance(node, list):
        return [array_files(v, '%s.%d' % (prefix, i), arrays, out) for i, v in enumerate(node)]
    return node


def main(data_dir, out_dir):
    ner = read_tar(os.path.join(data_dir, NER_TAR))
    navec = read_tar(os.path.join(data_dir, NAVEC_TAR))
    model = json.loads(ner['model.json'])
    meta = json.loads(ner['meta.json'])
    navec_meta = json.loads(navec['meta.json'])
    assert model['emb']['word']['id'] == navec_meta['id'], 'embedding id mismatch'

    arrays = {int(name[len('arrays/'):-len('.bin')]): data
              for name, data in ner.items() if name.startswith('arrays/')}
    words = gz_lines(ner['vocabs/word.gz'])
    shapes = gz_lines(ner['vocabs/shape.gz'])
    tags = gz_lines(ner['vocabs/tag.gz'])

    vectors, dim, qdim, centroids, indexes, codes = load_navec_pq(navec['pq.bin'])
    assert vectors == len(words), (vectors, len(words))
    assert all('\n' not in w and '\r' not in w for w in words)
    # slovnet's Vocab maps a word to its last id; make sure there is no ambiguity to reproduce
    assert len(set(words)) == len(words), 'duplicate words in vocabulary'

    order = sorted(range(len(words)), key=lambda i: words[i].encode('utf-8'))
    sorted_words = [words[i] for i in order]
    sorted_indexes = np.ascontiguousarray(indexes[order])
    new_id = {old: new for new, old in enumerate(order)}

    os.makedirs(out_dir, exist_ok=True)
    out = {}
    layout = {
        'emb': {'shape': array_files(model['emb']['shape'], 'emb.shape', arrays, out)},
        'encoder': array_files(model['encoder'], 'encoder', arrays, out),
        'head': array_files(model['head'], 'head', arrays, out),
    }
    for name, (array, _) in out.items():
        array.astype('<f4').tofile(os.path.join(out_dir, name))
    sorted_indexes.tofile(os.path.join(out_dir, 'pq_indexes.u8'))
    codes.astype('<f4').tofile(os.path.join(out_dir, 'pq_centroids.f32'))
    for name, items in (('words.txt', sorted_words), ('shapes.txt', shapes), ('tags.txt', tags)):
        with open(os.path.join(out_dir, name), 'w', encoding='utf-8', newline='\n') as f:
            f.write('\n'.join(items) + '\n')

    manifest = {
        'format': 'wirefeed-slovnet/1',
        'source': {'model': meta['id'], 'embedding': navec_meta['id'],
                   'from': 'natasha 1.6.0 (PyPI), natasha/data/' + NER_TAR + ', natasha/data/' + NAVEC_TAR},
        'words': {'file': 'words.txt', 'count': len(sorted_words),
                  'unk_id': new_id[words.index('<unk>')], 'pad_id': new_id[words.index('<pad>')],
                  'order': 'sorted by UTF-8 bytes; line number = id'},
        'pq': {'indexes': {'file': 'pq_indexes.u8', 'shape': [vectors, qdim], 'dtype': 'u8'},
               'centroids': {'file': 'pq_centroids.f32', 'shape': list(codes.shape), 'dtype': 'f32'},
               'dim': dim},
        'shapes': {'file': 'shapes.txt', 'count': len(shapes), 'pad_id': shapes.index('<pad>')},
        'tags': {'file': 'tags.txt', 'items': tags},
        'model': layout,
    }
    with open(os.path.join(out_dir, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write('\n')
    print('wrote', out_dir, 'words', len(words), 'shapes', len(shapes), 'tags', tags)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
