// Which addresses a notification channel may reach (SSRF). A channel URL is typed by an admin but
// its host is resolved by whoever runs DNS for that name: the address, not the name, is judged.
import ipaddr from 'ipaddr.js';

/**
 * `public`: anywhere. `private`: loopback and private ranges, reachable only with
 * NOTIFY_ALLOW_PRIVATE=true (a receiver on the same host or network). `forbidden`: never, whatever
 * the setting: link-local (where cloud metadata lives), metadata endpoints, unspecified, multicast,
 * broadcast and reserved ranges.
 */
export type AddressVerdict = { verdict: 'public' } | { verdict: 'private' | 'forbidden'; why: string };

/** Instance metadata services that sit outside link-local, refused by address. */
const METADATA: Record<string, string> = {
  '169.254.169.254': 'the cloud metadata service (AWS, GCP, Azure, OpenStack…)',
  '169.254.170.2': 'the AWS container credentials endpoint',
  'fd00:ec2::254': 'the AWS metadata service (IPv6)',
  '100.100.100.200': 'the Alibaba Cloud metadata service',
  '168.63.129.16': 'the Azure platform endpoint (WireServer)',
  '192.0.0.192': 'the Oracle Cloud metadata service',
};

const FORBIDDEN_V4: Record<string, string> = {
  unspecified: 'an unspecified address (0.0.0.0/8)',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (169.254.0.0/16)',
  reserved: 'a reserved address',
  as112: 'a reserved address (AS112)',
  amt: 'a reserved address (AMT)',
};
const PRIVATE_V4: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  carrierGradeNat: 'a shared address (100.64.0.0/10)',
};
const FORBIDDEN_V6: Record<string, string> = {
  unspecified: 'the unspecified address (::)',
  linkLocal: 'a link-local address (fe80::/10)',
  multicast: 'a multicast address',
  deprecatedSiteLocal: 'a site-local address (fec0::/10)',
  discard: 'a discard address',
  reserved: 'a reserved address',
  teredo: 'a Teredo address',
  benchmarking: 'a reserved address (benchmarking)',
  amt: 'a reserved address (AMT)',
  as112v6: 'a reserved address (AS112)',
  deprecatedOrchid: 'a reserved address (ORCHID)',
  orchid2: 'a reserved address (ORCHID)',
  droneRemoteIdProtocolEntityTags: 'a reserved address',
  segmentRouting: 'a reserved address (segment routing)',
};
const PRIVATE_V6: Record<string, string> = {
  loopback: 'a loopback address',
  uniqueLocal: 'a private address (fc00::/7)',
};

function judgeV4(address: ipaddr.IPv4): AddressVerdict {
  const metadata = METADATA[address.toString()];
  if (metadata !== undefined) return { verdict: 'forbidden', why: metadata };
  const range = address.range();
  const forbidden = FORBIDDEN_V4[range];
  if (forbidden !== undefined) return { verdict: 'forbidden', why: forbidden };
  const privateWhy = PRIVATE_V4[range];
  if (privateWhy !== undefined) return { verdict: 'private', why: privateWhy };
  return { verdict: 'public' };
}

/**
 * The IPv4 address an IPv6 one stands for, when the network may translate it to that IPv4 address:
 * mapped (::ffff:a.b.c.d), translated (::ffff:0:a.b.c.d), NAT64 (64:ff9b::/96), 6to4 (2002:AABB:CCDD::)
 * and the old IPv4-compatible form (::a.b.c.d). Each is judged as that IPv4 address too.
 */
function embeddedV4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = address.parts;
  const fromWords = (hi: number, lo: number): ipaddr.IPv4 => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const range = address.range();
  if (range === 'ipv4Mapped' || range === 'rfc6145' || range === 'rfc6052') return fromWords(p[6] ?? 0, p[7] ?? 0);
  if (range === '6to4') return fromWords(p[1] ?? 0, p[2] ?? 0);
  if (p.slice(0, 6).every((word) => word === 0) && address.toNormalizedString() !== '0:0:0:0:0:0:0:1') return fromWords(p[6] ?? 0, p[7] ?? 0);
  return undefined;
}

function judgeV6(address: ipaddr.IPv6): AddressVerdict {
  const metadata = METADATA[address.toString()];
  if (metadata !== undefined) return { verdict: 'forbidden', why: metadata };
  const range = address.range();
  const forbidden = FORBIDDEN_V6[range];
  if (forbidden !== undefined) return { verdict: 'forbidden', why: forbidden };
  const inner = embeddedV4(address);
  if (inner !== undefined) {
    const judged = judgeV4(inner);
    if (judged.verdict === 'public') return judged;
    return { verdict: judged.verdict, why: `${judged.why}, as ${address.toString()} (${inner.toString()} inside IPv6)` };
  }
  const privateWhy = PRIVATE_V6[range];
  if (privateWhy !== undefined) return { verdict: 'private', why: privateWhy };
  return { verdict: 'public' };
}

/** Judges one resolved address (IPv4 or IPv6 text, as dns.lookup answers it). Unparseable → forbidden. */
export function judgeAddress(text: string): AddressVerdict {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  // A zone id (fe80::1%eth0) names an interface: only link-local addresses carry one.
  if (bare.includes('%')) return { verdict: 'forbidden', why: 'an address with a zone id (link-local)' };
  if (!ipaddr.isValid(bare)) return { verdict: 'forbidden', why: 'not an IP address' };
  const address = ipaddr.parse(bare);
  return address.kind() === 'ipv4' ? judgeV4(address as ipaddr.IPv4) : judgeV6(address as ipaddr.IPv6);
}

/** Whether a request may go to `address`; the reason when not. */
export function mayReach(address: string, allowPrivate: boolean): { ok: true } | { ok: false; why: string } {
  const judged = judgeAddress(address);
  if (judged.verdict === 'public') return { ok: true };
  if (judged.verdict === 'private') {
    return allowPrivate ? { ok: true } : { ok: false, why: `${judged.why}, reachable only with NOTIFY_ALLOW_PRIVATE=true` };
  }
  return { ok: false, why: `${judged.why}, never reachable from a notification channel` };
}
