import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { InvalidInputError } from "../../config/validation";
import { planMocks } from "./mocks";
import { StackConfig } from "./stack-config";

/** One resource the program registered, as the engine would see it. */
export interface RecordedResource {
  /** URN as the engine forms it (full parent type chain, root stack left out). */
  readonly urn: string;
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  /** The id the (mocked) provider returned; components have none. */
  readonly id: string | null;
  readonly parent?: string;
  /** Serialized inputs: secrets keep the SDK's secret signature, resources are references. */
  readonly inputs: Record<string, unknown>;
  readonly protect: boolean;
  readonly retainOnDelete: boolean;
  readonly provider?: string;
  /**
   * Every URN the resource waits for: its inputs' and `dependsOn` resources (a component expanded to the
   * cloud resources it holds, as the SDK sends them to the engine) and, through its parent's registration,
   * everything its parent waits for.
   */
  readonly dependencies: string[];
  /** Per input, the URNs it depends on (components expanded, as the engine records them). */
  readonly propertyDependencies: Record<string, string[]>;
  /** The resources whose replacement replaces this one too (`replaceWith`); only when set. */
  readonly replaceWith?: string[];
}

export interface RecordedProgram {
  readonly resources: RecordedResource[];
  readonly outputs: Record<string, unknown>;
}

interface Captured {
  readonly resource: pulumi.Resource;
  readonly type: string;
  readonly name: string;
  readonly props: pulumi.Inputs;
  readonly opts: pulumi.CustomResourceOptions;
}

// Internals of the SDK the plan relies on; the design notes why (mocks do not see parents or options).
type Internal = {
  __parentResource?: pulumi.Resource;
  __protect?: boolean;
  /** The provider a custom resource uses, its own or inherited from its parent's `providers`. */
  __prov?: pulumi.ProviderResource;
};
const waitForRPCs = (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs;
const resolve = <T>(output: pulumi.Output<T>): Promise<T> =>
  (output as unknown as { promise(): Promise<T> }).promise();

/**
 * The resources of a `dependsOn` option. Not through `pulumi.output`: an Output whose value holds resources
 * walks the whole resource graph looking for unknowns, which made the plan quadratic in its size.
 */
async function resolveDependsOn(dependsOn: unknown): Promise<pulumi.Resource[]> {
  if (dependsOn === undefined || dependsOn === null) return [];
  if (Array.isArray(dependsOn)) return (await Promise.all(dependsOn.map(resolveDependsOn))).flat();
  if (dependsOn instanceof Promise) return resolveDependsOn(await dependsOn);
  if (pulumi.Output.isInstance(dependsOn)) return resolveDependsOn(await resolve(dependsOn));
  return pulumi.Resource.isInstance(dependsOn) ? [dependsOn] : [];
}

/**
 * Loads the program. A file that does not parse is the user's mistake (exit 2), reported without its text:
 * Node's SyntaxError and ts-node's TSError both quote the offending line.
 */
function loadProgram(program: string): Record<string, unknown> {
  const file = require.resolve(program);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(file) as Record<string, unknown>;
  } catch (error) {
    const { name, stack, message } = error as Error;
    const inFile = (text: string | undefined) =>
      text?.startsWith(`${file}:`) || text?.includes(`${path.basename(file)}(`);
    if (
      (error instanceof SyntaxError && inFile(stack)) ||
      (name === "TSError" && inFile(message.split("\n")[1]))
    ) {
      throw new InvalidInputError([
        `--program ${file}: is not a program (it does not parse as ${file.endsWith(".ts") ? "TypeScript" : "JavaScript"})`,
      ]);
    }
    throw error;
  }
}

/**
 * Runs `program` (a module whose exports are the stack outputs) under Pulumi's mocks with the stack's
 * config and records every resource with its parent, options and inputs.
 */
