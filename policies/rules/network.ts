import { Policies, PolicyResource } from "@pulumi/policy";
import { anchor, stackRule, typesRule } from "../lib/rule";
import { idSet, knownString, read } from "../lib/unknown";

const NSG = "azure-native:network:NetworkSecurityGroup";
const SECURITY_RULE = "azure-native:network:SecurityRule";
const VNET = "azure-native:network:VirtualNetwork";
const FLOW_LOG = "azure-native:network:FlowLog";

/**
 * Source prefixes that mean "anyone on the internet": `*`, `Any`, the `Internet` tag, 0.0.0.0, any /0 range, any
 * /1 range (half the address space: two of them cover everything, and one is no narrower in practice) and the
 * `AzureCloud` tags (every Azure tenant's addresses, which anyone can rent).
 */
export function isInternetSource(prefix: string): boolean {
  const text = prefix.trim().toLowerCase();
  return (
    ["*", "any", "internet", "0.0.0.0"].includes(text) ||
    /\/[01]$/.test(text) ||
    /^azurecloud(\.[a-z0-9]+)?$/.test(text)
  );
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
      "No NSG rule (inline or standalone) allows SSH (22) or RDP (3389) in from the internet (*, Any, Internet, 0.0.0.0, any /0 or /1 range such as ::/0, AzureCloud), by single port, range, list or *, over any protocol (stricter than checkov, which skips UDP and ICMP). Unset ports or sources open nothing; a rule field unknown at preview makes the engine check the NSG at update.",
    severity: "critical",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_10",
      "Ensure that SSH access is restricted from the internet; CKV_AZURE_9 RDP; trivy AZU-0050, AZU-0048",
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
      "No NSG rule allows inbound traffic from the internet (as network-no-internet-management-ports defines it) on any port and protocol, except the ports policy config allows (none by default). Unset ports or sources open nothing; a rule field unknown at preview makes the engine check the NSG at update.",
    severity: "high",
    anchor: anchor(
      "trivy",
      "AZU-0047",
      "A security group rule should not allow unrestricted ingress from any IP address.; checkov CKV_AZURE_160 (HTTP, port 80, only), CKV_AZURE_77 (UDP)",
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
  retentionPolicy?: { enabled?: boolean; days?: number };
  flowAnalyticsConfiguration?: {
    networkWatcherFlowAnalyticsConfiguration?: {
      enabled?: boolean;
      workspaceResourceId?: string;
      trafficAnalyticsInterval?: number;
    };
  };
}

/** `/virtualNetworks/<name>` or `/networkSecurityGroups/<name>` at the end of a target id (a subnet or NIC is neither). */
const TARGET_ID =
  /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/(virtualNetworks|networkSecurityGroups)\/([^/]+)$/i;

/** What a flow log targets: VNets of the stack (by dependency or by a literal id naming them), an NSG, or else. */
function targetOf(log: PolicyResource, vnets: PolicyResource[]): { nsg: boolean; vnets: PolicyResource[] } {
  const deps = log.propertyDependencies.targetResourceId ?? [];
  if (deps.length > 0) {
    return { nsg: deps.some((r) => r.type === NSG), vnets: deps.filter((r) => r.type === VNET) };
  }
  // A literal id (imported, or from a StackReference): match the VNet by resource group and name.
  const match = TARGET_ID.exec(knownString(log, "targetResourceId") ?? "");
  if (!match) return { nsg: false, vnets: [] };
  const [, group, kind, name] = match.map((m) => m.toLowerCase());
  if (kind === "networksecuritygroups") return { nsg: true, vnets: [] };
  const same = (r: PolicyResource, key: string, value: string) =>
    knownString(r, key)?.toLowerCase() === value;
  return {
    nsg: false,
    vnets: vnets.filter((v) => same(v, "virtualNetworkName", name) && same(v, "resourceGroupName", group)),
  };
}

/** The problems of one flow log's settings; values unknown at preview are checked at update. */
function flowLogProblems(log: PolicyResource, minDays: number): string[] {
  const p = log.props as FlowLogProps;
  const enabled = read(() => p.enabled);
  const retention = read(() => ({ enabled: p.retentionPolicy?.enabled, days: p.retentionPolicy?.days }));
  const analytics = read(() => {
    const a = p.flowAnalyticsConfiguration?.networkWatcherFlowAnalyticsConfiguration;
    return { enabled: a?.enabled, interval: a?.trafficAnalyticsInterval };
  });
  const workspace = read(
    () => p.flowAnalyticsConfiguration?.networkWatcherFlowAnalyticsConfiguration?.workspaceResourceId,
  );
  const workspaceSet =
    (log.propertyDependencies.flowAnalyticsConfiguration ?? []).length > 0 ||
    !workspace.known ||
    (typeof workspace.value === "string" && workspace.value.trim() !== "");
  const days = retention.known ? retention.value.days : undefined;
  return [
    ...(!enabled.known || enabled.value === true ? [] : ["VNet flow log is not enabled: set enabled: true."]),
    ...(idSet(log, "storageId") ? [] : ["VNet flow log has no storage account: set storageId."]),
    ...(!retention.known ||
    (retention.value.enabled === true && days !== undefined && (days === 0 || days >= minDays))
      ? []
      : [
          `VNet flow log retention is ${retention.value.enabled === true ? `${String(days ?? "unset")} days` : "not enabled"}: retentionPolicy must be enabled with days >= ${minDays} (or 0, forever).`,
        ]),
    ...(!analytics.known || (analytics.value.enabled === true && workspaceSet)
      ? []
      : [
          "VNet flow log has no Traffic Analytics: enable flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration with a workspaceResourceId.",
        ]),
    ...(!analytics.known ||
    analytics.value.enabled !== true ||
    [10, 60].includes(Number(analytics.value.interval))
      ? []
      : [
          `VNet flow log Traffic Analytics interval is ${String(analytics.value.interval ?? "unset")}: set trafficAnalyticsInterval to 10 or 60 minutes.`,
        ]),
  ];
}

export const vnetFlowLogs = stackRule<{ minRetentionDays?: number }>(
  {
    name: "network-vnet-flow-logs",
    description:
      "Every virtual network has an enabled VNet flow log (linked by dependency or by a literal id) to a storage account, kept at least 90 days (or 0, forever, as checkov accepts; trivy AZU-0049 does not), with Traffic Analytics every 10 or 60 minutes; every flow log in the stack is checked, and none targets an NSG (NSG flow logs retired for new deployments since 30 June 2025). Unset enabled, retention, Traffic Analytics or interval fail; ids unknown at preview count as set, other unknown values are checked at update.",
    severity: "medium",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_12",
      "Ensure that Network Security Group Flow Log retention period is 'greater than 90 days' (here: VNet flow logs); trivy AZU-0049; Azure Policy 4c3c6c5f-0d47-4402-99b8-aa543dd8bcee, 2f080164-9f4d-497e-9db6-416dc9f7b48a",
    ),
    remediationSteps:
      "Create a network.FlowLog in the region's Network Watcher with targetResourceId the VNet, a storageId, retentionPolicy { enabled: true, days: 90 } and flowAnalyticsConfiguration.networkWatcherFlowAnalyticsConfiguration { enabled: true, workspaceResourceId, trafficAnalyticsInterval: 10 } (the FlowLogs component does).",
    configSchema: {
      properties: {
        minRetentionDays: { type: "integer", minimum: 1, default: 90, description: "Shortest retention." },
      },
    },
  },
  (resources, config) => {
    const minDays = config.minRetentionDays ?? 90;
    const vnets = resources.filter((r) => r.type === VNET);
    const logs = resources
      .filter((r) => r.type === FLOW_LOG)
      .map((log) => ({ log, target: targetOf(log, vnets) }));
    const problems: { urn?: string; message: string }[] = [];
    for (const { log, target } of logs) {
      if (target.nsg) {
        problems.push({
          urn: log.urn,
          message:
            "Flow log targets a network security group: NSG flow logs cannot be created since 30 June 2025 (retired 30 September 2027); target the virtual network.",
        });
        continue;
      }
      problems.push(...flowLogProblems(log, minDays).map((message) => ({ urn: log.urn, message })));
    }
    for (const vnet of vnets) {
      if (!logs.some(({ target }) => target.vnets.includes(vnet))) {
        problems.push({ urn: vnet.urn, message: "Virtual network has no flow log: add a VNet flow log." });
      }
    }
    return problems;
  },
);

export const networkPolicies: Policies = [noInternetManagementPorts, noInternetInbound, vnetFlowLogs];
