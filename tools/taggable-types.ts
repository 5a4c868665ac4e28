// Lists the azure-native resource types that accept `tags`, read from the installed SDK, so the tagging
// policy and the tagging transformation agree with the provider. `npm run gen:taggable` rewrites the list;
// a test fails when the committed list and the installed SDK disagree.
import * as fs from "fs";
import * as path from "path";

export const TAGGABLE_TYPES_FILE = path.join(__dirname, "..", "policies", "lib", "azure-taggable-types.json");

const TYPE_TOKEN = /static __pulumiType = '([^']+)'/;
// Only a string-to-string map is an ARM tag set (legal holds and AWS connectors have other `tags`).
const TAG_MAP_INPUT =
  /\btags\?: pulumi\.Input<\{\s+\[key: string\]: pulumi\.Input<string>;\s+\} \| undefined>/;

export function scanTaggableTypes(): string[] {
  const root = path.dirname(require.resolve("@pulumi/azure-native/package.json"));
  const types: string[] = [];
  for (const module of fs.readdirSync(root, { withFileTypes: true })) {
    if (!module.isDirectory() || module.name === "types" || module.name === "node_modules") {
      continue;
    }
    for (const file of fs.readdirSync(path.join(root, module.name))) {
      if (!file.endsWith(".js")) {
        continue;
      }
      const token = TYPE_TOKEN.exec(fs.readFileSync(path.join(root, module.name, file), "utf8"));
      const declaration = path.join(root, module.name, file.replace(/\.js$/, ".d.ts"));
      if (token && TAG_MAP_INPUT.test(fs.readFileSync(declaration, "utf8"))) {
        types.push(token[1]);
      }
    }
  }
  return types.sort();
}

export function renderTaggableTypes(types: string[]): string {
  return JSON.stringify(types, null, 2) + "\n";
}

if (require.main === module) {
  const types = scanTaggableTypes();
  fs.writeFileSync(TAGGABLE_TYPES_FILE, renderTaggableTypes(types));
  console.log(
    `wrote ${types.length} taggable azure-native types to ${path.relative(process.cwd(), TAGGABLE_TYPES_FILE)}`,
  );
}
