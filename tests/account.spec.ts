import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import {
  ACCOUNT_PROJECT,
  ACCOUNTS_HOST,
  parseAccountConfig,
  POLICY_PACK,
} from "../components/account/account";
import { InvalidInputError } from "../config/validation";
import { PACK_NAME, policies } from "../policies/rules";
import {
  accountPlanOf,
  inputsOf,
  planOf,
  PROJECT_DIR,
  resourceOf,
  resourcesOf,
  runPlan,
  runPlanAsUsers,
  savedAccountPlanOf,
} from "./support/plan";
import {
  KEY_VAULT_SECRETS_USER,
  NETWORK_CONTRIBUTOR,
  runnerCloudInit,
} from "../components/deployments/deployer-pools";
import type { PlanDocument } from "../tools/plan/report";
import { tempDir } from "./support/files";

/** Resources that belong to the Databricks account or the Pulumi organization, never to one environment. */
const ACCOUNT_SCOPED_TYPES = [
  "databricks:index/metastore:Metastore",
  "databricks:index/mwsNetworkConnectivityConfig:MwsNetworkConnectivityConfig",
  "databricks:index/budgetPolicy:BudgetPolicy",
  "databricks:index/tagPolicy:TagPolicy",
  "pulumiservice:index:PolicyGroup",
];
const ACCOUNT_ID = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";
const A = (role: string) => `lh-account-${role}`;

