import { PolicyResource } from "@pulumi/policy";
import { read } from "./unknown";
import { waitsFor } from "./dependencies";

const ENDPOINT = "azure-native:network:PrivateEndpoint";
const RECORDS = "azure-native:network:PrivateDnsZoneGroup";

/** Sub-resources a private endpoint connects to; undefined while they are unknown (preview). */
function subResources(endpoint: PolicyResource): unknown[] | undefined {
  const groups = read(() =>
    ((endpoint.props.privateLinkServiceConnections ?? []) as { groupIds?: unknown[] }[]).flatMap(
      (c) => c.groupIds ?? [],
    ),
  );
  return groups.known ? groups.value : undefined;
}

/** The private endpoints connected to `target` for sub-resource `groupId` (all of them while unknown). */
export function privateEndpointsOf(
  target: PolicyResource,
  groupId: string,
  resources: readonly PolicyResource[],
): PolicyResource[] {
  return resources.filter(
    (r) =>
      r.type === ENDPOINT &&
      (r.propertyDependencies.privateLinkServiceConnections ?? []).includes(target) &&
      (subResources(r)?.includes(groupId) ?? true),
  );
}

/** The DNS records (zone groups) of `endpoints`. */
export function recordsOfEndpoints(
  endpoints: readonly PolicyResource[],
  resources: readonly PolicyResource[],
): PolicyResource[] {
  const set = new Set(endpoints);
  return resources.filter(
    (r) =>
      r.type === RECORDS &&
      ((r.parent !== undefined && set.has(r.parent)) ||
        (r.propertyDependencies.privateEndpointName ?? []).some((e) => set.has(e))),
  );
}

/**
 * The DNS records (zone groups) that resolve `target`'s name to its private endpoints of sub-resource
 * `groupId`: whatever calls `target` by name from inside the network must wait for one of them.
 */
export function privateRecordsOf(
  target: PolicyResource,
  groupId: string,
  resources: readonly PolicyResource[],
): PolicyResource[] {
  return recordsOfEndpoints(privateEndpointsOf(target, groupId, resources), resources);
}

/** The resources created through `provider` that wait for none of `records`. */
export function racing(
  provider: PolicyResource,
  records: readonly PolicyResource[],
  resources: readonly PolicyResource[],
): PolicyResource[] {
  const waits = (r: PolicyResource) => records.some((z) => waitsFor(r, z, resources));
  // What waits for the provider waits for what the provider waits for: one question per provider.
  if (waits(provider)) return [];
  return resources.filter((r) => r.provider?.urn === provider.urn && !waits(r));
}
