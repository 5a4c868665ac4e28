import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { standardCronProblem } from "./cron";
import { AzureRegion, REGION_CODES } from "../components/core/naming";
import {
  AZURE_MONITOR_ONLY_ZONES,
  PRIVATE_DNS_ZONES,
  PrivateDnsZoneKey,
} from "../components/network/dns-zones";
import { controlCharacter, describe, InvalidInputError, parseOrThrow } from "./validation";

/** The Pulumi project name, and so the namespace of every config key (`lakehouse:<key>`). */
export const PROJECT = "lakehouse";

/** Principals that must never be used where the platform expects a group. */
export const BROAD_PRINCIPALS = ["users", "account users", "all users", "admins"];

/** A name as Unity Catalog and Entra ID compare it: no case, no punctuation, no whitespace. */
const principalShape = (name: string) => name.toLowerCase().replace(/[\s\p{P}\p{S}]+/gu, "");
const BROAD_SHAPES = new Set(BROAD_PRINCIPALS.map(principalShape));

/** The broad principal `name` is a spelling of (`Account_Users `, `all-users`), or undefined. */
export function broadPrincipal(name: string): string | undefined {
  const shape = principalShape(name);
  return BROAD_PRINCIPALS.find((p) => principalShape(p) === shape && BROAD_SHAPES.has(shape));
}

/** An Entra ID group display name, as Unity Catalog and the workspace see it. Never a user or a broad group. */
export const groupName = z.string().superRefine((name, ctx) => {
  const broad = broadPrincipal(name);
  if (broad !== undefined) {
    ctx.addIssue({
      code: "custom",
      message: `must be a specific group, not the broad principal "${broad}" (got ${describe(name)}; never granted, in any spelling: ${BROAD_PRINCIPALS.join(", ")})`,
    });
  } else if (!/^[A-Za-z0-9](?:[A-Za-z0-9._-]| (?! )){0,126}[A-Za-z0-9._-]?$/.test(name)) {
    ctx.addIssue({
      code: "custom",
      message: `must be a group display name: letters, digits, single spaces, '.', '_' or '-', not starting or ending with a space, at most 128 characters (got ${describe(name)})`,
    });
  }
});

/** Azure tag values: the policy pack refuses blank ones, Azure refuses < > % & \\ ? / and more than 256. */
const tagValue = z.string().superRefine((value, ctx) => {
  const message = controlCharacter(value)
    ? "must not contain control characters"
    : value.trim() === ""
      ? "must not be empty or only whitespace (the policy pack refuses blank mandatory tags)"
      : value !== value.trim()
        ? "must not start or end with whitespace"
        : !/^[^<>%&\\?/]{1,256}$/.test(value)
          ? "must be 1 to 256 characters without < > % & \\ ? /"
          : undefined;
  if (message) ctx.addIssue({ code: "custom", message: `${message} (got ${describe(value)})` });
});

/** The VNet address space: an IPv4 network address (no host bits) of /16 to /22. */
const cidr = z.string().superRefine((value, ctx) => {
  const fail = (why: string) =>
    ctx.addIssue({
      code: "custom",
      message: `must be an IPv4 CIDR block from /16 to /22, for example 10.20.0.0/16; ${why} (got ${describe(value)})`,
    });
  if (!ipaddr.IPv4.isValidCIDR(value) || !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(value)) {
    return fail("this is not an IPv4 CIDR block");
  }
  const [address, bits] = ipaddr.IPv4.parseCIDR(value);
  if (`${address.toString()}/${bits}` !== value) {
    // 010.020.0.0 reads as octal (8.16.0.0) to some parsers and as decimal to others: one reading only.
    return fail(
      `write it in dotted decimal without leading zeros (${address.toString()}/${bits} as read here)`,
    );
  }
  if (bits < 16 || bits > 22) {
    return fail(`/${bits} is out of range`);
  }
  const network = ipaddr.IPv4.networkAddressFromCIDR(value).toString();
  if (network !== address.toString()) {
    return fail(`it has host bits set (the network address is ${network}/${bits})`);
  }
});

/** A budget amount in the billing currency: positive, at most two decimals (Pulumi stores it as text). */
const amount = z.preprocess(
  (value) => (typeof value === "string" && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value),
  z
    .number()
    .positive()
    .refine((n) => Number.isFinite(n) && Math.round(n * 100) === n * 100, {
      error: (issue) => `must be an amount with at most two decimals (got ${describe(issue.input)})`,
    }),
);

