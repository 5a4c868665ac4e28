import { Policies, PolicyResource } from "@pulumi/policy";
import { anchor, stackRule, typesRule } from "../lib/rule";

const NSG = "azure-native:network:NetworkSecurityGroup";
const SECURITY_RULE = "azure-native:network:SecurityRule";
const VNET = "azure-native:network:VirtualNetwork";
const FLOW_LOG = "azure-native:network:FlowLog";

/** Source prefixes that mean "anyone on the internet": `*`, `Any`, the `Internet` tag, 0.0.0.0 and any /0 range. */
export function isInternetSource(prefix: string): boolean {
  const text = prefix.trim().toLowerCase();
  return ["*", "any", "internet", "0.0.0.0"].includes(text) || /\/0$/.test(text);
}

interface SecurityRuleProps {
  readonly name?: string;
  readonly securityRuleName?: string;
  readonly access?: string;
  readonly direction?: string;
  readonly sourceAddressPrefix?: string;
  readonly sourceAddressPrefixes?: string[];
  readonly destinationPortRange?: string;
  readonly destinationPortRanges?: string[];
}

/** An inbound Allow rule open to the internet: its name, the internet sources and the port specs it opens. */
interface OpenRule {
  readonly name: string;
  readonly sources: string[];
  readonly ports: string[];
}

/** The security rules a resource carries: the inline rules of an NSG, or a standalone rule itself. */
function rulesOf(type: string, props: Record<string, unknown>): SecurityRuleProps[] {
  return type === NSG
    ? ((props.securityRules as SecurityRuleProps[] | undefined) ?? [])
    : [props as SecurityRuleProps];
}

/** Inbound Allow rules whose source includes the internet (direction and access are required by ARM). */
export function internetInboundRules(type: string, props: Record<string, unknown>): OpenRule[] {
  return rulesOf(type, props).flatMap((rule) => {
    if (rule.access?.toLowerCase() !== "allow" || rule.direction?.toLowerCase() !== "inbound") {
      return [];
    }
    const sources = [rule.sourceAddressPrefix, ...(rule.sourceAddressPrefixes ?? [])].filter(
      (s): s is string => typeof s === "string" && isInternetSource(s),
    );
    const ports = [rule.destinationPortRange, ...(rule.destinationPortRanges ?? [])].filter(
      (p): p is string => p !== undefined && p !== null && String(p).trim() !== "",
    );
    return sources.length === 0
      ? []
      : [{ name: rule.name ?? rule.securityRuleName ?? "(unnamed)", sources, ports: ports.map(String) }];
  });
}

/** Whether a port spec (`*`, `22`, `20-25`) includes `port`. */
export function portSpecIncludes(spec: string, port: number): boolean {
  const text = spec.trim();
  if (text === "*") return true;
  const range = /^(\d+)\s*-\s*(\d+)$/.exec(text);
  return range ? Number(range[1]) <= port && port <= Number(range[2]) : Number(text) === port;
}

const isRule = (type: string) => type === NSG || type === SECURITY_RULE;
const MANAGEMENT_PORTS: Record<number, string> = { 22: "SSH", 3389: "RDP" };

export const noInternetManagementPorts = typesRule<{ ports?: number[] }>(
  {
    name: "network-no-internet-management-ports",
    description:
      "No NSG rule (inline or standalone) allows SSH (22) or RDP (3389) in from the internet (*, Any, Internet, 0.0.0.0, any /0 range such as ::/0), by single port, range, list or *. Unset ports or sources open nothing.",
    severity: "critical",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_10",
      "Ensure that SSH access is restricted from the internet; CKV_AZURE_9 RDP; trivy AVD-AZU-0050, AVD-AZU-0048",
    ),
    remediationSteps:
      "Remove the rule or narrow its source to known addresses; reach machines through Azure Bastion or private connectivity.",
    configSchema: {
      properties: {
        ports: {
          type: "array",
          items: { type: "integer" },
          default: [22, 3389],
          description: "Management ports never open to the internet.",
        },
      },
    },
  },
  isRule,
  (props, config, args) => {
    const ports = config.ports ?? [22, 3389];
    return internetInboundRules(args.type, props).flatMap((rule) =>
      ports
        .filter((port) => rule.ports.some((spec) => portSpecIncludes(spec, port)))
        .map(
          (port) =>
            `NSG rule ${rule.name} allows ${MANAGEMENT_PORTS[port] ?? "management"} port ${port} from the internet (${rule.sources.join(", ")}).`,
        ),
    );
  },
);

