// Engine-shaped arguments for policy tests (pulumi-policy-aws style: a happy path each case mutates).
import {
  PolicyResource,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
  unknownCheckingProxy,
} from "@pulumi/policy";

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
    opts: {
      protect,
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      additionalSecretOutputs: [],
    },
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

export interface StackResourceSpec {
  readonly type: string;
  readonly name: string;
  readonly props: Record<string, unknown>;
  readonly protect?: boolean;
  /** Input name -> names of the resources it depends on. */
  readonly dependsOn?: Record<string, string[]>;
  /** `stack::project` of its URN. Default: `dev::lakehouse`. */
  readonly where?: string;
  /** Inputs of the provider resource it uses, if the test needs one. */
  readonly provider?: Record<string, unknown>;
}

/** Runs a stack policy over resources linked as the engine links them; returns `urn-name: message` lines. */
export async function stackViolationsOf(
  policy: StackValidationPolicy,
  specs: readonly StackResourceSpec[],
  config: Record<string, unknown> = {},
): Promise<string[]> {
  const resources: PolicyResource[] = specs.map((spec) => {
    const props = unknownCheckingProxy(spec.props);
    return {
      type: spec.type,
      props,
      urn: `urn:pulumi:${spec.where ?? "dev::lakehouse"}::${spec.type}::${spec.name}`,
      name: spec.name,
      opts: {
        protect: spec.protect ?? false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
      },
      dependencies: [],
      propertyDependencies: {},
      provider: spec.provider && {
        type: `pulumi:providers:${spec.type.split(":")[0]}`,
        props: spec.provider,
        urn: `urn:pulumi:dev::lakehouse::pulumi:providers:${spec.type.split(":")[0]}::provider`,
        name: "provider",
      },
      isType: () => false,
      asType: (() => undefined) as PolicyResource["asType"],
    };
  });
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