describe("account project (lakehouse-account, stack westeurope)", () => {
  it("plans with the account-level provider and the policy pack, with no violation", async () => {
    const run = await runPlan("--project", "account");
    assert.strictEqual(run.code, 0, run.stderr);
    const lines = run.stdout.split("\n");
    assert.strictEqual(
      lines[0],
      'Offline plan of stack "westeurope": 75 resources (70 cloud resources, 5 components)',
    );
    assert.ok(
      lines.includes(
        `Policies: ${policies.length} (3 advisory, 2 disabled, ${policies.length - 5} mandatory)`,
      ),
      run.stdout,
    );
    // The deployer pools' token vaults: the subscription's Defender plan for Key Vault is the landing zone's
    // (advisory here, as in dev), reported, never silent.
    assert.ok(lines.includes("Violations: 1 (0 mandatory)"), run.stdout);
    assert.ok(
      lines.some((line) => /\[advisory\]\s+defender-plans/.test(line)),
      run.stdout,
    );
    const plan = await accountPlanOf();
    assert.deepStrictEqual(inputsOf(plan, "pulumi:providers:databricks", A("provider")), {
      host: ACCOUNTS_HOST,
      accountId: ACCOUNT_ID,
    });
    for (const r of plan.resources.filter((r) => r.type.startsWith("databricks:index/"))) {
      assert.strictEqual(
        (r as unknown as { urn: string }).urn.includes("lakehouse:account:DatabricksAccount"),
        true,
      );
    }
  });

  it("lets the tag assigners of its config assign the governed tags, one authoritative rule set per tag policy", async () => {
    const plan = await accountPlanOf();
    for (const key of ["pii", "classification"]) {
      assert.deepStrictEqual(
        inputsOf(plan, "databricks:index/accessControlRuleSet:AccessControlRuleSet", A(`tag-${key}-roles`)),
        {
          name: `accounts/${ACCOUNT_ID}/tagPolicies/${A(`tag-${key}`)}-id/ruleSets/default`,
          grantRules: [
            { role: "roles/tagPolicy.manager", principals: ["groups/lakehouse-platform-admins"] },
            {
              role: "roles/tagPolicy.assigner",
              principals: [
                "groups/lakehouse-platform-admins",
                "servicePrincipals/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
              ],
            },
          ],
        },
      );
    }
  });

  it("looks the region's metastore up (Azure creates it with the region's first Unity Catalog workspace)", async () => {
    const plan = await accountPlanOf();
    assert.deepStrictEqual(resourcesOf(plan, "databricks:index/metastore:Metastore"), []);
    assert.match(String((plan.outputs as { metastoreId: string }).metastoreId), /^00000000-0000-4000-8000-/);
  });

  it("owns one network connectivity configuration per environment, protected", async () => {
    const nccs = resourcesOf(
      await accountPlanOf(),
      "databricks:index/mwsNetworkConnectivityConfig:MwsNetworkConnectivityConfig",
    );
    assert.deepStrictEqual(
      nccs.map((ncc) => [ncc.name, ncc.inputs, ncc.protect]),
      ["dev", "prod"].map((env) => [
        A(`ncc-${env}`),
        { name: `ncc-lh-${env}-weu`, region: "westeurope" },
        true,
      ]),
    );
  });

  it("gives every environment a serverless budget policy carrying the mandatory cost tags", async () => {
    const plan = await accountPlanOf();
    assert.deepStrictEqual(
      resourcesOf(plan, "databricks:index/budgetPolicy:BudgetPolicy").map((r) => [r.name, r.inputs]),
      ["dev", "prod"].map((env) => [
        A(`budget-${env}`),
        {
          policyName: `lh-${env}-serverless`,
          customTags: [
            { key: "owner", value: "data-platform" },
            { key: "costCenter", value: "cc-4100" },
            { key: "environment", value: env },
          ],
        },
      ]),
    );
  });

  it("owns the governed tags, managed through a long-lived workspace by the account provider", async () => {
    const plan = await accountPlanOf();
    assert.deepStrictEqual(
      resourcesOf(plan, "databricks:index/tagPolicy:TagPolicy").map((r) => [r.name, r.inputs]),
      [
        [
          A("tag-pii"),
          {
            tagKey: "pii",
            description: "Personal data, by how it is masked.",
            values: ["redact", "email", "hash", "last4", "year_only"].map((name) => ({ name })),
            providerConfig: { workspaceId: "1234567890123456" },
          },
        ],
        [
          A("tag-classification"),
          {
            tagKey: "classification",
            description: "Data classification.",
            values: ["public", "internal", "confidential", "restricted"].map((name) => ({ name })),
            providerConfig: { workspaceId: "1234567890123456" },
          },
        ],
      ],
    );
  });

  it("keeps the policy groups' membership as code, each with its policy-pack config", async () => {
    const plan = await accountPlanOf();
    const pack = (env: string) => ({
      name: POLICY_PACK,
      versionTag: JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policies", "package.json"), "utf8"))
        .version,
      config: JSON.parse(
        fs.readFileSync(path.join(PROJECT_DIR, "policies", "config", `${env}.json`), "utf8"),
      ),
    });
    assert.strictEqual(POLICY_PACK, PACK_NAME);
    assert.deepStrictEqual(
      resourcesOf(plan, "pulumiservice:index:PolicyGroup").map((r) => r.inputs),
      [
        ["prod", [{ name: "prod", routingProject: "lakehouse" }]],
        ["dev", [{ name: "dev", routingProject: "lakehouse" }]],
        ["account", [{ name: "westeurope", routingProject: ACCOUNT_PROJECT }]],
      ].map(([id, stacks]) => ({
        name: `${id}-stacks`,
        organizationName: "transfermarket",
        entityType: "stacks",
        mode: "preventative",
        stacks,
        policyPacks: [pack(id as string)],
      })),
    );
  });

  it("exports what environment stacks read", async () => {
    const plan = await accountPlanOf();
    const ids = (type: string) => resourcesOf(plan, type).map((r) => r.id);
    const outputs = plan.outputs as Record<string, unknown>;
    assert.deepStrictEqual(Object.keys(outputs).sort(), [
      "accountId",
      "budgetPolicyIds",
      "deployerPools",
      "governedTags",
      "metastoreId",
      "networkConnectivityConfigIds",
      "region",
    ]);
    assert.strictEqual(outputs.region, "westeurope");
    assert.strictEqual(outputs.accountId, ACCOUNT_ID);
    assert.deepStrictEqual(
      Object.values(outputs.networkConnectivityConfigIds as object).map((id) => `account/${String(id)}`),
      ids("databricks:index/mwsNetworkConnectivityConfig:MwsNetworkConnectivityConfig"),
    );
    assert.deepStrictEqual(
      Object.values(outputs.budgetPolicyIds as object),
      ids("databricks:index/budgetPolicy:BudgetPolicy"),
    );
    assert.deepStrictEqual(outputs.governedTags, ["pii", "classification"]);
    // Each environment's pool: prod's own, dev (and its review stacks) on the nonprod pool.
    const pools = outputs.deployerPools as Record<string, Record<string, unknown>>;
    const agentPools = resourcesOf(plan, "pulumiservice:index:AgentPool");
    const vnets = resourcesOf(plan, "azure-native:network:VirtualNetwork");
    assert.deepStrictEqual(
      Object.fromEntries(
        Object.entries(pools).map(([env, pool]) => [
          env,
          [
            agentPools.find((a) => a.id?.endsWith(`/${String(pool.agentPoolId)}`))?.name,
            vnets.find((v) => v.id === pool.virtualNetworkId)?.name,
            pool.addressSpace,
          ],
        ]),
      ),
      {
        prod: [A("deployers-prod-agents"), A("deployers-prod-vnet"), "10.250.0.0/24"],
        dev: [A("deployers-nonprod-agents"), A("deployers-nonprod-vnet"), "10.250.1.0/24"],
      },
    );
  });

  it("runs each pool's runners on private, hardened hosts that read the pool token from a private vault", async () => {
    const plan = await savedAccountPlanOf();
    for (const pool of ["prod", "nonprod"]) {
      const vmss = inputsOf(plan, "azure-native:compute:VirtualMachineScaleSet", A(`deployers-${pool}-vmss`));
      const profile = vmss.virtualMachineProfile as Record<string, Record<string, unknown>>;
      assert.deepStrictEqual(
        [vmss.orchestrationMode, vmss.platformFaultDomainCount, (vmss.sku as { capacity: number }).capacity],
        ["Flexible", 1, 1],
      );
      assert.deepStrictEqual(profile.securityProfile, {
        securityType: "TrustedLaunch",
        uefiSettings: { secureBootEnabled: true, vTpmEnabled: true },
        encryptionAtHost: true,
      });
      const os = profile.osProfile as { customData: string; linuxConfiguration: Record<string, unknown> };
      assert.strictEqual(os.linuxConfiguration.disablePasswordAuthentication, true);
      assert.strictEqual(
        (os.linuxConfiguration.patchSettings as { patchMode: string }).patchMode,
        "AutomaticByPlatform",
      );
      // No public IP on the hosts; the subnet has no default outbound access and egresses through a NAT gateway.
      const nic = (profile.networkProfile as { networkInterfaceConfigurations: Record<string, unknown>[] })
        .networkInterfaceConfigurations[0];
      assert.strictEqual(
        (nic.ipConfigurations as Record<string, unknown>[])[0].publicIPAddressConfiguration,
        undefined,
      );
      const subnet = inputsOf(plan, "azure-native:network:Subnet", A(`deployers-${pool}-snet-runner`));
      assert.strictEqual(subnet.defaultOutboundAccess, false);
      assert.ok((subnet.natGateway as { id: string }).id.endsWith(`/ng-lh-runner-${pool}-weu`));
      // The cloud-init names the vault and the identity, never the token (Azure: no secrets in customData).
      const init = Buffer.from(os.customData, "base64").toString("utf8");
      assert.ok(init.startsWith("#cloud-config\n"), init);
      assert.ok(!init.includes("pul-offline-plan-agent-pool-token"), init);
      assert.ok(init.includes("/secrets/agent-pool-token?api-version=7.4"), init);
      const vault = inputsOf(plan, "azure-native:keyvault:Vault", A(`deployers-${pool}-kv`));
      assert.deepStrictEqual(
        [
          (vault.properties as Record<string, unknown>).publicNetworkAccess,
          (vault.properties as Record<string, unknown>).enableRbacAuthorization,
          (vault.properties as Record<string, unknown>).enablePurgeProtection,
        ],
        ["Disabled", true, true],
      );
      // Its flows, in the region's Network Watcher under a name no environment's flow log takes.
      const flowLog = inputsOf(plan, "azure-native:network:FlowLog", A(`deployers-${pool}-flowlog`));
      assert.deepStrictEqual(
        [flowLog.networkWatcherName, flowLog.flowLogName],
        ["NetworkWatcher_westeurope", `vnet-lh-deployerflow-${pool}-weu`],
      );
      // The environments' deployer may put its private endpoints in the pool's network, nothing more.
      const grant = inputsOf(
        plan,
        "azure-native:authorization:RoleAssignment",
        A(`deployers-${pool}-environments`),
      );
      assert.deepStrictEqual(
        [grant.principalId, grant.scope, grant.roleDefinitionId],
        [
          pool === "prod" ? "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d" : "2c3d4e5f-6071-4b8c-9d0e-1f2a3b4c5d6e",
          `/subscriptions/00000000-0000-0000-0000-00000000bbbb/resourceGroups/rg-lh-deployer-${pool}-weu`,
          `/subscriptions/00000000-0000-0000-0000-00000000bbbb/providers/Microsoft.Authorization/roleDefinitions/${NETWORK_CONTRIBUTOR}`,
        ],
      );
      // The token is a secret of the plan (masked), granted to the hosts' identity only.
      const secret = inputsOf(plan, "azure-native:keyvault:Secret", A(`deployers-${pool}-token`));
      assert.notStrictEqual(
        (secret.properties as { value: unknown }).value,
        "pul-offline-plan-agent-pool-token",
      );
      assert.strictEqual(
        inputsOf(plan, "azure-native:authorization:RoleAssignment", A(`deployers-${pool}-token-reader`))
          .roleDefinitionId,
        `/subscriptions/00000000-0000-0000-0000-00000000bbbb/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_SECRETS_USER}`,
      );
    }
  });
});

