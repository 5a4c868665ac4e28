import { createHash } from "crypto";

/**
 * Key Vault keys are created through ARM's "Keys - Create If Not Exist": an existing key is returned
 * unchanged, so a later change of its type, size, operations or rotation policy never reaches it. A key's
 * name therefore ends with a fingerprint of those properties: changing them names a new key, which Pulumi
 * creates (and consumers move to) instead of silently keeping the old one. The expiry of the first version
 * is left out: it is set once, at creation.
 */
export function keyFingerprint(properties: unknown): string {
  const { attributes, ...rest } = (properties ?? {}) as Record<string, unknown>;
  const { expires: _expires, ...keptAttributes } = (attributes ?? {}) as Record<string, unknown>;
  return createHash("sha256")
    .update(canonical({ ...rest, attributes: keptAttributes }))
    .digest("hex")
    .slice(0, 8);
}

/** JSON with sorted keys, so the fingerprint does not depend on property order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(record[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}
