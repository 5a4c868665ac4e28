import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as dashboard from "@pulumi/azure-native/dashboard";
import * as oss from "@pulumiverse/grafana/oss";
import { Provider as GrafanaProvider } from "@pulumiverse/grafana/provider";
import { assignRole } from "../security/roles";

/**
 * Audience of Azure Managed Grafana's data plane (Learn, "Authenticate to Azure Managed Grafana data plane APIs
 * with Microsoft Entra ID"): an Entra token for it is a Grafana API bearer token.
 */
export const GRAFANA_AUDIENCE = "https://dashboard.azure.com";

/** The Azure Monitor data source the dashboards query: its uid is theirs to name. */
export const AZURE_MONITOR_DATA_SOURCE_UID = "lakehouse-azure-monitor";

/**
 * How often, and how many seconds apart, the Grafana provider retries a call Grafana refused: 40 x 15 s, the
 * ten minutes a new role assignment can take to apply (Learn, "Troubleshoot Azure RBAC").
 */
export const GRAFANA_RETRIES = 40;
export const GRAFANA_RETRY_WAIT_SECONDS = 15;

/** Where the dashboard templates live (one Grafana dashboard model per file), from ts-node or from dist/. */
export const DASHBOARDS_DIR = [
  path.join(__dirname, "..", "..", "dashboards"),
  path.join(__dirname, "..", "..", "..", "dashboards"),
].find((dir) => fs.existsSync(dir)) as string;

/** `{{lakehouse.<name>}}`: a value the stack fills in; Grafana's own `${var}` syntax stays Grafana's. */
export const PLACEHOLDER = /\{\{lakehouse\.([A-Za-z]+)\}\}/g;

/** Values a template may name; an undefined one drops every panel that names it (a resource the stack lacks). */
export type DashboardValues = Readonly<Record<string, string | undefined>>;

/**
 * Whether an Entra access token was issued to a person or to an application: `idtyp` says so when the token
 * carries it (`user` or `app`), and otherwise delegated (user) tokens carry the `scp` claim and application
 * tokens do not (Learn, "Access token claims reference"; azure-native tells the two apart the same way).
 * Anything that is not a readable token counts as an application, the usual deployer.
 */
export function principalTypeOf(token: string): "User" | "ServicePrincipal" {
  try {
    const claims = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8")) as Record<
      string,
      unknown
    > | null;
    if (claims?.idtyp === "app") return "ServicePrincipal";
    return claims?.idtyp === "user" || (typeof claims === "object" && claims !== null && "scp" in claims)
      ? "User"
      : "ServicePrincipal";
  } catch {
    return "ServicePrincipal";
  }
}

/** The placeholder names a piece of a dashboard model uses. */
export function placeholdersIn(model: unknown): string[] {
  return [...JSON.stringify(model).matchAll(PLACEHOLDER)].map((m) => m[1]);
}

/**
 * What a value may hold where it lands inside a KQL query (a `"..."` string literal or a datatable row): what
 * Azure resource ids and names, Unity Catalog names and job ids are made of, and double quotes only around
 * such a name. No `\`, `|`, `;`, `=` or line break, so a value can neither close its string nor add an operator.
 */
export const QUERY_VALUE = /^(?:[A-Za-z0-9 _.,:%()/-]|"[A-Za-z0-9_.-]*")*$/;

function fill(file: string, node: unknown, values: DashboardValues, inQuery = false): unknown {
  if (typeof node === "string") {
    return node.replace(PLACEHOLDER, (_, key: string) => {
      const value = values[key] as string;
      if (inQuery && !QUERY_VALUE.test(value)) {
        throw new Error(
          `dashboards/${file}: {{lakehouse.${key}}} = ${JSON.stringify(value)} cannot go into a query; allowed: letters, digits, space, _ . , : % ( ) / - and "quoted" names of letters, digits, _ . -`,
        );
      }
      return value;
    });
  }
  if (Array.isArray(node)) return node.map((item) => fill(file, item, values, inQuery));
  if (node !== null && typeof node === "object") {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [k, fill(file, v, values, inQuery || k === "query")]),
    );
  }
  return node;
}

/**
 * A dashboard model with the stack's values in place of its placeholders. Panels naming a value the stack
 * does not have (no SQL replica in a review stack, no Event Hubs without a streaming source) are left out;
 * a placeholder the stack does not know is an error, so a template cannot ship with a hole in it.
 */
export function renderDashboard(file: string, model: Record<string, unknown>, values: DashboardValues) {
  const unknown = placeholdersIn(model).filter((key) => !(key in values));
  if (unknown.length > 0) {
    throw new Error(
      `dashboards/${file}: unknown placeholder(s) ${[...new Set(unknown)].map((k) => `{{lakehouse.${k}}}`).join(", ")}; known: ${Object.keys(values).join(", ")}`,
    );
  }
  const defined = (piece: unknown) => placeholdersIn(piece).every((key) => values[key] !== undefined);
  const { panels = [], ...rest } = model as { panels?: unknown[] };
  if (!defined(rest)) {
    throw new Error(`dashboards/${file}: a value outside its panels is missing from this stack`);
  }
  return fill(file, { ...rest, panels: panels.filter(defined) }, values) as Record<string, unknown>;
}

/** Every dashboard template, by file name, in a stable order. */
export function dashboardTemplates(dir = DASHBOARDS_DIR): [string, Record<string, unknown>][] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith(".json"))
    .sort()
    .map((file) => [
      file,
      JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as Record<string, unknown>,
    ]);
}