for (const stack of ["dev", "prod"]) {
  describe(`environment stack ${stack} and the account stack`, () => {
    it("creates no account-scoped resource", async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(
        plan.resources.filter((r) => ACCOUNT_SCOPED_TYPES.includes(r.type)).map((r) => r.urn),
        [],
      );
    });

    it("reads the account stack by stack reference: metastore, connectivity, budget policy, governed tags", async () => {
      const [plan, account] = [await planOf(stack), await accountPlanOf()];
      const outputs = account.outputs as Record<string, unknown>;
      assert.deepStrictEqual(resourceOf(plan, "pulumi:pulumi:StackReference", `lh-${stack}-account`).inputs, {
        name: "transfermarket/lakehouse-account/westeurope",
      });
      assert.strictEqual(
        inputsOf(
          plan,
          "databricks:index/metastoreAssignment:MetastoreAssignment",
          `lh-${stack}-databricks-metastore`,
        ).metastoreId,
        outputs.metastoreId,
      );
      // Binding a workspace to the account's configuration is an account-level call.
      const binding = resourceOf(
        plan,
        "databricks:index/mwsNccBinding:MwsNccBinding",
        `lh-${stack}-databricks-ncc`,
      );
      assert.deepStrictEqual(binding.inputs, {
        // Its own environment's configuration: no path from dev's serverless compute to prod's lake.
        networkConnectivityConfigId: (outputs.networkConnectivityConfigIds as Record<string, string>)[stack],
        workspaceId: "1234567890123456",
      });
      assert.deepStrictEqual(inputsOf(plan, "pulumi:providers:databricks", `lh-${stack}-account-provider`), {
        host: ACCOUNTS_HOST,
        accountId: ACCOUNT_ID,
      });
      assert.strictEqual(
        (plan.outputs as { serverlessBudgetPolicyId: string }).serverlessBudgetPolicyId,
        (outputs.budgetPolicyIds as Record<string, string>)[stack],
      );
    });

    it("keeps no hand-copied metastore id in its config", () => {
      const file = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
      assert.doesNotMatch(file, /metastore/i);
    });
  });
}