/** Pulumi Deployments' drift schedule: five-field cron, or empty for none. */
const driftCron = z.string().superRefine((cron, ctx) => {
  const problem = cron === "" ? undefined : standardCronProblem(cron);
  if (problem) ctx.addIssue({ code: "custom", message: `${problem}, or empty (got ${describe(cron)})` });
});

const httpsUrl = z.url({ protocol: /^https$/, error: "must be an https:// URL" });

const sqlDatabaseId = z
  .string()
  .regex(
    /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Sql\/servers\/[a-z0-9-]{1,63}\/databases\/[^/<>*%&:\\?]{1,128}$/i,
    "must be the resource id of an Azure SQL database: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Sql/servers/<server>/databases/<db>",
  );

const guid = z
  .string()
  .regex(
    /^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/,
    "must be a GUID, for example 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d",
  );

/** Azure VM sizes that Databricks offers on Azure (`Standard_D4ds_v5`). */
const nodeType = z
  .string()
  .regex(/^Standard_[A-Za-z0-9_]+$/, "must be an Azure VM size such as Standard_D4ds_v5");

const regions = Object.keys(REGION_CODES) as [AzureRegion, ...AzureRegion[]];

/**
 * Every setting the program reads, by its key under `lakehouse:`. Pulumi.yaml declares the same keys with
 * their types, descriptions and defaults (a test keeps the two in step); the engine applies those defaults
 * before the program runs, so this schema has none of its own.
 */
