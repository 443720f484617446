// Checks in the browser that a record is in the ledger (docs/ledger.md):
// the entry's leaf data hashes to its RFC 6962 leaf hash, the inclusion
// proof's audit path leads from that leaf to the root of the tree of the
// checkpoint's size, and that root is the checkpoint's. With the ledger's
// public key (given by the operator out of band, never taken from the
// server) it also checks the checkpoint's ed25519 signature.

const enc = new TextEncoder();

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function hexToBytes(hex) {
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new Error(`not hex: ${hex}`);
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

export function bytesToHex(b) {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export function base64ToBytes(s) {
  const bin = atob(s);
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function equal(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// leafHash is SHA-256(0x00 || data), RFC 6962's leaf hash.
export async function leafHash(data) {
  return sha256(concat(new Uint8Array([0]), data));
}

// nodeHash is SHA-256(0x01 || left || right), RFC 6962's interior node.
export async function nodeHash(left, right) {
  return sha256(concat(new Uint8Array([1]), left, right));
}

// rootFromInclusionProof recomputes the root of a tree of size leaves
// from leaf number index (hash leaf) and its audit path, as RFC 9162
// section 2.1.3.2 says; it throws when the path does not fit the size.
// Indices are numbers (exact below 2^53); halving uses arithmetic, not
// bit operators, which would cut them to 32 bits.
export async function rootFromInclusionProof(index, size, leaf, proof) {
  if (!(index >= 0 && index < size)) throw new Error(`index ${index} is outside a tree of ${size}`);
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new Error('the audit path is longer than the tree is deep');
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error('the audit path is shorter than the tree is deep');
  return r;
}

// parseCheckpoint reads a signed checkpoint note: origin, size and base64
// root on its first three lines, then the signature lines after a blank
// line.
export function parseCheckpoint(text) {
  const cut = text.indexOf('\n\n');
  if (cut < 0) throw new Error('the checkpoint has no signature block');
  const body = text.slice(0, cut + 1);
  const lines = body.split('\n');
  const size = Number(lines[1]);
  if (lines.length < 4 || !Number.isSafeInteger(size)) throw new Error('the checkpoint is not origin, size, root');
  const sigs = text.slice(cut + 2).split('\n').filter((l) => l.startsWith('— ')).map((l) => {
    const [name, b64] = l.slice(2).split(' ');
    return {name, sig: base64ToBytes(b64)};
  });
  return {origin: lines[0], size, root: base64ToBytes(lines[2]), body, sigs};
}

// verifyCheckpointSignature checks the note's ed25519 signature under a
// verifier key "name+hash+base64(0x01 || key)" (golang.org/x/mod/sumdb/note).
// It returns true or false, or throws when the key is malformed or the
// browser cannot check ed25519.
export async function verifyCheckpointSignature(cp, vkey) {
  // The key's base64 may itself hold '+': cut at the first two only.
  const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+=*)$/.exec(vkey.trim());
  if (!m) throw new Error('the ledger key is not name+hash+key');
  const [, name, hashHex, keyB64] = m;
  const raw = base64ToBytes(keyB64);
  if (raw.length !== 33 || raw[0] !== 1) throw new Error('the ledger key is not an ed25519 key');
  const sig = cp.sigs.find((s) => s.name === name && s.sig.length === 68 && bytesToHex(s.sig.slice(0, 4)) === hashHex);
  if (!sig) return false;
  const key = await crypto.subtle.importKey('raw', raw.slice(1), {name: 'Ed25519'}, false, ['verify']);
  return crypto.subtle.verify({name: 'Ed25519'}, key, sig.sig.slice(4), enc.encode(cp.body));
}

// verifyRecord checks that record recordID (for example
// "zone/idlib-safe-area/v1") is in the ledger, reading with getJSON and
// getText (the page's API client), and returns what it established:
// {ok, index, size, origin, signature: "valid" | "invalid" | "unchecked" |
// "unsupported", reason}. ok means the entry's data hashes to its leaf
// and the audit path reaches the checkpoint's root.
export async function verifyRecord(recordID, {getJSON, getText, vkey}) {
  const cp = parseCheckpoint(await getText('/v1/ledger/checkpoint'));
  const entry = await getJSON('/v1/ledger/lookup?record_id=' + encodeURIComponent(recordID));
  const proof = await getJSON(`/v1/ledger/proof/inclusion?index=${entry.index}&size=${cp.size}`);
  const out = {ok: false, index: entry.index, size: cp.size, origin: cp.origin, signature: 'unchecked', reason: ''};
  const leaf = await leafHash(enc.encode(entry.data));
  if (bytesToHex(leaf) !== entry.leaf_hash || proof.leaf_hash !== entry.leaf_hash) {
    out.reason = 'the entry’s data does not hash to its leaf hash';
    return out;
  }
  const root = await rootFromInclusionProof(entry.index, cp.size, leaf, proof.proof.map(hexToBytes));
  if (!equal(root, cp.root)) {
    out.reason = 'the audit path does not lead to the checkpoint’s root';
    return out;
  }
  out.ok = true;
  if (vkey) {
    try {
      out.signature = (await verifyCheckpointSignature(cp, vkey)) ? 'valid' : 'invalid';
    } catch (e) {
      out.signature = e.name === 'NotSupportedError' ? 'unsupported' : 'invalid';
      out.reason = e.message;
    }
    if (out.signature === 'invalid') out.ok = false;
  }
  return out;
}
