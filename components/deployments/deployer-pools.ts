import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as compute from "@pulumi/azure-native/compute";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as privatedns from "@pulumi/azure-native/privatedns";
import * as resources from "@pulumi/azure-native/resources";
import * as pulumiservice from "@pulumi/pulumiservice";
import * as random from "@pulumi/random";
import { AzureRegion, INCARNATION_LENGTH, mandatoryTagsTransformation, Naming } from "../core/naming";
import { natGatewayWithStaticIp } from "../network/nat-gateway";
import { linkedPrivateZone, privateEndpointWithRecords } from "../network/private-endpoint";
import { PRIVATE_DNS_ZONES } from "../network/network";
import { AUTO_NETWORK_WATCHER } from "../network/flow-logs";
import { sendDiagnostics } from "../monitoring/diagnostics";
import { DIAGNOSTICS } from "../monitoring/monitoring";

/** Network Contributor (Learn, "Azure built-in roles for Networking"). */
export const NETWORK_CONTRIBUTOR = "4d97b98b-1d4f-4787-a291-c67834d212e7";

/** Key Vault Secrets User: read secret contents (Learn, "Azure built-in roles for Security"). */
export const KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6";

/** Ubuntu LTS, Gen2 (Trusted Launch needs a Gen2 image: Learn, "Trusted launch for Azure virtual machines"). */
export const RUNNER_IMAGE = {
  publisher: "Canonical",
  offer: "ubuntu-24_04-lts",
  sku: "server",
  version: "latest",
} as const;

/** The Key Vault secret the pool token lives in. */
const TOKEN_SECRET = "agent-pool-token";
/** How long the token's Key Vault secret is valid (two years, as the platform's keys). */
const TOKEN_LIFETIME_SECONDS = 2 * 365 * 24 * 3600;
/** The firewall rule that keeps containers from the Azure instance metadata service (`-A` appends it). */
export const IMDS_RULE = "iptables -A DOCKER-USER -d 169.254.169.254/32 -j REJECT";
/** The pool tokens' Key Vault expiry (seconds since 1970): two years after the day they were issued. */
export function tokenExpiry(issuedOn: string): number {
  return Math.floor(Date.parse(`${issuedOn}T00:00:00Z`) / 1000) + TOKEN_LIFETIME_SECONDS;
}

/** How long before the tokens' expiry every account update warns: time to rotate. */
export const TOKEN_ROTATION_NOTICE_DAYS = 90;

/** The host directory the runner shares with the deployment containers it starts (same path on both sides). */
const SHARED_DIR = "/var/lib/pulumi-runner";

/** One pool of deployers: its name, the environments it deploys, its own VNet. */
export interface DeployerPoolSpec {
  /** Pool name (`prod`, `nonprod`): part of every Azure name of the pool. */
  readonly name: string;
  /** Environments whose stacks (and their review stacks) deploy through this pool. */
  readonly environments: readonly string[];
  /** Private IPv4 address space of the pool's VNet (the two pools' do not overlap). */
  readonly addressSpace: string;
  /**
   * Object id of the service principal the pool's environments deploy as: it creates their deployers'
   * private endpoints in the pool's network (Network Contributor on the pool's resource group).
   */
  readonly deployerPrincipalId: string;
}

export interface DeployerPoolsArgs {
  readonly prefix: string;
  readonly location: AzureRegion;
  /** Pulumi Cloud organization the agent pools belong to. */
  readonly organization: string;
  readonly pools: readonly DeployerPoolSpec[];
  /**
   * The day (YYYY-MM-DD) the pools' tokens were issued (the agent pools created or replaced): their Key Vault
   * secrets expire two years later. Changed with each rotation (README, "The deployment path").
   */
  readonly tokenIssuedOn: string;
  /** Runner hosts per pool (each runs one deployment at a time). */
  readonly instances: number;
  /** Azure VM size of the runner hosts (must support Trusted Launch and encryption at host). */
  readonly vmSize: string;
  /**
   * SSH public key of the hosts' admin account (Azure requires one when password authentication is off).
   * Nothing reaches the hosts inbound: it is a break-glass key for a bastion the platform team adds.
   */
  readonly sshPublicKey: string;
  /** The runner's image (`pulumi/customer-managed-workflow-agent:<tag>`). */
  readonly agentImage: string;
  /**
   * Where the pools' logs go, before any environment (and its Log Analytics) exists: the landing zone's
   * central Log Analytics workspace (diagnostic settings, Traffic Analytics) and a flow-log storage account in
   * the pools' region, both by resource id.
   */
  readonly logging: {
    readonly logAnalyticsWorkspaceId: string;
    readonly flowLogStorageId: string;
    /** The region's Network Watcher. Default: the one Azure creates (`NetworkWatcherRG/NetworkWatcher_<region>`). */
    readonly networkWatcher?: { readonly resourceGroupName: string; readonly name: string };
  };
  /** Mandatory tags of the Azure resources (owner, costCenter, dataClassification); environment is the pool's. */
  readonly tags: Readonly<Record<string, string>>;
}