export interface GrafanaDashboardsArgs {
  /** The stack's Managed Grafana; its `properties.endpoint` is the provider's URL. */
  readonly grafana: dashboard.Grafana;
  /** Title of the stack's dashboard folder. */
  readonly folderTitle: string;
  /** Subscription of the stack: the data source's default subscription, and where the role definitions are. */
  readonly subscriptionId: pulumi.Input<string>;
  /** Object id of the identity that deploys: it gets Grafana Admin, which data sources need. */
  readonly deployerObjectId: pulumi.Input<string>;
  /**
   * What the deployer's calls to Grafana travel over: Grafana's private endpoint DNS records (when public
   * access is disabled) and the deployer path; the provider, so every dashboard, waits for them.
   */
  readonly reachableAfter: pulumi.Input<pulumi.Resource>[];
  /** The values the templates' placeholders name (`{{lakehouse.<name>}}`). */
  readonly values: Readonly<Record<string, pulumi.Input<string> | undefined>>;
  /** The templates directory. Default: `dashboards/` at the repository root. */
  readonly dir?: string;
}

/**
 * The stack's Grafana dashboards as code: a Grafana provider on the Managed Grafana endpoint signed in with
 * the deployer's Entra token (a secret, never in state as plain text), the deployer's Grafana Admin role, an
 * Azure Monitor data source on Grafana's managed identity, a folder, and one dashboard per template in
 * `dashboards/` with the stack's values filled in.
 */
export class GrafanaDashboards extends pulumi.ComponentResource {
  public readonly provider: GrafanaProvider;
  public readonly dataSource: oss.DataSource;
  public readonly folder: oss.Folder;
  public readonly dashboards: ReadonlyMap<string, oss.Dashboard>;

  constructor(name: string, args: GrafanaDashboardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:monitoring:GrafanaDashboards", name, {}, opts);

    // Read only for its claims (user or application), never sent anywhere: the assignment comes early, so
    // the role has propagated by the time the dashboards are created.
    const identityToken = authorization.getClientTokenOutput(
      { endpoint: GRAFANA_AUDIENCE },
      { parent: this },
    ).token;
    // The deployer creates a data source, which takes Grafana's organization administrator: Grafana Admin.
    const deployerAdmin = assignRole(
      `${name}-deployer-admin`,
      {
        principalId: args.deployerObjectId,
        principalType: pulumi.unsecret(identityToken.apply(principalTypeOf)),
        role: "grafanaAdmin",
        scope: args.grafana.id,
        subscriptionId: args.subscriptionId,
      },
      { parent: this },
    );

    const names = Object.keys(args.values);
    const values = pulumi
      .all(names.map((key) => pulumi.output(args.values[key])))
      .apply((resolved) => Object.fromEntries(names.map((key, i) => [key, resolved[i]])) as DashboardValues);
    // An Entra access token lasts 60-90 minutes, and a first update reaches Grafana only hours after it
    // starts (workspace, pipelines, jobs, a geo-replica's seeding): the token is fetched when everything the
    // dashboards wait for exists, just before it is used. An Output in `dependsOn` brings its own resources
    // along: here the assignment once every value is known, so every resource a value comes from.
    const token = authorization.getClientTokenOutput(
      { endpoint: GRAFANA_AUDIENCE },
      {
        parent: this,
        dependsOn: [...args.reachableAfter, values.apply(() => deployerAdmin)],
      },
    ).token;
    this.provider = new GrafanaProvider(
      `${name}-provider`,
      {
        url: args.grafana.properties.apply((p) => p.endpoint),
        auth: pulumi.secret(token),
        // A role assignment can take minutes to apply after ARM accepts it: Grafana answers 401/403 until then,
        // so those are retried too (the provider retries only 429 and 5xx by default).
        retries: GRAFANA_RETRIES,
        retryWait: GRAFANA_RETRY_WAIT_SECONDS,
        retryStatusCodes: ["429", "5xx", "401", "403"],
      },
      // Grafana answers only on its private endpoint: nothing may call it before the records resolve its name.
      { parent: this, dependsOn: [deployerAdmin, ...args.reachableAfter] },
    );
    // Deleting the workspace deletes what it holds; a destroy, which does not run the program, would only
    // have the last update's token, expired after an hour, to delete each item with.
    const inGrafana = { parent: this, provider: this.provider, deletedWith: args.grafana };

    this.dataSource = new oss.DataSource(
      `${name}-azure-monitor`,
      {
        name: "Lakehouse Azure Monitor",
        uid: AZURE_MONITOR_DATA_SOURCE_UID,
        type: "grafana-azure-monitor-datasource",
        accessMode: "proxy",
        jsonDataEncoded: pulumi
          .output(args.subscriptionId)
          .apply((subscriptionId) => JSON.stringify({ azureAuthType: "msi", subscriptionId })),
      },
      inGrafana,
    );
    // Fixed uids: every stack, review stacks too, has its own Managed Grafana. Two stacks sharing one would
    // overwrite each other's folder and dashboards (`overwrite: true`).
    this.folder = new oss.Folder(
      `${name}-folder`,
      { title: args.folderTitle, uid: "lakehouse", preventDestroyIfNotEmpty: false },
      inGrafana,
    );

    this.dashboards = new Map(
      dashboardTemplates(args.dir).map(([file, model]) => {
        const role = file.replace(/\.json$/, "");
        const configJson = pulumi
          .all([values, this.dataSource.uid])
          .apply(([v, dataSource]) => JSON.stringify(renderDashboard(file, model, { ...v, dataSource })));
        return [
          role,
          new oss.Dashboard(
            `${name}-${role}`,
            { configJson, folder: this.folder.uid, overwrite: true, message: "Deployed by Pulumi" },
            inGrafana,
          ),
        ];
      }),
    );
    this.registerOutputs({ folder: this.folder, dataSource: this.dataSource });
  }
}