describe("offline plan of both projects", () => {
  it("plans the account stack first and feeds its outputs to the environment's stack reference", async () => {
    // As `npm run plan -- --stack dev` runs it: no saved account plan.
    const run = await runPlanAsUsers("--stack", "dev", "--json");
    assert.strictEqual(run.code, 0, run.stderr);
    const [plan, account] = [JSON.parse(run.stdout) as PlanDocument, await accountPlanOf()];
    const ids = (account.outputs as { budgetPolicyIds: Record<string, string> }).budgetPolicyIds;
    assert.strictEqual(
      (plan.outputs as { serverlessBudgetPolicyId: string }).serverlessBudgetPolicyId,
      ids.dev,
    );
    assert.strictEqual(
      inputsOf(
        plan,
        "databricks:index/metastoreAssignment:MetastoreAssignment",
        "lh-dev-databricks-metastore",
      ).metastoreId,
      (account.outputs as { metastoreId: string }).metastoreId,
    );
  });
});

describe("an environment stack and an account stack of another region", () => {
  it("exits 2: a workspace binds only to its own region's metastore and connectivity configuration", async () => {
    const account = await accountPlanOf();
    const file = path.join(tempDir({}), "northeurope.json");
    fs.writeFileSync(
      file,
      JSON.stringify({ ...account, outputs: { ...(account.outputs as object), region: "northeurope" } }),
    );
    const run = await runPlanAsUsers("--stack", "dev", "--account-outputs", file);
    assert.strictEqual(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /lakehouse:accountStack: westeurope serves northeurope, but this stack is in westeurope/,
    );
  });

  it("exits 2: an environment without a deployer pool in the account stack cannot be deployed", async () => {
    const account = await savedAccountPlanOf();
    const outputs = account.outputs as { deployerPools: Record<string, unknown> };
    const file = path.join(tempDir({}), "westeurope.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        ...account,
        outputs: { ...outputs, deployerPools: { prod: outputs.deployerPools.prod } },
      }),
    );
    const run = await runPlanAsUsers("--stack", "dev", "--account-outputs", file);
    assert.strictEqual(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /lakehouse:accountStack: westeurope has no deployer pool for environment "dev" \(it has: prod\); set lakehouse-account:deployerPools and its environments/,
    );
  });
});

