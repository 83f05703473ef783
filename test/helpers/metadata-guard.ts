// A fake GCE metadata server that google-auth-library would find through GCE_METADATA_HOST/IP:
// suites using Google clients start it, and fail when anything ever asked it (no test may depend on,
// or probe, a real metadata server).
import { FakeServer } from "./fake-server.js";

export interface MetadataGuard {
  readonly server: FakeServer;
  /** host:port to put in a child process's GCE_METADATA_HOST / GCE_METADATA_IP */
  readonly host: string;
  /** restores the environment, closes the server, and returns the paths that were requested */
  stop(): Promise<string[]>;
}

export async function startMetadataGuard(): Promise<MetadataGuard> {
  const server = await FakeServer.start();
  const host = new URL(server.url).host;
  const saved = {
    GCE_METADATA_HOST: process.env.GCE_METADATA_HOST,
    GCE_METADATA_IP: process.env.GCE_METADATA_IP,
  };
  process.env.GCE_METADATA_HOST = host;
  process.env.GCE_METADATA_IP = host;
  return {
    server,
    host,
    async stop() {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await server.close();
      return server.requests.map((r) => r.path);
    },
  };
}