export async function recordProgram(
  program: string,
  stack: StackConfig,
  organization: string,
  mocks: pulumi.runtime.Mocks = planMocks,
): Promise<RecordedProgram> {
  await pulumi.runtime.setMocks(mocks, stack.project, stack.stack, false, organization);
  // Every resource captures its full call stack (unbounded) for the engine to show where it was declared;
  // nothing reads it under mocks, and at thousands of resources it dominates time and memory.
  (pulumi.Resource as unknown as { callsites: () => unknown[] }).callsites = () => [];
  pulumi.runtime.setAllConfig(stack.config, stack.secretKeys);

  const captured: Captured[] = [];
  let exported: Record<string, unknown> = {};
  await pulumi.runtime.runInPulumiStack(async () => {
    // Registered inside the stack and before the program, so it runs last and sees the final inputs.
    pulumi.runtime.registerStackTransformation(({ resource, type, name, props, opts }) => {
      captured.push({ resource, type, name, props, opts });
      return undefined;
    });
    const exports = loadProgram(program);
    exported = Object.fromEntries(Object.entries(exports).filter(([key]) => key !== "__esModule"));
    return exported;
  });
  await waitForRPCs();

  const stackResource = pulumi.runtime.getStackResource();
  const urns = new Map<pulumi.Resource, string>();
  const qualifiedTypes = new Map<pulumi.Resource, string>();
  const urnOf = (resource: pulumi.Resource, type: string, name: string): string => {
    const parent = (resource as unknown as Internal).__parentResource;
    const parentType = parent && parent !== stackResource ? qualifiedTypes.get(parent) : undefined;
    const qualified = parentType ? `${parentType}$${type}` : type;
    qualifiedTypes.set(resource, qualified);
    const urn = `urn:pulumi:${stack.stack}::${stack.project}::${qualified}::${name}`;
    urns.set(resource, urn);
    return urn;
  };
  const stackUrn = stackResource
    ? urnOf(stackResource, "pulumi:pulumi:Stack", `${stack.project}-${stack.stack}`)
    : undefined;

  const resources: RecordedResource[] = [];
  if (stackResource && stackUrn) {
    resources.push({
      urn: stackUrn,
      type: "pulumi:pulumi:Stack",
      name: `${stack.project}-${stack.stack}`,
      custom: false,
      id: null,
      inputs: {},
      protect: false,
      retainOnDelete: false,
      dependencies: [],
      propertyDependencies: {},
    });
  }
  // Parents are constructed before their children, so capture order gives every parent's URN first.
  const seen = new Set<string>(stackUrn ? [stackUrn] : []);
  const duplicates: string[] = [];
  for (const c of captured) {
    const urn = urnOf(c.resource, c.type, c.name);
    if (seen.has(urn)) duplicates.push(urn);
    seen.add(urn);
  }
  if (duplicates.length > 0) {
    // The engine refuses a second registration of a URN; so does the plan, with every such URN named.
    throw new InvalidInputError(
      [...new Set(duplicates)].map(
        (urn) =>
          `Duplicate resource URN '${urn}'; try giving it a unique name (two inputs made the same name)`,
      ),
    );
  }
  // What depending on a resource means to the SDK: a component stands for the cloud resources it holds
  // (its custom descendants, not those of custom resources), a custom resource for itself.
  const customUrns = new Set(
    captured.filter((c) => pulumi.CustomResource.isInstance(c.resource)).map((c) => urns.get(c.resource)),
  );
  const childrenOf = new Map<string, string[]>();
  for (const c of captured) {
    const parent = (c.resource as unknown as Internal).__parentResource;
    const parentUrn = parent ? urns.get(parent) : undefined;
    if (parentUrn)
      childrenOf.set(parentUrn, [...(childrenOf.get(parentUrn) ?? []), urns.get(c.resource) as string]);
  }
  const expanded = new Map<string, string[]>();
  const expand = (urn: string): string[] => {
    if (customUrns.has(urn)) return [urn];
    let result = expanded.get(urn);
    if (!result) {
      result = (childrenOf.get(urn) ?? []).flatMap(expand);
      expanded.set(urn, result);
    }
    return result;
  };
  const dependenciesOf = new Map<string, string[]>();

  for (const c of captured) {
    const urn = urns.get(c.resource) as string;
    const internal = c.resource as unknown as Internal;
    const [inputs, dependencyMap] = await pulumi.runtime.serializeResourceProperties(
      `plan:${c.name}`,
      c.props,
    );
    const propertyDependencies: Record<string, string[]> = {};
    const dependencies = new Set<string>();
    const add = (depUrns: string[]) => depUrns.forEach((u) => u !== urn && dependencies.add(u));
    for (const [key, deps] of dependencyMap) {
      const depUrns = [
        ...new Set(
          [...deps]
            .map((d) => urns.get(d))
            .filter((u): u is string => u !== undefined)
            .flatMap(expand)
            .filter((u) => u !== urn),
        ),
      ];
      if (depUrns.length > 0) {
        propertyDependencies[key] = depUrns;
        add(depUrns);
      }
    }
    for (const dep of await resolveDependsOn(c.opts.dependsOn)) {
      const depUrn = urns.get(dep);
      if (depUrn) add(expand(depUrn));
    }
    // A child registers only once its parent has, and the parent only once its dependencies exist.
    const parentUrn = internal.__parentResource ? urns.get(internal.__parentResource) : undefined;
    if (parentUrn) add(dependenciesOf.get(parentUrn) ?? []);
    dependenciesOf.set(urn, [...dependencies]);
    const providerResource = internal.__prov ?? c.opts.provider;
    const provider = providerResource ? urns.get(providerResource) : undefined;
    resources.push({
      urn,
      type: c.type,
      name: c.name,
      // Known only now: CustomResource marks itself after its base constructor ran the transformations.
      custom: pulumi.CustomResource.isInstance(c.resource),
      id: pulumi.CustomResource.isInstance(c.resource) ? ((await resolve(c.resource.id)) ?? null) : null,
      parent: parentUrn,
      inputs,
      protect: internal.__protect === true,
      retainOnDelete: c.opts.retainOnDelete === true,
      provider,
      dependencies: [...dependencies],
      propertyDependencies,
      ...(c.opts.replaceWith?.length
        ? { replaceWith: c.opts.replaceWith.map((r) => urns.get(r)).filter((u): u is string => !!u) }
        : {}),
    });
  }
  // Serialized like inputs, so secret outputs keep their signature and can be masked.
  const outputs = await pulumi.runtime.serializeProperties("plan:outputs", exported);
  return { resources, outputs };
}
