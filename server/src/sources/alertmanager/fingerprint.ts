// Alertmanager's alert fingerprint (prometheus/common model.LabelSet.Fingerprint), so an alert read
// from Prometheus's /api/v1/alerts gets the same identity as the same alert in a webhook.
// FNV-1a 64 over the label names in byte order, each name and value followed by the byte 0xff.
// Alertmanager drops labels with an empty value when it receives an alert; so does this.

const OFFSET_BASIS = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const SEPARATOR = 0xff;

function add(hash: bigint, bytes: Uint8Array): bigint {
  let h = hash;
  for (const b of bytes) h = ((h ^ BigInt(b)) * PRIME) & MASK;
  return h;
}

/** 16 lower-case hex digits, as Alertmanager writes `fingerprint` (`%016x`). */
export function alertFingerprint(labels: Readonly<Record<string, string>>): string {
  const encoder = new TextEncoder();
  // Go sorts label names as byte strings; JavaScript's default order is by UTF-16 code unit.
  const names = Object.keys(labels).filter((name) => labels[name] !== '').map((name) => ({ name, bytes: encoder.encode(name) }));
  names.sort((a, b) => Buffer.compare(a.bytes, b.bytes));
  const separator = Uint8Array.of(SEPARATOR);
  let hash = OFFSET_BASIS;
  for (const { name, bytes } of names) {
    hash = add(hash, bytes);
    hash = add(hash, separator);
    hash = add(hash, encoder.encode(labels[name] ?? ''));
    hash = add(hash, separator);
  }
  return hash.toString(16).padStart(16, '0');
}
