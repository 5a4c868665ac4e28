import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { parsePlatformConfig, PROJECT, SECRET_SETTINGS, settingKinds } from "../config/config";
import { InvalidInputError } from "../config/validation";
import { PROJECT_DIR } from "./support/plan";

const context = { project: PROJECT, stack: "dev", baseDir: "/repo" };

/** A complete, valid set of settings as the engine hands them over (defaults already applied). */
function validSettings(): Record<string, unknown> {
  return {
    environment: "dev",
    location: "westeurope",
    prefix: "lh",
    owner: "data-platform",
    costCenter: "cc-4100",
    dataClassification: "confidential",
    addressSpace: "10.20.0.0/16",
    platformAdminsGroup: "lakehouse-platform-admins",
    dataEngineersGroup: "lakehouse-data-engineers",
    analystsGroup: "lakehouse-analysts",
    piiReadersGroup: "lakehouse-pii-readers",
    monthlyBudget: 3000,
    budgetThresholds: [100, 50, 80],
    alertEmails: ["data-platform@example.com"],
    slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX",
    primaryDatabaseId:
      "/subscriptions/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-oltp/providers/Microsoft.Sql/servers/sql-oltp/databases/transfermarket",
    protectStatefulResources: false,
    logRetentionDays: 30,
    sourcesDirs: ["sources", "../ds-scouting/sources"],
    storageSku: "Standard_ZRS",
    blobSoftDeleteDays: 14,
    accountStack: "westeurope",
    azureDatabricksObjectId: "4b5c6d7e-8f90-4a1b-2c3d-4e5f60718293",
    dbfsRootCmk: true,
    complianceSecurityProfile: false,
    tokenMaxLifetimeDays: 90,
    nodeTypes: ["Standard_D4ds_v5"],
    maxWorkers: 8,
    maxAutoterminationMinutes: 60,
    maxDbuPerHour: 40,
    spotWorkers: true,
    sqlWarehouseSize: "2X-Small",
    sqlWarehouseMaxClusters: 2,
    platformAdminsObjectId: "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
    replicaSku: "GP_Gen5_2",
    replicaZoneRedundant: false,
    defenderPlans: false,
    malwareScanningCapGBPerMonth: 5000,
    pipelinesClientId: "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
    pipelinesClientSecret: "reader-secret",
    eventHubsCapacity: 1,
    budgetStartDate: "2026-12-01",
    budgetScope: "resourceGroup",
    grafanaPublicAccess: false,
    storageCapacityAlertTiB: 10,
    deploymentsEnabled: false,
    pulumiOrganization: "transfermarket",
    githubRepository: "transfermarket/lakehouse-platform",
    deploymentBranch: "main",
    deployOnPush: false,
    reviewStacks: false,
    reviewStackTtlHours: 48,
    driftScheduleCron: "",
    deploymentsAzureClientId: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
    browserAuthenticationEndpoint: true,
  };
}

function problemsOf(settings: Record<string, unknown>): readonly string[] {
  try {
    parsePlatformConfig(settings, context);
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    assert.ok(pulumi.RunError.isInstance(error), "config errors must print without a stack trace");
    return error.problems;
  }
  assert.fail("expected the settings to be refused");
}

