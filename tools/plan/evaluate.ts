import * as fs from "fs";
import * as path from "path";
import * as runtime from "@pulumi/pulumi/runtime";
import Ajv from "ajv";
import {
  EnforcementLevel,
  Policies,
  PolicyResource,
  PolicyResourceOptions,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
  unknownCheckingProxy,
  UnknownValueError,
} from "@pulumi/policy";
import { InvalidInputError } from "../../config/validation";
import { RecordedResource } from "./record";

export interface PolicySummary {
  readonly name: string;
  readonly level: EnforcementLevel;
}

export interface Violation {
  readonly policy: string;
  readonly level: EnforcementLevel;
  readonly urn: string;
  readonly message: string;
}

/** A policy pack config file (`--policy-pack-config`): per policy a level, or a level and properties. */
export type PackConfig = Record<
  string,
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

class NotApplicable extends Error {}

/** Reads a policy pack config file and checks it names only real policies, levels and properties. */
export function readPackConfig(file: string, policies: Policies): PackConfig {
  if (!fs.existsSync(file)) {
    return {};
  }
  const shown = path.relative(process.cwd(), file);
  let config: PackConfig;
  try {
    config = JSON.parse(fs.readFileSync(file, "utf8")) as PackConfig;
  } catch (error) {
    throw new InvalidInputError([`${shown}: invalid JSON: ${(error as Error).message}`]);
  }
  if (config === null || typeof config !== "object" || Array.isArray(config)) {
    throw new InvalidInputError([`${shown}: must be a JSON object of policy names to settings`]);
  }
  const ajv = new Ajv({ allErrors: true, strict: false });
  const problems: string[] = [];
  for (const [name, entry] of Object.entries(config)) {
    const policy = policies.find((p) => p.name === name);
    if (!policy && name !== "all") {
      problems.push(
        `${shown}: ${name}: unknown policy (policies: ${policies.map((p) => p.name).join(", ")})`,
      );
      continue;
    }
    if (typeof entry !== "string" && (entry === null || typeof entry !== "object" || Array.isArray(entry))) {
      problems.push(`${shown}: ${name}: must be an enforcement level or an object of settings`);
      continue;
    }
    const level = typeof entry === "string" ? entry : entry.enforcementLevel;
    if (level !== undefined && !LEVELS.includes(level)) {
      problems.push(
        `${shown}: ${name}.enforcementLevel: must be one of ${LEVELS.join(", ")} (got "${level}")`,
      );
    }
    const known = Object.keys(policy?.configSchema?.properties ?? {});
    for (const key of typeof entry === "string" ? [] : Object.keys(entry)) {
      if (key !== "enforcementLevel" && !known.includes(key)) {
        problems.push(
          `${shown}: ${name}.${key}: unknown property (allowed: enforcementLevel${known.map((k) => `, ${k}`).join("")})`,
        );
      }
    }
    if (policy?.configSchema && typeof entry === "object") {
      // As the engine does: the settings (without the level) against the policy's JSON Schema.
      const { enforcementLevel: _level, ...values } = entry;
      const validate = ajv.compile({ type: "object", ...policy.configSchema });
      if (!validate(values)) {
        for (const error of validate.errors ?? []) {
          if (error.keyword === "additionalProperties") continue; // named above
          const field = error.instancePath
            .replace(/^\//, "")
            .replace(/\/(\d+)/g, "[$1]")
            .replace(/\//g, ".");
          problems.push(`${shown}: ${name}${field ? `.${field}` : ""}: ${error.message ?? "is not valid"}`);
        }
      }
    }
  }
  if (problems.length > 0) {
    throw new InvalidInputError(problems);
  }
  return config;
}

function levelOf(entry: PackConfig[string] | undefined): EnforcementLevel | undefined {
  return typeof entry === "string" ? entry : entry?.enforcementLevel;
}

/** A policy's settings as the engine hands them over: schema defaults, then the config file's values. */
function configOf(policy: Policies[number], config: PackConfig): Record<string, unknown> {
  const defaults = Object.fromEntries(
    Object.entries(policy.configSchema?.properties ?? {})
      .filter(([, schema]) => schema.default !== undefined)
      .map(([key, schema]) => [key, schema.default]),
  );
  const entry = config[policy.name];
  const own = typeof entry === "object" ? entry : {};
  const { enforcementLevel: _level, ...values } = own;
  return { ...defaults, ...values };
}

/** What a policy receives as `props`: secrets unwrapped, resource references as their URN or id. */
function policyProps(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(policyProps);
  }
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const sig = record[runtime.specialSigKey];
    if (sig === runtime.specialSecretSig) {
      return policyProps(record.value);
    }
    if (sig === runtime.specialResourceSig) {
      return record.id ?? record.urn;
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, policyProps(v)]));
  }
  return value;
}

