import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { InvalidInputError } from "../../config/validation";

/** The config a stack's program sees, as the engine would hand it over. */
export interface StackConfig {
  readonly project: string;
  readonly stack: string;
  /** Fully qualified key (`lakehouse:location`) to its string form (objects and arrays as JSON). */
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
  /** Secret keys that got a fake value because the stack file holds ciphertext or nothing. */
  readonly placeholders: string[];
}

interface ProjectFile {
  name: string;
  config?: Record<string, { type?: string; default?: unknown; secret?: boolean } | unknown>;
}

function readYaml<T>(file: string): T {
  try {
    return parse(fs.readFileSync(file, "utf8")) as T;
  } catch (error) {
    throw new InvalidInputError([`${path.basename(file)}: ${(error as Error).message.split("\n")[0]}`]);
  }
}

function asConfigString(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A value that is clearly fake, and still of the shape the setting expects (URLs stay URLs). */
export function placeholderFor(key: string): string {
  const name = key.slice(key.indexOf(":") + 1);
  return /url$/i.test(name) ? `https://offline-plan.invalid/${name}` : `offline-plan-placeholder-${name}`;
}

/**
 * Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the engine does: project defaults first, then the
 * stack's values; a key the project declares secret must be encrypted in the stack file. Secret values
 * cannot be decrypted here, so they become placeholders.
 */
export function readStackConfig(
  projectDir: string,
  stack: string,
  overrides: Record<string, string> = {},
): StackConfig {
  const project = readYaml<ProjectFile>(path.join(projectDir, "Pulumi.yaml"));
  const stackFile = path.join(projectDir, `Pulumi.${stack}.yaml`);
  if (!/^[\w.-]+$/.test(stack) || !fs.existsSync(stackFile)) {
    const stacks = fs
      .readdirSync(projectDir)
      .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
      .filter((s): s is string => s !== undefined);
    throw new InvalidInputError([
      `--stack: no stack file Pulumi.${stack}.yaml (stacks here: ${stacks.join(", ")})`,
    ]);
  }
  const qualify = (key: string) => (key.includes(":") ? key : `${project.name}:${key}`);
  const declared = new Map(
    Object.entries(project.config ?? {}).map(([key, spec]) => [
      qualify(key),
      (spec ?? {}) as { default?: unknown; secret?: boolean },
    ]),
  );

  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  const placeholders: string[] = [];
  const problems: string[] = [];
  for (const [key, spec] of declared) {
    if (spec.default !== undefined) {
      config[key] = asConfigString(spec.default);
    }
  }
  const stackValues = readYaml<{ config?: Record<string, unknown> } | null>(stackFile)?.config ?? {};
  if (typeof stackValues !== "object" || Array.isArray(stackValues)) {
    throw new InvalidInputError([`Pulumi.${stack}.yaml: config: must be a mapping of keys to values`]);
  }
  for (const [rawKey, value] of Object.entries(stackValues)) {
    const key = qualify(rawKey);
    const encrypted = value !== null && typeof value === "object" && "secure" in value;
    if (declared.get(key)?.secret && !encrypted) {
      problems.push(
        `Pulumi.${stack}.yaml: ${key}: is a secret; set it with pulumi config set --secret ${rawKey} <value>`,
      );
    } else if (!encrypted) {
      config[key] = asConfigString(value);
    } else if (!declared.get(key)?.secret) {
      // Ciphertext for a key that is not a secret: the program reports it (as the engine would hand it over).
      config[key] = placeholderFor(key);
      secretKeys.push(key);
    }
  }
  if (problems.length > 0) {
    throw new InvalidInputError(problems);
  }
  for (const [key, spec] of declared) {
    if (spec.secret) {
      config[key] = placeholderFor(key);
      secretKeys.push(key);
      placeholders.push(key);
    }
  }
  for (const [key, value] of Object.entries(overrides)) {
    config[qualify(key)] = value;
  }
  return { project: project.name, stack, config, secretKeys, placeholders };
}
