// The Azure deployability rules (issue 13), both ways with exact messages, the dependencies the offline plan
// records for them, and flip tests: the real platform with each fix reverted fails with the matching rule.
import * as assert from "assert";
import * as path from "path";
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import * as runtime from "@pulumi/pulumi/runtime";
import { KEY_PROPERTIES, keyName } from "../../components/security/keys";
import { DIAGNOSTICS } from "../../components/monitoring/monitoring";
import { schedulePeriodMinutes } from "../../components/monitoring/pipeline-alerts";
import { ARM_TYPES, DIAGNOSTIC_CATEGORIES } from "../../policies/lib/diagnostic-categories";
import { keyFingerprint } from "../../policies/lib/key-fingerprint";
import * as azure from "../../policies/rules/deployability-azure";
import { storageVersioning } from "../../policies/rules/storage";
import type { PlanDocument } from "../../tools/plan/report";
import { policyResource, resourceArgs, violationsOf } from "../support/policy";
import { PROJECT_DIR, planOf, resourceOf, runPlan } from "../support/plan";
import { Mutation, mandatoryViolationsWith } from "../support/mutations";

type Props = Record<string, unknown>;

/** A resource of a stack-policy test: `inputs` maps an input to the names it depends on. */
interface Spec {
  readonly type: string;
  readonly name: string;
  readonly props?: Props;
  readonly parent?: string;
  readonly dependsOn?: string[];
  readonly inputs?: Record<string, string[]>;
  readonly provider?: string;
}