export const settingsSchema = z.strictObject({
  environment: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,7}$/, "must be 2 to 8 lowercase letters or digits, starting with a letter"),
  location: z.enum(regions),
  prefix: z
    .string()
    .regex(/^[a-z][a-z0-9]{1,5}$/, "must be 2 to 6 lowercase letters or digits, starting with a letter"),
  owner: tagValue,
  costCenter: tagValue,
  dataClassification: z.enum(["public", "internal", "confidential", "restricted"]),
  addressSpace: cidr,
  egressFirewallIp: z
    .string()
    .refine(
      (value) => ipaddr.IPv4.isValidFourPartDecimal(value) && ipaddr.IPv4.parse(value).range() === "private",
      {
        error: (issue) =>
          `must be the private IPv4 address of the landing zone's firewall, for example 10.0.0.4 (got ${describe(issue.input)})`,
      },
    )
    .optional(),
  platformAdminsGroup: groupName,
  dataEngineersGroup: groupName,
  analystsGroup: groupName,
  piiReadersGroup: groupName,
  monthlyBudget: amount,
  // A budget has at most five notifications: one per threshold and the 100 % forecast.
  budgetThresholds: z
    .array(z.number().int().min(1).max(1000))
    .min(1)
    .max(4)
    .superRefine((thresholds, ctx) => {
      const repeated = thresholds.filter((t, i) => thresholds.indexOf(t) !== i);
      if (repeated.length > 0) {
        ctx.addIssue({
          code: "custom",
          message: `must not repeat a threshold (${[...new Set(repeated)].join(", ")} twice); each is one notification (got ${describe(thresholds)})`,
        });
      }
    }),
  alertEmails: z.array(z.email({ error: "must be an email address" })).min(1),
  slackWebhookUrl: httpsUrl.optional(),
  teamsWebhookUrl: httpsUrl.optional(),
  primaryDatabaseId: sqlDatabaseId,
  protectStatefulResources: z.boolean(),
  logRetentionDays: z.number().int().min(30).max(730),
  sourcesDirs: z.array(z.string().min(1)).min(1),
  storageSku: z.enum([
    "Standard_LRS",
    "Standard_ZRS",
    "Standard_GRS",
    "Standard_GZRS",
    "Standard_RAGRS",
    "Standard_RAGZRS",
  ]),
  blobSoftDeleteDays: z.number().int().min(1).max(365),
  accountStack: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be the name of a lakehouse-account stack"),
  azureDatabricksObjectId: guid,
  dbfsRootCmk: z.boolean(),
  complianceSecurityProfile: z.boolean(),
  tokenMaxLifetimeDays: z.number().int().min(1).max(730),
  nodeTypes: z.array(nodeType).min(1),
  maxWorkers: z.number().int().min(1).max(100),
  maxAutoterminationMinutes: z.number().int().min(10).max(1440),
  maxDbuPerHour: z.number().int().min(1),
  spotWorkers: z.boolean(),
  sqlWarehouseSize: z.enum(["2X-Small", "X-Small", "Small", "Medium", "Large", "X-Large"]),
  sqlWarehouseMaxClusters: z.number().int().min(1).max(40),
  platformAdminsObjectId: guid,
  replicaSku: z
    .string()
    .regex(
      /^(GP|BC|HS)_(Gen5|S)_\d{1,3}$|^S\d{1,2}$|^P\d{1,2}$/,
      "must be an Azure SQL SKU such as GP_Gen5_2, BC_Gen5_4 or S3",
    ),
  replicaZoneRedundant: z.boolean(),
  defenderPlans: z.boolean(),
  malwareScanningCapGBPerMonth: z.number().int().min(-1),
  networkWatcherId: z
    .string()
    .regex(
      /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Network\/networkWatchers\/[-\w.]{1,80}$/i,
      "must be the resource id of the region's Network Watcher: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/networkWatchers/<name>",
    )
    .optional(),
  pipelinesClientId: guid,
  pipelinesClientSecret: z.string().min(1),
  eventHubsCapacity: z.number().int().min(1).max(40),
  budgetStartDate: z
    .string()
    .regex(/^20\d\d-(0[1-9]|1[0-2])-01$/, "must be the first day of a month, YYYY-MM-01"),
  budgetScope: z.enum(["resourceGroup", "subscription"]),
  grafanaPublicAccess: z.boolean(),
  storageCapacityAlertTiB: z.number().int().min(1),
  deploymentsEnabled: z.boolean(),
  pulumiOrganization: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/, "must be a Pulumi organization name"),
  githubRepository: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/repository"),
  deploymentBranch: z.string().regex(/^[A-Za-z0-9._/-]{1,100}$/, "must be a branch name"),
  deployOnPush: z.boolean(),
  reviewStacks: z.boolean(),
  reviewStackTtlHours: z.number().int().min(1).max(720),
  driftScheduleCron: driftCron,
  deploymentsAzureClientId: guid,
  // A landing zone's central private DNS zones (Cloud Adoption Framework): the stack creates none of its own.
  privateDnsZoneIds: z
    .array(
      z.string().superRefine((id, ctx) => {
        const match =
          /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Network\/privateDnsZones\/([^/]+)$/i.exec(
            id,
          );
        if (!match) {
          ctx.addIssue({
            code: "custom",
            message: `must be the resource id of a private DNS zone: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/privateDnsZones/<name> (got ${describe(id)})`,
          });
        } else if (!PRIVATE_DNS_ZONE_NAMES.includes(match[1].toLowerCase())) {
          ctx.addIssue({
            code: "custom",
            message: `${describe(match[1])} is not a zone the stack uses; allowed: ${PRIVATE_DNS_ZONE_NAMES.join(", ")}`,
          });
        }
      }),
    )
    .refine((ids) => new Set(ids.map((id) => id.split("/").pop()?.toLowerCase())).size === ids.length, {
      error: "must name each zone once",
    })
    .optional(),
  // The landing zone's DNS resolver (its inbound endpoint), as the VNet's DNS servers; with its central zones.
  dnsServers: z
    .array(
      z
        .string()
        .refine(
          (value) =>
            ipaddr.IPv4.isValidFourPartDecimal(value) && ipaddr.IPv4.parse(value).range() === "private",
          {
            error: (issue) =>
              `must be the private IPv4 address of the landing zone's DNS resolver, for example 10.0.1.4 (got ${describe(issue.input)})`,
          },
        ),
    )
    .min(1)
    .max(4)
    .optional(),
  // A landing zone's Azure Monitor Private Link Scope (on its hub): the stack joins it instead of its own.
  monitorPrivateLinkScopeId: z
    .string()
    .regex(
      /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/microsoft\.insights\/privateLinkScopes\/[-\w.()]{1,255}$/i,
      "must be the resource id of an Azure Monitor Private Link Scope: /subscriptions/<id>/resourceGroups/<rg>/providers/microsoft.insights/privateLinkScopes/<name>",
    )
    .optional(),
  // The region's browser-authentication (SSO) private endpoint: one per region and DNS zone (Learn).
  browserAuthenticationEndpoint: z.boolean(),
});

export type Settings = z.output<typeof settingsSchema>;

/** Settings that hold credentials: set with `pulumi config set --secret`, never in plain text. */
export const SECRET_SETTINGS = [
  "slackWebhookUrl",
  "teamsWebhookUrl",
  "pipelinesClientSecret",
] as const satisfies readonly (keyof Settings)[];

export type SettingKind = "string" | "integer" | "boolean" | "array";

