import { PolicyResource, UnknownValueError } from "@pulumi/policy";

/** A value read from resource inputs: `known: false` when the engine cannot know it during preview. */
export type Read<T> = { readonly known: true; readonly value: T } | { readonly known: false };

/**
 * Reads inputs that may be unknown at preview without letting the engine's `UnknownValueError` abort the
 * whole rule (a stack rule that throws reports "can't run during preview" and checks nothing else).
 */
export function read<T>(get: () => T): Read<T> {
  try {
    return { known: true, value: get() };
  } catch (error) {
    if (error instanceof UnknownValueError) return { known: false };
    throw error;
  }
}

/**
 * Whether an id input is set: a known non-empty string, or a value unknown at preview (an id that is not known
 * yet is the id of a resource being created, or one read from elsewhere; ARM requires it to be real).
 */
export function idSet(resource: PolicyResource, property: string): boolean {
  if ((resource.propertyDependencies[property] ?? []).length > 0) return true;
  const value = read(() => resource.props[property] as unknown);
  return !value.known || (typeof value.value === "string" && value.value.trim() !== "");
}

/** A known string input, or undefined when it is unset, not a string or unknown at preview. */
export function knownString(resource: PolicyResource, property: string): string | undefined {
  const value = read(() => resource.props[property] as unknown);
  return value.known && typeof value.value === "string" ? value.value : undefined;
}
