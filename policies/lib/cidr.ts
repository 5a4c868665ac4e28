/** An IPv4 CIDR block as a range of addresses [first, last], or undefined when the text is not one. */
export function cidrRange(cidr: string): [number, number] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr.trim());
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const bits = Number(match[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  const address = octets.reduce((n, o) => n * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const first = address - (address % size);
  return [first, first + size - 1];
}

/** Do two IPv4 CIDR blocks share an address? False when either is not a CIDR block. */
export function cidrsOverlap(a: string, b: string): boolean {
  const x = cidrRange(a);
  const y = cidrRange(b);
  return x !== undefined && y !== undefined && x[0] <= y[1] && y[0] <= x[1];
}