function optionsOf(resource: RecordedResource): PolicyResourceOptions {
  return {
    protect: resource.protect,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    parent: resource.parent,
  };
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
  const pulumiType = (resourceClass as { __pulumiType?: string }).__pulumiType;
  return pulumiType === type;
}

/**
 * Runs every policy of the pack over the recorded resources the way the engine's analyzer does: resource
 * policies once per resource (the root stack included), stack policies once over all of them with parents,
 * dependencies and providers linked.
 */
/**
 * Checks the policy SDK cannot express, run by the plan under a policy's name and level: they see the
 * serialized inputs, where secrets keep their signature.
 */
export type PlanCheck = (resources: readonly RecordedResource[]) => { urn: string; message: string }[];

export interface Remediation {
  readonly policy: string;
  readonly urn: string;
}

export async function evaluatePolicies(
  resources: readonly RecordedResource[],
  policies: Policies,
  packLevel: EnforcementLevel,
  config: PackConfig,
  planChecks: Record<string, PlanCheck> = {},
): Promise<{ policies: PolicySummary[]; violations: Violation[]; remediations: Remediation[] }> {
  const summaries: PolicySummary[] = [];
  const violations: Violation[] = [];
  const remediations: Remediation[] = [];
  const recordedByUrn = new Map(resources.map((r) => [r.urn, r]));
  const propsByUrn = new Map(resources.map((r) => [r.urn, policyProps(r.inputs) as Record<string, unknown>]));
  const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
  };

  const levelFor = (policy: Policies[number]) =>
    levelOf(config[policy.name]) ?? levelOf(config.all) ?? policy.enforcementLevel ?? packLevel;

  // As the engine does, remediations run first and validations see the remediated inputs.
  for (const policy of policies) {
    const remediate = (policy as ResourceValidationPolicy).remediateResource;
    if (levelFor(policy) !== "remediate" || !remediate) continue;
    const settings = configOf(policy, config);
    for (const r of resources) {
      const props = propsByUrn.get(r.urn) as Record<string, unknown>;
      const fixed = await remediate({
        ...resourceArgs(r, props, settings),
      });
      if (fixed) {
        propsByUrn.set(r.urn, fixed);
        remediations.push({ policy: policy.name, urn: r.urn });
      }
    }
  }

  for (const policy of policies) {
    const level = levelFor(policy);
    summaries.push({ name: policy.name, level });
    if (level === "disabled") {
      continue;
    }
    // As in the engine, a violation that remediation did not fix counts as mandatory.
    const reportedLevel: EnforcementLevel = level === "remediate" ? "mandatory" : level;
    const settings = configOf(policy, config);
    const run = async (
      defaultUrn: string,
      validate: (report: (message: string, urn?: string) => void) => unknown,
    ) => {
      try {
        await validate((message, urn) =>
          violations.push({ policy: policy.name, level: reportedLevel, urn: urn ?? defaultUrn, message }),
        );
      } catch (error) {
        if (error instanceof UnknownValueError) {
          violations.push({
            policy: policy.name,
            level: "advisory",
            urn: defaultUrn,
            message: `can't run policy '${policy.name}' during preview: ${(error as Error).message}`,
          });
        } else if (!(error instanceof NotApplicable)) {
          throw new Error(
            `policy '${policy.name}' failed on ${defaultUrn}: ${(error as Error).stack ?? String(error)}`,
            { cause: error },
          );
        }
      }
    };

    if ("validateStack" in policy) {
      const stackPolicy = policy as StackValidationPolicy;
      const byUrn = new Map<string, PolicyResource>();
      const policyResources = resources.map((r) => {
        const props = unknownCheckingProxy(propsByUrn.get(r.urn) as Record<string, unknown>);
        const resource: PolicyResource = {
          type: r.type,
          props,
          urn: r.urn,
          name: r.name,
          opts: optionsOf(r),
          dependencies: [],
          propertyDependencies: {},
          isType: (cls) => isTypeOf(r.type, cls),
          asType: ((cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined)) as PolicyResource["asType"],
        };
        byUrn.set(r.urn, resource);
        return resource;
      });
      resources.forEach((r, i) => {
        const resource = policyResources[i];
        resource.parent = r.parent ? byUrn.get(r.parent) : undefined;
        resource.dependencies = r.dependencies
          .map((u) => byUrn.get(u))
          .filter((d): d is PolicyResource => !!d);
        for (const [key, urns] of Object.entries(r.propertyDependencies)) {
          resource.propertyDependencies[key] = urns
            .map((u) => byUrn.get(u))
            .filter((d): d is PolicyResource => !!d);
        }
        const provider = r.provider ? byUrn.get(r.provider) : undefined;
        if (provider) {
          resource.provider = {
            type: provider.type,
            props: provider.props,
            urn: provider.urn,
            name: provider.name,
          };
        }
      });
      await run("", (report) =>
        stackPolicy.validateStack(
          {
            resources: policyResources,
            stackTags: new Map(),
            getConfig: <T>() => settings as T,
            notApplicable,
          },
          report,
        ),
      );
      continue;
    }

    const resourcePolicy = policy as ResourceValidationPolicy;
    const validations: ResourceValidation[] = ([] as ResourceValidation[]).concat(
      resourcePolicy.validateResource ?? [],
    );
    for (const r of resources) {
      for (const validation of validations) {
        const onlyType = (validation as { __pulumiType?: string }).__pulumiType;
        if (onlyType !== undefined && onlyType !== r.type) {
          continue;
        }
        const args = resourceArgs(r, propsByUrn.get(r.urn) as Record<string, unknown>, settings);
        await run(r.urn, (report) => validation(args, report));
      }
    }
  }
  for (const [name, check] of Object.entries(planChecks)) {
    const level = summaries.find((s) => s.name === name)?.level;
    if (level && level !== "disabled") {
      const reported: EnforcementLevel = level === "remediate" ? "mandatory" : level;
      check(resources).forEach(({ urn, message }) =>
        violations.push({ policy: name, level: reported, urn, message }),
      );
    }
  }
  return { policies: summaries, violations, remediations };

  /** Engine-shaped validation arguments of one resource. */
  function resourceArgs(
    r: RecordedResource,
    raw: Record<string, unknown>,
    settings: Record<string, unknown>,
  ): ResourceValidationArgs {
    const props = unknownCheckingProxy(raw);
    const provider = r.provider ? recordedByUrn.get(r.provider) : undefined;
    return {
      type: r.type,
      props,
      urn: r.urn,
      name: r.name,
      opts: optionsOf(r),
      stackTags: new Map(),
      provider: provider && {
        type: provider.type,
        props: propsByUrn.get(provider.urn) ?? {},
        urn: provider.urn,
        name: provider.name,
      },
      isType: (cls) => isTypeOf(r.type, cls),
      asType: ((cls: unknown) =>
        isTypeOf(r.type, cls) ? props : undefined) as ResourceValidationArgs["asType"],
      getConfig: <T>() => settings as T,
      notApplicable: (reason?: string): never => {
        throw new NotApplicable(reason);
      },
    };
  }
}