/** How Pulumi stores each setting (Pulumi.yaml `type`), read off the schema. */
export function settingKinds(): Record<keyof Settings, SettingKind> {
  const kinds = {} as Record<keyof Settings, SettingKind>;
  for (const [key, field] of Object.entries(settingsSchema.shape)) {
    const inner = field instanceof z.ZodOptional ? field.unwrap() : field;
    kinds[key as keyof Settings] =
      inner instanceof z.ZodArray
        ? "array"
        : inner instanceof z.ZodNumber
          ? "integer"
          : inner instanceof z.ZodBoolean
            ? "boolean"
            : "string";
  }
  return kinds;
}

/** A chat channel alerts go to: Slack or Teams, by incoming-webhook URL (a secret). */
export interface ChatChannel {
  readonly kind: "slack" | "teams";
  readonly url: pulumi.Output<string>;
}

/** The configured chat channels, Slack first: every component that posts to chat iterates these. */
export function chatChannels(
  alerts: Pick<PlatformConfig["alerts"], "slackWebhookUrl" | "teamsWebhookUrl">,
): ChatChannel[] {
  const channels: ChatChannel[] = [];
  if (alerts.slackWebhookUrl) channels.push({ kind: "slack", url: alerts.slackWebhookUrl });
  if (alerts.teamsWebhookUrl) channels.push({ kind: "teams", url: alerts.teamsWebhookUrl });
  return channels;
}

/** The resource group and name of a Network Watcher from its (validated) resource id; undefined when unset. */
export function networkWatcherOf(
  id: string | undefined,
): { readonly resourceGroupName: string; readonly name: string } | undefined {
  return id ? { resourceGroupName: id.split("/")[4], name: id.split("/")[8] } : undefined;
}

/** Review stacks are the ones Pulumi Deployments creates per pull request (`pr-…`). */
export const isReviewStack = (stack: string): boolean => /^pr-/.test(stack);

/**
 * The environment part of every name (resource group, workspace, catalog). A review stack copies its
 * template's config, so it takes its own, `pr` and the pull request number, or it would build over the
 * template's resources; its `environment` tag stays the template's.
 */
export function reviewEnvironment(stack: string): string {
  const number = /-(\d{1,6})$/.exec(stack)?.[1];
  if (number === undefined) {
    throw new InvalidInputError([
      `stack ${stack}: a review stack's name must end in its pull request number (pr-<org>-<repo>-<number>)`,
    ]);
  }
  return `pr${number}`;
}

/**
 * What a review stack changes in its template's settings: the cheapest sizes that still run every component,
 * short retention, nothing protected (its TTL destroys it).
 */
export function reviewStackSettings(s: Settings): Partial<Settings> {
  return {
    protectStatefulResources: false,
    storageSku: "Standard_LRS",
    blobSoftDeleteDays: 1,
    logRetentionDays: 30,
    maxWorkers: Math.min(s.maxWorkers, 2),
    sqlWarehouseSize: "2X-Small",
    sqlWarehouseMaxClusters: 1,
    eventHubsCapacity: 1,
    spotWorkers: true,
    // One per region and DNS zone: a long-lived stack owns it; a review stack's TTL destroy would delete it.
    browserAuthenticationEndpoint: false,
  };
}

export interface MandatoryTags {
  readonly owner: string;
  readonly costCenter: string;
  readonly environment: string;
  readonly dataClassification: string;
  readonly [key: string]: string;
}