describe("stack config", () => {
  it("turns valid settings into a typed PlatformConfig", async () => {
    const config = parsePlatformConfig(validSettings(), context);
    assert.deepStrictEqual(config.tags, {
      owner: "data-platform",
      costCenter: "cc-4100",
      environment: "dev",
      dataClassification: "confidential",
    });
    assert.deepStrictEqual(config.budget, {
      monthlyAmount: 3000,
      thresholdsPercent: [50, 80, 100],
      startDate: "2026-12-01",
      scope: "resourceGroup",
    });
    assert.deepStrictEqual(config.groups, {
      platformAdminsObjectId: "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
      platformAdmins: "lakehouse-platform-admins",
      dataEngineers: "lakehouse-data-engineers",
      analysts: "lakehouse-analysts",
      piiReaders: "lakehouse-pii-readers",
    });
    assert.deepStrictEqual(config.sourcesDirs, [
      path.resolve("/repo/sources"),
      path.resolve("/ds-scouting/sources"),
    ]);
    assert.ok(pulumi.Output.isInstance(config.alerts.slackWebhookUrl));
    assert.strictEqual(config.alerts.teamsWebhookUrl, undefined);
    const isSecret = await (config.alerts.slackWebhookUrl as unknown as { isSecret: Promise<boolean> })
      .isSecret;
    assert.strictEqual(isSecret, true, "webhook URLs must stay Pulumi secrets");
  });

  const cases: [string, Record<string, unknown>, string[]][] = [
    ["a missing required key", { owner: undefined }, ["lakehouse:owner: is required"]],
    [
      "an environment with capitals",
      { environment: "Dev" },
      [
        'lakehouse:environment: must be 2 to 8 lowercase letters or digits, starting with a letter (got "Dev")',
      ],
    ],
    [
      "an unknown region",
      { location: "mars" },
      [
        'lakehouse:location: must be one of australiaeast, brazilsouth, canadacentral, centralindia, centralus, eastasia, eastus, eastus2, francecentral, germanywestcentral, japaneast, koreacentral, northcentralus, northeurope, norwayeast, southafricanorth, southcentralus, southeastasia, swedencentral, switzerlandnorth, uaenorth, uksouth, ukwest, westeurope, westus2, westus3 (got "mars")',
      ],
    ],
    [
      "a too-long prefix",
      { prefix: "lakehouse" },
      [
        'lakehouse:prefix: must be 2 to 6 lowercase letters or digits, starting with a letter (got "lakehouse")',
      ],
    ],
    [
      "an address space that is not a CIDR block",
      { addressSpace: "10.20.0.0/8" },
      [
        'lakehouse:addressSpace: must be an IPv4 CIDR block from /16 to /22, for example 10.20.0.0/16; /8 is out of range (got "10.20.0.0/8")',
      ],
    ],
    [
      "an address space with host bits",
      { addressSpace: "10.20.1.0/16" },
      [
        'lakehouse:addressSpace: must be an IPv4 CIDR block from /16 to /22, for example 10.20.0.0/16; it has host bits set (the network address is 10.20.0.0/16) (got "10.20.1.0/16")',
      ],
    ],
    [
      "an address space without a prefix length",
      { addressSpace: "10.20.0.0" },
      [
        'lakehouse:addressSpace: must be an IPv4 CIDR block from /16 to /22, for example 10.20.0.0/16; this is not an IPv4 CIDR block (got "10.20.0.0")',
      ],
    ],
    [
      "an address space with an octet out of range",
      { addressSpace: "10.256.0.0/16" },
      [
        'lakehouse:addressSpace: must be an IPv4 CIDR block from /16 to /22, for example 10.20.0.0/16; this is not an IPv4 CIDR block (got "10.256.0.0/16")',
      ],
    ],
    [
      "an IPv6 address space",
      { addressSpace: "fd00::/16" },
      [
        'lakehouse:addressSpace: must be an IPv4 CIDR block from /16 to /22, for example 10.20.0.0/16; this is not an IPv4 CIDR block (got "fd00::/16")',
      ],
    ],
    [
      "an address space in octal-looking or short form",
      { addressSpace: "010.20.0/16" },
      [
        'lakehouse:addressSpace: must be an IPv4 CIDR block from /16 to /22, for example 10.20.0.0/16; this is not an IPv4 CIDR block (got "010.20.0/16")',
      ],
    ],
    [
      "an address space with leading zeros",
      { addressSpace: "010.020.0.0/16" },
      [
        'lakehouse:addressSpace: must be an IPv4 CIDR block from /16 to /22, for example 10.20.0.0/16; write it in dotted decimal without leading zeros (8.16.0.0/16 as read here) (got "010.020.0.0/16")',
      ],
    ],
    [
      "a prefix length with a leading zero",
      { addressSpace: "10.20.0.0/016" },
      [
        'lakehouse:addressSpace: must be an IPv4 CIDR block from /16 to /22, for example 10.20.0.0/16; this is not an IPv4 CIDR block (got "10.20.0.0/016")',
      ],
    ],
    [
      "a tag of only whitespace",
      { owner: "   " },
      [
        'lakehouse:owner: must not be empty or only whitespace (the policy pack refuses blank mandatory tags) (got "   ")',
      ],
    ],
    [
      "an empty tag",
      { costCenter: "" },
      [
        'lakehouse:costCenter: must not be empty or only whitespace (the policy pack refuses blank mandatory tags) (got "")',
      ],
    ],
    [
      "a tag with a control character",
      { owner: "data\u0000platform" },
      ['lakehouse:owner: must not contain control characters (got "data\\u0000platform")'],
    ],
    [
      "a tag with outer whitespace",
      { owner: " data-platform" },
      ['lakehouse:owner: must not start or end with whitespace (got " data-platform")'],
    ],
    [
      "a drift schedule in Quartz form",
      { driftScheduleCron: "0 0 */6 * * ?" },
      [
        'lakehouse:driftScheduleCron: must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), for example "0 */6 * * *"; this one has 6, or empty (got "0 0 */6 * * ?")',
      ],
    ],
    [
      "a drift schedule out of range",
      { driftScheduleCron: "0 */6 * 13 *" },
      [
        "lakehouse:driftScheduleCron: is not a valid cron expression: Number '13' of months field is bigger than upper limit '12', or empty (got \"0 */6 * 13 *\")",
      ],
    ],
    [
      "the same sources directory twice",
      { sourcesDirs: ["sources", "./sources/"] },
      [
        'lakehouse:sourcesDirs[1]: "./sources/" overlaps sourcesDirs[0] "sources" (the same directory, or one inside the other); list each directory once',
      ],
    ],
    [
      "a sources directory inside another",
      { sourcesDirs: ["sources", "sources/extra"] },
      [
        'lakehouse:sourcesDirs[1]: "sources/extra" overlaps sourcesDirs[0] "sources" (the same directory, or one inside the other); list each directory once',
      ],
    ],
    [
      "PII readers that are the analysts group",
      { piiReadersGroup: "Lakehouse-Analysts" },
      [
        'lakehouse:piiReadersGroup: "Lakehouse-Analysts" is also lakehouse:analystsGroup; each role needs a group of its own',
      ],
    ],
    [
      "a fractional retention",
      { logRetentionDays: 30.5 },
      ["lakehouse:logRetentionDays: must be an integer (got 30.5)"],
    ],
    ["a negative budget", { monthlyBudget: -5 }, ["lakehouse:monthlyBudget: must be more than 0 (got -5)"]],
    [
      "a broad principal as a group",
      { analystsGroup: "account users" },
      [
        'lakehouse:analystsGroup: must be a specific group, not the broad principal "account users" (got "account users"; never granted, in any spelling: users, account users, all users, admins)',
      ],
    ],
    [
      "a user instead of a group",
      { piiReadersGroup: "alice@example.com" },
      [
        "lakehouse:piiReadersGroup: must be a group display name: letters, digits, single spaces, '.', '_' or '-', not starting or ending with a space, at most 128 characters (got \"alice@example.com\")",
      ],
    ],
    [
      "a budget that is not a number",
      { monthlyBudget: "lots" },
      ['lakehouse:monthlyBudget: must be a number (got "lots")'],
    ],
    [
      "a budget with fractions of a cent",
      { monthlyBudget: 10.555 },
      ["lakehouse:monthlyBudget: must be an amount with at most two decimals (got 10.555)"],
    ],
    [
      "five budget thresholds (six notifications with the forecast)",
      { budgetThresholds: [50, 80, 90, 100, 120] },
      ["lakehouse:budgetThresholds: must have at most 4 items (got [50,80,90,100,120])"],
    ],
    [
      "a budget threshold given twice",
      { budgetThresholds: [50, 50, 80, 80] },
      [
        "lakehouse:budgetThresholds: must not repeat a threshold (50, 80 twice); each is one notification (got [50,50,80,80])",
      ],
    ],
    ["no alert email", { alertEmails: [] }, ["lakehouse:alertEmails: must have at least 1 item (got [])"]],
    [
      "an alert email that is not one",
      { alertEmails: ["oncall"] },
      ['lakehouse:alertEmails[0]: must be an email address (got "oncall")'],
    ],
    [
      "a webhook over plain http",
      { slackWebhookUrl: "http://hooks.slack.com/x" },
      ['lakehouse:slackWebhookUrl: must be an https:// URL (got "http://hooks.slack.com/x")'],
    ],
    [
      "no alert channel at all",
      { slackWebhookUrl: undefined },
      [
        "lakehouse:slackWebhookUrl: set slackWebhookUrl or teamsWebhookUrl (pulumi config set --secret), so failures reach a channel",
      ],
    ],
    [
      "a primary database id of another resource type",
      {
        primaryDatabaseId:
          "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st",
      },
      [
        'lakehouse:primaryDatabaseId: must be the resource id of an Azure SQL database: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Sql/servers/<server>/databases/<db> (got "/subscriptions/x/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st")',
      ],
    ],
    [
      "a retention below the Log Analytics minimum",
      { logRetentionDays: 7 },
      ["lakehouse:logRetentionDays: must be at least 30 (got 7)"],
    ],
    [
      "a boolean given as text",
      { protectStatefulResources: "yes" },
      ['lakehouse:protectStatefulResources: must be a boolean (got "yes")'],
    ],
    ["a misspelt key", { ownr: "x" }, ["lakehouse:ownr: unknown field"]],
    [
      "an account stack that is not a stack name",
      { accountStack: "west europe" },
      ['lakehouse:accountStack: must be the name of a lakehouse-account stack (got "west europe")'],
    ],
    [
      "a hand-copied metastore id (the account stack owns the metastore)",
      { metastoreId: "8f2c6a1e-3b4d-4c5e-9f60-7a8b9c0d1e2f" },
      ["lakehouse:metastoreId: unknown field"],
    ],
    [
      "a node type that is not an Azure VM size",
      { nodeTypes: ["m5.xlarge"] },
      ['lakehouse:nodeTypes[0]: must be an Azure VM size such as Standard_D4ds_v5 (got "m5.xlarge")'],
    ],
    [
      "a storage SKU without redundancy options",
      { storageSku: "Premium_LRS" },
      [
        'lakehouse:storageSku: must be one of Standard_LRS, Standard_ZRS, Standard_GRS, Standard_GZRS, Standard_RAGRS, Standard_RAGZRS (got "Premium_LRS")',
      ],
    ],
    [
      "a Network Watcher id that names another resource type",
      {
        networkWatcherId:
          "/subscriptions/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/virtualNetworks/vnet",
      },
      [
        `lakehouse:networkWatcherId: must be the resource id of the region's Network Watcher: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Network/networkWatchers/<name> (got "/subscriptions/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/NetworkWatcherRG/providers/Microsoft.Network/virtualNetworks/vnet")`,
      ],
    ],
    [
      "a malware scanning cap below -1",
      { malwareScanningCapGBPerMonth: -2 },
      ["lakehouse:malwareScanningCapGBPerMonth: must be at least -1 (got -2)"],
    ],
    [
      "several problems at once",
      { environment: "", costCenter: undefined },
      [
        'lakehouse:environment: must be 2 to 8 lowercase letters or digits, starting with a letter (got "")',
        "lakehouse:costCenter: is required",
      ],
    ],
  ];
  for (const [what, change, expected] of cases) {
    it(`refuses ${what}`, () => {
      const settings = { ...validSettings(), ...change };
      for (const key of Object.keys(change)) {
        if (change[key] === undefined) delete settings[key];
      }
      assert.deepStrictEqual(problemsOf(settings), expected);
    });
  }

  it("takes a budget with cents, as a number or as the text Pulumi stores", () => {
    for (const amount of [2500.5, "2500.50", " 3000 "]) {
      const config = parsePlatformConfig({ ...validSettings(), monthlyBudget: amount }, context);
      assert.strictEqual(config.budget.monthlyAmount, Number(amount), String(amount));
    }
  });

  it("reads the Network Watcher from its id, and leaves it unset by default", () => {
    assert.strictEqual(parsePlatformConfig(validSettings(), context).networkWatcher, undefined);
    const config = parsePlatformConfig(
      {
        ...validSettings(),
        networkWatcherId:
          "/subscriptions/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-network/providers/Microsoft.Network/networkWatchers/nw-weu",
      },
      context,
    );
    assert.deepStrictEqual(config.networkWatcher, { resourceGroupName: "rg-network", name: "nw-weu" });
    assert.strictEqual(config.malwareScanningCapGBPerMonth, 5000);
  });

  it("gives a review stack names of its own and keeps its template's environment tag", () => {
    const config = parsePlatformConfig(validSettings(), {
      ...context,
      stack: "pr-transfermarket-lakehouse-platform-42",
    });
    assert.deepStrictEqual([config.environment, config.tags.environment], ["pr42", "dev"]);
    assert.strictEqual(parsePlatformConfig(validSettings(), context).environment, "dev");
  });

  it("runs a review stack on the cheapest settings, unprotected", () => {
    const template = {
      ...validSettings(),
      protectStatefulResources: true,
      storageSku: "Standard_GZRS",
      maxWorkers: 16,
      sqlWarehouseSize: "Small",
      sqlWarehouseMaxClusters: 4,
      eventHubsCapacity: 4,
      spotWorkers: false,
    };
    const review = parsePlatformConfig(template, {
      ...context,
      stack: "pr-transfermarket-lakehouse-platform-42",
    });
    const original = parsePlatformConfig(template, context);
    assert.deepStrictEqual(
      [review.review, review.protectStatefulResources, review.storage, review.logRetentionDays],
      [true, false, { sku: "Standard_LRS", softDeleteDays: 1 }, 30],
    );
    assert.deepStrictEqual(
      [review.compute.maxWorkers, review.compute.sqlWarehouseSize, review.compute.sqlWarehouseMaxClusters],
      [2, "2X-Small", 1],
    );
    assert.deepStrictEqual([review.compute.spotWorkers, review.eventHubs.capacity], [true, 1]);
    assert.deepStrictEqual(
      [original.review, original.protectStatefulResources, original.storage.sku, original.compute.maxWorkers],
      [false, true, "Standard_GZRS", 16],
    );
  });

  it("creates the region's browser-authentication endpoint where asked, never in a review stack", () => {
    const review = { ...context, stack: "pr-transfermarket-lakehouse-platform-42" };
    for (const browserAuthenticationEndpoint of [true, false]) {
      const settings = { ...validSettings(), browserAuthenticationEndpoint };
      assert.strictEqual(
        parsePlatformConfig(settings, context).databricks.browserAuthenticationEndpoint,
        browserAuthenticationEndpoint,
      );
      assert.strictEqual(
        parsePlatformConfig(settings, review).databricks.browserAuthenticationEndpoint,
        false,
      );
    }
    assert.deepStrictEqual(problemsOf({ ...validSettings(), browserAuthenticationEndpoint: "yes" }), [
      'lakehouse:browserAuthenticationEndpoint: must be a boolean (got "yes")',
    ]);
  });

  it("refuses a review stack whose name does not end in its pull request number", () => {
    assert.throws(
      () => parsePlatformConfig(validSettings(), { ...context, stack: "pr-experiment" }),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        error.problems.join() ===
          "stack pr-experiment: a review stack's name must end in its pull request number (pr-<org>-<repo>-<number>)",
    );
  });

  it("declares every setting in Pulumi.yaml with the type the program reads", () => {
    const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")) as {
      name: string;
      config: Record<string, { type: string; secret?: boolean; description?: string }>;
    };
    assert.strictEqual(project.name, PROJECT);
    const declared = Object.fromEntries(
      Object.entries(project.config).map(([key, spec]) => [key, spec.type]),
    );
    assert.deepStrictEqual(declared, settingKinds());
    const secrets = Object.keys(project.config).filter((key) => project.config[key].secret);
    assert.deepStrictEqual(secrets, [...SECRET_SETTINGS]);
    for (const [key, spec] of Object.entries(project.config)) {
      assert.ok(spec.description, `Pulumi.yaml config ${key} needs a description`);
    }
  });

  it("keeps secrets out of the stack files", () => {
    for (const stack of ["dev", "prod"]) {
      const text = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
      for (const key of SECRET_SETTINGS) {
        assert.ok(
          !text.includes(`lakehouse:${key}:`),
          `Pulumi.${stack}.yaml must not hold ${key} in plain text`,
        );
      }
    }
  });
});
