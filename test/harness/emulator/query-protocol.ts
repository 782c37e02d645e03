// The AWS Query protocol (form-encoded requests, XML answers) as ElastiCache speaks it:
// https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/CommonParameters.html

/** A request's flattened parameters: `UserIds.member.1=a` stays a key; `listParam` reads it back as a list. */
export type QueryParams = Map<string, string>;

export const parseQuery = (body: string): QueryParams => new Map(new URLSearchParams(body).entries());

/** `Name.member.1`, `Name.member.2`, … (or `Name.<Element>.N`): the list a Query request carries under `name`. */
export function listParam(params: QueryParams, name: string): string[] {
  const pattern = new RegExp(`^${name}\\.[A-Za-z]+\\.(\\d+)$`);
  return [...params.entries()]
    .map(([key, value]) => [Number(pattern.exec(key)?.[1]), value] as const)
    .filter(([index]) => !Number.isNaN(index))
    .sort(([a], [b]) => a - b)
    .map(([, value]) => value);
}

/** A list of structures, `Name.<Element>.N.Field=value`, as records. */
export function structListParam(params: QueryParams, name: string): Record<string, string>[] {
  const pattern = new RegExp(`^${name}\\.[A-Za-z]+\\.(\\d+)\\.(\\w+)$`);
  const byIndex = new Map<number, Record<string, string>>();
  for (const [key, value] of params) {
    const match = pattern.exec(key);
    if (match) byIndex.set(Number(match[1]), { ...byIndex.get(Number(match[1])), [match[2]]: value });
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, record]) => record);
}

/** A list in an answer: its element name is the model's, which differs from list to list. */
export interface XmlList {
  element: string;
  items: XmlValue[];
}
export type XmlValue = string | number | boolean | undefined | XmlList | { [field: string]: XmlValue };

export const xmlList = (element: string, items: XmlValue[]): XmlList => ({ element, items });

const escape = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

function toXml(value: XmlValue): string {
  if (value === undefined) return "";
  if (typeof value !== "object") return escape(String(value));
  if ("element" in value && "items" in value && Array.isArray(value.items)) {
    const list = value as XmlList;
    return list.items.map((item) => `<${list.element}>${toXml(item)}</${list.element}>`).join("");
  }
  return Object.entries(value as { [field: string]: XmlValue })
    .filter(([, field]) => field !== undefined)
    .map(([name, field]) => `<${name}>${toXml(field)}</${name}>`)
    .join("");
}

export interface QueryAnswer {
  status: number;
  body: string;
}

const namespace = "http://elasticache.amazonaws.com/doc/2015-02-02/";

export const answer = (action: string, result: { [field: string]: XmlValue }): QueryAnswer => ({
  status: 200,
  body: `<${action}Response xmlns="${namespace}"><${action}Result>${toXml(result)}</${action}Result><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></${action}Response>`,
});

/** A refusal as AWS sends it: the error code the API reference lists for the action, and its HTTP status. */
export class QueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }

  toAnswer(): QueryAnswer {
    return {
      status: this.status,
      body: `<ErrorResponse xmlns="${namespace}"><Error><Type>Sender</Type><Code>${this.code}</Code><Message>${escape(this.message)}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`,
    };
  }
}