/** The validated, typed configuration every component is built from. */
export interface PlatformConfig {
  readonly project: string;
  readonly stack: string;
  /** A pull request's review stack: no copy of production data, cheapest settings, destroyed by its TTL. */
  readonly review: boolean;
  /** The account stack (`<organization>/lakehouse-account/<accountStack>`) whose outputs this stack reads. */
  readonly accountStack: string;
  readonly environment: string;
  readonly location: AzureRegion;
  readonly prefix: string;
  /** Put on every taggable Azure resource (see `mandatoryTagsTransformation`). */
  readonly tags: MandatoryTags;
  readonly network: {
    readonly addressSpace: string;
    /** Cluster egress through the landing zone's firewall (a route to it) instead of a NAT gateway. */
    readonly egressFirewallIp?: string;
    /**
     * A landing zone's central private DNS zones by zone key: the stack creates no zones and points its
     * endpoints' records at these. Undefined: the stack's own zones, linked to its VNet only.
     */
    readonly privateDnsZoneIds?: Readonly<Partial<Record<PrivateDnsZoneKey, string>>>;
    /** DNS servers of the VNet (the landing zone's resolver); undefined: Azure-provided DNS. */
    readonly dnsServers?: readonly string[];
    /** A landing zone's Azure Monitor Private Link Scope the stack joins instead of creating its own. */
    readonly monitorPrivateLinkScopeId?: string;
  };
  readonly groups: {
    /** Object id of the platform admins group (the SQL replica's Entra admin). */
    readonly platformAdminsObjectId: string;
    readonly platformAdmins: string;
    readonly dataEngineers: string;
    readonly analysts: string;
    readonly piiReaders: string;
  };
  readonly budget: {
    readonly monthlyAmount: number;
    readonly thresholdsPercent: readonly number[];
    /** First month the budget counts (YYYY-MM-01). */
    readonly startDate: string;
    readonly scope: "resourceGroup" | "subscription";
  };
  readonly monitoring: {
    /** Managed Grafana reachable from the internet (Entra sign-in) instead of only through its private endpoint. */
    readonly grafanaPublicAccess: boolean;
    readonly storageCapacityAlertTiB: number;
  };
  readonly alerts: {
    readonly emails: readonly string[];
    readonly slackWebhookUrl?: pulumi.Output<string>;
    readonly teamsWebhookUrl?: pulumi.Output<string>;
  };
  readonly replica: {
    /** The production OLTP database the replica follows; nothing in the platform reads it directly. */
    readonly primaryDatabaseId: string;
    readonly sku: string;
    /** Zone-redundant replica (where the SKU's tier offers it). */
    readonly zoneRedundant: boolean;
  };
  /** The subscription's Microsoft Defender plans for Storage and Key Vault are managed by this stack. */
  readonly defenderPlans: boolean;
  /** Defender for Storage on every account the stack owns: GB scanned for malware per account and month (-1: no cap). */
  readonly malwareScanningCapGBPerMonth: number;
  /** The region's Network Watcher the flow log lives in; unset: the one Azure enables itself (NetworkWatcherRG). */
  readonly networkWatcher?: { readonly resourceGroupName: string; readonly name: string };
  /**
   * Entra application pipelines and jobs run as: the only writer of the lakehouse, and the identity that
   * reads the replica (db_datareader there).
   */
  readonly pipelines: { readonly clientId: string; readonly clientSecret: pulumi.Output<string> };
  /** Sets `protect` on stateful resources (storage, Key Vault, workspace, catalogs, SQL). */
  readonly protectStatefulResources: boolean;
  readonly logRetentionDays: number;
  /** Absolute directories holding `<source>.yaml` files. */
  readonly sourcesDirs: readonly string[];
  readonly storage: {
    readonly sku: string;
    readonly softDeleteDays: number;
  };
  readonly databricks: {
    /** Object id of the tenant's AzureDatabricks enterprise application (managed services CMK). */
    readonly azureDatabricksObjectId: string;
    /** Encrypt the workspace's DBFS root with a customer-managed key (from the update after the workspace's first). */
    readonly dbfsRootCmk: boolean;
    readonly complianceSecurityProfile: boolean;
    readonly tokenMaxLifetimeDays: number;
    /** Create the region's browser-authentication (SSO) private endpoint; never in a review stack. */
    readonly browserAuthenticationEndpoint: boolean;
  };
  readonly eventHubs: { readonly capacity: number };
  /** Pulumi Deployments of this stack, triggered from GitHub. */
  readonly deployments: {
    readonly enabled: boolean;
    readonly organization: string;
    readonly repository: string;
    readonly branch: string;
    /** Update this stack on every push to the branch (dev); prod is released by the release workflow. */
    readonly deployOnPush: boolean;
    /** Create a review stack from this stack for every pull request. */
    readonly reviewStacks: boolean;
    readonly reviewStackTtlHours: number;
    /** Drift detection schedule (cron, UTC); empty for none. */
    readonly driftScheduleCron: string;
    /** Entra application Deployments signs in to Azure as (OIDC, no secret). */
    readonly azureClientId: string;
  };
  readonly compute: {
    readonly nodeTypes: readonly string[];
    readonly maxWorkers: number;
    readonly maxAutoterminationMinutes: number;
    readonly maxDbuPerHour: number;
    /** Workers on spot VMs with fallback to on-demand (the driver stays on-demand). */
    readonly spotWorkers: boolean;
    readonly sqlWarehouseSize: string;
    readonly sqlWarehouseMaxClusters: number;
  };
}

