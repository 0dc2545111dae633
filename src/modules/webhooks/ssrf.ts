import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";

/**
 * The request-forgery guard: a webhook URL is chosen by a workspace admin, but the request leaves from our server, so
 * it must not reach what only the server can reach (loopback, the private network, cloud metadata on link-local).
 * Names are checked on the address they RESOLVE to, inside the socket's own lookup, so a name that resolves to a
 * public address when saved and to 127.0.0.1 when sent (DNS rebinding) is refused at connect time.
 */
const blocked = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8], // "this network"
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata (169.254.169.254)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast
] as const)
  blocked.addSubnet(net, prefix, "ipv4");
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["ff00::", 8], // multicast
] as const)
  blocked.addSubnet(net, prefix, "ipv6");

/** Whether an IP address is private, loopback, link-local or otherwise not a public destination. */
export function isPrivateAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, "");
  const family = isIP(ip);
  if (family === 4) return blocked.check(ip, "ipv4");
  if (family !== 6) return true;
  // IPv4 written as IPv6 (::ffff:127.0.0.1, NAT64 64:ff9b::7f00:1) is judged as the IPv4 address it names.
  const lower = ip.toLowerCase();
  const mapped = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower)?.[1];
  if (mapped) return blocked.check(mapped, "ipv4");
  const hexMapped = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (hexMapped) {
    const hi = Number.parseInt(hexMapped[1] as string, 16);
    const lo = Number.parseInt(hexMapped[2] as string, 16);
    return blocked.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, "ipv4");
  }
  return blocked.check(ip, "ipv6");
}

export class ForbiddenTargetError extends Error {
  readonly code = "ERR_WEBHOOK_FORBIDDEN_TARGET";
}

const refusal = (host: string, address: string) =>
  new ForbiddenTargetError(`${host} resolves to ${address}, a private, loopback or link-local address; an admin can allow these under Settings → Webhooks`);

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request / net.connect that refuses private addresses. Node calls it for every new
 * connection (never for an IP literal: see `assertTargetAllowed`), so the address checked is the address connected to.
 */
export function guardedLookup(hostname: string, options: { all?: boolean; family?: number | string }, callback: LookupCallback): void {
  dnsLookup(hostname, { all: true, family: typeof options.family === "number" ? options.family : 0 }, (err, addresses) => {
    if (err) return callback(err, options.all ? [] : "", 4);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad) return callback(refusal(hostname, bad.address) as NodeJS.ErrnoException, options.all ? [] : "", 4);
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: "ENOTFOUND" }), "", 4);
    callback(null, first.address, first.family);
  });
}

const localNames = /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/i;

/**
 * What can be told from the URL alone, before any lookup: an IP literal (which the socket never looks up) must be
 * public, and names that only ever mean this machine or its network are refused outright.
 */
export function assertTargetAllowed(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) {
    if (isPrivateAddress(host)) throw refusal(host, host);
  } else if (localNames.test(host) || !host.includes(".")) {
    throw new ForbiddenTargetError(`${host} is a local name; an admin can allow private addresses under Settings → Webhooks`);
  }
}

/** Resolves a name now (at save time) and refuses it if any address is private; an unknown name passes (it may exist later). */
export async function checkResolvedTarget(url: URL): Promise<void> {
  assertTargetAllowed(url);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(host)) return;
  const addresses = await new Promise<LookupAddress[]>((resolve) => dnsLookup(host, { all: true }, (err, a) => resolve(err ? [] : a)));
  const bad = addresses.find((a) => isPrivateAddress(a.address));
  if (bad) throw refusal(host, bad.address);
}
