// What the gateway's unit tests share: the command table shipped with the bundle (no server needed),
// a policy at the default settings, and a fake connection that records what would reach Redis.
import { RequestBudget } from "../../../../domain/command-gateway/batch.js";
import type { CommandPolicy } from "../../../../domain/command-gateway/classifier.js";
import { deserializeTable } from "../../../../domain/command-gateway/command-table.js";
import { shippedTable } from "../../../../domain/command-gateway/gateway.js";
import { defaultGatewaySettings, type GatewaySettings } from "../../../../domain/command-gateway/settings.js";
import type { RespConnection, RespReply } from "../../../../domain/redis/resp-connection.js";

export const table = deserializeTable(shippedTable.commands);

export const policyOf = (overrides: Partial<CommandPolicy> = {}, settings: Partial<GatewaySettings> = {}): CommandPolicy => {
  const all = { ...defaultGatewaySettings, ...settings };
  return { access: "write", allowScripts: false, settings: all, allowance: new RequestBudget(all), ...overrides };
};

/** A connection whose server answers each command with `answer` (COMMAND is refused, so the shipped table is used). */
export function fakeConnection(answer: (command: string[]) => RespReply = () => Buffer.from("OK")) {
  const sent: string[][][] = [];
  const send = async (commands: string[][]) => {
    sent.push(commands);
    return commands.map((c) => (c[0] === "COMMAND" ? new Error("ERR unknown command 'COMMAND'") : answer(c))) as RespReply[];
  };
  const connection = { send, transaction: send, options: {}, close: () => undefined } as unknown as RespConnection;
  return { connection, sent };
}