function decode(raw: string, kind: SettingKind): unknown {
  switch (kind) {
    case "integer":
      // Any number, so a fraction is reported as "must be an integer", not as a string.
      return /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
    case "boolean":
      return raw === "true" ? true : raw === "false" ? false : raw;
    case "array":
      try {
        return JSON.parse(raw);
      } catch {
        return raw;
      }
    default:
      return raw;
  }
}

/** Pairs of indexes of directories that are the same or nested (symbolic links resolved where they exist). */
function overlappingDirs(dirs: readonly string[]): [number, number][] {
  const real = dirs.map((dir) => {
    try {
      return fs.realpathSync(dir);
    } catch {
      return dir;
    }
  });
  const inside = (a: string, b: string) => {
    const relative = path.relative(b, a);
    return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
  };
  const pairs: [number, number][] = [];
  real.forEach((b, j) =>
    real.slice(0, j).forEach((a, i) => {
      if (inside(a, b) || inside(b, a)) pairs.push([i, j]);
    }),
  );
  return pairs;
}

/** Namespaces stack config may use: this project's, and those of the providers and the engine it uses. */
export const CONFIG_NAMESPACES = [PROJECT, "azure-native", "databricks", "pulumiservice", "random", "pulumi"];

/** An Azure region as Azure compares them: `West Europe` is `westeurope`. */
const regionKey = (region: string) => region.toLowerCase().replace(/\s+/g, "");

/**
 * Problems with the stack's config keys that the settings schema cannot see: a key in an unknown namespace
 * (a typo of `lakehouse:` would otherwise be ignored), a secret value for a setting that is not a secret, and
 * an `azure-native:location` that contradicts `lakehouse:location`, the one the README documents.
 */
export function configKeyProblems(
  config: Readonly<Record<string, string>>,
  isSecret: (key: string) => boolean,
): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(config).sort()) {
    const colon = key.indexOf(":");
    const namespace = colon < 0 ? "" : key.slice(0, colon);
    const name = key.slice(colon + 1);
    if (!CONFIG_NAMESPACES.includes(namespace)) {
      problems.push(
        `${key}: unknown config namespace ${describe(namespace)}: this program reads ${PROJECT}:<key>, its providers ${CONFIG_NAMESPACES.slice(1).join(":, ")}:`,
      );
    } else if (
      namespace === PROJECT &&
      isSecret(key) &&
      name in settingsSchema.shape &&
      !(SECRET_SETTINGS as readonly string[]).includes(name)
    ) {
      problems.push(
        `${key}: is set as a secret, but ${name} is not a secret setting; set it in plain text: pulumi config set ${name} <value>`,
      );
    }
  }
  const providerLocation = config["azure-native:location"];
  const location = config[`${PROJECT}:location`];
  if (
    providerLocation !== undefined &&
    location !== undefined &&
    regionKey(providerLocation) !== regionKey(location)
  ) {
    problems.push(
      `azure-native:location: ${describe(providerLocation)} differs from ${PROJECT}:location ${describe(location)}; every resource is built in ${PROJECT}:location: remove azure-native:location or set it to the same region`,
    );
  }
  return problems;
}

const PRIVATE_DNS_ZONE_NAMES: readonly string[] = Object.values(PRIVATE_DNS_ZONES);

/**
 * The landing zone's central zones by key, or undefined (the stack's own zones). All or none: every zone the
 * stack registers endpoints in must be given (Azure Monitor's are the landing zone's scope's, which is
 * required with them), because Azure links a VNet to only one zone of a name, so the stack's own zone of a name the
 * landing zone also has could never be resolved where the central zones are.
 */
