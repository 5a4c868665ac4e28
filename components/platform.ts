import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import { PlatformConfig } from "./config";
import { Foundation } from "./foundation";
import { mandatoryTagsTransformation, Naming } from "./naming";
import { DataSource } from "./sources";

export interface LakehousePlatformArgs {
  /** Validated stack configuration. */
  readonly config: PlatformConfig;
  /** Validated data sources, one per `sources/<name>.yaml`. */
  readonly sources: readonly DataSource[];
}

/**
 * The whole governed lakehouse of one stack. It composes one component per concern and hands their outputs
 * to each other; every taggable Azure resource below it gets the mandatory tags.
 */
export class LakehousePlatform extends pulumi.ComponentResource {
  public readonly naming: Naming;
  public readonly foundation: Foundation;

  constructor(name: string, args: LakehousePlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    const { config } = args;
    const tags = { ...config.tags, managedBy: "pulumi", project: config.project, stack: config.stack };
    super(
      "lakehouse:core:LakehousePlatform",
      name,
      {},
      {
        ...opts,
        transformations: [mandatoryTagsTransformation(tags), ...(opts?.transformations ?? [])],
      },
    );
    this.naming = new Naming({
      prefix: config.prefix,
      environment: config.environment,
      location: config.location,
    });
    const client = authorization.getClientConfigOutput({ parent: this });

    this.foundation = new Foundation(
      `${name}-foundation`,
      {
        naming: this.naming,
        location: config.location,
        tenantId: client.tenantId,
        logRetentionDays: config.logRetentionDays,
        protect: config.protectStatefulResources,
      },
      { parent: this },
    );

    this.registerOutputs({ foundation: this.foundation });
  }
}
