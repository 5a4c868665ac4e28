import { EnforcementLevel, Policies } from "@pulumi/policy";
import { computePolicies, computeSize } from "./compute";
import { costPolicies } from "./cost";
import { defenderPolicies } from "./defender";
import { accountDeployabilityPolicies } from "./deployability-account";
import { azureDeployabilityPolicies } from "./deployability-azure";
import { databricksDeployabilityPolicies } from "./deployability-databricks";
import { deployersDeployabilityPolicies } from "./deployability-deployers";
import { networkDeployabilityPolicies } from "./deployability-network";
import { grafanaDeployabilityPolicies } from "./deployability-grafana";
import { keyVaultPolicies } from "./keyvault";
import { monitoringPolicies } from "./monitoring";
import { networkPolicies } from "./network";
import { reliabilityPolicies } from "./reliability";
import { sqlPolicies } from "./sql";
import { storagePolicies } from "./storage";
import { mandatoryTags } from "./tagging";
import { unityCatalogPolicies } from "./unity-catalog";
import { eventHubsPolicies, workspacePolicies } from "./workspace";

/** Name of the policy pack, as published to the Pulumi organisation. */
export const PACK_NAME = "lakehouse-policies";

/** Level of every policy that does not set its own (per-stack files under config/ may change it). */
export const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "mandatory";

/** The pack by domain, in the order of the rules in shared/POLICY-RULES.md (1 to 50), then the domains added since. */
export const POLICY_DOMAINS: Record<string, Policies> = {
  storage: storagePolicies,
  sql: sqlPolicies,
  keyvault: keyVaultPolicies,
  "databricks workspace": workspacePolicies,
  "databricks compute": computePolicies,
  "event hubs": eventHubsPolicies,
  monitoring: monitoringPolicies,
  "tagging and cost": [mandatoryTags, ...costPolicies, computeSize],
  "unity catalog and PII": unityCatalogPolicies,
  reliability: reliabilityPolicies,
  network: networkPolicies,
  "subscription posture": defenderPolicies,
  deployability: [
    ...azureDeployabilityPolicies,
    ...databricksDeployabilityPolicies,
    ...networkDeployabilityPolicies,
    ...accountDeployabilityPolicies,
    ...grafanaDeployabilityPolicies,
    ...deployersDeployabilityPolicies,
  ],
};

/** Every policy of the pack; the engine (via index.ts), the offline plan and the tests all use this list. */
export const policies: Policies = Object.values(POLICY_DOMAINS).flat();