export function centralZoneIds(
  s: Pick<Settings, "privateDnsZoneIds" | "monitorPrivateLinkScopeId" | "dnsServers">,
  project: string,
): Partial<Record<PrivateDnsZoneKey, string>> | undefined {
  if (s.privateDnsZoneIds === undefined) {
    const problems: string[] = [];
    if (s.monitorPrivateLinkScopeId !== undefined) {
      problems.push(
        `${project}:monitorPrivateLinkScopeId: needs ${project}:privateDnsZoneIds: the landing zone's scope answers in its central zones, which the stack's endpoints and VNet must use too`,
      );
    }
    if (s.dnsServers !== undefined) {
      problems.push(
        `${project}:dnsServers: needs ${project}:privateDnsZoneIds: the stack's own zones are linked to its VNet and answer only through Azure-provided DNS`,
      );
    }
    if (problems.length > 0) throw new InvalidInputError(problems);
    return undefined;
  }
  // A scope of the stack's own would write Azure Monitor's global records (api.monitor.azure.com, the
  // agents' and solution packs' names) into zones every spoke resolves, over the hub's and each other's
  // (Learn, "Design your Private Link setup": a single AMPLS for all networks that share the same DNS).
  if (s.monitorPrivateLinkScopeId === undefined) {
    throw new InvalidInputError([
      `${project}:monitorPrivateLinkScopeId: required with ${project}:privateDnsZoneIds (in the stack's Pulumi.<stack>.yaml): the resource id of the landing zone's Azure Monitor Private Link Scope (/subscriptions/<id>/resourceGroups/<rg>/providers/microsoft.insights/privateLinkScopes/<name>); a scope of the stack's own would overwrite Azure Monitor's records in the shared zones (one scope per DNS)`,
    ]);
  }
  const byName = new Map(s.privateDnsZoneIds.map((id) => [id.split("/").pop()!.toLowerCase(), id]));
  const keys = (Object.keys(PRIVATE_DNS_ZONES) as PrivateDnsZoneKey[]).filter(
    (key) => !AZURE_MONITOR_ONLY_ZONES.includes(key),
  );
  const missing = keys.filter((key) => !byName.has(PRIVATE_DNS_ZONES[key]));
  if (missing.length > 0) {
    throw new InvalidInputError([
      `${project}:privateDnsZoneIds: missing ${missing.map((key) => PRIVATE_DNS_ZONES[key]).join(", ")}; give the landing zone's zone for every zone the stack uses (${keys.map((key) => PRIVATE_DNS_ZONES[key]).join(", ")}), or leave privateDnsZoneIds out for zones of the stack's own`,
    ]);
  }
  return Object.fromEntries(keys.map((key) => [key, byName.get(PRIVATE_DNS_ZONES[key])!]));
}

/**
 * Validates raw settings (as read from the stack, already decoded to JSON types) into a `PlatformConfig`, or
 * throws an `InvalidInputError` with one line per problem that names the key and what is allowed.
 */
