// Writes a sample recommendations file to stdout:
//   npx tsx tools/generate-recommendations.ts --users 1000 --ranks 10 [--format lines] > file.json
import { generateRecommendations } from "../local/dev/sample-recommendations.js";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const options = { users: Number(arg("users", "1000")), ranks: Number(arg("ranks", "10")), format: arg("format", "table") as "table" | "lines" };
for await (const chunk of generateRecommendations(options)) {
  if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once("drain", r));
}
