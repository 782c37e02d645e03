// Sample recommendations in the original's format (pandas orient="table" JSON) or JSON Lines, streamed
// in chunks so a file of any size never sits in memory: `make dev`'s nightly file, the tests' and benches'.
export interface GeneratorOptions {
  users: number;
  ranks: number;
  format: "table" | "lines";
  seed?: number;
}

export async function* generateRecommendations(options: GeneratorOptions): AsyncGenerator<string> {
  let state = options.seed ?? 1;
  const movie = () => 1 + ((state = (state * 1103515245 + 12345) % 2 ** 31) % 60_000);
  const record = (userId: number) => `{"movieId":[${Array.from({ length: options.ranks }, movie).join(",")}],"userId":${userId}}`;
  const chunkUsers = 1_000;
  if (options.format === "lines") {
    for (let start = 1; start <= options.users; start += chunkUsers) {
      yield Array.from({ length: Math.min(chunkUsers, options.users - start + 1) }, (_, i) => record(start + i) + "\n").join("");
    }
    return;
  }
  yield '{"schema":{"fields":[{"name":"index","type":"integer"},{"name":"movieId","type":"string"},{"name":"userId","type":"integer"}],"primaryKey":["userId"],"pandas_version":"0.20.0"},"data":[';
  for (let start = 1; start <= options.users; start += chunkUsers) {
    const users = Array.from({ length: Math.min(chunkUsers, options.users - start + 1) }, (_, i) => record(start + i));
    yield (start === 1 ? "" : ",") + users.join(",");
  }
  yield "]}";
}