export function parsePlatformConfig(
  raw: Record<string, unknown>,
  context: { project: string; stack: string; baseDir: string },
): PlatformConfig {
  const parsed = parseOrThrow(settingsSchema, raw, (key) => `${context.project}:${key || "(config)"}`);
  const s = isReviewStack(context.stack) ? { ...parsed, ...reviewStackSettings(parsed) } : parsed;
  const sourcesDirs = s.sourcesDirs.map((dir) => path.resolve(context.baseDir, dir));
  const overlaps = overlappingDirs(sourcesDirs).map(
    ([i, j]) =>
      `${context.project}:sourcesDirs[${j}]: ${describe(s.sourcesDirs[j])} overlaps sourcesDirs[${i}] ${describe(s.sourcesDirs[i])} (the same directory, or one inside the other); list each directory once`,
  );
  if (overlaps.length > 0) {
    throw new InvalidInputError(overlaps);
  }
  // Each role is its own group: PII readers that are also the analysts would open PII to every analyst.
  const roles = ["platformAdminsGroup", "dataEngineersGroup", "analystsGroup", "piiReadersGroup"] as const;
  const sameGroup = roles.flatMap((role, j) =>
    roles
      .slice(0, j)
      .filter((other) => s[other].trim().toLowerCase() === s[role].trim().toLowerCase())
      .map(
        (other) =>
          `${context.project}:${role}: ${describe(s[role])} is also ${context.project}:${other}; each role needs a group of its own`,
      ),
  );
  if (sameGroup.length > 0) {
    throw new InvalidInputError(sameGroup);
  }
  if (s.slackWebhookUrl === undefined && s.teamsWebhookUrl === undefined) {
    throw new InvalidInputError([
      `${context.project}:slackWebhookUrl: set slackWebhookUrl or teamsWebhookUrl (pulumi config set --secret), so failures reach a channel`,
    ]);
  }
  const secret = (value: string | undefined) => (value === undefined ? undefined : pulumi.secret(value));
  return {
    project: context.project,
    stack: context.stack,
    review: isReviewStack(context.stack),
    accountStack: s.accountStack,
    environment: isReviewStack(context.stack) ? reviewEnvironment(context.stack) : s.environment,
    location: s.location,
    prefix: s.prefix,
    tags: {
      owner: s.owner,
      costCenter: s.costCenter,
      environment: s.environment,
      dataClassification: s.dataClassification,
    },
    network: {
      addressSpace: s.addressSpace,
      egressFirewallIp: s.egressFirewallIp,
      privateDnsZoneIds: centralZoneIds(s, context.project),
      dnsServers: s.dnsServers,
      monitorPrivateLinkScopeId: s.monitorPrivateLinkScopeId,
    },
    groups: {
      platformAdminsObjectId: s.platformAdminsObjectId,
      platformAdmins: s.platformAdminsGroup,
      dataEngineers: s.dataEngineersGroup,
      analysts: s.analystsGroup,
      piiReaders: s.piiReadersGroup,
    },
    budget: {
      monthlyAmount: s.monthlyBudget,
      thresholdsPercent: [...s.budgetThresholds].sort((a, b) => a - b),
      startDate: s.budgetStartDate,
      scope: s.budgetScope,
    },
    monitoring: {
      grafanaPublicAccess: s.grafanaPublicAccess,
      storageCapacityAlertTiB: s.storageCapacityAlertTiB,
    },
    alerts: {
      emails: s.alertEmails,
      slackWebhookUrl: secret(s.slackWebhookUrl),
      teamsWebhookUrl: secret(s.teamsWebhookUrl),
    },
    replica: {
      primaryDatabaseId: s.primaryDatabaseId,
      sku: s.replicaSku,
      zoneRedundant: s.replicaZoneRedundant,
    },
    defenderPlans: s.defenderPlans,
    malwareScanningCapGBPerMonth: s.malwareScanningCapGBPerMonth,
    networkWatcher: networkWatcherOf(s.networkWatcherId),
    pipelines: { clientId: s.pipelinesClientId, clientSecret: pulumi.secret(s.pipelinesClientSecret) },
    protectStatefulResources: s.protectStatefulResources,
    logRetentionDays: s.logRetentionDays,
    sourcesDirs,
    storage: { sku: s.storageSku, softDeleteDays: s.blobSoftDeleteDays },
    databricks: {
      azureDatabricksObjectId: s.azureDatabricksObjectId,
      dbfsRootCmk: s.dbfsRootCmk,
      complianceSecurityProfile: s.complianceSecurityProfile,
      tokenMaxLifetimeDays: s.tokenMaxLifetimeDays,
      browserAuthenticationEndpoint: s.browserAuthenticationEndpoint,
    },
    eventHubs: { capacity: s.eventHubsCapacity },
    deployments: {
      enabled: s.deploymentsEnabled,
      organization: s.pulumiOrganization,
      repository: s.githubRepository,
      branch: s.deploymentBranch,
      deployOnPush: s.deployOnPush,
      reviewStacks: s.reviewStacks,
      reviewStackTtlHours: s.reviewStackTtlHours,
      driftScheduleCron: s.driftScheduleCron,
      azureClientId: s.deploymentsAzureClientId,
    },
    compute: {
      nodeTypes: s.nodeTypes,
      maxWorkers: s.maxWorkers,
      maxAutoterminationMinutes: s.maxAutoterminationMinutes,
      maxDbuPerHour: s.maxDbuPerHour,
      spotWorkers: s.spotWorkers,
      sqlWarehouseSize: s.sqlWarehouseSize,
      sqlWarehouseMaxClusters: s.sqlWarehouseMaxClusters,
    },
  };
}

/** Reads this stack's `lakehouse:*` config (defaults come from Pulumi.yaml) into a validated `PlatformConfig`. */
export function loadPlatformConfig(): PlatformConfig {
  const project = pulumi.getProject();
  const config = new pulumi.Config(PROJECT);
  const kinds = settingKinds();
  const raw: Record<string, unknown> = {};
  // Unknown keys are kept so the schema reports them: a typo must not silently fall back to a default.
  const namespace = `${PROJECT}:`;
  const all = pulumi.runtime.allConfig();
  // Not in the SDK's typings, but exported by it: whether the engine handed a key over as a secret.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const runtimeConfig = require("@pulumi/pulumi/runtime/config") as { isConfigSecret(key: string): boolean };
  const problems = configKeyProblems(all, (key) => runtimeConfig.isConfigSecret(key));
  if (problems.length > 0) {
    throw new InvalidInputError(problems);
  }
  for (const fullKey of Object.keys(all)) {
    if (fullKey.startsWith(namespace)) {
      const key = fullKey.slice(namespace.length);
      const value = config.get(key);
      if (value !== undefined) {
        raw[key] = decode(value, kinds[key as keyof Settings] ?? "string");
      }
    }
  }
  return parsePlatformConfig(raw, { project, stack: pulumi.getStack(), baseDir: process.cwd() });
}