describe("runner hosts' cloud-init", () => {
  it("is valid cloud-config that installs Docker and runs the runner image on deployments only, reading the token at start", () => {
    const init = runnerCloudInit({
      vaultName: "kv-lh-prod-weu-1234-abcd",
      identityClientId: "00000000-0000-4000-8000-000000000001",
      agentImage: "pulumi/customer-managed-workflow-agent:latest-amd64",
    });
    assert.ok(init.startsWith("#cloud-config\n"));
    const config = parse(init) as {
      packages: string[];
      write_files: { path: string; permissions: string; content: string }[];
      runcmd: string[];
    };
    assert.deepStrictEqual(config.packages, ["docker.io", "curl", "jq", "unattended-upgrades"]);
    assert.deepStrictEqual(
      config.write_files.map((f) => [f.path, f.permissions]),
      [
        ["/usr/local/sbin/pulumi-runner-token", "0700"],
        ["/etc/systemd/system/pulumi-runner.service", "0644"],
      ],
    );
    const [token, unit] = config.write_files.map((f) => f.content);
    assert.match(token, /client_id=00000000-0000-4000-8000-000000000001'/);
    assert.match(
      token,
      /'https:\/\/kv-lh-prod-weu-1234-abcd\.vault\.azure\.net\/secrets\/agent-pool-token\?api-version=7\.4'/,
    );
    assert.match(
      unit,
      /^ExecStart=\/usr\/bin\/docker run --rm --name pulumi-runner --env-file \/run\/pulumi-runner\/env -e PULUMI_AGENT_DEPLOY_TARGET=docker -e PULUMI_AGENT_ENABLED_WORKFLOW_TYPES=deployment .* pulumi\/customer-managed-workflow-agent:latest-amd64$/m,
    );
    assert.deepStrictEqual(config.runcmd.slice(-1), ["systemctl enable --now pulumi-runner"]);
    // Containers never reach the instance metadata service: the rule is ensured before every start, once.
    assert.deepStrictEqual(
      unit.split("\n").filter((line) => line.startsWith("ExecStartPre=")),
      [
        "ExecStartPre=/bin/sh -c 'iptables -C DOCKER-USER -d 169.254.169.254/32 -j REJECT 2>/dev/null || iptables -I DOCKER-USER -d 169.254.169.254/32 -j REJECT'",
        "ExecStartPre=/usr/local/sbin/pulumi-runner-token",
        "ExecStartPre=-/usr/bin/docker rm -f pulumi-runner",
      ],
    );
    assert.match(unit, /^After=docker\.service network-online\.target\nRequires=docker\.service$/m);
  });
});

describe("account config", () => {
  const valid = {
    accountId: ACCOUNT_ID,
    location: "westeurope",
    prefix: "lh",
    owner: "data-platform",
    costCenter: "cc-4100",
    environments: ["dev", "prod"],
    metastore: "lookup",
    metastoreOwner: "lakehouse-platform-admins",
    tagPolicyWorkspaceId: "1234567890123456",
    tagManagers: ["groups/lakehouse-platform-admins"],
    tagAssigners: [
      "groups/lakehouse-platform-admins",
      "servicePrincipals/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
    ],
    pulumiOrganization: "transfermarket",
    environmentProject: "lakehouse",
    policyGroups: true,
    productionStacks: ["prod"],
    preProductionStacks: ["dev"],
    deployerPools: true,
    productionEnvironments: ["prod"],
    prodDeployerAddressSpace: "10.250.0.0/24",
    nonprodDeployerAddressSpace: "10.250.1.0/24",
    prodDeployerPrincipalId: "1b2c3d4e-5f60-4a7b-8c9d-0e1f2a3b4c5d",
    nonprodDeployerPrincipalId: "2c3d4e5f-6071-4b8c-9d0e-1f2a3b4c5d6e",
    deployerInstances: 1,
    deployerVmSize: "Standard_D2ds_v5",
    deployerSshPublicKey:
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAr6YGzLR7MwpmPA7Y4XLKSwDw8hbYyemjgpF6PxdMuB no-private-half",
    deployerLogAnalyticsWorkspaceId:
      "/subscriptions/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-management-weu/providers/Microsoft.OperationalInsights/workspaces/log-management-weu",
    deployerFlowLogStorageId:
      "/subscriptions/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-management-weu/providers/Microsoft.Storage/storageAccounts/stflowlogsmgmtweu",
    deployerAgentImage: "pulumi/customer-managed-workflow-agent:latest-amd64",
    deployerTokenIssuedOn: "2026-11-26",
  };
  const context = { project: ACCOUNT_PROJECT, stack: "westeurope" };
  it("turns valid settings into an AccountConfig", () => {
    assert.deepStrictEqual(parseAccountConfig(valid, context), { ...valid, ...context });
  });
  it("refuses a token issue day that is not in the calendar", () => {
    assert.throws(
      () => parseAccountConfig({ ...valid, deployerTokenIssuedOn: "2026-02-30" }, context),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        error.problems.join("\n") === "lakehouse-account:deployerTokenIssuedOn: must be a day, YYYY-MM-DD",
    );
  });
  it("refuses a workspace URL for the tag policies' workspace, an unknown metastore mode and a misspelt key", () => {
    assert.throws(
      () =>
        parseAccountConfig(
          {
            ...valid,
            tagPolicyWorkspaceId: "adb-1234.7.azuredatabricks.net",
            metastore: "find",
            tagAssigners: ["users/someone@example.com"],
            acountId: "x",
          },
          context,
        ),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        error.problems.join("\n") ===
          [
            'lakehouse-account:metastore: must be one of lookup, create (got "find")',
            'lakehouse-account:tagPolicyWorkspaceId: must be a numeric Databricks workspace id (got "adb-1234.7.azuredatabricks.net")',
            'lakehouse-account:tagAssigners[0]: must be groups/<group name> or servicePrincipals/<application id> (got "users/someone@example.com")',
            "lakehouse-account:acountId: unknown field",
          ].join("\n"),
    );
  });
  it("refuses deployer pools whose networks overlap, a public pool range and a production environment it does not know", () => {
    assert.throws(
      () =>
        parseAccountConfig(
          {
            ...valid,
            prodDeployerAddressSpace: "10.250.0.0/23",
            nonprodDeployerAddressSpace: "10.250.1.0/24",
            productionEnvironments: ["prod", "live"],
          },
          context,
        ),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        error.problems.join("\n") ===
          [
            "lakehouse-account:productionEnvironments: names live, which is not one of environments (dev, prod)",
            "lakehouse-account:nonprodDeployerAddressSpace: overlaps prodDeployerAddressSpace (10.250.0.0/23): the two pools' networks are separate",
          ].join("\n"),
    );
    assert.throws(
      () => parseAccountConfig({ ...valid, prodDeployerAddressSpace: "20.250.0.0/24" }, context),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        error.problems.join("\n") ===
          'lakehouse-account:prodDeployerAddressSpace: must be a private IPv4 network from /16 to /25, for example 10.250.0.0/24 (got "20.250.0.0/24")',
    );
  });
});

describe("--account-outputs", () => {
  it("exits 2 for a file that is not an account plan", async () => {
    const file = path.join(tempDir({ "plan.json": "{}" }), "plan.json");
    const run = await runPlanAsUsers("--stack", "dev", "--account-outputs", file);
    assert.deepStrictEqual(
      [run.code, run.stderr],
      [2, `--account-outputs ${file}: no outputs (not a --project account --json plan)\n`],
    );
  });
});

describe("account stack in CI", () => {
  it("previews the account stack on every pull request with the pack and the account's policy config", () => {
    const workflow = parse(
      fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", "pull-request.yml"), "utf8"),
    ) as {
      jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>;
    };
    const preview = workflow.jobs["preview-account"].steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
    assert.deepStrictEqual(preview?.with, {
      "pulumi-version-file": ".pulumi-version",
      command: "preview",
      "work-dir": "account",
      "stack-name": "${{ vars.PULUMI_ORGANIZATION }}/lakehouse-account/westeurope",
      policyPacks: "../policies",
      policyPackConfigs: "../policies/config/account.json",
      "comment-on-pr": true,
      diff: true,
    });
  });

  it("runs the compiled account program, built with the environment project", () => {
    const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "account", "Pulumi.yaml"), "utf8")) as {
      name: string;
      main: string;
    };
    assert.deepStrictEqual([project.name, project.main], [ACCOUNT_PROJECT, "../dist/account/"]);
    assert.ok(fs.existsSync(path.join(PROJECT_DIR, "dist", "account", "index.js")));
  });
});
