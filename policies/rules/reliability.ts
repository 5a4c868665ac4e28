import * as runtime from "@pulumi/pulumi/runtime";
import { Policies } from "@pulumi/policy";
import { anchor, typesRule, unless } from "../lib/rule";

export const STATEFUL_TYPES = [
  "azure-native:storage:StorageAccount",
  "azure-native:keyvault:Vault",
  "azure-native:sql:Server",
  "azure-native:sql:Database",
  "azure-native:databricks:Workspace",
  "azure-native:eventhub:Namespace",
  "databricks:index/catalog:Catalog",
];

export const protectStateful = typesRule<{ types?: string[] }>(
  {
    name: "reliability-protect-stateful",
    description: "Stateful resources are protected from deletion (mandatory in prod).",
    severity: "high",
    anchor: anchor("project", "reliability", "Production data is never deleted by an update"),
    remediationSteps:
      "Set lakehouse:protectStatefulResources: true (components pass protect to stateful resources).",
    configSchema: {
      properties: { types: { type: "array", items: { type: "string" }, default: STATEFUL_TYPES } },
    },
  },
  (type, config) => (config.types ?? STATEFUL_TYPES).includes(type),
  (p, _config, args) =>
    // A foreign catalog holds no data: it only points at another database.
    p.connectionName !== undefined
      ? []
      : unless(args.opts.protect, `${args.type} ${args.name} is stateful but not protected: set protect.`),
);

/** Input names that hold credentials; their values must be Pulumi secrets. */
const CREDENTIAL_NAME =
  /(password|secret|token|connectionstring|accesskey|apikey|privatekey|sastoken|serviceuri|webhookurl)$/i;
/** Webhook URLs of notification destinations are credentials too (anyone with the URL can post). */
const WEBHOOK_PATH = /^config\.(slack|microsoftTeams|genericWebhook)\.url$/;
/** Inputs that must not exist at all on this platform (SQL logins, storage keys). */
const FORBIDDEN = ["administratorLoginPassword", "storageAccountAccessKey", "sasToken"];

export const noPlaintextSecrets = typesRule(
  {
    name: "reliability-no-plaintext-secrets",
    description:
      "No credential in plain text: inputs that look like keys, passwords, tokens, connection strings or webhook URLs are Pulumi secrets (the offline plan checks secrecy; the engine checks forbidden inputs).",
    severity: "critical",
    anchor: anchor(
      "checkov",
      "CKV_SECRET_*",
      "Secrets framework (CKV_SECRET_1 and on: credentials found by the detect-secrets plugins)",
    ),
    remediationSteps:
      "Read the value with pulumi config set --secret / getSecret, or drop the credential for Entra ID.",
  },
  () => true,
  (p) =>
    FORBIDDEN.filter((k) => p[k] !== undefined).map(
      (k) => `Input ${k} is set: this platform uses Entra ID, never ${k}.`,
    ),
);

export interface SecretFinding {
  readonly urn: string;
  readonly message: string;
}

/**
 * What the policy SDK cannot see: whether a credential-looking input is a Pulumi secret. The offline plan
 * runs this over the serialized inputs (where secrets keep their signature) and reports the findings under
 * `reliability-no-plaintext-secrets`.
 */
export function plaintextSecretFindings(
  resources: readonly { urn: string; inputs: Record<string, unknown> }[],
): SecretFinding[] {
  const findings: SecretFinding[] = [];
  const walk = (urn: string, value: unknown, path: string[]) => {
    if (value === null || value === undefined) return;
    if (typeof value === "object") {
      const record = value as Record<string, unknown>;
      if (record[runtime.specialSigKey] === runtime.specialSecretSig) return;
      for (const [key, child] of Object.entries(record)) {
        walk(urn, child, Array.isArray(value) ? path : [...path, key]);
      }
      return;
    }
    const dotted = path.join(".");
    const leaf = path[path.length - 1] ?? "";
    // Toggles named like credentials (Grafana's apiKey: Disabled) hold no secret.
    const toggle = /^(enabled|disabled|true|false)$/i.test(String(value));
    if (
      typeof value === "string" &&
      value !== "" &&
      !toggle &&
      (CREDENTIAL_NAME.test(leaf) || WEBHOOK_PATH.test(dotted))
    ) {
      findings.push({ urn, message: `Input ${dotted} looks like a credential but is not a Pulumi secret.` });
    }
  };
  resources.forEach((r) => walk(r.urn, r.inputs, []));
  return findings;
}

export const reliabilityPolicies: Policies = [protectStateful, noPlaintextSecrets];
