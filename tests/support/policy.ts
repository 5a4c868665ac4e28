// Engine-shaped arguments for policy tests (pulumi-policy-aws style: a happy path each case mutates).
import {
  PolicyResource,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
  unknownCheckingProxy,
} from "@pulumi/policy";

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
): PolicyResource {
  return {
    type,
    props: unknownCheckingProxy(props),
    urn: `urn:pulumi:dev::lakehouse::${type}::${name}`,
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
}

/** Runs a stack policy over resources linked as the engine links them; returns `urn-name: message` lines. */
export async function stackViolationsOf(
  policy: StackValidationPolicy,
  specs: readonly StackResourceSpec[],
  config: Record<string, unknown> = {},
): Promise<string[]> {
  const resources: PolicyResource[] = specs.map((spec) =>
    policyResource(spec.type, spec.name, spec.props, spec.protect),
  );
  specs.forEach((spec, i) => {
    for (const [key, names] of Object.entries(spec.dependsOn ?? {})) {
      resources[i].propertyDependencies[key] = names.map(
        (n) => resources[specs.findIndex((s) => s.name === n)],
      );
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
