// Engine-shaped arguments for policy tests (pulumi-policy-aws style: a happy path each case mutates).
import {
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  unknownCheckingProxy,
} from "@pulumi/policy";

/** Validation args for one resource, with unknown values detected as the engine's analyzer does. */
export function resourceArgs(
  type: string,
  props: Record<string, unknown>,
  config: Record<string, unknown> = {},
): ResourceValidationArgs {
  return {
    type,
    props: unknownCheckingProxy(props),
    urn: `urn:pulumi:dev::lakehouse::${type}::test`,
    name: "test",
    opts: {
      protect: false,
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
      throw new Error("not applicable");
    },
  };
}

/** Runs a resource policy and returns the messages it reported. */
export async function violationsOf(
  policy: ResourceValidationPolicy,
  args: ResourceValidationArgs,
): Promise<string[]> {
  const messages: string[] = [];
  for (const validate of ([] as ResourceValidation[]).concat(policy.validateResource ?? [])) {
    await validate(args, (message) => messages.push(message));
  }
  return messages;
}