/** Links the specs as the engine hands resources to stack policies (dependencies, parents, providers). */
function stackOf(specs: readonly Spec[]): PolicyResource[] {
  const resources = specs.map((spec) => policyResource(spec.type, spec.name, spec.props ?? {}));
  const named = (name: string) => {
    const found = resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource ${name}`);
    return found;
  };
  specs.forEach((spec, i) => {
    const r = resources[i];
    for (const [input, names] of Object.entries(spec.inputs ?? {})) {
      r.propertyDependencies[input] = names.map(named);
    }
    r.dependencies = [
      ...new Set([...(spec.dependsOn ?? []), ...Object.values(spec.inputs ?? {}).flat()].map(named)),
    ];
    if (spec.parent) r.parent = named(spec.parent);
    if (spec.provider) {
      const p = named(spec.provider);
      r.provider = { type: p.type, props: p.props, urn: p.urn, name: p.name };
    }
  });
  return resources;
}

/** Runs a stack policy; returns `name: message` lines. */
async function stackViolations(policy: StackValidationPolicy, specs: readonly Spec[]): Promise<string[]> {
  const messages: string[] = [];
  await policy.validateStack(
    {
      resources: stackOf(specs),
      stackTags: new Map(),
      getConfig: <T>() => ({}) as T,
      notApplicable: () => {
        throw new Error("not applicable");
      },
    },
    (message, urn) => messages.push(`${urn ? urn.split("::").pop() : "(stack)"}: ${message}`),
  );
  return messages;
}

const resourceViolations = (policy: ResourceValidationPolicy, type: string, props: Props) =>
  violationsOf(policy, resourceArgs(type, props));

const T = {
  account: "azure-native:storage:StorageAccount",
  blob: "azure-native:storage:BlobServiceProperties",
  lifecycle: "azure-native:storage:ManagementPolicy",
  key: "azure-native:keyvault:Key",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  grant: "azure-native:authorization:RoleAssignment",
  workspace: "azure-native:databricks:Workspace",
  provider: "pulumi:providers:databricks",
  pipeline: "databricks:index/pipeline:Pipeline",
  database: "azure-native:sql:Database",
  diagnostic: "azure-native:monitor:DiagnosticSetting",
  component: "lakehouse:core:Box",
};

describe("deployability (Azure) rules", () => {
  describe("azure-budget-notifications", () => {
    const notification = { enabled: true, operator: "GreaterThanOrEqualTo", threshold: 100 };
    const budget = (count: number) => ({
      notifications: Object.fromEntries(
        Array.from({ length: count }, (_, i) => [`n${i}`, { ...notification, threshold: 10 * (i + 1) }]),
      ),
    });
    it("passes five notifications", async () => {
      assert.deepStrictEqual(
        await resourceViolations(azure.budgetNotifications, "azure-native:consumption:Budget", budget(5)),
        [],
      );
    });
    it("reports six", async () => {
      assert.deepStrictEqual(
        await resourceViolations(azure.budgetNotifications, "azure-native:consumption:Budget", budget(6)),
        ["Budget has 6 notifications: Azure accepts at most five."],
      );
    });
  });

  describe("azure-no-versioning-with-hns and storage-versioning (which skips HNS accounts)", () => {
    const lake = (hns: boolean, versioning?: boolean): Spec[] => [
      { type: T.account, name: "lake", props: { accountName: "stlake", isHnsEnabled: hns } },
      {
        type: T.blob,
        name: "lake-blob",
        props: {
          accountName: "stlake",
          ...(versioning === undefined ? {} : { isVersioningEnabled: versioning }),
        },
        inputs: { accountName: ["lake"] },
      },
    ];
    it("passes an HNS account with soft delete only", async () => {
      assert.deepStrictEqual(await stackViolations(azure.noVersioningWithHns, lake(true)), []);
      assert.deepStrictEqual(await stackViolations(storageVersioning, lake(true)), []);
    });
    it("reports versioning on an HNS account", async () => {
      assert.deepStrictEqual(await stackViolations(azure.noVersioningWithHns, lake(true, true)), [
        "lake-blob: Blob versioning is on for an account with a hierarchical namespace, which does not support it: isVersioningEnabled must be false.",
      ]);
    });
    it("still wants versioning on accounts without a hierarchical namespace", async () => {
      assert.deepStrictEqual(await stackViolations(azure.noVersioningWithHns, lake(false, true)), []);
      assert.deepStrictEqual(await stackViolations(storageVersioning, lake(false, true)), []);
      assert.deepStrictEqual(await stackViolations(storageVersioning, lake(false)), [
        "lake-blob: Blob versioning is off: isVersioningEnabled must be true.",
      ]);
    });
  });

  describe("azure-no-archive-on-zone-redundant", () => {
    const rule = (name: string, actions: Props) => ({ name, definition: { actions } });
    const lake = (sku: string, rules: unknown[]): Spec[] => [
      { type: T.account, name: "lake", props: { accountName: "stlake", sku: { name: sku } } },
      {
        type: T.lifecycle,
        name: "lake-lifecycle",
        props: { accountName: "stlake", policy: { rules } },
        inputs: { accountName: ["lake"] },
      },
    ];
    const archive = rule("raw", { baseBlob: { tierToArchive: { daysAfterModificationGreaterThan: 90 } } });
    const versions = rule("old-versions", {
      version: { tierToArchive: { daysAfterCreationGreaterThan: 30 } },
    });
    const cool = rule("cool", { baseBlob: { tierToCool: { daysAfterModificationGreaterThan: 30 } } });
    it("passes archive on LRS, GRS and RA-GRS, and cool on zone-redundant accounts", async () => {
      for (const sku of ["Standard_LRS", "Standard_GRS", "Standard_RAGRS"]) {
        assert.deepStrictEqual(
          await stackViolations(azure.noArchiveOnZoneRedundant, lake(sku, [archive])),
          [],
        );
      }
      assert.deepStrictEqual(
        await stackViolations(azure.noArchiveOnZoneRedundant, lake("Standard_GZRS", [cool])),
        [],
      );
    });
    it("reports archiving base blobs or versions on ZRS, GZRS and RA-GZRS", async () => {
      for (const sku of ["Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS"]) {
        assert.deepStrictEqual(
          await stackViolations(azure.noArchiveOnZoneRedundant, lake(sku, [cool, archive, versions])),
          [
            `lake-lifecycle: Lifecycle rule raw moves blobs to archive on a ${sku} account, which has no archive tier.`,
            `lake-lifecycle: Lifecycle rule old-versions moves blobs to archive on a ${sku} account, which has no archive tier.`,
          ],
        );
      }
    });
  });

  describe("azure-sql-read-scale-tiers", () => {
    const db = (name: string, readScale: string) => ({ sku: { name }, readScale });
    it("passes read scale-out on Premium, Business Critical and Hyperscale, and none elsewhere", async () => {
      for (const props of [
        db("P2", "Enabled"),
        db("BC_Gen5_4", "Enabled"),
        db("HS_Gen5_2", "Enabled"),
        db("GP_Gen5_2", "Disabled"),
      ]) {
        assert.deepStrictEqual(await resourceViolations(azure.sqlReadScaleTiers, T.database, props), []);
      }
    });
    it("reports it on General Purpose and Standard", async () => {
      assert.deepStrictEqual(
        await resourceViolations(azure.sqlReadScaleTiers, T.database, db("GP_Gen5_2", "Enabled")),
        [
          "Read scale-out is on for a GeneralPurpose database (sku GP_Gen5_2): only Premium, Business Critical and Hyperscale have it.",
        ],
      );
      assert.deepStrictEqual(
        await resourceViolations(azure.sqlReadScaleTiers, T.database, db("S3", "Enabled")),
        [
          "Read scale-out is on for a Standard database (sku S3): only Premium, Business Critical and Hyperscale have it.",
        ],
      );
    });
  });

  describe("azure-sql-geo-secondary-tier", () => {
    const pair = (primary: string, secondary: string): Spec[] => [
      { type: T.database, name: "primary", props: { sku: { name: primary } } },
      {
        type: T.database,
        name: "secondary",
        props: { sku: { name: secondary }, createMode: "Secondary" },
        inputs: { sourceDatabaseId: ["primary"] },
      },
    ];
    it("passes the same tier (any size)", async () => {
      assert.deepStrictEqual(
        await stackViolations(azure.sqlGeoSecondaryTier, pair("GP_Gen5_8", "GP_Gen5_2")),
        [],
      );
    });
    it("reports another tier", async () => {
      assert.deepStrictEqual(
        await stackViolations(azure.sqlGeoSecondaryTier, pair("BC_Gen5_4", "GP_Gen5_4")),
        [
          "secondary: Geo-secondary is GeneralPurpose but its primary primary is BusinessCritical: both must have the same service tier.",
        ],
      );
    });
  });

  describe("azure-diagnostic-categories", () => {
    const setting = (target: Spec, uri: unknown, logs: unknown[], metrics: unknown[]): Spec[] => [
      target,
      {
        type: T.diagnostic,
        name: "diag",
        props: { resourceUri: uri, logs, metrics },
        inputs: { resourceUri: [target.name] },
      },
    ];
    const grafana: Spec = { type: "azure-native:dashboard:Grafana", name: "grafana" };
    const lake: Spec = { type: T.account, name: "lake" };
    const blobUri =
      "/subscriptions/s/resourceGroups/g/providers/Microsoft.Storage/storageAccounts/st/blobServices/default";
    it("passes a log category group the type documents (Databricks: allLogs)", async () => {
      const workspace: Spec = { type: "azure-native:databricks:Workspace", name: "workspace" };
      assert.deepStrictEqual(
        await stackViolations(
          azure.diagnosticCategories,
          setting(workspace, "/dbw", [{ categoryGroup: "allLogs" }], []),
        ),
        [],
      );
    });
    it("passes documented categories, for a resource and for a child it names", async () => {
      assert.deepStrictEqual(
        await stackViolations(
          azure.diagnosticCategories,
          setting(grafana, "/grafana", [{ category: "GrafanaLoginEvents" }], []),
        ),
        [],
      );
      assert.deepStrictEqual(
        await stackViolations(
          azure.diagnosticCategories,
          setting(lake, blobUri, [{ category: "StorageRead" }], [{ category: "Transaction" }]),
        ),
        [],
      );
    });
    it("reports categories and category groups the type does not document", async () => {
      assert.deepStrictEqual(
        await stackViolations(
          azure.diagnosticCategories,
          setting(grafana, "/grafana", [{ categoryGroup: "allLogs" }], [{ category: "AllMetrics" }]),
        ),
        [
          "diag: Diagnostic setting asks Microsoft.Dashboard/grafana for the log category group allLogs, which the type does not document (documented groups: none); name the documented categories instead (GrafanaLoginEvents, GrafanaUsageInsightsEvents).",
          "diag: Diagnostic setting asks Microsoft.Dashboard/grafana for metric category AllMetrics, which the type does not document (documented: none).",
        ],
      );
      assert.deepStrictEqual(
        await stackViolations(
          azure.diagnosticCategories,
          setting(lake, blobUri, [{ category: "AuditEvent" }], []),
        ),
        [
          "diag: Diagnostic setting asks Microsoft.Storage/storageAccounts/blobServices for log category AuditEvent, which the type does not document (documented: StorageRead, StorageWrite, StorageDelete).",
        ],
      );
    });
    it("accepts, before the account's id is known, what the account or its blob service documents", async () => {
      const unknownUri = runtime.unknownValue;
      assert.deepStrictEqual(
        await stackViolations(
          azure.diagnosticCategories,
          setting(lake, unknownUri, [{ category: "StorageWrite" }], [{ category: "Capacity" }]),
        ),
        [],
      );
      assert.deepStrictEqual(
        await stackViolations(
          azure.diagnosticCategories,
          setting(lake, unknownUri, [], [{ category: "AllMetrics" }]),
        ),
        [
          "diag: Diagnostic setting asks Microsoft.Storage/storageAccounts or Microsoft.Storage/storageAccounts/blobServices for metric category AllMetrics, which the type does not document (documented: Transaction, Capacity).",
        ],
      );
    });
    it("has a Learn source for every type, and the platform asks only for what the table documents", () => {
      for (const [type, documented] of Object.entries(DIAGNOSTIC_CATEGORIES)) {
        assert.ok(documented.sources.length > 0, type);
        for (const source of documented.sources) {
          assert.match(
            source,
            /^https:\/\/learn\.microsoft\.com\/azure\/azure-monitor\/reference\/supported-(logs|metrics)\//,
          );
        }
      }
      for (const [type, asked] of Object.entries(DIAGNOSTICS)) {
        const arm =
          type === "blobService" ? "Microsoft.Storage/storageAccounts/blobServices" : ARM_TYPES[type];
        const documented = DIAGNOSTIC_CATEGORIES[arm];
        assert.deepStrictEqual(
          asked.logs.filter((c) => !documented.logs.includes(c as never)),
          [],
          type,
        );
        assert.deepStrictEqual(
          asked.metrics.filter((c) => !documented.metrics.includes(c as never)),
          [],
          type,
        );
      }
    });
  });

  describe("azure-key-first-version-expiry and azure-key-name-fingerprint", () => {
    const key = (properties: Props, name = `cmk-x-${keyFingerprint(properties)}`) => ({
      keyName: name,
      properties,
    });
    const expiring = { ...KEY_PROPERTIES, attributes: { ...KEY_PROPERTIES.attributes, expires: 1859241600 } };
    it("passes a key that expires from its first version and names its properties", async () => {
      assert.deepStrictEqual(await resourceViolations(azure.keyFirstVersionExpiry, T.key, key(expiring)), []);
      assert.deepStrictEqual(await resourceViolations(azure.keyNameFingerprint, T.key, key(expiring)), []);
      assert.strictEqual(keyName("storage"), `cmk-storage-${keyFingerprint(KEY_PROPERTIES)}`);
      // The first version's expiry and the order of properties do not change the name.
      assert.strictEqual(keyFingerprint(expiring), keyFingerprint(KEY_PROPERTIES));
      assert.strictEqual(
        keyFingerprint({ keySize: 3072, kty: "RSA-HSM" }),
        keyFingerprint({ kty: "RSA-HSM", keySize: 3072 }),
      );
    });
    it("reports a first version without expiry (a rotation policy's expiryTime only reaches new versions)", async () => {
      assert.deepStrictEqual(
        await resourceViolations(azure.keyFirstVersionExpiry, T.key, key(KEY_PROPERTIES)),
        [
          "Key's first version never expires: rotationPolicy.attributes.expiryTime only applies to new versions; set properties.attributes.expires.",
        ],
      );
    });
    it("reports properties that changed under the same name", async () => {
      const bigger = { ...expiring, keySize: 4096 };
      assert.deepStrictEqual(
        await resourceViolations(
          azure.keyNameFingerprint,
          T.key,
          key(bigger, `cmk-x-${keyFingerprint(expiring)}`),
        ),
        [
          `Key cmk-x-${keyFingerprint(expiring)} does not name its properties: ARM never updates an existing key, so a changed policy would not reach it; name it <name>-${keyFingerprint(bigger)}.`,
        ],
      );
    });
  });

  describe("azure-cmk-after-grant", () => {
    const storageCase = (account: Partial<Spec>, extra: Spec[] = []): Spec[] => [
      { type: T.key, name: "storage-key", props: { keyName: "cmk-storage" } },
      { type: T.identity, name: "storage-identity" },
      {
        type: T.grant,
        name: "storage-grant",
        inputs: { scope: ["storage-key"], principalId: ["storage-identity"] },
      },
      ...extra,
      {
        type: T.account,
        name: "lake",
        props: { encryption: { keySource: "Microsoft.Keyvault" } },
        inputs: { encryption: ["storage-key", "storage-identity"] },
        ...account,
      },
    ];
    it("passes a storage account that waits for its identity's grant: directly, through its parent, or through a component", async () => {
      assert.deepStrictEqual(
        await stackViolations(azure.cmkAfterGrant, storageCase({ dependsOn: ["storage-grant"] })),
        [],
      );
      assert.deepStrictEqual(
        await stackViolations(
          azure.cmkAfterGrant,
          storageCase({ parent: "lake-box" }, [
            { type: T.component, name: "lake-box", dependsOn: ["storage-grant"] },
          ]),
        ),
        [],
      );
      assert.deepStrictEqual(
        await stackViolations(azure.cmkAfterGrant, [
          { type: T.key, name: "storage-key", props: { keyName: "cmk-storage" } },
          { type: T.identity, name: "storage-identity" },
          { type: T.component, name: "keys" },
          {
            type: T.grant,
            name: "storage-grant",
            parent: "keys",
            inputs: { scope: ["storage-key"], principalId: ["storage-identity"] },
          },
          {
            type: T.account,
            name: "lake",
            props: { encryption: { keySource: "Microsoft.Keyvault" } },
            inputs: { encryption: ["storage-key", "storage-identity"] },
            dependsOn: ["keys"],
          },
        ]),
        [],
      );
    });
    it("reports a storage account that races its grant, has none, or has no identity before it exists", async () => {
      assert.deepStrictEqual(await stackViolations(azure.cmkAfterGrant, storageCase({})), [
        "lake: Storage account uses key storage-key before storage-grant grants it to storage-identity: add the grant to dependsOn.",
      ]);
      assert.deepStrictEqual(
        await stackViolations(
          azure.cmkAfterGrant,
          storageCase({}).filter((s) => s.name !== "storage-grant"),
        ),
        [
          "lake: Storage account encrypts with key storage-key as storage-identity, but no role assignment grants storage-identity that key.",
        ],
      );
      assert.deepStrictEqual(
        await stackViolations(azure.cmkAfterGrant, storageCase({ inputs: { encryption: ["storage-key"] } })),
        [
          "lake: Storage account encrypts with key storage-key through an identity that exists only after the account: a new account needs a user-assigned identity granted the key first.",
        ],
      );
    });

    const workspaceCase = (options: {
      workspaceDependsOn?: string[];
      pipelineDependsOn?: string[];
      pipeline?: Props;
      dbfsGrant?: boolean;
    }): Spec[] => [
      { type: T.key, name: "services-key" },
      { type: T.key, name: "disks-key" },
      { type: T.key, name: "dbfs-key" },
      {
        type: T.grant,
        name: "control-plane-grant",
        props: { principalId: "azure-databricks" },
        inputs: { scope: ["services-key"] },
      },
      {
        type: T.workspace,
        name: "workspace",
        // Key names are unknown at preview until the keys exist: the rule goes by the inputs' dependencies.
        props: {
          encryption: {
            entities: { managedServices: { keyVaultProperties: { keyName: runtime.unknownValue } } },
          },
          parameters: { encryption: { value: { keyName: runtime.unknownValue } } },
        },
        inputs: { encryption: ["services-key", "disks-key"], parameters: ["dbfs-key"] },
        dependsOn: options.workspaceDependsOn ?? ["control-plane-grant"],
      },
      { type: T.grant, name: "disks-grant", inputs: { scope: ["disks-key"], principalId: ["workspace"] } },
      ...(options.dbfsGrant === false
        ? []
        : [
            {
              type: T.grant,
              name: "dbfs-grant",
              inputs: { scope: ["dbfs-key"], principalId: ["workspace"] },
            },
          ]),
      { type: T.provider, name: "workspace-provider", inputs: { azureWorkspaceResourceId: ["workspace"] } },
      {
        type: T.pipeline,
        name: "stream",
        props: options.pipeline ?? { continuous: true, serverless: false },
        provider: "workspace-provider",
        dependsOn: options.pipelineDependsOn ?? ["disks-grant"],
      },
    ];
    it("passes a workspace after its control-plane grant, compute after the disk grant, and a granted DBFS key", async () => {
      assert.deepStrictEqual(await stackViolations(azure.cmkAfterGrant, workspaceCase({})), []);
      // Triggered or serverless pipelines start no classic compute when they are created.
      for (const pipeline of [{ continuous: false }, { continuous: true, serverless: true }]) {
        assert.deepStrictEqual(
          await stackViolations(azure.cmkAfterGrant, workspaceCase({ pipeline, pipelineDependsOn: [] })),
          [],
        );
      }
    });
    it("treats a running continuous job as compute that starts when it is created, a paused one not", async () => {
      const withJob = (continuous: Record<string, unknown>, dependsOn: string[]) => [
        ...workspaceCase({ pipeline: { continuous: false }, pipelineDependsOn: [] }),
        {
          type: "databricks:index/job:Job",
          name: "stream-job",
          props: { continuous },
          provider: "workspace-provider",
          dependsOn,
        },
      ];
      assert.deepStrictEqual(await stackViolations(azure.cmkAfterGrant, withJob({}, ["disks-grant"])), []);
      assert.deepStrictEqual(
        await stackViolations(azure.cmkAfterGrant, withJob({ pauseStatus: "PAUSED" }, [])),
        [],
      );
      assert.deepStrictEqual(await stackViolations(azure.cmkAfterGrant, withJob({}, [])), [
        "stream-job: Job stream-job starts classic compute before the workspace's disk encryption set is granted key disks-key: depend on that grant.",
      ]);
    });
    it("reports each consumer that does not wait, and a DBFS key no workspace identity holds", async () => {
      assert.deepStrictEqual(
        await stackViolations(
          azure.cmkAfterGrant,
          workspaceCase({ workspaceDependsOn: [], pipelineDependsOn: [], dbfsGrant: false }),
        ),
        [
          "workspace: Workspace uses key services-key before any role assignment grants it (managed services: to AzureDatabricks): add the grant to dependsOn.",
          "stream: Pipeline stream starts classic compute before the workspace's disk encryption set is granted key disks-key: depend on that grant.",
          "workspace: Workspace encrypts its DBFS root with key dbfs-key but grants it to no identity of the workspace.",
        ],
      );
    });
  });
});

describe("refresh windows of the pipeline alerts", () => {
  it("takes the longest gap of a Quartz schedule", () => {
    const cases: [string, number][] = [
      ["0 15 * * * ?", 60],
      ["0 0/15 * * * ?", 15],
      ["0 0 4 * * ?", 1440],
      ["0 0 */6 * * ?", 360],
      ["0 0 2,14 * * ?", 720],
      ["0 0 1,5 * * ?", 1200],
      ["0 0 4 ? * MON", 10080],
      ["0 0 4 1 * ?", 44640],
    ];
    assert.deepStrictEqual(
      cases.map(([cron]) => [cron, schedulePeriodMinutes(cron)]),
      cases,
    );
  });
});

describe("dependencies in the offline plan", () => {
  const short = (urns: string[]) => urns.map((u) => u.split("::").pop());

  it("records explicit, input and inherited dependencies, a component standing for its cloud resources", async () => {
    const run = await runPlan(
      "--json",
      "--program",
      path.join(PROJECT_DIR, "tests", "fixtures", "programs", "dependencies.ts"),
    );
    const plan = JSON.parse(run.stdout) as PlanDocument;
    assert.deepStrictEqual(Object.fromEntries(plan.resources.map((r) => [r.name, short(r.dependencies)])), {
      "lakehouse-dev": [],
      first: [],
      held: [],
      "held-a": [],
      "held-inner": [],
      "held-inner-b": [],
      "held-inner-b-child": [],
      waiting: ["first"],
      "waiting-child": ["first"],
      "waiting-child-c": ["held-a", "held-inner-b", "first"],
      "from-input": ["first"],
    });
    assert.deepStrictEqual(
      short(
        resourceOf(plan, "random:index/randomString:RandomString", "from-input").propertyDependencies.length,
      ),
      ["first"],
    );
  });

  it("shows the platform's consumers of customer-managed keys waiting for their grants", async () => {
    const plan = await planOf("prod");
    const urn = (type: string, name: string) => resourceOf(plan, type, name).urn;
    const deps = (type: string, name: string) => resourceOf(plan, type, name).dependencies;
    assert.ok(
      deps(T.account, "lh-prod-lake-account").includes(urn(T.grant, "lh-prod-keys-storage-identity-key")),
    );
    assert.ok(
      deps(T.workspace, "lh-prod-databricks-workspace").includes(
        urn(T.grant, "lh-prod-databricks-control-plane-key"),
      ),
    );
    for (const source of ["match_stats", "registry", "transfers"]) {
      assert.ok(
        deps(T.pipeline, `lh-prod-ingestion-${source}`).includes(
          urn(T.grant, "lh-prod-databricks-managed-disk-key"),
        ),
        source,
      );
    }
    // Inherited: the run-metadata job waits for what its component was told to wait for.
    assert.ok(
      deps("databricks:index/job:Job", "lh-prod-run-metadata-job").includes(
        urn("databricks:index/schema:Schema", "lh-prod-uc-ops"),
      ),
    );
    const components = new Set(plan.resources.filter((r) => !r.custom).map((r) => r.urn));
    assert.deepStrictEqual(
      plan.resources.filter((r) => r.dependencies.some((d) => components.has(d))).map((r) => r.name),
      [],
      "a dependency on a component is recorded as its cloud resources",
    );
  });
});

describe("flipping the issue 13 fixes back in the real platform (prod)", () => {
  const PROD = "lh-prod";
  /** [type, name, path, value]: each reverts one fix. */
  const MUTATIONS: Mutation[] = [
    [
      "azure-native:consumption:Budget",
      `${PROD}-monitoring-budget`,
      "notifications.forecast_120",
      { enabled: true, operator: "GreaterThanOrEqualTo", threshold: 120, thresholdType: "Forecasted" },
    ],
    [T.blob, `${PROD}-lake-blob-service`, "isVersioningEnabled", true],
    [
      T.lifecycle,
      `${PROD}-lake-lifecycle`,
      "policy.rules",
      [
        {
          name: "landing-to-archive",
          enabled: true,
          type: "Lifecycle",
          definition: {
            filters: { blobTypes: ["blockBlob"], prefixMatch: ["landing/"] },
            actions: { baseBlob: { tierToArchive: { daysAfterModificationGreaterThan: 90 } } },
          },
        },
      ],
    ],
    [T.account, `${PROD}-lake-account`, "opts.dependsOn", []],
    [T.workspace, `${PROD}-databricks-workspace`, "opts.dependsOn", []],
    [T.pipeline, `${PROD}-ingestion-transfers`, "opts.dependsOn", []],
    [T.database, `${PROD}-replica-database`, "readScale", "Enabled"],
    [T.diagnostic, `${PROD}-monitoring-diag-grafana`, "metrics", [{ category: "AllMetrics", enabled: true }]],
    // The storage account itself has no logs (they are per service): no category group either.
    [T.diagnostic, `${PROD}-monitoring-diag-lake`, "logs", [{ categoryGroup: "allLogs", enabled: true }]],
    [
      T.key,
      `${PROD}-keys-storage`,
      "properties",
      {
        kty: "RSA-HSM",
        keySize: 3072,
        keyOps: ["wrapKey", "unwrapKey"],
        attributes: { enabled: true, exportable: false },
      },
    ],
  ];

  it("reports exactly the matching violation for each reverted fix", async () => {
    // Mandatory only: prod's advisory findings (the reported flow-log sink) are not what this test flips.
    const found = (await mandatoryViolationsWith("prod", MUTATIONS)).map((v) => `mandatory ${v}`);
    const unexpired = {
      kty: "RSA-HSM",
      keySize: 3072,
      keyOps: ["wrapKey", "unwrapKey"],
      attributes: { enabled: true, exportable: false },
    };
    assert.deepStrictEqual(found.sort(), [
      `mandatory azure-budget-notifications ${PROD}-monitoring-budget | Budget has 6 notifications: Azure accepts at most five.`,
      `mandatory azure-cmk-after-grant ${PROD}-databricks-workspace | Workspace uses key ${PROD}-keys-managed-services before any role assignment grants it (managed services: to AzureDatabricks): add the grant to dependsOn.`,
      // The streaming pipeline is triggered by a continuous job, which starts compute once created.
      `mandatory azure-cmk-after-grant ${PROD}-ingestion-transfers-job | Job ${PROD}-ingestion-transfers-job starts classic compute before the workspace's disk encryption set is granted key ${PROD}-keys-managed-disks: depend on that grant.`,
      `mandatory azure-cmk-after-grant ${PROD}-lake-account | Storage account uses key ${PROD}-keys-storage before ${PROD}-keys-storage-identity-key grants it to ${PROD}-keys-storage-identity: add the grant to dependsOn.`,
      `mandatory azure-diagnostic-categories ${PROD}-monitoring-diag-grafana | Diagnostic setting asks Microsoft.Dashboard/grafana for metric category AllMetrics, which the type does not document (documented: none).`,
      `mandatory azure-diagnostic-categories ${PROD}-monitoring-diag-lake | Diagnostic setting asks Microsoft.Storage/storageAccounts for the log category group allLogs, which the type does not document (documented groups: none); name the documented categories instead (none).`,
      `mandatory azure-key-first-version-expiry ${PROD}-keys-storage | Key's first version never expires: rotationPolicy.attributes.expiryTime only applies to new versions; set properties.attributes.expires.`,
      `mandatory azure-key-name-fingerprint ${PROD}-keys-storage | Key ${keyName("storage")} does not name its properties: ARM never updates an existing key, so a changed policy would not reach it; name it <name>-${keyFingerprint(unexpired)}.`,
      `mandatory azure-no-archive-on-zone-redundant ${PROD}-lake-lifecycle | Lifecycle rule landing-to-archive moves blobs to archive on a Standard_GZRS account, which has no archive tier.`,
      `mandatory azure-no-versioning-with-hns ${PROD}-lake-blob-service | Blob versioning is on for an account with a hierarchical namespace, which does not support it: isVersioningEnabled must be false.`,
      `mandatory azure-sql-read-scale-tiers ${PROD}-replica-database | Read scale-out is on for a GeneralPurpose database (sku GP_Gen5_4): only Premium, Business Critical and Hyperscale have it.`,
      // Reverting the pipeline's dependsOn also drops its run-as role (issue 14's rule sees it).
      `mandatory databricks-run-as-user-role ${PROD}-ingestion-transfers | Pipeline ${PROD}-ingestion-transfers runs as service principal 5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9 but waits for no rule set granting roles/servicePrincipal.user on it: Databricks refuses run_as from an identity without that role.`,
      `mandatory keyvault-expiry ${PROD}-keys-storage | Key never expires: set properties.rotationPolicy.attributes.expiryTime or properties.attributes.expires.`,
    ]);
  });
});
