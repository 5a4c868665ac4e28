// Writes sources/source.schema.json, the JSON Schema of data source files, from the schema the program
// validates them with; editors read it through the `# yaml-language-server: $schema=` line of each file.
// `npm run source-schema` regenerates it; a test fails when the committed file is out of date.
import * as fs from "fs";
import * as path from "path";
import { z } from "zod";
import { SOURCE_SCHEMA_FILE } from "../config/source-files";
import { SOURCE_KIND_SCHEMAS, sourceSchema } from "../config/sources";

/** The JSON Schema document, as committed (two-space JSON and a final newline). */
export function sourceJsonSchema(): string {
  const loose = new Set<unknown>(SOURCE_KIND_SCHEMAS);
  const schema = z.toJSONSchema(sourceSchema, {
    target: "draft-2020-12",
    io: "input",
    // Cross-field rules (a refinement) cannot be stated in JSON Schema; the program checks them.
    unrepresentable: "any",
    override: (ctx) => {
      // `source` is parsed loosely only to name a field of another kind; editors should flag it.
      if (loose.has(ctx.zodSchema)) ctx.jsonSchema.additionalProperties = false;
    },
  });
  const document = {
    $schema: schema.$schema,
    title: "Lakehouse data source",
    description:
      "One data source of the lakehouse platform (sources/<name>.yaml). Generated from config/sources.ts by npm run source-schema; do not edit.",
    ...schema,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

/** Where the schema is published: beside the shipped source files. */
export const SOURCE_SCHEMA_PATH = path.join(__dirname, "..", "sources", SOURCE_SCHEMA_FILE);

if (require.main === module) {
  fs.writeFileSync(SOURCE_SCHEMA_PATH, sourceJsonSchema());
  console.log(`wrote ${path.relative(process.cwd(), SOURCE_SCHEMA_PATH)}`);
}
