// Local-only services ship no type declarations; these are the few members we use.
declare module "dynalite" {
  import type { Server } from "node:net";
  export default function dynalite(options?: Record<string, unknown>): Server;
}
declare module "s3rver" {
  export default class S3rver {
    constructor(options: { address?: string; port?: number; silent?: boolean; directory: string; configureBuckets?: { name: string }[] });
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}