/** The two subnets of a pool's VNet: runners (first half), private endpoints (third quarter). */
export function planPoolSubnets(addressSpace: string): { runners: string; privateEndpoints: string } {
  const [ip, bits] = addressSpace.split("/");
  const prefix = Number(bits);
  const base = ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
  const toIp = (n: number) => [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
  return {
    runners: `${toIp(base)}/${prefix + 1}`,
    privateEndpoints: `${toIp(base + 2 ** (32 - prefix - 1))}/${prefix + 2}`,
  };
}

/**
 * The cloud-init of a runner host. It holds no secret (Azure: "Do not pass any secrets or passwords in
 * customData"): at every start the host reads the pool token from the pool's Key Vault with its managed
 * identity, through the vault's private endpoint, into a root-only tmpfs file. The runner
 * (`customer-managed-workflow-agent`, configured by `PULUMI_AGENT_*` variables: Pulumi docs, "Customer-managed
 * workflow runners", configuration reference) runs in Pulumi's image and starts each deployment as a
 * container on the host's Docker; it takes deployments only, no Insights scans or policy evaluations.
 */
export function runnerCloudInit(args: {
  readonly vaultName: string;
  readonly identityClientId: string;
  readonly agentImage: string;
}): string {
  const token = [
    "#!/bin/sh",
    "set -eu",
    `imds='http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net&client_id=${args.identityClientId}'`,
    `access=$(curl -fsS -H Metadata:true "$imds" | jq -r .access_token)`,
    `value=$(curl -fsS -H "Authorization: Bearer $access" 'https://${args.vaultName}.vault.azure.net/secrets/${TOKEN_SECRET}?api-version=7.4' | jq -r .value)`,
    "install -d -m 0700 /run/pulumi-runner",
    `umask 077 && printf 'PULUMI_AGENT_TOKEN=%s\\n' "$value" > /run/pulumi-runner/env`,
  ].join("\n");
  const unit = [
    "[Unit]",
    "Description=Pulumi Deployments customer-managed workflow runner",
    "After=docker.service network-online.target",
    "Requires=docker.service",
    "[Service]",
    // Deployments authenticate to Azure with OIDC, never as the host: the containers (the runner and the
    // deployments it starts, pull-request previews among them) are refused the instance metadata service and
    // so the host identity's token for the pool token's vault. DOCKER-USER filters container traffic only
    // (Docker docs, "Docker with iptables": the chain for user rules, before Docker's own); the rule is added again at every start (after a reboot
    // or a Docker restart), once.
    `ExecStartPre=/bin/sh -c '${IMDS_RULE.replace("-A", "-C")} 2>/dev/null || ${IMDS_RULE.replace("-A", "-I")}'`,
    "ExecStartPre=/usr/local/sbin/pulumi-runner-token",
    "ExecStartPre=-/usr/bin/docker rm -f pulumi-runner",
    [
      "ExecStart=/usr/bin/docker run --rm --name pulumi-runner",
      "--env-file /run/pulumi-runner/env",
      "-e PULUMI_AGENT_DEPLOY_TARGET=docker",
      "-e PULUMI_AGENT_ENABLED_WORKFLOW_TYPES=deployment",
      `-e PULUMI_AGENT_SHARED_VOLUME_DIRECTORY=${SHARED_DIR}`,
      "-v /var/run/docker.sock:/var/run/docker.sock",
      `-v ${SHARED_DIR}:${SHARED_DIR}`,
      args.agentImage,
    ].join(" "),
    "Restart=always",
    "RestartSec=30",
    "[Install]",
    "WantedBy=multi-user.target",
  ].join("\n");
  const file = (path: string, permissions: string, content: string) =>
    [
      `  - path: ${path}`,
      `    permissions: "${permissions}"`,
      "    content: |",
      ...content.split("\n").map((line) => `      ${line}`),
    ].join("\n");
  return [
    "#cloud-config",
    "package_update: true",
    "package_upgrade: true",
    "packages: [docker.io, curl, jq, unattended-upgrades]",
    "write_files:",
    file("/usr/local/sbin/pulumi-runner-token", "0700", token),
    file("/etc/systemd/system/pulumi-runner.service", "0644", unit),
    "runcmd:",
    `  - install -d -m 0700 ${SHARED_DIR}`,
    "  - systemctl enable --now docker",
    "  - systemctl daemon-reload",
    "  - systemctl enable --now pulumi-runner",
  ].join("\n");
}

/**
 * The private DNS zones of a pool's VNet: its own vault's, and those of the services environments put a
 * private endpoint for their deployers in (`DeployerPath`).
 */
export const DEPLOYER_ZONES = {
  databricks: PRIVATE_DNS_ZONES.databricks,
  grafana: PRIVATE_DNS_ZONES.grafana,
  vault: PRIVATE_DNS_ZONES.vault,
} as const;
export type DeployerZone = Exclude<keyof typeof DEPLOYER_ZONES, "vault">;

/** What an environment stack needs of its pool (the account stack exports it per environment). */
export interface DeployerPoolOutputs {
  readonly agentPoolId: string;
  readonly virtualNetworkId: string;
  readonly addressSpace: string;
  /** The subnet environments put their deployers' private endpoints in. */
  readonly privateEndpointSubnetId: string;
  /** The pool's private DNS zones those endpoints register in. */
  readonly dnsZoneIds: Record<DeployerZone, string>;
}

interface DeployerPoolArgs extends Omit<DeployerPoolsArgs, "pools" | "tags"> {
  readonly pool: DeployerPoolSpec;
}

/**
 * One pool of deployers: a Pulumi Cloud agent pool, and the hosts that run its runners in a network of their
 * own (VNet, runner subnet without default outbound access behind a NAT gateway, NSGs), with the pool token in
 * a private Key Vault the hosts read with their managed identity.
 */
export class DeployerPool extends pulumi.ComponentResource {
  public readonly agentPool: pulumiservice.AgentPool;
  public readonly resourceGroup: resources.ResourceGroup;
  public readonly virtualNetwork: network.VirtualNetwork;
  public readonly runnerSubnet: network.Subnet;
  public readonly vault: keyvault.Vault;
  public readonly hosts: compute.VirtualMachineScaleSet;
  /** Environments this pool deploys. */
  public readonly environments: readonly string[];
  /** What environment stacks read of this pool. */
  public readonly output: pulumi.Output<DeployerPoolOutputs>;

  constructor(name: string, args: DeployerPoolArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:cicd:DeployerPool", name, {}, opts);
    const { pool, location } = args;
    this.environments = pool.environments;
    const child = { parent: this };
    const incarnation = new random.RandomString(
      `${name}-incarnation`,
      { length: INCARNATION_LENGTH, lower: true, numeric: true, upper: false, special: false },
      child,
    );
    const naming = new Naming({
      prefix: args.prefix,
      environment: pool.name,
      location,
      incarnation: incarnation.result,
    });
    const client = authorization.getClientConfigOutput(child);

    this.agentPool = new pulumiservice.AgentPool(
      `${name}-agents`,
      {
        organizationName: args.organization,
        name: `${args.prefix}-${pool.name}-deployers`,
        description: `Deployers of ${pool.environments.join(", ")} (and their review stacks), in ${naming.name("virtualNetwork", "deployer")}`,
      },
      // A pool a stack still uses must not vanish under it.
      { ...child, protect: pool.environments.includes("prod") },
    );

    this.resourceGroup = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: naming.name("resourceGroup", "deployer"), location },
      child,
    );
    const placement = { naming, location, resourceGroupName: this.resourceGroup.name };
    // The environments' deployer puts their endpoints in this network (DeployerPath), and nothing else.
    new authorization.RoleAssignment(
      `${name}-environments`,
      {
        scope: this.resourceGroup.id,
        principalId: pool.deployerPrincipalId,
        principalType: authorization.PrincipalType.ServicePrincipal,
        roleDefinitionId: pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR}`,
      },
      child,
    );
    const resourceGroupName = this.resourceGroup.name;

    const nsg = (role: string) =>
      new network.NetworkSecurityGroup(
        `${name}-nsg-${role}`,
        { resourceGroupName, location, networkSecurityGroupName: naming.name("networkSecurityGroup", role) },
        child,
      );
    this.virtualNetwork = new network.VirtualNetwork(
      `${name}-vnet`,
      {
        resourceGroupName,
        location,
        virtualNetworkName: naming.name("virtualNetwork", "deployer"),
        addressSpace: { addressPrefixes: [pool.addressSpace] },
      },
      // Subnets are resources of their own; the VNet is peered with nothing (README, "Why not peer").
      { ...child, ignoreChanges: ["subnets", "virtualNetworkPeerings"] },
    );
    const egress = natGatewayWithStaticIp(`${name}-ng`, { ...placement, role: "runner", ipRole: "ng" }, this);
    const subnets = planPoolSubnets(pool.addressSpace);
    const runnerNsg = nsg("runner");
    const pepNsg = nsg("pep");
    this.runnerSubnet = new network.Subnet(
      `${name}-snet-runner`,
      {
        resourceGroupName,
        virtualNetworkName: this.virtualNetwork.name,
        subnetName: naming.name("subnet", "runner"),
        addressPrefix: subnets.runners,
        defaultOutboundAccess: false,
        networkSecurityGroup: { id: runnerNsg.id },
        natGateway: { id: egress.id },
      },
      child,
    );
    const pepSubnet = new network.Subnet(
      `${name}-snet-pep`,
      {
        resourceGroupName,
        virtualNetworkName: this.virtualNetwork.name,
        subnetName: naming.name("subnet", "pep"),
        addressPrefix: subnets.privateEndpoints,
        defaultOutboundAccess: false,
        networkSecurityGroup: { id: pepNsg.id },
        privateEndpointNetworkPolicies: network.VirtualNetworkPrivateEndpointNetworkPolicies.Enabled,
      },
      // Azure updates one subnet of a VNet at a time.
      { ...child, dependsOn: [this.runnerSubnet] },
    );

    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-id`,
      { resourceGroupName, location, resourceName: naming.name("managedIdentity", "runner") },
      child,
    );

    // The pool token: a secret in Pulumi, and on Azure only in this vault, readable by the hosts alone.
    this.vault = new keyvault.Vault(
      `${name}-kv`,
      {
        resourceGroupName,
        location,
        vaultName: naming.incarnationName("keyVault"),
        properties: {
          tenantId: client.tenantId,
          sku: { family: keyvault.SkuFamily.A, name: keyvault.SkuName.Standard },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: 90,
          enablePurgeProtection: true,
          publicNetworkAccess: "Disabled",
          networkAcls: {
            defaultAction: keyvault.NetworkRuleAction.Deny,
            bypass: keyvault.NetworkRuleBypassOptions.None,
          },
        },
      },
      // Purge protection holds a deleted vault's name for 90 days anyway; the name is per incarnation.
      { ...child, protect: true },
    );
    const secret = new keyvault.Secret(
      `${name}-token`,
      {
        resourceGroupName,
        vaultName: this.vault.name,
        secretName: TOKEN_SECRET,
        properties: {
          value: pulumi.secret(this.agentPool.tokenValue),
          contentType: "text/plain",
          // Two years from the token's issue day: a rotation (a new pool, a new issue day) moves it on.
          attributes: { expires: tokenExpiry(args.tokenIssuedOn) },
        },
      },
      child,
    );
    const tokenReader = new authorization.RoleAssignment(
      `${name}-token-reader`,
      {
        scope: secret.id,
        principalId: identity.principalId,
        principalType: authorization.PrincipalType.ServicePrincipal,
        roleDefinitionId: pulumi.interpolate`/subscriptions/${client.subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER}`,
      },
      child,
    );

    // Names resolve to private endpoints inside the pool's VNet only: its vault's, and the environments'.
    const zones = Object.fromEntries(
      (Object.keys(DEPLOYER_ZONES) as (keyof typeof DEPLOYER_ZONES)[]).map((key) => {
        const zone = linkedPrivateZone(
          `${name}-dns-${key}`,
          { resourceGroupName, zoneName: DEPLOYER_ZONES[key], virtualNetwork: this.virtualNetwork },
          this,
        );
        return [key, zone];
      }),
    ) as Record<keyof typeof DEPLOYER_ZONES, privatedns.PrivateZone>;
    const { records } = privateEndpointWithRecords(
      `${name}-kv`,
      {
        ...placement,
        subnetId: pepSubnet.id,
        resourceId: this.vault.id,
        groupId: "vault",
        role: "vault",
        zones: [{ name: "vault", id: zones.vault.id }],
      },
      this,
    );

    this.hosts = new compute.VirtualMachineScaleSet(
      `${name}-vmss`,
      {
        resourceGroupName,
        location,
        vmScaleSetName: naming.name("virtualMachineScaleSet", "runner"),
        orchestrationMode: compute.OrchestrationMode.Flexible,
        // Max spreading over fault domains (Learn, "Choosing the right number of fault domains": Flexible,
        // regional, default and recommended 1).
        platformFaultDomainCount: 1,
        sku: { name: args.vmSize, tier: "Standard", capacity: args.instances },
        identity: {
          type: compute.ResourceIdentityType.UserAssigned,
          userAssignedIdentities: [identity.id],
        },
        virtualMachineProfile: {
          securityProfile: {
            securityType: compute.SecurityTypes.TrustedLaunch,
            uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
            encryptionAtHost: true,
          },
          storageProfile: {
            imageReference: RUNNER_IMAGE,
            osDisk: {
              createOption: compute.DiskCreateOptionTypes.FromImage,
              caching: compute.CachingTypes.ReadWrite,
              managedDisk: { storageAccountType: compute.StorageAccountTypes.Premium_LRS },
              deleteOption: compute.DiskDeleteOptionTypes.Delete,
            },
          },
          osProfile: {
            computerNamePrefix: `runner${pool.name}`.slice(0, 9),
            adminUsername: "azureops",
            customData: identity.clientId.apply((clientId) =>
              pulumi.output(this.vault.name).apply((vaultName) =>
                Buffer.from(
                  runnerCloudInit({
                    vaultName,
                    identityClientId: clientId,
                    agentImage: args.agentImage,
                  }),
                ).toString("base64"),
              ),
            ),
            linuxConfiguration: {
              disablePasswordAuthentication: true,
              provisionVMAgent: true,
              ssh: {
                publicKeys: [{ path: "/home/azureops/.ssh/authorized_keys", keyData: args.sshPublicKey }],
              },
              // Security updates installed by the platform outside business hours (Learn, "Automatic VM
              // guest patching"; Flexible scale sets are supported).
              patchSettings: {
                patchMode: compute.LinuxVMGuestPatchMode.AutomaticByPlatform,
                assessmentMode: compute.LinuxPatchAssessmentMode.AutomaticByPlatform,
              },
            },
          },
          networkProfile: {
            // Flexible orchestration creates the NICs itself from this API version on.
            networkApiVersion: compute.NetworkApiVersion.NetworkApiVersion_2020_11_01,
            networkInterfaceConfigurations: [
              {
                name: "runner",
                primary: true,
                deleteOption: compute.DeleteOptions.Delete,
                // No public IP: inbound nothing, outbound through the subnet's NAT gateway.
                ipConfigurations: [{ name: "runner", primary: true, subnet: { id: this.runnerSubnet.id } }],
              },
            ],
          },
        },
      },
      // A host reads the token at boot: the grant and the vault's private DNS record come first.
      { ...child, dependsOn: [tokenReader, records] },
    );

    // Logs of the pool's network and vault to the central workspace; the VNet's flows, with Traffic Analytics.
    const { logging } = args;
    const workspaceId = logging.logAnalyticsWorkspaceId;
    const watched = [
      ["vnet", this.virtualNetwork, "azure-native:network:VirtualNetwork"],
      ["nsg-runner", runnerNsg, "azure-native:network:NetworkSecurityGroup"],
      ["nsg-pep", pepNsg, "azure-native:network:NetworkSecurityGroup"],
      ["kv", this.vault, "azure-native:keyvault:Vault"],
    ] as const;
    for (const [role, resource, type] of watched) {
      sendDiagnostics(
        `${name}-diag-${role}`,
        { ...DIAGNOSTICS[type], resourceId: resource.id, workspaceId },
        this,
      );
    }
    const watcher = logging.networkWatcher ?? {
      resourceGroupName: AUTO_NETWORK_WATCHER.resourceGroupName,
      name: AUTO_NETWORK_WATCHER.name(location),
    };
    const workspace = operationalinsights.getWorkspaceOutput(
      {
        resourceGroupName: workspaceId.split("/")[4],
        workspaceName: workspaceId.split("/")[8],
      },
      child,
    );
    new network.FlowLog(
      `${name}-flowlog`,
      {
        resourceGroupName: watcher.resourceGroupName,
        networkWatcherName: watcher.name,
        // In the region's shared Network Watcher: a name no environment stack's flow log takes.
        flowLogName: naming.name("virtualNetwork", "deployerflow"),
        location,
        targetResourceId: this.virtualNetwork.id,
        storageId: logging.flowLogStorageId,
        enabled: true,
        retentionPolicy: { enabled: true, days: 90 },
        format: { type: network.FlowLogFormatType.JSON, version: 2 },
        flowAnalyticsConfiguration: {
          networkWatcherFlowAnalyticsConfiguration: {
            enabled: true,
            workspaceResourceId: workspaceId,
            workspaceId: workspace.customerId,
            workspaceRegion: location,
            trafficAnalyticsInterval: 10,
          },
        },
      },
      child,
    );

    this.output = pulumi.output({
      agentPoolId: this.agentPool.agentPoolId,
      virtualNetworkId: this.virtualNetwork.id,
      addressSpace: pool.addressSpace,
      privateEndpointSubnetId: pepSubnet.id,
      dnsZoneIds: { databricks: zones.databricks.id, grafana: zones.grafana.id },
    });
    this.registerOutputs({
      agentPool: this.agentPool,
      virtualNetwork: this.virtualNetwork,
      hosts: this.hosts,
    });
  }
}

