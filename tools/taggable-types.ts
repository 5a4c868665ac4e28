// Lists the azure-native resource types that accept `tags`, read from the installed SDK, so the tagging
// policy and the tagging transformation agree with the provider. `npm run gen:taggable` rewrites the list;
// a test fails when the committed list and the installed SDK disagree.
import * as fs from "fs";
import * as path from "path";

export const TAGGABLE_TYPES_FILE = path.join(__dirname, "..", "policies", "lib", "azure-taggable-types.json");

const TYPE_TOKEN = /static __pulumiType = '([^']+)'/;
const TAGS_INPUT = 'resourceInputs["tags"] = args?.tags';

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
      const source = fs.readFileSync(path.join(root, module.name, file), "utf8");
      const token = TYPE_TOKEN.exec(source);
      if (token && source.includes(TAGS_INPUT)) {
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
