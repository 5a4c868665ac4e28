import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { isTaggableAzureType } from "../../policies/lib/taggable";

/** Short codes of the Azure regions the platform may be deployed to (CAF abbreviations). */
export const REGION_CODES = {
  australiaeast: "ae",
  brazilsouth: "brs",
  canadacentral: "cac",
  centralindia: "inc",
  centralus: "cus",
  eastasia: "ea",
  eastus: "eus",
  eastus2: "eus2",
  francecentral: "frc",
  germanywestcentral: "gwc",
  japaneast: "jpe",
  koreacentral: "krc",
  northcentralus: "ncus",
  northeurope: "neu",
  norwayeast: "nwe",
  southafricanorth: "san",
  southcentralus: "scus",
  southeastasia: "sea",
  swedencentral: "sdc",
  switzerlandnorth: "szn",
  uaenorth: "uaen",
  uksouth: "uks",
  ukwest: "ukw",
  westeurope: "weu",
  westus2: "wus2",
  westus3: "wus3",
} as const;

export type AzureRegion = keyof typeof REGION_CODES;

interface NameRule {
  /** Cloud Adoption Framework abbreviation that starts the name. */
  readonly abbreviation: string;
  readonly maxLength: number;
  /** False where Azure allows only lowercase letters and digits (storage accounts). */
  readonly hyphens: boolean;
  /** Globally unique DNS names get a stable per-stack suffix so two organisations never collide. */
  readonly globallyUnique: boolean;
}

/** Azure naming rules per kind of resource (length and character limits from the Azure docs). */
export const NAME_RULES = {
  resourceGroup: { abbreviation: "rg", maxLength: 90, hyphens: true, globallyUnique: false },
  logAnalyticsWorkspace: { abbreviation: "log", maxLength: 63, hyphens: true, globallyUnique: false },
  applicationInsights: { abbreviation: "appi", maxLength: 260, hyphens: true, globallyUnique: false },
  keyVault: { abbreviation: "kv", maxLength: 24, hyphens: true, globallyUnique: true },
  storageAccount: { abbreviation: "st", maxLength: 24, hyphens: false, globallyUnique: true },
  managedIdentity: { abbreviation: "id", maxLength: 128, hyphens: true, globallyUnique: false },
  virtualNetwork: { abbreviation: "vnet", maxLength: 64, hyphens: true, globallyUnique: false },
  subnet: { abbreviation: "snet", maxLength: 80, hyphens: true, globallyUnique: false },
  networkSecurityGroup: { abbreviation: "nsg", maxLength: 80, hyphens: true, globallyUnique: false },
  privateEndpoint: { abbreviation: "pep", maxLength: 64, hyphens: true, globallyUnique: false },
  natGateway: { abbreviation: "ng", maxLength: 80, hyphens: true, globallyUnique: false },
  publicIp: { abbreviation: "pip", maxLength: 80, hyphens: true, globallyUnique: false },
  routeTable: { abbreviation: "rt", maxLength: 80, hyphens: true, globallyUnique: false },
  databricksWorkspace: { abbreviation: "dbw", maxLength: 64, hyphens: true, globallyUnique: false },
  accessConnector: { abbreviation: "dac", maxLength: 64, hyphens: true, globallyUnique: false },
  sqlServer: { abbreviation: "sql", maxLength: 63, hyphens: true, globallyUnique: true },
  eventHubNamespace: { abbreviation: "evhns", maxLength: 50, hyphens: true, globallyUnique: true },
  actionGroup: { abbreviation: "ag", maxLength: 260, hyphens: true, globallyUnique: false },
  grafana: { abbreviation: "amg", maxLength: 23, hyphens: true, globallyUnique: true },
  monitorPrivateLinkScope: { abbreviation: "ampls", maxLength: 64, hyphens: true, globallyUnique: false },
  budget: { abbreviation: "budget", maxLength: 63, hyphens: true, globallyUnique: false },
  virtualMachineScaleSet: { abbreviation: "vmss", maxLength: 64, hyphens: true, globallyUnique: false },
} as const satisfies Record<string, NameRule>;

export type ResourceKind = keyof typeof NAME_RULES;

/**
 * Kinds whose deleted resources keep their name: a Key Vault for its soft-delete retention under purge
 * protection (up to 90 days), a Log Analytics workspace for 14 days (re-creating it recovers the old one),
 * a SQL logical server while its soft-delete retention lasts. Their names change with every incarnation of
 * the stack (`Naming.incarnationName`), so a destroyed stack can be re-created at once.
 */