/**
 * The deployers of every environment, before any environment exists: one pool per entry of the account
 * config, each a Pulumi Cloud agent pool with its runner hosts in a network of its own. A production pool
 * never shares hosts or a network with the pool that runs pull-request code. Environment stacks put private
 * endpoints of their services in their pool's network, registered in its zones (`DeployerPath`).
 */
export class DeployerPools extends pulumi.ComponentResource {
  public readonly pools = new Map<string, DeployerPool>();

  constructor(name: string, args: DeployerPoolsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:cicd:DeployerPools", name, {}, opts);
    const { pools, tags, ...shared } = args;
    const daysLeft = Math.floor((tokenExpiry(args.tokenIssuedOn) * 1000 - Date.now()) / 86_400_000);
    if (daysLeft < TOKEN_ROTATION_NOTICE_DAYS) {
      pulumi.log.warn(
        `The deployer pools' tokens (issued ${args.tokenIssuedOn}) expire in Key Vault in ${daysLeft} days: rotate them (README, "The deployment path").`,
        this,
      );
    }
    for (const pool of pools) {
      const environment = pool.environments.includes("prod") ? "prod" : pool.environments[0];
      this.pools.set(
        pool.name,
        new DeployerPool(
          `${name}-${pool.name}`,
          { ...shared, pool },
          {
            parent: this,
            transformations: [
              mandatoryTagsTransformation({ ...tags, environment, managedBy: "pulumi", role: "deployer" }),
            ],
          },
        ),
      );
    }
    this.registerOutputs({});
  }

  /** Each environment's pool: its agent pool id, VNet id and address space. */
  public outputs(): pulumi.Output<Record<string, DeployerPoolOutputs>> {
    const byEnvironment: Record<string, pulumi.Output<DeployerPoolOutputs>> = {};
    for (const pool of this.pools.values()) {
      for (const environment of pool.environments) byEnvironment[environment] = pool.output;
    }
    return pulumi.output(byEnvironment) as pulumi.Output<Record<string, DeployerPoolOutputs>>;
  }
}
