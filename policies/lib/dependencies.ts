import { PolicyResource } from "@pulumi/policy";

// Packages whose resources are cloud resources: depending on one does not wait for its children.
const PROVIDER_PACKAGES = new Set(["azure-native", "databricks", "random", "pulumiservice", "pulumi"]);

/** Each resource's children, computed once per stack (stack rules ask about ordering many times). */
const childrenCache = new WeakMap<readonly PolicyResource[], Map<PolicyResource, PolicyResource[]>>();
function childrenOf(resources: readonly PolicyResource[]): Map<PolicyResource, PolicyResource[]> {
  let children = childrenCache.get(resources);
  if (!children) {
    children = new Map();
    for (const r of resources) {
      if (r.parent) {
        const list = children.get(r.parent);
        if (list) list.push(r);
        else children.set(r.parent, [r]);
      }
    }
    childrenCache.set(resources, children);
  }
  return children;
}

/**
 * Everything `resource` waits for before the engine creates it: its dependencies (explicit `dependsOn` and
 * inputs), whatever those wait for, its parent's registration, which itself waited for the parent's
 * dependencies; a dependency on a component waits for everything the component holds (the SDK expands it to
 * the component's children). Stops early once `target` is reached, when one is given.
 */
function walk(
  resource: PolicyResource,
  resources: readonly PolicyResource[],
  target?: PolicyResource,
): Set<PolicyResource> {
  const children = childrenOf(resources);
  const seen = new Set<PolicyResource>();
  const pending: PolicyResource[] = [resource];
  const reach = (dependency: PolicyResource) => {
    if (seen.has(dependency)) return;
    seen.add(dependency);
    pending.push(dependency);
    if (!PROVIDER_PACKAGES.has(dependency.type.split(":")[0])) {
      (children.get(dependency) ?? []).forEach(reach);
    }
  };
  while (pending.length > 0 && !(target && seen.has(target))) {
    const current = pending.pop() as PolicyResource;
    for (let waiting: PolicyResource | undefined = current; waiting; waiting = waiting.parent) {
      waiting.dependencies.forEach(reach);
      Object.values(waiting.propertyDependencies).flat().forEach(reach);
      // Its parent is registered before it, but waiting for a component's registration is not waiting
      // for its other children.
      if (waiting.parent) seen.add(waiting.parent);
    }
  }
  return seen;
}

/** Does `resource` wait for `target` before it is created? */
export const waitsFor = (
  resource: PolicyResource,
  target: PolicyResource,
  resources: readonly PolicyResource[],
): boolean => walk(resource, resources, target).has(target);

/** Every resource `resource` waits for before it is created. */
export const waitedFor = (
  resource: PolicyResource,
  resources: readonly PolicyResource[],
): Set<PolicyResource> => walk(resource, resources);