export const SOFT_DELETED_KINDS = [
  "keyVault",
  "logAnalyticsWorkspace",
  "sqlServer",
] as const satisfies readonly ResourceKind[];
export type SoftDeletedKind = (typeof SOFT_DELETED_KINDS)[number];

/** Length of the per-incarnation suffix (lowercase letters and digits, kept in the stack's state). */
export const INCARNATION_LENGTH = 4;

/** Where a component's Azure resources go, and how they are named. */
export interface AzurePlacement {
  /** Names every resource (see `Naming`). */
  readonly naming: Naming;
  readonly location: AzureRegion;
  readonly resourceGroupName: pulumi.Input<string>;
}

/** An `AzurePlacement` in a subscription the component builds resource IDs or role assignments in. */
export interface SubscriptionPlacement extends AzurePlacement {
  readonly subscriptionId: pulumi.Input<string>;
}

export interface NamingArgs {
  /** Short workload prefix, for example `lh`. */
  readonly prefix: string;
  /** Environment name, for example `dev` or `prod`. */
  readonly environment: string;
  readonly location: AzureRegion;
  /** Seed of the suffix that makes global names unique; defaults to organization/project/stack. */
  readonly uniquenessSeed?: string;
  /** Random suffix of this incarnation of the stack (a `random.RandomString` in its state). */
  readonly incarnation?: pulumi.Input<string>;
}

const ROLE = /^[a-z][a-z0-9]{0,11}$/;

function shortHash(text: string, length: number): string {
  return createHash("sha256").update(text).digest("hex").slice(0, length);
}

/**
 * Gives every Azure resource a valid, length-safe name that follows the Cloud Adoption Framework pattern
 * `<abbreviation>-<prefix>[-<role>]-<environment>-<region>`. Names that must be globally unique, and names
 * that had to be shortened, end in a stable hash so they stay unique.
 */
export class Naming {
  private readonly uniqueSuffix: string;

  constructor(private readonly args: NamingArgs) {
    const seed =
      args.uniquenessSeed ?? `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
    this.uniqueSuffix = shortHash(seed, 4);
  }

  /** The name of a resource of `kind`; `role` tells apart several resources of one kind (`lake`, `pii`). */
  public name(kind: ResourceKind, role?: string): string {
    return this.build(kind, role, 0);
  }

  /** The name of a resource whose deleted name Azure keeps: ends in this incarnation's suffix. */
  public incarnationName(kind: SoftDeletedKind, role?: string): pulumi.Output<string> {
    if (this.args.incarnation === undefined) {
      throw new Error(`naming: ${kind} needs the stack's incarnation suffix`);
    }
    const separator = NAME_RULES[kind].hyphens ? "-" : "";
    const head = this.build(kind, role, separator.length + INCARNATION_LENGTH);
    return pulumi.interpolate`${head}${separator}${this.args.incarnation}`;
  }

  private build(kind: ResourceKind, role: string | undefined, reserved: number): string {
    if (role !== undefined && !ROLE.test(role)) {
      throw new Error(`naming: role "${role}" must match ${ROLE}`);
    }
    const rule: NameRule = NAME_RULES[kind];
    const maxLength = rule.maxLength - reserved;
    const region = REGION_CODES[this.args.location];
    const parts = [rule.abbreviation, this.args.prefix, role, this.args.environment, region].filter(
      (part): part is string => part !== undefined,
    );
    const separator = rule.hyphens ? "-" : "";
    const full = parts.join(separator);
    const suffixes = rule.globallyUnique ? [this.uniqueSuffix] : [];
    if ([full, ...suffixes].join(separator).length > maxLength) {
      // Shortened names keep a hash of the full name so two long names cannot collapse into one.
      suffixes.push(shortHash(full, 4));
    }
    const tail = suffixes.map((suffix) => separator + suffix).join("");
    const head = full.slice(0, maxLength - tail.length).replace(/-+$/, "");
    return head + tail;
  }
}

/**
 * A transformation that puts the mandatory tags on every taggable Azure resource below the component it is
 * given to, so no component writes tags by hand. Tags a resource sets itself win over the mandatory ones
 * (an ingestion source may name its own owner); the tagging policy still checks the result.
 */
export function mandatoryTagsTransformation(
  tags: Readonly<Record<string, string>>,
): pulumi.ResourceTransformation {
  return ({ type, props, opts }) => {
    if (!isTaggableAzureType(type)) {
      return undefined;
    }
    const ownTags = props["tags"] as pulumi.Input<Record<string, pulumi.Input<string>>> | undefined;
    const merged =
      ownTags === undefined ? { ...tags } : pulumi.output(ownTags).apply((own) => ({ ...tags, ...own }));
    return { props: { ...props, tags: merged }, opts };
  };
}