export const noInternetInbound = typesRule<{ allowedPorts?: number[] }>(
  {
    name: "network-no-internet-inbound",
    description:
      "No NSG rule allows inbound traffic from the internet on any port, except the ports policy config allows (none by default). Unset ports or sources open nothing.",
    severity: "high",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_160",
      "Ensure that HTTP (port 80) access is restricted from the internet (this rule: every port); CKV_AZURE_77 UDP; trivy AVD-AZU-0047",
    ),
    remediationSteps:
      "Remove the rule or narrow its source; if a port must face the internet, list it in allowedPorts of policies/config/<stack>.json.",
    configSchema: {
      properties: {
        allowedPorts: {
          type: "array",
          items: { type: "integer" },
          default: [],
          description: "Ports that may be open to the internet (single ports only).",
        },
      },
    },
  },
  isRule,
  (props, config, args) => {
    const allowed = config.allowedPorts ?? [];
    return internetInboundRules(args.type, props)
      .filter((rule) => rule.ports.some((spec) => !allowed.some((port) => spec.trim() === String(port))))
      .map(
        (rule) =>
          `NSG rule ${rule.name} allows ports ${rule.ports.join(", ")} from the internet (${rule.sources.join(", ")}); allowed: ${allowed.length ? allowed.join(", ") : "none"}.`,
      );
  },
);

interface FlowLogProps {
  enabled?: boolean;
  targetResourceId?: string;
  storageId?: string;
  retentionPolicy?: { enabled?: boolean; days?: number };
  flowAnalyticsConfiguration?: {
    networkWatcherFlowAnalyticsConfiguration?: { enabled?: boolean; workspaceResourceId?: string };
  };
}

const targets = (log: PolicyResource, type: string) =>
  (log.propertyDependencies.targetResourceId ?? []).some((r) => r.type === type);

export const vnetFlowLogs = stackRule<{ minRetentionDays?: number }>(
  {
    name: "network-vnet-flow-logs",
    description:
      "Every virtual network has an enabled VNet flow log to a storage account, kept at least 90 days (or 0, forever), with Traffic Analytics; no new NSG flow logs (retired for new deployments since 30 June 2025). Unset enabled, retention or Traffic Analytics fail.",
    severity: "medium",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_12",
      "Ensure that Network Security Group Flow Log retention period is 'greater than 90 days' (here: VNet flow logs); trivy AVD-AZU-0049; Azure Policy 4c3c6c5f-0d47-4402-99b8-aa543dd8bcee, 2f080164-9f4d-497e-9db6-416dc9f7b48a",
    ),
    remediationSteps:
      "Create a network.FlowLog in the region's Network Watcher with targetResourceId the VNet, a storageId, retentionPolicy { enabled: true, days: 90 } and flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration { enabled: true, workspaceResourceId } (the FlowLogs component does).",
    configSchema: {
      properties: {
        minRetentionDays: { type: "integer", minimum: 1, default: 90, description: "Shortest retention." },
      },
    },
  },
  (resources, config) => {
    const minDays = config.minRetentionDays ?? 90;
    const logs = resources.filter((r) => r.type === FLOW_LOG);
    const problems: { urn?: string; message: string }[] = [];
    for (const log of logs) {
      const p = log.props as FlowLogProps;
      const nsgTarget = targets(log, NSG) || /\/networkSecurityGroups\//i.test(p.targetResourceId ?? "");
      if (nsgTarget) {
        problems.push({
          urn: log.urn,
          message:
            "Flow log targets a network security group: NSG flow logs cannot be created since 30 June 2025 (retired 30 September 2027); target the virtual network.",
        });
      }
    }
    for (const vnet of resources.filter((r) => r.type === VNET)) {
      const own = logs.filter((log) => (log.propertyDependencies.targetResourceId ?? []).includes(vnet));
      if (own.length === 0) {
        problems.push({ urn: vnet.urn, message: "Virtual network has no flow log: add a VNet flow log." });
        continue;
      }
      for (const log of own) {
        const p = log.props as FlowLogProps;
        const days = p.retentionPolicy?.days;
        const analytics = p.flowAnalyticsConfiguration?.networkWatcherFlowAnalyticsConfiguration;
        const messages = [
          ...(p.enabled === true ? [] : ["VNet flow log is not enabled: set enabled: true."]),
          ...(p.storageId ? [] : ["VNet flow log has no storage account: set storageId."]),
          ...(p.retentionPolicy?.enabled === true && days !== undefined && (days === 0 || days >= minDays)
            ? []
            : [
                `VNet flow log retention is ${p.retentionPolicy?.enabled === true ? `${String(days ?? "unset")} days` : "not enabled"}: retentionPolicy must be enabled with days >= ${minDays} (or 0, forever).`,
              ]),
          ...(analytics?.enabled === true && analytics.workspaceResourceId
            ? []
            : [
                "VNet flow log has no Traffic Analytics: enable flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration with a workspaceResourceId.",
              ]),
        ];
        problems.push(...messages.map((message) => ({ urn: log.urn, message })));
      }
    }
    return problems;
  },
);

export const networkPolicies: Policies = [noInternetManagementPorts, noInternetInbound, vnetFlowLogs];
