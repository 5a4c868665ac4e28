import {
  EnforcementLevel,
  PolicyComplianceFramework,
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidationArgs,
  StackValidationPolicy,
  validateResourceOfType,
} from "@pulumi/policy";
import { Resource, Unwrap } from "@pulumi/pulumi";

/** What every rule of the pack says about itself (shown by the engine and in the README's table). */
export interface RuleMeta {
  readonly name: string;
  readonly description: string;
  readonly severity: Severity;
  /** Where the rule comes from: a checkov / trivy check, an Azure Policy built-in, or the project. */
  readonly anchor: PolicyComplianceFramework;
  readonly remediationSteps: string;
  /** Default level; per-stack files under policies/config/ may change it. Default: the pack's (mandatory). */
  readonly enforcementLevel?: EnforcementLevel;
  readonly configSchema?: PolicyConfigSchema;
}

/** Microsoft Learn's Azure documentation, the base of most anchors. */
export const LEARN = "https://learn.microsoft.com/azure";

export function anchor(
  name: "checkov" | "trivy" | "Azure Policy" | "project",
  reference: string,
  specification: string,
): PolicyComplianceFramework {
  return { name, version: name === "project" ? "1" : "latest", reference, specification };
}

const report = (problems: string[], reportViolation: ReportViolation) =>
  problems.forEach((p) => reportViolation(p));

/** The policy fields of a rule's metadata: the anchor is the policy's compliance framework. */
function policyFields({ anchor: framework, ...rest }: RuleMeta) {
  return { ...rest, framework };
}

/** A rule over one resource type: `check` returns one message per problem (none when compliant). */
export function resourceRule<TResource extends Resource, TArgs, TConfig extends object = object>(
  meta: RuleMeta,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the SDK's own signature for resource classes
  resourceClass: { new (name: string, args: TArgs, ...rest: any[]): TResource },
  check: (props: Unwrap<NonNullable<TArgs>>, config: TConfig, args: ResourceValidationArgs) => string[],
): ResourceValidationPolicy {
  return {
    ...policyFields(meta),
    validateResource: validateResourceOfType(resourceClass, (props, args, reportViolation) =>
      report(check(props, args.getConfig<TConfig>(), args), reportViolation),
    ),
  };
}

/** A rule over several resource types, or any type `applies` accepts. */
export function typesRule<TConfig extends object = object>(
  meta: RuleMeta,
  applies: (type: string, config: TConfig) => boolean,
  check: (props: Record<string, unknown>, config: TConfig, args: ResourceValidationArgs) => string[],
): ResourceValidationPolicy {
  return {
    ...policyFields(meta),
    validateResource: (args, reportViolation) => {
      const config = args.getConfig<TConfig>();
      if (applies(args.type, config)) {
        report(check(args.props, config, args), reportViolation);
      }
    },
  };
}

/** A stack rule: `check` returns the problems, each with the URN of the resource it is about. */
export function stackRule<TConfig extends object = object>(
  meta: RuleMeta,
  check: (
    resources: PolicyResource[],
    config: TConfig,
    args: StackValidationArgs,
  ) => { urn?: string; message: string }[],
): StackValidationPolicy {
  return {
    ...policyFields(meta),
    validateStack: (args, reportViolation) => {
      for (const { urn, message } of check(args.resources, args.getConfig<TConfig>(), args)) {
        reportViolation(message, urn);
      }
    },
  };
}

/** `{ problem }` when `ok` is false: keeps checks one line per property. */
export const unless = (ok: boolean, problem: string): string[] => (ok ? [] : [problem]);

/** The public-network check every network-reachable service shares: `publicNetworkAccess` must be Disabled. */
export const publicAccessDisabled = (service: string, publicNetworkAccess: unknown): string[] =>
  unless(
    publicNetworkAccess === "Disabled",
    `${service} is reachable from public networks: publicNetworkAccess is ${String(publicNetworkAccess ?? "unset")}, must be Disabled.`,
  );
