// Engine-shaped arguments for policy tests (pulumi-policy-aws style: a happy path each case mutates).
import {
  PolicyResource,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
  unknownCheckingProxy,
} from "@pulumi/policy";

import * as proxy from "@pulumi/policy/proxy";

/** The SDK's sentinels for inputs unknown at preview (exported by @pulumi/policy/proxy at run time, untyped). */
const sentinels = proxy as unknown as Record<string, string>;
export const unknownStringValue = sentinels.unknownStringValue;
export const unknownBooleanValue = sentinels.unknownBooleanValue;
export const unknownObjectValue = sentinels.unknownObjectValue;

export type Props = Record<string, unknown>;

/** Defender for Storage settings of an account: on, overriding the subscription, with both extensions. */
export const DEFENDER_FOR_STORAGE_PROPERTIES = {
  isEnabled: true,
  overrideSubscriptionLevelSettings: true,
  malwareScanning: { onUpload: { isEnabled: true, capGBPerMonth: 5000 } },
  sensitiveDataDiscovery: { isEnabled: true },
};

/** The flow-log account's firewall the Network Watcher FAQ asks for: default deny, trusted services, no rules. */
export const FLOW_LOG_SINK_FIREWALL = {
  defaultAction: "Deny",
  bypass: "AzureServices",
  ipRules: [],
  virtualNetworkRules: [],
  resourceAccessRules: [],
};
/** One way to break a rule: what it is, the change to the valid props, and the exact messages expected. */
export type Mutation = [what: string, mutate: (props: Props) => void, messages: string[]];

/** A rule over one resource type: a valid configuration and the mutations that break it. */
export interface ResourceCase {
  readonly policy: ResourceValidationPolicy;
  readonly type: string;
  readonly valid: Props;
  readonly config?: Props;
  readonly protect?: boolean;
  readonly invalid: Mutation[];
}

/** Resource options as the engine hands them to policies: nothing set but `protect`. */
const optionsWith = (protect: boolean) => ({
  protect,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
});

/** Validation args for one resource, with unknown values detected as the engine's analyzer does. */
export function resourceArgs(
  type: string,
  props: Record<string, unknown>,
  config: Record<string, unknown> = {},
  protect = false,
): ResourceValidationArgs {
  return {
    type,
    props: unknownCheckingProxy(props),
    urn: `urn:pulumi:dev::lakehouse::${type}::test`,
    name: "test",
    opts: optionsWith(protect),
    stackTags: new Map(),
    isType: (cls) => (cls as unknown as { __pulumiType: string }).__pulumiType === type,
    asType: (() => props) as ResourceValidationArgs["asType"],
    getConfig: <T>() => config as T,
    notApplicable: () => {
      throw new NotApplicable();
    },
  };
}

/** What `notApplicable` throws: the engine records the policy as not applicable, with no violation. */
class NotApplicable extends Error {}

/** Runs a resource policy and returns the messages it reported. */
export async function violationsOf(
  policy: ResourceValidationPolicy,
  args: ResourceValidationArgs,
): Promise<string[]> {
  const messages: string[] = [];
  for (const validate of ([] as ResourceValidation[]).concat(policy.validateResource ?? [])) {
    try {
      await validate(args, (message) => messages.push(message));
    } catch (error) {
      if (!(error instanceof NotApplicable)) throw error;
    }
  }
  return messages;
}

/** A stack-policy resource with no links yet (parents, dependencies and providers are set by the caller). */
export function policyResource(
  type: string,
  name: string,
  props: Record<string, unknown>,
  protect = false,
  where = "dev::lakehouse",
): PolicyResource {
  return {
    type,
    props: unknownCheckingProxy(props),
    urn: `urn:pulumi:${where}::${type}::${name}`,
    name,
    opts: optionsWith(protect),
    dependencies: [],
    propertyDependencies: {},
    isType: () => false,
    asType: (() => undefined) as PolicyResource["asType"],
  };
}

export interface StackResourceSpec {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly protect?: boolean;
  /** Input name -> names of the resources it depends on. */
  readonly dependsOn?: Record<string, string[]>;
  /** Names of the resources it waits for through `dependsOn` (the engine's `dependencies` add the above). */
  readonly waitsFor?: string[];
  /** Name of its parent resource. */
  readonly parent?: string;
  /** Name of its provider resource, or the inputs of a provider made for it. */
  readonly provider?: string | Record<string, unknown>;
  /** `stack::project` of its URN. Default: `dev::lakehouse`. */
  readonly where?: string;
}

/** A resource of a test stack whose props default to none. */
export type StackSpec = Omit<StackResourceSpec, "props"> & { readonly props?: Record<string, unknown> };

/** `stackViolationsOf` over specs whose props may be left out. */
export const stackViolationsOfSpecs = (policy: StackValidationPolicy, specs: readonly StackSpec[]) =>
  stackViolationsOf(
    policy,
    specs.map((spec) => ({ ...spec, props: spec.props ?? {} })),
  );

/** Runs a stack policy over resources linked as the engine links them; returns `urn-name: message` lines. */
export async function stackViolationsOf(
  policy: StackValidationPolicy,
  specs: readonly StackResourceSpec[],
  config: Record<string, unknown> = {},
): Promise<string[]> {
  const resources: PolicyResource[] = specs.map((spec) =>
    policyResource(spec.type, spec.name, spec.props, spec.protect, spec.where),
  );
  const named = (n: string) => {
    const found = resources[specs.findIndex((s) => s.name === n)];
    if (!found) throw new Error(`no resource ${n} in the test stack`);
    return found;
  };
  specs.forEach((spec, i) => {
    const resource = resources[i];
    resource.dependencies = (spec.waitsFor ?? []).map(named);
    for (const [key, names] of Object.entries(spec.dependsOn ?? {})) {
      resource.propertyDependencies[key] = names.map(named);
      resource.dependencies.push(...names.map(named));
    }
    resource.parent = spec.parent ? named(spec.parent) : undefined;
    if (typeof spec.provider === "string") {
      const { type, props, urn, name } = named(spec.provider);
      resource.provider = { type, props, urn, name };
    } else if (spec.provider) {
      // A provider made for this resource only, from its inputs.
      const type = `pulumi:providers:${spec.type.split(":")[0]}`;
      resource.provider = {
        type,
        props: spec.provider,
        urn: `urn:pulumi:dev::lakehouse::${type}::provider`,
        name: "provider",
      };
    }
  });
  const messages: string[] = [];
  await policy.validateStack(
    {
      resources,
      stackTags: new Map(),
      getConfig: <T>() => config as T,
      notApplicable: () => {
        throw new Error("not applicable");
      },
    },
    (message, urn) => messages.push(`${urn ? urn.split("::").pop() : "(stack)"}: ${message}`),
  );
  return messages;
}
