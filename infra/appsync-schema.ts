// The schema AppSync receives: `schema/command-api.graphql` (the single source, with its descriptions
// for people and the local server) parsed and printed by graphql-js without descriptions, which
// AppSync's schema parser has been known to refuse.
import { parse, print, visit, type ASTNode } from "graphql";

export function appSyncSchema(source: string): string {
  const stripped = visit(parse(source), {
    enter(node: ASTNode) {
      return "description" in node && node.description ? { ...node, description: undefined } : undefined;
    },
  });
  return print(stripped);
}
